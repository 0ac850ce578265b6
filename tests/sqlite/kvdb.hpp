// Test helper: a fresh connection with kohakuvault registered (static library),
// and a query helper that returns either the rows or the error, so both can be
// asserted.
#pragma once

#include <sqlite3.h>

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
//   ASSERT_EQ(scan.prepare_rc, SQLITE_OK);
//   ASSERT_EQ(scan.step(), SQLITE_ROW);
//   ... db.query("ROLLBACK") ...
//   const kvtest::Stmt::Rest rest = scan.step_to_end();
class Stmt {
 public:
  Stmt(const Db& db, const std::string& sql) {
    prepare_rc = sqlite3_prepare_v2(db.get(), sql.c_str(), -1, &stmt_, nullptr);
  }
  ~Stmt() { sqlite3_finalize(stmt_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  sqlite3_stmt* get() const { return stmt_; }
  int step() { return sqlite3_step(stmt_); }
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
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace kvtest
