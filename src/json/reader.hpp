// A small pull reader for JSON text, for the DataPacker's array inputs
// (kv_pack_many, vec values, offsets lists): numbers are read straight into
// int64/uint64/double with no DOM and no allocation per element.
// Malformed JSON is kv::Error(invalid_argument) naming the byte offset.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace kv::json {

struct Number {
  enum class Type : std::uint8_t { integer, uinteger, real } type = Type::integer;
  std::int64_t i = 0;   // integer: fits int64
  std::uint64_t u = 0;  // uinteger: above INT64_MAX, fits uint64
  double d = 0;         // real (also an integer literal beyond uint64)
};

class Reader {
 public:
  explicit Reader(std::string_view text, std::string what = "JSON") : s_(text), what_(std::move(what)) {}

  // The next non-space character, or '\0' at the end.
  char peek() {
    skip_ws();
    return pos_ < s_.size() ? s_[pos_] : '\0';
  }
  // Consumes c (after spaces) if it is next.
  bool consume(char c) {
    if (peek() != c) return false;
    ++pos_;
    return true;
  }
  void expect(char c);
  // Fails unless only spaces remain.
  void expect_end();

  Number number();
  std::string string();  // decoded UTF-8
  // Skips one value of any type and returns its text.
  std::string_view skip_value();

  // For arrays: call after '[' was consumed; returns false at ']' (consumed),
  // else true when another element follows (the ',' consumed).
  bool next_element(bool first);

  std::size_t offset() const { return pos_; }
  [[noreturn]] void error(const std::string& expected) const;

 private:
  void skip_ws() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\r' || s_[pos_] == '\t'))
      ++pos_;
  }
  std::uint32_t hex4();

  std::string_view s_;
  std::string what_;
  std::size_t pos_ = 0;
};

}  // namespace kv::json
