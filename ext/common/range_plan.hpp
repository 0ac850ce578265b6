// One xBestIndex constraint scan for the virtual tables whose rows are
// ordered by one unique key column: kvcolumn and kohakuvault_column (rows
// numbered by an INTEGER idx 0..n-1) and kvindex (any SQL value as the key):
// key = ? or key IN (...), one lower and one upper bound on the key (or the
// rowid), ORDER BY key [DESC], and LIMIT/OFFSET when SQLite is left nothing
// to check after us. xFilter turns the values into its own range (kvcolumn
// and kohakuvault_column: an interval with common/idx_range.hpp).
//
// Plan encoding, shared by the modules (idxNum bits; a module's own bits
// start at kRangeModuleBit):
//   kRangeEq | kRangeIn   key = ? (kRangeIn: an IN list read with sqlite3_vtab_in_first/next)
//   kRangeGt | kRangeGe   lower bound key > ? / key >= ?
//   kRangeLt | kRangeLe   upper bound key < ? / key <= ?
//   kRangeDesc            no argument: rows in descending key order
//   kRangeLimit           LIMIT ?  (only when every constraint is consumed and the order is ours)
//   kRangeOffset          OFFSET ? (same; the module skips the rows: SQLite does not)
// xFilter's argv holds the caller's own arguments first (argc on entry),
// then eq/in, lower, upper, limit, offset, each only if its bit is set.
// Every constraint used is omitted (xFilter compares like SQLite would).
//
// Rules (the same for every module, unless RangeRules says otherwise):
//   * a plain `key = ?` wins over an IN list; a second one is left to SQLite;
//   * the key is unique, so ORDER BY key [DESC] (followed by anything) is
//     consumed (SQLite itself drops that claim when it loops over an IN list
//     one value at a time, on hosts without sqlite3_vtab_in);
//   * cost: point < IN < two bounds < one bound < full scan, the figures
//     from the module (RangeCosts); a pushed-down LIMIT caps the rows.
#pragma once

#include <span>

#include "common/sqlite.hpp"

namespace kvx {

enum RangeBits : int {
  kRangeEq = 1,
  kRangeIn = 2,
  kRangeGt = 4,
  kRangeGe = 8,
  kRangeLt = 16,
  kRangeLe = 32,
  kRangeDesc = 64,
  kRangeLimit = 128,
  kRangeOffset = 256,
  kRangeModuleBit = 512,  // the first bit a module may use for itself
};

// estimatedCost / estimatedRows per plan shape.
struct RangeCosts {
  double full_cost, full_rows;            // no key constraint
  double one_bound_cost, one_bound_rows;  // only a lower or only an upper bound
  double two_bounds_cost = 1000, two_bounds_rows = 100;
  double point_cost = 2, point_rows = 1;  // key = ?
  double in_cost = 20, in_rows = 10;      // key IN (...)
};

// How a module's key column differs from an INTEGER idx (the defaults).
struct RangeRules {
  // Keys may be TEXT (kvindex): a constraint compared under a collation
  // other than BINARY is left to SQLite.
  bool text_keys = false;
  // An = or IN plan takes the bounds too (kvcolumn intersects them); false:
  // they are left to SQLite (kvindex).
  bool bounds_with_point = true;
};

// Plans the scan over key column `key_column` (constraints on the rowid,
// iColumn -1, count as on it too) and fills aConstraintUsage, orderByConsumed,
// estimatedCost and estimatedRows; returns the RangeBits for idxNum.
// `handled`: indexes of constraints the caller consumes itself (its hidden
// arguments): they are skipped here and do not block LIMIT/OFFSET. `argc`:
// argv slots the caller already gave out; updated.
int plan_range(sqlite3_index_info* info, int key_column, int& argc, const RangeCosts& costs,
               std::span<const int> handled = {}, const RangeRules& rules = {});

}  // namespace kvx
