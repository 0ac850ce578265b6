// What the kvault files (kvault.hpp) and stream.cpp share: the shadow table's name
// and columns, checking that a name is a kvault table, and the pool of scan
// statements. Statements used one at a time (writes) are kvx::CachedStatement
// and every SQLite error goes through kvx::throw_sqlite_error (extended code
// kept), both in ext/common.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/sqlite.hpp"
#include "common/sqlite_error.hpp"
#include "common/sql_text.hpp"
#include "common/statement.hpp"

namespace kvx::kvault {

// Shadow table suffix: "<table>_data"(id INTEGER PRIMARY KEY, key BLOB UNIQUE
// NOT NULL, value BLOB NOT NULL).
inline constexpr const char* kDataSuffix = "data";


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

// Scan statements with SQLITE_PREPARE_PERSISTENT, pooled by SQL text.
// acquire() hands out a statement no one else is using: a cursor holds one
// for its whole scan and several cursors may scan the same table with the
// same SQL at once (a self-join), which a single kvx::CachedStatement cannot
// serve; release() resets it and keeps it for the next caller.
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

}  // namespace kvx::kvault
