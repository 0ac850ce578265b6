// kvault vs plain SQLite, same run, same machine. Prints a ratio table:
// ratio = plain time / kvault time (> 1 means kvault is faster).
//
//   write  20k 16 KiB values in one transaction
//          kvault:  INSERT INTO media(key, value) VALUES (?, ?)
//          plain:   INSERT INTO kv(key, value) VALUES (?, ?)  on
//                   CREATE TABLE kv(key BLOB PRIMARY KEY, value BLOB NOT NULL)
//   read   20k random point reads of those values, one statement per key:
//            SELECT length(value), value ... WHERE key = ?   (issue #18's row)
//            SELECT value ... WHERE key = ?
//            SELECT size ... WHERE key = ?   (plain: length(value))
//   scan   keys and sizes of 2000-key ranges (WHERE key >= ? AND key < ?)
//   update 20k random values replaced, one transaction
//   stream 256 MiB file in and out through the real sqlite3 shell:
//          kvault_import / kvault_export (chunked, bounded memory) vs the
//          shell's readfile() / writefile() (whole file in memory)
// Each workload runs a few times alternating the two sides (and which side
// goes first); the best time of each side counts, wall time and this
// process's CPU time (the second is steadier on a busy shared machine). Databases and files live in a temporary directory.
//
// `bench_kvault --no-stream` skips the two stream rows.
// `bench_kvault --read-paths [passes]` compares three ways of reading a value
// of the shadow table by key without the virtual table (read_paths below).
// `bench_kvault --reads [passes]` builds both databases once (not timed) and
// runs only the three point-read rows, interleaved finely: both connections
// stay open and the sides alternate every 500 reads (which side goes first
// alternates too) for `passes` passes over the 20k keys (default 5); the
// row shows each side's total over all blocks divided by the passes. On a
// busy shared machine both sides then see the same load, which best-of-3
// whole runs do not.
// Profiling: `bench_kvault --profile kvault|plain [rows]` builds the database
// (not timed; rows <= 20000, default 20000), then runs only the
// length(value), value reads of that side, so
//   valgrind --tool=callgrind --toggle-collect='*read_rows*' bench_kvault --profile kvault
// counts the instructions of the reads alone.
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "bench_util.hpp"
#include "kohakuvault.h"

namespace {

using namespace kvbench;
namespace fs = std::filesystem;

constexpr int kRows = 20000;
constexpr int kValueBytes = 16 * 1024;
constexpr std::size_t kStreamBytes = 256u << 20;
constexpr int kRounds = 3;

sqlite3* open_wal_db(const fs::path& path) {
  return open_db(path, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL");
}

std::string key_of(int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "key:%08d", i);
  return buf;
}

// The timed write workloads: `sql` (?1 = key, ?2 = value) once per key of
// `keys` (key_of), each changing one row, in one transaction; then db closes.
Timing write_each_key(sqlite3* db, const char* sql, const std::vector<int>& keys, const std::string& value) {
  sqlite3_stmt* s = prepare(db, sql);
  const Stopwatch sw;
  exec(db, "BEGIN");
  for (int i : keys) {
    const std::string k = key_of(i);
    sqlite3_bind_blob(s, 1, k.data(), static_cast<int>(k.size()), SQLITE_STATIC);
    sqlite3_bind_blob(s, 2, value.data(), static_cast<int>(value.size()), SQLITE_STATIC);
    check(sqlite3_step(s), db, sql);
    if (sqlite3_changes(db) != 1) throw std::runtime_error(std::string(sql) + " missed key " + k);
    sqlite3_reset(s);
  }
  exec(db, "COMMIT");
  const Timing t = sw.stop();
  sqlite3_finalize(s);
  sqlite3_close(db);
  return t;
}

Timing write_rows(const fs::path& path, bool kvault, const std::string& value, int rows = kRows) {
  fs::remove(path);
  fs::remove(path.string() + "-wal");
  fs::remove(path.string() + "-shm");
  sqlite3* db = open_wal_db(path);
  exec(db, kvault ? "CREATE VIRTUAL TABLE media USING kvault"
                  : "CREATE TABLE kv(key BLOB PRIMARY KEY, value BLOB NOT NULL)");
  std::vector<int> keys(static_cast<std::size_t>(rows));
  for (int i = 0; i < rows; ++i) keys[i] = i;
  return write_each_key(
      db,
      kvault ? "INSERT INTO media(key, value) VALUES (?1, ?2)" : "INSERT INTO kv(key, value) VALUES (?1, ?2)",
      keys, value);
}

// One point read per key in order; sql selects, for the key ?1, columns whose
// byte counts (or integer values, for a length) add up to `expect` per row.
Timing read_rows(const fs::path& path, const std::string& sql, const std::vector<int>& order,
                 std::size_t expect) {
  sqlite3* db = open_wal_db(path);
  sqlite3_stmt* sel = prepare(db, sql);
  std::size_t total = 0;
  const Stopwatch sw;
  for (int i : order) {
    const std::string k = key_of(i);
    sqlite3_bind_blob(sel, 1, k.data(), static_cast<int>(k.size()), SQLITE_STATIC);
    if (sqlite3_step(sel) != SQLITE_ROW) throw std::runtime_error("missing key " + k);
    for (int col = 0; col < sqlite3_column_count(sel); ++col)
      total += sqlite3_column_type(sel, col) == SQLITE_INTEGER
                   ? static_cast<std::size_t>(sqlite3_column_int64(sel, col))
                   : static_cast<std::size_t>(sqlite3_column_bytes(sel, col));
    sqlite3_reset(sel);
  }
  const Timing t = sw.stop();
  if (total != order.size() * expect) throw std::runtime_error("short reads: " + sql);
  sqlite3_finalize(sel);
  sqlite3_close(db);
  return t;
}

// The --reads measurement: one point read per key in `order` on both sides,
// alternating sides every kBlock reads; returns {kvault, plain} totals.
std::pair<Timing, Timing> interleaved_reads(const fs::path& kdb, const fs::path& pdb, const std::string& kvault_sql,
                                            const std::string& plain_sql, const std::vector<int>& order,
                                            std::size_t expect, int passes) {
  constexpr std::size_t kBlock = 500;
  sqlite3* db[2] = {open_wal_db(kdb), open_wal_db(pdb)};
  sqlite3_stmt* sel[2] = {nullptr, nullptr};
  for (int side = 0; side < 2; ++side)
    check(sqlite3_prepare_v2(db[side], (side == 0 ? kvault_sql : plain_sql).c_str(), -1, &sel[side], nullptr),
          db[side], "prepare");
  Timing total[2] = {{0, 0}, {0, 0}};
  std::size_t got[2] = {0, 0};
  std::size_t turn = 0;
  for (int pass = 0; pass < passes; ++pass) {
    for (std::size_t lo = 0; lo < order.size(); lo += kBlock, ++turn) {
      const std::size_t hi = std::min(order.size(), lo + kBlock);
      for (int k = 0; k < 2; ++k) {
        const int side = static_cast<int>((turn + static_cast<std::size_t>(k)) % 2);
        const Stopwatch sw;
        for (std::size_t j = lo; j < hi; ++j) {
          const std::string key = key_of(order[j]);
          sqlite3_bind_blob(sel[side], 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
          if (sqlite3_step(sel[side]) != SQLITE_ROW) throw std::runtime_error("missing key " + key);
          for (int col = 0; col < sqlite3_column_count(sel[side]); ++col)
            got[side] += sqlite3_column_type(sel[side], col) == SQLITE_INTEGER
                             ? static_cast<std::size_t>(sqlite3_column_int64(sel[side], col))
                             : static_cast<std::size_t>(sqlite3_column_bytes(sel[side], col));
          sqlite3_reset(sel[side]);
        }
        const Timing t = sw.stop();
        total[side].wall += t.wall;
        total[side].cpu += t.cpu;
      }
    }
  }
  for (int side = 0; side < 2; ++side) {
    if (got[side] != static_cast<std::size_t>(passes) * order.size() * expect)
      throw std::runtime_error("short reads: " + (side == 0 ? kvault_sql : plain_sql));
    sqlite3_finalize(sel[side]);
    sqlite3_close(db[side]);
  }
  return {total[0], total[1]};
}

// This process's user-mode CPU seconds (system calls excluded: both sides
// of every comparison here make the same ones).
double user_cpu_now() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec) + static_cast<double>(ru.ru_utime.tv_usec) * 1e-6;
}

// --read-paths: three ways to read one 16 KiB value of the kvault shadow
// table by key, in one read transaction, no virtual table involved (the
// measured alternatives of docs/kvault.md): 0 the shadow statement with the
// value + one copy out of it (what kvault does), 1 an index-only id lookup +
// a blob handle opened, read into our buffer and closed per read, 2 the same
// with one blob handle kept open and moved with sqlite3_blob_reopen (not
// allowed across statements: it would hold the read transaction). Returns
// user CPU seconds per read (rusage), passes alternating the three.
void read_paths(const fs::path& kdb, const std::vector<int>& order, int passes) {
  sqlite3* db = open_wal_db(kdb);
  sqlite3_stmt *by_key = nullptr, *id_of = nullptr;
  check(sqlite3_prepare_v2(db, "SELECT value FROM media_data WHERE key = ?1", -1, &by_key, nullptr), db, "prepare");
  check(sqlite3_prepare_v2(db, "SELECT id FROM media_data WHERE key = ?1", -1, &id_of, nullptr), db, "prepare");
  exec(db, "BEGIN");
  exec(db, "SELECT count(*) FROM media_data");  // start the read transaction
  double user[3] = {0, 0, 0};
  std::size_t bytes = 0;
  std::vector<char> sink(kValueBytes);
  for (int pass = 0; pass < passes; ++pass) {
    for (int way = 0; way < 3; ++way) {
      sqlite3_blob* blob = nullptr;
      const double u0 = user_cpu_now();
      for (int i : order) {
        const std::string k = key_of(i);
        sqlite3_stmt* s = way == 0 ? by_key : id_of;
        sqlite3_bind_blob(s, 1, k.data(), static_cast<int>(k.size()), SQLITE_STATIC);
        if (sqlite3_step(s) != SQLITE_ROW) throw std::runtime_error("missing key " + k);
        if (way == 0) {
          const int n = sqlite3_column_bytes(s, 0);
          char* copy = static_cast<char*>(sqlite3_malloc(n));
          std::memcpy(copy, sqlite3_column_blob(s, 0), static_cast<std::size_t>(n));
          bytes += static_cast<std::size_t>(n) + static_cast<unsigned char>(copy[n / 2]);
          sqlite3_free(copy);
          sqlite3_reset(s);
          continue;
        }
        const sqlite3_int64 id = sqlite3_column_int64(s, 0);
        sqlite3_reset(s);
        if (way == 2 && blob) {
          check(sqlite3_blob_reopen(blob, id), db, "blob reopen");
        } else {
          check(sqlite3_blob_open(db, "main", "media_data", "value", id, 0, &blob), db, "blob open");
        }
        const int n = sqlite3_blob_bytes(blob);
        char* buf = static_cast<char*>(sqlite3_malloc(n));
        check(sqlite3_blob_read(blob, buf, n, 0), db, "blob read");
        bytes += static_cast<std::size_t>(n) + static_cast<unsigned char>(buf[n / 2]);
        sqlite3_free(buf);
        if (way == 1) {
          sqlite3_blob_close(blob);
          blob = nullptr;
        }
      }
      user[way] += user_cpu_now() - u0;
      if (blob) sqlite3_blob_close(blob);
    }
  }
  const std::size_t expect = 3u * static_cast<std::size_t>(passes) * order.size() * (kValueBytes + 'v');
  if (bytes != expect) throw std::runtime_error("read-paths: short reads");
  exec(db, "COMMIT");
  sqlite3_finalize(by_key);
  sqlite3_finalize(id_of);
  sqlite3_close(db);
  const char* names[3] = {"statement with the value + copy", "id lookup + blob open/read/close",
                          "id lookup + kept blob reopen/read"};
  for (int way = 0; way < 3; ++way)
    std::printf("%-40s %8.2f us user CPU per read\n", names[way], user[way] / passes / order.size() * 1e6);
}

// Keys and sizes of consecutive 2000-key ranges covering the table once.
Timing scan_ranges(const fs::path& path, bool kvault) {
  sqlite3* db = open_wal_db(path);
  sqlite3_stmt* sel = prepare(db, kvault ? "SELECT key, size FROM media WHERE key >= ?1 AND key < ?2"
                                         : "SELECT key, length(value) FROM kv WHERE key >= ?1 AND key < ?2");
  std::size_t rows = 0, bytes = 0;
  const Stopwatch sw;
  for (int lo = 0; lo < kRows; lo += 2000) {
    const std::string a = key_of(lo), b = key_of(lo + 2000);
    sqlite3_bind_blob(sel, 1, a.data(), static_cast<int>(a.size()), SQLITE_STATIC);
    sqlite3_bind_blob(sel, 2, b.data(), static_cast<int>(b.size()), SQLITE_STATIC);
    while (sqlite3_step(sel) == SQLITE_ROW) {
      ++rows;
      bytes += static_cast<std::size_t>(sqlite3_column_int64(sel, 1));
    }
    sqlite3_reset(sel);
  }
  const Timing t = sw.stop();
  if (rows != kRows || bytes != std::size_t{kRows} * kValueBytes) throw std::runtime_error("short scan");
  sqlite3_finalize(sel);
  sqlite3_close(db);
  return t;
}

// Replaces every value (in `order`) in one transaction.
Timing update_rows(const fs::path& path, bool kvault, const std::vector<int>& order, const std::string& value) {
  return write_each_key(
      open_wal_db(path),
      kvault ? "UPDATE media SET value = ?2 WHERE key = ?1" : "UPDATE kv SET value = ?2 WHERE key = ?1",
      order, value);
}

// Runs SQL through the sqlite3 shell with the module loaded; returns seconds.
double shell(const std::string& module, const fs::path& db, const std::string& sql) {
  const fs::path script = db.parent_path() / "script.sql";
  if (FILE* f = std::fopen(script.c_str(), "w")) {
    std::fputs(sql.c_str(), f);
    std::fclose(f);
  }
  const std::string cmd = "sqlite3 -batch -cmd '.load " + module + "' '" + db.string() + "' < '" +
                          script.string() + "' > /dev/null";
  const Stopwatch sw;
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("sqlite3 shell failed: " + cmd);
  return sw.stop().wall;
}

void make_stream_file(const fs::path& path) {
  std::vector<char> buf(1 << 20);
  std::mt19937_64 rng(42);
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) throw std::runtime_error("cannot create " + path.string());
  for (std::size_t done = 0; done < kStreamBytes; done += buf.size()) {
    for (std::size_t i = 0; i + 8 <= buf.size(); i += 8) {
      const auto v = rng();
      std::memcpy(buf.data() + i, &v, 8);
    }
    std::fwrite(buf.data(), 1, buf.size(), f);
  }
  std::fclose(f);
}

// A row of the table: best wall time of each side, and best CPU time of
// each side (cpu 0: not measured, e.g. the shell rows).
struct Row {
  const char* name;
  double ours, plain;
  double ours_cpu = 1e9, plain_cpu = 1e9;
};

void print(const std::vector<Row>& rows) {
  std::printf("%-40s %10s %10s %7s %10s %10s %7s\n", "workload", "kvault s", "plain s", "ratio", "kvault cpu",
              "plain cpu", "ratio");
  for (const Row& r : rows) {
    std::printf("%-40s %10.4f %10.4f %6.2fx", r.name, r.ours, r.plain, r.plain / r.ours);
    if (r.ours_cpu < 1e9)
      std::printf(" %10.4f %10.4f %6.2fx\n", r.ours_cpu, r.plain_cpu, r.plain_cpu / r.ours_cpu);
    else
      std::printf(" %10s %10s %7s\n", "-", "-", "-");
  }
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const fs::path dir = start_bench("bench_kvault");
    // The shell loads the module built next to this program (build/bench/.. -> build/kohakuvault).
    std::string module =
        fs::absolute(fs::path(argv[0]).parent_path() / ".." / "kohakuvault").lexically_normal();
    if (argc > 1 && argv[1][0] != '-') module = argv[1];

    const std::string value(kValueBytes, 'v');
    std::vector<int> order(kRows);
    for (int i = 0; i < kRows; ++i) order[i] = i;
    std::shuffle(order.begin(), order.end(), std::mt19937(7));

    const fs::path kdb = dir / "kvault.db", pdb = dir / "plain.db";
    const std::string both_sql[2] = {"SELECT length(value), value FROM kv WHERE key = ?1",
                                     "SELECT length(value), value FROM media WHERE key = ?1"};
    if (argc > 2 && std::string(argv[1]) == "--profile") {
      const bool ours = std::string(argv[2]) == "kvault";
      const int n = argc > 3 ? std::min(std::atoi(argv[3]), kRows) : kRows;
      std::vector<int> some;
      for (int i : order)
        if (i < n) some.push_back(i);
      write_rows(ours ? kdb : pdb, ours, value, n);
      std::printf("%.4f s\n", read_rows(ours ? kdb : pdb, both_sql[ours], some, 2 * kValueBytes).wall);
      fs::remove_all(dir);
      return 0;
    }

    // Every row: (name, what one side does given (kvault?)).
    struct Workload {
      const char* name;
      std::function<Timing(bool)> run;
    };
    if (argc > 1 && std::string(argv[1]) == "--read-paths") {
      write_rows(kdb, true, value);
      read_paths(kdb, order, argc > 2 ? std::max(1, std::atoi(argv[2])) : 5);
      fs::remove_all(dir);
      return 0;
    }
    if (argc > 1 && std::string(argv[1]) == "--reads") {
      const int passes = argc > 2 ? std::max(1, std::atoi(argv[2])) : 5;
      write_rows(kdb, true, value);
      write_rows(pdb, false, value);
      struct ReadRow {
        const char* name;
        std::string kvault_sql, plain_sql;
        std::size_t expect;
      };
      const ReadRow read_rows_only[] = {
          {"read 20k random: length(value), value", both_sql[1], both_sql[0], 2 * kValueBytes},
          {"read 20k random: value", "SELECT value FROM media WHERE key = ?1", "SELECT value FROM kv WHERE key = ?1",
           kValueBytes},
          {"read 20k random: size only", "SELECT size FROM media WHERE key = ?1",
           "SELECT length(value) FROM kv WHERE key = ?1", kValueBytes},
      };
      std::vector<Row> rows;
      for (const ReadRow& r : read_rows_only) {
        const auto [k, p] = interleaved_reads(kdb, pdb, r.kvault_sql, r.plain_sql, order, r.expect, passes);
        rows.push_back({r.name, k.wall / passes, p.wall / passes, k.cpu / passes, p.cpu / passes});
      }
      print(rows);
      fs::remove_all(dir);
      return 0;
    }
    const std::vector<Workload> workloads = {
        {"write 20k x 16 KiB, one transaction", [&](bool k) { return write_rows(k ? kdb : pdb, k, value); }},
        {"read 20k random: length(value), value",
         [&](bool k) { return read_rows(k ? kdb : pdb, both_sql[k], order, 2 * kValueBytes); }},
        {"read 20k random: value",
         [&](bool k) {
           return read_rows(k ? kdb : pdb,
                            k ? "SELECT value FROM media WHERE key = ?1" : "SELECT value FROM kv WHERE key = ?1",
                            order, kValueBytes);
         }},
        {"read 20k random: size only",
         [&](bool k) {
           return read_rows(k ? kdb : pdb,
                            k ? "SELECT size FROM media WHERE key = ?1"
                              : "SELECT length(value) FROM kv WHERE key = ?1",
                            order, kValueBytes);
         }},
        {"scan keys+size, 10 ranges of 2000 keys", [&](bool k) { return scan_ranges(k ? kdb : pdb, k); }},
        {"update 20k random values, one transaction",
         [&](bool k) { return update_rows(k ? kdb : pdb, k, order, value); }},
    };
    std::vector<Row> rows;
    for (const Workload& w : workloads) rows.push_back({w.name, 1e9, 1e9});
    for (int round = 0; round < kRounds; ++round) {
      for (std::size_t i = 0; i < workloads.size(); ++i) {
        for (int side = 0; side < 2; ++side) {
          const bool ours = (side == 0) == (round % 2 == 0);  // alternate who goes first
          const Timing t = workloads[i].run(ours);
          double& wall = ours ? rows[i].ours : rows[i].plain;
          double& cpu = ours ? rows[i].ours_cpu : rows[i].plain_cpu;
          wall = std::min(wall, t.wall);
          cpu = std::min(cpu, t.cpu);
        }
      }
    }

    if (argc > 1 && std::string(argv[1]) == "--no-stream") {
      print(rows);
      fs::remove_all(dir);
      return 0;
    }
    const fs::path src = dir / "in.bin", out = dir / "out.bin";
    make_stream_file(src);
    Row in{"stream 256 MiB in (import vs readfile)", 1e9, 1e9};
    Row outr{"stream 256 MiB out (export vs writefile)", 1e9, 1e9};
    for (int round = 0; round < kRounds; ++round) {
      for (int side = 0; side < 2; ++side) {
        const bool ours = (side == 0) == (round % 2 == 0);  // alternate who goes first
        const fs::path db = dir / (ours ? "s_kvault.db" : "s_plain.db");
        fs::remove(db);
        shell(module, db,
              ours ? "CREATE VIRTUAL TABLE media USING kvault;"
                   : "CREATE TABLE kv(key BLOB PRIMARY KEY, value BLOB NOT NULL);");
        const double t_in =
            shell(module, db,
                  ours ? "SELECT kvault_import('media', 'big', '" + src.string() + "');"
                       : "INSERT INTO kv(key, value) VALUES ('big', readfile('" + src.string() + "'));");
        fs::remove(out);
        const double t_out =
            shell(module, db,
                  ours ? "SELECT kvault_export('media', 'big', '" + out.string() + "');"
                       : "SELECT writefile('" + out.string() + "', value) FROM kv WHERE key = 'big';");
        if (fs::file_size(out) != kStreamBytes) throw std::runtime_error("stream output has the wrong size");
        (ours ? in.ours : in.plain) = std::min(ours ? in.ours : in.plain, t_in);
        (ours ? outr.ours : outr.plain) = std::min(ours ? outr.ours : outr.plain, t_out);
      }
    }
    rows.push_back(in);
    rows.push_back(outr);
    print(rows);
    fs::remove_all(dir);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_kvault: %s\n", e.what());
    return 1;
  }
  return 0;
}
