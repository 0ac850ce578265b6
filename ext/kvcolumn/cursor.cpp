// kvcolumn reads: cursors, constraint values -> idx ranges, element values.
#include <algorithm>
#include <limits>

#include "common/error.hpp"
#include "common/firewall.hpp"
#include "common/idx_range.hpp"
#include "kvcolumn/kvcolumn.hpp"
#include "common/value_bridge.hpp"

namespace kvx::kvcolumn {

namespace {

void position(Cursor* cur) {
  if (cur->remaining == 0) {
    cur->eof = true;
    return;
  }
  cur->eof = cur->use_list ? cur->list_pos >= cur->list.size() : cur->lo >= cur->hi;
}

}  // namespace

// xFilter: starts a scan for the plan chosen by xBestIndex (argv order documented there).
int kvcolumnFilter(sqlite3_vtab_cursor* cursor, int plan, const char*, int, sqlite3_value** argv) {
  Cursor* cur = static_cast<Cursor*>(cursor);
  Table* t = cur->table();
  return guard_status(&t->zErrMsg, [&] {
    t->revalidate();
    t->column->settle();  // a previous statement's deletes renumber now
    const std::int64_t length = static_cast<std::int64_t>(t->column->length());
    int arg = 0;
    Interval range;
    range.lo = 0;
    range.hi = length - 1;
    cur->use_list = false;
    cur->list.clear();
    // runtime-guarded: vtab_in (xBestIndex sets kPlanIn only after checking runtime_features().vtab_in)
    if (plan & kPlanIn) {
      cur->use_list = true;
      sqlite3_value* v = nullptr;
      for (int rc = sqlite3_vtab_in_first(argv[arg], &v); rc == SQLITE_OK && v;
           rc = sqlite3_vtab_in_next(argv[arg], &v)) {
        Interval one;
        narrow(one, IdxOp::eq, v);
        if (!one.empty() && one.lo >= 0 && one.lo < length)
          cur->list.push_back(static_cast<std::uint64_t>(one.lo));
      }
      ++arg;
    } else if (plan & kPlanEq) {
      narrow(range, IdxOp::eq, argv[arg++]);
    }
    if (plan & (kPlanGt | kPlanGe)) narrow(range, plan & kPlanGt ? IdxOp::gt : IdxOp::ge, argv[arg++]);
    if (plan & (kPlanLt | kPlanLe)) narrow(range, plan & kPlanLt ? IdxOp::lt : IdxOp::le, argv[arg++]);
    std::int64_t limit = -1, offset = 0;
    if (plan & kPlanLimit) limit = int_arg(argv[arg++], -1);
    if (plan & kPlanOffset) offset = std::max<std::int64_t>(0, int_arg(argv[arg++], 0));
    cur->desc = plan & kPlanDesc;
    if (cur->use_list) {
      auto& l = cur->list;
      std::sort(l.begin(), l.end());
      l.erase(std::unique(l.begin(), l.end()), l.end());
      l.erase(std::remove_if(l.begin(), l.end(),
                             [&](std::uint64_t x) {
                               auto s = static_cast<std::int64_t>(x);
                               return s < range.lo || s > range.hi;
                             }),
              l.end());
      if (cur->desc) std::reverse(l.begin(), l.end());
      std::size_t skip = std::min<std::size_t>(l.size(), static_cast<std::size_t>(offset));
      l.erase(l.begin(), l.begin() + static_cast<std::ptrdiff_t>(skip));
      cur->list_pos = 0;
      cur->remaining = limit < 0 ? UINT64_MAX : static_cast<std::uint64_t>(limit);
    } else {
      if (range.lo < 0) range.lo = 0;
      if (range.hi > length - 1) range.hi = length - 1;
      std::uint64_t lo = 0, hi = 0;  // [lo, hi)
      if (!range.empty())
        lo = static_cast<std::uint64_t>(range.lo), hi = static_cast<std::uint64_t>(range.hi) + 1;
      std::uint64_t skip = std::min<std::uint64_t>(hi - lo, static_cast<std::uint64_t>(offset));
      if (cur->desc)
        hi -= skip;
      else
        lo += skip;
      cur->lo = lo;
      cur->hi = hi;
      cur->cur = cur->desc ? hi - 1 : lo;
      cur->remaining = limit < 0 ? UINT64_MAX : static_cast<std::uint64_t>(limit);
    }
    cur->run_data = nullptr;
    cur->run_first = cur->run_end = 0;
    cur->in_update = plan & kPlanAllColumns;
    position(cur);
    return SQLITE_OK;
  });
}

namespace {

// What an open scan sees when this connection writes the table between two
// of its steps (docs/kvcolumn.md "Open cursors and writes"): each step yields
// the row at the next idx of the plan as the column is NOW, and the scan ends
// at the column's current end. So rows inserted/deleted before the cursor's
// position shift what it sees (they may or may not be seen, as in SQLite),
// but it never yields a row that does not exist (no phantom idx, no NULL).
// Deletes recorded by a finished statement are applied first (settle()).
void clamp_to_length(Cursor* cur, Table* t) {
  if (cur->eof) return;
  t->column->settle();
  const std::uint64_t length = t->column->length();
  if (cur->use_list) {  // ascending or descending list: skip the indexes past the end
    while (cur->list_pos < cur->list.size() && cur->list[cur->list_pos] >= length) ++cur->list_pos;
  } else if (cur->desc) {
    if (cur->cur >= length) {
      if (length == 0 || length - 1 < cur->lo)
        cur->hi = cur->lo;  // nothing left in the range
      else
        cur->cur = length - 1, cur->hi = length;
    }
  } else if (cur->hi > length) {
    cur->hi = length;
  }
  position(cur);
}

}  // namespace

// xNext: the next idx in plan order; stops at the (current) end of the column.
int kvcolumnNext(sqlite3_vtab_cursor* cursor) {
  Cursor* cur = static_cast<Cursor*>(cursor);
  if (cur->remaining != UINT64_MAX) --cur->remaining;
  if (cur->use_list) {
    ++cur->list_pos;
  } else if (cur->desc) {
    if (cur->cur == cur->lo)
      cur->hi = cur->lo;  // done
    else
      --cur->cur, cur->hi = cur->cur + 1;
  } else {
    cur->lo = ++cur->cur;
  }
  position(cur);
  Table* t = cur->table();
  return guard_status(&t->zErrMsg, [&] {
    clamp_to_length(cur, t);
    return SQLITE_OK;
  });
}

// xEof.
int kvcolumnEof(sqlite3_vtab_cursor* cursor) { return static_cast<Cursor*>(cursor)->eof; }

namespace {

// The packed bytes of element i into `out`; false when the row went away under
// this cursor (its column is NULL then). Fixed-size columns keep a window of
// up to 4096 elements per read (one for descending and IN scans).
inline bool element_bytes(Cursor* cur, Table* t, std::uint64_t i, std::string_view& out) {
  if (t->var) {
    kv::VarColumn& c = *t->var;  // one element per read; its view is valid until the next read
    if (i >= c.length()) return false;
    out = c.read_run(i, 1);
    return true;
  }
  kv::FixedColumn& c = *t->fixed;  // the concrete (final) class: inlined epoch()/elem_size() per row
  const std::uint64_t E = c.elem_size();
  if (cur->run_epoch != c.epoch() || i < cur->run_first || i >= cur->run_end) {
    if (i >= c.length()) return false;
    std::string_view run = c.read_run(i, cur->desc || cur->use_list ? 1 : 4096);
    cur->run_data = run.data();
    cur->run_first = i;
    cur->run_end = i + run.size() / E;
    cur->run_epoch = c.epoch();
  }
  out = std::string_view(cur->run_data + (i - cur->run_first) * E, E);
  return true;
}

}  // namespace

// xColumn: idx, the decoded value, the packed bytes (raw), or NULL for the
// command column. In an UPDATE, value and raw are not produced when the
// statement does not assign them (sqlite3_vtab_nochange): xUpdate then knows
// which of the two was assigned, and an UPDATE of one never decodes the other.
// Only cursors of plans that use every column (an UPDATE marks them all used,
// kPlanAllColumns) ask, so SELECTs never pay for the call.
int kvcolumnColumn(sqlite3_vtab_cursor* cursor, sqlite3_context* ctx, int col) {
  Cursor* cur = static_cast<Cursor*>(cursor);
  Table* t = cur->table();
  return guard_status(&t->zErrMsg, [&] {
    const std::uint64_t i = cur->current();
    if (col == kIdx) {
      sqlite3_result_int64(ctx, static_cast<sqlite3_int64>(i));
      return SQLITE_OK;
    }
    if (col == kCommand || (cur->in_update && sqlite3_vtab_nochange(ctx)))
      return SQLITE_OK;  // NULL / unchanged
    std::string_view e;
    if (!element_bytes(cur, t, i, e)) return SQLITE_OK;  // NULL
    if (col == kValue) {
      result_element(ctx, t->options.dtype, e);
    } else if (e.empty()) {
      sqlite3_result_zeroblob(ctx, 0);  // x'' (a null pointer would make it NULL)
    } else {
      sqlite3_result_blob64(ctx, e.data(), e.size(), SQLITE_TRANSIENT);
    }
    return SQLITE_OK;
  });
}

// xRowid: the rowid is idx.
int kvcolumnRowid(sqlite3_vtab_cursor* cursor, sqlite3_int64* rowid) {
  *rowid = static_cast<sqlite3_int64>(static_cast<Cursor*>(cursor)->current());
  return SQLITE_OK;
}

}  // namespace kvx::kvcolumn
