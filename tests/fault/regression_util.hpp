// Helpers of the regression sweeps in this binary (test_regressions.cpp,
// test_kvindex_*.cpp): a scratch directory, the point stride of a sweep, the
// leak check after one, a connection with the extension, and exec/query that
// return the result code (and rows) so both can be asserted.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "inject.hpp"
#include "kohakuvault.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

namespace kvfault {

// A fresh directory under TMPDIR, removed with the object.
class TempDir {
 public:
  TempDir() {
    const char* base = getenv("TMPDIR");
    std::string pattern = std::string(base && *base ? base : "/tmp") + "/kvfault-reg-XXXXXX";
    dir_ = mkdtemp(pattern.data()) ? pattern : "";
  }
  ~TempDir() {
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string path(const char* name) const { return dir_ + "/" + name; }

 private:
  std::string dir_;
};

// Every injection point in the Release build and under KV_FAULT_FULL=1; every
// asan_stride-th under ASan, whose allocator makes each point about ten times
// slower (the `make test` time budget, docs/testing.md).
inline int64_t point_stride(int64_t asan_stride) {
  const char* full = getenv("KV_FAULT_FULL");
  if (full && std::string(full) == "1") return 1;
#if defined(__SANITIZE_ADDRESS__)
  return asan_stride;
#else
  (void)asan_stride;
  return 1;
#endif
}

// Under ASan, at the end of a sweep: LeakSanitizer's recoverable check (a
// leak stays reported by every later check in the process).
inline void expect_no_leaks() {
#if defined(__SANITIZE_ADDRESS__)
  EXPECT_EQ(__lsan_do_recoverable_leak_check(), 0) << "LeakSanitizer found leaks (report above)";
#endif
}

inline sqlite3* open_with_extension(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
    sqlite3_close(db);
    return nullptr;
  }
  char* err = nullptr;
  sqlite3_kohakuvault_init(db, &err, nullptr);
  sqlite3_free(err);
  return db;
}

inline int exec(sqlite3* db, const std::string& sql) {
  return sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
}

// Rows of one statement as "a|b" lines; rc is the statement's result code
// (SQLITE_OK when it ran to the end). The rows are copied under a Pause: only
// SQLite and kohakuvault see the faults of an armed countdown.
struct Rows {
  int rc = SQLITE_OK;
  std::vector<std::string> rows;
};

// One row of a stepped statement as "a|b".
inline std::string row_text(sqlite3_stmt* st) {
  std::string row;
  for (int i = 0; i < sqlite3_column_count(st); ++i) {
    const unsigned char* t = sqlite3_column_text(st, i);
    if (i) row += '|';
    row += t ? reinterpret_cast<const char*>(t) : "NULL";
  }
  return row;
}

inline Rows query(sqlite3* db, const std::string& sql) {
  Rows r;
  sqlite3_stmt* st = nullptr;
  r.rc = sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr);
  if (r.rc != SQLITE_OK) return r;
  while ((r.rc = sqlite3_step(st)) == SQLITE_ROW) {
    Pause p;
    r.rows.push_back(row_text(st));
  }
  if (r.rc == SQLITE_DONE) r.rc = SQLITE_OK;
  sqlite3_finalize(st);
  return r;
}

}  // namespace kvfault
