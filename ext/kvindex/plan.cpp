// kvindex: xBestIndex, the shared range plan (common/range_plan.hpp) over
// `key` (the encoding is documented in module.cpp's header).
#include <algorithm>
#include <cmath>

#include "common/firewall.hpp"
#include "common/range_plan.hpp"
#include "kvindex/vtab.hpp"

namespace kvx::kvindex {

namespace {

// Keys may be any SQL value (collations matter); an = or IN plan leaves a
// bound on the key to SQLite.
constexpr RangeRules kKeyRules{.text_keys = true, .bounds_with_point = false};

// The figures for n keys: a bound costs a seek (log2 n) plus the rows it
// keeps (a quarter of them each); a full scan n.
RangeCosts costs_for(double n) {
  const double seek = std::log2(n + 1);
  RangeCosts c{n + 10, n, seek + n / 4, n / 4};
  c.two_bounds_cost = seek + n / 16, c.two_bounds_rows = n / 16;
  c.point_cost = 1, c.point_rows = 1;
  c.in_cost = 10, c.in_rows = 10;
  return c;
}

}  // namespace

int kvindexBestIndex(sqlite3_vtab* vtab, sqlite3_index_info* info) {
  auto* t = static_cast<Table*>(vtab);
  return guard_status(&vtab->zErrMsg, [&] {
    // An index not loaded yet (durable, first use) is assumed large.
    const double n = t->state->loaded || !t->state->opts.durable
                         ? std::max<double>(static_cast<double>(t->state->index->size()), 1.0)
                         : 100000.0;
    int argc = 0;
    const int plan = plan_range(info, kKey, argc, costs_for(n), {}, kKeyRules);
    if (plan & kPlanEq) info->idxFlags |= SQLITE_INDEX_SCAN_UNIQUE;  // key is the PRIMARY KEY
    info->idxNum = plan;
    return SQLITE_OK;
  });
}

}  // namespace kvx::kvindex
