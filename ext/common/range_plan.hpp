// One xBestIndex constraint scan for the virtual tables whose rows are
// numbered by an integer key column 0..n-1 (kvcolumn, kohakuvault_column):
// idx = ? or idx IN (...), one lower and one upper bound on idx (or the
// rowid), ORDER BY idx [DESC], and LIMIT/OFFSET when SQLite is left nothing
// to check after us. xFilter turns the values into an interval with
// common/idx_range.hpp.
//
// Plan encoding, shared by the modules (idxNum bits; a module's own bits
// start at kRangeModuleBit):
//   kRangeEq | kRangeIn   idx = ? (kRangeIn: an IN list read with sqlite3_vtab_in_first/next)
//   kRangeGt | kRangeGe   lower bound idx > ? / idx >= ?
//   kRangeLt | kRangeLe   upper bound idx < ? / idx <= ?
//   kRangeDesc            no argument: rows in descending idx order
//   kRangeLimit           LIMIT ?  (only when every constraint is consumed and the order is ours)
//   kRangeOffset          OFFSET ? (same)
// xFilter's argv holds the caller's own arguments first (argc on entry),
// then eq/in, lower, upper, limit, offset, each only if its bit is set.
// Every idx constraint used is omitted (xFilter compares like SQLite would).
//
// Cost: point < IN < two bounds < one bound < full scan; the module gives the
// figures for the last two (RangeCosts).
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

struct RangeCosts {
  double full_cost, full_rows;            // no idx constraint
  double one_bound_cost, one_bound_rows;  // only a lower or only an upper bound
};

// Plans the scan over key column `key_column` (constraints on the rowid,
// iColumn -1, count as on it too) and fills aConstraintUsage, orderByConsumed,
// estimatedCost and estimatedRows; returns the RangeBits for idxNum.
// `handled`: indexes of constraints the caller consumes itself (its hidden
// arguments): they are skipped here and do not block LIMIT/OFFSET. `argc`:
// argv slots the caller already gave out; updated.
int plan_range(sqlite3_index_info* info, int key_column, int& argc, const RangeCosts& costs,
               std::span<const int> handled = {});

}  // namespace kvx
