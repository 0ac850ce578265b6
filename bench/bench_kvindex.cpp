// kvindex vs a plain table, same run, same machine. Prints a ratio table:
// ratio = plain time / kvindex time (> 1 means kvindex is faster).
//
// Plain side: CREATE TABLE p(key PRIMARY KEY, value) WITHOUT ROWID, same data.
// Reads run inside one read transaction per workload (BEGIN ... COMMIT), as a
// read-heavy application would: otherwise every statement pays SQLite's own
// file locking (fcntl) for both sides alike, which hides the lookup itself.
//   point   200k random point lookups   SELECT value FROM t WHERE key = ?
//   range   20k scans of 100 keys       SELECT key, value FROM t WHERE key >= ? ORDER BY key LIMIT 100
//   insert  300k keys in RANDOM order, one INSERT INTO t SELECT ... FROM src (one
//           transaction, COMMIT included) into an empty durable table; again in
//           sorted order
//   rebuild first use of a 1M-key durable table after reopening (absolute time; target < 1 s)
//   ceiling the point and range workloads once more on the least work any
//           virtual table can do (ceiling_vtab.hpp: a sorted vector, binary
//           search, TRANSIENT results), timed in the same rounds: the ratio
//           SQLite's virtual-table interface allows at all on these workloads;
//           and once more with no copy of the value at all (SQLITE_STATIC:
//           allowed only for values that never change; an upper bound)
// Both backends (csbtree, skiplist). Databases in a temporary directory, WAL,
// synchronous=NORMAL. Each timed workload runs kRounds times alternating the
// sides; the best time of each side counts.
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "ceiling_vtab.hpp"
#include "kohakuvault.h"

namespace {

using kvbench::check;
using kvbench::exec;

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

// KV_BENCH_DIVIDE=n divides the workloads' sizes (reads and inserts) by n (profiling aid).
const int kDivide = std::getenv("KV_BENCH_DIVIDE") ? std::max(1, std::atoi(std::getenv("KV_BENCH_DIVIDE"))) : 1;
const int kTableKeys = 200000 / kDivide;
const int kPointLookups = 200000 / kDivide;
const int kRangeScans = 20000 / kDivide;
constexpr int kRangeWidth = 100;
const int kInsertKeys = 300000 / kDivide;
constexpr int kRebuildKeys = 1000000;
constexpr int kRounds = 3;

sqlite3* open_db(const fs::path& path) {
  sqlite3* db = nullptr;
  check(sqlite3_open(path.c_str(), &db), db, "open");
  char* err = nullptr;
  if (sqlite3_kohakuvault_init(db, &err, nullptr) != SQLITE_OK)
    throw std::runtime_error(err ? err : "init failed");
  exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL");
  return db;
}

struct Stmt {
  sqlite3_stmt* s = nullptr;
  Stmt(sqlite3* db, const std::string& sql) {
    check(sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr), db, sql.c_str());
  }
  ~Stmt() { sqlite3_finalize(s); }
};

double seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

std::vector<long long> shuffled(int n, unsigned seed) {
  std::vector<long long> v(static_cast<std::size_t>(n));
  std::iota(v.begin(), v.end(), 0);
  std::shuffle(v.begin(), v.end(), std::mt19937(seed));
  return v;
}

// Inserts keys (value 'value-<key>') into table in one transaction; returns seconds.
double insert_keys(sqlite3* db, const std::string& table, const std::vector<long long>& keys) {
  const std::size_t paren = table.find('(');
  Stmt ins(db, "INSERT INTO " + table + (paren == std::string::npos ? "(key, value)" : "") + " VALUES (?, ?)");
  char buf[32];
  const auto t0 = Clock::now();
  exec(db, "BEGIN");
  for (long long k : keys) {
    const int n = std::snprintf(buf, sizeof buf, "value-%lld", k);
    sqlite3_bind_int64(ins.s, 1, k);
    sqlite3_bind_text(ins.s, 2, buf, n, SQLITE_STATIC);
    check(sqlite3_step(ins.s), db, "insert");
    sqlite3_reset(ins.s);
  }
  exec(db, "COMMIT");
  return seconds(t0, Clock::now());
}

// Side: 0 kvindex, 1 plain, 2 ceiling, 3 ceiling without copies; a template only so that a profile (callgrind)
// shows the sides as separate functions (not inlined).
template <int Side>
[[gnu::noinline]]
double point_lookups(sqlite3* db, const std::string& table, const std::vector<long long>& probes) {
  static int calls = 0;  // differs per Side: keeps the linker from folding the two
  calls += Side + 1;
  Stmt q(db, "SELECT value FROM " + table + " WHERE key = ?");
  long long found = 0;
  const auto t0 = Clock::now();
  exec(db, "BEGIN");
  for (long long k : probes) {
    sqlite3_bind_int64(q.s, 1, k);
    while (sqlite3_step(q.s) == SQLITE_ROW) found += sqlite3_column_bytes(q.s, 0) > 0;
    sqlite3_reset(q.s);
  }
  exec(db, "COMMIT");
  const double t = seconds(t0, Clock::now());
  if (found != static_cast<long long>(probes.size()))
    throw std::runtime_error("point lookups missed keys in " + table);
  return t;
}

template <int Side>
[[gnu::noinline]]
double range_scans(sqlite3* db, const std::string& table, const std::vector<long long>& starts) {
  static int calls = 0;
  calls += Side + 1;
  Stmt q(db, "SELECT key, value FROM " + table + " WHERE key >= ? ORDER BY key LIMIT " +
                std::to_string(kRangeWidth));
  long long rows = 0;
  const auto t0 = Clock::now();
  exec(db, "BEGIN");
  for (long long s : starts) {
    sqlite3_bind_int64(q.s, 1, s);
    while (sqlite3_step(q.s) == SQLITE_ROW) {
      rows += sqlite3_column_int64(q.s, 0) >= s;
      (void)sqlite3_column_text(q.s, 1);
    }
    sqlite3_reset(q.s);
  }
  exec(db, "COMMIT");
  const double t = seconds(t0, Clock::now());
  if (rows != static_cast<long long>(starts.size()) * kRangeWidth)
    throw std::runtime_error("range scans short in " + table);
  return t;
}

// Fills src(k, v) with keys in the given order (rowid order = insertion order).
void fill_source(sqlite3* db, const std::vector<long long>& keys) {
  exec(db, "CREATE TABLE src(k INTEGER, v TEXT)");
  insert_keys(db, "src(k, v)", keys);
}

// One INSERT INTO table SELECT k, v FROM src in rowid order, one transaction
// with its COMMIT; returns seconds. Side as for point_lookups (0 kvindex, 1
// plain): callgrind --toggle-collect='double {anon}::insert_select<0>*' profiles one side.
template <int Side>
[[gnu::noinline]]
double insert_select(sqlite3* db, const std::string& table) {
  static int calls = 0;
  calls += Side + 1;
  const auto t0 = Clock::now();
  exec(db, "BEGIN; INSERT INTO " + table + "(key, value) SELECT k, v FROM src ORDER BY rowid; COMMIT");
  return seconds(t0, Clock::now());
}

struct Row {
  std::string workload;
  double ours, plain;
  bool absolute = false;  // no plain counterpart worth a ratio (the rebuild: target < 1 s)
};

void print(const std::vector<Row>& rows) {
  std::printf("%-44s %12s %12s %8s\n", "workload", "vtab s", "plain s", "ratio");
  for (const Row& r : rows) {
    if (r.absolute)
      std::printf("%-44s %12.4f %12.4f %9s\n", r.workload.c_str(), r.ours, r.plain, r.ours < 1 ? "< 1 s" : ">= 1 s");
    else
      std::printf("%-44s %12.4f %12.4f %8.2fx\n", r.workload.c_str(), r.ours, r.plain, r.plain / r.ours);
  }
}

void run_backend(const fs::path& dir, const std::string& backend, std::vector<Row>& out) {
  // KV_BENCH_INSERTS_ONLY=random|sorted: only that insert row (profiling aid)
  const char* inserts_only = std::getenv("KV_BENCH_INSERTS_ONLY");
  // point + range on kTableKeys keys
  if (!inserts_only) {
    const fs::path path = dir / (backend + "_read.db");
    sqlite3* db = open_db(path);
    exec(db, "CREATE VIRTUAL TABLE t USING kvindex(" + backend + ")");
    exec(db, "CREATE TABLE p(key PRIMARY KEY, value) WITHOUT ROWID");
    const auto keys = shuffled(kTableKeys, 1);
    insert_keys(db, "t", keys);
    insert_keys(db, "p", keys);
    // The ceiling, measured beside the first backend only (it does not depend on it).
    static bool ceiling_done = false;
    const bool with_ceiling = !ceiling_done;
    ceiling_done = true;
    kvbench::CeilingRows ceiling_rows;
    if (with_ceiling) {
      for (long long k = 0; k < kTableKeys; ++k) ceiling_rows.emplace_back(k, "value-" + std::to_string(k));
      check(kvbench::register_ceiling_vtab(db, &ceiling_rows), db, "ceiling module");
      exec(db, "CREATE VIRTUAL TABLE temp.c USING ceiling_vtab");
      exec(db, "CREATE VIRTUAL TABLE temp.c0 USING ceiling_vtab(no_copy)");
    }
    std::mt19937 rng(7);
    std::vector<long long> probes(kPointLookups), starts(kRangeScans);
    for (auto& p : probes) p = static_cast<long long>(rng() % kTableKeys);
    for (auto& s : starts) s = static_cast<long long>(rng() % (kTableKeys - kRangeWidth));
    double ours = 1e9, plain = 1e9, ours_r = 1e9, plain_r = 1e9, ceil = 1e9, ceil_r = 1e9, ceil0 = 1e9,
           ceil0_r = 1e9;
    const int rounds =
        std::getenv("KV_BENCH_RANGES_ONLY") || std::getenv("KV_BENCH_POINTS_ONLY") ? 10 : kRounds;
    for (int r = 0; r < rounds; ++r) {
      if (!std::getenv("KV_BENCH_RANGES_ONLY")) {  // profiling aid
        ours = std::min(ours, point_lookups<0>(db, "t", probes));
        plain = std::min(plain, point_lookups<1>(db, "p", probes));
        if (with_ceiling) ceil = std::min(ceil, point_lookups<2>(db, "c", probes));
        if (with_ceiling) ceil0 = std::min(ceil0, point_lookups<3>(db, "c0", probes));
      }
      if (std::getenv("KV_BENCH_POINTS_ONLY")) continue;  // profiling aid
      ours_r = std::min(ours_r, range_scans<0>(db, "t", starts));
      plain_r = std::min(plain_r, range_scans<1>(db, "p", starts));
      if (with_ceiling) ceil_r = std::min(ceil_r, range_scans<2>(db, "c", starts));
      if (with_ceiling) ceil0_r = std::min(ceil0_r, range_scans<3>(db, "c0", starts));
    }
    out.push_back({backend + ": 200k point lookups", ours, plain});
    out.push_back({backend + ": 20k 100-key range scans", ours_r, plain_r});
    if (with_ceiling && ceil < 1e9) out.push_back({"ceiling: any virtual table, point lookups", ceil, plain});
    if (with_ceiling && ceil_r < 1e9) out.push_back({"ceiling: any virtual table, range scans", ceil_r, plain_r});
    if (with_ceiling && ceil0 < 1e9) out.push_back({"ceiling, no copy (STATIC), point lookups", ceil0, plain});
    if (with_ceiling && ceil0_r < 1e9) out.push_back({"ceiling, no copy (STATIC), range scans", ceil0_r, plain_r});
    sqlite3_close(db);
  }
  if (std::getenv("KV_BENCH_READS_ONLY")) return;  // profiling aid
  // durable inserts: one INSERT ... SELECT, random then sorted key order
  for (const bool sorted : {false, true}) {
    if (inserts_only && std::string(inserts_only) != (sorted ? "sorted" : "random")) continue;
    auto keys = shuffled(kInsertKeys, 2);
    if (sorted) std::sort(keys.begin(), keys.end());
    double ours = 1e9, plain = 1e9;
    for (int r = 0; r < kRounds; ++r) {
      const fs::path path = dir / (backend + "_ins" + std::to_string(r) + ".db");
      sqlite3* db = open_db(path);
      fill_source(db, keys);
      exec(db, "CREATE VIRTUAL TABLE t USING kvindex(" + backend + ")");
      exec(db, "CREATE TABLE p(key PRIMARY KEY, value) WITHOUT ROWID");
      ours = std::min(ours, insert_select<0>(db, "t"));
      plain = std::min(plain, insert_select<1>(db, "p"));
      sqlite3_close(db);
      fs::remove(path);
      fs::remove(path.string() + "-wal");
      fs::remove(path.string() + "-shm");
    }
    out.push_back({backend + ": " + std::to_string(kInsertKeys / 1000) + "k durable inserts, " +
                       (sorted ? "sorted" : "random"),
                   ours, plain});
  }
  // first-use rebuild of 1M keys
  if (!inserts_only) {
    const fs::path path = dir / (backend + "_rebuild.db");
    sqlite3* db = open_db(path);
    exec(db, "CREATE VIRTUAL TABLE t USING kvindex(" + backend + ")");
    exec(db, "CREATE TABLE p(key PRIMARY KEY, value) WITHOUT ROWID");
    const auto keys = shuffled(kRebuildKeys, 3);
    insert_keys(db, "t", keys);
    insert_keys(db, "p", keys);
    sqlite3_close(db);
    double ours = 1e9, plain = 1e9;
    for (int r = 0; r < kRounds; ++r) {
      for (const char* table : {"t", "p"}) {
        db = open_db(path);
        const auto t0 = Clock::now();
        Stmt q(db, std::string("SELECT value FROM ") + table + " WHERE key = 12345");
        check(sqlite3_step(q.s), db, "first query");
        const double t = seconds(t0, Clock::now());
        if (table[0] == 't')
          ours = std::min(ours, t);
        else
          plain = std::min(plain, t);
        sqlite3_finalize(q.s);
        q.s = nullptr;
        sqlite3_close(db);
      }
    }
    out.push_back({backend + ": first use, 1M keys (rebuild)", ours, plain, true});
  }
}

}  // namespace

int main() {
  try {
    const fs::path dir = fs::temp_directory_path() / ("kvindex_bench_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    std::vector<Row> rows;
    const char* only = std::getenv("KV_BENCH_BACKEND");  // profiling aid: one backend
    for (const char* backend : {"csbtree", "skiplist"})
      if (!only || std::string(only) == backend) run_backend(dir, backend, rows);
    fs::remove_all(dir);
    std::printf(
        "kvindex vs CREATE TABLE p(key PRIMARY KEY, value) WITHOUT ROWID (ratio = plain / kvindex)\n");
    print(rows);
    std::printf(
        "goals (issue 18): inserts (random, one INSERT...SELECT) >= 1.0x; csbtree point >= 1.2x; skiplist "
        "point >= 1.0x; range >= 1.2x; 1M rebuild < 1 s\n");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_kvindex: %s\n", e.what());
    return 1;
  }
  return 0;
}
