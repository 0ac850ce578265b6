// kvcolumn reads: cursors (the idx walk of common/idx_walk.hpp), element values.
#include "common/error.hpp"
#include "common/firewall.hpp"
#include "common/value_bridge.hpp"
#include "kvcolumn/kvcolumn.hpp"

namespace kvx::kvcolumn {

// xFilter: starts a scan for the plan chosen by xBestIndex (argv order documented there).
int kvcolumnFilter(sqlite3_vtab_cursor* cursor, int plan, const char*, int, sqlite3_value** argv) {
  Cursor* cur = static_cast<Cursor*>(cursor);
  Table* t = cur->table();
  return guard_status(&t->zErrMsg, [&] {
    t->revalidate();
    t->column->settle();  // a previous statement's deletes renumber now
    int arg = 0;
    cur->walk.start(plan, argv, arg, t->column->length());
    cur->fixed = t->fixed_column();
    cur->run_data = nullptr;
    cur->run_first = cur->run_end = 0;
    cur->in_update = plan & kPlanAllColumns;
    return SQLITE_OK;
  });
}

// xNext: the next idx in plan order; stops at the (current) end of the column.
//
// What an open scan sees when this connection writes the table between two
// of its steps (docs/kvcolumn.md "Open cursors and writes"): each step yields
// the row at the next idx of the plan as the column is NOW, and the scan ends
// at the column's current end. So rows inserted/deleted before the cursor's
// position shift what it sees (they may or may not be seen, as in SQLite),
// but it never yields a row that does not exist (no phantom idx, no NULL).
// Deletes recorded by a finished statement are applied first (settle()).
int kvcolumnNext(sqlite3_vtab_cursor* cursor) {
  Cursor* cur = static_cast<Cursor*>(cursor);
  cur->walk.next();
  if (cur->walk.eof) return SQLITE_OK;
  Table* t = cur->table();
  return guard_status(&t->zErrMsg, [&] {
    t->column->settle();
    cur->walk.clamp_to(t->column->length());
    return SQLITE_OK;
  });
}

// xEof.
int kvcolumnEof(sqlite3_vtab_cursor* cursor) { return static_cast<Cursor*>(cursor)->walk.eof; }

namespace {

// The packed bytes of element i into `out`; false when the row went away under
// this cursor (its column is NULL then). Fixed-size columns keep a window of
// up to 4096 elements per read (one for descending and IN scans).
inline bool element_bytes(Cursor* cur, Table* t, std::uint64_t i, std::string_view& out) {
  kv::FixedColumn* fixed = cur->fixed;
  if (!fixed) {
    kv::VarColumn& c = *t->var_column();  // one element per read; its view is valid until the next read
    if (i >= c.length()) return false;
    out = c.read_run(i, 1);
    return true;
  }
  kv::FixedColumn& c = *fixed;  // the concrete (final) class: inlined epoch()/elem_size() per row
  const std::uint64_t E = c.elem_size();
  if (cur->run_epoch != c.epoch() || i < cur->run_first || i >= cur->run_end) {
    if (i >= c.length()) return false;
    std::string_view run = c.read_run(i, cur->walk.desc || cur->walk.use_list ? 1 : 4096);
    cur->run_data = run.data();
    cur->run_first = i;
    cur->run_end = i + run.size() / E;
    cur->run_epoch = c.epoch();
  }
  out = std::string_view(cur->run_data + (i - cur->run_first) * E, E);
  return true;
}

}  // namespace

// xColumn: idx, the decoded value, the packed bytes (raw), or NULL for the
// command column. In an UPDATE, value and raw are not produced when the
// statement does not assign them (sqlite3_vtab_nochange): xUpdate then knows
// which of the two was assigned, and an UPDATE of one never decodes the other.
// Only cursors of plans that use every column (an UPDATE marks them all used,
// kPlanAllColumns) ask, so SELECTs never pay for the call.
int kvcolumnColumn(sqlite3_vtab_cursor* cursor, sqlite3_context* ctx, int col) {
  Cursor* cur = static_cast<Cursor*>(cursor);
  Table* t = cur->table();
  return guard_status(&t->zErrMsg, [&] {
    const std::uint64_t i = cur->walk.current();
    if (col == kIdx) {
      sqlite3_result_int64(ctx, static_cast<sqlite3_int64>(i));
      return SQLITE_OK;
    }
    if (col == kCommand || (cur->in_update && sqlite3_vtab_nochange(ctx)))
      return SQLITE_OK;  // NULL / unchanged
    std::string_view e;
    if (!element_bytes(cur, t, i, e)) return SQLITE_OK;  // NULL
    if (col == kValue) {
      result_element(ctx, t->options.dtype, e);
    } else if (e.empty()) {
      sqlite3_result_zeroblob(ctx, 0);  // x'' (a null pointer would make it NULL)
    } else {
      sqlite3_result_blob64(ctx, e.data(), e.size(), SQLITE_TRANSIENT);
    }
    return SQLITE_OK;
  });
}

// xRowid: the rowid is idx.
int kvcolumnRowid(sqlite3_vtab_cursor* cursor, sqlite3_int64* rowid) {
  *rowid = static_cast<sqlite3_int64>(static_cast<Cursor*>(cursor)->walk.current());
  return SQLITE_OK;
}

}  // namespace kvx::kvcolumn
