// xOpen / xClose for a virtual table whose cursor type Cursor derives from
// sqlite3_vtab_cursor and needs nothing from the table to start: the cursor is
// created empty (its sqlite3_vtab_cursor base zeroed; SQLite sets pVtab) and
// does nothing until xFilter. Modules whose cursors keep a registry entry
// (kvindex) write their own.
//
//   /* xOpen  */ open_cursor<MyCursor>,
//   /* xClose */ close_cursor<MyCursor>,
//
// table_function_module<MyCursor>(...) is the whole module of an
// eponymous-only, read-only table-valued function with such a cursor: no
// xCreate (no CREATE VIRTUAL TABLE), no writes, no transaction methods.
#pragma once

#include <cstring>

#include "common/firewall.hpp"
#include "common/sqlite.hpp"

namespace kvx {

template <class Cursor>
int open_cursor(sqlite3_vtab* vtab, sqlite3_vtab_cursor** out) {
  return guard_status(&vtab->zErrMsg, [&] {
    auto* c = new Cursor();
    std::memset(static_cast<sqlite3_vtab_cursor*>(c), 0, sizeof(sqlite3_vtab_cursor));
    *out = c;
    return SQLITE_OK;
  });
}

template <class Cursor>
int close_cursor(sqlite3_vtab_cursor* cursor) {
  delete static_cast<Cursor*>(cursor);
  return SQLITE_OK;
}

template <class Cursor>
constexpr sqlite3_module table_function_module(
    decltype(sqlite3_module::xConnect) connect, decltype(sqlite3_module::xBestIndex) best_index,
    decltype(sqlite3_module::xDisconnect) disconnect, decltype(sqlite3_module::xFilter) filter,
    decltype(sqlite3_module::xNext) next, decltype(sqlite3_module::xEof) eof,
    decltype(sqlite3_module::xColumn) column, decltype(sqlite3_module::xRowid) rowid) {
  sqlite3_module m{};
  m.iVersion = 0;
  m.xConnect = connect;  // eponymous-only: no xCreate
  m.xBestIndex = best_index;
  m.xDisconnect = disconnect;
  m.xOpen = open_cursor<Cursor>;
  m.xClose = close_cursor<Cursor>;
  m.xFilter = filter;
  m.xNext = next;
  m.xEof = eof;
  m.xColumn = column;
  m.xRowid = rowid;
  return m;
}

}  // namespace kvx
