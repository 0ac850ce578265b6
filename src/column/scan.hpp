// The chunk-scan engine: whole-range work over a kv::Column without going
// through SQL rows (no SQLite types here). Every set-based column function
// (kvcolumn_slice, kvcolumn_stats, kvcolumn_buckets, and later kvcolumn_knn)
// walks its range with scan_runs().
//
//  * slice_range() turns Python-slice arguments into a clamped [start, stop)
//    over a column of `length` elements: negative values count from the end,
//    both are clamped to [0, length], stop defaults to length, start >= stop
//    is an empty range.
//  * scan_runs() walks [start, stop) through Column::read_run, so it sees
//    exactly what a SELECT on the same connection sees: the write-back
//    buffer (chunk images and patches), savepoint state and the stored
//    chunks through the column's bounded LRU (a chunk that does not fit
//    without evicting another is streamed through one reused scratch buffer
//    in pieces of kScanPieceBytes, Column::scan_stream, so the kernel runs on
//    each piece while it is in cache). It never materialises the
//    column: each run is a view into one chunk image or one cached chunk,
//    handed to the kernel before the next read (a view is valid only until
//    the column's epoch changes, so kernels must not touch the column).
//    Fixed-size columns give runs of up to a whole chunk; variable-size
//    columns give one element per run.
//
// The caller settles pending deletes first (Column::settle()), as a scan on
// the table does, and computes the range from Column::length() after that.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "column/column.hpp"

namespace kv {

struct SliceRange {
  std::uint64_t start = 0, stop = 0;
  std::uint64_t size() const noexcept { return stop > start ? stop - start : 0; }
};

// Python slice rules over a column of `length` elements (nullopt = omitted).
inline SliceRange slice_range(std::uint64_t length, std::optional<std::int64_t> start,
                              std::optional<std::int64_t> stop) noexcept {
  auto clamp = [length](std::int64_t v) -> std::uint64_t {
    if (v < 0) {
      const std::uint64_t back = v == INT64_MIN ? (1ull << 63) : static_cast<std::uint64_t>(-v);
      return back >= length ? 0 : length - back;
    }
    return static_cast<std::uint64_t>(v) > length ? length : static_cast<std::uint64_t>(v);
  };
  SliceRange r;
  r.start = start ? clamp(*start) : 0;
  r.stop = stop ? clamp(*stop) : length;
  if (r.stop < r.start) r.stop = r.start;
  return r;
}

// Calls on_run(bytes, first, count) for consecutive runs covering
// [start, stop) in order: `bytes` holds elements [first, first + count) back
// to back (fixed-size columns: count * elem_size bytes; variable-size
// columns: count == 1 and the element's packed bytes). stop <= length().
template <class OnRun>
void scan_runs(Column& column, std::uint64_t start, std::uint64_t stop, OnRun&& on_run) {
  const std::uint64_t elem = column.elem_size();
  for (std::uint64_t i = start; i < stop;) {
    if (elem) {  // chunks read from the store without caching come in pieces
      const std::uint64_t streamed =
          column.scan_stream(i, stop - i, [&](std::string_view bytes, std::uint64_t first, std::uint64_t count) {
            on_run(bytes, first, count);
          });
      if (streamed) {
        i += streamed;
        continue;
      }
    }
    const std::string_view run = column.scan_run(i, stop - i);
    std::uint64_t count = elem ? run.size() / elem : 1;
    if (count == 0) count = 1;  // never stall (read_run returns at least one element)
    if (count > stop - i) count = stop - i;
    on_run(elem ? run.substr(0, count * elem) : run, i, count);
    i += count;
  }
}

}  // namespace kv
