#include <gtest/gtest.h>

#include "kvdb.hpp"

TEST(Core, VersionMatchesHeader) {
  kvtest::Db db;
  EXPECT_EQ(db.scalar("select kohakuvault_version()"), KOHAKUVAULT_VERSION);
}

TEST(Core, AutoExtensionRegistersOnEveryConnection) {
  sqlite3_auto_extension(reinterpret_cast<void (*)(void)>(sqlite3_kohakuvault_init));
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(":memory:", &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "select kohakuvault_version()", -1, &stmt, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), KOHAKUVAULT_VERSION);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  sqlite3_cancel_auto_extension(reinterpret_cast<void (*)(void)>(sqlite3_kohakuvault_init));
}

TEST(Core, WrongArgumentCountIsAnError) {
  kvtest::Db db;
  kvtest::Result r = db.query("select kohakuvault_version(1)");
  EXPECT_EQ(r.rc, SQLITE_ERROR);
}
