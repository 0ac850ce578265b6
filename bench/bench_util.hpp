// Helpers shared by the SQL-level benchmarks: fail loudly on any SQLite error.
#pragma once

#include <sqlite3.h>

#include <ctime>
#include <stdexcept>
#include <string>

namespace kvbench {

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

// A database file opened for a bench: rollback journal, synchronous=NORMAL.
inline sqlite3* open_db(const std::string& path) {
  sqlite3* db = nullptr;
  check(sqlite3_open(path.c_str(), &db), db, "open");
  exec(db, "PRAGMA synchronous=NORMAL");
  return db;
}

// CPU seconds this process has used (all threads).
inline double cpu_now() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

}  // namespace kvbench
