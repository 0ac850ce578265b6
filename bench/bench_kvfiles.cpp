// Migrating KohakuVault's own columns into kvcolumn tables, vs plain SQLite
// doing the same job, in the same run (database files in a temporary
// directory, rollback journal, synchronous=NORMAL). The source is a file in
// KohakuVault's layout (col_meta/col_chunks, upstream's default 16 MiB
// max_chunk_bytes, var data chunks numbered from 1), built untimed:
//
//  * INSERT INTO t(raw) SELECT raw FROM kohakuvault_column('x')   (no decoding)
//  * INSERT INTO t(value) SELECT value FROM kohakuvault_column('x') (decode + re-encode, reference)
//  * plain: INSERT INTO q(v) SELECT v FROM p, p holding the same values
//  * a scan: SELECT sum(value) (strings: sum(length(value))) over the column vs over p
// for 1M f64 and 100k strings (10-100 bytes). Each row prints both times and
// the ratio plain / ours (> 1 = ours is faster), wall and CPU (on a shared
// machine the CPU ratio is the steadier one); each time is the fastest of 3
// runs, plus value time / raw time.
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "kohakuvault.h"

namespace {

using namespace kvbench;

void row(const std::string& name, Timing ours, Timing plain) {
  std::printf("%-46s %7.3f s %7.3f s %7.3f s %7.3f s %7.2fx %7.2fx\n", name.c_str(), ours.wall, plain.wall, ours.cpu,
              plain.cpu, plain.wall / ours.wall, plain.cpu / ours.cpu);
}

void le32(std::string& out, std::int32_t v) {
  for (int b = 0; b < 4; ++b) out.push_back(static_cast<char>(static_cast<std::uint32_t>(v) >> (8 * b)));
}

// KohakuVault's tables and one column's rows (chunks cut at max bytes).
void put_column(sqlite3* db, int col_id, const std::string& name, const std::string& dtype, long long elem,
                long long length, long long max, const std::string& bytes, int first_chunk) {
  sqlite3_stmt* s = nullptr;
  check(sqlite3_prepare_v2(db, "INSERT INTO col_meta VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?6)", -1, &s, nullptr), db,
        "col_meta");
  sqlite3_bind_int(s, 1, col_id);
  sqlite3_bind_text(s, 2, name.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(s, 3, dtype.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(s, 4, elem);
  sqlite3_bind_int64(s, 5, length);
  sqlite3_bind_int64(s, 6, max);
  check(sqlite3_step(s), db, "col_meta");
  sqlite3_finalize(s);
  check(sqlite3_prepare_v2(db, "INSERT INTO col_chunks VALUES (?1, ?2, ?3, length(?3), length(?3), 0, 0, 0)", -1, &s,
                           nullptr),
        db, "col_chunks");
  for (std::size_t off = 0, c = 0; off < bytes.size(); off += static_cast<std::size_t>(max), ++c) {
    const std::size_t n = std::min<std::size_t>(static_cast<std::size_t>(max), bytes.size() - off);
    sqlite3_bind_int(s, 1, col_id);
    sqlite3_bind_int64(s, 2, static_cast<long long>(c) + first_chunk);
    sqlite3_bind_blob(s, 3, bytes.data() + off, static_cast<int>(n), SQLITE_STATIC);
    check(sqlite3_step(s), db, "col_chunks");
    sqlite3_reset(s);
  }
  sqlite3_finalize(s);
}

void build_source(sqlite3* db, std::vector<double>& doubles, std::vector<std::string>& strings) {
  exec(db,
       "CREATE TABLE col_meta (col_id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL, dtype TEXT NOT NULL, "
       "elem_size INTEGER NOT NULL, length INTEGER NOT NULL, chunk_bytes INTEGER NOT NULL, min_chunk_bytes "
       "INTEGER DEFAULT 131072, max_chunk_bytes INTEGER DEFAULT 16777216);"
       "CREATE TABLE col_chunks (col_id INTEGER NOT NULL, chunk_idx INTEGER NOT NULL, data BLOB NOT NULL, "
       "actual_size INTEGER NOT NULL, bytes_used INTEGER NOT NULL DEFAULT 0, has_deleted INTEGER NOT NULL DEFAULT 0, "
       "start_elem_idx INTEGER DEFAULT 0, end_elem_idx INTEGER DEFAULT 0, PRIMARY KEY (col_id, chunk_idx))");
  exec(db, "BEGIN");
  std::string f64;
  for (double d : doubles) f64.append(reinterpret_cast<const char*>(&d), 8);
  put_column(db, 1, "f64_vals", "f64", 8, static_cast<long long>(doubles.size()), 16777216, f64, 0);
  std::string data, triples;
  for (const std::string& s : strings) {
    le32(triples, 1);
    le32(triples, static_cast<std::int32_t>(data.size()));
    data += s;
    le32(triples, static_cast<std::int32_t>(data.size()));
  }
  put_column(db, 2, "names_data", "str:utf8", 1, 0, 16777216, data, 1);
  put_column(db, 3, "names_idx", "adaptive_idx", 12, static_cast<long long>(strings.size()), 16777212, triples, 0);
  exec(db, "COMMIT");
}

void migrate_case(sqlite3* db, const std::string& label, const std::string& column, const std::string& dtype,
                  const std::string& plain_type, long long n) {
  auto fresh = [&](const std::string& name, const std::string& create) {
    return [=] {
      exec(db, "DROP TABLE IF EXISTS " + name);
      exec(db, "CREATE " + create);
    };
  };
  const std::string src = "kohakuvault_column('" + column + "')";
  Timing raw = best(3, fresh("b", "VIRTUAL TABLE b USING kvcolumn(" + dtype + ")"),
                    [&] { exec(db, "BEGIN; INSERT INTO b(raw) SELECT raw FROM " + src + "; COMMIT"); });
  Timing value = best(3, fresh("c", "VIRTUAL TABLE c USING kvcolumn(" + dtype + ")"),
                      [&] { exec(db, "BEGIN; INSERT INTO c(value) SELECT value FROM " + src + "; COMMIT"); });
  exec(db, "DROP TABLE IF EXISTS p; CREATE TABLE p(v " + plain_type + "); INSERT INTO p(v) SELECT value FROM " + src);
  Timing base = best(3, fresh("q", "TABLE q(v " + plain_type + ")"),
                     [&] { exec(db, "BEGIN; INSERT INTO q(v) SELECT v FROM p; COMMIT"); });
  long long sum_ours = 0, sum_plain = 0;
  const std::string measure = plain_type == "TEXT" ? "length" : "";  // sum of lengths / of values
  Timing scan = best(3, [&] { sum_ours = query_int(db, "SELECT sum(" + measure + "(value)) FROM " + src); });
  Timing scan_plain = best(3, [&] { sum_plain = query_int(db, "SELECT sum(" + measure + "(v)) FROM p"); });
  if (query_int(db, "SELECT count(*) FROM b") != n || query_int(db, "SELECT count(*) FROM c") != n ||
      query_int(db, "SELECT count(*) FROM (SELECT raw FROM " + src + " EXCEPT SELECT raw FROM b)") != 0 ||
      sum_ours != sum_plain)
    std::fprintf(stderr, "migration mismatch for %s\n", label.c_str());
  row("migrate " + label + " via raw", raw, base);
  row("migrate " + label + " via value (reference)", value, base);
  row("scan " + label + " (sum of values)", scan, scan_plain);
  std::printf("%-46s %7.2fx wall %7.2fx cpu\n", ("  raw over value, " + label).c_str(), value.wall / raw.wall,
              value.cpu / raw.cpu);
}

}  // namespace

int main() {
  const std::filesystem::path dir = start_bench("bench_kvfiles");
  sqlite3* db = open_db((dir / "vault.db").string());
  std::vector<double> doubles;
  for (int i = 0; i < 1000000; ++i) doubles.push_back(i * 0.5);
  std::vector<std::string> strings;
  const std::string text =
      "the quick brown fox jumps over the lazy dog 0123456789 the quick brown fox jumps over the lazy dog";
  for (int i = 0; i < 100000; ++i) strings.push_back(text.substr(0, static_cast<std::size_t>(10 + i % 91)));
  build_source(db, doubles, strings);
  std::printf("%-46s %9s %9s %9s %9s %8s %8s\n", "workload (ratio = plain / ours)", "ours", "plain", "ours cpu",
              "plain cpu", "wall", "cpu");
  migrate_case(db, "1M f64", "f64_vals", "f64", "REAL", 1000000);
  migrate_case(db, "100k strings (10-100 B)", "names", "'str:utf8'", "TEXT", 100000);
  sqlite3_close(db);
  std::filesystem::remove_all(dir);
  return 0;
}
