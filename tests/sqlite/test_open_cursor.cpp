// What an open cursor sees when the same connection writes the table while
// the cursor's statement is between two sqlite3_step calls (issue #11 item 3),
// for every write kind of every module: fixed- and variable-size kvcolumn,
// kvindex (both backends, disk and memory), kvault.
//
// The rule (docs/kvcolumn.md, kvindex.md, kvault.md), like SQLite's for its
// own tables: rows changed during the scan may or may not be seen, but every
// row the cursor returns exists at that moment with its current value (never a
// row that does not exist, never a NULL from a column that cannot hold one),
// keys/idx keep the scan's order and no key is returned twice.
#include <gtest/gtest.h>

#include <map>
#include <ostream>
#include <optional>
#include <string>
#include <vector>

#include "kvdb.hpp"

namespace {

struct Row {
  std::string key;  // idx or key, as text
  std::optional<std::string> value;
};

struct Case {
  const char* name;
  const char* create;       // CREATE VIRTUAL TABLE t ...
  const char* fill;         // rows 0..9 (keys/idx 0..9, values v0..v9 or 0..9)
  const char* scan;         // the statement kept open
  bool desc;                // the scan runs in descending key order
  const char* write;        // run after `after` rows were stepped
  int after;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

std::optional<std::string> column_text(sqlite3_stmt* s, int i) {
  const unsigned char* t = sqlite3_column_text(s, i);
  if (!t) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(t));
}

// key -> value of the table right now.
std::map<std::string, std::optional<std::string>> contents(const kvtest::Db& db, const char* key_col) {
  std::map<std::string, std::optional<std::string>> out;
  sqlite3_stmt* s = nullptr;
  const std::string sql = std::string("SELECT ") + key_col + ", value FROM t";
  EXPECT_EQ(sqlite3_prepare_v2(db.get(), sql.c_str(), -1, &s, nullptr), SQLITE_OK);
  while (sqlite3_step(s) == SQLITE_ROW) out[*column_text(s, 0)] = column_text(s, 1);
  sqlite3_finalize(s);
  return out;
}

class OpenCursor : public ::testing::TestWithParam<Case> {};

TEST_P(OpenCursor, NeverReturnsARowThatDoesNotExist) {
  const Case& c = GetParam();
  const bool column = std::string(c.create).find("kvcolumn") != std::string::npos;
  const char* key_col = column ? "idx" : "key";
  const bool blob_keys = std::string(c.create).find("kvault") != std::string::npos;
  kvtest::Db db;
  ASSERT_EQ(db.query(c.create).rc, SQLITE_OK);
  ASSERT_EQ(db.query(c.fill).rc, SQLITE_OK) << db.query(c.fill).error;
  sqlite3_stmt* scan = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db.get(), c.scan, -1, &scan, nullptr), SQLITE_OK) << sqlite3_errmsg(db.get());
  std::vector<Row> seen;
  auto step = [&] {
    const int rc = sqlite3_step(scan);
    if (rc != SQLITE_ROW) {
      EXPECT_EQ(rc, SQLITE_DONE) << sqlite3_errmsg(db.get());
      return false;
    }
    Row r{*column_text(scan, 0), column_text(scan, 1)};
    if (blob_keys) r.key = std::string(reinterpret_cast<const char*>(sqlite3_column_blob(scan, 0)),
                                       static_cast<std::size_t>(sqlite3_column_bytes(scan, 0)));
    seen.push_back(r);
    return true;
  };
  for (int i = 0; i < c.after; ++i) ASSERT_TRUE(step());
  const std::size_t before = seen.size();
  const kvtest::Result w = db.query(c.write);
  ASSERT_EQ(w.rc, SQLITE_OK) << c.write << ": " << w.error;
  const auto now = contents(db, key_col);
  while (step()) {
    ASSERT_LT(seen.size(), 100u) << "the scan does not end";
  }
  sqlite3_finalize(scan);
  for (std::size_t i = before; i < seen.size(); ++i) {
    const Row& r = seen[i];
    auto it = now.find(r.key);
    ASSERT_NE(it, now.end()) << c.write << ": returned row " << r.key << " does not exist";
    ASSERT_TRUE(r.value.has_value()) << c.write << ": row " << r.key << " came back with a NULL value";
    EXPECT_EQ(r.value, it->second) << c.write << ": row " << r.key << " has a stale value";
  }
  for (std::size_t i = 1; i < seen.size(); ++i) {  // order kept, nothing twice
    auto as_num = [&](const std::string& k) { return column ? std::stod(k) : 0.0; };
    if (column) {
      if (c.desc)
        EXPECT_GT(as_num(seen[i - 1].key), as_num(seen[i].key)) << c.write;
      else
        EXPECT_LT(as_num(seen[i - 1].key), as_num(seen[i].key)) << c.write;
    }
  }
  if (!column) {
    std::map<std::string, int> count;
    for (const Row& r : seen) EXPECT_EQ(++count[r.key], 1) << c.write << ": key " << r.key << " twice";
  }
}

#define SERIES(a, b) "WITH RECURSIVE s(value) AS (SELECT " #a " UNION ALL SELECT value + 1 FROM s WHERE value < " #b ") "
#define FIXED "CREATE VIRTUAL TABLE t USING kvcolumn(i64)"
#define FIXED_FILL SERIES(100, 109) "INSERT INTO t(value) SELECT value FROM s"
#define VAR "CREATE VIRTUAL TABLE t USING kvcolumn(str)"
#define VAR_FILL SERIES(0, 9) "INSERT INTO t(value) SELECT 'v' || value FROM s"
#define SCAN_IDX "SELECT idx, value FROM t"
#define SCAN_IDX_DESC "SELECT idx, value FROM t ORDER BY idx DESC"
#define SCAN_IDX_IN "SELECT idx, value FROM t WHERE idx IN (1, 3, 5, 7, 9)"
#define MAP_FILL SERIES(0, 9) "INSERT INTO t(key, value) SELECT value, 'v' || value FROM s"
#define KVAULT_FILL SERIES(0, 9) "INSERT INTO t(key, value) SELECT printf('k%d', value), 'v' || value FROM s"
#define SCAN_KEY "SELECT key, value FROM t"
#define SCAN_KEY_DESC "SELECT key, value FROM t ORDER BY key DESC"

// clang-format off
const Case kCases[] = {
    // kvcolumn, fixed-size: the repro and its siblings.
    {"fixed_delete_tail", FIXED, FIXED_FILL, SCAN_IDX, false, "DELETE FROM t WHERE idx >= 2", 2},
    {"fixed_delete_all", FIXED, FIXED_FILL, SCAN_IDX, false, "DELETE FROM t", 3},
    {"fixed_delete_head", FIXED, FIXED_FILL, SCAN_IDX, false, "DELETE FROM t WHERE idx < 5", 3},
    {"fixed_delete_current", FIXED, FIXED_FILL, SCAN_IDX, false, "DELETE FROM t WHERE idx = 2", 3},
    {"fixed_insert_head", FIXED, FIXED_FILL, SCAN_IDX, false, "INSERT INTO t(idx, value) VALUES (0, -1)", 3},
    {"fixed_append", FIXED, FIXED_FILL, SCAN_IDX, false, "INSERT INTO t(value) VALUES (-2)", 3},
    {"fixed_update", FIXED, FIXED_FILL, SCAN_IDX, false, "UPDATE t SET value = -value", 3},
    {"fixed_bulk_append", FIXED, FIXED_FILL, SCAN_IDX, false,
     "INSERT INTO t(t, value) VALUES ('append', kv_pack_many('i64', '[7, 8]'))", 3},
    {"fixed_desc_delete_tail", FIXED, FIXED_FILL, SCAN_IDX_DESC, true, "DELETE FROM t WHERE idx >= 3", 2},
    {"fixed_desc_delete_all", FIXED, FIXED_FILL, SCAN_IDX_DESC, true, "DELETE FROM t", 2},
    {"fixed_in_delete_tail", FIXED, FIXED_FILL, SCAN_IDX_IN, false, "DELETE FROM t WHERE idx >= 4", 1},
    {"fixed_range_delete_tail", FIXED, FIXED_FILL, "SELECT idx, value FROM t WHERE idx >= 1 AND idx < 9", false,
     "DELETE FROM t WHERE idx >= 3", 1},
    {"fixed_in_transaction_delete_tail", FIXED, FIXED_FILL, SCAN_IDX, false,
     "BEGIN; DELETE FROM t WHERE idx >= 2; COMMIT", 2},
    {"fixed_savepoint_rollback_to", FIXED, FIXED_FILL, SCAN_IDX, false,
     "BEGIN; DELETE FROM t WHERE idx >= 1; SAVEPOINT s; INSERT INTO t(value) VALUES (1), (2), (3), (4), (5);"
     " DELETE FROM t WHERE idx >= 1; ROLLBACK TO s; RELEASE s; COMMIT", 3},
    {"fixed_rollback", FIXED, FIXED_FILL, SCAN_IDX, false,
     "BEGIN; INSERT INTO t(value) VALUES (1), (2); DELETE FROM t WHERE idx < 8; ROLLBACK; DELETE FROM t WHERE idx >= 4",
     3},
    // kvcolumn, variable-size.
    {"var_delete_tail", VAR, VAR_FILL, SCAN_IDX, false, "DELETE FROM t WHERE idx >= 2", 2},
    {"var_delete_all", VAR, VAR_FILL, SCAN_IDX, false, "DELETE FROM t", 3},
    {"var_insert_head", VAR, VAR_FILL, SCAN_IDX, false, "INSERT INTO t(idx, value) VALUES (0, 'new')", 3},
    {"var_update_longer", VAR, VAR_FILL, SCAN_IDX, false, "UPDATE t SET value = value || 'longer'", 3},
    {"var_compact", VAR, VAR_FILL, SCAN_IDX, false,
     "DELETE FROM t WHERE idx % 2 = 1; INSERT INTO t(t) VALUES ('compact')", 3},
    {"var_desc_delete_tail", VAR, VAR_FILL, SCAN_IDX_DESC, true, "DELETE FROM t WHERE idx >= 3", 2},
    {"var_in_delete_tail", VAR, VAR_FILL, SCAN_IDX_IN, false, "DELETE FROM t WHERE idx >= 4", 1},
    {"var_savepoint_rollback_to", VAR, VAR_FILL, SCAN_IDX, false,
     "BEGIN; DELETE FROM t WHERE idx >= 1; SAVEPOINT s; INSERT INTO t(value) VALUES ('a'), ('b'), ('c'), ('d');"
     " ROLLBACK TO s; RELEASE s; COMMIT", 3},
    // kvindex.
    {"kvindex_delete_tail", "CREATE VIRTUAL TABLE t USING kvindex(csbtree, order=3)", MAP_FILL, SCAN_KEY, false,
     "DELETE FROM t WHERE key >= 2", 2},
    {"kvindex_delete_all", "CREATE VIRTUAL TABLE t USING kvindex(skiplist)", MAP_FILL, SCAN_KEY, false,
     "DELETE FROM t", 2},
    {"kvindex_update", "CREATE VIRTUAL TABLE t USING kvindex(csbtree)", MAP_FILL, SCAN_KEY, false,
     "UPDATE t SET value = 'new' || key", 2},
    {"kvindex_move_keys", "CREATE VIRTUAL TABLE t USING kvindex(csbtree, order=3)", MAP_FILL, SCAN_KEY, false,
     "UPDATE t SET key = key + 100 WHERE key >= 5", 2},
    {"kvindex_desc_delete", "CREATE VIRTUAL TABLE t USING kvindex(skiplist)", MAP_FILL, SCAN_KEY_DESC, true,
     "DELETE FROM t WHERE key < 8", 1},
    {"kvindex_memory_delete_tail", "CREATE VIRTUAL TABLE t USING kvindex(csbtree, storage=memory)", MAP_FILL,
     SCAN_KEY, false, "DELETE FROM t WHERE key >= 2", 2},
    {"kvindex_rollback", "CREATE VIRTUAL TABLE t USING kvindex(csbtree)", MAP_FILL, SCAN_KEY, false,
     "BEGIN; DELETE FROM t WHERE key >= 2; INSERT INTO t VALUES (20, 'x'); ROLLBACK; DELETE FROM t WHERE key = 5",
     2},
    // kvault.
    {"kvault_delete_tail", "CREATE VIRTUAL TABLE t USING kvault", KVAULT_FILL, SCAN_KEY, false,
     "DELETE FROM t WHERE key >= 'k2'", 2},
    {"kvault_delete_all", "CREATE VIRTUAL TABLE t USING kvault", KVAULT_FILL, SCAN_KEY, false, "DELETE FROM t", 2},
    {"kvault_update", "CREATE VIRTUAL TABLE t USING kvault", KVAULT_FILL, SCAN_KEY, false,
     "UPDATE t SET value = 'new'", 2},
    {"kvault_desc_delete", "CREATE VIRTUAL TABLE t USING kvault", KVAULT_FILL, SCAN_KEY_DESC, true,
     "DELETE FROM t WHERE key < 'k8'", 1},
};
// clang-format on

INSTANTIATE_TEST_SUITE_P(EveryWriteKind, OpenCursor, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& i) { return std::string(i.param.name); });

// The exact repro: after DELETE idx >= 2 the open scan ends.
TEST(OpenCursorRepro, KvcolumnScanEndsAfterDeleteOfTheRest) {
  kvtest::Db db;
  ASSERT_EQ(db.query("CREATE VIRTUAL TABLE t USING kvcolumn(f64);"
                     "INSERT INTO t(value) VALUES (0.5), (1.5), (2.5), (3.5), (4.5)")
                .rc,
            SQLITE_OK);
  kvtest::Stmt scan(db, "SELECT idx, value FROM t");
  ASSERT_TRUE(scan.at_first_row());
  ASSERT_EQ(scan.step(), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(scan.get(), 0), 1);
  ASSERT_EQ(db.query("DELETE FROM t WHERE idx >= 2").rc, SQLITE_OK);
  EXPECT_EQ(scan.step(), SQLITE_DONE);
  EXPECT_EQ(db.scalar("SELECT count(*) FROM t"), "2");
}

}  // namespace
