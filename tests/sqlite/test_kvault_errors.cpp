// kvault's error codes keep their class end to end (#15): a full disk during
// a write, a COMMIT, CREATE VIRTUAL TABLE or kvault_import is SQLITE_FULL (the
// extended code checked, not IOERR or ERROR), the connection stays usable
// afterwards and nothing half-written is left; a shadow statement that cannot
// be prepared is an ordinary error, never SQLITE_CORRUPT.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "kvdb.hpp"

using kvtest::Db;

namespace {

// A file database (max_page_count applies to the file's page count).
struct FileDb {
  std::string path;
  explicit FileDb(const std::string& name) : path(testing::TempDir() + name) { remove_files(); }
  ~FileDb() { remove_files(); }
  void remove_files() const {
    std::remove(path.c_str());
    std::remove((path + "-journal").c_str());
    std::remove((path + "-wal").c_str());
  }
};

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
  FileDb file("kvault_full_write.db");
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
  FileDb file("kvault_full_txn.db");
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
  FileDb file("kvault_full_create.db");
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
  FileDb file("kvault_full_import.db");
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
