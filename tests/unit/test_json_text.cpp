#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "common/error.hpp"
#include "json/text.hpp"

namespace json = kv::json;

static std::string str(std::string_view s) {
  std::string out;
  json::append_string(out, s);
  return out;
}
static std::string dbl(double v) {
  std::string out;
  json::append_double(out, v);
  return out;
}

TEST(JsonText, StringsEscapeQuotesBackslashesAndControls) {
  EXPECT_EQ(str("hi"), "\"hi\"");
  EXPECT_EQ(str("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(str("\n\t\r\b\f"), "\"\\n\\t\\r\\b\\f\"");
  EXPECT_EQ(str(std::string_view("\0\x1f", 2)), "\"\\u0000\\u001f\"");
  EXPECT_EQ(str("h\xC3\xA9"), "\"h\xC3\xA9\"");  // UTF-8 passes through
}

TEST(JsonText, InvalidUtf8IsCorrupt) {
  for (std::string_view bad : {"\xFF", "\xC3", "\xC0\x80", "\xED\xA0\x80", "\xF4\x90\x80\x80"}) {
    EXPECT_FALSE(json::is_valid_utf8(bad));
    EXPECT_THROW(str(bad), kv::Error);
  }
  EXPECT_TRUE(json::is_valid_utf8("\xF0\x9F\x98\x80"));
}

TEST(JsonText, InvalidUtf8IsEscapedForMessages) {
  EXPECT_EQ(kv::json::escape_invalid_utf8("plain \xC3\xA9 text"), "plain \xC3\xA9 text");  // valid: unchanged
  EXPECT_EQ(kv::json::escape_invalid_utf8("a\xFF" "b"), "a\\xFFb");
  EXPECT_EQ(kv::json::escape_invalid_utf8("\xC3"), "\\xC3");                           // cut sequence
  EXPECT_EQ(kv::json::escape_invalid_utf8("\xED\xA0\x80"), "\\xED\\xA0\\x80");      // surrogate
  EXPECT_EQ(kv::json::escape_invalid_utf8("\xC0\xAF"), "\\xC0\\xAF");                // overlong
  EXPECT_EQ(kv::json::escape_invalid_utf8("\xE2\x82\xAC\x80"), "\xE2\x82\xAC\\x80");  // valid, then stray
  EXPECT_TRUE(kv::json::is_valid_utf8(kv::json::escape_invalid_utf8("\xF4\x90\x80\x80 \xFE")));
}

TEST(JsonText, DoublesAreShortestAndStayFloats) {
  EXPECT_EQ(dbl(1.0), "1.0");
  EXPECT_EQ(dbl(-0.0), "-0.0");
  EXPECT_EQ(dbl(0.1), "0.1");
  EXPECT_EQ(dbl(1e300), "1e+300");
  EXPECT_EQ(dbl(std::numeric_limits<double>::infinity()), "9e999");
  EXPECT_EQ(dbl(-std::numeric_limits<double>::infinity()), "-9e999");
  EXPECT_EQ(dbl(std::nan("")), "null");
  std::string f;
  json::append_float(f, 0.1f);
  EXPECT_EQ(f, "0.1");
}

TEST(JsonText, Integers) {
  std::string out;
  json::append_int(out, std::numeric_limits<std::int64_t>::min());
  out += ",";
  json::append_uint(out, std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(out, "-9223372036854775808,18446744073709551615");
}
