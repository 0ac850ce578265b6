// The arguments of an eponymous table-valued function. SQLite passes them as
// '=' constraints on the HIDDEN columns declared after the visible ones
// (kvcolumn_stats, kvcolumn_buckets, kvcolumn_knn, kv_unpack_each):
//
//   xBestIndex  return plan_hidden_args(info, first, count, required, usage);
//               idxNum bit k set = hidden column first + k is given; xFilter's
//               argv holds the given ones in column order.
//   xFilter     cursor->args.take(idxNum, argc, argv);
//               cursor->args.at(k): hidden argument k, nullptr when omitted
//   xColumn     cursor->args.result(ctx, k): shows hidden argument k as given
//               (NULL when omitted), as SQLite expects of a hidden column.
#pragma once

#include <new>
#include <string>

#include "common/error.hpp"
#include "common/sqlite.hpp"

namespace kvx {

// Plans the usable '=' constraints on hidden columns [first, first + count)
// (count <= 30): argvIndex in column order, omit, idxNum as above. When one
// of the first `required` arguments is missing: SQLITE_CONSTRAINT if some
// hidden argument is constrained but not usable in this plan (the planner
// then tries another join order), else kv::Error invalid_argument `usage`
// ("fn needs its table argument: fn(table [, ...])").
inline int plan_hidden_args(sqlite3_index_info* info, int first, int count, int required,
                            const std::string& usage) {
  constexpr int kMaxArgs = 30;
  int where[kMaxArgs];
  for (int k = 0; k < count; ++k) where[k] = -1;
  bool unusable = false;
  for (int i = 0; i < info->nConstraint; ++i) {
    const auto& c = info->aConstraint[i];
    if (c.iColumn < first || c.iColumn >= first + count || c.op != SQLITE_INDEX_CONSTRAINT_EQ) continue;
    if (!c.usable) {
      unusable = true;
      continue;
    }
    where[c.iColumn - first] = i;
  }
  for (int k = 0; k < required; ++k)
    if (where[k] < 0) {
      if (unusable) return SQLITE_CONSTRAINT;
      kv::fail(kv::Errc::invalid_argument, usage);
    }
  int plan = 0, argn = 0;
  for (int k = 0; k < count; ++k) {
    if (where[k] < 0) continue;
    plan |= 1 << k;
    info->aConstraintUsage[where[k]].argvIndex = ++argn;
    info->aConstraintUsage[where[k]].omit = 1;
  }
  info->idxNum = plan;
  return SQLITE_OK;
}

// A cursor's copies (sqlite3_value_dup) of the N hidden arguments of its
// current xFilter call: they outlive xFilter for xColumn.
template <int N>
class HiddenArgs {
 public:
  HiddenArgs() = default;
  HiddenArgs(const HiddenArgs&) = delete;
  HiddenArgs& operator=(const HiddenArgs&) = delete;
  ~HiddenArgs() {
    for (sqlite3_value*& v : copies_) sqlite3_value_free(v);
  }

  // Replaces the copies with the arguments xFilter got under plan `idx_num`
  // (plan_hidden_args' encoding).
  void take(int idx_num, int argc, sqlite3_value** argv) {
    sqlite3_value* given[N] = {};
    for (int k = 0, a = 0; k < N; ++k)
      if ((idx_num & (1 << k)) && a < argc) given[k] = argv[a++];
    for (int k = 0; k < N; ++k) {
      sqlite3_value_free(copies_[k]);
      copies_[k] = given[k] ? sqlite3_value_dup(given[k]) : nullptr;
      if (given[k] && !copies_[k]) throw std::bad_alloc();
    }
  }
  sqlite3_value* at(int k) const { return copies_[k]; }
  void result(sqlite3_context* ctx, int k) const {
    if (copies_[k])
      sqlite3_result_value(ctx, copies_[k]);
    else
      sqlite3_result_null(ctx);
  }

 private:
  sqlite3_value* copies_[N] = {};
};

}  // namespace kvx
