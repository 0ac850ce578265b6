// See range_plan.hpp.
#include "common/range_plan.hpp"

#include <algorithm>

namespace kvx {

int plan_range(sqlite3_index_info* info, int key_column, int& argc, const RangeCosts& costs,
               std::span<const int> handled) {
  int eq = -1, lower = -1, upper = -1, limit = -1, offset = -1;
  bool all_consumed = true;
  for (int i = 0; i < info->nConstraint; ++i) {
    if (std::find(handled.begin(), handled.end(), i) != handled.end()) continue;
    const auto& c = info->aConstraint[i];
    if (c.op == SQLITE_INDEX_CONSTRAINT_LIMIT || c.op == SQLITE_INDEX_CONSTRAINT_OFFSET) {
      if (!c.usable) continue;
      if (c.op == SQLITE_INDEX_CONSTRAINT_LIMIT && limit < 0) limit = i;
      if (c.op == SQLITE_INDEX_CONSTRAINT_OFFSET && offset < 0) offset = i;
      continue;
    }
    const bool on_key = c.iColumn == key_column || c.iColumn == -1;
    if (!on_key || !c.usable) {
      all_consumed = false;
      continue;
    }
    int* slot = nullptr;
    switch (c.op) {
      case SQLITE_INDEX_CONSTRAINT_EQ: slot = &eq; break;
      case SQLITE_INDEX_CONSTRAINT_GT:
      case SQLITE_INDEX_CONSTRAINT_GE: slot = &lower; break;
      case SQLITE_INDEX_CONSTRAINT_LT:
      case SQLITE_INDEX_CONSTRAINT_LE: slot = &upper; break;
      default: break;
    }
    if (slot && *slot < 0)
      *slot = i;
    else
      all_consumed = false;
  }
  auto use = [&](int i) {
    info->aConstraintUsage[i].argvIndex = ++argc;
    info->aConstraintUsage[i].omit = 1;
  };
  int plan = 0;
  double cost = costs.full_cost, rows = costs.full_rows;
  if (eq >= 0) {
    const bool in_list = runtime_features().vtab_in && sqlite3_vtab_in(info, eq, -1);
    if (in_list) sqlite3_vtab_in(info, eq, 1);
    plan |= in_list ? kRangeIn : kRangeEq;
    use(eq);
    cost = in_list ? 20 : 2;
    rows = in_list ? 10 : 1;
  }
  if (lower >= 0) {
    plan |= info->aConstraint[lower].op == SQLITE_INDEX_CONSTRAINT_GT ? kRangeGt : kRangeGe;
    use(lower);
  }
  if (upper >= 0) {
    plan |= info->aConstraint[upper].op == SQLITE_INDEX_CONSTRAINT_LT ? kRangeLt : kRangeLe;
    use(upper);
  }
  if (eq < 0 && (lower >= 0 || upper >= 0)) {
    const bool both = lower >= 0 && upper >= 0;
    cost = both ? 1000 : costs.one_bound_cost;
    rows = both ? 100 : costs.one_bound_rows;
  }
  // Without sqlite3_vtab_in an `idx IN (...)` looks like `idx = ?` and SQLite
  // calls xFilter once per listed value, in an order we do not control.
  const bool maybe_looped_in = (plan & kRangeEq) && !runtime_features().vtab_in;
  bool order_ok = true;
  if (info->nOrderBy == 1 && (info->aOrderBy[0].iColumn == key_column || info->aOrderBy[0].iColumn == -1) &&
      !maybe_looped_in) {
    if (info->aOrderBy[0].desc) plan |= kRangeDesc;
    info->orderByConsumed = 1;
  } else if (info->nOrderBy > 0) {
    order_ok = false;
  }
  if (all_consumed && order_ok && runtime_features().vtab_rhs_value && limit >= 0) {
    plan |= kRangeLimit;
    use(limit);
    if (offset >= 0) {
      plan |= kRangeOffset;
      use(offset);
    }
  }
  info->estimatedCost = cost;
  info->estimatedRows = static_cast<sqlite3_int64>(rows);
  return plan;
}

}  // namespace kvx
