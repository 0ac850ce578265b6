#include "codec/util.hpp"

#include "json/text.hpp"

namespace kv::detail {

std::string truncate_for_message(std::string_view text) {
  constexpr std::size_t kMax = 40;
  if (!json::is_valid_utf8(text)) {
    // Messages stay valid UTF-8: bytes of invalid text are shown as \xHH.
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string shown;
    std::size_t k = 0;
    for (; k < text.size() && shown.size() < kMax; ++k) {
      auto c = static_cast<unsigned char>(text[k]);
      if (c < 0x80) {
        shown.push_back(static_cast<char>(c));
      } else {
        shown += std::string("\\x") + kHex[c >> 4] + kHex[c & 15];
      }
    }
    return k < text.size() ? shown + "\xE2\x80\xA6" : shown;
  }
  if (text.size() <= kMax) return std::string(text);
  std::size_t cut = kMax;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // continuation byte
  return std::string(text.substr(0, cut)) + "\xE2\x80\xA6";                         // U+2026
}

std::string format_double(double d) {
  std::string s;
  json::append_double(s, d);
  if (s == "null") return "NaN";
  if (s == "9e999") return "Infinity";
  if (s == "-9e999") return "-Infinity";
  return s;
}

std::string describe(const ValueView& v) {
  switch (v.kind) {
    case Kind::null: return "NULL";
    case Kind::integer: return std::to_string(v.i);
    case Kind::real: return "REAL " + format_double(v.r);
    case Kind::text:
    case Kind::json: return "TEXT '" + truncate_for_message(v.bytes) + "'";
    case Kind::blob: return "BLOB of " + std::to_string(v.bytes.size()) + " bytes";
  }
  return "?";
}

}  // namespace kv::detail
