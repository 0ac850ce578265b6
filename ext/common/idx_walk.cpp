// Range-plan arguments -> the rows a scan visits (see idx_walk.hpp).
#include "common/idx_walk.hpp"

#include <algorithm>

#include "common/idx_range.hpp"
#include "common/range_plan.hpp"

namespace kvx {

void IdxWalk::start(int plan, sqlite3_value** argv, int& arg, std::uint64_t length_u) {
  const auto length = static_cast<std::int64_t>(length_u);
  Interval range;
  range.lo = 0;
  range.hi = length - 1;
  use_list = false;
  list.clear();
  // runtime-guarded: vtab_in (plan_range sets kRangeIn only after runtime_features().vtab_in and
  // sqlite3_vtab_in)
  if (plan & kRangeIn) {
    use_list = true;
    sqlite3_value* v = nullptr;
    for (int rc = sqlite3_vtab_in_first(argv[arg], &v); rc == SQLITE_OK && v;
         rc = sqlite3_vtab_in_next(argv[arg], &v)) {
      Interval one;
      narrow(one, IdxOp::eq, v);
      if (!one.empty() && one.lo >= 0 && one.lo < length) list.push_back(static_cast<std::uint64_t>(one.lo));
    }
    ++arg;
  } else if (plan & kRangeEq) {
    narrow(range, IdxOp::eq, argv[arg++]);
  }
  if (plan & (kRangeGt | kRangeGe)) narrow(range, plan & kRangeGt ? IdxOp::gt : IdxOp::ge, argv[arg++]);
  if (plan & (kRangeLt | kRangeLe)) narrow(range, plan & kRangeLt ? IdxOp::lt : IdxOp::le, argv[arg++]);
  std::int64_t limit = -1, offset = 0;
  if (plan & kRangeLimit) limit = int_arg(argv[arg++], -1);
  if (plan & kRangeOffset) offset = std::max<std::int64_t>(0, int_arg(argv[arg++], 0));
  desc = plan & kRangeDesc;
  remaining = limit < 0 ? UINT64_MAX : static_cast<std::uint64_t>(limit);
  if (use_list) {
    std::sort(list.begin(), list.end());
    list.erase(std::unique(list.begin(), list.end()), list.end());
    list.erase(std::remove_if(list.begin(), list.end(),
                              [&](std::uint64_t x) {
                                const auto s = static_cast<std::int64_t>(x);
                                return s < range.lo || s > range.hi;
                              }),
               list.end());
    if (desc) std::reverse(list.begin(), list.end());
    const std::size_t skip = std::min<std::size_t>(list.size(), static_cast<std::size_t>(offset));
    list.erase(list.begin(), list.begin() + static_cast<std::ptrdiff_t>(skip));
    list_pos = 0;
  } else {
    range.lo = std::max<std::int64_t>(range.lo, 0);
    range.hi = std::min<std::int64_t>(range.hi, length - 1);
    lo = hi = 0;  // [lo, hi)
    if (!range.empty())
      lo = static_cast<std::uint64_t>(range.lo), hi = static_cast<std::uint64_t>(range.hi) + 1;
    const std::uint64_t skip = std::min<std::uint64_t>(hi - lo, static_cast<std::uint64_t>(offset));
    if (desc)
      hi -= skip;
    else
      lo += skip;
    cur = desc ? hi - 1 : lo;
  }
  position();
}

}  // namespace kvx
