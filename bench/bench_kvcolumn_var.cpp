// Variable-size kvcolumn ('str:utf8') vs a plain `CREATE TABLE p(v TEXT)`
// doing the same job, in the same run, on database files in a temporary
// directory (rollback journal, synchronous=NORMAL). Prints one row per
// workload: our time, plain time and the ratio plain/ours (> 1 = kvcolumn is
// faster), then the growth-update timing at several column sizes (it should
// stay flat: an update touches O(one chunk)) and the storage overhead.
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "kohakuvault.h"

namespace {

using kvbench::check;
using kvbench::exec;

using Clock = std::chrono::steady_clock;

template <class F>
double seconds(F&& f) {
  auto t0 = Clock::now();
  f();
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

struct Side {
  std::string path;
  sqlite3* db = nullptr;
  const char* insert;
  const char* range;
  const char* point;
  const char* update;
};

Side open_side(const std::string& dir, bool ours, const char* name) {
  Side s;
  s.path = dir + "/" + name + ".db";
  check(sqlite3_open(s.path.c_str(), &s.db), s.db, "open");
  exec(s.db, "PRAGMA synchronous=NORMAL");
  if (ours) {
    exec(s.db, "CREATE VIRTUAL TABLE t USING kvcolumn('str:utf8')");
    s.insert = "INSERT INTO t(value) VALUES (?1)";
    s.range = "SELECT value FROM t WHERE idx BETWEEN ?1 AND ?1 + 99";
    s.point = "SELECT value FROM t WHERE idx = ?1";
    s.update = "UPDATE t SET value = ?2 WHERE idx = ?1";
  } else {
    exec(s.db, "CREATE TABLE p(v TEXT)");
    s.insert = "INSERT INTO p(v) VALUES (?1)";
    s.range = "SELECT v FROM p WHERE rowid BETWEEN ?1 + 1 AND ?1 + 100";
    s.point = "SELECT v FROM p WHERE rowid = ?1 + 1";
    s.update = "UPDATE p SET v = ?2 WHERE rowid = ?1 + 1";
  }
  return s;
}

void append(Side& s, const std::vector<std::string>& values) {
  exec(s.db, "BEGIN");
  sqlite3_stmt* st = nullptr;
  check(sqlite3_prepare_v2(s.db, s.insert, -1, &st, nullptr), s.db, s.insert);
  for (const auto& v : values) {
    sqlite3_bind_text(st, 1, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
    check(sqlite3_step(st), s.db, s.insert);
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  exec(s.db, "COMMIT");
}

// Runs sql with ?1 = each start inside one read transaction; returns bytes read.
long long reads(Side& s, const char* sql, const std::vector<long long>& starts) {
  exec(s.db, "BEGIN");
  sqlite3_stmt* st = nullptr;
  check(sqlite3_prepare_v2(s.db, sql, -1, &st, nullptr), s.db, sql);
  long long bytes = 0;
  for (long long k : starts) {
    sqlite3_bind_int64(st, 1, k);
    while (sqlite3_step(st) == SQLITE_ROW) bytes += sqlite3_column_bytes(st, 0);
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  exec(s.db, "COMMIT");
  return bytes;
}

void updates(Side& s, const std::vector<long long>& idx, const std::vector<std::string>& values) {
  exec(s.db, "BEGIN");
  sqlite3_stmt* st = nullptr;
  check(sqlite3_prepare_v2(s.db, s.update, -1, &st, nullptr), s.db, s.update);
  for (std::size_t j = 0; j < idx.size(); ++j) {
    sqlite3_bind_int64(st, 1, idx[j]);
    sqlite3_bind_text(st, 2, values[j].data(), static_cast<int>(values[j].size()), SQLITE_STATIC);
    check(sqlite3_step(st), s.db, s.update);
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  exec(s.db, "COMMIT");
}

std::vector<std::string> strings(std::mt19937_64& r, std::size_t n, int lo, int hi) {
  std::vector<std::string> out(n);
  std::uniform_int_distribution<int> len(lo, hi), ch('a', 'z');
  for (auto& s : out) {
    s.resize(static_cast<std::size_t>(len(r)));
    for (char& c : s) c = static_cast<char>(ch(r));
  }
  return out;
}

void row(const char* what, double ours, double plain) {
  std::printf("| %-44s | %8.3f s | %8.3f s | %6.2fx |\n", what, ours, plain, plain / ours);
}

}  // namespace

int main() {
  sqlite3_auto_extension(reinterpret_cast<void (*)()>(sqlite3_kohakuvault_init));
  char tmpl[] = "/tmp/bench_kvcolumn_var_XXXXXX";
  if (!mkdtemp(tmpl)) return 1;
  const std::string dir = tmpl;
  std::mt19937_64 r(42);
  const char* env_n = std::getenv("KV_BENCH_N");  // smaller runs for profiling
  const std::size_t n = env_n ? std::strtoull(env_n, nullptr, 10) : 1'000'000;
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  auto values = strings(r, n, 10, 100);

  Side ours = open_side(dir, true, "ours"), plain = open_side(dir, false, "plain");
  std::printf(
      "| workload (1M strings of 10-100 bytes) | kvcolumn | plain TEXT | ratio |\n|---|---|---|---|\n");
  double a = seconds([&] { append(ours, values); });
  double b = seconds([&] { append(plain, values); });
  row("append 1M strings, one INSERT each", a, b);
  {
    // The same 1M strings as one JSON array in one statement: the bulk
    // 'append' command vs a plain INSERT ... SELECT from json_each.
    std::string json = "[";
    for (const auto& v : values) json += (json.size() > 1 ? ",\"" : "\"") + v + "\"";
    json += "]";
    Side bo = open_side(dir, true, "bulk_ours"), bp = open_side(dir, false, "bulk_plain");
    auto bulk = [&](Side& s, const char* sql) {
      sqlite3_stmt* st = nullptr;
      check(sqlite3_prepare_v2(s.db, sql, -1, &st, nullptr), s.db, sql);
      sqlite3_bind_text(st, 1, json.data(), static_cast<int>(json.size()), SQLITE_STATIC);
      check(sqlite3_step(st), s.db, sql);
      sqlite3_finalize(st);
    };
    a = seconds([&] { bulk(bo, "INSERT INTO t(t, value) VALUES ('append', ?1)"); });
    b = seconds([&] { bulk(bp, "INSERT INTO p(v) SELECT value FROM json_each(?1)"); });
    row("append 1M strings from one JSON array", a, b);
    sqlite3_close(bo.db);
    sqlite3_close(bp.db);
  }

  std::uniform_int_distribution<long long> pick(0, static_cast<long long>(n) - 101);
  std::vector<long long> starts(2'000), points(50'000);
  for (auto& k : starts) k = pick(r);
  for (auto& k : points) k = pick(r);
  reads(ours, ours.range, starts);  // warm both sides the same way
  reads(plain, plain.range, starts);
  long long x = 0, y = 0;
  a = seconds([&] { x = reads(ours, ours.range, starts); });
  b = seconds([&] { y = reads(plain, plain.range, starts); });
  if (x != y) std::fprintf(stderr, "range results differ: %lld vs %lld\n", x, y);
  row("2k random 100-row idx ranges (warm)", a, b);
  a = seconds([&] { x = reads(ours, ours.point, points); });
  b = seconds([&] { y = reads(plain, plain.point, points); });
  if (x != y) std::fprintf(stderr, "point results differ: %lld vs %lld\n", x, y);
  row("50k random point reads (warm)", a, b);

  std::vector<long long> uidx(1000);
  for (auto& k : uidx) k = pick(r);
  auto longer = strings(r, uidx.size(), 120, 200);  // every update grows its element
  a = seconds([&] { updates(ours, uidx, longer); });
  b = seconds([&] { updates(plain, uidx, longer); });
  row("1k growing updates + commit", a, b);
  sqlite3_close(ours.db);
  sqlite3_close(plain.db);

  std::printf("\ngrowing updates (1k random, one transaction) vs column size:\n");
  std::printf(
      "| elements | kvcolumn | plain TEXT | kvcolumn pages written | plain pages written |\n"
      "|---|---|---|---|---|\n");
  for (std::size_t size : {100'000u, 1'000'000u, 2'000'000u}) {
    auto vals = strings(r, size, 10, 100);
    Side o = open_side(dir, true, ("o" + std::to_string(size)).c_str());
    Side p = open_side(dir, false, ("p" + std::to_string(size)).c_str());
    append(o, vals);
    append(p, vals);
    std::uniform_int_distribution<long long> at(0, static_cast<long long>(size) - 1);
    for (auto& k : uidx) k = at(r);
    // Pages the pager wrote for the 1k updates and their commit: the proof
    // that an update touches O(one chunk) whatever the column size.
    auto pages_written = [](Side& side, auto&& work) {
      int cur = 0, high = 0;
      sqlite3_db_status(side.db, SQLITE_DBSTATUS_CACHE_WRITE, &cur, &high, 1);
      work();
      sqlite3_db_status(side.db, SQLITE_DBSTATUS_CACHE_WRITE, &cur, &high, 0);
      return cur;
    };
    int wo = 0, wp = 0;
    double to = seconds([&] { wo = pages_written(o, [&] { updates(o, uidx, longer); }); });
    double tp = seconds([&] { wp = pages_written(p, [&] { updates(p, uidx, longer); }); });
    std::printf("| %zu | %.4f s | %.4f s | %d | %d |\n", size, to, tp, wo, wp);
    sqlite3_close(o.db);
    sqlite3_close(p.db);
  }

  std::printf("\nstorage, 1M strings of exactly 50 bytes (file bytes / payload bytes):\n");
  auto fifty = strings(r, n, 50, 50);
  Side o = open_side(dir, true, "s_ours"), p = open_side(dir, false, "s_plain");
  append(o, fifty);
  append(p, fifty);
  sqlite3_close(o.db);
  sqlite3_close(p.db);
  double payload = 50.0 * static_cast<double>(n);
  double fo = static_cast<double>(std::filesystem::file_size(o.path)),
         fp = static_cast<double>(std::filesystem::file_size(p.path));
  std::printf("| kvcolumn | %.3fx | plain TEXT | %.3fx |\n", fo / payload, fp / payload);
  std::filesystem::remove_all(dir);
  return 0;
}
