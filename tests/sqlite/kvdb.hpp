// Test helper: a fresh connection with kohakuvault registered (static library),
// and a query helper that returns either the rows or the error, so both can be
// asserted; a statement kept open (Stmt); the defensive-mode check of shadow
// tables (expect_shadow_writes_refused).
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <initializer_list>
#include <string>
#include <vector>

#include "kohakuvault.h"

namespace kvtest {

struct Result {
  int rc = SQLITE_OK;
  std::string error;                           // sqlite3_errmsg when rc != OK
  std::vector<std::vector<std::string>> rows;  // each value as text ("NULL" for NULL)
};

class Db {
 public:
  // vfs: the name of a registered VFS to open through (null: the default).
  explicit Db(const std::string& path = ":memory:", const char* vfs = nullptr) {
    sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs);
    char* err = nullptr;
    sqlite3_kohakuvault_init(db_, &err, nullptr);
    sqlite3_free(err);
  }
  ~Db() { sqlite3_close_v2(db_); }
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  sqlite3* get() const { return db_; }

  Result query(const std::string& sql) const {
    Result r;
    const char* tail = sql.c_str();
    while (*tail) {
      sqlite3_stmt* stmt = nullptr;
      r.rc = sqlite3_prepare_v2(db_, tail, -1, &stmt, &tail);
      if (r.rc != SQLITE_OK) break;
      if (!stmt) continue;
      while ((r.rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        std::vector<std::string> row;
        for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
          const unsigned char* t = sqlite3_column_text(stmt, i);
          row.emplace_back(t ? reinterpret_cast<const char*>(t) : "NULL");
        }
        r.rows.push_back(std::move(row));
      }
      sqlite3_finalize(stmt);
      if (r.rc != SQLITE_DONE) break;
      r.rc = SQLITE_OK;
    }
    if (r.rc != SQLITE_OK) r.error = sqlite3_errmsg(db_);
    return r;
  }

  // The single value of a one-row, one-column query ("ERROR: msg" on error).
  std::string scalar(const std::string& sql) const {
    Result r = query(sql);
    if (r.rc != SQLITE_OK) return "ERROR: " + r.error;
    if (r.rows.empty() || r.rows[0].empty()) return "NO ROWS";
    return r.rows[0][0];
  }

 private:
  sqlite3* db_ = nullptr;
};

// A statement of the test's own, finalized when it goes away: a scan kept open
// while other statements (writes, ROLLBACK) run on the same connection.
//
//   kvtest::Stmt scan(db, "SELECT key FROM t");
//   ASSERT_TRUE(scan.at_first_row());
//   ... db.query("ROLLBACK") ...
//   const kvtest::Stmt::Rest rest = scan.step_to_end();
class Stmt {
 public:
  Stmt(const Db& db, const std::string& sql) : db_(db.get()), sql_(sql) {
    prepare_rc = sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt_, nullptr);
  }
  ~Stmt() { sqlite3_finalize(stmt_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  sqlite3_stmt* get() const { return stmt_; }
  int step() { return sqlite3_step(stmt_); }
  // Prepared, then stepped onto its first row: the start of a scan kept open.
  ::testing::AssertionResult at_first_row() {
    if (prepare_rc != SQLITE_OK)
      return ::testing::AssertionFailure() << "prepare " << sql_ << ": " << sqlite3_errmsg(db_);
    if (const int rc = step(); rc != SQLITE_ROW)
      return ::testing::AssertionFailure()
             << "first step of " << sql_ << " gave " << rc << ", not a row: " << sqlite3_errmsg(db_);
    return ::testing::AssertionSuccess();
  }
  // The rows left and the code that ended them (SQLITE_DONE or an error).
  struct Rest {
    int rows = 0;
    int rc = SQLITE_DONE;
  };
  Rest step_to_end() {
    Rest r;
    while ((r.rc = step()) == SQLITE_ROW) ++r.rows;
    return r;
  }

  int prepare_rc = SQLITE_OK;

 private:
  sqlite3* db_;
  std::string sql_;
  sqlite3_stmt* stmt_ = nullptr;
};

// Turns on SQLITE_DBCONFIG_DEFENSIVE and expects each of `writes` (statements
// that write a module's shadow tables directly) to fail with SQLite's "may not
// be modified". Call it as ASSERT_NO_FATAL_FAILURE(expect_shadow_writes_refused(...)).
inline void expect_shadow_writes_refused(const Db& db, std::initializer_list<const char*> writes) {
  int on = 0;
  sqlite3_db_config(db.get(), SQLITE_DBCONFIG_DEFENSIVE, 1, &on);
  ASSERT_EQ(on, 1);
  for (const char* sql : writes) {
    const Result r = db.query(sql);
    EXPECT_NE(r.rc, SQLITE_OK) << sql;
    EXPECT_NE(r.error.find("may not be modified"), std::string::npos) << sql << ": " << r.error;
  }
}

}  // namespace kvtest
