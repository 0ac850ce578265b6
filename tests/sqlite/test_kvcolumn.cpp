// kvcolumn through the C API: result codes, defensive mode, two connections,
// flushes inside savepoints, rollback under an open cursor, storage overhead.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "kvdb.hpp"
#include "temp_db.hpp"

using kvtest::Db;
using kvtest::TempDb;

namespace {

// The values of the kvcolumn t in idx order, comma-separated.
std::string values_of_t(const Db& db) { return db.scalar("SELECT group_concat(value) FROM t"); }

}  // namespace

TEST(KvColumnSql, CorruptChunkIsCorruptVtabNamingTheTable) {
  Db db;
  ASSERT_EQ(db.query("CREATE VIRTUAL TABLE temps USING kvcolumn(i32, min_chunk_bytes=8, max_chunk_bytes=8);"
                     "INSERT INTO temps(value) VALUES (1), (2), (3);"
                     "UPDATE temps_chunks SET data = x'0102' WHERE chunk_idx = 1;")
                .rc,
            SQLITE_OK);
  auto r = db.query("SELECT value FROM temps");
  EXPECT_EQ(r.rc, SQLITE_CORRUPT);
  EXPECT_EQ(sqlite3_extended_errcode(db.get()), SQLITE_CORRUPT_VTAB);
  EXPECT_NE(r.error.find("kohakuvault: kvcolumn 'temps' is corrupt"), std::string::npos) << r.error;
  ASSERT_EQ(db.query("DELETE FROM temps_chunks WHERE chunk_idx = 1").rc, SQLITE_OK);
  EXPECT_EQ(db.query("SELECT value FROM temps WHERE idx = 2").rc, SQLITE_CORRUPT);
  EXPECT_EQ(sqlite3_extended_errcode(db.get()), SQLITE_CORRUPT_VTAB);
  ASSERT_EQ(db.query("UPDATE temps_info SET value = 'x' WHERE key = 'length'").rc, SQLITE_OK);
  EXPECT_EQ(db.query("SELECT count(*) FROM temps").rc, SQLITE_CORRUPT);
  EXPECT_NE(db.scalar("SELECT kvcolumn_check('temps')"), "ok");
}

TEST(KvColumnSql, ErrorCodes) {
  Db db;
  ASSERT_EQ(db.query("CREATE VIRTUAL TABLE t USING kvcolumn(u8); INSERT INTO t(value) VALUES (1)").rc,
            SQLITE_OK);
  EXPECT_EQ(db.query("INSERT INTO t(idx, value) VALUES (5, 1)").rc, SQLITE_RANGE);
  EXPECT_EQ(db.query("INSERT INTO t(value) VALUES (256)").rc, SQLITE_RANGE);
  EXPECT_EQ(db.query("INSERT INTO t(value) VALUES ('x')").rc, SQLITE_MISMATCH);
  EXPECT_EQ(db.query("UPDATE t SET idx = 3").rc, SQLITE_CONSTRAINT);
  EXPECT_EQ(db.scalar("SELECT count(*) FROM t"), "1");
}

TEST(KvColumnSql, DefensiveModeMakesShadowTablesReadOnly) {
  Db db;
  ASSERT_EQ(db.query("CREATE VIRTUAL TABLE t USING kvcolumn(f64); INSERT INTO t(value) VALUES (1.5)").rc,
            SQLITE_OK);
  ASSERT_NO_FATAL_FAILURE(kvtest::expect_shadow_writes_refused(
      db, {"DELETE FROM t_chunks", "UPDATE t_info SET value = 5 WHERE key = 'length'"}));
  // The table itself still writes its shadow tables (incl. blob writes in place).
  EXPECT_EQ(db.query("INSERT INTO t(value) VALUES (2.5); UPDATE t SET value = 9 WHERE idx = 0").rc,
            SQLITE_OK);
  EXPECT_EQ(values_of_t(db), "9.0,2.5");
  EXPECT_EQ(db.scalar("SELECT kvcolumn_check('t')"), "ok");
}

TEST(KvColumnSql, SecondConnectionSeesOnlyCommittedData) {
  TempDb file("kvcolumn_two");
  Db a(file.path), b(file.path);
  ASSERT_EQ(a.query("CREATE VIRTUAL TABLE t USING kvcolumn(i64, min_chunk_bytes=16, max_chunk_bytes=32);"
                    "INSERT INTO t(value) VALUES (1), (2), (3)")
                .rc,
            SQLITE_OK);
  EXPECT_EQ(values_of_t(b), "1,2,3");
  ASSERT_EQ(a.query("BEGIN; INSERT INTO t(value) VALUES (4); DELETE FROM t WHERE idx = 0").rc, SQLITE_OK);
  EXPECT_EQ(values_of_t(a), "2,3,4");
  EXPECT_EQ(values_of_t(b), "1,2,3");
  ASSERT_EQ(a.query("COMMIT").rc, SQLITE_OK);
  EXPECT_EQ(values_of_t(b), "2,3,4");
  ASSERT_EQ(b.query("UPDATE t SET value = 20 WHERE idx = 0").rc, SQLITE_OK);
  EXPECT_EQ(values_of_t(a), "20,3,4");  // a's chunk cache revalidated
  EXPECT_EQ(a.scalar("SELECT length FROM kvcolumns WHERE name = 't'"), "3");
}

TEST(KvColumnSql, BusyIsSqliteBusy) {
  TempDb file("kvcolumn_busy");
  Db a(file.path), b(file.path);
  ASSERT_EQ(a.query("CREATE VIRTUAL TABLE t USING kvcolumn(i64)").rc, SQLITE_OK);
  ASSERT_EQ(a.query("BEGIN IMMEDIATE; INSERT INTO t(value) VALUES (1)").rc, SQLITE_OK);
  EXPECT_EQ(b.query("INSERT INTO t(value) VALUES (2)").rc, SQLITE_BUSY);
  ASSERT_EQ(a.query("COMMIT").rc, SQLITE_OK);
  EXPECT_EQ(b.query("INSERT INTO t(value) VALUES (2)").rc, SQLITE_OK);
  EXPECT_EQ(values_of_t(a), "1,2");
}

TEST(KvColumnSql, FlushInsideSavepointIsRolledBackExactly) {
  TempDb file("kvcolumn_flush");
  Db db(file.path);
  ASSERT_EQ(db.query("CREATE VIRTUAL TABLE t USING kvcolumn(i32, min_chunk_bytes=8, max_chunk_bytes=16, "
                     "cache_bytes=12);"
                     "INSERT INTO t(value) VALUES (1), (2), (3), (4), (5)")
                .rc,
            SQLITE_OK);
  ASSERT_EQ(db.query("BEGIN; SAVEPOINT a; INSERT INTO t(value) VALUES (6), (7), (8), (9), (10), (11);"
                     "DELETE FROM t WHERE idx % 2 = 0; INSERT INTO t(idx, value) VALUES (0, 100)")
                .rc,
            SQLITE_OK);
  EXPECT_EQ(values_of_t(db), "100,2,4,6,8,10");
  ASSERT_EQ(db.query("ROLLBACK TO a").rc, SQLITE_OK);
  EXPECT_EQ(values_of_t(db), "1,2,3,4,5");
  ASSERT_EQ(db.query("INSERT INTO t(value) VALUES (6); COMMIT").rc, SQLITE_OK);
  EXPECT_EQ(values_of_t(db), "1,2,3,4,5,6");
  EXPECT_EQ(db.scalar("SELECT kvcolumn_check('t')"), "ok");
}

TEST(KvColumnSql, RollbackUnderAnOpenCursorDoesNotCrash) {
  Db db;
  ASSERT_EQ(db.query("CREATE VIRTUAL TABLE t USING kvcolumn(i32); INSERT INTO t(value) VALUES (1), (2), (3);"
                     "BEGIN; INSERT INTO t(value) VALUES (4), (5)")
                .rc,
            SQLITE_OK);
  kvtest::Stmt scan(db, "SELECT value FROM t");
  ASSERT_TRUE(scan.at_first_row());
  sqlite3_exec(db.get(), "ROLLBACK", nullptr, nullptr, nullptr);
  scan.step_to_end();
  EXPECT_EQ(values_of_t(db), "1,2,3");
}

TEST(KvColumnSql, StorageOverheadAndCounts) {
  TempDb file("kvcolumn_overhead");
  Db db(file.path);
  ASSERT_EQ(db.query("CREATE VIRTUAL TABLE t USING kvcolumn(f64, max_chunk_bytes=1048576);"
                     "WITH RECURSIVE c(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM c WHERE x < 299999) "
                     "INSERT INTO t(t, value) SELECT 'append', kv_pack_agg('f64', x) FROM c")
                .rc,
            SQLITE_OK);
  EXPECT_EQ(db.scalar("SELECT length || ':' || chunks FROM kvcolumns WHERE name = 't'"), "300000:3");
  // Full chunks are exact; the last one has at most one min_chunk_bytes of spare room.
  EXPECT_EQ(db.scalar("SELECT bytes <= 300000 * 8 + 131072 FROM kvcolumns WHERE name = 't'"), "1");
  EXPECT_EQ(db.scalar("SELECT sum(value) = 299999.0 * 300000 / 2 FROM t"), "1");
  EXPECT_EQ(db.scalar("SELECT value FROM t WHERE idx = 131072"), "131072.0");  // first element of chunk 1
  EXPECT_EQ(db.scalar("SELECT group_concat(idx) FROM t WHERE idx BETWEEN 131070 AND 131073"),
            "131070,131071,131072,131073");
}

TEST(KvColumnSql, RenameAndVacuumKeepData) {
  TempDb file("kvcolumn_rename");
  Db db(file.path);
  ASSERT_EQ(
      db.query(
            "CREATE VIRTUAL TABLE t USING kvcolumn('bytes:4'); INSERT INTO t(value) VALUES (x'01'), "
            "(x'02030405'); BEGIN; INSERT INTO t(value) VALUES (x'AA'); ALTER TABLE t RENAME TO u; COMMIT; "
            "VACUUM")
          .rc,
      SQLITE_OK);
  EXPECT_EQ(db.scalar("SELECT group_concat(hex(value)) FROM u"), "01000000,02030405,AA000000");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM sqlite_schema WHERE name IN ('u_info', 'u_chunks')"), "2");
  EXPECT_EQ(db.scalar("SELECT kvcolumn_check('u')"), "ok");
}

TEST(KvColumnSql, FlushLeavesNoBlobHandleOpen) {
  TempDb file("kvcolumn_handles");
  Db a(file.path), b(file.path);
  ASSERT_EQ(a.query("CREATE VIRTUAL TABLE t USING kvcolumn(i32, min_chunk_bytes=8, max_chunk_bytes=16);"
                    "INSERT INTO t(value) VALUES (1), (2), (3), (4), (5), (6), (7), (8), (9)")
                .rc,
            SQLITE_OK);
  // In-place writes into three chunks reuse one blob handle inside the flush.
  ASSERT_EQ(a.query("BEGIN; UPDATE t SET value = value * 10 WHERE idx IN (0, 5, 8); COMMIT").rc, SQLITE_OK);
  EXPECT_EQ(values_of_t(a), "10,2,3,4,5,60,7,8,90");
  for (sqlite3_stmt* s = sqlite3_next_stmt(a.get(), nullptr); s; s = sqlite3_next_stmt(a.get(), s))
    EXPECT_FALSE(sqlite3_stmt_busy(s)) << sqlite3_sql(s);       // cached statements are reset; no blob handle
  EXPECT_EQ(a.query("VACUUM").rc, SQLITE_OK);                   // no statement in progress
  EXPECT_EQ(b.query("BEGIN EXCLUSIVE; COMMIT").rc, SQLITE_OK);  // no read lock pinned by a
  EXPECT_EQ(values_of_t(b), "10,2,3,4,5,60,7,8,90");
}
