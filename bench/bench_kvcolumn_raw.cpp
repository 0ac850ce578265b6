// kvcolumn raw bytes and bulk append of variable-size elements vs plain
// SQLite doing the same job, in the same run, on database files in a
// temporary directory (rollback journal, synchronous=NORMAL):
//
//  * copying a column: INSERT INTO b(raw) SELECT raw FROM a (no decode, no
//    re-encode) and, for reference, the same through value, vs a plain
//    INSERT INTO q(v) SELECT v FROM p, for f64, short strings, msgpack maps
//    and 64-dim vec:f32;
//  * appending 1M short strings: the 'append' command with JSON arrays of 10k
//    items vs plain INSERT INTO p(v) SELECT value FROM json_each(?) with the
//    same arrays.
// Each row prints both times and the ratio plain / ours (> 1 = kvcolumn is
// faster), wall and CPU; each time is the fastest of 3 runs.
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "kohakuvault.h"

namespace {

using namespace kvbench;

void row(const std::string& name, Timing ours, Timing plain) {
  std::printf("%-46s %8.3f s %8.3f s %7.2fx %7.2fx\n", name.c_str(), ours.wall, plain.wall,
              plain.wall / ours.wall, plain.cpu / ours.cpu);
}

// One dtype: a source column a and a plain table p filled with the same rows
// (untimed), then timed copies a -> b through raw, a -> c through value, and
// p -> q. `fill` is the SELECT producing the values from `c(x)`.
void copy_case(sqlite3* kv, sqlite3* plain, const std::string& label, const std::string& dtype,
               const std::string& plain_type, const std::string& fill, long long n) {
  const std::string series = "WITH RECURSIVE c(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM c WHERE x < " +
                             std::to_string(n - 1) + ") ";
  exec(kv, "DROP TABLE IF EXISTS a");
  exec(kv, "CREATE VIRTUAL TABLE a USING kvcolumn(" + dtype + ")");
  exec(kv, "BEGIN; " + series + "INSERT INTO a(value) " + fill + "; COMMIT");
  exec(plain, "DROP TABLE IF EXISTS p");
  exec(plain, "CREATE TABLE p(v " + plain_type + ")");
  exec(plain, "BEGIN; " + series + "INSERT INTO p(v) " + fill + "; COMMIT");
  auto fresh = [&](sqlite3* db, const char* name, const std::string& using_) {
    return [=] {
      exec(db, std::string("DROP TABLE IF EXISTS ") + name);
      exec(db, std::string("CREATE ") + using_);
    };
  };
  const int reps = 3;
  Timing raw = best(reps, fresh(kv, "b", "VIRTUAL TABLE b USING kvcolumn(" + dtype + ")"),
                    [&] { exec(kv, "BEGIN; INSERT INTO b(raw) SELECT raw FROM a; COMMIT"); });
  Timing value = best(reps, fresh(kv, "c", "VIRTUAL TABLE c USING kvcolumn(" + dtype + ")"),
                      [&] { exec(kv, "BEGIN; INSERT INTO c(value) SELECT value FROM a; COMMIT"); });
  Timing base = best(reps, fresh(plain, "q", "TABLE q(v " + plain_type + ")"),
                     [&] { exec(plain, "BEGIN; INSERT INTO q(v) SELECT v FROM p; COMMIT"); });
  if (query_int(kv, "SELECT count(*) FROM b") != n || query_int(kv, "SELECT count(*) FROM c") != n ||
      query_int(kv, "SELECT count(*) FROM (SELECT raw FROM a EXCEPT SELECT raw FROM b)") != 0)
    std::fprintf(stderr, "copy mismatch for %s\n", dtype.c_str());
  row("copy " + label + " via raw", raw, base);
  row("copy " + label + " via value (reference)", value, base);
}

}  // namespace

int main() {
  const std::filesystem::path dir = start_bench("bench_kvcolumn_raw");
  sqlite3* kv = open_db((dir / "kv.db").string());
  sqlite3* plain = open_db((dir / "plain.db").string());
  std::printf("%-46s %10s %10s %8s %8s\n", "workload", "kvcolumn", "plain", "wall", "cpu");

  copy_case(kv, plain, "1M f64", "f64", "REAL", "SELECT x * 0.5 FROM c", 1000000);
  copy_case(kv, plain, "1M strings (10-100 B)", "'str:utf8'", "TEXT",
            "SELECT substr('the quick brown fox jumps over the lazy dog 0123456789 the quick brown fox jumps "
            "over the lazy dog', 1, 10 + x % 91) FROM c",
            1000000);
  copy_case(kv, plain, "200k msgpack maps", "msgpack", "BLOB",
            "SELECT json_object('id', x, 'name', 'user' || x, 'tags', json_array('a', 'b')) FROM c", 200000);
  copy_case(
      kv, plain, "100k vec:f32 (64 dims)", "'vec:f32'", "BLOB",
      "SELECT (SELECT json_group_array(x + k * 0.5) FROM (SELECT value AS k FROM json_each("
      "'[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,"
      "32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,63]'))) "
      "FROM c",
      100000);

  // Bulk append: 100 JSON arrays of 10k short strings.
  std::vector<std::string> arrays;
  for (int b = 0; b < 100; ++b) {
    std::string a = "[";
    for (int i = 0; i < 10000; ++i) {
      if (i) a += ',';
      a += "\"item " + std::to_string(b * 10000 + i) + std::string(static_cast<std::size_t>(i % 80), 'x') +
           "\"";
    }
    a += ']';
    arrays.push_back(std::move(a));
  }
  auto run = [&](sqlite3* db, const char* sql) {
    sqlite3_stmt* st = nullptr;
    check(sqlite3_prepare_v2(db, sql, -1, &st, nullptr), db, sql);
    exec(db, "BEGIN");
    for (const std::string& a : arrays) {
      sqlite3_bind_text(st, 1, a.data(), static_cast<int>(a.size()), SQLITE_STATIC);
      check(sqlite3_step(st), db, sql);
      sqlite3_reset(st);
    }
    exec(db, "COMMIT");
    sqlite3_finalize(st);
  };
  Timing ours = best(
      3, [&] { exec(kv, "DROP TABLE IF EXISTS s; CREATE VIRTUAL TABLE s USING kvcolumn('str:utf8')"); },
      [&] { run(kv, "INSERT INTO s(s, value) VALUES ('append', ?1)"); });
  Timing base = best(
      3, [&] { exec(plain, "DROP TABLE IF EXISTS s; CREATE TABLE s(v TEXT)"); },
      [&] { run(plain, "INSERT INTO s(v) SELECT value FROM json_each(?1)"); });
  if (query_int(kv, "SELECT count(*) FROM s") != 1000000 ||
      query_int(plain, "SELECT count(*) FROM s") != 1000000)
    std::fprintf(stderr, "append count mismatch\n");
  row("'append' 1M strings as 100 JSON arrays", ours, base);

  sqlite3_close(kv);
  sqlite3_close(plain);
  std::filesystem::remove_all(dir);
  return 0;
}
