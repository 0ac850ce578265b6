#include "codec/str.hpp"

#include <cstdint>

#include "codec/element.hpp"
#include "codec/util.hpp"
#include "common/error.hpp"
#include "json/text.hpp"

namespace kv::codec::str {
namespace {

// Decodes the code point at p (text already validated as UTF-8); advances p.
std::uint32_t next_code_point(const unsigned char*& p) {
  unsigned char c = *p++;
  if (c < 0x80) return c;
  int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : 1;
  std::uint32_t cp = c & (0x3F >> extra);
  for (int k = 0; k < extra; ++k) cp = (cp << 6) | (*p++ & 0x3F);
  return cp;
}

void append_unit16(std::string& out, std::uint16_t u, bool big_endian) {
  char hi = static_cast<char>(u >> 8), lo = static_cast<char>(u & 0xFF);
  if (big_endian) {
    out.push_back(hi);
    out.push_back(lo);
  } else {
    out.push_back(lo);
    out.push_back(hi);
  }
}

std::string code_point_name(std::uint32_t cp) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string s = "U+";
  int digits = cp > 0xFFFF ? (cp > 0xFFFFF ? 6 : 5) : 4;
  for (int k = digits - 1; k >= 0; --k) s.push_back(kHex[(cp >> (4 * k)) & 15]);
  if (cp >= 0x20 && cp != 0x7F) {
    s += " '";
    json::append_utf8(s, cp);
    s += "'";
  }
  return s;
}

[[noreturn]] void corrupt(const std::string& dtype_name, const std::string& why) {
  fail(Errc::corrupt, "cannot decode " + dtype_name + ": " + why);
}

}  // namespace

void encode(Encoding enc, std::string_view utf8, std::string& out, const DType& dtype) {
  if (!json::is_valid_utf8(utf8))
    fail(Errc::invalid_argument, dtype.name() + " expects valid UTF-8 TEXT, got invalid UTF-8 '" +
                                     detail::truncate_for_message(utf8) + "'");
  if (enc == Encoding::utf8) {
    out.append(utf8);
    return;
  }
  const auto* p = reinterpret_cast<const unsigned char*>(utf8.data());
  const auto* end = p + utf8.size();
  std::size_t index = 0;
  for (; p < end; ++index) {
    std::uint32_t cp = next_code_point(p);
    switch (enc) {
      case Encoding::utf16le:
      case Encoding::utf16be: {
        bool be = enc == Encoding::utf16be;
        if (cp < 0x10000) {
          append_unit16(out, static_cast<std::uint16_t>(cp), be);
        } else {
          cp -= 0x10000;
          append_unit16(out, static_cast<std::uint16_t>(0xD800 | (cp >> 10)), be);
          append_unit16(out, static_cast<std::uint16_t>(0xDC00 | (cp & 0x3FF)), be);
        }
        break;
      }
      case Encoding::latin1:
      case Encoding::ascii: {
        std::uint32_t max = enc == Encoding::latin1 ? 0xFF : 0x7F;
        if (cp > max)
          fail(Errc::out_of_range, "character " + code_point_name(cp) + " at index " + std::to_string(index) +
                                       " of '" + detail::truncate_for_message(utf8) +
                                       "' cannot be encoded in " + encoding_name(enc) + " (" + dtype.name() +
                                       ")");
        out.push_back(static_cast<char>(cp));
        break;
      }
      case Encoding::utf8: break;
    }
  }
}

namespace {

// Walks the stored bytes of a str element in enc, calling emit(code point)
// for each character; fails (corrupt) on bytes that do not decode. The one
// place that knows what a well-formed stored string is: check_str() passes
// no emit, decode() appends each code point.
template <class Emit>
void walk(Encoding enc, std::string_view data, const DType& dtype, Emit&& emit) {
  switch (enc) {
    case Encoding::utf8:
      if (!json::is_valid_utf8(data)) corrupt(dtype.name(), "bytes are not valid UTF-8");
      return;  // valid UTF-8 is its own text: callers take the bytes as they are
    case Encoding::ascii:
      for (std::size_t k = 0; k < data.size(); ++k)
        if (static_cast<unsigned char>(data[k]) > 0x7F)
          corrupt(dtype.name(), "byte " + std::to_string(static_cast<unsigned char>(data[k])) +
                                    " at offset " + std::to_string(k) + " is not ASCII");
      return;  // ASCII is UTF-8 as it is
    case Encoding::latin1:
      for (char c : data) emit(static_cast<unsigned char>(c));
      return;
    case Encoding::utf16le:
    case Encoding::utf16be: {
      if (data.size() % 2)
        corrupt(dtype.name(), "odd byte length " + std::to_string(data.size()) + " for UTF-16");
      bool be = enc == Encoding::utf16be;
      auto unit = [&](std::size_t k) -> std::uint32_t {
        auto a = static_cast<unsigned char>(data[k]), b = static_cast<unsigned char>(data[k + 1]);
        return be ? (a << 8 | b) : (b << 8 | a);
      };
      for (std::size_t k = 0; k < data.size(); k += 2) {
        std::uint32_t u = unit(k);
        if (u >= 0xD800 && u <= 0xDBFF) {
          std::uint32_t low = k + 3 < data.size() ? unit(k + 2) : 0;
          if (low < 0xDC00 || low > 0xDFFF)
            corrupt(dtype.name(), "lone high surrogate at offset " + std::to_string(k));
          u = 0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00);
          k += 2;
        } else if (u >= 0xDC00 && u <= 0xDFFF) {
          corrupt(dtype.name(), "lone low surrogate at offset " + std::to_string(k));
        }
        emit(u);
      }
      return;
    }
  }
}

}  // namespace

std::string decode(Encoding enc, std::string_view data, const DType& dtype) {
  std::string out;
  if (enc == Encoding::utf8 || enc == Encoding::ascii) {
    walk(enc, data, dtype, [](std::uint32_t) {});
    out.assign(data);
    return out;
  }
  out.reserve(data.size());
  walk(enc, data, dtype, [&](std::uint32_t cp) { json::append_utf8(out, cp); });
  return out;
}

std::string_view stored_text(const DType& dtype, std::string_view element) {
  if (!dtype.fixed_size) return element;
  if (element.size() != dtype.fixed_size) detail::wrong_element_size(dtype, element.size());
  bool wide = dtype.encoding == Encoding::utf16le || dtype.encoding == Encoding::utf16be;
  std::size_t n = element.size();
  if (wide) {
    while (n >= 2 && element[n - 1] == '\0' && element[n - 2] == '\0') n -= 2;
  } else {
    while (n >= 1 && element[n - 1] == '\0') --n;
  }
  return element.substr(0, n);
}

std::string_view check_str(const DType& dtype, std::string_view element) {
  std::string_view text = stored_text(dtype, element);
  walk(dtype.encoding, text, dtype, [](std::uint32_t) {});
  return text;
}

void check_bytes(const DType& dtype, std::string_view element) {
  if (dtype.fixed_size && element.size() != dtype.fixed_size) detail::wrong_element_size(dtype, element.size());
}

void pack_bytes(const DType& dtype, const ValueView& value, std::string& out) {
  if (value.kind != Kind::blob && value.kind != Kind::text && value.kind != Kind::json)
    fail(Errc::type_mismatch, dtype.name() + " expects a BLOB (or TEXT), got " + detail::describe(value));
  std::size_t n = value.bytes.size();
  if (dtype.fixed_size && n > dtype.fixed_size)
    fail(Errc::too_big, "value of " + std::to_string(n) + " bytes is too big for " + dtype.name() +
                            " (at most " + std::to_string(dtype.fixed_size) +
                            " bytes; no silent truncation)");
  out.append(value.bytes);
  if (dtype.fixed_size) out.append(dtype.fixed_size - n, '\0');
}

Value unpack_bytes(const DType& dtype, std::string_view element) {
  check_bytes(dtype, element);
  return Value::blob(std::string(element));
}

void pack_str(const DType& dtype, const ValueView& value, std::string& out) {
  if (value.kind != Kind::text && value.kind != Kind::json)
    fail(Errc::type_mismatch, dtype.name() + " expects TEXT, got " + detail::describe(value));
  const std::size_t start = out.size();
  try {
    encode(dtype.encoding, value.bytes, out, dtype);
    if (dtype.fixed_size) {
      std::size_t n = out.size() - start;
      if (n > dtype.fixed_size)
        fail(Errc::too_big, "'" + detail::truncate_for_message(value.bytes) + "' encodes to " +
                                std::to_string(n) + " bytes, too big for " + dtype.name() + " (at most " +
                                std::to_string(dtype.fixed_size) + " bytes; no silent truncation)");
      if (!value.bytes.empty() && value.bytes.back() == '\0')
        fail(Errc::invalid_argument, "text ending in U+0000 cannot be stored in " + dtype.name() +
                                         ": it could not be told from the zero padding");
      out.append(dtype.fixed_size - n, '\0');
    }
  } catch (...) {
    out.resize(start);
    throw;
  }
}

Value unpack_str(const DType& dtype, std::string_view element) {
  return Value::text(decode(dtype.encoding, stored_text(dtype, element), dtype));
}

}  // namespace kv::codec::str
