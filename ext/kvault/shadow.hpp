// What the kvault files (kvault.hpp) and stream.cpp share: the shadow table's name
// and columns, checking that a name is a kvault table, and a cache of prepared
// statements.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/sqlite.hpp"

namespace kvx::kvault {

// Shadow table suffix: "<table>_data"(id INTEGER PRIMARY KEY, key BLOB UNIQUE
// NOT NULL, value BLOB NOT NULL).
inline constexpr const char* kDataSuffix = "data";

// The shadow table of a kvault table, as a quoted "schema"."table_data".
std::string quoted_data_table(std::string_view schema, std::string_view table);

// Where a kvault table lives. resolve() takes "table" or "schema.table" and
// finds it as SQLite finds a table named in a query (temp, main, attached
// databases in order; common/resolve_table.hpp), checks that it is a kvault
// virtual table (throws invalid_argument otherwise, prefixed by function)
// and returns the schema and table names as stored.
struct TableRef {
  std::string schema;
  std::string table;
  std::string data_table() const { return table + "_data"; }
};
TableRef resolve(sqlite3* db, std::string_view name, std::string_view function);

// Key bytes of a SQL value: TEXT (UTF-8 bytes) or BLOB. NULL -> constraint
// error, other types -> type_mismatch, naming what (e.g. "media.key").
std::string_view key_bytes(sqlite3_value* v, std::string_view what);

// Prepared statements with SQLITE_PREPARE_PERSISTENT, cached by SQL text.
// acquire() hands out a statement no one else is using (a cursor may hold one
// for the whole scan); release() resets it and keeps it for the next caller.
class StatementCache {
 public:
  explicit StatementCache(sqlite3* db) : db_(db) {}
  ~StatementCache() { clear(); }
  StatementCache(const StatementCache&) = delete;
  StatementCache& operator=(const StatementCache&) = delete;

  sqlite3_stmt* acquire(const std::string& sql);
  void release(const std::string& sql, sqlite3_stmt* stmt) noexcept;
  void clear() noexcept;  // finalizes every idle statement

 private:
  sqlite3* db_;
  std::unordered_map<std::string, std::vector<sqlite3_stmt*>> idle_;
};

// Holds an acquired statement and releases it at scope exit. sql must
// outlive it (the table's statement texts do).
class CachedStatement {
 public:
  CachedStatement(StatementCache& cache, const std::string& sql)
      : cache_(cache), sql_(sql), stmt_(cache_.acquire(sql_)) {}
  ~CachedStatement() { cache_.release(sql_, stmt_); }
  CachedStatement(const CachedStatement&) = delete;
  CachedStatement& operator=(const CachedStatement&) = delete;
  sqlite3_stmt* get() const { return stmt_; }

 private:
  StatementCache& cache_;
  const std::string& sql_;
  sqlite3_stmt* stmt_;
};

// Throws kv::Error with the connection's current error (code mapped to the
// closest kv::Errc) prefixed by context.
[[noreturn]] void throw_sqlite(sqlite3* db, int rc, std::string_view context);

}  // namespace kvx::kvault
