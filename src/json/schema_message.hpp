// How JSON Schema error messages quote a piece of the schema (a pattern, a
// "$ref", an "$id"): in single quotes, at most 80 bytes, cut on a UTF-8
// boundary with the full length given. Schema text is valid UTF-8 (parsed
// JSON), so the quote is too.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace kv::schema {

inline std::string quote_for_message(std::string_view text) {
  constexpr std::size_t kMax = 80;
  if (text.size() <= kMax) return "'" + std::string(text) + "'";
  std::size_t cut = kMax;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return "'" + std::string(text.substr(0, cut)) + "...' (" + std::to_string(text.size()) + " bytes)";
}

}  // namespace kv::schema
