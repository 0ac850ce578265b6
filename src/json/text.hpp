// Writing JSON text directly (no DOM): the pieces every decoder that returns
// JSON uses, so numbers and strings look the same whatever produced them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace kv::json {

// A JSON string literal of UTF-8 text: quotes, \" \\ \b \f \n \r \t and
// \u00XX for other control characters. Invalid UTF-8 is an error (corrupt).
void append_string(std::string& out, std::string_view utf8);

void append_int(std::string& out, std::int64_t v);
void append_uint(std::string& out, std::uint64_t v);

// Shortest text that reads back as the same double; always has a '.', 'e' or
// is special so it reads back as a float ("1.0", not "1"). +-Infinity is
// written 9e999 / -9e999 (SQLite's own JSON spelling, which reads back as
// infinity); NaN is written null.
void append_double(std::string& out, double v);
// The same for a float32 value (shortest text that reads back as that float).
void append_float(std::string& out, float v);

// Appends code point cp (<= U+10FFFF, not a surrogate) as UTF-8.
void append_utf8(std::string& out, std::uint32_t cp);

// True when text is valid UTF-8 (no overlongs, surrogates or > U+10FFFF).
bool is_valid_utf8(std::string_view text) noexcept;

// text with every byte that is not part of a valid UTF-8 sequence written as
// \xHH (two upper-case hex digits); valid text comes back unchanged. Error
// messages and TEXT results pass through this, so hosts that decode them
// strictly (Python's sqlite3) see valid UTF-8.
std::string escape_invalid_utf8(std::string_view text);

}  // namespace kv::json
