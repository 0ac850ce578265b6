// kvindex's interrupted undo while another statement's scan of the same table
// is open (ext/kvindex/freshness.cpp detach_cursors_for_undo, write.cpp
// kvindexRollbackTo/kvindexRollback): a SELECT stepped part-way, then a
// rollback whose undo runs with allocation N failing (every N in turn,
// transient and persistent), then the SELECT read to its end with faults off.
// Two rollbacks: ROLLBACK TO a savepoint, and a statement's own rollback (an
// UPDATE that fails on a duplicate key after changing rows). Disk and memory
// tables, both backends.
//
// What must hold, against a plain WITHOUT ROWID mirror written alongside:
//   * the rollback succeeds, or fails with SQLITE_NOMEM (the statement's
//     rollback: SQLITE_CONSTRAINT as without faults, or SQLITE_NOMEM);
//   * the open scan returns, after its position, rows of the table as the
//     rollback left it, in order: all of them, or (a cursor that could not copy
//     its row before the undo) a prefix — never a row the rolled-back state
//     does not have, never a key twice or out of order;
//   * afterwards the table equals the mirror (an undo left pending settles at
//     the next use), in this connection and, after COMMIT, in a fresh one.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdio>
#include <string>
#include <vector>

#include "inject.hpp"
#include "regression_util.hpp"

namespace kvfault {
namespace {

// Both tables: 100 keys, then a transaction with writes before and after a
// savepoint. Values are long enough that copying one allocates (an open
// cursor's copy of its row before the undo can fail).
std::string setup(const std::string& kvindex_args) {
  std::string sql = "CREATE VIRTUAL TABLE t USING kvindex(" + kvindex_args +
                    ");"
                    "CREATE TABLE m(key PRIMARY KEY NOT NULL, value) WITHOUT ROWID;"
                    "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 99) "
                    "INSERT INTO t SELECT printf('k%03d', i), printf('value %03d, long enough to be on the heap', i) FROM n;"
                    "INSERT INTO m SELECT key, value FROM t;"
                    "BEGIN;";
  for (const char* x : {"t", "m"}) {
    const std::string n(x);
    sql += "UPDATE " + n + " SET value = value || ' (2)' WHERE key < 'k020';" + "DELETE FROM " + n +
           " WHERE key BETWEEN 'k050' AND 'k054';" + "INSERT INTO " + n + " VALUES ('k050a', 'a');";
  }
  sql += "SAVEPOINT s;";
  for (const char* x : {"t", "m"}) {
    const std::string n(x);
    sql += "DELETE FROM " + n + " WHERE key BETWEEN 'k030' AND 'k070';" + "UPDATE " + n +
           " SET value = 'sp' WHERE key >= 'k080';" + "INSERT INTO " + n + " VALUES ('k031a', 1), ('k099z', 2);";
  }
  return sql;
}

// The statement whose rollback is under test, on table x.
std::string rollback_sql(bool statement_rollback, const char* x) {
  if (!statement_rollback) return "ROLLBACK TO s";
  // Changes k000..k014 (UPDATE collects its rows first, in key order), then
  // k015 -> k016 is a duplicate: SQLite undoes the statement (xRollbackTo).
  return std::string("UPDATE ") + x +
         " SET key = CASE WHEN key = 'k015' THEN 'k016' ELSE key END, value = 'u' WHERE key < 'k020'";
}

const char* kScan = "SELECT quote(key), quote(value) FROM %s ORDER BY key";
std::string scan_of(const char* x) {
  char* s = sqlite3_mprintf(kScan, x);
  std::string out(s);
  sqlite3_free(s);
  return out;
}

struct Stats {
  int64_t points = 0, surfaced = 0, ended_early = 0, violations = 0;
};

// One run with allocation n failing during the rollback.
void run_once(const std::string& path, const std::string& args, bool statement_rollback, int64_t n,
              bool persistent, Stats& stats, bool* injected) {
  std::filesystem::remove(path);
  std::filesystem::remove(path + "-journal");
  sqlite3* db = open_with_extension(path);
  ASSERT_NE(db, nullptr);
  ASSERT_EQ(exec(db, setup(args)), SQLITE_OK) << sqlite3_errmsg(db);

  // The open scan, 25 rows in (at k024: k025..k029 follow, then the keys the
  // savepoint deleted and the rollback brings back).
  sqlite3_stmt* scan = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, scan_of("t").c_str(), -1, &scan, nullptr), SQLITE_OK);
  std::vector<std::string> seen;
  for (int i = 0; i < 25; ++i) {
    ASSERT_EQ(sqlite3_step(scan), SQLITE_ROW);
    seen.push_back(row_text(scan));
  }
  const std::string last = seen.back();

  sqlite3_stmt* rollback = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, rollback_sql(statement_rollback, "t").c_str(), -1, &rollback, nullptr),
            SQLITE_OK);
  arm(Kind::oom, n, persistent);
  const int rc = sqlite3_step(rollback);
  const Counters c = disarm();
  *injected = c.injected > 0;
  const std::string rollback_error = sqlite3_errmsg(db);
  sqlite3_finalize(rollback);
  const int expected = statement_rollback ? SQLITE_CONSTRAINT : SQLITE_DONE;
  if (rc != expected) {
    ++stats.surfaced;
    EXPECT_EQ(rc & 0xff, SQLITE_NOMEM) << "the rollback returned " << rc << ": " << rollback_error;
  }
  // The mirror gets the same rollback: its statement (no faults) undoes
  // nothing more than SQLite's own; a transaction that SQLite rolled back for
  // t's failure is gone for m too.
  if (!sqlite3_get_autocommit(db)) {
    const int mirror_rc = exec(db, rollback_sql(statement_rollback, "m"));
    EXPECT_EQ(mirror_rc, statement_rollback ? SQLITE_CONSTRAINT : SQLITE_OK) << sqlite3_errmsg(db);
  }

  // The rest of the open scan, faults off.
  std::vector<std::string> rest;
  int step_rc;
  while ((step_rc = sqlite3_step(scan)) == SQLITE_ROW) rest.push_back(row_text(scan));
  const std::string scan_error = sqlite3_errmsg(db);
  sqlite3_finalize(scan);
  EXPECT_EQ(step_rc, SQLITE_DONE) << "the open scan failed: " << scan_error;

  // The rows after `last` in the state the rollback left (the mirror's).
  const Rows mirror = query(db, scan_of("m"));
  ASSERT_EQ(mirror.rc, SQLITE_OK);
  std::vector<std::string> after;
  for (const std::string& row : mirror.rows)
    if (row.substr(0, row.find('|')) > last.substr(0, last.find('|'))) after.push_back(row);
  EXPECT_LE(rest.size(), after.size()) << "the open scan returned more rows than the table has after its position";
  const size_t common = std::min(rest.size(), after.size());
  EXPECT_EQ(std::vector<std::string>(rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(common)),
            std::vector<std::string>(after.begin(), after.begin() + static_cast<std::ptrdiff_t>(common)))
      << "the open scan returned rows the rolled-back table does not have there";
  if (rest.size() < after.size()) ++stats.ended_early;

  // The table itself: equal to the mirror now (a pending undo settles), after
  // a write, and after COMMIT in a fresh connection (disk tables).
  EXPECT_EQ(query(db, scan_of("t")).rows, mirror.rows) << "the table differs from the mirror after the rollback";
  for (const char* x : {"t", "m"}) exec(db, std::string("INSERT OR REPLACE INTO ") + x + " VALUES ('k025', 'w')");
  EXPECT_EQ(query(db, scan_of("t")).rows, query(db, scan_of("m")).rows) << "after a write";
  if (!sqlite3_get_autocommit(db)) {
    EXPECT_EQ(exec(db, "COMMIT"), SQLITE_OK) << sqlite3_errmsg(db);
  }
  const std::vector<std::string> committed = query(db, scan_of("m")).rows;
  EXPECT_EQ(query(db, scan_of("t")).rows, committed) << "after COMMIT";
  EXPECT_EQ(sqlite3_close(db), SQLITE_OK);
  if (args.find("memory") == std::string::npos) {
    sqlite3* fresh = open_with_extension(path);
    EXPECT_EQ(query(fresh, scan_of("t")).rows, committed) << "a fresh connection reads another table";
    sqlite3_close(fresh);
  }
  ++stats.points;
}

void sweep(const char* args, bool statement_rollback, bool persistent) {
  TempDir dir;
  const std::string path = dir.path("u.db");
  Stats stats;
  for (int64_t n = 1;; n += point_stride(5)) {
    SCOPED_TRACE(std::string(args) + (statement_rollback ? " statement rollback" : " ROLLBACK TO") +
                 (persistent ? " persistent" : " transient") + " N=" + std::to_string(n));
    bool injected = false;
    run_once(path, args, statement_rollback, n, persistent, stats, &injected);
    if (::testing::Test::HasFailure()) {
      ++stats.violations;
      break;  // one run's report is enough
    }
    if (!injected) break;
  }
  std::printf("[regression] kvindex undo+scan %-28s %-18s %-10s %5lld points %5lld surfaced %4lld scans ended early "
              "%lld violations\n",
              args, statement_rollback ? "statement rollback" : "ROLLBACK TO", persistent ? "persistent" : "transient",
              static_cast<long long>(stats.points), static_cast<long long>(stats.surfaced),
              static_cast<long long>(stats.ended_early), static_cast<long long>(stats.violations));
  EXPECT_GT(stats.points, 10);
  expect_no_leaks();
}

struct Case {
  const char* args;
  bool statement_rollback;
};

class KvindexUndoWithOpenScan : public ::testing::TestWithParam<Case> {};

TEST_P(KvindexUndoWithOpenScan, Transient) { sweep(GetParam().args, GetParam().statement_rollback, false); }
TEST_P(KvindexUndoWithOpenScan, Persistent) { sweep(GetParam().args, GetParam().statement_rollback, true); }

INSTANTIATE_TEST_SUITE_P(
    Tables, KvindexUndoWithOpenScan,
    ::testing::Values(Case{"csbtree, order=3", false}, Case{"csbtree, order=3", true}, Case{"skiplist", false},
                      Case{"skiplist", true}, Case{"csbtree, order=3, storage=memory", false},
                      Case{"csbtree, order=3, storage=memory", true}, Case{"skiplist, storage=memory", false},
                      Case{"skiplist, storage=memory", true}),
    [](const ::testing::TestParamInfo<Case>& p) {
      std::string name = std::string(p.param.args).find("skiplist") != std::string::npos ? "Skiplist" : "Csbtree";
      name += std::string(p.param.args).find("memory") != std::string::npos ? "Memory" : "Disk";
      return name + (p.param.statement_rollback ? "StatementRollback" : "RollbackTo");
    });

}  // namespace
}  // namespace kvfault
