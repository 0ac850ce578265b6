// kvindex: xBestIndex (the plan encoding is documented in module.cpp's header).
#include <algorithm>
#include <cmath>

#include "common/firewall.hpp"
#include "common/registry.hpp"
#include "kvindex/vtab.hpp"

namespace kvx::kvindex {

// ---- planning ----------------------------------------------------------------

namespace {

bool binary_collation(sqlite3_index_info* info, int i) {
  const char* coll = sqlite3_vtab_collation(info, i);
  return !coll || sqlite3_stricmp(coll, "BINARY") == 0;
}

}  // namespace

int kvindexBestIndex(sqlite3_vtab* vtab, sqlite3_index_info* info) {
  auto* t = static_cast<Table*>(vtab);
  return guard_status(&vtab->zErrMsg, [&] {
    const RuntimeFeatures& rf = runtime_features();
    int eq = -1, lo = -1, hi = -1, limit = -1, offset = -1;
    bool in_all = false;
    for (int i = 0; i < info->nConstraint; ++i) {
      const auto& c = info->aConstraint[i];
      if (!c.usable) continue;
      if (rf.vtab_rhs_value && c.op == SQLITE_INDEX_CONSTRAINT_LIMIT) {
        limit = i;
        continue;
      }
      if (rf.vtab_rhs_value && c.op == SQLITE_INDEX_CONSTRAINT_OFFSET) {
        offset = i;
        continue;
      }
      if (c.iColumn != 0 || !binary_collation(info, i)) continue;
      switch (c.op) {
        case SQLITE_INDEX_CONSTRAINT_EQ:
          if (eq < 0 || (in_all && !(rf.vtab_in && sqlite3_vtab_in(info, i, -1)))) {
            eq = i;  // prefer a plain = over an IN list
            in_all = rf.vtab_in && sqlite3_vtab_in(info, i, -1);
          }
          break;
        case SQLITE_INDEX_CONSTRAINT_GT:
        case SQLITE_INDEX_CONSTRAINT_GE:
          if (lo < 0) lo = i;
          break;
        case SQLITE_INDEX_CONSTRAINT_LT:
        case SQLITE_INDEX_CONSTRAINT_LE:
          if (hi < 0) hi = i;
          break;
        default: break;
      }
    }
    const double n = t->state->loaded || !t->state->opts.durable
                         ? std::max<double>(static_cast<double>(t->state->index->size()), 1.0)
                         : 100000.0;
    int plan = 0, argc = 0;
    double cost, rows;
    bool ordered = true;
    if (eq >= 0) {
      if (in_all) {
        sqlite3_vtab_in(info, eq, 1);
        plan |= kIn;
        cost = rows = 10;
      } else {
        plan |= kEq;
        cost = rows = 1;
        // An IN list processed one value at a time comes in SQLite's order, not ours.
        if (rf.vtab_in && sqlite3_vtab_in(info, eq, -1))
          ordered = false;
        else
          info->idxFlags |= SQLITE_INDEX_SCAN_UNIQUE;
      }
      info->aConstraintUsage[eq].argvIndex = ++argc;
      info->aConstraintUsage[eq].omit = 1;
    } else {
      rows = n;
      if (lo >= 0) {
        plan |= info->aConstraint[lo].op == SQLITE_INDEX_CONSTRAINT_GT ? kGt : kGe;
        info->aConstraintUsage[lo].argvIndex = ++argc;
        info->aConstraintUsage[lo].omit = 1;
        rows /= 4;
      }
      if (hi >= 0) {
        plan |= info->aConstraint[hi].op == SQLITE_INDEX_CONSTRAINT_LT ? kLt : kLe;
        info->aConstraintUsage[hi].argvIndex = ++argc;
        info->aConstraintUsage[hi].omit = 1;
        rows /= 4;
      }
      cost = (lo >= 0 || hi >= 0) ? std::log2(n + 1) + rows : n + 10;
    }
    bool consumed = false;
    if (info->nOrderBy >= 1 && info->aOrderBy[0].iColumn == 0 && ordered) {
      consumed = true;
      if (info->aOrderBy[0].desc) plan |= kDesc;
      info->orderByConsumed = 1;
    }
    // LIMIT/OFFSET only bound how many rows we produce; only safe when our
    // order is the order SQLite wants (or it wants none) and SQLite filters
    // nothing after us: every other constraint (e.g. on `value`, a second
    // bound on `key`) must be one we answer and omit, or LIMIT would cut rows
    // before SQLite's own test (SELECT (SELECT key FROM t WHERE value = ?)
    // has an implicit LIMIT 1).
    bool all_consumed = true;
    for (int i = 0; i < info->nConstraint; ++i)
      if (i != limit && i != offset &&
          !(info->aConstraintUsage[i].argvIndex > 0 && info->aConstraintUsage[i].omit))
        all_consumed = false;
    if (limit >= 0 && all_consumed && (info->nOrderBy == 0 || consumed)) {
      plan |= kLimit;
      info->aConstraintUsage[limit].argvIndex = ++argc;
      sqlite3_value* lv = nullptr;
      if (sqlite3_vtab_rhs_value(info, limit, &lv) == SQLITE_OK && lv &&
          sqlite3_value_type(lv) == SQLITE_INTEGER) {
        const double l = static_cast<double>(sqlite3_value_int64(lv));
        if (l >= 0 && l < rows) {
          cost -= rows - l;
          rows = l;
        }
      }
      if (offset >= 0) {
        plan |= kOffset;
        info->aConstraintUsage[offset].argvIndex = ++argc;
      }
    }
    info->idxNum = plan;
    info->estimatedCost = std::max(cost, 1.0);
    info->estimatedRows = static_cast<sqlite3_int64>(std::max(rows, 1.0));
    return SQLITE_OK;
  });
}

}  // namespace kvx::kvindex
