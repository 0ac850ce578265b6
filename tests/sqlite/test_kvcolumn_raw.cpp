// kvcolumn's raw column, bulk 'append' of variable-size elements and xConnect
// from <table>_info through the C API: result codes, exact bytes through
// bound BLOBs, elements larger than a chunk.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "kvdb.hpp"
#include "temp_db.hpp"

namespace {

using kvtest::Db;

// Binds `blob` to ?1 of sql and steps it to the end; returns the result code.
int run_with_blob(const Db& db, const std::string& sql, const std::string& blob) {
  sqlite3_stmt* s = nullptr;
  int rc = sqlite3_prepare_v2(db.get(), sql.c_str(), -1, &s, nullptr);
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_blob64(s, 1, blob.data(), blob.size(), SQLITE_TRANSIENT);
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
  }
  sqlite3_finalize(s);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

std::string blob_of(const Db& db, const std::string& sql) {
  sqlite3_stmt* s = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db.get(), sql.c_str(), -1, &s, nullptr), SQLITE_OK);
  std::string out = "NO ROW";
  if (sqlite3_step(s) == SQLITE_ROW) {
    EXPECT_EQ(sqlite3_column_type(s, 0), SQLITE_BLOB);
    const char* b = static_cast<const char*>(sqlite3_column_blob(s, 0));
    out.assign(b ? b : "", static_cast<std::size_t>(sqlite3_column_bytes(s, 0)));
  }
  sqlite3_finalize(s);
  return out;
}

TEST(KvColumnRawSql, ErrorCodes) {
  Db db;
  ASSERT_EQ(
      db.query("CREATE VIRTUAL TABLE f USING kvcolumn(f64); CREATE VIRTUAL TABLE m USING kvcolumn(msgpack); "
               "CREATE VIRTUAL TABLE s USING kvcolumn('str:utf8')")
          .rc,
      SQLITE_OK);
  EXPECT_EQ(db.query("INSERT INTO f(raw) VALUES ('abcdefgh')").rc, SQLITE_MISMATCH);
  EXPECT_EQ(db.query("INSERT INTO f(raw) VALUES (x'00')").rc, SQLITE_ERROR);
  EXPECT_EQ(db.query("INSERT INTO f(value, raw) VALUES (1, x'0000000000000000')").rc, SQLITE_ERROR);
  // Malformed user bytes are a bad argument, never SQLITE_CORRUPT (that means stored data).
  EXPECT_EQ(db.query("INSERT INTO m(raw) VALUES (x'92')").rc, SQLITE_ERROR);
  EXPECT_EQ(db.query("INSERT INTO s(raw) VALUES (x'ff')").rc, SQLITE_ERROR);
  EXPECT_EQ(db.query("INSERT INTO m(m, value) VALUES ('append', x'01c1')").rc, SQLITE_ERROR);
  EXPECT_EQ(db.query("INSERT INTO s(s, value) VALUES ('append', '[\"a\", 1]')").rc, SQLITE_MISMATCH);
  EXPECT_EQ(db.query("INSERT INTO s(s, value) VALUES ('append', x'61')").rc, SQLITE_MISMATCH);
  EXPECT_EQ(
      db.scalar("SELECT (SELECT count(*) FROM f) + (SELECT count(*) FROM m) + (SELECT count(*) FROM s)"),
      "0");
}

TEST(KvColumnRawSql, BoundBytesRoundTripExactly) {
  Db db;
  ASSERT_EQ(
      db.query("CREATE VIRTUAL TABLE b USING kvcolumn(bytes, min_chunk_bytes=64, max_chunk_bytes=256)").rc,
      SQLITE_OK);
  std::string big(100000, '\0');  // an element spanning hundreds of data chunks
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7 + 3);
  ASSERT_EQ(run_with_blob(db, "INSERT INTO b(raw) VALUES (?1)", big), SQLITE_OK);
  ASSERT_EQ(run_with_blob(db, "INSERT INTO b(idx, raw) VALUES (0, ?1)", std::string("\0\1\2", 3)), SQLITE_OK);
  EXPECT_EQ(blob_of(db, "SELECT raw FROM b WHERE idx = 1"), big);
  EXPECT_EQ(blob_of(db, "SELECT raw FROM b WHERE idx = 0"), std::string("\0\1\2", 3));
  ASSERT_EQ(run_with_blob(db, "UPDATE b SET raw = ?1 WHERE idx = 1", "short"), SQLITE_OK);
  EXPECT_EQ(blob_of(db, "SELECT raw FROM b WHERE idx = 1"), "short");
  ASSERT_EQ(run_with_blob(db, "INSERT INTO b(raw) VALUES (?1)", ""), SQLITE_OK);
  EXPECT_EQ(db.scalar("SELECT typeof(raw) || length(raw) FROM b WHERE idx = 2"), "blob0");
  EXPECT_EQ(db.scalar("SELECT kvcolumn_check('b')"), "ok");
}

TEST(KvColumnRawSql, CorruptInfoIsCorruptVtab) {
  kvtest::TempDb file("raw_info");
  {
    Db db(file.path);
    ASSERT_EQ(db.query("CREATE VIRTUAL TABLE t USING kvcolumn(f64); INSERT INTO t(value) VALUES (1)").rc,
              SQLITE_OK);
    ASSERT_EQ(db.query("DELETE FROM t_info WHERE key = 'max_chunk_bytes'").rc, SQLITE_OK);
  }
  {
    Db db(file.path);
    sqlite3_extended_result_codes(db.get(), 1);
    kvtest::Result r = db.query("SELECT value FROM t");
    EXPECT_EQ(r.rc, SQLITE_CORRUPT_VTAB);
    EXPECT_NE(r.error.find("kvcolumn 't' is corrupt: t_info has no max_chunk_bytes row"), std::string::npos)
        << r.error;
  }
}

}  // namespace
