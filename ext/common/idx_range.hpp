// Constraints on an integer idx column -> an inclusive idx interval, the way
// SQLite itself would compare an INTEGER column with the constraint's value.
// Shared by the virtual tables whose rows are numbered 0..n-1 (kvcolumn,
// kohakuvault_column).
#pragma once

#include <cstdint>
#include <limits>

#include "common/sqlite.hpp"

namespace kvx {

// An inclusive idx interval; empty when lo > hi.
struct Interval {
  std::int64_t lo = 0, hi = std::numeric_limits<std::int64_t>::max();
  bool empty() const { return lo > hi; }
  void none() { lo = 1, hi = 0; }
};

enum class IdxOp { eq, gt, ge, lt, le };

// Narrows `range` by `idx <op> value`, comparing as SQLite compares an INTEGER
// column with `value`: numeric affinity for TEXT that looks like a number,
// otherwise INTEGER < TEXT < BLOB; NULL (and NaN) matches nothing.
void narrow(Interval& range, IdxOp op, sqlite3_value* value);

// A LIMIT/OFFSET value as SQLite would use it (non-integers: `fallback`).
// Inline: read at every xFilter.
inline std::int64_t int_arg(sqlite3_value* v, std::int64_t fallback) {
  const int type = sqlite3_value_type(v);  // INTEGER: the usual case, one call
  if (type != SQLITE_INTEGER && (type != SQLITE_TEXT || sqlite3_value_numeric_type(v) != SQLITE_INTEGER))
    return fallback;
  return sqlite3_value_int64(v);
}

}  // namespace kvx
