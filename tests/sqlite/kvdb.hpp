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

}  // namespace kvtest
