// Set-based column functions (kvcolumn_stats, kvcolumn_buckets,
// kvcolumn_slice, the 'write' command) vs plain SQLite doing the same job in
// the same run, on database files in a temporary directory (rollback
// journal, synchronous=NORMAL, default page cache):
//
//  * stats over 10M f64 / 10M i32, warm: kvcolumn_stats(t) vs
//    SELECT count(v), sum(v), min(v), max(v), avg(v) FROM p;
//  * buckets: kvcolumn_buckets(t, 1000) over 10M f64 vs the GROUP BY on p;
//  * slice: 10 slices of 1M f64 at random starts: kvcolumn_slice vs
//    SELECT kv_pack_agg('f64', v) FROM p WHERE rowid BETWEEN ...;
//  * write: 100 slices x 10k f64 + COMMIT vs per-row UPDATE p SET v = ?
//    WHERE rowid = ? of the same values + COMMIT (default 16 MiB chunks, and
//    1 MiB chunks);
//  * cold: a fresh connection (OS cache warm) running the stats once.
// Each time is the fastest of 3 runs (the machine is shared). Printed: both
// times, the ratio plain / ours (wall and CPU), elements per second, and the
// physical ceiling: one memcpy / one sum over the same bytes in one buffer.
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "kohakuvault.h"

namespace {

using namespace kvbench;

constexpr long long kN = 10'000'000;

void row(const std::string& name, Timing ours, Timing plain, double elements) {
  std::printf("%-44s %8.4f s %8.4f s %7.1fx %7.1fx %9.0f M el/s %9.1f M el/s\n", name.c_str(), ours.wall,
              plain.wall, plain.wall / ours.wall, plain.cpu / ours.cpu, elements / ours.wall / 1e6,
              elements / plain.wall / 1e6);
}

// Steps every row of sql (with optional bound blob/ints) and returns the row count.
long long run(sqlite3* db, const std::string& sql, const std::vector<long long>& ints = {}) {
  sqlite3_stmt* s = nullptr;
  check(sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr), db, sql);
  for (std::size_t i = 0; i < ints.size(); ++i) sqlite3_bind_int64(s, static_cast<int>(i + 1), ints[i]);
  long long rows = 0;
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) ++rows;
  check(rc, db, sql);
  sqlite3_finalize(s);
  return rows;
}

void fill(sqlite3* kv, sqlite3* plain, const char* table, const char* dtype, const char* type,
          const std::string& packed) {
  exec(kv, std::string("CREATE VIRTUAL TABLE ") + table + " USING kvcolumn(" + dtype + ")");
  sqlite3_stmt* s = nullptr;
  const std::string sql = std::string("INSERT INTO ") + table + "(" + table + ", value) VALUES ('append', ?)";
  check(sqlite3_prepare_v2(kv, sql.c_str(), -1, &s, nullptr), kv, sql);
  sqlite3_bind_blob64(s, 1, packed.data(), packed.size(), SQLITE_STATIC);
  check(sqlite3_step(s), kv, sql);
  sqlite3_finalize(s);
  exec(plain, std::string("CREATE TABLE p_") + table + "(v " + type + ")");
  exec(plain, "BEGIN");
  sqlite3_stmt* ins = nullptr;
  const std::string isql = std::string("INSERT INTO p_") + table + "(v) VALUES (?)";
  check(sqlite3_prepare_v2(plain, isql.c_str(), -1, &ins, nullptr), plain, isql);
  const bool is_f64 = std::string(dtype) == "f64";
  for (long long i = 0; i < kN; ++i) {
    if (is_f64) {
      double v;
      std::memcpy(&v, packed.data() + i * 8, 8);
      sqlite3_bind_double(ins, 1, v);
    } else {
      std::int32_t v;
      std::memcpy(&v, packed.data() + i * 4, 4);
      sqlite3_bind_int64(ins, 1, v);
    }
    sqlite3_step(ins);
    sqlite3_reset(ins);
  }
  sqlite3_finalize(ins);
  exec(plain, "COMMIT");
}

}  // namespace

int main() {
  const std::filesystem::path dir = start_bench("bench_kvcolumn_set");
  const std::string kv_path = (dir / "kv.db").string(), plain_path = (dir / "plain.db").string();
  sqlite3* kv = open_db(kv_path);
  sqlite3* plain = open_db(plain_path);
  exec(plain, "SELECT kohakuvault_version()");  // kv_pack_agg for the slice baseline

  std::mt19937_64 rng(42);
  std::string f64(kN * 8, '\0'), i32(kN * 4, '\0');
  for (long long i = 0; i < kN; ++i) {
    const double d = static_cast<double>(rng() % 1000000) / 8.0 - 50000.0;
    const std::int32_t v = static_cast<std::int32_t>(rng() % 2000001) - 1000000;
    std::memcpy(f64.data() + i * 8, &d, 8);
    std::memcpy(i32.data() + i * 4, &v, 4);
  }
  fill(kv, plain, "t64", "f64", "REAL", f64);
  fill(kv, plain, "t32", "i32", "INTEGER", i32);
  {  // the f64 column again with 1 MiB chunks (the 'write' row): an in-place blob write
     // walks the blob's overflow-page chain up to its offset
    exec(kv, "CREATE VIRTUAL TABLE t64s USING kvcolumn(f64, max_chunk_bytes=1048576)");
    sqlite3_stmt* s = nullptr;
    check(sqlite3_prepare_v2(kv, "INSERT INTO t64s(t64s, value) VALUES ('append', ?)", -1, &s, nullptr), kv, "t64s");
    sqlite3_bind_blob64(s, 1, f64.data(), f64.size(), SQLITE_STATIC);
    check(sqlite3_step(s), kv, "t64s");
    sqlite3_finalize(s);
  }

  std::printf("%-44s %10s %10s %8s %8s %15s %15s\n", "workload", "kvcolumn", "plain", "wall", "cpu", "kvcolumn",
              "plain");
  // physical ceiling over the same bytes in one buffer
  {
    std::string copy(f64.size(), '\0');
    Timing mc = best(3, [&] { std::memcpy(copy.data(), f64.data(), f64.size()); });
    volatile double sink = 0;
    Timing sm = best(3, [&] {
      const double* d = reinterpret_cast<const double*>(f64.data());
      double s[4] = {};
      for (long long i = 0; i + 4 <= kN; i += 4)
        for (int j = 0; j < 4; ++j) s[j] += d[i + j];
      sink = s[0] + s[1] + s[2] + s[3];
    });
    std::printf("ceiling: memcpy of 80 MB %.4f s (%.1f GB/s), sum of 10M f64 %.4f s (%.0f M el/s)\n", mc.wall,
                f64.size() / mc.wall / 1e9, sm.wall, kN / sm.wall / 1e6);
  }

  run(kv, "SELECT * FROM kvcolumn_stats('t64')");  // warm
  Timing a = best(3, [&] { run(kv, "SELECT * FROM kvcolumn_stats('t64')"); });
  run(plain, "SELECT count(v), sum(v), min(v), max(v), avg(v) FROM p_t64");
  Timing b = best(3, [&] { run(plain, "SELECT count(v), sum(v), min(v), max(v), avg(v) FROM p_t64"); });
  row("kvcolumn_stats 10M f64, warm", a, b, kN);

  run(kv, "SELECT * FROM kvcolumn_stats('t32')");
  a = best(3, [&] { run(kv, "SELECT * FROM kvcolumn_stats('t32')"); });
  run(plain, "SELECT count(v), sum(v), min(v), max(v), avg(v) FROM p_t32");
  b = best(3, [&] { run(plain, "SELECT count(v), sum(v), min(v), max(v), avg(v) FROM p_t32"); });
  row("kvcolumn_stats 10M i32, warm", a, b, kN);

  a = best(3, [&] {
    if (run(kv, "SELECT * FROM kvcolumn_buckets('t64', 1000)") != 1000) std::fprintf(stderr, "bucket rows?\n");
  });
  b = best(3, [&] {
    run(plain, "SELECT (rowid - 1) * 1000 / 10000000 AS b, count(v), sum(v), min(v), max(v), avg(v) FROM p_t64 "
               "GROUP BY b");
  });
  row("kvcolumn_buckets 10M f64 -> 1000", a, b, kN);

  std::vector<long long> starts;
  for (int k = 0; k < 10; ++k) starts.push_back(static_cast<long long>(rng() % (kN - 1000000)));
  a = best(3, [&] {
    for (long long s : starts) run(kv, "SELECT kvcolumn_slice('t64', ?, ?)", {s, s + 1000000});
  });
  b = best(3, [&] {
    for (long long s : starts)
      run(plain, "SELECT kv_pack_agg('f64', v) FROM p_t64 WHERE rowid BETWEEN ? AND ?", {s + 1, s + 1000000});
  });
  row("kvcolumn_slice 10 x 1M f64, random starts", a, b, 10.0 * 1000000);
  std::printf("%-44s %.2f GB/s\n", "  slice bytes/s", 10.0 * 8e6 / a.wall / 1e9);

  {
    std::vector<long long> wstarts;
    for (int k = 0; k < 100; ++k) wstarts.push_back(static_cast<long long>(rng() % (kN - 10000)));
    std::string payload(10000 * 8, '\0');
    for (int k = 0; k < 10000; ++k) {
      const double d = k * 0.25;
      std::memcpy(payload.data() + k * 8, &d, 8);
    }
    auto writes = [&](const char* table) {
      exec(kv, "BEGIN");
      sqlite3_stmt* s = nullptr;
      const std::string sql = std::string("INSERT INTO ") + table + "(" + table + ", idx, value) VALUES ('write', ?, ?)";
      check(sqlite3_prepare_v2(kv, sql.c_str(), -1, &s, nullptr), kv, "write");
      for (long long w : wstarts) {
        sqlite3_bind_int64(s, 1, w);
        sqlite3_bind_blob64(s, 2, payload.data(), payload.size(), SQLITE_STATIC);
        check(sqlite3_step(s), kv, "write");
        sqlite3_reset(s);
      }
      sqlite3_finalize(s);
      exec(kv, "COMMIT");
    };
    a = best(3, [&] { writes("t64"); });
    Timing small = best(3, [&] { writes("t64s"); });
    b = best(3, [&] {
      exec(plain, "BEGIN");
      sqlite3_stmt* s = nullptr;
      check(sqlite3_prepare_v2(plain, "UPDATE p_t64 SET v = ? WHERE rowid = ?", -1, &s, nullptr), plain, "update");
      for (long long w : wstarts)
        for (int k = 0; k < 10000; ++k) {
          sqlite3_bind_double(s, 1, k * 0.25);
          sqlite3_bind_int64(s, 2, w + k + 1);
          sqlite3_step(s);
          sqlite3_reset(s);
        }
      sqlite3_finalize(s);
      exec(plain, "COMMIT");
    });
    row("'write' 100 x 10k f64 + commit", a, b, 1e6);
    row("  same, max_chunk_bytes=1048576", small, b, 1e6);
  }

  {  // cold: fresh connections, OS cache warm
    Timing ca, cb;
    ca = best(3, [&] {
      sqlite3* c = open_db(kv_path);
      run(c, "SELECT * FROM kvcolumn_stats('t64')");
      sqlite3_close(c);
    });
    cb = best(3, [&] {
      sqlite3* c = open_db(plain_path);
      run(c, "SELECT count(v), sum(v), min(v), max(v), avg(v) FROM p_t64");
      sqlite3_close(c);
    });
    row("kvcolumn_stats 10M f64, cold connection", ca, cb, kN);
  }

  sqlite3_close(kv);
  sqlite3_close(plain);
  std::filesystem::remove_all(dir);
  return 0;
}
