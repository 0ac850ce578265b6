// kvault's error codes keep their class end to end (#15): a full disk during
// a write, a COMMIT, CREATE VIRTUAL TABLE or kvault_import is SQLITE_FULL (the
// extended code checked, not IOERR or ERROR), the connection stays usable
// afterwards and nothing half-written is left; a shadow statement that cannot
// be prepared is an ordinary error, never SQLITE_CORRUPT.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "fault_vfs.hpp"
#include "kvdb.hpp"
#include "temp_db.hpp"

using kvtest::Db;
using kvtest::FaultVfs;
using kvtest::TempDb;

namespace {

// A file database (max_page_count applies to the file's page count).
int page_count(const Db& db) { return std::stoi(db.scalar("PRAGMA page_count")); }

// Leaves room for `pages` more pages.
void limit_growth(const Db& db, int pages) {
  const int limit = page_count(db) + pages;
  ASSERT_EQ(db.scalar("PRAGMA max_page_count = " + std::to_string(limit)), std::to_string(limit));
}

void expect_full(const Db& db, const kvtest::Result& r, const std::string& what) {
  EXPECT_EQ(r.rc & 0xFF, SQLITE_FULL) << what << ": " << r.error;
  EXPECT_EQ(sqlite3_extended_errcode(db.get()), SQLITE_FULL) << what << ": " << r.error;
  EXPECT_NE(r.error.find("full"), std::string::npos) << what << ": " << r.error;
}

TEST(KvaultErrors, FullDiskDuringAWriteIsSqliteFullAndTheConnectionStaysUsable) {
  TempDb file("kvault_full_write");
  Db db(file.path);
  ASSERT_EQ(db.query("PRAGMA page_size = 4096; CREATE VIRTUAL TABLE media USING kvault").rc, SQLITE_OK);
  ASSERT_EQ(db.query("INSERT INTO media(key, value) VALUES ('small', X'01')").rc, SQLITE_OK);
  limit_growth(db, 4);
  expect_full(db, db.query("INSERT INTO media(key, value) VALUES ('big', zeroblob(200000))"), "INSERT");
  expect_full(db, db.query("UPDATE media SET value = zeroblob(200000) WHERE key = 'small'"), "UPDATE");
  expect_full(db, db.query("INSERT OR REPLACE INTO media(key, value) VALUES ('small', zeroblob(200000))"),
              "INSERT OR REPLACE");
  // Still usable, nothing half-written:
  EXPECT_EQ(db.scalar("SELECT count(*) || ':' || hex(value) FROM media WHERE key = 'small'"), "1:01");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM media WHERE key = 'big'"), "0");
  ASSERT_EQ(db.query("PRAGMA max_page_count = 1000000").rc, SQLITE_OK);
  EXPECT_EQ(db.query("INSERT INTO media(key, value) VALUES ('big', zeroblob(200000))").rc, SQLITE_OK);
  EXPECT_EQ(db.scalar("SELECT size FROM media WHERE key = 'big'"), "200000");
  EXPECT_EQ(db.scalar("PRAGMA integrity_check"), "ok");
}

TEST(KvaultErrors, FullDiskInsideATransactionIsSqliteFullAndCommitKeepsTheRest) {
  TempDb file("kvault_full_txn");
  Db db(file.path);
  ASSERT_EQ(db.query("PRAGMA page_size = 4096; CREATE VIRTUAL TABLE media USING kvault").rc, SQLITE_OK);
  limit_growth(db, 6);
  ASSERT_EQ(db.query("BEGIN").rc, SQLITE_OK);
  ASSERT_EQ(db.query("INSERT INTO media(key, value) VALUES ('a', X'0A'), ('b', X'0B')").rc, SQLITE_OK);
  expect_full(db, db.query("INSERT INTO media(key, value) VALUES ('c', X'0C'), ('big', zeroblob(300000))"),
              "INSERT in a transaction");
  // SQLite decides whether a full disk ends the transaction; either way the
  // failed statement left nothing and the connection goes on.
  if (!sqlite3_get_autocommit(db.get())) {
    ASSERT_EQ(db.query("COMMIT").rc, SQLITE_OK);
    EXPECT_EQ(db.scalar("SELECT group_concat(CAST(key AS TEXT), ',') FROM media"), "a,b");
  } else {
    EXPECT_EQ(db.scalar("SELECT count(*) FROM media"), "0");
  }
  EXPECT_EQ(db.query("INSERT INTO media(key, value) VALUES ('after', X'01')").rc, SQLITE_OK);
  EXPECT_EQ(db.scalar("PRAGMA integrity_check"), "ok");
}

TEST(KvaultErrors, FullDiskDuringCreateIsSqliteFullAndCreatesNothing) {
  TempDb file("kvault_full_create");
  Db db(file.path);
  ASSERT_EQ(db.query("PRAGMA page_size = 4096; CREATE TABLE filler(x)").rc, SQLITE_OK);
  limit_growth(db, 0);
  expect_full(db, db.query("CREATE VIRTUAL TABLE media USING kvault"), "CREATE VIRTUAL TABLE");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM sqlite_schema WHERE name LIKE 'media%'"), "0");
  ASSERT_EQ(db.query("PRAGMA max_page_count = 1000000").rc, SQLITE_OK);
  EXPECT_EQ(db.query("CREATE VIRTUAL TABLE media USING kvault").rc, SQLITE_OK);
  EXPECT_EQ(db.query("INSERT INTO media(key, value) VALUES ('k', X'01')").rc, SQLITE_OK);
}

TEST(KvaultErrors, FullDiskDuringImportIsSqliteFullAndKeepsTheOldValue) {
  TempDb file("kvault_full_import");
  const std::string src = testing::TempDir() + "kvault_full_import.bin";
  FILE* f = std::fopen(src.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  const std::string chunk(1 << 16, 'x');
  for (int i = 0; i < 8; ++i) std::fwrite(chunk.data(), 1, chunk.size(), f);
  std::fclose(f);
  Db db(file.path);
  ASSERT_EQ(db.query("PRAGMA page_size = 4096; CREATE VIRTUAL TABLE media USING kvault").rc, SQLITE_OK);
  ASSERT_EQ(db.query("INSERT INTO media(key, value) VALUES ('f', X'01')").rc, SQLITE_OK);
  limit_growth(db, 8);
  expect_full(db, db.query("SELECT kvault_import('media', 'f', '" + src + "')"), "kvault_import");
  EXPECT_EQ(db.scalar("SELECT hex(value) FROM media WHERE key = 'f'"), "01");
  ASSERT_EQ(db.query("PRAGMA max_page_count = 1000000").rc, SQLITE_OK);
  EXPECT_EQ(db.scalar("SELECT kvault_import('media', 'f', '" + src + "')"), "524288");
  std::remove(src.c_str());
}

// The pages written after the table was created (the values' rows and
// overflow pages) fail to read with SQLITE_IOERR_READ: every kvault read path
// reports exactly that code, and works again once the reads heal.
TEST(KvaultErrors, FailedReadsKeepTheExtendedIoerrCode) {
  TempDb file("kvault_failed_reads");
  const std::string out = file.path + ".out";
  {
    Db db(file.path);
    ASSERT_EQ(db.query("PRAGMA page_size = 4096; CREATE VIRTUAL TABLE media USING kvault").rc, SQLITE_OK);
  }
  const auto old_bytes = static_cast<sqlite3_int64>(std::filesystem::file_size(file.path));
  {
    Db db(file.path);
    ASSERT_EQ(db.query("WITH RECURSIVE c(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM c WHERE x < 199)"
                       " INSERT INTO media(key, value) SELECT printf('k%03d', x), zeroblob(20000) FROM c")
                  .rc,
              SQLITE_OK);
  }
  FaultVfs vfs;
  Db db(file.path, FaultVfs::kName);  // a fresh connection: an empty page cache
  ASSERT_EQ(db.query("SELECT name FROM sqlite_schema").rc, SQLITE_OK);  // the schema: old pages
  vfs.fail_reads_from(old_bytes, SQLITE_IOERR_READ);
  const std::vector<std::string> queries = {
      "SELECT value FROM media WHERE key = 'k123'",   "SELECT key, size FROM media WHERE prefix = 'k1'",
      "SELECT sum(size) FROM media",                  "SELECT encoding, value FROM media WHERE key = 'k007'",
      "SELECT kvault_read('media', 'k042', 0, 10)",  "SELECT kvault_export('media', 'k042', '" + out + "')"};
  for (const std::string& sql : queries) {
    const auto r = db.query(sql);
    EXPECT_EQ(r.rc, SQLITE_IOERR) << sql << ": " << r.error;
    EXPECT_EQ(sqlite3_extended_errcode(db.get()), SQLITE_IOERR_READ) << sql << ": " << r.error;
    EXPECT_EQ(r.error.rfind("kohakuvault:", 0), 0u) << sql << ": " << r.error;
    EXPECT_EQ(r.error.find("corrupt"), std::string::npos) << sql << ": " << r.error;
  }
  // encoding alone reads the value's first bytes through a blob handle, and
  // sqlite3_blob_open itself reports a failed read with the primary code only.
  const auto r = db.query("SELECT encoding FROM media WHERE key = 'k007'");
  EXPECT_EQ(r.rc, SQLITE_IOERR) << r.error;
  EXPECT_EQ(sqlite3_extended_errcode(db.get()) & 0xFF, SQLITE_IOERR) << r.error;
  EXPECT_GT(vfs.failed_reads(), 0);
  vfs.heal();
  EXPECT_EQ(db.scalar("SELECT count(*) || ':' || sum(size) FROM media"), "200:4000000");
  EXPECT_EQ(db.scalar("SELECT length(kvault_read('media', 'k042', 0, 10))"), "10");
  std::remove(out.c_str());
}

TEST(KvaultErrors, AShadowStatementThatCannotBePreparedIsNotCorruption) {
  Db db;
  ASSERT_EQ(db.query("CREATE VIRTUAL TABLE media USING kvault").rc, SQLITE_OK);
  ASSERT_EQ(db.query("INSERT INTO media(key, value) VALUES ('k', X'01')").rc, SQLITE_OK);
  // Not defensive: the shadow table can be dropped behind the module's back.
  ASSERT_EQ(db.query("DROP TABLE media_data").rc, SQLITE_OK);
  for (const char* sql : {"SELECT value FROM media WHERE key = 'k'", "SELECT key FROM media",
                          "INSERT INTO media(key, value) VALUES ('x', X'02')",
                          "SELECT kvault_read('media', 'k', 0)"}) {
    const auto r = db.query(sql);
    EXPECT_EQ(r.rc & 0xFF, SQLITE_ERROR) << sql << ": " << r.error;
    EXPECT_NE(r.error.find("media_data"), std::string::npos) << sql << ": " << r.error;
    EXPECT_EQ(r.error.rfind("kohakuvault:", 0), 0u) << sql << ": " << r.error;
  }
}

}  // namespace
