// The names a kvcolumn, kvindex or kvault table may take, checked in xCreate
// and in xRename (ALTER TABLE ... RENAME TO), so a name that would hide
// something, or that the table could not reopen under, is refused before
// anything is written.
//
// A new name is refused when
//   * it is the name of one of the extension's eponymous virtual tables
//     (kvcolumns, the table-valued functions): the table would hide them,
//     since SQLite looks a name up in the schema before the eponymous tables;
//   * it is one of the module's reserved names (kvcolumn: its column names,
//     because its hidden command column is named like the table);
//   * "<name>_<suffix>" already exists in the database for a suffix the
//     module's xShadowName claims. xShadowName sees only the suffix, so a
//     module claims the union of its tables' suffixes for every table: an
//     existing ordinary table of that name would become a "shadow table" of
//     the new one (read-only under SQLITE_DBCONFIG_DEFENSIVE, and
//     undroppable). Once the table exists SQLite itself refuses, in
//     defensive mode, to create such a name ("object name reserved for
//     internal use");
//   * any schema object (table, index, view, trigger) is already named
//     "<name>_<suffix>" for a suffix of the shadow tables this table has
//     (`owned`): creating or renaming them would fail halfway.
// Names compare ASCII case-insensitively, as SQLite compares them.
//
// xShadowName of every module is claims_shadow_suffix over the module's one
// suffix list (the constant that also feeds create, destroy, rename and the
// checks above): SQLite asks with the suffix as written in the statement
// ("T_INFO" -> "INFO") and compares schema names case-insensitively, so the
// suffixes do too (sqlite3_stricmp, as SQLite's own callers and FTS5 do).
#pragma once

#include <span>
#include <string_view>

#include "common/sqlite.hpp"

namespace kvx {

// xShadowName: is "<table>_<suffix>" a shadow table name of a module that
// claims `claimed`? ASCII case-insensitive; a null suffix is not.
bool claims_shadow_suffix(const char* suffix, std::span<const char* const> claimed) noexcept;

// The extension's eponymous virtual tables (the listing and table-valued
// functions it registers, and those SQL_INTERFACE.md reserves for it).
bool is_eponymous_name(std::string_view name);

// Throws kv::Error(invalid_argument), naming `module` and the reason, when a
// table of `module` may not be called `name` in database `schema` (see
// above). `reserved`: the module's own reserved names; `claimed`: every
// suffix its xShadowName accepts; `owned`: the suffixes of the shadow tables
// this table has (a subset of claimed).
void check_table_name(sqlite3* db, std::string_view schema, std::string_view name, std::string_view module,
                      std::span<const char* const> reserved, std::span<const char* const> claimed,
                      std::span<const char* const> owned);

}  // namespace kvx
