// SQLite's result codes reach the caller unchanged through kvcolumn
// (ext/common/sqlite_error.hpp: the extended code rides on kv::Error as its
// host code and the firewall reports it): a full database is SQLITE_FULL, not
// SQLITE_IOERR; an I/O error keeps its extended code (SQLITE_IOERR_READ);
// neither is ever reported as SQLITE_CORRUPT.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "fault_vfs.hpp"
#include "kvdb.hpp"
#include "temp_db.hpp"

using kvtest::Db;
using kvtest::FaultVfs;
using kvtest::TempDb;

namespace {

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

// A database that cannot grow: max_page_count pinned at its current size.
void pin_size(Db& db) {
  const std::string pages = db.scalar("PRAGMA page_count");
  ASSERT_EQ(db.query("PRAGMA max_page_count = " + pages).rc, SQLITE_OK);
}

}  // namespace

TEST(SqliteErrorCodes, FullDatabaseIsSqliteFullOnAutocommitAppend) {
  Db db;
  ASSERT_EQ(db.query("CREATE VIRTUAL TABLE t USING kvcolumn(u8, min_chunk_bytes=4096, max_chunk_bytes=65536)").rc,
            SQLITE_OK);
  pin_size(db);
  auto r = db.query("INSERT INTO t(t, value) VALUES ('append', zeroblob(200000))");
  EXPECT_EQ(r.rc, SQLITE_FULL) << r.error;
  EXPECT_EQ(sqlite3_extended_errcode(db.get()), SQLITE_FULL);
  EXPECT_TRUE(starts_with(r.error, "kohakuvault:")) << r.error;
  EXPECT_NE(r.error.find("kvcolumn 't'"), std::string::npos) << r.error;
  // Nothing was half-written: the table is as before and still usable.
  EXPECT_EQ(db.scalar("SELECT count(*) FROM t"), "0");
  EXPECT_EQ(db.scalar("SELECT kvcolumn_check('t')"), "ok");
}

TEST(SqliteErrorCodes, FullDatabaseIsSqliteFullOnCommit) {
  Db db;
  ASSERT_EQ(db.query("CREATE VIRTUAL TABLE t USING kvcolumn(i64, min_chunk_bytes=4096, max_chunk_bytes=65536)").rc,
            SQLITE_OK);
  pin_size(db);
  ASSERT_EQ(db.query("BEGIN;"
                     "WITH RECURSIVE c(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM c WHERE x < 19999)"
                     " INSERT INTO t(value) SELECT x FROM c")
                .rc,
            SQLITE_OK);  // buffered: nothing reached the shadow tables yet
  auto r = db.query("COMMIT");
  EXPECT_EQ(r.rc, SQLITE_FULL) << r.error;
  EXPECT_EQ(sqlite3_extended_errcode(db.get()), SQLITE_FULL);
  EXPECT_TRUE(starts_with(r.error, "kohakuvault:")) << r.error;
  if (!sqlite3_get_autocommit(db.get())) {
    ASSERT_EQ(db.query("ROLLBACK").rc, SQLITE_OK);
  }
  EXPECT_EQ(db.scalar("SELECT count(*) FROM t"), "0");
  // With room again the same writes commit.
  ASSERT_EQ(db.query("PRAGMA max_page_count = 1000000").rc, SQLITE_OK);
  ASSERT_EQ(db.query("WITH RECURSIVE c(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM c WHERE x < 19999)"
                     " INSERT INTO t(value) SELECT x FROM c")
                .rc,
            SQLITE_OK);
  EXPECT_EQ(db.scalar("SELECT sum(value) FROM t"), "199990000");
}

// Pages written after the table was created (its chunk rows) become
// unreadable with SQLITE_IOERR_READ; a kvcolumn read reports exactly that.
class FailedReads : public ::testing::Test {
 protected:
  void SetUp() override {
    Db db(file_.path);
    // 4 KiB chunks: 40 chunk rows, too many for the _chunks root page, so
    // even their b-tree leaves are on new pages.
    ASSERT_EQ(db.query("CREATE VIRTUAL TABLE t USING kvcolumn(i64, min_chunk_bytes=4096, max_chunk_bytes=4096)").rc,
              SQLITE_OK);
    old_bytes_ = static_cast<sqlite3_int64>(std::filesystem::file_size(file_.path));
    ASSERT_EQ(db.query("WITH RECURSIVE c(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM c WHERE x < 19999)"
                       " INSERT INTO t(value) SELECT x FROM c")
                  .rc,
              SQLITE_OK);
    ASSERT_GT(static_cast<sqlite3_int64>(std::filesystem::file_size(file_.path)), old_bytes_ + 65536);
  }
  TempDb file_{"errcodes_reads"};
  FaultVfs vfs_;
  sqlite3_int64 old_bytes_ = 0;
};

TEST_F(FailedReads, KvcolumnReadKeepsTheExtendedIoerrCode) {
  Db db(file_.path, FaultVfs::kName);  // a fresh connection: an empty page cache
  ASSERT_EQ(db.scalar("SELECT count(*) FROM t"), "20000");  // _info only: old pages
  vfs_.fail_reads_from(old_bytes_, SQLITE_IOERR_READ);
  auto r = db.query("SELECT sum(value) FROM t");
  EXPECT_GT(vfs_.failed_reads(), 0);
  EXPECT_EQ(r.rc, SQLITE_IOERR) << r.error;
  EXPECT_EQ(sqlite3_extended_errcode(db.get()), SQLITE_IOERR_READ) << r.error;
  EXPECT_TRUE(starts_with(r.error, "kohakuvault:")) << r.error;
  EXPECT_EQ(r.error.find("corrupt"), std::string::npos) << r.error;
  vfs_.heal();
  EXPECT_EQ(db.scalar("SELECT sum(value) FROM t"), "199990000");
}

TEST_F(FailedReads, KvcolumnPointReadKeepsTheExtendedIoerrCode) {
  Db db(file_.path, FaultVfs::kName);
  vfs_.fail_reads_from(old_bytes_, SQLITE_IOERR_READ);
  auto r = db.query("SELECT value FROM t WHERE idx = 12345");
  EXPECT_EQ(r.rc, SQLITE_IOERR) << r.error;
  EXPECT_EQ(sqlite3_extended_errcode(db.get()), SQLITE_IOERR_READ) << r.error;
  EXPECT_TRUE(starts_with(r.error, "kohakuvault:")) << r.error;
  vfs_.heal();
  EXPECT_EQ(db.scalar("SELECT value FROM t WHERE idx = 12345"), "12345");
}

// kvcolumns never turns a failed read into a row: inside a transaction, with
// the chunk pages unreadable, the listing returns the injected error.
TEST_F(FailedReads, KvcolumnsListingSurfacesAReadFailure) {
  Db db(file_.path, FaultVfs::kName);
  ASSERT_EQ(db.query("BEGIN; SELECT count(*) FROM t").rc, SQLITE_OK);  // _info only: old pages
  vfs_.fail_reads_from(old_bytes_, SQLITE_IOERR_READ);
  auto r = db.query("SELECT name, chunks, bytes FROM kvcolumns");
  EXPECT_EQ(r.rc, SQLITE_IOERR) << r.error;
  EXPECT_EQ(sqlite3_extended_errcode(db.get()), SQLITE_IOERR_READ) << r.error;
  EXPECT_TRUE(starts_with(r.error, "kohakuvault:")) << r.error;
  EXPECT_TRUE(r.rows.empty());
  vfs_.heal();
  if (!sqlite3_get_autocommit(db.get())) {
    ASSERT_EQ(db.query("ROLLBACK").rc, SQLITE_OK);
  }
  EXPECT_EQ(db.scalar("SELECT chunks > 0 AND bytes >= 160000 FROM kvcolumns WHERE name = 't'"), "1");
}

// A table whose shadow tables are gone is still listed, with NULLs where
// they would be; kvcolumn_check says what is wrong.
TEST(KvcolumnsListing, DamagedTablesAreListedWithNulls) {
  Db db;
  ASSERT_EQ(db.query("CREATE VIRTUAL TABLE a USING kvcolumn(i64); INSERT INTO a(value) VALUES (1), (2);"
                     "CREATE VIRTUAL TABLE b USING kvcolumn(str); INSERT INTO b(value) VALUES ('x');"
                     "CREATE VIRTUAL TABLE c USING kvcolumn(u8); INSERT INTO c(value) VALUES (7);"
                     "DROP TABLE a_chunks; DROP TABLE b_info;")
                .rc,
            SQLITE_OK);
  auto r = db.query("SELECT name, dtype, length, chunks, bytes > 0 FROM kvcolumns ORDER BY name");
  ASSERT_EQ(r.rc, SQLITE_OK) << r.error;
  ASSERT_EQ(r.rows.size(), 3u);
  EXPECT_EQ(r.rows[0], (std::vector<std::string>{"a", "i64", "2", "NULL", "NULL"}));
  EXPECT_EQ(r.rows[1], (std::vector<std::string>{"b", "NULL", "NULL", "NULL", "NULL"}));
  EXPECT_EQ(r.rows[2], (std::vector<std::string>{"c", "u8", "1", "1", "1"}));
}
