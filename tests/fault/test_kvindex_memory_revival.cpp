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
//
// The same sweep renames tables keyed by name (made by builds without the
// _info instance_id row; emulated by deleting it and reopening), also inside
// a transaction that is rolled back: their registry entry answers to the new
// name as well (kvindexRename, StateRegistry::rename). Without faults, a
// memory table keyed by name lost its contents when a rename was rolled back.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <utility>
#include <string>
#include <vector>

#include "inject.hpp"
#include "regression_util.hpp"

namespace kvfault {
namespace {

// A life cycle under test: the kvindex's setup (faults off; the connection is
// reopened after it, then `fill` runs), the plain table's, and the steps run
// with faults armed. "%T" in a step is the table's declaration: kvindex(...)
// or the plain table.
struct Life {
  std::string kv_setup, fill, plain_setup;
  std::vector<std::string> steps;
  int64_t stride = 3;  // of the bounded sweep (`make test`)
};

const std::vector<std::string> kDropAndRollBack = {
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

const std::vector<std::string> kRenames = {
    "ALTER TABLE mt RENAME TO mt2",
    "INSERT INTO mt2 VALUES ('d', 4)",
    "BEGIN",
    "ALTER TABLE mt2 RENAME TO mt3",
    "INSERT INTO mt3 VALUES ('e', 5)",
    "ROLLBACK",
    "SELECT quote(key), quote(value) FROM mt2 ORDER BY key",
    "ALTER TABLE mt2 RENAME TO mt",
    "SELECT quote(key), quote(value) FROM mt ORDER BY key",
};

std::string step_sql(const std::string& step, const std::string& decl) {
  const auto at = step.find("%T");
  return at == std::string::npos ? step : step.substr(0, at) + decl + step.substr(at + 2);
}

// What a connection answers about the table (mt, or mt2/mt3 after a rename):
// its name and rows, or the error of reading it.
std::string contents(sqlite3* db) {
  const Rows name = query(db, "SELECT name FROM sqlite_schema WHERE name IN ('mt', 'mt2', 'mt3')");
  if (name.rc != SQLITE_OK || name.rows.size() != 1) return "error: the table is not there (or twice)";
  const Rows r = query(db, "SELECT quote(key), quote(value) FROM " + name.rows[0] + " ORDER BY key");
  if (r.rc != SQLITE_OK) return std::string("error: ") + sqlite3_errmsg(db);
  std::string out = name.rows[0] + ":";
  for (const std::string& row : r.rows) out += row + ";";
  return out;
}

struct RunResult {
  size_t failed_step = SIZE_MAX;  // index of the first failing step, SIZE_MAX: none
  bool ended_txn = false;         // that failure ended the open transaction
  std::vector<std::vector<std::string>> rows;  // per successful step
  Counters counters;
};

// Faults off, after the run: a write, a transaction rolled back (on the
// table as contents() named it).
void afterwards(sqlite3* db, const std::string& contents) {
  const std::string t = contents.substr(0, contents.find(':'));
  exec(db, "INSERT INTO " + t + " VALUES ('z', 26); BEGIN; DELETE FROM " + t + " WHERE key < 'c'; ROLLBACK");
}

// The plain table's answers when the script stops at a given step.
struct Mirror {
  std::vector<std::vector<std::string>> rows;  // per step that succeeded
  std::string contents, contents_afterwards;
};

class Mirrors {
 public:
  explicit Mirrors(const Life& life) : life_(life) {}
  const Mirror& of(size_t failed_step, bool ended_txn) {
    const auto key = std::make_pair(failed_step, ended_txn);
    auto it = cache_.find(key);
    if (it == cache_.end()) it = cache_.emplace(key, replay(failed_step, ended_txn)).first;
    return it->second;
  }

 private:
  // Steps before failed_step run; the failed one had no effect, except that it
  // ended the transaction when ended_txn; an open transaction is rolled back.
  Mirror replay(size_t failed_step, bool ended_txn) const {
    Mirror m;
    sqlite3* db = open_with_extension(":memory:");
    EXPECT_EQ(exec(db, life_.plain_setup), SQLITE_OK) << sqlite3_errmsg(db);
    for (size_t i = 0; i < life_.steps.size() && i < failed_step; ++i) {
      Rows r = query(db, step_sql(life_.steps[i], "TABLE mt(key PRIMARY KEY NOT NULL, value) WITHOUT ROWID"));
      EXPECT_EQ(r.rc, SQLITE_OK) << "plain table, step " << i << ": " << sqlite3_errmsg(db);
      m.rows.push_back(std::move(r.rows));
    }
    if (failed_step < life_.steps.size() && ended_txn) exec(db, "ROLLBACK");
    if (!sqlite3_get_autocommit(db)) exec(db, "ROLLBACK");
    m.contents = contents(db);
    afterwards(db, m.contents);
    m.contents_afterwards = contents(db);
    sqlite3_close(db);
    return m;
  }
  const Life& life_;
  std::map<std::pair<size_t, bool>, Mirror> cache_;
};

// The kvindex connection of one run: setup, reopen, fill (faults off).
sqlite3* open_for_run(const Life& life, const std::string& path) {
  if (life.kv_setup.empty()) return open_with_extension(":memory:");
  for (const char* suffix : {"", "-journal"}) std::filesystem::remove(path + suffix);
  sqlite3* db = open_with_extension(path);
  EXPECT_EQ(exec(db, life.kv_setup), SQLITE_OK) << sqlite3_errmsg(db);
  sqlite3_close(db);
  db = open_with_extension(path);
  EXPECT_EQ(exec(db, life.fill), SQLITE_OK) << sqlite3_errmsg(db);
  return db;
}

// `make test` tries every life.stride-th allocation (ten times fewer under
// ASan), KV_FAULT_FULL=1 every one.
int64_t sweep_stride(const Life& life) {
  const char* full = getenv("KV_FAULT_FULL");
  if (full && std::string(full) == "1") return 1;
  return life.stride * point_stride(10);
}

void sweep_life(const char* name, const char* args, const Life& life, bool persistent) {
  const std::string decl = std::string("VIRTUAL TABLE mt USING kvindex(") + args + ")";
  Mirrors mirrors(life);
  TempDir dir;
  const std::string path = dir.path("r.db");
  int64_t points = 0, surfaced = 0, violations = 0;
  for (int64_t n = 1;; n += sweep_stride(life), ++points) {
    SCOPED_TRACE(std::string(name) + " " + args + (persistent ? " persistent" : " transient") + " N=" +
                 std::to_string(n));
    sqlite3* db = open_for_run(life, path);
    ASSERT_NE(db, nullptr);
    RunResult run;
    std::vector<std::string> steps;
    for (const std::string& step : life.steps) steps.push_back(step_sql(step, decl));
    run.rows.reserve(steps.size());
    arm(Kind::oom, n, persistent);
    for (size_t i = 0; i < steps.size(); ++i) {
      const bool in_txn = !sqlite3_get_autocommit(db);
      Rows r = query(db, steps[i]);
      Pause p;
      if (r.rc != SQLITE_OK) {
        run.failed_step = i;
        run.ended_txn = in_txn && sqlite3_get_autocommit(db);
        EXPECT_EQ(r.rc & 0xff, SQLITE_NOMEM) << "step " << i << " [" << steps[i] << "]: " << sqlite3_errmsg(db);
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
      EXPECT_EQ(run.rows[i], mirror.rows[i]) << "step " << i << " [" << steps[i] << "] answered other rows";
    EXPECT_EQ(contents(db), mirror.contents)
        << "after the failure of step "
        << (run.failed_step == SIZE_MAX ? std::string("(none)") : steps[run.failed_step]);
    // It keeps working: a write, a transaction rolled back, a read.
    if (mirror.contents.rfind("error", 0) != 0) {
      afterwards(db, mirror.contents);
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
  std::printf("[regression] kvindex %-14s %-24s %-10s %6lld points %6lld surfaced %lld violations\n", name,
              args, persistent ? "persistent" : "transient", static_cast<long long>(points),
              static_cast<long long>(surfaced), static_cast<long long>(violations));
  EXPECT_GT(points, 20);
  expect_no_leaks();
}

const Life kDropLife{"", "", "", kDropAndRollBack, 3};  // about 6000 allocations

TEST(KvindexMemoryRevival, CsbtreeTransient) {
  sweep_life("memory revival", "csbtree, storage=memory", kDropLife, false);
}
TEST(KvindexMemoryRevival, CsbtreePersistent) {
  sweep_life("memory revival", "csbtree, storage=memory", kDropLife, true);
}
TEST(KvindexMemoryRevival, SkiplistTransient) {
  sweep_life("memory revival", "skiplist, storage=memory", kDropLife, false);
}
TEST(KvindexMemoryRevival, SkiplistPersistent) {
  sweep_life("memory revival", "skiplist, storage=memory", kDropLife, true);
}

// Tables keyed by name: the instance_id row deleted, then reopened.
Life renames_of(const char* args) {
  return Life{std::string("CREATE VIRTUAL TABLE mt USING kvindex(") + args +
                  "); DELETE FROM mt_info WHERE k = 'instance_id';",
              "INSERT INTO mt VALUES ('a', 1), ('b', 2), ('c', 3)",
              "CREATE TABLE mt(key PRIMARY KEY NOT NULL, value) WITHOUT ROWID;"
              "INSERT INTO mt VALUES ('a', 1), ('b', 2), ('c', 3)",
              kRenames, 9};  // 6000 (memory) to 14000 (disk) allocations
}

TEST(KvindexRenameKeyedByName, MemoryTransient) {
  sweep_life("rename by name", "csbtree, storage=memory", renames_of("csbtree, storage=memory"), false);
}
TEST(KvindexRenameKeyedByName, MemoryPersistent) {
  sweep_life("rename by name", "csbtree, storage=memory", renames_of("csbtree, storage=memory"), true);
}
TEST(KvindexRenameKeyedByName, DiskTransient) { sweep_life("rename by name", "skiplist", renames_of("skiplist"), false); }
TEST(KvindexRenameKeyedByName, DiskPersistent) { sweep_life("rename by name", "skiplist", renames_of("skiplist"), true); }

}  // namespace
}  // namespace kvfault
