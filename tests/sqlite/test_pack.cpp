// The DataPacker functions through the C API: result types, error codes,
// JSON subtypes, per-row dtypes, the aggregate, the table-valued function and
// the auto header.
#include <gtest/gtest.h>

#include "kvdb.hpp"

namespace {

using kvtest::Db;

// Runs one statement and returns its result code (stepping to the end).
int rc_of(const Db& db, const std::string& sql) { return db.query(sql).rc; }

TEST(Pack, ResultTypes) {
  Db db;
  EXPECT_EQ(db.scalar("select typeof(kv_pack('i64', 1))"), "blob");
  EXPECT_EQ(db.scalar("select typeof(kv_unpack('i64', kv_pack('i64', 1)))"), "integer");
  EXPECT_EQ(db.scalar("select typeof(kv_unpack('f32', kv_pack('f32', 1)))"), "real");
  EXPECT_EQ(db.scalar("select typeof(kv_unpack('u64', kv_pack('u64', '18446744073709551615')))"), "text");
  EXPECT_EQ(db.scalar("select typeof(kv_unpack('str', kv_pack('str', 'x')))"), "text");
  EXPECT_EQ(db.scalar("select typeof(kv_unpack('bytes', kv_pack('bytes', 'x')))"), "blob");
  EXPECT_EQ(db.scalar("select typeof(kv_unpack('i64', NULL))"), "null");
  EXPECT_EQ(db.scalar("select typeof(kv_unpack_many('i64', NULL))"), "null");
}

TEST(Pack, ErrorCodesFollowTheErrorKind) {
  Db db;
  auto r = db.query("select kv_pack('i8', 300)");
  EXPECT_EQ(r.rc, SQLITE_RANGE);
  EXPECT_EQ(r.error, "kohakuvault: 300 is out of range for i8 (-128..127)");
  EXPECT_EQ(rc_of(db, "select kv_pack('i8', 'x')"), SQLITE_MISMATCH);
  EXPECT_EQ(rc_of(db, "select kv_pack('bytes:1', x'0102')"), SQLITE_TOOBIG);
  EXPECT_EQ(rc_of(db, "select kv_unpack('f64', x'00')"),
            SQLITE_CORRUPT);  // SQLITE_CORRUPT_VTAB with extended codes
  EXPECT_EQ(rc_of(db, "select kv_pack('i9', 1)"), SQLITE_ERROR);
  EXPECT_EQ(rc_of(db, "select kv_pack('i64', 5, '{\"minimum\":10}')"), SQLITE_CONSTRAINT);
  EXPECT_EQ(rc_of(db, "select kv_unpack('i64', 'text')"), SQLITE_MISMATCH);
  EXPECT_EQ(rc_of(db, "select kv_unpack('i32', kv_pack('i32', 1), 1)"), SQLITE_RANGE);
  EXPECT_EQ(rc_of(db, "select kv_unpack('i32', kv_pack('i32', 1), '0')"), SQLITE_MISMATCH);
  EXPECT_EQ(db.query("select kv_pack(1, 1)").error,
            "kohakuvault: dtype must be TEXT such as 'i64' or 'str:utf8', got INTEGER");
}

TEST(Pack, JsonResultsCarryTheSubtype) {
  Db db;
  // json_array() embeds a JSON-subtyped argument as JSON, other TEXT as a string.
  EXPECT_EQ(db.scalar("select json_array(kv_unpack('vec:i8', kv_pack('vec:i8', '[1,2]')))"), "[[1,2]]");
  EXPECT_EQ(db.scalar("select json_array(kv_unpack_many('i8', x'0102'))"), "[[1,2]]");
  EXPECT_EQ(db.scalar("select json_array(kv_dtype('i8'))"),
            "[{\"dtype\":\"i8\",\"family\":\"integer\",\"elem_size\":1,\"is_varsize\":false,\"elem\":\"i8\","
            "\"signed\":true}]");
  EXPECT_EQ(db.scalar("select json_array(kv_unpack('msgpack', kv_pack('msgpack', '{\"a\":1}')))"),
            "[{\"a\":1}]");
  EXPECT_EQ(db.scalar("select json_array(kv_validate_errors('{\"type\":\"string\"}', '1'))").substr(0, 3),
            "[[\"");
  // Plain TEXT results stay strings.
  EXPECT_EQ(db.scalar("select json_array(kv_unpack('str', kv_pack('str', '[1]')))"), "[\"[1]\"]");
  EXPECT_EQ(db.scalar("select json_extract(kv_unpack('msgpack', kv_pack('msgpack', '{\"name\":\"kv\"}')), "
                      "'$.name')"),
            "kv");
}

TEST(Pack, DtypeMayChangeFromRowToRow) {
  Db db;
  db.query(
      "create table t(d, v); insert into t values ('i8', 1), ('i16', 2), ('f32', 3), ('str:utf16be', 'a')");
  auto r = db.query("select hex(kv_pack(d, v)) from t order by rowid");
  ASSERT_EQ(r.rc, SQLITE_OK) << r.error;
  ASSERT_EQ(r.rows.size(), 4u);
  EXPECT_EQ(r.rows[0][0], "01");
  EXPECT_EQ(r.rows[1][0], "0200");
  EXPECT_EQ(r.rows[2][0], "00004040");
  EXPECT_EQ(r.rows[3][0], "0061");
}

TEST(Pack, DeterministicFunctionsWorkInIndexesAndGeneratedColumns) {
  Db db;
  ASSERT_EQ(rc_of(db, "create table t(x integer, b blob as (kv_pack('i32', x)) stored)"), SQLITE_OK);
  ASSERT_EQ(rc_of(db, "create index t_b on t(kv_unpack('i32', b))"), SQLITE_OK);
  ASSERT_EQ(rc_of(db, "insert into t(x) values (7), (-7)"), SQLITE_OK);
  EXPECT_EQ(db.scalar("select x from t where kv_unpack('i32', b) = -7"), "-7");
  // A failing generated column rejects the row and leaves the table as it was.
  auto bad = db.query("insert into t(x) values (1), (3000000000)");
  EXPECT_EQ(bad.rc, SQLITE_RANGE);
  EXPECT_EQ(db.scalar("select count(*) from t"), "2");
}

TEST(Pack, AggregatePacksInRowOrder) {
  Db db;
  db.query("create table t(v); insert into t values (1), (2), (3)");
  EXPECT_EQ(db.scalar("select hex(kv_pack_agg('u8', v)) from (select v from t order by v desc)"), "030201");
  EXPECT_EQ(db.scalar("select hex(kv_pack_agg('u8', v)) from t where 0"), "");
  EXPECT_EQ(db.scalar("select typeof(kv_pack_agg('u8', v)) from t where 0"), "blob");
  EXPECT_EQ(db.scalar("select kv_unpack_many('str:2', kv_pack_agg('str:2', 'x' || v)) from t"),
            "[\"x1\",\"x2\",\"x3\"]");
  auto r = db.query("select kv_pack_agg('u8', v * 100) from t");
  EXPECT_EQ(r.rc, SQLITE_RANGE);
  EXPECT_EQ(r.error, "kohakuvault: 300 is out of range for u8 (0..255)");
  EXPECT_EQ(db.query("select kv_pack_agg(case when v = 2 then 'i8' else 'u8' end, v) from t").error,
            "kohakuvault: kv_pack_agg needs the same dtype on every row");
  EXPECT_EQ(rc_of(db, "select kv_pack_agg('auto', v) from t"), SQLITE_ERROR);
  // Grouped.
  auto g = db.query("select v % 2, hex(kv_pack_agg('i8', v)) from t group by 1 order by 1");
  ASSERT_EQ(g.rows.size(), 2u);
  EXPECT_EQ(g.rows[0][1], "02");
  EXPECT_EQ(g.rows[1][1], "0103");
}

TEST(Pack, UnpackEachRows) {
  Db db;
  auto r = db.query(
      "select idx, value, typeof(value) from kv_unpack_each('f32', kv_pack_many('f32', '[1.5, -2]'))");
  ASSERT_EQ(r.rc, SQLITE_OK) << r.error;
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.rows[0], (std::vector<std::string>{"0", "1.5", "real"}));
  EXPECT_EQ(r.rows[1], (std::vector<std::string>{"1", "-2.0", "real"}));
  EXPECT_EQ(db.scalar("select group_concat(value, '|') from kv_unpack_each('str', x'616263', '[0,1]')"),
            "a|bc");
  EXPECT_EQ(db.scalar("select count(*) from kv_unpack_each('i8', NULL)"), "0");
  EXPECT_EQ(db.scalar("select count(*) from kv_unpack_each('i8', x'')"), "0");
  EXPECT_EQ(db.scalar("select sum(value) from kv_unpack_each('msgpack', x'01020304')"), "10");
  EXPECT_EQ(db.scalar("select value from kv_unpack_each('u64', x'FFFFFFFFFFFFFFFF')"),
            "18446744073709551615");
  // Joined per row of another table (the blob argument comes from the outer row).
  db.query(
      "create table v(id, b); insert into v values (1, kv_pack_many('i16', '[1,2]')), (2, "
      "kv_pack_many('i16', '[3]'))");
  auto j = db.query("select id, group_concat(e.value) from v, kv_unpack_each('i16', v.b) e group by id");
  ASSERT_EQ(j.rc, SQLITE_OK) << j.error;
  ASSERT_EQ(j.rows.size(), 2u);
  EXPECT_EQ(j.rows[0][1], "1,2");
  EXPECT_EQ(j.rows[1][1], "3");
}

TEST(Pack, UnpackEachDecodesLazilyInIdxOrder) {
  Db db;
  // Element 1 is not UTF-8, but LIMIT 1 never decodes it.
  EXPECT_EQ(db.scalar("select value from kv_unpack_each('str:1', x'41FF') limit 1"), "A");
  EXPECT_EQ(db.scalar("select value from kv_unpack_each('i8', x'0102') where idx = 1"), "2");
  auto r = db.query("select idx from kv_unpack_each('i8', x'030201') order by idx");
  ASSERT_EQ(r.rows.size(), 3u);
  EXPECT_EQ(r.rows[2][0], "2");
  EXPECT_EQ(db.scalar("select count(*) from kv_unpack_each('i8', x'030201') order by idx desc"), "3");
  EXPECT_EQ(db.scalar("select dtype || ':' || hex(blob) from kv_unpack_each('i8', x'03') "), "i8:03");
}

TEST(Pack, UnpackEachErrors) {
  Db db;
  EXPECT_EQ(db.query("select * from kv_unpack_each('f64', x'00')").error,
            "kohakuvault: blob of 1 bytes is not a whole number of 8-byte f64 elements");
  EXPECT_EQ(db.query("select * from kv_unpack_each('str', x'00')").rc, SQLITE_ERROR);
  EXPECT_NE(db.query("select * from kv_unpack_each").error.find("needs its dtype and blob"),
            std::string::npos);
  EXPECT_EQ(db.query("select * from kv_unpack_each('i8', 'text')").rc, SQLITE_MISMATCH);
  EXPECT_EQ(db.query("select value from kv_unpack_each('msgpack', x'0192')").rc,
            SQLITE_CORRUPT);  // SQLITE_CORRUPT_VTAB with extended codes
  EXPECT_EQ(db.query("select value from kv_unpack_each('str:1', x'FF')").error,
            "kohakuvault: element 0: cannot decode str:1:utf8: bytes are not valid UTF-8");
  EXPECT_EQ(rc_of(db, "create virtual table x using kv_unpack_each"), SQLITE_ERROR);
}

TEST(Pack, ValidateFunctions) {
  Db db;
  EXPECT_EQ(db.scalar("select kv_validate('{\"type\":\"integer\"}', '5')"), "1");
  EXPECT_EQ(db.scalar("select kv_validate('{\"type\":\"integer\"}', '\"x\"')"), "0");
  EXPECT_EQ(db.scalar("select kv_validate_errors('{\"type\":\"integer\"}', '5')"), "NULL");
  EXPECT_EQ(db.scalar("select json_array_length(kv_validate_errors('{\"required\":[\"a\",\"b\"]}', '{}'))"),
            "2");
  EXPECT_EQ(rc_of(db, "select kv_validate('{', '1')"), SQLITE_ERROR);
  EXPECT_EQ(rc_of(db, "select kv_validate('{}', NULL)"), SQLITE_MISMATCH);
  EXPECT_EQ(db.scalar("select hex(kv_pack('msgpack', '{\"a\":1}', '{\"required\":[\"a\"]}'))"), "81A16101");
  EXPECT_EQ(db.scalar("select hex(kv_pack('str', 'ab', '{\"maxLength\":2}'))"), "6162");
  EXPECT_EQ(rc_of(db, "select kv_pack('str', 'abc', '{\"maxLength\":2}')"), SQLITE_CONSTRAINT);
}

TEST(Pack, AutoHeaderRoundTripsFromSql) {
  Db db;
  EXPECT_EQ(db.scalar("SELECT hex(kv_pack('auto', 1))"), "894B010400000000564B01");
  EXPECT_EQ(db.scalar("SELECT kv_unpack('auto', kv_pack('auto', 1700000000000))"), "1700000000000");
  EXPECT_EQ(db.scalar("SELECT typeof(kv_unpack('auto', kv_pack('auto', 0.0)))"), "real");
  EXPECT_EQ(db.scalar("SELECT kv_unpack('auto', kv_pack('auto', 'hé'))"), "hé");
  EXPECT_EQ(db.scalar("SELECT hex(kv_unpack('auto', X'0102'))"), "0102");
}

}  // namespace
