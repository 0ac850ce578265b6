#include "json/reader.hpp"

#include <charconv>
#include <cstdlib>

#include "common/error.hpp"
#include "json/text.hpp"

namespace kv::json {

void Reader::error(const std::string& expected) const {
  std::string got = pos_ < s_.size() ? "'" + std::string(s_.substr(pos_, 12)) + "'" : "the end";
  fail(Errc::invalid_argument,
       "malformed " + what_ + " at byte " + std::to_string(pos_) + ": expected " + expected + ", got " + got);
}

void Reader::expect(char c) {
  if (!consume(c)) error(std::string("'") + c + "'");
}

void Reader::expect_end() {
  if (peek() != '\0') error("the end of the text");
}

bool Reader::next_element(bool first) {
  if (first) {
    if (consume(']')) return false;
    return true;
  }
  if (consume(',')) return true;
  if (consume(']')) return false;
  error("',' or ']'");
}

Number Reader::number() {
  skip_ws();
  const std::size_t start = pos_;
  auto digit = [&] { return pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9'; };
  bool negative = pos_ < s_.size() && s_[pos_] == '-';
  if (negative) ++pos_;
  if (!digit()) error("a number");
  if (s_[pos_] == '0') {
    ++pos_;
  } else {
    while (digit()) ++pos_;
  }
  bool integral = true;
  if (pos_ < s_.size() && s_[pos_] == '.') {
    integral = false;
    ++pos_;
    if (!digit()) error("a digit after '.'");
    while (digit()) ++pos_;
  }
  if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
    integral = false;
    ++pos_;
    if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
    if (!digit()) error("a digit in the exponent");
    while (digit()) ++pos_;
  }
  const char* b = s_.data() + start;
  const char* e = s_.data() + pos_;
  Number n;
  if (integral) {
    if (std::from_chars(b, e, n.i).ec == std::errc()) return n;
    if (!negative && std::from_chars(b, e, n.u).ec == std::errc()) {
      n.type = Number::Type::uinteger;
      return n;
    }
  }
  n.type = Number::Type::real;
  auto r = std::from_chars(b, e, n.d);
  if (r.ec == std::errc::result_out_of_range) {  // overflow to +-inf (9e999) or underflow to 0
    std::string copy(b, e);
    n.d = std::strtod(copy.c_str(), nullptr);
  }
  return n;
}

std::uint32_t Reader::hex4() {
  if (s_.size() - pos_ < 4) error("4 hex digits");
  std::uint32_t v = 0;
  for (int k = 0; k < 4; ++k) {
    char c = s_[pos_++];
    v <<= 4;
    if (c >= '0' && c <= '9')
      v |= static_cast<std::uint32_t>(c - '0');
    else if (c >= 'a' && c <= 'f')
      v |= static_cast<std::uint32_t>(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F')
      v |= static_cast<std::uint32_t>(c - 'A' + 10);
    else {
      --pos_;
      error("a hex digit");
    }
  }
  return v;
}

std::string Reader::string() {
  expect('"');
  std::string out;
  std::size_t run = pos_;
  for (;;) {
    if (pos_ >= s_.size()) error("a closing '\"'");
    unsigned char c = static_cast<unsigned char>(s_[pos_]);
    if (c == '"') break;
    if (c < 0x20) error("no raw control character in a string");
    if (c != '\\') {
      ++pos_;
      continue;
    }
    out.append(s_.data() + run, pos_ - run);
    ++pos_;
    if (pos_ >= s_.size()) error("an escape");
    char esc = s_[pos_++];
    switch (esc) {
      case '"': out += '"'; break;
      case '\\': out += '\\'; break;
      case '/': out += '/'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': {
        std::uint32_t cp = hex4();
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          if (s_.substr(pos_, 2) != "\\u") error("a low surrogate escape after a high surrogate");
          pos_ += 2;
          std::uint32_t low = hex4();
          if (low < 0xDC00 || low > 0xDFFF) error("a low surrogate (DC00-DFFF)");
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          error("no lone low surrogate");
        }
        append_utf8(out, cp);
        break;
      }
      default: --pos_; error("a valid escape");
    }
    run = pos_;
  }
  out.append(s_.data() + run, pos_ - run);
  ++pos_;  // closing quote
  if (!is_valid_utf8(out))
    fail(Errc::invalid_argument, "malformed " + what_ + ": a string is not valid UTF-8");
  return out;
}

std::string_view Reader::skip_value() {
  char c = peek();
  const std::size_t start = pos_;
  if (c == '"') {
    string();
  } else if (c == '-' || (c >= '0' && c <= '9')) {
    number();
  } else if (c == '[' || c == '{') {
    // Iterative, so deep nesting cannot overflow the stack; strings are
    // skipped whole so brackets inside them do not count.
    std::string stack;
    for (;;) {
      char k = peek();
      if (k == '"') {
        string();
      } else if (k == '[' || k == '{') {
        stack.push_back(k == '[' ? ']' : '}');
        ++pos_;
      } else if (k == ']' || k == '}') {
        if (stack.empty() || stack.back() != k) error("a matching bracket");
        stack.pop_back();
        ++pos_;
        if (stack.empty()) break;
      } else if (k == ',' || k == ':') {
        ++pos_;
      } else {
        skip_value();  // a scalar: never recurses further
      }
    }
  } else if (s_.substr(pos_, 4) == "true" || s_.substr(pos_, 4) == "null") {
    pos_ += 4;
  } else if (s_.substr(pos_, 5) == "false") {
    pos_ += 5;
  } else {
    error("a JSON value");
  }
  return s_.substr(start, pos_ - start);
}

}  // namespace kv::json
