// kvcolumn vs a plain `CREATE TABLE p(v REAL)` doing the same job, in the same
// run, on database files in a temporary directory (default rollback journal,
// synchronous=NORMAL). Prints one row per workload: our time, plain time and
// the ratio plain/ours (> 1 = kvcolumn is faster).
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "kohakuvault.h"

namespace {

using namespace kvbench;

// Runs `sql` with ?1 = start for each start; returns the sum of column 0.
double ranges(sqlite3* db, const std::string& sql, const std::vector<long long>& starts) {
  sqlite3_stmt* s = nullptr;
  check(sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr), db, sql.c_str());
  double sum = 0;
  for (long long st : starts) {
    sqlite3_bind_int64(s, 1, st);
    while (sqlite3_step(s) == SQLITE_ROW) sum += sqlite3_column_double(s, 0);
    sqlite3_reset(s);
  }
  sqlite3_finalize(s);
  return sum;
}

// Prints wall times and the wall and CPU ratios (plain / ours).
void row(const char* name, Timing ours, Timing plain, const char* note = "") {
  std::printf("%-38s %8.3f s %8.3f s %7.2fx %7.2fx %s\n", name, ours.wall, plain.wall, plain.wall / ours.wall,
              plain.cpu / ours.cpu, note);
}

}  // namespace

int main() {
  const long long N = 3000000;
  const std::filesystem::path dir = start_bench("bench_kvcolumn");
  const std::string kv_path = (dir / "kv.db").string(), plain_path = (dir / "plain.db").string();
  sqlite3* kv = open_db(kv_path);
  sqlite3* plain = open_db(plain_path);
  exec(kv, "CREATE VIRTUAL TABLE t USING kvcolumn(f64)");
  exec(plain, "CREATE TABLE p(v REAL)");

  std::printf("%-38s %10s %10s %8s %8s\n", "workload (3M f64 unless noted)", "kvcolumn", "plain", "wall",
              "cpu");
  const std::string series = "WITH RECURSIVE c(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM c WHERE x < " +
                             std::to_string(N - 1) + ") ";
  // The same source rows for both: a TEMP table on each connection, filled untimed.
  for (sqlite3* db : {kv, plain})
    exec(db, "BEGIN; CREATE TEMP TABLE src(x REAL); " + series +
                 "INSERT INTO src(x) SELECT x * 0.5 FROM c; COMMIT");
  Timing ours = timed([&] { exec(kv, "BEGIN; INSERT INTO t(value) SELECT x FROM src; COMMIT"); });
  Timing base = timed([&] { exec(plain, "BEGIN; INSERT INTO p(v) SELECT x FROM src; COMMIT"); });
  exec(kv, "DROP TABLE src");
  exec(plain, "DROP TABLE src");
  row("INSERT ... SELECT 3M rows + commit", ours, base);

  double s1 = 0, s2 = 0;
  ours = timed([&] { s1 = query_double(kv, "SELECT sum(value) FROM t"); });
  base = timed([&] { s2 = query_double(plain, "SELECT sum(v) FROM p"); });
  if (s1 != s2) std::fprintf(stderr, "sum mismatch %f %f\n", s1, s2);
  row("SELECT sum(value) full scan (cold)", ours, base);
  ours = timed([&] { s1 = query_double(kv, "SELECT sum(value) FROM t"); });
  base = timed([&] { s2 = query_double(plain, "SELECT sum(v) FROM p"); });
  row("SELECT sum(value) full scan (warm)", ours, base);

  std::mt19937_64 rng(42);
  std::vector<long long> starts(20000);
  for (auto& s : starts) s = static_cast<long long>(rng() % (N - 100));
  // Read loops run inside one read transaction each (BEGIN ... COMMIT), so the
  // per-statement file locking of autocommit does not drown both sides.
  exec(kv, "BEGIN");
  exec(plain, "BEGIN");
  ours = timed([&] { s1 = ranges(kv, "SELECT value FROM t WHERE idx >= ?1 AND idx < ?1 + 100", starts); });
  base = timed(
      [&] { s2 = ranges(plain, "SELECT v FROM p WHERE rowid >= ?1 + 1 AND rowid < ?1 + 101", starts); });
  if (s1 != s2) std::fprintf(stderr, "range mismatch %f %f\n", s1, s2);
  row("20k random 100-row idx ranges", ours, base);

  std::vector<long long> points(200000);
  for (auto& s : points) s = static_cast<long long>(rng() % N);
  ours = timed([&] { s1 = ranges(kv, "SELECT value FROM t WHERE idx = ?1", points); });
  base = timed([&] { s2 = ranges(plain, "SELECT v FROM p WHERE rowid = ?1 + 1", points); });
  if (s1 != s2) std::fprintf(stderr, "point mismatch %f %f\n", s1, s2);
  row("200k random point reads", ours, base);
  exec(kv, "COMMIT");
  exec(plain, "COMMIT");

  // Storage after commit (+ checkpoint: rollback journal, nothing pending).
  sqlite3_close(kv);
  sqlite3_close(plain);
  double kv_bytes = static_cast<double>(std::filesystem::file_size(kv_path));
  double plain_bytes = static_cast<double>(std::filesystem::file_size(plain_path));
  std::printf("%-40s %10.3f B %10.3f B %8.2fx\n", "file bytes per f64 after commit", kv_bytes / N,
              plain_bytes / N, plain_bytes / kv_bytes);

  // Bulk append of one packed BLOB of 10M f64.
  const long long M = 10000000;
  std::vector<double> values(M);
  for (long long i = 0; i < M; ++i) values[i] = static_cast<double>(i) * 0.25;
  sqlite3* bulk = open_db((dir / "bulk.db").string());
  exec(bulk, "CREATE VIRTUAL TABLE b USING kvcolumn(f64, cache_bytes=268435456)");
  sqlite3_stmt* s = nullptr;
  check(sqlite3_prepare_v2(bulk, "INSERT INTO b(b, value) VALUES ('append', ?1)", -1, &s, nullptr), bulk,
        "prep");
  exec(bulk, "BEGIN");
  const Timing append = timed([&] {
    sqlite3_bind_blob64(s, 1, values.data(), values.size() * 8, SQLITE_STATIC);
    check(sqlite3_step(s), bulk, "append");
  });
  const Timing commit = timed([&] { exec(bulk, "COMMIT"); });
  sqlite3_finalize(s);
  sqlite3* bulk_plain = open_db((dir / "bulk_plain.db").string());
  exec(bulk_plain, "CREATE TABLE p(v REAL)");
  sqlite3_stmt* ps = nullptr;
  check(sqlite3_prepare_v2(bulk_plain, "INSERT INTO p(v) VALUES (?1)", -1, &ps, nullptr), bulk_plain, "prep");
  const Timing plain_append = timed([&] {
    exec(bulk_plain, "BEGIN");
    for (long long i = 0; i < M; ++i) {
      sqlite3_bind_double(ps, 1, values[i]);
      sqlite3_step(ps);
      sqlite3_reset(ps);
    }
    exec(bulk_plain, "COMMIT");
  });
  sqlite3_finalize(ps);
  std::printf("%-38s %8.1f M/s wall, %.1f M/s cpu (statement %.3f s, commit %.3f s)\n",
              "bulk 'append' of one 10M-f64 BLOB", M / append.wall / 1e6, M / append.cpu / 1e6, append.wall,
              commit.wall);
  row("bulk append 10M f64 incl. commit", {append.wall + commit.wall, append.cpu + commit.cpu}, plain_append,
      "(plain: 10M bound INSERTs)");
  std::printf("%-40s %10.1f M/s incl. commit\n", "", M / (append.wall + commit.wall) / 1e6);
  sqlite3_close(bulk);
  sqlite3_close(bulk_plain);
  std::filesystem::remove_all(dir);
  return 0;
}
