// Prepared statements and exec for ext/ code that runs its own SQL, the one
// copy every module uses (errors go through throw_sqlite_error, so they keep
// SQLite's extended code; common/sqlite_error.hpp).
//
//   Statement          owns a prepared statement: finalized on destruction, movable.
//   CachedStatement    prepared on first use with SQLITE_PREPARE_PERSISTENT and
//                      kept; use() hands it out behind a StatementUse guard that
//                      resets it and clears its bindings when the use ends, also
//                      when it ends by an exception.
//   exec(db, sql, ctx) runs SQL text (possibly several statements) to completion.
//
// SQL text with quoted names is built with mprintf / shadow_name
// (common/sql_text.hpp).
#pragma once

#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "common/sqlite.hpp"

namespace kvx {

// An owned prepared statement (null when default-constructed or moved from).
class Statement {
 public:
  Statement() = default;
  // Prepares the first statement of sql (sqlite3_prepare_v3 with flags);
  // on failure throws via throw_sqlite_error with context.
  Statement(sqlite3* db, std::string_view sql, std::string_view context, unsigned flags = 0);
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(Statement&& other) noexcept : stmt_(std::exchange(other.stmt_, nullptr)) {}
  Statement& operator=(Statement&& other) noexcept {
    if (this != &other) {
      sqlite3_finalize(stmt_);
      stmt_ = std::exchange(other.stmt_, nullptr);
    }
    return *this;
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  sqlite3_stmt* get() const noexcept { return stmt_; }
  explicit operator bool() const noexcept { return stmt_ != nullptr; }
  // Steps once: true for a row, false when done; any other result code
  // throws via throw_sqlite_error with context.
  bool step(std::string_view context);
  void finalize() noexcept {
    sqlite3_finalize(stmt_);
    stmt_ = nullptr;
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

// Resets a statement and clears its bindings when it goes out of scope.
class StatementUse {
 public:
  explicit StatementUse(sqlite3_stmt* stmt) noexcept : stmt_(stmt) {}
  ~StatementUse() {
    if (stmt_) {
      sqlite3_reset(stmt_);
      sqlite3_clear_bindings(stmt_);
    }
  }
  StatementUse(StatementUse&& other) noexcept : stmt_(std::exchange(other.stmt_, nullptr)) {}
  StatementUse(const StatementUse&) = delete;
  StatementUse& operator=(const StatementUse&) = delete;
  StatementUse& operator=(StatementUse&&) = delete;
  sqlite3_stmt* get() const noexcept { return stmt_; }
  operator sqlite3_stmt*() const noexcept { return stmt_; }

 private:
  sqlite3_stmt* stmt_;
};

// A statement prepared once, on first use, and kept until finalize() (e.g.
// when the names in its SQL change) or destruction.
class CachedStatement {
 public:
  // The statement for sql (prepared with SQLITE_PREPARE_PERSISTENT on first
  // use; sql is ignored afterwards), reset when the returned guard ends.
  StatementUse use(sqlite3* db, const std::string& sql, std::string_view context) {
    if (!stmt_) prepare(db, sql, context);
    return StatementUse(stmt_.get());
  }
  // The same, building the SQL text only when it must be prepared.
  template <class MakeSql>
    requires std::is_invocable_r_v<std::string, MakeSql>
  StatementUse use(sqlite3* db, MakeSql&& make_sql, std::string_view context) {
    if (!stmt_) prepare(db, make_sql(), context);
    return StatementUse(stmt_.get());
  }
  bool prepared() const noexcept { return static_cast<bool>(stmt_); }
  void finalize() noexcept { stmt_.finalize(); }

 private:
  void prepare(sqlite3* db, const std::string& sql, std::string_view context);
  Statement stmt_;
};

// Runs sql (one or more statements) to completion with sqlite3_exec; on
// failure throws via throw_sqlite_error: "<context>: <SQLite's message>".
void exec(sqlite3* db, const std::string& sql, std::string_view context);

}  // namespace kvx
