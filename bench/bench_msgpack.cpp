// kv_pack / kv_unpack with msgpack and cbor vs SQLite's own json(), same run,
// same documents. Prints a ratio table: ratio = json() time / our time
// (> 1 means ours is faster).
//
// 500k documents json_object('id', i, 'name', 'user'||i, 'tags',
// json_array('red', 'green', i % 100), 'score', i * 0.5, 'active', i % 2 = 0)
// in an in-memory table (doc TEXT, mp BLOB, cb BLOB):
//   pack_inline   kv_pack(f, json_object(...)) over a table of row numbers
//                 vs json(json_object(...)) over the same rows
//   pack          kv_pack(f, doc)            vs json(doc)
//   unpack        kv_unpack(f, packed)       vs json(doc)
// Each query sums length() of its results so both sides produce and consume a
// value per row. Each workload runs kRounds times alternating the sides; the
// best time of each side counts.
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "bench_util.hpp"
#include "kohakuvault.h"

namespace {

using kvbench::check;
using kvbench::exec;

using Clock = std::chrono::steady_clock;

constexpr int kRows = 500000;
constexpr int kRounds = 3;

const char* kDoc =
    "json_object('id', value, 'name', 'user' || value, 'tags', json_array('red', 'green', value % 100), "
    "'score', value * 0.5, 'active', json(iif(value % 2 = 0, 'true', 'false')))";

// Runs a one-row query; returns its seconds (the value is checked non-zero).
double timed(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* s = nullptr;
  check(sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr), db, sql);
  auto t0 = Clock::now();
  check(sqlite3_step(s), db, sql);
  double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  if (sqlite3_column_int64(s, 0) <= 0) throw std::runtime_error("empty result: " + sql);
  sqlite3_finalize(s);
  return seconds;
}

struct Result {
  std::string name;
  double ours = 1e9, plain = 1e9;
};

Result compare(sqlite3* db, const std::string& name, const std::string& ours, const std::string& plain) {
  Result r{name};
  for (int round = 0; round < kRounds; ++round) {
    r.ours = std::min(r.ours, timed(db, ours));
    r.plain = std::min(r.plain, timed(db, plain));
  }
  return r;
}

}  // namespace

int main() try {
  sqlite3_auto_extension(reinterpret_cast<void (*)()>(sqlite3_kohakuvault_init));
  sqlite3* db = nullptr;
  check(sqlite3_open(":memory:", &db), db, "open");
  const std::string series = " from nums";
  exec(db, "create table nums(value integer primary key)");
  exec(db, "with recursive c(i) as (select 1 union all select i + 1 from c where i < " +
               std::to_string(kRows) + ") insert into nums select i from c");
  exec(db, "create table docs(doc text, mp blob, cb blob)");
  exec(db, std::string("insert into docs(doc) select ") + kDoc + series);
  exec(db, "update docs set mp = kv_pack('msgpack', doc), cb = kv_pack('cbor', doc)");

  // Per format: its name and the docs column that holds its packed documents.
  const std::pair<const char*, const char*> formats[] = {{"msgpack", "mp"}, {"cbor", "cb"}};
  const std::string plain_inline = std::string("select sum(length(json(") + kDoc + ")))" + series;
  const std::string plain_docs = "select sum(length(json(doc))) from docs";
  std::vector<Result> results;
  for (const auto& [format, column] : formats) {
    const std::string f = format;
    results.push_back(compare(db, f + " pack_inline",
                              "select sum(length(kv_pack('" + f + "', " + kDoc + ")))" + series,
                              plain_inline));
    results.push_back(
        compare(db, f + " pack", "select sum(length(kv_pack('" + f + "', doc))) from docs", plain_docs));
    results.push_back(compare(db, f + " unpack",
                              "select sum(length(kv_unpack('" + f + "', " + column + "))) from docs",
                              plain_docs));
  }
  std::printf("%d documents, best of %d rounds; ratio = json() time / ours (> 1: ours faster)\n", kRows,
              kRounds);
  std::printf("%-22s %10s %10s %7s\n", "workload", "ours ms", "json() ms", "ratio");
  for (const Result& r : results)
    std::printf("%-22s %10.1f %10.1f %7.2f\n", r.name.c_str(), r.ours * 1e3, r.plain * 1e3, r.plain / r.ours);
  sqlite3_close(db);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "bench_msgpack: %s\n", e.what());
  return 1;
}
