#include "json/text.hpp"

#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <cstring>

#include "common/error.hpp"

namespace kv::json {

// Element reads of str columns validate every value, so this is on the hot
// path of a scan: an ASCII prefix is skipped 8 bytes at a time (short values
// are mostly ASCII), the rest goes to simdjson's SIMD validator (the same
// strict rules: no overlong forms, no surrogates, nothing above U+10FFFF).
bool is_valid_utf8(std::string_view text) noexcept {
  std::size_t k = 0;
  for (std::uint64_t word; k + 8 <= text.size(); k += 8) {
    std::memcpy(&word, text.data() + k, 8);
    if (word & 0x8080808080808080ull) break;
  }
  while (k < text.size() && static_cast<unsigned char>(text[k]) < 0x80) ++k;
  return k == text.size() || simdjson::validate_utf8(text.data() + k, text.size() - k);
}

std::string escape_invalid_utf8(std::string_view text) {
  if (is_valid_utf8(text)) return std::string(text);
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() + 16);
  for (std::size_t k = 0; k < text.size();) {
    auto lead = static_cast<unsigned char>(text[k]);
    std::size_t len = lead < 0x80 ? 1 : lead >= 0xC2 && lead <= 0xDF ? 2 : lead >= 0xE0 && lead <= 0xEF ? 3
                                     : lead >= 0xF0 && lead <= 0xF4 ? 4 : 0;
    if (len && k + len <= text.size() && (len == 1 || is_valid_utf8(text.substr(k, len)))) {
      out.append(text.data() + k, len);
      k += len;
    } else {
      out += "\\x";
      out += kHex[lead >> 4];
      out += kHex[lead & 15];
      ++k;
    }
  }
  return out;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

void append_string(std::string& out, std::string_view utf8) {
  if (!is_valid_utf8(utf8)) fail(Errc::corrupt, "string is not valid UTF-8");
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  std::size_t run = 0;  // start of the pending run of bytes that need no escape
  for (std::size_t k = 0; k < utf8.size(); ++k) {
    unsigned char c = static_cast<unsigned char>(utf8[k]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(utf8.data() + run, k - run);
    run = k + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        out += "\\u00";
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 15]);
    }
  }
  out.append(utf8.data() + run, utf8.size() - run);
  out.push_back('"');
}

void append_int(std::string& out, std::int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void append_uint(std::string& out, std::uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

namespace {

template <class F>
void append_floating(std::string& out, F v) {
  if (std::isnan(v)) {
    out += "null";
    return;
  }
  if (std::isinf(v)) {
    out += v > 0 ? "9e999" : "-9e999";
    return;
  }
  char buf[40];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  std::string_view s(buf, static_cast<std::size_t>(r.ptr - buf));
  out.append(s);
  if (s.find_first_of(".e") == std::string_view::npos) out += ".0";
}

}  // namespace

void append_double(std::string& out, double v) { append_floating(out, v); }
void append_float(std::string& out, float v) { append_floating(out, v); }

}  // namespace kv::json
