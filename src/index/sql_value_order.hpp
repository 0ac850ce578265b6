// SQLite's ordering of values, over kv::Value / kv::ValueView, with no SQLite
// types. This is the order of a column with no affinity and BINARY collation:
//
//   NULL  <  numbers (INTEGER and REAL interleaved by numeric value)
//         <  TEXT (memcmp of the UTF-8 bytes, shorter prefix first)
//         <  BLOB (memcmp, shorter prefix first)
//
// INTEGER vs REAL compares exactly, without converting the integer to double:
// 2 == 2.0, and 9007199254740993 > 9007199254740992.0 even though both round
// to the same double. Kind::json orders as TEXT. A NaN REAL (SQLite never
// stores one; it becomes NULL) orders below every other number so the order
// stays a strict weak ordering.
#pragma once

#include <cstdint>
#include <string>

#include "common/value.hpp"

namespace kv {

// <0, 0, >0 as a is before, equal to, after b.
int sql_compare_slow(const ValueView& a, const ValueView& b) noexcept;
inline int sql_compare(const ValueView& a, const ValueView& b) noexcept {
  if (a.kind == Kind::integer && b.kind == Kind::integer) return a.i < b.i ? -1 : (a.i > b.i ? 1 : 0);
  return sql_compare_slow(a, b);
}
inline int sql_compare(const Value& a, const Value& b) noexcept {
  if (a.kind == Kind::integer && b.kind == Kind::integer) return a.i < b.i ? -1 : (a.i > b.i ? 1 : 0);
  return sql_compare_slow(a.view(), b.view());
}

// Exact comparison of an integer with a double (-1, 0, 1); NaN is below all.
int compare_int_real(std::int64_t i, double r) noexcept;

// Strict weak "less" for ordered containers keyed by kv::Value.
struct SqlLess {
  bool operator()(const Value& a, const Value& b) const noexcept { return sql_compare(a, b) < 0; }
  bool operator()(const ValueView& a, const ValueView& b) const noexcept { return sql_compare(a, b) < 0; }
};

// A short human-readable rendering of a value for error messages
// (integers and reals as numbers, text quoted, blobs as X'..', long ones cut).
std::string describe_value(const ValueView& v);

}  // namespace kv
