// Numeric dtypes through the dispatch: byte layouts, limits, and every error.
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "codec/codec.hpp"
#include "common/error.hpp"
#include "json/text.hpp"
#include "test_helpers.hpp"

namespace {

const auto hex = kvtest::hex_upper;

using kv::DType;
using namespace kvtest::codec_test_names;

TEST(CodecNumeric, IntegerLayoutsAreLittleEndian) {
  EXPECT_EQ(hex(pack("i8", ValueView::integer(-1))), "FF");
  EXPECT_EQ(hex(pack("i16", ValueView::integer(0x1234))), "3412");
  EXPECT_EQ(hex(pack("i32", ValueView::integer(-2))), "FEFFFFFF");
  EXPECT_EQ(hex(pack("i64", ValueView::integer(1))), "0100000000000000");
  EXPECT_EQ(hex(pack("u8", ValueView::integer(255))), "FF");
  EXPECT_EQ(hex(pack("u16", ValueView::integer(65535))), "FFFF");
  EXPECT_EQ(hex(pack("u32", ValueView::integer(4294967295))), "FFFFFFFF");
  EXPECT_EQ(hex(pack("u64", ValueView::integer(INT64_MAX))), "FFFFFFFFFFFFFF7F");
}

TEST(CodecNumeric, IntegerLimitsRoundTrip) {
  struct Case {
    const char* dtype;
    std::int64_t lo, hi;
  };
  for (Case c : {Case{"i8", -128, 127}, Case{"i16", -32768, 32767}, Case{"i32", INT32_MIN, INT32_MAX},
                 Case{"i64", INT64_MIN, INT64_MAX}, Case{"u8", 0, 255}, Case{"u16", 0, 65535},
                 Case{"u32", 0, UINT32_MAX}, Case{"u64", 0, INT64_MAX}}) {
    for (std::int64_t v : {c.lo, c.hi, std::int64_t{0}}) {
      Value back = unpack(c.dtype, pack(c.dtype, ValueView::integer(v)));
      EXPECT_EQ(back, Value::integer(v)) << c.dtype << " " << v;
    }
    if (c.lo != INT64_MIN) {
      auto below = error_of([&] { pack(c.dtype, ValueView::integer(c.lo - 1)); });
      EXPECT_EQ(below.first, Errc::out_of_range) << c.dtype;
      EXPECT_NE(below.second.find(std::string("is out of range for ") + c.dtype), std::string::npos);
    }
    if (c.hi != INT64_MAX) {
      auto above = error_of([&] { pack(c.dtype, ValueView::integer(c.hi + 1)); });
      EXPECT_EQ(above.first, Errc::out_of_range) << c.dtype;
    }
  }
}

TEST(CodecNumeric, OutOfRangeMessageNamesValueAndDtype) {
  auto [code, msg] = error_of([] { pack("i8", ValueView::integer(300)); });
  EXPECT_EQ(code, Errc::out_of_range);
  EXPECT_EQ(msg, "300 is out of range for i8 (-128..127)");
  auto neg = error_of([] { pack("u8", ValueView::integer(-1)); });
  EXPECT_EQ(neg.second, "-1 is out of range for u8 (0..255)");
  auto big = error_of([] { pack("u32", ValueView::integer(4294967296)); });
  EXPECT_EQ(big.first, Errc::out_of_range);
}

TEST(CodecNumeric, U64AboveInt64IsExactText) {
  std::string b = pack("u64", ValueView::text("18446744073709551615"));
  EXPECT_EQ(hex(b), "FFFFFFFFFFFFFFFF");
  EXPECT_EQ(unpack("u64", b), Value::text("18446744073709551615"));
  EXPECT_EQ(unpack("u64", pack("u64", ValueView::text("9223372036854775808"))),
            Value::text("9223372036854775808"));
  // Only canonical text above 2^63-1.
  EXPECT_EQ(error_of([] { pack("u64", ValueView::text("5")); }).first, Errc::type_mismatch);
  EXPECT_EQ(error_of([] { pack("u64", ValueView::text("09223372036854775808")); }).first,
            Errc::type_mismatch);
  EXPECT_EQ(error_of([] { pack("u64", ValueView::text("+9223372036854775808")); }).first,
            Errc::type_mismatch);
  EXPECT_EQ(error_of([] { pack("u64", ValueView::text("9223372036854775808 ")); }).first,
            Errc::type_mismatch);
  EXPECT_EQ(error_of([] { pack("u64", ValueView::text("")); }).first, Errc::type_mismatch);
  auto over = error_of([] { pack("u64", ValueView::text("18446744073709551616")); });
  EXPECT_EQ(over.first, Errc::out_of_range);
  EXPECT_EQ(over.second, "18446744073709551616 is out of range for u64 (0..18446744073709551615)");
  EXPECT_EQ(error_of([] { pack("u64", ValueView::text("99999999999999999999999")); }).first,
            Errc::out_of_range);
  // Other integer dtypes never take TEXT.
  EXPECT_EQ(error_of([] { pack("i64", ValueView::text("1")); }).first, Errc::type_mismatch);
}

TEST(CodecNumeric, IntegralRealsAreAcceptedFractionalAreNot) {
  EXPECT_EQ(unpack("i16", pack("i16", ValueView::real(-300.0))), Value::integer(-300));
  EXPECT_EQ(unpack("u64", pack("u64", ValueView::real(1e19))), Value::text("10000000000000000000"));
  EXPECT_EQ(unpack("i64", pack("i64", ValueView::real(-9223372036854775808.0))), Value::integer(INT64_MIN));
  auto frac = error_of([] { pack("i32", ValueView::real(1.5)); });
  EXPECT_EQ(frac.first, Errc::out_of_range);
  EXPECT_EQ(frac.second, "1.5 is out of range for i32: not a whole number");
  EXPECT_EQ(error_of([] { pack("i8", ValueView::real(128.0)); }).second,
            "128.0 is out of range for i8 (-128..127)");
  EXPECT_EQ(error_of([] { pack("i64", ValueView::real(9223372036854775808.0)); }).first, Errc::out_of_range);
  EXPECT_EQ(error_of([] { pack("u64", ValueView::real(18446744073709551616.0)); }).first, Errc::out_of_range);
  EXPECT_EQ(error_of([] { pack("u8", ValueView::real(-1.0)); }).first, Errc::out_of_range);
  EXPECT_EQ(error_of([] { pack("i64", ValueView::real(NAN)); }).first, Errc::out_of_range);
  EXPECT_EQ(error_of([] { pack("i64", ValueView::real(INFINITY)); }).first, Errc::out_of_range);
}

TEST(CodecNumeric, WrongSqlTypesAreTypeMismatch) {
  for (const char* d : {"i8", "u64", "f32", "f64"}) {
    EXPECT_EQ(error_of([&] { pack(d, ValueView::null()); }).first, Errc::type_mismatch) << d;
    EXPECT_EQ(error_of([&] { pack(d, ValueView::blob("ab")); }).first, Errc::type_mismatch) << d;
  }
  EXPECT_EQ(error_of([] { pack("f64", ValueView::text("1.5")); }).second,
            "f64 expects an INTEGER or REAL, got TEXT '1.5'");
  EXPECT_EQ(error_of([] { pack("i8", ValueView::blob("abc")); }).second,
            "i8 expects an INTEGER (or an integral REAL), got BLOB of 3 bytes");
}

TEST(CodecNumeric, FloatsRoundTripIncludingSpecialValues) {
  for (double v : {0.0, -0.0, 1.5, DBL_MAX, -DBL_MAX, DBL_MIN, 4.9406564584124654e-324, double(INFINITY),
                   -double(INFINITY)}) {
    Value back = unpack("f64", pack("f64", ValueView::real(v)));
    ASSERT_EQ(back.kind, Kind::real);
    EXPECT_EQ(std::memcmp(&back.r, &v, 8), 0) << v;
  }
  for (float v :
       {0.0f, -0.0f, 0.1f, FLT_MAX, -FLT_MAX, FLT_MIN, 1.4e-45f /* smallest subnormal */, INFINITY}) {
    Value back = unpack("f32", pack("f32", ValueView::real(v)));
    ASSERT_EQ(back.kind, Kind::real);
    EXPECT_EQ(back.r, static_cast<double>(v));
    EXPECT_EQ(std::signbit(back.r), std::signbit(v));
  }
  EXPECT_EQ(hex(pack("f32", ValueView::real(1.0))), "0000803F");
  EXPECT_EQ(hex(pack("f64", ValueView::real(-0.0))), "0000000000000080");
  Value nan = unpack("f64", pack("f64", ValueView::real(NAN)));
  EXPECT_TRUE(std::isnan(nan.r));
}

TEST(CodecNumeric, FloatsTakeIntegersOnlyWhenExact) {
  EXPECT_EQ(unpack("f64", pack("f64", ValueView::integer(9007199254740992))),
            Value::real(9007199254740992.0));
  auto f64 = error_of([] { pack("f64", ValueView::integer(9007199254740993)); });
  EXPECT_EQ(f64.first, Errc::out_of_range);
  EXPECT_EQ(f64.second,
            "9007199254740993 cannot be represented exactly in f64 (no silent rounding of integers)");
  EXPECT_EQ(unpack("f32", pack("f32", ValueView::integer(16777216))), Value::real(16777216.0));
  EXPECT_EQ(error_of([] { pack("f32", ValueView::integer(16777217)); }).first, Errc::out_of_range);
  EXPECT_EQ(error_of([] { pack("f64", ValueView::integer(INT64_MAX)); }).first, Errc::out_of_range);
  EXPECT_EQ(unpack("f64", pack("f64", ValueView::integer(INT64_MIN))), Value::real(-9223372036854775808.0));
}

TEST(CodecNumeric, F32RangeIsChecked) {
  EXPECT_EQ(unpack("f32", pack("f32", ValueView::real(0.1))), Value::real(static_cast<double>(0.1f)));
  auto big = error_of([] { pack("f32", ValueView::real(1e39)); });
  EXPECT_EQ(big.first, Errc::out_of_range);
  EXPECT_NE(big.second.find("1e+39 is out of range for f32"), std::string::npos) << big.second;
  Value inf = unpack("f32", pack("f32", ValueView::real(-INFINITY)));
  EXPECT_EQ(inf.r, -INFINITY);
}

// Whatever kv_unpack_many prints for an f32 (its shortest text) packs back to
// the same bits: FLT_MAX prints as 3.4028235e+38, just above FLT_MAX, which
// rounds to FLT_MAX under round-to-nearest. Extremes, subnormals and signs.
TEST(CodecNumeric, F32ShortestTextPacksBackToTheSameBits) {
  const float cases[] = {FLT_MAX, -FLT_MAX, FLT_MIN, -FLT_MIN, std::nextafter(FLT_MIN, 0.0f),
                         std::numeric_limits<float>::denorm_min(), -std::numeric_limits<float>::denorm_min(),
                         std::nextafter(FLT_MAX, 0.0f), 1.0f, -0.0f, 0.0f, 0.1f, 16777216.0f};
  for (float f : cases) {
    std::string text;
    kv::json::append_float(text, f);
    double parsed = std::strtod(text.c_str(), nullptr);
    std::string packed = pack("f32", ValueView::real(parsed));
    float back;
    std::memcpy(&back, packed.data(), sizeof back);
    EXPECT_EQ(std::memcmp(&back, &f, sizeof f), 0) << text;
  }
  // The edge: below FLT_MAX + half an ulp (2^128 - 2^103) rounds to FLT_MAX; from there on, infinity.
  const double edge = 0x1.ffffffp127;
  std::string below = pack("f32", ValueView::real(std::nextafter(edge, 0.0)));
  float max_back;
  std::memcpy(&max_back, below.data(), sizeof max_back);
  EXPECT_EQ(max_back, FLT_MAX);
  EXPECT_EQ(error_of([&] { pack("f32", ValueView::real(edge)); }).first, Errc::out_of_range);
  EXPECT_EQ(error_of([&] { pack("f32", ValueView::real(-edge)); }).first, Errc::out_of_range);
}

TEST(CodecNumeric, UnpackNeedsExactlyElemSizeBytes) {
  auto e = error_of([] { unpack("f64", "abc"); });
  EXPECT_EQ(e.first, Errc::corrupt);
  EXPECT_EQ(e.second, "expected 8 bytes for f64, got 3");
  EXPECT_EQ(error_of([] { unpack("i8", ""); }).first, Errc::corrupt);
  EXPECT_EQ(error_of([] { unpack("u16", "abc"); }).first, Errc::corrupt);
}

TEST(CodecNumeric, ElementLengthIsElemSize) {
  EXPECT_EQ(kv::element_length(kv::parse_dtype("i32"), "abcdef"), 4u);
  EXPECT_EQ(error_of([] { kv::element_length(kv::parse_dtype("i64"), "abc"); }).first, Errc::corrupt);
}

}  // namespace
