// The set-based column functions through the C API (so the sanitizer builds
// cover the SQL glue): slices, stats and buckets against the same rows read
// through SQL, inside a transaction with buffered writes, pending deletes,
// 'write' and ROLLBACK TO, and their errors (rc and message).
#include <gtest/gtest.h>

#include <string>

#include "kvdb.hpp"

namespace {

using kvtest::Db;

TEST(KvcolumnSet, AgreeWithSqlThroughBufferedWritesAndSavepoints) {
  Db db;
  ASSERT_EQ(db.query("CREATE VIRTUAL TABLE t USING kvcolumn(i32, max_chunk_bytes=64, min_chunk_bytes=16);"
                     "INSERT INTO t(t, value) SELECT 'append', kv_pack_agg('i32', value * 7 % 101 - 50) FROM "
                     "(WITH RECURSIVE c(value) AS (SELECT 0 UNION ALL SELECT value + 1 FROM c WHERE value < 999) "
                     "SELECT value FROM c)")
                .rc,
            SQLITE_OK);
  const std::string same =
      "SELECT (SELECT count || ',' || sum || ',' || min || ',' || max FROM kvcolumn_stats('t', 5, -5)) = "
      "(SELECT count(value) || ',' || sum(value) || ',' || min(value) || ',' || max(value) FROM t "
      "WHERE idx >= 5 AND idx < (SELECT count(*) FROM t) - 5) AND kvcolumn_slice('t', 5, -5) = "
      "(SELECT kv_pack_agg('i32', value) FROM (SELECT value FROM t WHERE idx >= 5 AND idx < "
      "(SELECT count(*) FROM t) - 5 ORDER BY idx)) AND (SELECT sum(count) FROM kvcolumn_buckets('t', 7, 5, -5)) = "
      "(SELECT count(*) FROM t) - 10";
  EXPECT_EQ(db.scalar(same), "1");
  ASSERT_EQ(db.query("BEGIN; UPDATE t SET value = 1000 WHERE idx % 13 = 0; SAVEPOINT a;"
                     "DELETE FROM t WHERE idx % 7 = 3;"
                     "INSERT INTO t(t, idx, value) VALUES ('write', 20, kv_pack_many('i32', '[-999, 999]'))")
                .rc,
            SQLITE_OK);
  EXPECT_EQ(db.scalar(same), "1");
  EXPECT_EQ(db.scalar("SELECT max FROM kvcolumn_stats('t')"), "1000");
  EXPECT_EQ(db.scalar("SELECT min || ':' || argmin FROM kvcolumn_buckets('t', 1)"), "-999:20");
  ASSERT_EQ(db.query("ROLLBACK TO a").rc, SQLITE_OK);
  EXPECT_EQ(db.scalar(same), "1");
  EXPECT_EQ(db.scalar("SELECT count FROM kvcolumn_stats('t')"), "1000");
  ASSERT_EQ(db.query("ROLLBACK").rc, SQLITE_OK);
  EXPECT_EQ(db.scalar("SELECT max FROM kvcolumn_stats('t')"), "50");
}

TEST(KvcolumnSet, ErrorsCarryCodesAndMessages) {
  Db db;
  ASSERT_EQ(db.query("CREATE VIRTUAL TABLE t USING kvcolumn(f64); CREATE VIRTUAL TABLE s USING kvcolumn(str);"
                     "INSERT INTO t(value) VALUES (1.5), (2.5); INSERT INTO s(value) VALUES ('x')")
                .rc,
            SQLITE_OK);
  kvtest::Result r = db.query("SELECT kvcolumn_slice('missing', 0)");
  EXPECT_EQ(r.rc, SQLITE_ERROR);
  EXPECT_EQ(r.error.rfind("kohakuvault: kvcolumn_slice: no such kvcolumn table: 'missing'", 0), 0u) << r.error;
  r = db.query("SELECT kvcolumn_slice('t', 'a')");
  EXPECT_EQ(r.rc, SQLITE_MISMATCH);
  r = db.query("SELECT * FROM kvcolumn_buckets('t', 0)");
  EXPECT_NE(r.error.find("n must be an INTEGER >= 1"), std::string::npos) << r.error;
  r = db.query("SELECT * FROM kvcolumn_stats('s')");
  EXPECT_NE(r.error.find("expected a numeric dtype"), std::string::npos) << r.error;
  r = db.query("INSERT INTO t(t, idx, value) VALUES ('write', 1, kv_pack_many('f64', '[1, 2]'))");
  EXPECT_EQ(r.rc, SQLITE_RANGE);
  EXPECT_EQ(db.scalar("SELECT kv_unpack_many('f64', kvcolumn_slice('t', 0))"), "[1.5,2.5]");
  EXPECT_EQ(db.scalar("SELECT kvcolumn_slice('s', 0)"), "[\"x\"]");
}

}  // namespace
