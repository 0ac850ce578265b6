// A storage=memory kvindex brought back by a rolled-back DROP TABLE, with
// every allocation of the whole life cycle failing in turn (the countdown of
// inject.hpp): CREATE, writes, BEGIN, DROP, ROLLBACK, use; then SAVEPOINT,
// DROP, ROLLBACK TO, use, COMMIT. The table's contents live only in the
// connection's registry (ext/kvindex/module.cpp: memory_state,
// collect_dropped, kvindexDestroy, kvindexRename), so a registry entry lost or
// half-made on the way loses them for good.
//
// Each run executes the script until its first failure (which must be
// SQLITE_NOMEM), then, faults off, rolls back an open transaction. A plain
// WITHOUT ROWID table replays the steps that succeeded in a second connection
// (a failed statement has no effect; a failure that ended the transaction ends
// it there too): the two must answer alike, every SELECT of the script must
// have returned the plain table's rows, the kvindex must then take writes, and
// the connection must close (nothing left open). Under ASan, LeakSanitizer
// checks each sweep.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdio>
#include <map>
#include <utility>
#include <string>
#include <vector>

#include "inject.hpp"
#include "regression_util.hpp"

namespace kvfault {
namespace {

// "%T" in a step is the table's declaration: kvindex(...) or the plain table.
const std::vector<std::string> kScript = {
    "CREATE %T",
    "INSERT INTO mt VALUES ('a', 1), ('b', 2), ('c', 3)",
    "BEGIN",
    "INSERT INTO mt VALUES ('d', 4)",
    "UPDATE mt SET value = 20 WHERE key = 'b'",
    "DROP TABLE mt",
    "ROLLBACK",
    "SELECT quote(key), quote(value) FROM mt ORDER BY key",
    "INSERT INTO mt VALUES ('e', 5)",
    "BEGIN",
    "SAVEPOINT s",
    "DROP TABLE mt",
    "ROLLBACK TO s",
    "INSERT INTO mt VALUES ('f', 6)",
    "SELECT quote(key), quote(value) FROM mt ORDER BY key",
    "ALTER TABLE mt RENAME TO mt2",
    "ALTER TABLE mt2 RENAME TO mt",
    "COMMIT",
    "SELECT quote(key), quote(value) FROM mt WHERE key >= 'b' ORDER BY key DESC",
};

std::string step_sql(const std::string& step, const std::string& decl) {
  const auto at = step.find("%T");
  return at == std::string::npos ? step : step.substr(0, at) + decl + step.substr(at + 2);
}

// What a connection answers about mt: its rows, or the error of reading it
// (a missing table is "no such table: mt").
std::string contents(sqlite3* db) {
  const Rows r = query(db, "SELECT quote(key), quote(value) FROM mt ORDER BY key");
  if (r.rc != SQLITE_OK) return std::string("error: ") + sqlite3_errmsg(db);
  std::string out;
  for (const std::string& row : r.rows) out += row + ";";
  return out;
}

struct RunResult {
  size_t failed_step = SIZE_MAX;  // index of the first failing step, SIZE_MAX: none
  bool ended_txn = false;         // that failure ended the open transaction
  std::vector<std::vector<std::string>> rows;  // per successful step
  Counters counters;
};

// Faults off, after the run: a write, a transaction rolled back.
const char* kAfterwards = "INSERT INTO mt VALUES ('z', 26); BEGIN; DELETE FROM mt WHERE key < 'c'; ROLLBACK";

// The plain table's answers when the script stops at a given step.
struct Mirror {
  std::vector<std::vector<std::string>> rows;  // per step that succeeded
  std::string contents, contents_afterwards;
};

class Mirrors {
 public:
  const Mirror& of(size_t failed_step, bool ended_txn) {
    const auto key = std::make_pair(failed_step, ended_txn);
    auto it = cache_.find(key);
    if (it == cache_.end()) it = cache_.emplace(key, replay(failed_step, ended_txn)).first;
    return it->second;
  }

 private:
  // Steps before failed_step run; the failed one had no effect, except that it
  // ended the transaction when ended_txn; an open transaction is rolled back.
  static Mirror replay(size_t failed_step, bool ended_txn) {
    Mirror m;
    sqlite3* db = open_with_extension(":memory:");
    for (size_t i = 0; i < kScript.size() && i < failed_step; ++i) {
      Rows r = query(db, step_sql(kScript[i], "TABLE mt(key PRIMARY KEY NOT NULL, value) WITHOUT ROWID"));
      EXPECT_EQ(r.rc, SQLITE_OK) << "plain table, step " << i << ": " << sqlite3_errmsg(db);
      m.rows.push_back(std::move(r.rows));
    }
    if (failed_step < kScript.size() && ended_txn) exec(db, "ROLLBACK");
    if (!sqlite3_get_autocommit(db)) exec(db, "ROLLBACK");
    m.contents = contents(db);
    exec(db, kAfterwards);
    m.contents_afterwards = contents(db);
    sqlite3_close(db);
    return m;
  }
  std::map<std::pair<size_t, bool>, Mirror> cache_;
};

// About 6000 allocations per sweep: `make test` tries every 3rd (every 30th
// under ASan), KV_FAULT_FULL=1 every one.
int64_t sweep_stride() {
  const char* full = getenv("KV_FAULT_FULL");
  if (full && std::string(full) == "1") return 1;
  return 3 * point_stride(10);
}

void sweep_memory_revival(const char* backend, bool persistent) {
  const std::string decl = std::string("VIRTUAL TABLE mt USING kvindex(") + backend + ", storage=memory)";
  Mirrors mirrors;
  int64_t points = 0, surfaced = 0, violations = 0;
  for (int64_t n = 1;; n += sweep_stride(), ++points) {
    SCOPED_TRACE(std::string(backend) + (persistent ? " persistent" : " transient") + " N=" + std::to_string(n));
    sqlite3* db = open_with_extension(":memory:");
    ASSERT_NE(db, nullptr);
    RunResult run;
    std::vector<std::string> steps;
    for (const std::string& step : kScript) steps.push_back(step_sql(step, decl));
    run.rows.reserve(steps.size());
    arm(Kind::oom, n, persistent);
    for (size_t i = 0; i < steps.size(); ++i) {
      const bool in_txn = !sqlite3_get_autocommit(db);
      Rows r = query(db, steps[i]);
      Pause p;
      if (r.rc != SQLITE_OK) {
        run.failed_step = i;
        run.ended_txn = in_txn && sqlite3_get_autocommit(db);
        EXPECT_EQ(r.rc & 0xff, SQLITE_NOMEM) << "step " << i << " [" << kScript[i] << "]: " << sqlite3_errmsg(db);
        break;
      }
      run.rows.push_back(std::move(r.rows));
    }
    run.counters = disarm();
    if (run.failed_step != SIZE_MAX) ++surfaced;
    if (!sqlite3_get_autocommit(db)) {
      EXPECT_EQ(exec(db, "ROLLBACK"), SQLITE_OK) << sqlite3_errmsg(db);
    }

    // The plain table through the steps that succeeded (one replay per outcome).
    const Mirror& mirror = mirrors.of(run.failed_step, run.ended_txn);
    for (size_t i = 0; i < run.rows.size(); ++i)
      EXPECT_EQ(run.rows[i], mirror.rows[i]) << "step " << i << " [" << kScript[i] << "] answered other rows";
    EXPECT_EQ(contents(db), mirror.contents)
        << "after the failure of step "
        << (run.failed_step == SIZE_MAX ? std::string("(none)") : kScript[run.failed_step]);
    // It keeps working: a write, a transaction rolled back, a read.
    if (mirror.contents.rfind("error", 0) != 0) {
      exec(db, kAfterwards);
      EXPECT_EQ(contents(db), mirror.contents_afterwards) << "written after the fault";
    }
    if (::testing::Test::HasFailure()) ++violations;
    if (sqlite3_close(db) != SQLITE_OK) {
      ADD_FAILURE() << "sqlite3_close: a statement was left open";
      while (sqlite3_stmt* st = sqlite3_next_stmt(db, nullptr)) sqlite3_finalize(st);
      sqlite3_close_v2(db);
    }
    if (run.counters.injected == 0) break;
    if (violations > 0) break;  // one run's report is enough
  }
  std::printf("[regression] kvindex memory revival %-8s %-10s %6lld points %6lld surfaced %lld violations\n",
              backend, persistent ? "persistent" : "transient", static_cast<long long>(points),
              static_cast<long long>(surfaced), static_cast<long long>(violations));
  EXPECT_GT(points, 100);
  expect_no_leaks();
}

TEST(KvindexMemoryRevival, CsbtreeTransient) { sweep_memory_revival("csbtree", false); }
TEST(KvindexMemoryRevival, CsbtreePersistent) { sweep_memory_revival("csbtree", true); }
TEST(KvindexMemoryRevival, SkiplistTransient) { sweep_memory_revival("skiplist", false); }
TEST(KvindexMemoryRevival, SkiplistPersistent) { sweep_memory_revival("skiplist", true); }

}  // namespace
}  // namespace kvfault
