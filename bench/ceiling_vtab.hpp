// The ceiling for bench_kvindex: the least work any virtual table can do to
// answer its read workloads, so that kvindex's figures can be judged against
// what SQLite's virtual-table interface allows at all.
//
//   CREATE VIRTUAL TABLE c USING ceiling_vtab   -- same columns as kvindex:
//   (key PRIMARY KEY NOT NULL, value) WITHOUT ROWID
//
// Rows: a sorted std::vector of (int64 key, std::string value) handed to the
// module as its client data (read-only; no xUpdate). xBestIndex takes
// key = ? and key >= ? (BINARY), consumes ORDER BY key, and takes LIMIT when
// the running SQLite passes it (3.38+) and nothing is left for SQLite to
// check. xFilter: one binary search. xNext: ++position. xColumn:
// sqlite3_result_int64 / sqlite3_result_text(SQLITE_TRANSIENT) with length
// -1 (SQLite then measures the string and marks its copy NUL-terminated;
// with the length given, SQLite 3.40 leaves the copy unterminated and every
// sqlite3_column_text() reallocates it to append the NUL: callgrind measured
// +1,600 instructions a row that way). Nothing else (no freshness check, no detaching, no errors
// beyond what SQLite asks for): no real table can do less per lookup or row.
//
//   CREATE VIRTUAL TABLE c0 USING ceiling_vtab(no_copy)
//
// answers TEXT with SQLITE_STATIC instead: SQLite keeps a pointer to the
// vector's string and copies nothing. Only a table whose values never change
// or move while any statement is open may do that (true of this bench's
// read-only vector, not of any table with writes), so it bounds from above
// what even a zero-copy xColumn could gain.
#pragma once

#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace kvbench {

using CeilingRows = std::vector<std::pair<std::int64_t, std::string>>;  // sorted by key

namespace ceiling_detail {

enum : int { kEq = 1, kGe = 2, kLimit = 4 };

struct Table : sqlite3_vtab {
  const CeilingRows* rows = nullptr;
  bool no_copy = false;  // TEXT as SQLITE_STATIC (see the header)
};

struct Cursor : sqlite3_vtab_cursor {
  const CeilingRows* rows = nullptr;
  std::size_t pos = 0, end = 0;  // rows [pos, end) are left
  sqlite3_destructor_type text_lifetime = SQLITE_TRANSIENT;
};

inline int connect(sqlite3* db, void* aux, int argc, const char* const* argv, sqlite3_vtab** out, char**) {
  const int rc = sqlite3_declare_vtab(db, "CREATE TABLE x(key PRIMARY KEY NOT NULL, value) WITHOUT ROWID");
  if (rc != SQLITE_OK) return rc;
  auto* t = new Table();
  t->rows = static_cast<const CeilingRows*>(aux);
  t->no_copy = argc > 3 && std::string(argv[3]) == "no_copy";
  *out = t;
  return SQLITE_OK;
}

inline int disconnect(sqlite3_vtab* vtab) {
  delete static_cast<Table*>(vtab);
  return SQLITE_OK;
}

inline int best_index(sqlite3_vtab*, sqlite3_index_info* info) {
  int eq = -1, ge = -1, limit = -1;
  bool all_used = true;
  for (int i = 0; i < info->nConstraint; ++i) {
    const auto& c = info->aConstraint[i];
    if (!c.usable) continue;
    if (c.op == SQLITE_INDEX_CONSTRAINT_LIMIT) {
      limit = i;
    } else if (c.iColumn == 0 && c.op == SQLITE_INDEX_CONSTRAINT_EQ && eq < 0) {
      eq = i;
    } else if (c.iColumn == 0 && c.op == SQLITE_INDEX_CONSTRAINT_GE && ge < 0) {
      ge = i;
    } else {
      all_used = false;
    }
  }
  int plan = 0, argc = 0;
  auto use = [&](int i) {
    info->aConstraintUsage[i].argvIndex = ++argc;
    info->aConstraintUsage[i].omit = 1;
  };
  if (eq >= 0) {
    plan = kEq;
    use(eq);
    if (ge >= 0) all_used = false;  // left to SQLite
    info->estimatedCost = 1;
    info->estimatedRows = 1;
    info->idxFlags |= SQLITE_INDEX_SCAN_UNIQUE;
  } else if (ge >= 0) {
    plan = kGe;
    use(ge);
    info->estimatedCost = 1000;
    info->estimatedRows = 1000;
  } else {
    info->estimatedCost = 1e6;
    info->estimatedRows = 1000000;
  }
  bool ordered = true;
  if (info->nOrderBy == 1 && info->aOrderBy[0].iColumn == 0 && !info->aOrderBy[0].desc)
    info->orderByConsumed = 1;
  else if (info->nOrderBy > 0)
    ordered = false;
  if (limit >= 0 && all_used && ordered && sqlite3_libversion_number() >= 3038000) {
    plan |= kLimit;
    use(limit);
  }
  info->idxNum = plan;
  return SQLITE_OK;
}

inline int open(sqlite3_vtab* vtab, sqlite3_vtab_cursor** out) {
  auto* c = new Cursor();
  c->rows = static_cast<Table*>(vtab)->rows;
  if (static_cast<Table*>(vtab)->no_copy) c->text_lifetime = SQLITE_STATIC;
  *out = c;
  return SQLITE_OK;
}

inline int close(sqlite3_vtab_cursor* cur) {
  delete static_cast<Cursor*>(cur);
  return SQLITE_OK;
}

inline std::size_t lower_bound(const CeilingRows& rows, std::int64_t key) {
  return static_cast<std::size_t>(
      std::lower_bound(rows.begin(), rows.end(), key, [](const auto& row, std::int64_t k) { return row.first < k; }) -
      rows.begin());
}

inline int filter(sqlite3_vtab_cursor* cur, int plan, const char*, int, sqlite3_value** argv) {
  auto* c = static_cast<Cursor*>(cur);
  const CeilingRows& rows = *c->rows;
  int a = 0;
  c->pos = 0;
  c->end = rows.size();
  if (plan & (kEq | kGe)) {
    sqlite3_value* v = argv[a++];
    if (sqlite3_value_type(v) != SQLITE_INTEGER) {  // the bench binds integers only
      c->pos = c->end;
      return SQLITE_OK;
    }
    const std::int64_t k = sqlite3_value_int64(v);
    c->pos = lower_bound(rows, k);
    if (plan & kEq) c->end = c->pos < rows.size() && rows[c->pos].first == k ? c->pos + 1 : c->pos;
  }
  if (plan & kLimit) {
    const sqlite3_int64 n = sqlite3_value_int64(argv[a++]);
    if (n >= 0 && static_cast<std::size_t>(n) < c->end - c->pos) c->end = c->pos + static_cast<std::size_t>(n);
  }
  return SQLITE_OK;
}

inline int next(sqlite3_vtab_cursor* cur) {
  ++static_cast<Cursor*>(cur)->pos;
  return SQLITE_OK;
}

inline int eof(sqlite3_vtab_cursor* cur) {
  auto* c = static_cast<Cursor*>(cur);
  return c->pos >= c->end;
}

inline int column(sqlite3_vtab_cursor* cur, sqlite3_context* ctx, int col) {
  auto* c = static_cast<Cursor*>(cur);
  const auto& row = (*c->rows)[c->pos];
  if (col == 0)
    sqlite3_result_int64(ctx, row.first);
  else
    sqlite3_result_text(ctx, row.second.c_str(), -1, c->text_lifetime);  // why -1: the header
  return SQLITE_OK;
}

inline int rowid(sqlite3_vtab_cursor* cur, sqlite3_int64* out) {
  *out = static_cast<sqlite3_int64>(static_cast<Cursor*>(cur)->pos);
  return SQLITE_OK;
}

inline const sqlite3_module& module() {
  static const sqlite3_module m = [] {
    sqlite3_module x{};
    x.iVersion = 1;
    x.xCreate = connect;
    x.xConnect = connect;
    x.xBestIndex = best_index;
    x.xDisconnect = disconnect;
    x.xDestroy = disconnect;
    x.xOpen = open;
    x.xClose = close;
    x.xFilter = filter;
    x.xNext = next;
    x.xEof = eof;
    x.xColumn = column;
    x.xRowid = rowid;
    return x;
  }();
  return m;
}

}  // namespace ceiling_detail

// Registers module `ceiling_vtab` on db over rows (which must outlive db).
inline int register_ceiling_vtab(sqlite3* db, const CeilingRows* rows) {
  return sqlite3_create_module(db, "ceiling_vtab", &ceiling_detail::module(), const_cast<CeilingRows*>(rows));
}

}  // namespace kvbench
