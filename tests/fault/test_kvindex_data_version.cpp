// kvindex's check for other connections' commits failing (ext/kvindex/
// freshness.cpp catch_up_with_others: PRAGMA data_version, then _info seq, then
// the _log replay), with every allocation of the statements that run it
// failing in turn (KvindexDataVersionOom), and every I/O call (xRead of the
// _info and _log pages, xLock, xFileSize, ...: KvindexDataVersionIo, through
// the faultsim VFS), transient and persistent. Connection a has loaded t (its
// data_version statement is prepared), connection b commits to t and to a
// plain mirror m, and a's statements are expired (an authorizer is set), so a's
// next read re-prepares PRAGMA data_version inside the armed window (the
// authorizer marks the allocation count there: the sweep passes through it).
//
// What must hold: a's SELECT and INSERT succeed with the mirror's rows or fail
// with the fault's class (SQLITE_NOMEM; an SQLITE_IOERR_* code for I/O); nothing else is written; faults off, a's next statement
// checks again and answers like the mirror (b's commit included), a write
// works, and a fresh connection reads the same.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "inject.hpp"
#include "regression_util.hpp"

namespace kvfault {
namespace {

// Records the allocation count when PRAGMA data_version is authorized (-1: not yet).
int note_data_version(void* at, int action, const char* name, const char*, const char*, const char*) {
  if (action == SQLITE_PRAGMA && name && sqlite3_stricmp(name, "data_version") == 0 &&
      *static_cast<int64_t*>(at) < 0)
    *static_cast<int64_t*>(at) = armed_calls();
  return SQLITE_OK;
}

const char* kScanT = "SELECT quote(key), quote(value) FROM t ORDER BY key";
const char* kScanM = "SELECT quote(key), quote(value) FROM m ORDER BY key";

struct Stats {
  int64_t points = 0, surfaced = 0;
  uint64_t io_codes = 0;  // every I/O code injected (Counters::code_bits)
  int64_t data_version_at = -1;  // allocation count where the pragma is authorized (fault-free run)
};

// The primary code a statement may fail with when `kind` is injected.
int expected_class(Kind kind) { return kind == Kind::oom ? SQLITE_NOMEM : SQLITE_IOERR; }

// One run with call n of `kind` failing (n = 0: none, the reference run).
void run_once(const std::string& dir_path, const std::string& backend, Kind kind, int64_t n, bool persistent,
              Stats& stats, bool* injected) {
  const std::string path = dir_path + "/d.db";
  for (const char* suffix : {"", "-journal"}) std::filesystem::remove(path + suffix);
  sqlite3* a = open_with_extension(path);
  ASSERT_NE(a, nullptr);
  ASSERT_EQ(exec(a, "CREATE VIRTUAL TABLE t USING kvindex(" + backend +
                        ");"
                        "CREATE TABLE m(key PRIMARY KEY NOT NULL, value) WITHOUT ROWID;"
                        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 39)"
                        " INSERT INTO t SELECT printf('k%03d', i), i FROM n;"
                        "INSERT INTO m SELECT key, value FROM t;"),
            SQLITE_OK)
      << sqlite3_errmsg(a);
  ASSERT_EQ(query(a, kScanT).rows, query(a, kScanM).rows);  // a has loaded t
  sqlite3* b = open_with_extension(path);
  for (const char* x : {"t", "m"}) {
    const std::string t(x);
    ASSERT_EQ(exec(b, "BEGIN; INSERT INTO " + t + " VALUES ('new', 1); DELETE FROM " + t +
                          " WHERE key < 'k005'; UPDATE " + t + " SET value = 'b' WHERE key = 'k015'; COMMIT"),
              SQLITE_OK)
        << sqlite3_errmsg(b);
  }
  sqlite3_close(b);
  int64_t data_version_at = -1;
  sqlite3_set_authorizer(a, note_data_version, &data_version_at);  // expires a's statements
  const std::vector<std::string> want = query(a, kScanM).rows;

  const std::string read_sql = kScanT, write_sql = "INSERT INTO t VALUES ('zz', 'a')";
  arm(kind, n, persistent);
  const Rows scan = query(a, read_sql);
  const int insert_rc = scan.rc == SQLITE_OK ? exec(a, write_sql) : SQLITE_OK;
  const Counters c = disarm();
  *injected = c.injected > 0;
  stats.io_codes |= c.code_bits;
  if (n == 0) stats.data_version_at = data_version_at;
  if (scan.rc != SQLITE_OK || insert_rc != SQLITE_OK) ++stats.surfaced;
  if (scan.rc != SQLITE_OK) {
    EXPECT_EQ(scan.rc & 0xff, expected_class(kind))
        << "the read failed with " << scan.rc << ": " << sqlite3_errmsg(a);
  } else {
    EXPECT_EQ(scan.rows, want) << "the read succeeded with other rows than the mirror's";
  }
  EXPECT_TRUE(insert_rc == SQLITE_OK || (insert_rc & 0xff) == expected_class(kind))
      << "the write failed with " << insert_rc << ": " << sqlite3_errmsg(a);
  const bool inserted = scan.rc == SQLITE_OK && insert_rc == SQLITE_OK;

  // Faults off: the next statement checks again.
  sqlite3_set_authorizer(a, nullptr, nullptr);
  if (inserted) exec(a, "INSERT INTO m VALUES ('zz', 'a')");
  EXPECT_EQ(query(a, kScanT).rows, query(a, kScanM).rows) << "the next statement does not see the commit";
  EXPECT_EQ(exec(a, "INSERT INTO t VALUES ('zz2', 2); INSERT INTO m VALUES ('zz2', 2)"), SQLITE_OK)
      << sqlite3_errmsg(a);
  EXPECT_EQ(query(a, kScanT).rows, query(a, kScanM).rows) << "after a write";
  EXPECT_EQ(sqlite3_close(a), SQLITE_OK);
  sqlite3* fresh = open_with_extension(path);
  EXPECT_EQ(query(fresh, kScanT).rows, query(fresh, kScanM).rows) << "a fresh connection";
  sqlite3_close(fresh);
  if (n > 0) ++stats.points;
}

void sweep(const char* backend, Kind kind, bool persistent) {
  TempDir dir;
  const std::string dir_path = dir.path("");
  Stats stats;
  bool injected = false;
  run_once(dir_path, backend, kind, 0, persistent, stats, &injected);  // reference: where the pragma is re-prepared
  ASSERT_GT(stats.data_version_at, 0) << "PRAGMA data_version is not re-prepared inside the armed window";
  int64_t last = 0;
  for (int64_t n = 1;; n += point_stride(5)) {
    SCOPED_TRACE(std::string(backend) + (persistent ? " persistent" : " transient") + " N=" + std::to_string(n));
    run_once(dir_path, backend, kind, n, persistent, stats, &injected);
    last = n;
    if (::testing::Test::HasFailure() || !injected) break;
  }
  EXPECT_GT(last, stats.data_version_at) << "the sweep ended before reaching the pragma";
  if (kind == Kind::io) {  // the _info/_log pages are read through xRead: those faults must have been met
    EXPECT_NE(stats.io_codes & (uint64_t{1} << code_bit(SQLITE_IOERR_READ)), 0u) << "no xRead failed";
  }
  std::printf("[regression] kvindex data_version %-16s %-4s %-10s %5lld points %5lld surfaced (pragma re-prepared "
              "at %s call %lld)\n",
              backend, kind_name(kind), persistent ? "persistent" : "transient", static_cast<long long>(stats.points),
              static_cast<long long>(stats.surfaced), kind_name(kind), static_cast<long long>(stats.data_version_at));
  expect_no_leaks();
}

TEST(KvindexDataVersionOom, CsbtreeTransient) { sweep("csbtree, order=3", Kind::oom, false); }
TEST(KvindexDataVersionOom, CsbtreePersistent) { sweep("csbtree, order=3", Kind::oom, true); }
TEST(KvindexDataVersionOom, SkiplistTransient) { sweep("skiplist", Kind::oom, false); }
TEST(KvindexDataVersionOom, SkiplistPersistent) { sweep("skiplist", Kind::oom, true); }
TEST(KvindexDataVersionIo, CsbtreeTransient) { sweep("csbtree, order=3", Kind::io, false); }
TEST(KvindexDataVersionIo, CsbtreePersistent) { sweep("csbtree, order=3", Kind::io, true); }
TEST(KvindexDataVersionIo, SkiplistTransient) { sweep("skiplist", Kind::io, false); }
TEST(KvindexDataVersionIo, SkiplistPersistent) { sweep("skiplist", Kind::io, true); }

}  // namespace
}  // namespace kvfault
