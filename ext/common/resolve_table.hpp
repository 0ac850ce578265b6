// Finding the table a function argument names, the way SQLite finds a table
// named in a query. Every SQL function of the extension that takes a table
// name (kvault_import/export/read, kvcolumn_check, the set-based kvcolumn
// functions) resolves it here, so they all agree with SELECT.
//
// Name syntax: 'table' or 'schema.table'.
//   * 'schema.table': when the text before the first dot is the name of a
//     database of the connection (main, temp or an ATTACH alias; any case),
//     only that database is searched, and the rest of the text (dots and all)
//     is the table name. 'main.a.b' reaches a table named "a.b" in main.
//   * otherwise the whole text is the table name, searched as SQLite searches
//     an unqualified name: temp, then main, then the attached databases in the
//     order they were attached.
// Table names compare as SQLite compares them (ASCII case-insensitively). The
// first database holding a table or view of that name decides, as it does for
// SELECT: when that object is not a virtual table of the expected module the
// call fails; it never falls through to a later database.
//
// Errors (kv::Error, Errc::invalid_argument, message prefixed by `function`):
//   "<function>: no such <module> table: 'x' (searched temp, main, aux)"
//   "<function>: 'x' is not a <module> table (main.x is a table; expected one
//    created with CREATE VIRTUAL TABLE ... USING <module>)"
// SQLite errors while reading a schema (BUSY, IOERR, ...) keep their class.
#pragma once

#include <string>
#include <string_view>

#include "common/sqlite.hpp"

namespace kvx {

struct ResolvedTable {
  std::string schema;  // as PRAGMA database_list names it ("main", "temp", an ATTACH alias)
  std::string table;   // as stored in the schema (its own spelling of case)
};

// Resolves `name` ('table' or 'schema.table', see above) to a virtual table
// of `module`.
ResolvedTable resolve_table(sqlite3* db, std::string_view name, std::string_view module,
                            std::string_view function);

// The same with the database given separately (exactly one database is
// searched; `schema` must name one, any case).
ResolvedTable resolve_table_in(sqlite3* db, std::string_view schema, std::string_view table,
                               std::string_view module, std::string_view function);

// True when create_sql (the sql column of sqlite_schema for a table) is a
// CREATE VIRTUAL TABLE statement using `module` (module names compare ASCII
// case-insensitively; quoted names, schema prefixes and comments are
// understood, so a table named "x using kvault" is not taken for one).
bool uses_module(std::string_view create_sql, std::string_view module);

}  // namespace kvx
