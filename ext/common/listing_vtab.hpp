// The module methods read-only eponymous tables write the same way
// (kvcolumns, kohakuvault_columns, kohakuvault_column):
//
//  * ConnectionTable + connect_table / disconnect_table: a table that holds
//    only its connection; xConnect declares its schema.
//  * RowsCursor + rows_next / rows_eof / rows_rowid: a cursor over rows
//    computed whole by xFilter (a listing); rows[pos] is the current row and
//    pos its rowid.
//
//   struct ListCursor : RowsCursor<Row> {};
//   int listConnect(sqlite3* db, void*, int, const char* const*, sqlite3_vtab** out, char** err) {
//     return connect_table<ConnectionTable>(db, "CREATE TABLE x(...)", "my_table", out, err);
//   }
//   /* xDisconnect */ disconnect_table<ConnectionTable>,
//   /* xNext */ rows_next<ListCursor>, /* xEof */ rows_eof<ListCursor>, /* xRowid */ rows_rowid<ListCursor>,
#pragma once

#include <cstring>
#include <string>
#include <vector>

#include "common/firewall.hpp"
#include "common/sqlite.hpp"
#include "common/sqlite_error.hpp"

namespace kvx {

struct ConnectionTable : sqlite3_vtab {
  sqlite3* db = nullptr;
};

// xConnect: declares `decl` and creates a Table (ConnectionTable or derived)
// holding db; `who` names the table in errors.
template <class Table>
int connect_table(sqlite3* db, const char* decl, const char* who, sqlite3_vtab** out, char** err) {
  *out = nullptr;
  return guard_status(err, [&] {
    int rc = sqlite3_declare_vtab(db, decl);
    if (rc != SQLITE_OK) throw_sqlite_error(db, rc, std::string(who) + ": cannot declare the table");
    auto* t = new Table();
    std::memset(static_cast<sqlite3_vtab*>(t), 0, sizeof(sqlite3_vtab));
    t->db = db;
    *out = t;
    return SQLITE_OK;
  });
}

template <class Table>
int disconnect_table(sqlite3_vtab* vtab) {
  delete static_cast<Table*>(vtab);
  return SQLITE_OK;
}

template <class Row>
struct RowsCursor : sqlite3_vtab_cursor {
  std::vector<Row> rows;
  std::size_t pos = 0;
  sqlite3* db() const { return static_cast<ConnectionTable*>(pVtab)->db; }
};

template <class Cursor>
int rows_next(sqlite3_vtab_cursor* cur) {
  ++static_cast<Cursor*>(cur)->pos;
  return SQLITE_OK;
}

template <class Cursor>
int rows_eof(sqlite3_vtab_cursor* cur) {
  const auto* c = static_cast<Cursor*>(cur);
  return c->pos >= c->rows.size();
}

template <class Cursor>
int rows_rowid(sqlite3_vtab_cursor* cur, sqlite3_int64* rowid) {
  *rowid = static_cast<sqlite3_int64>(static_cast<Cursor*>(cur)->pos);
  return SQLITE_OK;
}

}  // namespace kvx
