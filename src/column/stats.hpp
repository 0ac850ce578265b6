// Summaries of a numeric fixed-size column range (no SQLite types here):
// what kvcolumn_stats and each kvcolumn_buckets row report.
//
// Semantics follow SQLite's aggregates over the same rows as `value` reads
// them (count/sum/min/max/avg):
//  * NaN reads as NULL, so NaN elements are skipped (not counted, not summed,
//    never min/max). +-inf are ordinary values.
//  * Integer dtypes sum exactly, in idx order, as sum() does: when a running
//    sum leaves the int64 range the result is `overflow` (sum() raises
//    "integer overflow"). u64 elements above 2^63-1 read as TEXT, which
//    sum() converts to REAL: from the first such element on the sum is REAL
//    (`real_sum`), as sum() turns approximate.
//  * Floating sums use Kahan-Babuska-Neumaier compensation (the summation
//    SQLite 3.43+ uses for sum()/avg()), in independent lanes combined at
//    the end; a non-finite compensation is dropped as SQLite drops it, so a
//    sum that meets +inf and -inf is NaN (SQL NULL).
//  * min/max are the first minimum/maximum in idx order (SQLite's min()/max()
//    keep the first of equal values): -0.0 and 0.0 compare equal, so the one
//    met first is reported, with its sign; argmin/argmax are its idx.
//  * mean = sum / count; stddev = population standard deviation, computed
//    per block with two passes and merged with Chan's formula (stable).
// u64 min/max compare numerically (SQLite orders the TEXT form of values
// above 2^63-1 as text, after every number; the README says so).
#pragma once

#include <cstdint>
#include <vector>

#include "codec/dtype.hpp"
#include "column/column.hpp"

namespace kv {

// One element as SQL reads it.
struct NumValue {
  enum class Kind : std::uint8_t { none, integer, big_unsigned, real };
  Kind kind = Kind::none;  // none: NULL (no element, or NaN)
  std::int64_t i = 0;      // integer
  std::uint64_t u = 0;     // big_unsigned (> 2^63-1; SQL reads its digits as TEXT)
  double r = 0;            // real
};

struct RangeSummary {
  std::uint64_t count = 0;  // elements that are not NULL (NaN)
  bool overflow = false;    // an integer running sum left the int64 range
  bool real_sum = false;    // the sum is REAL (float dtypes; u64 above 2^63-1)
  std::int64_t int_sum = 0;
  double sum = 0;           // real_sum: the sum (NaN when +inf and -inf met)
  NumValue min, max, first, last;
  std::uint64_t argmin = 0, argmax = 0;  // valid when count > 0
  double mean = 0, stddev = 0;           // valid when count > 0
};

// Whether summarize() takes the dtype (the ten numeric fixed-size dtypes).
bool summarizable(const DType& dtype) noexcept;

// Summarises elements [start, stop) (stop <= column.length(), pending deletes
// settled) of a column whose elements are `num`. Scans through scan_runs().
RangeSummary summarize(Column& column, Num num, std::uint64_t start, std::uint64_t stop);

// Summaries of consecutive ranges [bounds[k], bounds[k + 1]) (bounds
// ascending) in ONE scan of [bounds.front(), bounds.back()): what
// kvcolumn_buckets computes a batch of buckets with.
std::vector<RangeSummary> summarize_each(Column& column, Num num, const std::vector<std::uint64_t>& bounds);

}  // namespace kv
