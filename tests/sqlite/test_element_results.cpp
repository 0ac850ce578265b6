// One packed element -> its SQL value (value_bridge result_element, over the
// codec's zero-copy view or kv::unpack): kvcolumn's value column, kv_unpack and
// kv_unpack_each give the same typed values for every dtype family, written out
// here by hand (not computed by the code under test); stored bytes that do not
// decode are SQLITE_CORRUPT naming the fault, raw input that does not decode is
// an input error.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "kvdb.hpp"

namespace {

using kvtest::Db;

struct Family {
  const char* dtype;
  const char* values;  // JSON array for kv_pack_many
  std::vector<std::string> expected;  // typeof(value) || ':' || quote(value), in idx order
};

const std::vector<Family>& families() {
  static const std::vector<Family> kFamilies = {
      {"i8", "[-128, 127]", {"integer:-128", "integer:127"}},
      {"u8", "[255]", {"integer:255"}},
      {"i16", "[-32768]", {"integer:-32768"}},
      {"u16", "[65535]", {"integer:65535"}},
      {"i32", "[-2147483648]", {"integer:-2147483648"}},
      {"u32", "[4294967295]", {"integer:4294967295"}},
      {"i64", "[-9223372036854775808]", {"integer:-9223372036854775808"}},
      {"u64", "[9223372036854775807, 18446744073709551615]",
       {"integer:9223372036854775807", "text:'18446744073709551615'"}},
      {"f32", "[1.5, null]", {"real:1.5", "null:NULL"}},
      {"f64", "[-0.25]", {"real:-0.25"}},
      {"bytes:3", "[\"ab\"]", {"blob:X'616200'"}},
      {"str", "[\"h\\u00e9\", \"\"]", {"text:'h\xC3\xA9'", "text:''"}},
      {"str:6", "[\"ab\"]", {"text:'ab'"}},
      {"str:4:ascii", "[\"ok\"]", {"text:'ok'"}},
      {"str:latin1", "[\"caf\\u00e9\"]", {"text:'caf\xC3\xA9'"}},
      {"str:utf16le", "[\"\\ud83d\\ude00\"]", {"text:'\xF0\x9F\x98\x80'"}},
      {"vec:i16:2", "[[1, -2]]", {"text:'[1,-2]'"}},
      {"msgpack", "[{\"a\": 1}, 7]", {"text:'{\"a\":1}'", "integer:7"}},
  };
  return kFamilies;
}

std::string joined(const kvtest::Result& r) {
  std::string s;
  for (const auto& row : r.rows) s += row[0] + "\n";
  return s;
}

std::string expected_text(const Family& f) {
  std::string s;
  for (const std::string& e : f.expected) s += e + "\n";
  return s;
}

TEST(ElementResults, KvcolumnKvUnpackAndUnpackEachAgreeWithTheModel) {
  Db db;
  for (const Family& f : families()) {
    SCOPED_TRACE(f.dtype);
    const std::string d = f.dtype, many = "kv_pack_many('" + d + "', '" + f.values + "')";
    ASSERT_EQ(db.query("DROP TABLE IF EXISTS t; CREATE VIRTUAL TABLE t USING kvcolumn('" + d + "')").rc, SQLITE_OK);
    // Variable-size columns take the JSON array; fixed-size ones the packed BLOB.
    const bool var = db.scalar("SELECT json_extract(kv_dtype('" + d + "'), '$.is_varsize')") == "1";
    const std::string arg = var ? std::string("'") + f.values + "'" : many;
    ASSERT_EQ(db.query("INSERT INTO t(t, value) VALUES ('append', " + arg + ")").rc, SQLITE_OK) << d;
    const std::string want = expected_text(f);
    EXPECT_EQ(joined(db.query("SELECT typeof(value) || ':' || quote(value) FROM t ORDER BY idx")), want);
    EXPECT_EQ(joined(db.query("SELECT typeof(v) || ':' || quote(v) FROM (SELECT kv_unpack('" + d +
                              "', raw) AS v FROM t ORDER BY idx)")),
              want);
    if (!var || d == "msgpack") {  // elements that carry their length
      EXPECT_EQ(joined(db.query("SELECT typeof(value) || ':' || quote(value) FROM kv_unpack_each('" + d + "', " +
                                many + ")")),
                want);
    }
  }
}

TEST(ElementResults, UndecodableBytesNameTheFault) {
  Db db;
  // kv_unpack: stored bytes that do not decode are corrupt.
  auto r = db.query("SELECT kv_unpack('str', x'61FF')");
  EXPECT_EQ(r.rc, SQLITE_CORRUPT);
  EXPECT_EQ(r.error, "kohakuvault: cannot decode str:utf8: bytes are not valid UTF-8");
  r = db.query("SELECT kv_unpack('str:4:ascii', x'61800000')");
  EXPECT_EQ(r.rc, SQLITE_CORRUPT);
  EXPECT_EQ(r.error, "kohakuvault: cannot decode str:4:ascii: byte 128 at offset 1 is not ASCII");
  r = db.query("SELECT value FROM kv_unpack_each('str:2', x'6162FF00')");
  EXPECT_EQ(r.rc, SQLITE_CORRUPT);
  EXPECT_EQ(r.error, "kohakuvault: element 1: cannot decode str:2:utf8: bytes are not valid UTF-8");
  // kv_pack_many's BLOB form: the validate-only check, each element.
  r = db.query("SELECT kv_pack_many('vec:u8:1', x'05070605')");
  EXPECT_NE(r.rc, SQLITE_OK);
  EXPECT_EQ(r.error,
            "kohakuvault: element 1: malformed vec:u8:1 value: element type byte 0x06 (u16) does not match u8 (0x05)");

  // kvcolumn raw input that does not decode is an input error, not corruption.
  ASSERT_EQ(db.query("CREATE VIRTUAL TABLE v USING kvcolumn('vec:u8'); CREATE VIRTUAL TABLE s USING "
                     "kvcolumn('str:4:utf16le')")
                .rc,
            SQLITE_OK);
  r = db.query("INSERT INTO v(raw) VALUES (x'0501020000000A0B0C')");
  EXPECT_EQ(r.rc, SQLITE_ERROR);
  EXPECT_EQ(r.error,
            "kohakuvault: kvcolumn 'v': raw is not a packed vec:u8 element: malformed vec:u8 value: dims [2] need 2 "
            "bytes of elements, found 3");
  r = db.query("INSERT INTO v(raw) VALUES (x'05020000000002000000')");  // [0, 2]: no elements, none stored
  EXPECT_EQ(r.rc, SQLITE_OK) << r.error;
  EXPECT_EQ(db.scalar("SELECT value FROM v"), "[]");
  r = db.query("INSERT INTO s(s, value) VALUES ('append', x'6100000000DC0000')");  // a fixed-size bulk append
  EXPECT_EQ(r.rc, SQLITE_ERROR);
  EXPECT_EQ(r.error,
            "kohakuvault: kvcolumn 's': 'append' element 1 is not a packed str:4:utf16le element: cannot decode "
            "str:4:utf16le: lone low surrogate at offset 0");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM s"), "0");  // nothing appended
  r = db.query("INSERT INTO s(raw) VALUES (x'00DC0000')");
  EXPECT_EQ(r.rc, SQLITE_ERROR);
  EXPECT_EQ(r.error,
            "kohakuvault: kvcolumn 's': raw is not a packed str:4:utf16le element: cannot decode str:4:utf16le: lone "
            "low surrogate at offset 0");
  ASSERT_EQ(db.query("INSERT INTO s(value) VALUES ('ab')").rc, SQLITE_OK);
  r = db.query("INSERT INTO s(s, idx, value) VALUES ('write', 0, x'3DD80000')");  // lone high surrogate
  EXPECT_EQ(r.rc, SQLITE_ERROR);
  EXPECT_EQ(r.error,
            "kohakuvault: kvcolumn 's': 'write' element 0 is not a packed str:4:utf16le element: cannot decode "
            "str:4:utf16le: lone high surrogate at offset 0");
  EXPECT_EQ(db.scalar("SELECT value FROM s"), "ab");  // the failed 'write' wrote nothing
}

}  // namespace
