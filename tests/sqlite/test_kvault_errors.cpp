// kvault's error codes keep their class (#15): a shadow statement that cannot
// be prepared is an ordinary error, never SQLITE_CORRUPT. (The SQLITE_FULL /
// SQLITE_IOERR_READ tests come with the shared rc map of ext/common.)
#include <gtest/gtest.h>

#include <string>

#include "kvdb.hpp"

using kvtest::Db;

namespace {

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
