// bytes, bytes:N and str[:N]:ENC through the dispatch.
#include <gtest/gtest.h>

#include "codec/codec.hpp"
#include "common/error.hpp"
#include "test_helpers.hpp"

namespace {

const auto hex = kvtest::hex_upper;

using namespace kvtest::codec_test_names;

// "a", "é" (2-byte UTF-8), "€" (3-byte), "😀" U+1F600 (4-byte, a surrogate pair in UTF-16).
const std::string kMixed = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80";

TEST(CodecBytes, RoundTripAndPadding) {
  EXPECT_EQ(unpack("bytes", pack("bytes", ValueView::blob(std::string("\0\1\2", 3)))),
            Value::blob(std::string("\0\1\2", 3)));
  EXPECT_EQ(pack("bytes", ValueView::text("hi")), "hi");  // TEXT is its UTF-8 bytes
  EXPECT_EQ(pack("bytes", ValueView::blob("")), "");
  EXPECT_EQ(hex(pack("bytes:4", ValueView::blob("ab"))), "61620000");
  EXPECT_EQ(unpack("bytes:4", pack("bytes:4", ValueView::blob("ab"))), Value::blob(std::string("ab\0\0", 4)));
  EXPECT_EQ(pack("bytes:2", ValueView::blob("ab")), "ab");
}

TEST(CodecBytes, Errors) {
  auto big = error_of([] { pack("bytes:2", ValueView::blob("abc")); });
  EXPECT_EQ(big.first, Errc::too_big);
  EXPECT_EQ(big.second, "value of 3 bytes is too big for bytes:2 (at most 2 bytes; no silent truncation)");
  EXPECT_EQ(error_of([] { pack("bytes", ValueView::integer(1)); }).first, Errc::type_mismatch);
  EXPECT_EQ(error_of([] { pack("bytes", ValueView::real(1)); }).first, Errc::type_mismatch);
  EXPECT_EQ(error_of([] { pack("bytes", ValueView::null()); }).first, Errc::type_mismatch);
  auto size = error_of([] { unpack("bytes:4", "abc"); });
  EXPECT_EQ(size.first, Errc::corrupt);
  EXPECT_EQ(size.second, "expected 4 bytes for bytes:4, got 3");
}

TEST(CodecStr, EveryEncodingRoundTripsWithNonBmp) {
  EXPECT_EQ(pack("str", ValueView::text(kMixed)), kMixed);
  EXPECT_EQ(hex(pack("str:utf16le", ValueView::text(kMixed))), "6100E900AC203DD800DE");
  EXPECT_EQ(hex(pack("str:utf16be", ValueView::text(kMixed))), "006100E920ACD83DDE00");
  for (const char* d :
       {"str", "str:utf8", "str:utf16le", "str:utf16be", "str:64:utf8", "str:64:utf16le", "str:64:utf16be"})
    EXPECT_EQ(unpack(d, pack(d, ValueView::text(kMixed))), Value::text(kMixed)) << d;
  EXPECT_EQ(hex(pack("str:latin1", ValueView::text("a\xC3\xA9\xC3\xBF"))), "61E9FF");
  EXPECT_EQ(unpack("str:latin1", "\x61\xE9\xFF"), Value::text("a\xC3\xA9\xC3\xBF"));
  EXPECT_EQ(unpack("str:ascii", pack("str:ascii", ValueView::text("plain ~"))), Value::text("plain ~"));
  EXPECT_EQ(unpack("str:utf16le", ""), Value::text(""));
  // U+0000 inside variable-size strings is kept.
  EXPECT_EQ(unpack("str", pack("str", ValueView::text(std::string("a\0", 2)))),
            Value::text(std::string("a\0", 2)));
}

TEST(CodecStr, FixedWidthPadsAndStripsCodeUnits) {
  EXPECT_EQ(hex(pack("str:6:utf8", ValueView::text("ab"))), "616200000000");
  EXPECT_EQ(hex(pack("str:6:utf16le", ValueView::text("ab"))), "610062000000");
  // U+0100 is 00 01 in UTF-16BE: its zero byte is not padding.
  EXPECT_EQ(hex(pack("str:4:utf16be", ValueView::text("\xC4\x80"))), "01000000");
  EXPECT_EQ(unpack("str:4:utf16be", std::string("\x01\x00\x00\x00", 4)), Value::text("\xC4\x80"));
  EXPECT_EQ(unpack("str:4:utf16le", std::string("\x00\x01\x00\x00", 4)), Value::text("\xC4\x80"));
  EXPECT_EQ(unpack("str:3:latin1", std::string("\xE9\0\0", 3)), Value::text("\xC3\xA9"));
  EXPECT_EQ(unpack("str:2", std::string("ab", 2)), Value::text("ab"));
  EXPECT_EQ(unpack("str:2", std::string("\0\0", 2)), Value::text(""));
}

TEST(CodecStr, FixedWidthErrors) {
  auto big = error_of([] { pack("str:4:utf16le", ValueView::text("abc")); });
  EXPECT_EQ(big.first, Errc::too_big);
  EXPECT_EQ(big.second,
            "'abc' encodes to 6 bytes, too big for str:4:utf16le (at most 4 bytes; no silent truncation)");
  auto nul = error_of([] { pack("str:8", ValueView::text(std::string("a\0", 2))); });
  EXPECT_EQ(nul.first, Errc::invalid_argument);
  EXPECT_NE(nul.second.find("U+0000"), std::string::npos);
  EXPECT_EQ(error_of([] { unpack("str:8", "abc"); }).second, "expected 8 bytes for str:8:utf8, got 3");
}

TEST(CodecStr, UnencodableCharactersNameCharacterAndIndex) {
  auto latin = error_of([] { pack("str:latin1", ValueView::text("ab\xC4\x80")); });
  EXPECT_EQ(latin.first, Errc::out_of_range);
  EXPECT_EQ(
      latin.second,
      "character U+0100 '\xC4\x80' at index 2 of 'ab\xC4\x80' cannot be encoded in latin1 (str:latin1)");
  auto ascii = error_of([] { pack("str:ascii", ValueView::text("x\xC3\xA9")); });
  EXPECT_EQ(ascii.first, Errc::out_of_range);
  EXPECT_NE(ascii.second.find("U+00E9"), std::string::npos);
  EXPECT_NE(error_of([] { pack("str:latin1", ValueView::text(kMixed)); }).second.find("U+20AC"),
            std::string::npos);
}

TEST(CodecStr, InputErrors) {
  EXPECT_EQ(error_of([] { pack("str", ValueView::blob("a")); }).first, Errc::type_mismatch);
  EXPECT_EQ(error_of([] { pack("str", ValueView::integer(1)); }).second, "str:utf8 expects TEXT, got 1");
  EXPECT_EQ(error_of([] { pack("str", ValueView::null()); }).first, Errc::type_mismatch);
  EXPECT_EQ(error_of([] { pack("str:utf16le", ValueView::text("\xFF")); }).first, Errc::invalid_argument);
  EXPECT_EQ(error_of([] { pack("str", ValueView::text("\xC0\x80")); }).first, Errc::invalid_argument);
}

TEST(CodecStr, UndecodableBytesAreCorrupt) {
  EXPECT_EQ(error_of([] { unpack("str", "\xFF"); }).first, Errc::corrupt);
  EXPECT_EQ(error_of([] { unpack("str:utf16le", "abc"); }).second,
            "cannot decode str:utf16le: odd byte length 3 for UTF-16");
  EXPECT_EQ(error_of([] { unpack("str:utf16le", std::string("\x3D\xD8", 2)); }).first, Errc::corrupt);
  EXPECT_EQ(error_of([] { unpack("str:utf16le", std::string("\x3D\xD8\x61\x00", 4)); }).first, Errc::corrupt);
  EXPECT_EQ(error_of([] { unpack("str:utf16be", std::string("\xDE\x00", 2)); }).second,
            "cannot decode str:utf16be: lone low surrogate at offset 0");
  EXPECT_EQ(error_of([] { unpack("str:ascii", "a\x80"); }).second,
            "cannot decode str:ascii: byte 128 at offset 1 is not ASCII");
}

}  // namespace
