// idx constraints -> intervals (see idx_range.hpp).
#include "common/idx_range.hpp"

#include <algorithm>
#include <cmath>
#include <new>

namespace kvx {

namespace {
constexpr double kTwo63 = 9223372036854775808.0;
}  // namespace

// Narrows `range` by `idx <op> value`, comparing as SQLite compares an INTEGER
// column with `value`: numeric affinity for TEXT that looks like a number,
// otherwise INTEGER < TEXT < BLOB; NULL (and NaN) matches nothing.
void narrow(Interval& range, IdxOp op, sqlite3_value* value) {
  sqlite3_value* v = sqlite3_value_dup(value);
  if (!v) throw std::bad_alloc();
  int type = sqlite3_value_numeric_type(v);  // applies numeric affinity to the copy
  bool integer = type == SQLITE_INTEGER;
  std::int64_t i = integer ? sqlite3_value_int64(v) : 0;
  double d = type == SQLITE_FLOAT ? sqlite3_value_double(v) : 0;
  sqlite3_value_free(v);
  if (type == SQLITE_NULL || (type == SQLITE_FLOAT && std::isnan(d))) return range.none();
  if (type == SQLITE_TEXT || type == SQLITE_BLOB) {  // greater than every integer
    if (op == IdxOp::eq || op == IdxOp::gt || op == IdxOp::ge) range.none();
    return;
  }
  // Convert to an integer bound; REAL values round toward the inside.
  auto set_lo = [&](std::int64_t x) { range.lo = std::max(range.lo, x); };
  auto set_hi = [&](std::int64_t x) { range.hi = std::min(range.hi, x); };
  if (integer) {
    switch (op) {
      case IdxOp::eq: set_lo(i), set_hi(i); break;
      case IdxOp::gt: i == std::numeric_limits<std::int64_t>::max() ? range.none() : set_lo(i + 1); break;
      case IdxOp::ge: set_lo(i); break;
      case IdxOp::lt: i == std::numeric_limits<std::int64_t>::min() ? range.none() : set_hi(i - 1); break;
      case IdxOp::le: set_hi(i); break;
    }
    return;
  }
  if (d >= kTwo63) {  // above every int64
    if (op == IdxOp::eq || op == IdxOp::gt || op == IdxOp::ge) range.none();
    return;
  }
  if (d < -kTwo63) {  // below every int64
    if (op == IdxOp::eq || op == IdxOp::lt || op == IdxOp::le) range.none();
    return;
  }
  double fl = std::floor(d), ce = std::ceil(d);
  auto to_i = [](double x) {
    return x >= kTwo63 ? std::numeric_limits<std::int64_t>::max() : static_cast<std::int64_t>(x);
  };
  switch (op) {
    case IdxOp::eq:
      if (fl != d) return range.none();
      set_lo(to_i(d)), set_hi(to_i(d));
      break;
    case IdxOp::gt: fl + 1 >= kTwo63 ? range.none() : set_lo(to_i(fl + 1)); break;
    case IdxOp::ge: set_lo(to_i(ce)); break;
    case IdxOp::lt: ce <= -kTwo63 ? range.none() : set_hi(to_i(ce) - 1); break;
    case IdxOp::le: set_hi(to_i(fl)); break;
  }
}

}  // namespace kvx
