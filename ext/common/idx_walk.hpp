// The rows one scan of a range plan visits (common/range_plan.hpp), for the
// virtual tables whose rows are numbered 0..n-1 (kvcolumn, kohakuvault_column):
// xFilter's arguments become either an interval walked up or down or a sorted
// IN list, with LIMIT/OFFSET applied; xNext steps it. The cursor keeps one
// IdxWalk and reads the row at current() while !eof.
//
//   interval:  [lo, hi) still to visit; cur = lo ascending, hi - 1 descending
//   IN list:   list (distinct, in output order), list_pos = the current entry
//   remaining: rows LIMIT still allows (UINT64_MAX: no LIMIT)
#pragma once

#include <cstdint>
#include <vector>

#include "common/sqlite.hpp"

namespace kvx {

struct IdxWalk {
  bool use_list = false;
  std::vector<std::uint64_t> list;  // IN plans: the indexes, in output order
  std::size_t list_pos = 0;
  std::uint64_t lo = 0, hi = 0;  // interval plans: [lo, hi) to visit
  std::uint64_t cur = 0;         // interval plans: the current idx
  bool desc = false;
  std::uint64_t remaining = 0;
  bool eof = true;

  std::uint64_t current() const { return use_list ? list[list_pos] : cur; }

  // Starts the walk over rows 0..length-1 for the RangeBits in `plan`, whose
  // values are argv[arg], argv[arg + 1], ... in range_plan.hpp's order; `arg`
  // is left after the last one read.
  void start(int plan, sqlite3_value** argv, int& arg, std::uint64_t length);

  // One step in plan order (LIMIT counted).
  void next() {
    if (remaining != UINT64_MAX) --remaining;
    if (use_list) {
      ++list_pos;
    } else if (desc) {
      if (cur == lo)
        hi = lo;  // done
      else
        --cur, hi = cur + 1;
    } else {
      lo = ++cur;
    }
    position();
  }

  // The table now has `length` rows (written under an open scan): rows past
  // the end are skipped, a descending walk restarts at the new last row.
  void clamp_to(std::uint64_t length) {
    if (eof) return;
    if (use_list) {  // ascending or descending list: skip the indexes past the end
      while (list_pos < list.size() && list[list_pos] >= length) ++list_pos;
    } else if (desc) {
      if (cur >= length) {
        if (length == 0 || length - 1 < lo)
          hi = lo;  // nothing left in the range
        else
          cur = length - 1, hi = length;
      }
    } else if (hi > length) {
      hi = length;
    }
    position();
  }

  void position() { eof = remaining == 0 || (use_list ? list_pos >= list.size() : lo >= hi); }
};

}  // namespace kvx
