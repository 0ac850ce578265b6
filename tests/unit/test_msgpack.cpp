// MessagePack codec: the public msgpack test suite, Python-identical packing
// at every width boundary, the JSON mapping of what JSON cannot show, and
// malformed / lying / deep input.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

#include "codec/msgpack.hpp"
#include "json/sax_writer.hpp"
#include "test_helpers.hpp"

using namespace kvtest::codec_test_names;
using kvtest::hex;
namespace mp = kv::codec::msgpack;

namespace {

const kvtest::StructuredCodec codec{mp::pack, mp::unpack_one};
std::string pack_int(std::int64_t i) { return codec.pack(ValueView::integer(i)); }

// RFC 3339 text of a msgpack timestamp, computed with <chrono> as an oracle.
std::string timestamp_text(std::int64_t sec, std::int64_t nsec) {
  using namespace std::chrono;
  sys_seconds t{seconds{sec}};
  sys_days day = floor<days>(t);
  year_month_day ymd{day};
  hh_mm_ss hms{t - day};
  char buf[64];
  int y = static_cast<int>(ymd.year());
  std::snprintf(buf, sizeof buf, "%s%04d-%02u-%02uT%02ld:%02ld:%02ld", y < 0 ? "-" : "", std::abs(y),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<long>(hms.hours().count()), static_cast<long>(hms.minutes().count()),
                static_cast<long>(hms.seconds().count()));
  std::string s = buf;
  if (nsec) {
    std::snprintf(buf, sizeof buf, "%09ld", static_cast<long>(nsec));
    std::string frac = buf;
    while (frac.back() == '0') frac.pop_back();
    s += "." + frac;
  }
  return "\"" + s + "Z\"";
}

// The SQL value our mapping gives a test-suite case.
void expect_case(const nlohmann::ordered_json& c, const Value& got, const std::string& where) {
  if (c.contains("nil")) {
    EXPECT_EQ(got, Value::null()) << where;
  } else if (c.contains("bool")) {
    EXPECT_EQ(got, Value::json(c["bool"].get<bool>() ? "true" : "false")) << where;
  } else if (c.contains("binary")) {
    EXPECT_EQ(got, Value::blob(unhex(c["binary"].get<std::string>()))) << where;
  } else if (c.contains("bignum")) {
    std::string digits = c["bignum"].get<std::string>();
    if (got.kind == Kind::integer) {
      EXPECT_EQ(std::to_string(got.i), digits) << where;
    } else if (got.kind == Kind::real) {
      EXPECT_EQ(got.r, std::stod(digits)) << where;  // float encodings of the value
    } else {
      EXPECT_EQ(got, Value::json(digits)) << where;
    }
  } else if (c.contains("number")) {
    const auto& n = c["number"];
    if (n.is_number_float()) {
      ASSERT_EQ(got.kind, Kind::real) << where;
      EXPECT_EQ(got.r, n.get<double>()) << where;
    } else if (got.kind == Kind::integer) {
      EXPECT_EQ(got.i, n.get<std::int64_t>()) << where;
    } else {
      ASSERT_EQ(got.kind, Kind::real) << where;  // an integer written as a float
      EXPECT_EQ(got.r, n.get<double>()) << where;
    }
  } else if (c.contains("timestamp")) {
    EXPECT_EQ(got, Value::json(timestamp_text(c["timestamp"][0].get<std::int64_t>(),
                                              c["timestamp"][1].get<std::int64_t>())))
        << where;
  } else if (c.contains("ext")) {
    std::string expected = "{\"ext\":" + std::to_string(c["ext"][0].get<int>()) + ",\"data\":\"" +
                           kvtest::b64url(unhex(c["ext"][1].get<std::string>())) + "\"}";
    EXPECT_EQ(got, Value::json(expected)) << where;
  } else {  // string, array, map, nested: JSON text equal as JSON
    for (const char* key : {"string", "array", "map"}) {
      if (!c.contains(key)) continue;
      ASSERT_EQ(got.kind, Kind::json) << where;
      EXPECT_EQ(nlohmann::ordered_json::parse(got.bytes), c[key]) << where << " got " << got.bytes;
      return;
    }
    ADD_FAILURE() << "unknown test case " << c.dump();
  }
}

}  // namespace

TEST(MsgpackSuite, EveryEncodingDecodesToTheValue) {
  auto suite = kvtest::load_testdata("msgpack-test-suite.json");
  int checked = 0;
  for (const auto& [group, cases] : suite.items()) {
    for (const auto& c : cases) {
      for (const auto& enc : c["msgpack"]) {
        std::string where = group + " " + enc.get<std::string>();
        std::string bytes = unhex(enc.get<std::string>());
        Value got;
        ASSERT_NO_THROW(got = codec.unpack(bytes)) << where;
        expect_case(c, got, where);
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 150);
}

TEST(MsgpackSuite, CanonicalValuesPackToTheShortestEncoding) {
  auto suite = kvtest::load_testdata("msgpack-test-suite.json");
  int checked = 0;
  for (const auto& [group, cases] : suite.items()) {
    for (const auto& c : cases) {
      std::string shortest = unhex(c["msgpack"][0].get<std::string>());
      std::string packed;
      if (c.contains("nil")) {
        packed = codec.pack(ValueView::null());
      } else if (c.contains("binary")) {
        std::string b = unhex(c["binary"].get<std::string>());
        packed = codec.pack(ValueView::blob(b));
      } else if (c.contains("bignum")) {
        packed = codec.pack_json(c["bignum"].get<std::string>());
      } else if (c.contains("number")) {
        if (static_cast<unsigned char>(shortest[0]) == 0xca) continue;  // we write float64 only
        packed = codec.pack_json(c["number"].dump());
      } else if (c.contains("bool") || c.contains("string") || c.contains("array") || c.contains("map")) {
        for (const char* key : {"bool", "string", "array", "map"})
          if (c.contains(key)) packed = codec.pack_json(c[key].dump());
      } else {
        continue;  // timestamp / ext: no SQL value packs to them
      }
      // The suite lists equally short alternatives (d3/cf for 2^63-1): ours must be
      // one of the listed encodings and as short as the first.
      bool listed = false;
      for (const auto& enc : c["msgpack"]) listed |= unhex(enc.get<std::string>()) == packed;
      EXPECT_TRUE(listed) << group << " " << c.dump() << " packed " << hex(packed);
      EXPECT_EQ(packed.size(), shortest.size()) << group << " " << c.dump();
      ++checked;
    }
  }
  EXPECT_GT(checked, 40);
}

TEST(MsgpackPack, IntegerWidthBoundariesMatchPython) {
  const std::pair<std::int64_t, const char*> cases[] = {
      {0, "00"},
      {127, "7f"},
      {128, "cc80"},
      {255, "ccff"},
      {256, "cd0100"},
      {65535, "cdffff"},
      {65536, "ce00010000"},
      {4294967295LL, "ceffffffff"},
      {4294967296LL, "cf0000000100000000"},
      {INT64_MAX, "cf7fffffffffffffff"},
      {-1, "ff"},
      {-32, "e0"},
      {-33, "d0df"},
      {-128, "d080"},
      {-129, "d1ff7f"},
      {-32768, "d18000"},
      {-32769, "d2ffff7fff"},
      {-2147483648LL, "d280000000"},
      {-2147483649LL, "d3ffffffff7fffffff"},
      {INT64_MIN, "d38000000000000000"},
  };
  for (auto [v, expected] : cases) {
    EXPECT_EQ(hex(pack_int(v)), expected) << v;
    EXPECT_EQ(hex(codec.pack_json(std::to_string(v))), expected) << v;
    EXPECT_EQ(codec.unpack(unhex(expected)), Value::integer(v)) << v;
  }
  EXPECT_EQ(hex(codec.pack_json("18446744073709551615")), "cfffffffffffffffff");
  EXPECT_EQ(codec.unpack(unhex("cfffffffffffffffff")), Value::json("18446744073709551615"));
  EXPECT_EQ(codec.unpack(unhex("cf8000000000000000")), Value::json("9223372036854775808"));
}

TEST(MsgpackPack, FloatsAreFloat64) {
  EXPECT_EQ(hex(codec.pack(ValueView::real(1.5))), "cb3ff8000000000000");
  EXPECT_EQ(hex(codec.pack_json("1.5")), "cb3ff8000000000000");
  EXPECT_EQ(hex(codec.pack_json("1.0")), "cb3ff0000000000000");
  EXPECT_EQ(hex(codec.pack_json("1e2")), "cb4059000000000000");
  EXPECT_EQ(hex(codec.pack_json("-0.0")), "cb8000000000000000");
  EXPECT_EQ(codec.unpack(unhex("cb3ff8000000000000")), Value::real(1.5));
  EXPECT_EQ(codec.unpack(unhex("ca3fc00000")), Value::real(1.5));
}

TEST(MsgpackPack, StringBinArrayMapHeaderBoundaries) {
  auto str_header = [](std::size_t n) {
    std::string p = codec.pack_json("\"" + std::string(n, 'a') + "\"");
    return hex(p.substr(0, p.size() - n));
  };
  EXPECT_EQ(str_header(0), "a0");
  EXPECT_EQ(str_header(31), "bf");
  EXPECT_EQ(str_header(32), "d920");  // str8, as msgpack.packb(use_bin_type=True)
  EXPECT_EQ(str_header(255), "d9ff");
  EXPECT_EQ(str_header(256), "da0100");
  EXPECT_EQ(str_header(65535), "daffff");
  EXPECT_EQ(str_header(65536), "db00010000");

  auto bin_header = [](std::size_t n) {
    std::string b(n, 'x');
    std::string p = codec.pack(ValueView::blob(b));
    return hex(p.substr(0, p.size() - n));
  };
  EXPECT_EQ(bin_header(0), "c400");
  EXPECT_EQ(bin_header(255), "c4ff");
  EXPECT_EQ(bin_header(256), "c50100");
  EXPECT_EQ(bin_header(65536), "c600010000");

  auto array_of = [](std::size_t n) {
    std::string text = "[";
    for (std::size_t k = 0; k < n; ++k) text += k ? ",1" : "1";
    return text + "]";
  };
  auto map_of = [](std::size_t n) {
    std::string text = "{";
    for (std::size_t k = 0; k < n; ++k) text += (k ? ",\"" : "\"") + std::to_string(k) + "\":1";
    return text + "}";
  };
  const std::pair<std::size_t, const char*> arrays[] = {
      {0, "90"}, {15, "9f"}, {16, "dc0010"}, {65535, "dcffff"}, {65536, "dd00010000"}};
  for (auto [n, header] : arrays) {
    std::string p = codec.pack_json(array_of(n));
    EXPECT_EQ(hex(p.substr(0, std::string(header).size() / 2)), header) << n;
    EXPECT_EQ(p.size(), std::string(header).size() / 2 + n) << n;
    Value back = codec.unpack(p);
    EXPECT_EQ(back, Value::json(array_of(n))) << n;
  }
  const std::pair<std::size_t, const char*> maps[] = {
      {0, "80"}, {15, "8f"}, {16, "de0010"}, {65536, "df00010000"}};
  for (auto [n, header] : maps) {
    std::string p = codec.pack_json(map_of(n));
    EXPECT_EQ(hex(p.substr(0, std::string(header).size() / 2)), header) << n;
    EXPECT_EQ(codec.unpack(p), Value::json(map_of(n))) << n;
  }
}

TEST(MsgpackPack, KeyOrderAndDuplicatesKeptNestedHeadersWidened) {
  // {"z":1,"a":[16 items],"m":{}}: the inner array widens its header in place.
  std::string text = R"({"z":1,"a":[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15],"m":{},"z":2})";
  std::string p = codec.pack_json(text);
  EXPECT_EQ(hex(p), "84a17a01a161dc0010000102030405060708090a0b0c0d0e0fa16d80a17a02");
  EXPECT_EQ(codec.unpack(p), Value::json(text));
}

TEST(MsgpackPack, SqlScalars) {
  EXPECT_EQ(hex(codec.pack(ValueView::null())), "c0");
  EXPECT_EQ(hex(codec.pack(ValueView::blob(std::string("\x00\xff", 2)))), "c40200ff");
  EXPECT_EQ(hex(codec.pack_json("null")), "c0");
  EXPECT_EQ(hex(codec.pack_json("true")), "c3");
  EXPECT_EQ(hex(codec.pack_json("  \"hi\"  ")), "a26869");
  EXPECT_EQ(hex(codec.pack_json("\"\\u00e9\\ud83d\\ude00\"")), "a6c3a9f09f9880");
}

TEST(MsgpackPack, BadJsonIsAnErrorAndLeavesOutputUntouched) {
  std::string out = "keep";
  EXPECT_EQ(kvtest::errc_of([&] { mp::pack(ValueView::text("{\"a\":1"), out); }), Errc::invalid_argument);
  EXPECT_EQ(out, "keep");
  EXPECT_EQ(kvtest::errc_of([&] { mp::pack(ValueView::text("[1,2] x"), out); }), Errc::invalid_argument);
  EXPECT_EQ(kvtest::errc_of([&] { mp::pack(ValueView::text(""), out); }), Errc::invalid_argument);
  EXPECT_EQ(kvtest::errc_of([&] { mp::pack(ValueView::text("hello"), out); }), Errc::invalid_argument);
  EXPECT_EQ(kvtest::errc_of([&] { mp::pack(ValueView::text("[18446744073709551616]"), out); }),
            Errc::out_of_range);
  EXPECT_EQ(kvtest::errc_of([&] { mp::pack(ValueView::text("-9223372036854775809"), out); }),
            Errc::out_of_range);
  EXPECT_EQ(out, "keep");
  try {
    mp::pack(ValueView::text("[18446744073709551616]"), out);
  } catch (const kv::Error& e) {
    EXPECT_NE(std::string(e.what()).find("18446744073709551616"), std::string::npos) << e.what();
  }
}

TEST(MsgpackPack, NestingLimit) {
  std::string ok = std::string(kv::kMaxNesting, '[') + std::string(kv::kMaxNesting, ']');
  std::string p = codec.pack_json(ok);
  EXPECT_EQ(codec.unpack(p), Value::json(ok));
  std::string deep = std::string(kv::kMaxNesting + 1, '[') + std::string(kv::kMaxNesting + 1, ']');
  EXPECT_EQ(kvtest::errc_of([&] { codec.pack_json(deep); }), Errc::too_big);
}

TEST(MsgpackUnpack, JsonMappingOfNonJsonData) {
  // nested bin -> base64url without padding
  EXPECT_EQ(codec.unpack(unhex("91c403010203")), Value::json("[\"AQID\"]"));
  EXPECT_EQ(codec.unpack(unhex("91c402fbff")), Value::json("[\"-_8\"]"));
  // non-string keys -> their JSON text as the key
  EXPECT_EQ(codec.unpack(unhex("820102910103")), Value::json(R"({"1":2,"[1]":3})"));
  EXPECT_EQ(codec.unpack(unhex("81c002")), Value::json(R"({"null":2})"));
  EXPECT_EQ(codec.unpack(unhex("81a3612262c3")), Value::json(R"({"a\"b":true})"));
  // floats: NaN -> null, infinities -> 9e999, float32 shortest text
  EXPECT_EQ(codec.unpack(unhex("93cb7ff8000000000000cb7ff0000000000000cbfff0000000000000")),
            Value::json("[null,9e999,-9e999]"));
  EXPECT_EQ(codec.unpack(unhex("91ca3dcccccd")), Value::json("[0.1]"));
  // top-level scalars map to SQL values
  EXPECT_EQ(codec.unpack(unhex("c0")), Value::null());
  EXPECT_EQ(codec.unpack(unhex("c3")), Value::json("true"));
  EXPECT_EQ(codec.unpack(unhex("a26869")), Value::json("\"hi\""));
  EXPECT_EQ(codec.unpack(unhex("a1 0a")), Value::json("\"\\n\""));
  // timestamp 96-bit with a negative second count
  EXPECT_EQ(codec.unpack(unhex("c70cff000000000000000000000000")), Value::json("\"1970-01-01T00:00:00Z\""));
}

TEST(MsgpackUnpack, ConsumedStopsAtTheFirstItem) {
  std::size_t used = 0;
  EXPECT_EQ(mp::unpack_one(unhex("92010200000000"), used), Value::json("[1,2]"));
  EXPECT_EQ(used, 3u);
  EXPECT_EQ(mp::unpack_one(unhex("cd0100ff"), used), Value::integer(256));
  EXPECT_EQ(used, 3u);
}

TEST(MsgpackUnpack, EveryTruncationIsCorrupt) {
  std::string p =
      codec.pack_json(R"({"name":"x","tags":[1,300,70000,5000000000,-1,-200,1.5,"long string"],"b":null})");
  std::string with_bin = unhex("92c40401020304cb3ff8000000000000");
  for (const std::string& full : {p, with_bin}) {
    for (std::size_t n = 0; n < full.size(); ++n)
      EXPECT_EQ(codec.unpack_error(full.substr(0, n)), Errc::corrupt) << n;
  }
}

TEST(MsgpackUnpack, LyingLengthsAreCorruptWithoutHugeAllocations) {
  EXPECT_EQ(codec.unpack_error(unhex("ddffffffff01")), Errc::corrupt);    // array32 of 2^32-1
  EXPECT_EQ(codec.unpack_error(unhex("dfffffffff0101")), Errc::corrupt);  // map32
  EXPECT_EQ(codec.unpack_error(unhex("dbffffffff6162")), Errc::corrupt);  // str32
  EXPECT_EQ(codec.unpack_error(unhex("c6ffffffff00")), Errc::corrupt);    // bin32
  EXPECT_EQ(codec.unpack_error(unhex("c9ffffffff0100")), Errc::corrupt);  // ext32
  EXPECT_EQ(codec.unpack_error(unhex("91c6ffffffff00")), Errc::corrupt);  // nested bin32
  EXPECT_EQ(codec.unpack_error(unhex("c1")), Errc::corrupt);              // never used
  EXPECT_EQ(codec.unpack_error(unhex("91c1")), Errc::corrupt);
  EXPECT_EQ(codec.unpack_error(""), Errc::corrupt);
  EXPECT_EQ(codec.unpack_error(unhex("a2c328")), Errc::corrupt);                // invalid UTF-8
  EXPECT_EQ(codec.unpack_error(unhex("d6ff01")), Errc::corrupt);                // truncated fixext
  EXPECT_EQ(codec.unpack_error(unhex("d5ff0000")), Errc::corrupt);              // timestamp of 2 bytes
  EXPECT_EQ(codec.unpack_error(unhex("d7ffffffffff00000000")), Errc::corrupt);  // nsec > 999999999
}

TEST(MsgpackUnpack, ContainerKeysNestOnlyOnce) {
  // {[1]: 2} and {[{1: 2}]: 3} are shown; a map key inside a map key would
  // escape the same text again per level (exponential output), so it is an error.
  EXPECT_EQ(codec.unpack(unhex("81910102")), Value::json(R"({"[1]":2})"));
  EXPECT_EQ(codec.unpack(unhex("819181010203")), Value::json(R"({"[{\"1\":2}]":3})"));
  EXPECT_EQ(codec.unpack_error(unhex("81818101020304")), Errc::corrupt);
  std::string blowup;
  for (int k = 0; k < 60; ++k) blowup += unhex("81");
  EXPECT_EQ(codec.unpack_error(blowup + unhex("a0c0") + std::string(60, '\x00')), Errc::corrupt);
}

TEST(MsgpackUnpack, AbsurdNestingIsCorruptNotACrash) {
  std::string deep(100000, static_cast<char>(0x91));
  deep.push_back(static_cast<char>(0xc0));
  EXPECT_EQ(codec.unpack_error(deep), Errc::corrupt);
  std::string maps;
  for (int k = 0; k < 100000; ++k) maps += unhex("81a0");
  EXPECT_EQ(codec.unpack_error(maps + unhex("c0")), Errc::corrupt);
}

TEST(MsgpackPack, ValidatingParserMatchesFastParser) {
  kvtest::expect_sax_path_matches_fast_path(codec, static_cast<char>(0x91));
}
