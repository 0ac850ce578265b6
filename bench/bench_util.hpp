// Helpers shared by the SQL-level benchmarks (bench_kvcolumn*.cpp,
// bench_kvfiles.cpp, bench_kvault.cpp, ...): set-up (the extension and a
// temporary directory, database files), SQL that fails loudly on any SQLite
// error, and timing (wall and CPU seconds, best of a few runs).
#pragma once

#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "kohakuvault.h"

namespace kvbench {

// ---- set-up --------------------------------------------------------------------

// Registers the extension for every connection opened after this and creates
// the bench's temporary directory, <tmp>/<name>_<pid> (the caller removes it).
inline std::filesystem::path start_bench(const std::string& name) {
  sqlite3_auto_extension(reinterpret_cast<void (*)()>(sqlite3_kohakuvault_init));
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / (name + "_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  return dir;
}

// ---- SQL -----------------------------------------------------------------------

// Throws (ending the bench with the message) unless rc is OK, ROW or DONE.
inline void check(int rc, sqlite3* db, const std::string& what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
    throw std::runtime_error(what + ": " + sqlite3_errmsg(db));
}

inline void exec(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string message = sql + ": " + (err ? err : sqlite3_errmsg(db));
    sqlite3_free(err);
    throw std::runtime_error(message);
  }
}

// A database file opened for a bench, set up by `pragmas` (default: rollback
// journal, synchronous=NORMAL).
inline sqlite3* open_db(const std::string& path, const std::string& pragmas = "PRAGMA synchronous=NORMAL") {
  sqlite3* db = nullptr;
  check(sqlite3_open(path.c_str(), &db), db, "open");
  exec(db, pragmas);
  return db;
}

// A prepared statement (the caller finalizes it).
inline sqlite3_stmt* prepare(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* s = nullptr;
  check(sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr), db, "prepare " + sql);
  return s;
}

// Column 0 of the first row `sql` returns.
inline long long query_int(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* s = prepare(db, sql);
  check(sqlite3_step(s), db, sql);
  long long n = sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  return n;
}
inline double query_double(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* s = prepare(db, sql);
  check(sqlite3_step(s), db, sql);
  double v = sqlite3_column_double(s, 0);
  sqlite3_finalize(s);
  return v;
}

// ---- timing --------------------------------------------------------------------

using Clock = std::chrono::steady_clock;

// CPU seconds this process has used (all threads).
inline double cpu_now() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Wall and CPU seconds of one timed region (CPU time: this process's, so a
// busy shared machine inflates it less than wall time).
struct Timing {
  double wall = 0, cpu = 0;
};

// Started when made; stop() is the time since.
struct Stopwatch {
  Clock::time_point t0 = Clock::now();
  double c0 = cpu_now();
  Timing stop() const { return {std::chrono::duration<double>(Clock::now() - t0).count(), cpu_now() - c0}; }
};

template <class F>
Timing timed(F&& f) {
  const Stopwatch sw;
  f();
  return sw.stop();
}

// The fastest of `reps` runs of f, wall and CPU each (the machine is shared:
// the minimum is the least disturbed run); prepare() runs untimed before each.
template <class P, class F>
Timing best(int reps, P&& prepare, F&& f) {
  Timing out{1e30, 1e30};
  for (int i = 0; i < reps; ++i) {
    prepare();
    const Timing t = timed(f);
    out.wall = std::min(out.wall, t.wall);
    out.cpu = std::min(out.cpu, t.cpu);
  }
  return out;
}
template <class F>
Timing best(int reps, F&& f) {
  const auto nothing = [] {};
  return best(reps, nothing, f);
}

}  // namespace kvbench
