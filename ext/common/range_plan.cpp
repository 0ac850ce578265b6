// See range_plan.hpp.
#include "common/range_plan.hpp"

#include <algorithm>

namespace kvx {

namespace {

bool binary_collation(sqlite3_index_info* info, int i) {
  const char* coll = sqlite3_vtab_collation(info, i);
  return !coll || sqlite3_stricmp(coll, "BINARY") == 0;
}

}  // namespace

int plan_range(sqlite3_index_info* info, int key_column, int& argc, const RangeCosts& costs,
               std::span<const int> handled, const RangeRules& rules) {
  const RuntimeFeatures& rf = runtime_features();
  int eq = -1, lower = -1, upper = -1, limit = -1, offset = -1;
  bool eq_is_in = false;
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
    if (!on_key || !c.usable || (rules.text_keys && !binary_collation(info, i))) {
      all_consumed = false;
      continue;
    }
    if (c.op == SQLITE_INDEX_CONSTRAINT_EQ) {
      const bool is_in = rf.vtab_in && sqlite3_vtab_in(info, i, -1);
      if (eq >= 0) all_consumed = false;   // one of the two is left to SQLite
      if (eq < 0 || (eq_is_in && !is_in))  // a plain = wins over an IN list
        eq = i, eq_is_in = is_in;
      continue;
    }
    int* slot = nullptr;
    switch (c.op) {
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
  if (eq >= 0 && !rules.bounds_with_point && (lower >= 0 || upper >= 0)) {
    lower = upper = -1;  // left to SQLite
    all_consumed = false;
  }
  auto use = [&](int i) {
    info->aConstraintUsage[i].argvIndex = ++argc;
    info->aConstraintUsage[i].omit = 1;
  };
  int plan = 0;
  double cost = costs.full_cost, rows = costs.full_rows;
  if (eq >= 0) {
    if (eq_is_in) sqlite3_vtab_in(info, eq, 1);  // runtime-guarded: vtab_in (eq_is_in needs rf.vtab_in)
    plan |= eq_is_in ? kRangeIn : kRangeEq;
    use(eq);
    cost = eq_is_in ? costs.in_cost : costs.point_cost;
    rows = eq_is_in ? costs.in_rows : costs.point_rows;
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
    cost = both ? costs.two_bounds_cost : costs.one_bound_cost;
    rows = both ? costs.two_bounds_rows : costs.one_bound_rows;
  }
  // The key is unique: rows in key order are in the order of ORDER BY key,
  // anything. (An IN list SQLite loops over itself, without sqlite3_vtab_in,
  // comes in SQLite's order: SQLite then ignores orderByConsumed itself.)
  bool order_ok = true;
  if (info->nOrderBy >= 1 && (info->aOrderBy[0].iColumn == key_column || info->aOrderBy[0].iColumn == -1)) {
    if (info->aOrderBy[0].desc) plan |= kRangeDesc;
    info->orderByConsumed = 1;
  } else if (info->nOrderBy > 0) {
    order_ok = false;
  }
  if (all_consumed && order_ok && rf.vtab_rhs_value && limit >= 0) {
    plan |= kRangeLimit;
    use(limit);
    sqlite3_value* v = nullptr;
    if (sqlite3_vtab_rhs_value(info, limit, &v) == SQLITE_OK && v && sqlite3_value_type(v) == SQLITE_INTEGER) {
      const double n = static_cast<double>(sqlite3_value_int64(v));
      if (n >= 0 && n < rows) {
        cost -= rows - n;
        rows = n;
      }
    }
    if (offset >= 0) {
      plan |= kRangeOffset;
      use(offset);
    }
  }
  info->estimatedCost = std::max(cost, 1.0);
  info->estimatedRows = static_cast<sqlite3_int64>(std::max(rows, 1.0));
  return plan;
}

}  // namespace kvx
