// How the set-based column functions (kvcolumn_slice, kvcolumn_stats,
// kvcolumn_buckets; later kvcolumn_knn) reach a kvcolumn table:
//
//   SetAccess a(db, live, "fn", table_arg);   // resolve, pin a read snapshot
//   kv::SliceRange r = a.range(start_arg, stop_arg);
//   kv::scan_runs(a.column(), r.start, r.stop, kernel);
//
//  * find_table() resolves the name with the shared resolver
//    (common/resolve_table.hpp: 'schema.table', or temp, main, then attached
//    databases in attach order, as SQLite resolves an unqualified name; the
//    first database holding that name decides). The instance returned is the
//    newest live one (LiveTables) that is not dropped and carries the
//    instance id "<table>_info" holds now (an instance left over from a
//    rolled-back DROP/CREATE is skipped); it holds this connection's live
//    kv::Column, so buffered, uncommitted writes, pending deletes and
//    savepoints are seen as a SELECT would see them; a table not yet connected is connected by
//    preparing (not running) a SELECT on it.
//  * SetAccess keeps one statement on "<table>_info" stepped (not reset) for
//    its lifetime: that holds a read transaction on the table's database, so
//    the data-version check (Table::revalidate) and every chunk read see one
//    committed snapshot, even when the calling statement itself touches no
//    table of that database. Then pending deletes are settled.
//  * The table-valued ones (kvcolumn_stats, kvcolumn_buckets, kvcolumn_knn)
//    are FunctionVtabs made by connect_function(); their arguments are hidden
//    columns (common/hidden_args.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "column/scan.hpp"
#include "kvcolumn/kvcolumn.hpp"

namespace kvx::kvcolumn {

// Resolves `name` to this connection's live kvcolumn table; errors name the
// function `fn` and the table: unknown table, not a kvcolumn table.
Table* find_table(sqlite3* db, LiveTables& live, const std::string& fn, const std::string& name);

// A start/stop argument: NULL or nullptr (= omitted), an INTEGER or an
// integral REAL; anything else is an error naming `fn` and `which`.
std::optional<std::int64_t> index_arg(sqlite3_value* v, const std::string& fn, const char* which);

// A short printable form of a bad argument for messages ("TEXT 'abc'", "INTEGER").
std::string shown(sqlite3_value* v);

// The table-name argument (TEXT), or an error naming `fn`.
std::string table_arg(sqlite3_value* v, const std::string& fn);

class SetAccess {
 public:
  SetAccess(sqlite3* db, LiveTables& live, const std::string& fn, const std::string& table);
  ~SetAccess();
  SetAccess(const SetAccess&) = delete;
  SetAccess& operator=(const SetAccess&) = delete;

  Table& table() const { return *table_; }
  kv::Column& column() const { return *table_->column; }
  // The clamped range of Python-slice arguments over the current length.
  kv::SliceRange range(std::optional<std::int64_t> start, std::optional<std::int64_t> stop) const {
    return kv::slice_range(table_->column->length(), start, stop);
  }
  // Whether the table is still the live instance it was (a cursor calls this
  // before each step: the table may have been dropped or reconnected).
  bool still_live(const LiveTables& live) const;

 private:
  Table* table_ = nullptr;
  sqlite3_stmt* pin_ = nullptr;
};

// The sqlite3_vtab of a kvcolumn table-valued function: the connection and its
// live tables (the module's client data).
struct FunctionVtab : sqlite3_vtab {
  sqlite3* db = nullptr;
  LiveTables* live = nullptr;
};

// xConnect of a kvcolumn table-valued function: declares `decl` ("CREATE
// TABLE x(...)") and makes a V (a FunctionVtab) for client data `aux`.
template <class V>
int connect_function(sqlite3* db, void* aux, const char* decl, sqlite3_vtab** out) {
  int rc = sqlite3_declare_vtab(db, decl);
  if (rc != SQLITE_OK) return rc;
  auto* v = new V();
  v->db = db;
  v->live = static_cast<LiveTables*>(aux);
  *out = v;
  return SQLITE_OK;
}

// "kvcolumn '<table>'" prefix naming dtype requirements: kv::Error unless the
// table's dtype is a numeric fixed-size one.
void require_numeric(const Table& t, const std::string& fn);

}  // namespace kvx::kvcolumn
