// The dispatch's framing (exact sizes, :N padding, trailing bytes), batches
// (pack_many / unpack_many / offsets / element cursor) and the JSON reader.
#include <gtest/gtest.h>

#include "codec/codec.hpp"
#include "common/error.hpp"
#include "json/reader.hpp"
#include "codec/pack_batch.hpp"
#include "test_helpers.hpp"

namespace {

const auto hex = kvtest::hex_upper;

using namespace kvtest::codec_test_names;

std::string pack_many(const char* dtype, const char* json) {
  std::string out;
  kv::codec::batch::pack_many(kv::parse_dtype(dtype), json, out);
  return out;
}
std::string unpack_many(const char* dtype, std::string_view blob) {
  return kv::codec::batch::unpack_many(kv::parse_dtype(dtype), blob, nullptr);
}
std::string unpack_many_at(const char* dtype, std::string_view blob, const char* offsets) {
  auto o = kv::codec::batch::parse_offsets(offsets, blob.size());
  return kv::codec::batch::unpack_many(kv::parse_dtype(dtype), blob, &o);
}

TEST(CodecDispatch, MsgpackAndCborFraming) {
  EXPECT_EQ(hex(pack("msgpack", ValueView::integer(1))), "01");
  EXPECT_EQ(hex(pack("msgpack:4", ValueView::integer(1))), "01000000");
  EXPECT_EQ(unpack("msgpack:4", std::string("\x01\0\0\0", 4)), Value::integer(1));
  EXPECT_EQ(hex(pack("cbor:3", ValueView::text("[1]"))), "810100");
  EXPECT_EQ(unpack("cbor:3", std::string("\x81\x01\x00", 3)), Value::json("[1]"));
  auto big = error_of([] { pack("msgpack:2", ValueView::text("[1,2,3]")); });
  EXPECT_EQ(big.first, Errc::too_big);
  EXPECT_EQ(big.second,
            "value packs to 4 bytes, too big for msgpack:2 (at most 2 bytes; no silent truncation)");
  auto trailing = error_of([] { unpack("msgpack", "\x01\x02"); });
  EXPECT_EQ(trailing.first, Errc::corrupt);
  EXPECT_EQ(trailing.second, "1 bytes after the msgpack item: expected exactly one item");
  EXPECT_EQ(error_of([] { unpack("msgpack:3", std::string("\x01\x02\x00", 3)); }).second,
            "2 bytes after the msgpack:3 item are not zero padding");
  EXPECT_EQ(error_of([] { unpack("msgpack:3", "\x01"); }).second, "expected 3 bytes for msgpack:3, got 1");
  EXPECT_EQ(error_of([] { unpack("cbor", ""); }).first, Errc::corrupt);
  EXPECT_EQ(unpack("msgpack", pack("msgpack", ValueView::null())), Value::null());
}

TEST(CodecDispatch, ElementLength) {
  auto d = kv::parse_dtype("msgpack");
  EXPECT_EQ(kv::element_length(d, std::string("\x92\x01\x02\x03", 4)), 3u);
  EXPECT_EQ(kv::element_length(kv::parse_dtype("cbor:5"), "12345678"), 5u);
  EXPECT_EQ(error_of([&] { kv::element_length(d, "\x92\x01"); }).first, Errc::corrupt);
  EXPECT_EQ(error_of([] { kv::element_length(kv::parse_dtype("str"), "abc"); }).first,
            Errc::invalid_argument);
  EXPECT_EQ(error_of([] { kv::element_length(kv::parse_dtype("vec:f32"), "abc"); }).first,
            Errc::invalid_argument);
}

TEST(CodecDispatch, AutoHeaderRoundTrip) {
  std::string b = pack("auto", ValueView::text("hi"));
  EXPECT_EQ(hex(b.substr(0, 2)), "894B");
  EXPECT_EQ(unpack("auto", b), Value::text("hi"));
  EXPECT_EQ(unpack("auto", "raw"), Value::blob("raw"));
}

TEST(PackBatch, NumericPackManyIsConcatenation) {
  EXPECT_EQ(hex(pack_many("i16", "[1, -1, 256]")), "0100FFFF0001");
  EXPECT_EQ(hex(pack_many("f32", "[1.0]")), "0000803F");
  EXPECT_EQ(pack_many("f64", " [ ] "), "");
  EXPECT_EQ(hex(pack_many("u64", "[18446744073709551615, \"18446744073709551614\"]")),
            "FFFFFFFFFFFFFFFFFEFFFFFFFFFFFFFF");
  std::string nan = pack_many("f64", "[null]");
  EXPECT_EQ(nan.size(), 8u);
  EXPECT_EQ(unpack_many("f64", nan), "[null]");
  EXPECT_EQ(unpack_many("f64", pack_many("f64", "[9e999,-9e999,1e-400]")), "[9e999,-9e999,0.0]");
}

TEST(PackBatch, PackManyErrorsNameTheElement) {
  auto range = error_of([] { pack_many("i8", "[1, 2, 300]"); });
  EXPECT_EQ(range.first, Errc::out_of_range);
  EXPECT_EQ(range.second, "element 2: 300 is out of range for i8 (-128..127)");
  auto type = error_of([] { pack_many("i8", "[1, \"a\"]"); });
  EXPECT_EQ(type.first, Errc::type_mismatch);
  EXPECT_EQ(type.second, "element 1: i8 expects a number, got JSON \"a\"");
  EXPECT_EQ(error_of([] { pack_many("i8", "[null]"); }).first, Errc::type_mismatch);
  EXPECT_EQ(error_of([] { pack_many("i8", "{\"a\":1}"); }).first, Errc::invalid_argument);
  EXPECT_EQ(error_of([] { pack_many("i8", "[1,2"); }).first, Errc::invalid_argument);
  EXPECT_EQ(error_of([] { pack_many("i8", "[1,2]]"); }).first, Errc::invalid_argument);
  EXPECT_EQ(error_of([] { pack_many("i8", "[1 2]"); }).first, Errc::invalid_argument);
  EXPECT_EQ(error_of([] { pack_many("i8", ""); }).first, Errc::invalid_argument);
  EXPECT_EQ(error_of([] { pack_many("auto", "[1]"); }).first, Errc::invalid_argument);
  EXPECT_EQ(error_of([] { pack_many("str", "[1]"); }).second,
            "element 0: str:utf8 expects a JSON string, got JSON 1");
  EXPECT_EQ(error_of([] { pack_many("bytes:2", "[\"abc\"]"); }).first, Errc::too_big);
}

TEST(PackBatch, CheckPacked) {
  auto check = [](const char* dtype, std::string_view blob) {
    kv::codec::batch::check_packed(kv::parse_dtype(dtype), blob);
  };
  check("f64", std::string(16, '\xFF'));
  check("str:2", std::string("ab\0\0", 4));
  check("i8", "");
  EXPECT_EQ(error_of([&] { check("f64", "abc"); }).second,
            "BLOB of 3 bytes is not a whole number of 8-byte f64 elements");
  EXPECT_EQ(error_of([&] { check("str:2", "ab\xFF\xFF"); }).second,
            "element 1: cannot decode str:2:utf8: bytes are not valid UTF-8");
  EXPECT_EQ(error_of([&] { check("msgpack:2", "\x01\x01"); }).first, Errc::corrupt);
  EXPECT_EQ(error_of([&] { check("bytes", "ab"); }).first, Errc::type_mismatch);
  EXPECT_EQ(error_of([&] { check("auto", "ab"); }).first, Errc::invalid_argument);
}

TEST(PackBatch, VariableSizeDtypes) {
  EXPECT_EQ(pack_many("str", "[\"ab\", \"\\u00e9\\ud83d\\ude00\"]"), "ab\xC3\xA9\xF0\x9F\x98\x80");
  EXPECT_EQ(hex(pack_many("str:2:utf16le", "[\"a\",\"b\"]")), "61006200");
  EXPECT_EQ(unpack_many("str:2:utf16le", pack_many("str:2:utf16le", "[\"a\",\"b\"]")), "[\"a\",\"b\"]");
  EXPECT_EQ(hex(pack_many("msgpack", "[1, \"x\", [true], {\"a\":null}, null]")),
            "01A178"
            "91C3"
            "81A161C0"
            "C0");
  EXPECT_EQ(unpack_many("msgpack", pack_many("msgpack", "[1, \"x\", [true], {\"a\":null}, null, 1.5]")),
            "[1,\"x\",[true],{\"a\":null},null,1.5]");
  EXPECT_EQ(unpack_many("cbor", pack_many("cbor", "[{\"b\":1,\"a\":2}, -7]")), "[{\"b\":1,\"a\":2},-7]");
  EXPECT_EQ(hex(pack_many("vec:u8", "[[1,2],[3]]")), "050102000000010205010100000003");
  EXPECT_EQ(unpack_many("vec:u8:2", pack_many("vec:u8:2", "[[1,2],[3,4]]")), "[[1,2],[3,4]]");
}

TEST(PackBatch, UnpackManyFixed) {
  EXPECT_EQ(unpack_many("i32", pack_many("i32", "[1,-2,2147483647]")), "[1,-2,2147483647]");
  EXPECT_EQ(unpack_many("u64", std::string(8, '\xFF')), "[18446744073709551615]");
  EXPECT_EQ(unpack_many("f32", pack_many("f32", "[0.1, 3]")), "[0.1,3.0]");
  EXPECT_EQ(unpack_many("bytes:2", "ab\x01\x02"), "[\"YWI\",\"AQI\"]");
  EXPECT_EQ(unpack_many("str:3", std::string("ab\0xyz", 6)), "[\"ab\",\"xyz\"]");
  EXPECT_EQ(unpack_many("i64", ""), "[]");
  auto odd = error_of([] { unpack_many("f64", "abc"); });
  EXPECT_EQ(odd.first, Errc::corrupt);
  EXPECT_EQ(odd.second, "blob of 3 bytes is not a whole number of 8-byte f64 elements");
  EXPECT_EQ(error_of([] { unpack_many("str", "abc"); }).first, Errc::invalid_argument);
  EXPECT_EQ(error_of([] { unpack_many("str:2", "\xFF\xFF"); }).second,
            "element 0: cannot decode str:2:utf8: bytes are not valid UTF-8");
}

TEST(PackBatch, UnpackManyMsgpackItemByItem) {
  EXPECT_EQ(unpack_many("msgpack", std::string("\x01\xC0\xC4\x02\xFF\x00", 6)), "[1,null,\"_wA\"]");
  auto trunc = error_of([] { unpack_many("msgpack", "\x01\x92\x01"); });
  EXPECT_EQ(trunc.first, Errc::corrupt);
  EXPECT_EQ(trunc.second.rfind("element 1: ", 0), 0u) << trunc.second;
}

TEST(PackBatch, Offsets) {
  EXPECT_EQ(unpack_many_at("str", "abcde", "[0,2,2]"), "[\"ab\",\"\",\"cde\"]");
  EXPECT_EQ(unpack_many_at("bytes", "abc", "[]"), "[]");
  EXPECT_EQ(unpack_many_at("bytes", "abc", "[3]"), "[\"\"]");
  EXPECT_EQ(unpack_many_at("i16", std::string("\x01\x00\x02\x00", 4), "[0,2]"), "[1,2]");
  std::string two_vecs = pack_many("vec:i8", "[[1],[2,3]]");
  EXPECT_EQ(unpack_many_at("vec:i8", two_vecs, "[0,7]"), "[[1],[2,3]]");
  EXPECT_EQ(error_of([] { unpack_many_at("str", "abc", "[2,1]"); }).second,
            "offsets must be ascending: offsets[1] = 1 follows 2");
  EXPECT_EQ(error_of([] { unpack_many_at("str", "abc", "[4]"); }).first, Errc::out_of_range);
  EXPECT_EQ(error_of([] { unpack_many_at("str", "abc", "[0,7]"); }).second,
            "offsets[1] = 7 is not a byte position within the 3-byte blob (0..3)");  // the value, not the index
  EXPECT_EQ(error_of([] { unpack_many_at("str", "abc", "[-1]"); }).first, Errc::out_of_range);
  EXPECT_EQ(error_of([] { unpack_many_at("str", "abc", "[1.5]"); }).first, Errc::out_of_range);
  EXPECT_EQ(error_of([] { unpack_many_at("str", "abc", "[\"0\"]"); }).first, Errc::invalid_argument);
  EXPECT_EQ(error_of([] { unpack_many_at("i16", "abc", "[0,1]"); }).first, Errc::corrupt);
}

TEST(JsonReader, NumbersAndStrings) {
  kv::json::Reader r(
      "[-0, 18446744073709551615, 1e2, -9223372036854775808, 99999999999999999999, \"a\\n\\u00e9\"]");
  r.expect('[');
  ASSERT_TRUE(r.next_element(true));
  EXPECT_EQ(r.number().i, 0);
  ASSERT_TRUE(r.next_element(false));
  auto u = r.number();
  EXPECT_EQ(u.type, kv::json::Number::Type::uinteger);
  EXPECT_EQ(u.u, UINT64_MAX);
  ASSERT_TRUE(r.next_element(false));
  auto e = r.number();
  EXPECT_EQ(e.type, kv::json::Number::Type::real);
  EXPECT_EQ(e.d, 100.0);
  ASSERT_TRUE(r.next_element(false));
  EXPECT_EQ(r.number().i, INT64_MIN);
  ASSERT_TRUE(r.next_element(false));
  EXPECT_EQ(r.number().type, kv::json::Number::Type::real);
  ASSERT_TRUE(r.next_element(false));
  EXPECT_EQ(r.string(), "a\n\xC3\xA9");
  EXPECT_FALSE(r.next_element(false));
  r.expect_end();
  for (const char* bad : {"\"\\ud800\"", "\"\\udc00\"", "\"\\x\"", "\"a", "\"\x01\"", "\"\xFF\""}) {
    kv::json::Reader b(bad);
    EXPECT_EQ(error_of([&] { b.string(); }).first, Errc::invalid_argument) << bad;
  }
  for (const char* bad : {"-", "1.", ".5", "1e", "+1", "Infinity", "NaN"}) {
    kv::json::Reader b(bad);
    EXPECT_EQ(error_of([&] {
                b.number();
                b.expect_end();
              }).first,
              Errc::invalid_argument)
        << bad;
  }
  const std::string nested = std::string(100000, '[') + std::string(100000, ']');
  kv::json::Reader deep(nested);
  EXPECT_EQ(deep.skip_value().size(), 200000u);  // no recursion
}

}  // namespace
