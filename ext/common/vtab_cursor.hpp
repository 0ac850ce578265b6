// xOpen / xClose for a virtual table whose cursor type Cursor derives from
// sqlite3_vtab_cursor and needs nothing from the table to start: the cursor is
// created empty (its sqlite3_vtab_cursor base zeroed; SQLite sets pVtab) and
// does nothing until xFilter. Modules whose cursors keep a registry entry
// (kvindex) write their own.
//
//   /* xOpen  */ open_cursor<MyCursor>,
//   /* xClose */ close_cursor<MyCursor>,
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

}  // namespace kvx
