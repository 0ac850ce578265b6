// CBOR codec: RFC 8949 Appendix A vectors, cbor2-identical packing at every
// head width, the RFC 8949 §6.1 JSON mapping, and malformed / lying / deep input.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "codec/cbor.hpp"
#include "json/sax_writer.hpp"
#include "test_helpers.hpp"

using namespace kvtest::codec_test_names;
using kvtest::hex;
namespace cb = kv::codec::cbor;

namespace {

const kvtest::StructuredCodec codec{cb::pack, cb::unpack_one};

bool has_float(const nlohmann::ordered_json& j) {
  if (j.is_number_float()) return true;
  if (j.is_structured())
    for (const auto& e : j) {
      if (has_float(e)) return true;
    }
  return false;
}

const double kInf = std::numeric_limits<double>::infinity();

// Our documented values for the Appendix A items JSON cannot show.
const std::map<std::string, Value>& diagnostic_values() {
  static const std::map<std::string, Value> m = {
      {"f97c00", Value::real(kInf)},
      {"f9fc00", Value::real(-kInf)},
      {"fa7f800000", Value::real(kInf)},
      {"faff800000", Value::real(-kInf)},
      {"fb7ff0000000000000", Value::real(kInf)},
      {"fbfff0000000000000", Value::real(-kInf)},
      {"f7", Value::null()},  // undefined
      {"f0", Value::null()},  // simple(16)
      {"f818", Value::null()},
      {"f8ff", Value::null()},
      {"c074323031332d30332d32315432303a30343a30305a", Value::json("\"2013-03-21T20:04:00Z\"")},
      {"c11a514b67b0", Value::integer(1363896240)},
      {"c1fb41d452d9ec200000", Value::real(1363896240.5)},
      {"d74401020304", Value::blob(unhex("01020304"))},  // top-level bytes stay a BLOB
      {"d818456449455446", Value::blob(unhex("6449455446"))},
      {"d82076687474703a2f2f7777772e6578616d706c652e636f6d", Value::json("\"http://www.example.com\"")},
      {"40", Value::blob("")},
      {"4401020304", Value::blob(unhex("01020304"))},
      {"a201020304", Value::json(R"({"1":2,"3":4})")},
      {"5f42010243030405ff", Value::blob(unhex("0102030405"))},
  };
  return m;
}

}  // namespace

TEST(CborAppendixA, EveryExampleDecodesToItsDocumentedValue) {
  auto vectors = kvtest::load_testdata("cbor-rfc-appendix-a.json");
  int checked = 0;
  for (const auto& v : vectors) {
    std::string hx = v["hex"].get<std::string>();
    Value got;
    ASSERT_NO_THROW(got = codec.unpack(unhex(hx))) << hx;
    ++checked;
    if (v.contains("decoded")) {
      const auto& want = v["decoded"];
      if (want.is_null()) {
        EXPECT_EQ(got, Value::null()) << hx;
      } else if (want.is_number_integer() || want.is_number_unsigned()) {
        if (got.kind == Kind::integer)
          EXPECT_EQ(nlohmann::ordered_json(got.i), want) << hx;
        else
          EXPECT_EQ(got, Value::json(want.dump())) << hx;  // beyond int64: exact digits
      } else if (want.is_number_float()) {
        if (got.kind == Kind::json) {  // a bignum beyond 64 bits; compare its digits
          std::string digits = got.bytes;
          EXPECT_EQ(digits.find_first_not_of("-0123456789"), std::string::npos) << hx;
          EXPECT_EQ(std::stod(digits), want.get<double>()) << hx;
        } else {
          ASSERT_EQ(got.kind, Kind::real) << hx;
          EXPECT_EQ(got.r, want.get<double>()) << hx;
        }
      } else {
        ASSERT_EQ(got.kind, Kind::json) << hx;
        EXPECT_EQ(nlohmann::ordered_json::parse(got.bytes), want) << hx << " got " << got.bytes;
      }
    } else {
      std::string diag = v["diagnostic"].get<std::string>();
      if (diag == "NaN") {
        ASSERT_EQ(got.kind, Kind::real) << hx;
        EXPECT_TRUE(std::isnan(got.r)) << hx;
        continue;
      }
      auto it = diagnostic_values().find(hx);
      ASSERT_NE(it, diagnostic_values().end()) << "no documented value for " << hx << " " << diag;
      EXPECT_EQ(got, it->second) << hx << " " << diag;
    }
  }
  EXPECT_EQ(checked, 82);
}

TEST(CborAppendixA, BignumsDecodeToTheirExactDigits) {
  EXPECT_EQ(codec.unpack(unhex("c249010000000000000000")), Value::json("18446744073709551616"));
  EXPECT_EQ(codec.unpack(unhex("c349010000000000000000")), Value::json("-18446744073709551617"));
  EXPECT_EQ(codec.unpack(unhex("3bffffffffffffffff")), Value::json("-18446744073709551616"));
  EXPECT_EQ(codec.unpack(unhex("1bffffffffffffffff")), Value::json("18446744073709551615"));
  EXPECT_EQ(codec.unpack(unhex("3b7fffffffffffffff")), Value::integer(INT64_MIN));
  EXPECT_EQ(codec.unpack(unhex("c24101")), Value::integer(1));  // a small bignum is an INTEGER
  EXPECT_EQ(codec.unpack(unhex("81c249010000000000000000")), Value::json("[18446744073709551616]"));
  // 2^128 - 1 and its negative
  EXPECT_EQ(codec.unpack(unhex("c250ffffffffffffffffffffffffffffffff")),
            Value::json("340282366920938463463374607431768211455"));
  EXPECT_EQ(codec.unpack(unhex("c350ffffffffffffffffffffffffffffffff")),
            Value::json("-340282366920938463463374607431768211456"));
}

TEST(CborAppendixA, CanonicalExamplesPackToTheSameBytes) {
  auto vectors = kvtest::load_testdata("cbor-rfc-appendix-a.json");
  int checked = 0;
  for (const auto& v : vectors) {
    if (!v.contains("decoded") || !v["roundtrip"].get<bool>() || has_float(v["decoded"])) continue;
    // our encoder writes float64 only; integers and containers are canonical
    EXPECT_EQ(hex(codec.pack_json(v["decoded"].dump())), v["hex"].get<std::string>()) << v.dump();
    ++checked;
  }
  EXPECT_GT(checked, 30);
}

TEST(CborPack, HeadWidthBoundariesMatchCbor2) {
  const std::pair<std::int64_t, const char*> ints[] = {
      {0, "00"},
      {23, "17"},
      {24, "1818"},
      {255, "18ff"},
      {256, "190100"},
      {65535, "19ffff"},
      {65536, "1a00010000"},
      {4294967295LL, "1affffffff"},
      {4294967296LL, "1b0000000100000000"},
      {-1, "20"},
      {-24, "37"},
      {-25, "3818"},
      {-256, "38ff"},
      {-257, "390100"},
      {INT64_MIN, "3b7fffffffffffffff"},
  };
  for (auto [v, expected] : ints) {
    EXPECT_EQ(hex(codec.pack(ValueView::integer(v))), expected) << v;
    EXPECT_EQ(hex(codec.pack_json(std::to_string(v))), expected) << v;
    EXPECT_EQ(codec.unpack(unhex(expected)), Value::integer(v)) << v;
  }
  EXPECT_EQ(hex(codec.pack_json("18446744073709551615")), "1bffffffffffffffff");
  EXPECT_EQ(hex(codec.pack(ValueView::real(1.5))), "fb3ff8000000000000");
  EXPECT_EQ(hex(codec.pack(ValueView::null())), "f6");
  EXPECT_EQ(hex(codec.pack(ValueView::blob("ab"))), "426162");
  EXPECT_EQ(hex(codec.pack_json("\"ab\"")), "626162");

  auto array_of = [](std::size_t n) {
    std::string text = "[";
    for (std::size_t k = 0; k < n; ++k) text += k ? ",1" : "1";
    return text + "]";
  };
  const std::pair<std::size_t, const char*> arrays[] = {
      {0, "80"}, {23, "97"}, {24, "9818"}, {255, "98ff"}, {256, "990100"}, {65536, "9a00010000"}};
  for (auto [n, header] : arrays) {
    std::string p = codec.pack_json(array_of(n));
    EXPECT_EQ(hex(p.substr(0, std::string(header).size() / 2)), header) << n;
    EXPECT_EQ(codec.unpack(p), Value::json(array_of(n))) << n;
  }
  std::string text = R"({"z":1,"a":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24],"z":[]})";
  std::string p = codec.pack_json(text);
  EXPECT_EQ(hex(p.substr(0, 6)), "a3617a016161");
  EXPECT_EQ(hex(p.substr(6, 2)), "9818");
  EXPECT_EQ(codec.unpack(p), Value::json(text));
}

TEST(CborPack, BadJsonIsAnError) {
  std::string out = "keep";
  EXPECT_EQ(kvtest::errc_of([&] { cb::pack(ValueView::text("{"), out); }), Errc::invalid_argument);
  EXPECT_EQ(kvtest::errc_of([&] { cb::pack(ValueView::text("[1e3, 99999999999999999999]"), out); }),
            Errc::out_of_range);
  EXPECT_EQ(out, "keep");
}

TEST(CborUnpack, JsonMappingOfNonJsonData) {
  EXPECT_EQ(codec.unpack(unhex("8343010203d64303fbffd7420aff")), Value::json(R"(["AQID","A/v/","0aff"])"));
  EXPECT_EQ(codec.unpack(unhex("81f97e00")), Value::json("[null]"));
  EXPECT_EQ(codec.unpack(unhex("82f97c00f9fc00")), Value::json("[9e999,-9e999]"));
  EXPECT_EQ(codec.unpack(unhex("83f93e00fa3dcccccdfb3fb999999999999a")), Value::json("[1.5,0.1,0.1]"));
  EXPECT_EQ(codec.unpack(unhex("83f7f0f818")), Value::json("[null,null,null]"));
  EXPECT_EQ(codec.unpack(unhex("a2f5018201020a")), Value::json(R"({"true":1,"[1,2]":10})"));
  EXPECT_EQ(codec.unpack(unhex("d9d9f7a0")), Value::json("{}"));         // self-described CBOR tag
  EXPECT_EQ(codec.unpack(unhex("c6c7d4820102")), Value::json("[1,2]"));  // tags 6, 7, 20
  EXPECT_EQ(codec.unpack(unhex("7f61616162ff")), Value::json("\"ab\""));
  EXPECT_EQ(codec.unpack(unhex("9f01bf6161f6ff9fffff")), Value::json(R"([1,{"a":null},[]])"));
  EXPECT_EQ(codec.unpack(unhex("f5")), Value::json("true"));
  EXPECT_EQ(codec.unpack(unhex("f93c00")), Value::real(1.0));
  EXPECT_EQ(codec.unpack(unhex("f90001")), Value::real(5.960464477539063e-08));
}

TEST(CborUnpack, ConsumedStopsAtTheFirstItem) {
  std::size_t used = 0;
  EXPECT_EQ(cb::unpack_one(unhex("820102000000"), used), Value::json("[1,2]"));
  EXPECT_EQ(used, 3u);
  EXPECT_EQ(cb::unpack_one(unhex("190100ff"), used), Value::integer(256));
  EXPECT_EQ(used, 3u);
}

TEST(CborUnpack, EveryTruncationIsCorrupt) {
  std::string p =
      codec.pack_json(R"({"name":"x","tags":[1,300,70000,5000000000,-1,-200,1.5,"long string"]})");
  std::string indef = unhex("9f01bf6161f65f4101ff7f6161ffffc249010000000000000000ff");
  for (const std::string& full : {p, indef}) {
    for (std::size_t n = 0; n < full.size(); ++n)
      EXPECT_EQ(codec.unpack_error(full.substr(0, n)), Errc::corrupt) << n << " of " << hex(full);
  }
}

TEST(CborUnpack, MalformedAndLyingInputIsCorrupt) {
  EXPECT_EQ(codec.unpack_error(unhex("9bffffffffffffffff01")), Errc::corrupt);  // 2^64-1 items
  EXPECT_EQ(codec.unpack_error(unhex("bbffffffffffffffff0101")), Errc::corrupt);
  EXPECT_EQ(codec.unpack_error(unhex("5bffffffffffffffff00")), Errc::corrupt);  // byte string length
  EXPECT_EQ(codec.unpack_error(unhex("7bffffffffffffffff00")), Errc::corrupt);
  EXPECT_EQ(codec.unpack_error(unhex("5affffffff00")), Errc::corrupt);
  EXPECT_EQ(codec.unpack_error(unhex("1c")), Errc::corrupt);        // reserved additional info
  EXPECT_EQ(codec.unpack_error(unhex("1f")), Errc::corrupt);        // indefinite integer
  EXPECT_EQ(codec.unpack_error(unhex("ff")), Errc::corrupt);        // stray break
  EXPECT_EQ(codec.unpack_error(unhex("82ff")), Errc::corrupt);      // break in a definite array
  EXPECT_EQ(codec.unpack_error(unhex("bf61ff")), Errc::corrupt);    // key with no value
  EXPECT_EQ(codec.unpack_error(unhex("5f01ff")), Errc::corrupt);    // non-string chunk
  EXPECT_EQ(codec.unpack_error(unhex("5f6161ff")), Errc::corrupt);  // text chunk in bytes
  EXPECT_EQ(codec.unpack_error(unhex("7f5f")), Errc::corrupt);      // nested indefinite string
  EXPECT_EQ(codec.unpack_error(unhex("62c328")), Errc::corrupt);    // invalid UTF-8
  EXPECT_EQ(codec.unpack_error(unhex("f801")), Errc::corrupt);      // simple(<32) in two bytes
  EXPECT_EQ(codec.unpack_error(unhex("c6ff")), Errc::corrupt);      // tag enclosing a break
  EXPECT_EQ(codec.unpack_error(""), Errc::corrupt);
}

TEST(CborUnpack, ContainerKeysNestOnlyOnce) {
  EXPECT_EQ(codec.unpack(unhex("a1810102")), Value::json(R"({"[1]":2})"));
  EXPECT_EQ(codec.unpack(unhex("a1a2010203040a")), Value::json(R"({"{\"1\":2,\"3\":4}":10})"));
  EXPECT_EQ(codec.unpack_error(unhex("a1a1a10102030405")), Errc::corrupt);
  std::string blowup(60, static_cast<char>(0xbf));  // indefinite maps, each the key of the next
  EXPECT_EQ(codec.unpack_error(blowup), Errc::corrupt);
}

TEST(CborUnpack, AbsurdNestingIsCorruptNotACrash) {
  std::string deep(100000, static_cast<char>(0x81));
  deep.push_back(static_cast<char>(0xf6));
  EXPECT_EQ(codec.unpack_error(deep), Errc::corrupt);
  std::string indef(100000, static_cast<char>(0x9f));
  EXPECT_EQ(codec.unpack_error(indef), Errc::corrupt);
  std::string tags;
  for (int k = 0; k < 100000; ++k) tags += unhex("c6");  // tags do not nest containers
  EXPECT_EQ(codec.unpack(tags + unhex("01")), Value::integer(1));
  std::string ok = std::string(kv::kMaxNesting, '[') + std::string(kv::kMaxNesting, ']');
  EXPECT_EQ(codec.unpack(codec.pack_json(ok)), Value::json(ok));
}

TEST(CborPack, ValidatingParserMatchesFastParser) {
  kvtest::expect_sax_path_matches_fast_path(codec, static_cast<char>(0x81));
}
