// DataPacker: the batch paths against memcpy of the same bytes, and per-row
// kv_pack/kv_unpack against plain SQLite reading the same column.
//
//   pack_many f64        kv_pack_many('f64', json_text_of_10M_doubles)
//                        vs memcpy of the 80 MB result       (target: within 3x)
//                        and vs json_valid() on the same text (SQLite's own parse)
//   pack_many f64 BLOB   kv_pack_many('f64', 80 MB blob of packed doubles): checked
//                        and returned as is (bound as a private copy, which
//                        the result copies again), vs memcpy (target: within 3x)
//                        and vs plain `select ?1` returning the same bound blob
//   unpack_many f64      kv_unpack_many('f64', 80 MB blob) -> JSON text
//                        vs memcpy of the 80 MB blob
//                        and vs json() re-writing the same JSON text
//   unpack_each f64      sum(value) from kv_unpack_each('f64', blob)
//                        vs sum(value) from json_each(json_text)
//   kv_pack i64 / row    select kv_pack('i64', x) from t (1M rows) vs select x from t
//   kv_unpack i64 / row  select kv_unpack('i64', b) from t vs select x from t
//   kv_pack_agg f64      select kv_pack_agg('f64', x) from t vs select group_concat(x) from t
//
// Prints ms per run (best of 3) and ratio = plain / ours (>1: ours faster).
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "json/text.hpp"
#include "kohakuvault.h"

namespace {

using kvbench::check;

constexpr int kDoubles = 10'000'000;
constexpr int kRows = 1'000'000;

double time_ms(int runs, const std::function<void()>& op) {
  double best = 1e300;
  for (int run = 0; run < runs; ++run) {
    auto start = std::chrono::steady_clock::now();
    op();
    std::chrono::duration<double, std::milli> elapsed = std::chrono::steady_clock::now() - start;
    best = std::min(best, elapsed.count());
  }
  return best;
}

struct Stmt {
  sqlite3_stmt* s = nullptr;
  Stmt(sqlite3* db, const char* sql) { check(sqlite3_prepare_v2(db, sql, -1, &s, nullptr), db, sql); }
  ~Stmt() { sqlite3_finalize(s); }
};

// Steps a one-row statement with ?1 bound to text or blob; returns the size of column 0.
// copy_in: bind a private copy (as a value read from a table would be), so
// that returning the argument unchanged still costs a copy.
std::size_t run_bound(sqlite3* db, const char* sql, const std::string& arg, bool blob, bool copy_in = false) {
  Stmt st(db, sql);
  if (blob) {
    sqlite3_bind_blob64(st.s, 1, arg.data(), arg.size(), copy_in ? SQLITE_TRANSIENT : SQLITE_STATIC);
  } else {
    sqlite3_bind_text64(st.s, 1, arg.data(), arg.size(), SQLITE_STATIC, SQLITE_UTF8);
  }
  check(sqlite3_step(st.s), db, sql);
  return static_cast<std::size_t>(sqlite3_column_bytes(st.s, 0));
}

// Steps every row, touching column 0.
long long run_rows(sqlite3* db, const char* sql) {
  Stmt st(db, sql);
  long long bytes = 0;
  int rc;
  while ((rc = sqlite3_step(st.s)) == SQLITE_ROW) bytes += sqlite3_column_bytes(st.s, 0);
  check(rc, db, sql);
  return bytes;
}

struct Row {
  const char* name;
  double ours, plain;
  const char* plain_name;
};

}  // namespace

int main() {
  sqlite3* db = nullptr;
  check(sqlite3_open(":memory:", &db), db, "open");
  char* err = nullptr;
  check(sqlite3_kohakuvault_init(db, &err, nullptr), db, "init");
  sqlite3_limit(db, SQLITE_LIMIT_LENGTH, 1'000'000'000);

  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> dist(-1e6, 1e6);
  std::vector<double> values(kDoubles);
  for (double& v : values) v = dist(rng);
  std::string json = "[";
  for (int k = 0; k < kDoubles; ++k) {
    if (k) json.push_back(',');
    kv::json::append_double(json, values[k]);
  }
  json.push_back(']');
  std::string raw(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(double));
  std::string copy(raw.size(), '\0');

  std::vector<Row> rows;
  auto memcpy_ms = time_ms(3, [&] { std::memcpy(copy.data(), raw.data(), raw.size()); });
  double pack_many = time_ms(3, [&] {
    if (run_bound(db, "select kv_pack_many('f64', ?1)", json, false) != raw.size()) std::exit(2);
  });
  double pack_blob = time_ms(3, [&] {
    if (run_bound(db, "select kv_pack_many('f64', ?1)", raw, true, true) != raw.size()) std::exit(4);
  });
  double select_blob = time_ms(3, [&] { run_bound(db, "select ?1", raw, true, true); });
  double json_valid = time_ms(3, [&] { run_bound(db, "select json_valid(?1)", json, false); });
  double unpack_many = time_ms(3, [&] {
    if (run_bound(db, "select kv_unpack_many('f64', ?1)", raw, true) != json.size()) std::exit(3);
  });
  double json_rewrite = time_ms(3, [&] { run_bound(db, "select json(?1)", json, false); });
  double each =
      time_ms(1, [&] { run_bound(db, "select sum(value) from kv_unpack_each('f64', ?1)", raw, true); });
  double json_each = time_ms(1, [&] { run_bound(db, "select sum(value) from json_each(?1)", json, false); });
  rows.push_back({"pack_many f64 (10M, JSON in)", pack_many, memcpy_ms, "memcpy 80 MB"});
  rows.push_back({"pack_many f64 (10M, JSON in)", pack_many, json_valid, "json_valid(same text)"});
  rows.push_back({"pack_many f64 (10M, BLOB in)", pack_blob, memcpy_ms, "memcpy 80 MB"});
  rows.push_back({"pack_many f64 (10M, BLOB in)", pack_blob, select_blob, "select ?1 (same blob)"});
  rows.push_back({"unpack_many f64 (10M, JSON out)", unpack_many, memcpy_ms, "memcpy 80 MB"});
  rows.push_back({"unpack_many f64 (10M, JSON out)", unpack_many, json_rewrite, "json(same text)"});
  rows.push_back({"kv_unpack_each f64 (10M rows)", each, json_each, "json_each(same text)"});

  check(sqlite3_exec(
            db,
            "create table t(x integer, b blob, r real);"
            "with recursive n(value) as (select 1 union all select value + 1 from n where value < 1000000) "
            "insert into t select value * 7919, kv_pack('i64', value * 7919), value * 0.5 from n",
            nullptr, nullptr, &err),
        db, "setup");
  double plain_x = time_ms(3, [&] { run_rows(db, "select x from t"); });
  double pack_row = time_ms(3, [&] { run_rows(db, "select kv_pack('i64', x) from t"); });
  double unpack_row = time_ms(3, [&] { run_rows(db, "select kv_unpack('i64', b) from t"); });
  double agg = time_ms(3, [&] { run_rows(db, "select kv_pack_agg('f64', r) from t"); });
  double group_concat = time_ms(3, [&] { run_rows(db, "select group_concat(r) from t"); });
  rows.push_back({"kv_pack('i64', x) (1M rows)", pack_row, plain_x, "select x"});
  rows.push_back({"kv_unpack('i64', b) (1M rows)", unpack_row, plain_x, "select x"});
  rows.push_back({"kv_pack_agg('f64', r) (1M rows)", agg, group_concat, "group_concat(r)"});

  std::printf("%-34s %10s   %-24s %10s %8s\n", "workload (ours)", "ours ms", "plain equivalent", "plain ms",
              "ratio");
  for (const Row& r : rows)
    std::printf("%-34s %10.1f   %-24s %10.1f %8.3f\n", r.name, r.ours, r.plain_name, r.plain,
                r.plain / r.ours);
  std::printf("(ratio = plain / ours; > 1 means ours is faster; %d doubles, %d rows; %zu bytes of JSON)\n",
              kDoubles, kRows, json.size());
  sqlite3_close(db);
  return 0;
}
