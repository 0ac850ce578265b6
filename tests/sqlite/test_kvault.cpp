// kvault through the C API: shadow table lifecycle and protection, corrupt
// shadow rows, cursors across ROLLBACK, renames and the encoding column.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "kvdb.hpp"

using kvtest::Db;

namespace {

// Each test starts with an empty kvault table media on a fresh connection.
class Kvault : public ::testing::Test {
 protected:
  void SetUp() override {
    const kvtest::Result r = db.query("CREATE VIRTUAL TABLE media USING kvault");
    ASSERT_EQ(r.rc, SQLITE_OK) << r.error;
  }

  Db db;
};

std::string shadow_tables(const Db& db) {
  std::string names;
  for (const auto& row : db.query("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").rows)
    names += row[0] + ";";
  return names;
}

TEST_F(Kvault, ShadowTableIsCreatedRenamedAndDropped) {
  EXPECT_EQ(shadow_tables(db), "media;media_data;");
  ASSERT_EQ(db.query("INSERT INTO media(key, value) VALUES ('k', X'01')").rc, SQLITE_OK);
  ASSERT_EQ(db.query("ALTER TABLE media RENAME TO pics").rc, SQLITE_OK);
  EXPECT_EQ(shadow_tables(db), "pics;pics_data;");
  EXPECT_EQ(db.scalar("SELECT hex(value) FROM pics WHERE key = 'k'"), "01");
  ASSERT_EQ(db.query("DROP TABLE pics").rc, SQLITE_OK);
  EXPECT_EQ(shadow_tables(db), "");
}

TEST_F(Kvault, ShadowTableIsReadOnlyInDefensiveMode) {
  ASSERT_NO_FATAL_FAILURE(
      kvtest::expect_shadow_writes_refused(db, {"INSERT INTO media_data(key, value) VALUES ('k', X'01')"}));
  EXPECT_EQ(db.query("INSERT INTO media(key, value) VALUES ('k', X'01')").rc, SQLITE_OK);
  // the streaming functions write through the module, so they keep working
  const std::string path = testing::TempDir() + "kvault_defensive.bin";
  FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  std::fputs("hello", f);
  std::fclose(f);
  EXPECT_EQ(db.scalar("SELECT kvault_import('media', 'f', '" + path + "')"), "5");
  EXPECT_EQ(db.scalar("SELECT CAST(value AS TEXT) FROM media WHERE key = 'f'"), "hello");
  std::remove(path.c_str());
}

TEST_F(Kvault, CorruptShadowRowsAreReportedNotReturned) {
  ASSERT_EQ(db.query("INSERT INTO media_data(key, value) VALUES ('text-key', X'01')").rc, SQLITE_OK);
  auto r = db.query("SELECT key FROM media");
  EXPECT_EQ(r.rc & 0xFF, SQLITE_CORRUPT);
  EXPECT_NE(r.error.find("kvault table 'media'"), std::string::npos) << r.error;
  ASSERT_EQ(db.query("UPDATE media_data SET key = X'6B', value = 'text-value'").rc, SQLITE_OK);
  r = db.query("SELECT value FROM media");
  EXPECT_EQ(r.rc & 0xFF, SQLITE_CORRUPT);
}

TEST_F(Kvault, CursorSurvivesRollbackMidScan) {
  ASSERT_EQ(db.query("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100) "
                     "INSERT INTO media(key, value) SELECT printf('k%03d', i), X'00' FROM n")
                .rc,
            SQLITE_OK);
  ASSERT_EQ(db.query("BEGIN; DELETE FROM media WHERE key < 'k050';").rc, SQLITE_OK);
  kvtest::Stmt scan(db, "SELECT key FROM media");
  ASSERT_TRUE(scan.at_first_row());
  EXPECT_EQ(db.query("ROLLBACK").rc, SQLITE_OK);
  const kvtest::Stmt::Rest rest = scan.step_to_end();
  EXPECT_TRUE(rest.rc == SQLITE_DONE || (rest.rc & 0xFF) == SQLITE_ABORT) << rest.rc;
  EXPECT_LE(rest.rows, 100);
  EXPECT_EQ(db.scalar("SELECT count(*) FROM media"), "100");
}

TEST_F(Kvault, DeleteDuringScanOfTheSameTable) {
  ASSERT_EQ(db.query("INSERT INTO media(key, value) VALUES ('a', X''), ('b', X''), ('c', X'')").rc,
            SQLITE_OK);
  ASSERT_EQ(db.query("DELETE FROM media WHERE key IN (SELECT key FROM media WHERE key > 'a')").rc, SQLITE_OK);
  EXPECT_EQ(db.scalar("SELECT group_concat(CAST(key AS TEXT)) FROM media"), "a");
}

TEST_F(Kvault, SelfJoinUsesTwoCursors) {
  ASSERT_EQ(db.query("INSERT INTO media(key, value) VALUES ('a', X'01'), ('b', X'02'), ('c', X'03')").rc,
            SQLITE_OK);
  EXPECT_EQ(db.scalar("SELECT count(*) FROM media x JOIN media y ON y.key = x.key"), "3");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM media x JOIN media y ON y.key > x.key"), "3");
}

TEST_F(Kvault, RenameKeyKeepsTheValueAndHonoursConflicts) {
  ASSERT_EQ(db.query("INSERT INTO media(key, value) VALUES ('a', zeroblob(100000))").rc, SQLITE_OK);
  ASSERT_EQ(db.query("UPDATE media SET key = 'b' WHERE key = 'a'").rc, SQLITE_OK);
  EXPECT_EQ(db.scalar("SELECT size FROM media WHERE key = 'b'"), "100000");
  ASSERT_EQ(db.query("INSERT INTO media(key, value) VALUES ('c', X'01')").rc, SQLITE_OK);
  EXPECT_EQ(db.query("UPDATE media SET key = 'b' WHERE key = 'c'").rc, SQLITE_CONSTRAINT);
  ASSERT_EQ(db.query("UPDATE OR REPLACE media SET key = 'b' WHERE key = 'c'").rc, SQLITE_OK);
  EXPECT_EQ(db.scalar("SELECT count(*) || ':' || hex(value) FROM media"), "1:01");
}

TEST_F(Kvault, EncodingColumnWithoutLoadingTheValue) {
  ASSERT_EQ(db.query("INSERT INTO media(key, value) VALUES ('n', kv_pack('auto', 1.5)), ('r', X'00'), "
                     "('big', X'894B010600000000564B' || zeroblob(2000000))")
                .rc,
            SQLITE_OK);
  EXPECT_EQ(db.scalar("SELECT group_concat(CAST(key AS TEXT) || '=' || ifnull(encoding, 'raw')) "
                      "FROM (SELECT key, encoding FROM media ORDER BY key)"),
            "big=utf8,n=msgpack,r=raw");
  // encoding and size of one key, with and without the value in the same query
  EXPECT_EQ(db.scalar("SELECT encoding || ':' || size FROM media WHERE key = 'big'"), "utf8:2000010");
  EXPECT_EQ(db.scalar("SELECT encoding || ':' || length(value) FROM media WHERE key = 'big'"), "utf8:2000010");
  EXPECT_EQ(db.scalar("SELECT ifnull(encoding, 'raw') || ':' || size FROM media WHERE key = 'r'"), "raw:1");
}

}  // namespace
