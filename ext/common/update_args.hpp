// What one xUpdate call asks for, decoded once from SQLite's argument
// convention (https://sqlite.org/vtab.html#xupdate) for every module:
//   argc == 1                    DELETE of the row argv[0] names
//   argc > 1, argv[0] NULL       INSERT; argv[1] the rowid given (NULL: none)
//   argc > 1, argv[0] not NULL   UPDATE of the row argv[0] names; argv[1] its new rowid
// and, for INSERT and UPDATE, argv[2 + i] the value of declared column i.
// argv[0] is the rowid, or the PRIMARY KEY of a WITHOUT ROWID table (kvindex).
#pragma once

#include "common/sqlite.hpp"

namespace kvx {

enum class UpdateKind { remove, insert, update };

struct UpdateArgs {
  UpdateKind kind;
  sqlite3_value* old_row;    // remove/update: the row's rowid or key; insert: nullptr
  sqlite3_value* new_rowid;  // insert/update: argv[1]; remove: nullptr
  sqlite3_value** columns;   // insert/update: the declared columns' values; remove: nullptr

  sqlite3_value* column(int i) const { return columns[i]; }
  bool is_null(int i) const { return sqlite3_value_type(columns[i]) == SQLITE_NULL; }
};

inline UpdateArgs decode_update(int argc, sqlite3_value** argv) {
  if (argc == 1) return {UpdateKind::remove, argv[0], nullptr, nullptr};
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return {UpdateKind::insert, nullptr, argv[1], argv + 2};
  return {UpdateKind::update, argv[0], argv[1], argv + 2};
}

}  // namespace kvx
