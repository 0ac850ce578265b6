// kvindex's virtual-table internals shared by its files (design notes and the
// plan encoding: module.cpp):
//   module.cpp     xCreate/xConnect/xDestroy/xRename/xShadowName, the module
//   plan.cpp       xBestIndex
//   cursor.cpp     xOpen/xClose/xFilter/xNext/xColumn
//   write.cpp      xUpdate and the transaction methods
//   freshness.cpp  loading, catching up with other connections, detaching cursors
//   shadow.cpp     the shadow tables (ShadowTables); options.cpp the arguments
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/range_plan.hpp"
#include "kvindex/kvindex.hpp"

namespace kvx::kvindex {

// The declared columns: CREATE TABLE x(key PRIMARY KEY NOT NULL, value) WITHOUT ROWID.
enum Col { kKey = 0, kValue = 1 };

// The shared range plan (common/range_plan.hpp) over `key`; no bits of our own.
enum Plan : int {
  kPlanEq = kRangeEq,
  kPlanIn = kRangeIn,
  kPlanGt = kRangeGt,
  kPlanGe = kRangeGe,
  kPlanLt = kRangeLt,
  kPlanLe = kRangeLe,
  kPlanDesc = kRangeDesc,
  kPlanLimit = kRangeLimit,
  kPlanOffset = kRangeOffset,
};

struct Cursor;

struct Table : sqlite3_vtab {
  sqlite3* db = nullptr;
  Registry* registry = nullptr;
  ShadowTables* shadow = nullptr;  // state->shadow
  std::shared_ptr<State> state;
  std::vector<std::unique_ptr<Cursor>> spare;  // closed ones, reused by xOpen
  bool joining = false;  // joined a transaction the table was already in (TxnFanIn)
};


// A cursor (State lists the open ones).
//
// The current row is cur_key/cur_value: pointers into the index's block of
// adjacent rows (IndexCursor::run(), a CSB+-tree leaf), row run_pos of
// run_size, rows run_stride bytes apart; xNext walks the block itself and
// asks the index cursor only at its ends, and xColumn reads the pointers. A
// detached cursor's pointers are &saved_key/&saved_value.
struct Cursor : sqlite3_vtab_cursor {
  std::unique_ptr<kv::IndexCursor> it;
  // plan
  bool desc = false;
  bool list_mode = false;  // EQ / IN: walk `keys`
  std::vector<kv::Value> keys;  // EQ: keys[0], reused (its string's capacity too)
  std::size_t key_pos = 0;
  bool has_lo = false, lo_incl = false, has_hi = false, hi_incl = false;
  kv::Value lo, hi;
  long long remaining = -1;  // rows left before LIMIT (OFFSET rows skipped in xFilter), < 0: no limit
  // state
  bool eof = true;
  bool detached = false;  // the index changed under us: saved_* hold the row
  const kv::Value* cur_key = nullptr;
  const kv::Value* cur_value = nullptr;
  std::size_t run_pos = 0, run_size = 0, run_stride = sizeof(kv::Value);
  // The connection's SQLITE_LIMIT_LENGTH when xFilter ran: xColumn's fast
  // TEXT path takes only values within it; longer ones get set_stored_result's
  // kohakuvault: SQLITE_TOOBIG message (not SQLite's bare one).
  std::size_t length_limit = 0;
  kv::Value saved_key, saved_value;
  sqlite3_int64 row = 0;
};

inline Table* table_of(sqlite3_vtab_cursor* c) { return static_cast<Table*>(c->pVtab); }
inline std::string table_label(const Table* t) { return "kvindex table '" + t->shadow->table() + "'"; }

// freshness.cpp
void detach_cursors(Table* t);
void detach_cursors_for_undo(Table* t) noexcept;
void forget_index(State& s) noexcept;
void ensure_fresh(Table* t);

// plan.cpp
int kvindexBestIndex(sqlite3_vtab* vtab, sqlite3_index_info* info);
// cursor.cpp
int kvindexOpen(sqlite3_vtab* vtab, sqlite3_vtab_cursor** out);
int kvindexClose(sqlite3_vtab_cursor* cur);
int kvindexFilter(sqlite3_vtab_cursor* cur, int plan, const char*, int argc, sqlite3_value** argv);
int kvindexNext(sqlite3_vtab_cursor* cur);
int kvindexEof(sqlite3_vtab_cursor* cur);
int kvindexColumn(sqlite3_vtab_cursor* cur, sqlite3_context* ctx, int col);
int kvindexRowid(sqlite3_vtab_cursor* cur, sqlite3_int64* rowid);
// write.cpp
int kvindexUpdate(sqlite3_vtab* vtab, int argc, sqlite3_value** argv, sqlite3_int64*);
int kvindexBegin(sqlite3_vtab* vtab);
int kvindexSync(sqlite3_vtab* vtab);
int kvindexCommit(sqlite3_vtab* vtab);
int kvindexRollback(sqlite3_vtab* vtab);
int kvindexSavepoint(sqlite3_vtab* vtab, int level);
int kvindexRelease(sqlite3_vtab* vtab, int level);
int kvindexRollbackTo(sqlite3_vtab* vtab, int level);

}  // namespace kvx::kvindex
