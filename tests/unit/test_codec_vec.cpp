// vec:E and vec:E:dims: KohakuVault's byte layouts, shape inference, and
// every malformed-input path.
#include <gtest/gtest.h>

#include "codec/codec.hpp"
#include "common/error.hpp"
#include "test_helpers.hpp"

namespace {

const auto hex = kvtest::hex_upper;

using namespace kvtest::codec_test_names;

std::string json_of(const char* dtype, const char* json) {
  Value v = unpack(dtype, pack_json(dtype, json));
  EXPECT_EQ(v.kind, Kind::json);
  return v.bytes;
}

TEST(CodecVec, FixedShapeLayoutMatchesKohakuVault) {
  std::string b = pack_json("vec:f32:3", "[1, 2.5, -0.0]");
  EXPECT_EQ(hex(b), "010000803F0000204000000080");
  std::string zeros = "[";
  for (int k = 0; k < 128; ++k) zeros += k ? ",0" : "0";
  zeros += "]";
  EXPECT_EQ(pack_json("vec:f32:128", zeros.c_str()).size(), 513u);
  EXPECT_EQ(hex(pack_json("vec:i16:2", "[-1, 256]")), "0AFFFF0001");
  EXPECT_EQ(hex(pack_json("vec:u8:2", "[0, 255]")).substr(0, 2), "05");
}

TEST(CodecVec, AnyShapeLayoutMatchesKohakuVault) {
  std::string b = pack_json("vec:f32", "[[1,2],[3,4]]");
  EXPECT_EQ(hex(b.substr(0, 10)), "01020200000002000000");
  EXPECT_EQ(b.size(), 10u + 16u);
  EXPECT_EQ(hex(pack_json("vec:i8", "[]")), "090100000000");
  EXPECT_EQ(hex(pack_json("vec:i8", "7")), "090007");
  EXPECT_EQ(hex(pack("vec:i8", ValueView::integer(-1))), "0900FF");
  EXPECT_EQ(hex(pack_json("vec:u16", "[[],[]]")),
            "0602"
            "02000000"
            "00000000");
}

TEST(CodecVec, RoundTripsNestedShapes) {
  EXPECT_EQ(json_of("vec:f32", "[[1,2],[3,4]]"), "[[1.0,2.0],[3.0,4.0]]");
  EXPECT_EQ(json_of("vec:i32", "[[[1],[2]],[[3],[4]],[[5],[6]]]"), "[[[1],[2]],[[3],[4]],[[5],[6]]]");
  EXPECT_EQ(json_of("vec:f64", "[0.1, -0.0, 1e300, 5e-324]"), "[0.1,-0.0,1e+300,5e-324]");
  EXPECT_EQ(json_of("vec:f32", "[0.1]"), "[0.1]");
  EXPECT_EQ(json_of("vec:u64", "[18446744073709551615, 0]"), "[18446744073709551615,0]");
  EXPECT_EQ(json_of("vec:i64", "[-9223372036854775808]"), "[-9223372036854775808]");
  EXPECT_EQ(json_of("vec:i8", "5"), "5");
  EXPECT_EQ(json_of("vec:i8", "[]"), "[]");
  EXPECT_EQ(json_of("vec:i8", "[[],[]]"), "[[],[]]");
  EXPECT_EQ(json_of("vec:f64", "[null, 9e999, -9e999]"), "[null,9e999,-9e999]");
  // Fixed shapes: nested or flat input, nested output.
  EXPECT_EQ(json_of("vec:i32:2:3", "[[1,2,3],[4,5,6]]"), "[[1,2,3],[4,5,6]]");
  EXPECT_EQ(json_of("vec:i32:2:3", "[1,2,3,4,5,6]"), "[[1,2,3],[4,5,6]]");
  EXPECT_EQ(json_of("vec:f32:2:2:1", "[[[1],[2]],[[3],[4]]]"), "[[[1.0],[2.0]],[[3.0],[4.0]]]");
  EXPECT_EQ(json_of("vec:u8:1", " [ 7 ] "), "[7]");
}

TEST(CodecVec, BlobInputIsRawElements) {
  std::string raw = unhex("0000803F00000040");  // f32 1, 2
  EXPECT_EQ(hex(pack("vec:f32:2", ValueView::blob(raw))), "01" + hex(raw));
  EXPECT_EQ(hex(pack("vec:f32", ValueView::blob(raw))), "010102000000" + hex(raw));
  EXPECT_EQ(unpack("vec:f32", pack("vec:f32", ValueView::blob(raw))), Value::json("[1.0,2.0]"));
  auto odd = error_of([&] { pack("vec:f32", ValueView::blob("abc")); });
  EXPECT_EQ(odd.first, Errc::invalid_argument);
  EXPECT_EQ(odd.second, "BLOB of 3 bytes is not a whole number of f32 elements (4 bytes each) for vec:f32");
  auto shape = error_of([&] { pack("vec:f32:3", ValueView::blob(raw)); });
  EXPECT_EQ(shape.second, "BLOB of 8 bytes does not match vec:f32:3 (expects 12 bytes)");
}

TEST(CodecVec, ShapeAndElementErrors) {
  auto mismatch = error_of([] { pack_json("vec:i32:2:3", "[[1,2],[3,4],[5,6]]"); });
  EXPECT_EQ(mismatch.first, Errc::invalid_argument);
  EXPECT_EQ(mismatch.second, "shape [3,2] does not match vec:i32:2:3 (expects [2,3] or 6 numbers flat)");
  EXPECT_EQ(error_of([] { pack_json("vec:i32:3", "[1,2]"); }).first, Errc::invalid_argument);
  EXPECT_EQ(error_of([] { pack_json("vec:i32:3", "[1,2,3,4]"); }).first, Errc::invalid_argument);
  for (const char* ragged : {"[[1,2],[3]]", "[[1],2]", "[1,[2]]", "[[],[1]]", "[[1],[]]", "[[[1]],[2]]"}) {
    auto e = error_of([&] { pack_json("vec:f32", ragged); });
    EXPECT_EQ(e.first, Errc::invalid_argument) << ragged;
    EXPECT_NE(e.second.find("rectangular"), std::string::npos) << ragged << ": " << e.second;
  }
  auto range = error_of([] { pack_json("vec:i8:3", "[1, 300, 2]"); });
  EXPECT_EQ(range.first, Errc::out_of_range);
  EXPECT_EQ(range.second, "element 1 of vec:i8:3: 300 is out of range for i8 (-128..127)");
  EXPECT_EQ(error_of([] { pack_json("vec:i8", "[1.5]"); }).first, Errc::out_of_range);
  EXPECT_EQ(error_of([] { pack_json("vec:f64", "[9007199254740993]"); }).first, Errc::out_of_range);
  EXPECT_EQ(error_of([] { pack_json("vec:i8", "[null]"); }).first, Errc::invalid_argument);
  EXPECT_EQ(error_of([] { pack_json("vec:i8", "[\"1\"]"); }).first, Errc::invalid_argument);
  EXPECT_EQ(error_of([] { pack_json("vec:i8", "[1,]"); }).first, Errc::invalid_argument);
  EXPECT_EQ(error_of([] { pack_json("vec:i8", "[1] x"); }).first, Errc::invalid_argument);
  EXPECT_EQ(error_of([] { pack_json("vec:i8", "[01]"); }).first, Errc::invalid_argument);
  EXPECT_EQ(error_of([] { pack_json("vec:i8", "{\"a\":1}"); }).first, Errc::invalid_argument);
  EXPECT_EQ(error_of([] { pack_json("vec:i8:1", "1"); }).first, Errc::invalid_argument);
  EXPECT_EQ(error_of([] { pack("vec:i8:1", ValueView::integer(1)); }).first, Errc::type_mismatch);
  EXPECT_EQ(error_of([] { pack("vec:i8", ValueView::null()); }).first, Errc::type_mismatch);
  std::string deep(256, '[');
  deep += "1" + std::string(256, ']');
  EXPECT_NE(error_of([&] { pack_json("vec:i8", deep.c_str()); }).second.find("255"), std::string::npos);
  std::string ok(255, '[');
  ok += "1" + std::string(255, ']');
  EXPECT_EQ(pack_json("vec:i8", ok.c_str()).size(), 1u + 1 + 255 * 4 + 1);
}

TEST(CodecVec, MalformedBlobsAreCorrupt) {
  // Wrong type byte names both types.
  auto type = error_of([] { unpack("vec:f32:1", unhex("020000803F")); });
  EXPECT_EQ(type.first, Errc::corrupt);
  EXPECT_EQ(type.second, "malformed vec:f32:1 value: element type byte 0x02 (f64) does not match f32 (0x01)");
  EXPECT_EQ(error_of([] { unpack("vec:f32", unhex("FF0100000000")); }).first, Errc::corrupt);
  EXPECT_EQ(error_of([] { unpack("vec:f32:2", unhex("010000803F")); }).second,
            "expected 9 bytes for vec:f32:2, got 5");
  EXPECT_EQ(error_of([] { unpack("vec:f32", ""); }).first, Errc::corrupt);
  EXPECT_EQ(error_of([] { unpack("vec:f32", "\x01"); }).first, Errc::corrupt);
  // ndim claims more dims than present.
  EXPECT_EQ(error_of([] { unpack("vec:f32", unhex("0103010000000100")); }).first, Errc::corrupt);
  // Lying dims: huge product, overflowing product, short and long bodies.
  EXPECT_EQ(error_of([] { unpack("vec:u8", unhex("0501FFFFFFFF00")); }).first, Errc::corrupt);
  EXPECT_EQ(error_of([] { unpack("vec:u8", unhex("0502FFFFFFFFFFFFFFFF00")); }).first, Errc::corrupt);
  auto shortb = error_of([] { unpack("vec:u16", unhex("06010200000001")); });
  EXPECT_EQ(shortb.second,
            "malformed vec:u16 value: dims [2] need more than the 1 bytes of elements present");
  auto longb = error_of([] { unpack("vec:u8", unhex("050102000000010203")); });
  EXPECT_EQ(longb.second, "malformed vec:u8 value: dims [2] need 2 bytes of elements, found 3");
  // Zero dims with bytes after them, and absurd counts of empty arrays.
  EXPECT_EQ(error_of([] { unpack("vec:u8", unhex("05010000000001")); }).first, Errc::corrupt);
  EXPECT_EQ(error_of([] { unpack("vec:u8", unhex("0502FFFFFFFF00000000")); }).second,
            "malformed vec:u8 value: dims [4294967295,0] describe an implausible number of empty arrays");
  EXPECT_EQ(unpack("vec:u8", unhex("05020300000000000000")), Value::json("[[],[],[]]"));
  EXPECT_EQ(unpack("vec:u8", unhex("05020000000003000000")), Value::json("[]"));
}

}  // namespace
