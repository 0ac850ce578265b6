// Header tests with byte strings built by hand from KOHAKUVAULT_FORMATS.md:
//   89 4B | version 01 | encoding id | flags 00 | 00 00 00 | 56 4B | payload
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "codec/auto_header.hpp"
#include "common/error.hpp"

namespace ah = kv::codec::auto_header;
using kv::Value;
using kv::ValueView;
using namespace std::string_literals;

static std::string header(char encoding) { return "\x89\x4B\x01"s + encoding + "\x00\x00\x00\x00\x56\x4B"s; }

static std::string packed(const ValueView& v) {
  std::string out;
  ah::pack(v, out);
  return out;
}

static kv::Errc error_of(std::string_view data) {
  try {
    ah::unpack(data);
  } catch (const kv::Error& e) {
    return e.code();
  }
  ADD_FAILURE() << "expected an error";
  return kv::Errc::internal;
}

TEST(AutoHeader, IntegersAreHeadedMessagePackInCompactForm) {
  EXPECT_EQ(packed(ValueView::integer(1)), header('\x04') + "\x01");
  EXPECT_EQ(packed(ValueView::integer(-1)), header('\x04') + "\xFF");
  EXPECT_EQ(packed(ValueView::integer(200)), header('\x04') + "\xCC\xC8");
  EXPECT_EQ(packed(ValueView::integer(-200)), header('\x04') + "\xD1\xFF\x38");
  EXPECT_EQ(packed(ValueView::integer(1700000000000)),
            header('\x04') + "\xCF\x00\x00\x01\x8B\xCF\xE5\x68\x00"s);
  EXPECT_EQ(packed(ValueView::integer(INT64_MIN)), header('\x04') + "\xD3\x80\x00\x00\x00\x00\x00\x00\x00"s);
}

TEST(AutoHeader, RealsAreHeadedFloat64) {
  EXPECT_EQ(packed(ValueView::real(1.5)), header('\x04') + "\xCB\x3F\xF8\x00\x00\x00\x00\x00\x00"s);
  EXPECT_EQ(packed(ValueView::real(0.0)), header('\x04') + "\xCB\x00\x00\x00\x00\x00\x00\x00\x00"s);
}

TEST(AutoHeader, TextJsonNullBlob) {
  EXPECT_EQ(packed(ValueView::text("héllo")), header('\x06') + "héllo");
  EXPECT_EQ(packed({kv::Kind::json, 0, 0, "{\"a\":1}"}), header('\x03') + "{\"a\":1}");
  EXPECT_EQ(packed(ValueView::null()), header('\x04') + "\xC0");
  EXPECT_EQ(packed(ValueView::blob("\x89PNG"s)), "\x89PNG"s);
  EXPECT_EQ(packed(ValueView::blob("")), "");
}

TEST(AutoHeader, BlobThatLooksHeadedIsWrappedAsMessagePackBin) {
  const std::string tricky = header('\x06') + "x";
  const std::string p = packed(ValueView::blob(tricky));
  EXPECT_EQ(p, header('\x04') + "\xC4\x0B" + tricky);
  EXPECT_EQ(ah::encoding_name(p), "msgpack");
}

TEST(AutoHeader, RawValuesComeBackUnchanged) {
  for (const std::string& raw : {""s, "abc"s, "\x89\x4B\x01\x06\x00\x00\x00\x00\x56"s /* 9 bytes */,
                                 "\x89\x4B\x01\x06\x00\x00\x00\x00\x56\x4C hi"s /* bad end magic */}) {
    EXPECT_EQ(ah::unpack(raw), Value::blob(raw));
    EXPECT_EQ(ah::encoding_name(raw), std::nullopt);
  }
}

TEST(AutoHeader, Utf8AndJsonDecode) {
  EXPECT_EQ(ah::unpack(header('\x06') + "héllo"), Value::text("héllo"));
  EXPECT_EQ(ah::unpack(header('\x06')), Value::text(""));
  EXPECT_EQ(ah::unpack(header('\x03') + "[1,2]"), Value::json("[1,2]"));
  EXPECT_EQ(error_of(header('\x06') + "\xC3"), kv::Errc::corrupt);
  EXPECT_EQ(error_of(header('\x03') + "{oops"), kv::Errc::corrupt);
}

TEST(AutoHeader, DataPackerVecDecodesToNestedJson) {
  // 2x2 f32: 01 02 02000000 02000000 + 4 floats
  std::string p = header('\x02') + "\x01\x02\x02\x00\x00\x00\x02\x00\x00\x00"s;
  for (float f : {1.0f, 2.5f, -3.0f, 0.25f}) p.append(reinterpret_cast<const char*>(&f), 4);
  EXPECT_EQ(ah::unpack(p), Value::json("[[1.0,2.5],[-3.0,0.25]]"));
  // 1-d i16: 0A 01 03000000 + 3 x i16
  EXPECT_EQ(ah::unpack(header('\x02') + "\x0A\x01\x03\x00\x00\x00\x01\x00\xFF\xFF\x00\x80"s),
            Value::json("[1,-1,-32768]"));
  // empty shape 2x0
  EXPECT_EQ(ah::unpack(header('\x02') + "\x05\x02\x02\x00\x00\x00\x00\x00\x00\x00"s), Value::json("[[],[]]"));
  EXPECT_EQ(ah::encoding_name(p), "datapacker");
}

TEST(AutoHeader, EightByteDataPackerIsAnErrorNotAGuess) {
  try {
    ah::unpack(header('\x02') + "\x00\x00\x00\x00\x00\x00\x00\x00"s);
    FAIL();
  } catch (const kv::Error& e) {
    EXPECT_EQ(e.code(), kv::Errc::invalid_argument);
    EXPECT_NE(std::string(e.what()).find("kv_unpack('f64', substr(value, 11))"), std::string::npos);
  }
}

TEST(AutoHeader, MalformedDataPackerIsCorrupt) {
  EXPECT_EQ(error_of(header('\x02') + "\x01"), kv::Errc::corrupt);                           // too short
  EXPECT_EQ(error_of(header('\x02') + "\x7F\x01\x01\x00\x00\x00\x00"s), kv::Errc::corrupt);  // type byte
  EXPECT_EQ(error_of(header('\x02') + "\x05\x02\x01\x00\x00\x00"s), kv::Errc::corrupt);      // dims cut
  EXPECT_EQ(error_of(header('\x02') + "\x05\x01\x05\x00\x00\x00\x01\x02\x03"s),
            kv::Errc::corrupt);  // short body
  // absurd dims: 2^32-1 x 2^32-1 x 2^32-1 elements claimed by a few bytes
  EXPECT_EQ(error_of(header('\x02') + "\x02\x03" + std::string(12, '\xFF') + "12345678"), kv::Errc::corrupt);
  // billions of empty sub-arrays
  EXPECT_EQ(error_of(header('\x02') + "\x05\x02\xFF\xFF\xFF\xFF\x00\x00\x00\x00"s), kv::Errc::corrupt);
}

TEST(AutoHeader, PickleIsNeverExecuted) {
  EXPECT_EQ(error_of(header('\x01') + "\x80\x04\x95"), kv::Errc::invalid_argument);
  EXPECT_EQ(ah::encoding_name(header('\x01') + "\x80"), "pickle");
}

TEST(AutoHeader, UnknownVersionEncodingOrFlagsAreCorrupt) {
  EXPECT_EQ(error_of("\x89\x4B\x02\x06\x00\x00\x00\x00\x56\x4Bhi"s), kv::Errc::corrupt);
  EXPECT_EQ(error_of(header('\x07') + "x"), kv::Errc::corrupt);
  EXPECT_EQ(error_of(header('\x00')), kv::Errc::corrupt);
  EXPECT_EQ(error_of("\x89\x4B\x01\x06\x01\x00\x00\x00\x56\x4Bhi"s), kv::Errc::corrupt);
  EXPECT_EQ(ah::encoding_name(header('\x07')), "unknown");
}

TEST(AutoHeader, EncodingNames) {
  EXPECT_EQ(ah::encoding_name(header('\x03') + "1"), "json");
  EXPECT_EQ(ah::encoding_name(header('\x04') + "\xC0"), "msgpack");
  EXPECT_EQ(ah::encoding_name(header('\x05') + "\xF6"), "cbor");
  EXPECT_EQ(ah::encoding_name(header('\x06')), "utf8");
}

TEST(AutoHeader, MessagePackAndCborPayloadsDecode) {
  EXPECT_EQ(ah::unpack(header('\x04') + "\x2A"), Value::integer(42));
  EXPECT_EQ(ah::unpack(header('\x04') + "\xC0"), Value::null());
  EXPECT_EQ(ah::unpack(header('\x05') + "\x18\x2A"), Value::integer(42));
  EXPECT_EQ(ah::unpack(header('\x05') + "\xF6"), Value::null());
  EXPECT_EQ(error_of(header('\x04') + "\x01\x02"), kv::Errc::corrupt);  // trailing bytes
  EXPECT_EQ(error_of(header('\x04')), kv::Errc::corrupt);               // no item
}

TEST(AutoHeader, PackUnpackRoundTripsExactly) {
  for (std::int64_t v : {0LL, 1LL, -1LL, 127LL, 128LL, -33LL, 65536LL, 1700000000000LL, (long long)INT64_MAX,
                         (long long)INT64_MIN})
    EXPECT_EQ(ah::unpack(packed(ValueView::integer(v))), Value::integer(v)) << v;
  for (double v : {0.0, 1.5, 1e300, -2.25, std::numeric_limits<double>::infinity()})
    EXPECT_EQ(ah::unpack(packed(ValueView::real(v))), Value::real(v)) << v;
  const Value neg_zero = ah::unpack(packed(ValueView::real(-0.0)));
  ASSERT_EQ(neg_zero.kind, kv::Kind::real);
  EXPECT_TRUE(std::signbit(neg_zero.r));
  EXPECT_EQ(ah::unpack(packed(ValueView::null())), Value::null());
  EXPECT_EQ(ah::unpack(packed(ValueView::text("hi"))), Value::text("hi"));
  const std::string tricky = header('\x06') + "not text";
  EXPECT_EQ(ah::unpack(packed(ValueView::blob(tricky))), Value::blob(tricky));
}
