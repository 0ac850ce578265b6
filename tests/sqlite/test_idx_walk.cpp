// The shared range plan and row walk (ext/common/range_plan, idx_range,
// idx_walk) through both tables that use them, kvcolumn and
// kohakuvault_column, against a plain table with the same rows: every
// combination of idx constraints (=, IN, bounds, REAL/TEXT/NULL values, the
// rowid, out-of-range values), ORDER BY idx [DESC] and LIMIT/OFFSET must
// return exactly the rows plain SQLite returns, in the same order.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "kvdb.hpp"

namespace fs = std::filesystem;

namespace {

constexpr const char* kConditions[] = {
    "",
    "idx = 7",
    "idx = 7.0",
    "idx = 7.5",
    "idx = '7'",
    "idx = NULL",
    "idx IN (3, 1, 3, 4999, 5000, -1, 2.0, 'x', '12')",
    "idx IN (10, 20, 30) AND idx > 15",
    "idx > 4990",
    "idx >= 4990.5",
    "idx < 3",
    "idx <= 2.5",
    "idx BETWEEN 1020 AND 1030",
    "idx > 100 AND idx < 90",
    "idx >= -5 AND idx < 4",
    "idx > 'abc'",
    "idx < 'abc' AND idx > 4995",
    "idx < x'00' AND idx >= 4997",
    "rowid BETWEEN 10 AND 12",
    "idx > 9223372036854775807",
    "idx < -9223372036854775808",
    "idx >= 1e300",
    "idx > -1e300 AND idx < 2",
};
constexpr const char* kOrders[] = {"ORDER BY idx", "ORDER BY idx DESC"};
constexpr const char* kLimits[] = {"",        "LIMIT 3",           "LIMIT 3 OFFSET 2", "LIMIT -1 OFFSET 4998",
                                   "LIMIT 0", "LIMIT 2 OFFSET -3", "LIMIT 1 OFFSET 1"};

class IdxWalk : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("kv_idx_walk_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    const std::string path = (dir_ / "columns.db").string();
    fs::copy_file(fs::path(KV_TESTDATA_DIR) / "kohakuvault-0.6.0-files" / "columns.db", path,
                  fs::copy_options::overwrite_existing);
    db_ = std::make_unique<kvtest::Db>(path);
    // f64_vals: 5000 elements in chunks of 1023, so ranges cross chunk borders.
    ASSERT_EQ(db_->query("CREATE TEMP TABLE plain(idx INTEGER PRIMARY KEY, raw BLOB);"
                         "INSERT INTO plain SELECT idx, raw FROM kohakuvault_column('f64_vals');"
                         "CREATE VIRTUAL TABLE temp.col USING kvcolumn(f64);"
                         "INSERT INTO col(raw) SELECT raw FROM plain ORDER BY idx;")
                  .rc,
              SQLITE_OK)
        << sqlite3_errmsg(db_->get());
    ASSERT_EQ(db_->scalar("SELECT count(*) FROM plain"), "5000");
  }
  void TearDown() override {
    db_.reset();
    fs::remove_all(dir_);
  }
  std::unique_ptr<kvtest::Db> db_;
  fs::path dir_;
};

TEST_F(IdxWalk, KvcolumnAndKohakuvaultColumnReturnWhatPlainSqlReturns) {
  int compared = 0, nonempty = 0;
  for (const char* where : kConditions)
    for (const char* order : kOrders)
      for (const char* limit : kLimits) {
        const std::string tail = std::string(*where ? " WHERE " : "") + where + " " + order + " " + limit;
        const kvtest::Result want = db_->query("SELECT idx, hex(raw) FROM plain" + tail);
        ASSERT_EQ(want.rc, SQLITE_OK) << tail << ": " << want.error;
        for (const char* source : {"col", "kohakuvault_column('f64_vals')"}) {
          const kvtest::Result got = db_->query(std::string("SELECT idx, hex(raw) FROM ") + source + tail);
          ASSERT_EQ(got.rc, SQLITE_OK) << source << tail << ": " << got.error;
          EXPECT_EQ(got.rows, want.rows) << source << tail;
          ++compared;
        }
        nonempty += !want.rows.empty();
      }
  EXPECT_EQ(compared, 2 * 23 * 2 * 7);
  EXPECT_GT(nonempty, 120);  // the matrix is not mostly empty results (146 of 322)
}

// The same walk stepped by xNext after the table shrinks under an open scan
// (IdxWalk::clamp_to): a descending scan restarts at the new last row and an
// ascending one stops at the new end, never yielding a missing idx.
TEST_F(IdxWalk, ScansFollowTheLengthWhenTheTableShrinksUnderThem) {
  for (const bool desc : {false, true}) {
    ASSERT_EQ(db_->query("DELETE FROM col; INSERT INTO col(raw) SELECT raw FROM plain WHERE idx < 10").rc,
              SQLITE_OK);
    sqlite3_stmt* s = nullptr;
    const std::string sql =
        std::string("SELECT idx FROM col WHERE idx >= 2 ORDER BY idx") + (desc ? " DESC" : "");
    ASSERT_EQ(sqlite3_prepare_v2(db_->get(), sql.c_str(), -1, &s, nullptr), SQLITE_OK);
    std::vector<long long> seen;
    while (sqlite3_step(s) == SQLITE_ROW) {
      seen.push_back(sqlite3_column_int64(s, 0));
      if (seen.size() == 1) {  // drop the last 5 rows (idx 5..9) under the open scan
        ASSERT_EQ(db_->query("DELETE FROM col WHERE idx >= 5").rc, SQLITE_OK) << sqlite3_errmsg(db_->get());
      }
    }
    EXPECT_EQ(sqlite3_finalize(s), SQLITE_OK);
    const std::vector<long long> want =
        desc ? std::vector<long long>{9, 4, 3, 2} : std::vector<long long>{2, 3, 4};
    EXPECT_EQ(seen, want) << (desc ? "DESC" : "ASC");
  }
}

}  // namespace
