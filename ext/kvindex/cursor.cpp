// kvindex: cursors (xOpen/xClose/xFilter/xNext/xColumn), answered from the
// in-memory index; the plan encoding is in module.cpp's header.
#include <algorithm>
#include <cstring>

#include "common/error.hpp"
#include "common/firewall.hpp"
#include "common/idx_range.hpp"
#include "common/value_bridge.hpp"
#include "index/sql_value_order.hpp"
#include "kvindex/vtab.hpp"

namespace kvx::kvindex {

namespace {
// At most this many closed cursors are kept for reuse: every statement that
// reads the table opens one (xOpen) and closes it when it ends (xClose), so
// reusing them saves their allocations and keeps the key list's capacity.
constexpr std::size_t kSpareCursors = 4;
// A kept cursor's values keep at most this much string capacity each.
constexpr std::size_t kKeptBytes = 256;
}  // namespace

// ---- scanning ----------------------------------------------------------------

int kvindexOpen(sqlite3_vtab* vtab, sqlite3_vtab_cursor** out) {
  auto* t = static_cast<Table*>(vtab);
  return guard_status(&vtab->zErrMsg, [&] {
    std::unique_ptr<Cursor> c;
    if (!t->spare.empty()) {
      c = std::move(t->spare.back());
      t->spare.pop_back();
    } else {
      c = std::make_unique<Cursor>();
    }
    t->state->cursors.push_back(c.get());
    *out = c.release();
    return SQLITE_OK;
  });
}

int kvindexClose(sqlite3_vtab_cursor* cur) {
  auto* c = static_cast<Cursor*>(cur);
  Table* t = table_of(cur);
  auto& list = t->state->cursors;
  list.erase(std::remove(list.begin(), list.end(), c), list.end());
  if (t->spare.size() >= kSpareCursors) {
    delete c;
    return SQLITE_OK;
  }
  // Keep it for the next xOpen: xFilter resets the plan and position. Values
  // it holds (row copies, bounds, keys) keep their strings' capacity for the
  // next statement unless they are large. Its index cursor stays valid: the
  // index object lives as long as the table's State.
  c->eof = true;
  c->detached = false;
  c->cur_key = c->cur_value = nullptr;
  for (kv::Value* v : {&c->saved_key, &c->saved_value, &c->lo, &c->hi})
    if (v->bytes.capacity() > kKeptBytes) *v = kv::Value();
  if (c->keys.size() > 1 || (c->keys.size() == 1 && c->keys[0].bytes.capacity() > kKeptBytes)) c->keys.clear();
  try {
    t->spare.emplace_back(c);
  } catch (...) {  // no room to keep it: free it
    delete c;
  }
  return SQLITE_OK;
}

namespace {

// A Value `bytes` bytes after p (rows of a run are run_stride bytes apart).
inline const kv::Value* offset(const kv::Value* p, std::ptrdiff_t bytes) {
  return reinterpret_cast<const kv::Value*>(reinterpret_cast<const char*>(p) + bytes);
}

// Makes r's current row the cursor's; false (nothing changed) when r is empty
// (the index cursor is past either end).
inline bool take_run(Cursor* c, const kv::IndexCursor::Run& r) {
  if (r.size == 0) return false;
  c->run_pos = r.pos;
  c->run_size = r.size;
  c->run_stride = r.stride;
  const auto at = static_cast<std::ptrdiff_t>(r.pos * r.stride);
  c->cur_key = offset(r.key, at);
  c->cur_value = offset(r.value, at);
  return true;
}

// The index cursor's row after a seek; eof past either end.
inline void settle_on_index(Cursor* c) {
  if (!take_run(c, c->it->run())) c->eof = true;
}

// Is the cursor's current key inside the range (the bound on the far side)?
bool within_far_bound(const Cursor* c, const kv::Value& k) {
  if (!c->desc) {
    if (!c->has_hi) return true;
    const int cmp = kv::sql_compare(k, c->hi);
    return cmp < 0 || (cmp == 0 && c->hi_incl);
  }
  if (!c->has_lo) return true;
  const int cmp = kv::sql_compare(k, c->lo);
  return cmp > 0 || (cmp == 0 && c->lo_incl);
}

// Positions on the next key of the EQ/IN list that exists.
void list_settle(Cursor* c) {
  while (c->key_pos < c->keys.size()) {
    const kv::Value& k = c->keys[c->key_pos];
    c->it->seek_ge(k);
    if (take_run(c, c->it->run()) && kv::sql_compare(*c->cur_key, k) == 0) return;
    ++c->key_pos;
  }
  c->eof = true;
}

void range_settle(Cursor* c) {
  if (!c->eof && !within_far_bound(c, *c->cur_key)) c->eof = true;
}

// One row on in the plan's direction inside the current run; false at its
// end (the caller then asks the index cursor: step_to_next_run).
inline bool step_in_run(Cursor* c) {
  const auto stride = static_cast<std::ptrdiff_t>(c->run_stride);
  if (!c->desc) {
    if (c->run_pos + 1 >= c->run_size) return false;
    ++c->run_pos;
    c->cur_key = offset(c->cur_key, stride);
    c->cur_value = offset(c->cur_value, stride);
  } else {
    if (c->run_pos == 0) return false;
    --c->run_pos;
    c->cur_key = offset(c->cur_key, -stride);
    c->cur_value = offset(c->cur_value, -stride);
  }
  return true;
}

void step_to_next_run(Cursor* c) {
  if (!take_run(c, c->desc ? c->it->prev_run() : c->it->next_run())) c->eof = true;
}

// One step in the plan's direction (after a write, from the saved key).
// A detached cursor first makes the index trustworthy (ensure_fresh): the
// change that detached it may have been an undo or a reload that stopped
// half-way (out of memory), and its re-seek must not read that half-changed
// index. It finishes the undo or reloads, or throws (the scan fails with the
// error instead of returning rows the table never had).
void advance(Cursor* c) {
  if (c->detached) [[unlikely]] {
    ensure_fresh(table_of(c));
    c->detached = false;
    c->cur_key = c->cur_value = nullptr;  // the saved row stays until the seek is done
    if (!c->list_mode) {
      if (c->desc)
        c->it->seek_lt(c->saved_key);
      else
        c->it->seek_gt(c->saved_key);
      settle_on_index(c);
      range_settle(c);
      return;
    }
    // a list cursor seeks its next key by value
  }
  if (c->list_mode) {
    ++c->key_pos;
    list_settle(c);
  } else {
    if (!step_in_run(c)) step_to_next_run(c);
    range_settle(c);
  }
}

inline void take_row(Cursor* c) {
  if (c->eof) return;
  if (c->remaining == 0) {
    c->eof = true;
    return;
  }
  if (c->remaining > 0) --c->remaining;
  ++c->row;
}

}  // namespace

int kvindexFilter(sqlite3_vtab_cursor* cur, int plan, const char*, int argc, sqlite3_value** argv) {
  auto* c = static_cast<Cursor*>(cur);
  Table* t = table_of(cur);
  return guard_status(&t->zErrMsg, [&] {
    ensure_fresh(t);
    if (!c->it) c->it = t->state->index->cursor();  // the index object lives as long as the table
    c->eof = true;  // until positioned: a failure below leaves no row to read
    c->detached = false;
    c->cur_key = c->cur_value = nullptr;
    c->length_limit = static_cast<std::size_t>(std::max(0, sqlite3_limit(t->db, SQLITE_LIMIT_LENGTH, -1)));
    c->desc = (plan & kPlanDesc) != 0;
    c->list_mode = (plan & (kPlanEq | kPlanIn)) != 0;
    c->key_pos = 0;
    c->has_lo = c->has_hi = false;
    c->remaining = -1;
    c->row = 0;
    int a = 0;
    auto next_arg = [&]() -> sqlite3_value* {
      if (a >= argc) kv::fail(kv::Errc::internal, "kvindex: xFilter got fewer arguments than planned");
      return argv[a++];
    };
    bool empty = false;
    if (plan & kPlanEq) {
      // One key, written over keys[0] (no allocation for a number or a key
      // that fits the string it had).
      sqlite3_value* v = next_arg();
      if (sqlite3_value_type(v) == SQLITE_NULL) {
        empty = true;
      } else {
        c->keys.resize(1);
        assign_value(c->keys[0], v);
      }
    } else if (plan & kPlanIn) {  // runtime-guarded: vtab_in (plan_range sets kPlanIn only after runtime_features().vtab_in)
      c->keys.clear();
      sqlite3_value* list = next_arg();
      sqlite3_value* v = nullptr;
      for (int rc = sqlite3_vtab_in_first(list, &v); rc == SQLITE_OK && v;
           rc = sqlite3_vtab_in_next(list, &v))
        if (sqlite3_value_type(v) != SQLITE_NULL) c->keys.push_back(to_value(v));
      std::sort(c->keys.begin(), c->keys.end(), kv::SqlLess());
      c->keys.erase(
          std::unique(c->keys.begin(), c->keys.end(),
                      [](const kv::Value& x, const kv::Value& y) { return kv::sql_compare(x, y) == 0; }),
          c->keys.end());
      if (c->desc) std::reverse(c->keys.begin(), c->keys.end());
    } else {
      c->keys.clear();
    }
    if (plan & (kPlanGt | kPlanGe)) {
      sqlite3_value* v = next_arg();
      if (sqlite3_value_type(v) == SQLITE_NULL) empty = true;
      c->has_lo = true;
      c->lo_incl = (plan & kPlanGe) != 0;
      assign_value(c->lo, v);
    }
    if (plan & (kPlanLt | kPlanLe)) {
      sqlite3_value* v = next_arg();
      if (sqlite3_value_type(v) == SQLITE_NULL) empty = true;
      c->has_hi = true;
      c->hi_incl = (plan & kPlanLe) != 0;
      assign_value(c->hi, v);
    }
    // LIMIT and OFFSET as SQLite reads them (int_arg); SQLite leaves the
    // OFFSET to us (the constraint is omitted).
    std::int64_t offset = 0;
    if (plan & kPlanLimit) c->remaining = int_arg(next_arg(), -1);
    if (plan & kPlanOffset) offset = std::max<std::int64_t>(0, int_arg(next_arg(), 0));
    if (empty) return SQLITE_OK;
    c->eof = false;
    if (c->list_mode) {
      list_settle(c);
    } else {
      if (!c->desc) {
        if (!c->has_lo)
          c->it->seek_first();
        else if (c->lo_incl)
          c->it->seek_ge(c->lo);
        else
          c->it->seek_gt(c->lo);
      } else {
        if (!c->has_hi)
          c->it->seek_last();
        else if (c->hi_incl)
          c->it->seek_le(c->hi);
        else
          c->it->seek_lt(c->hi);
      }
      settle_on_index(c);
      range_settle(c);
    }
    for (; offset > 0 && !c->eof; --offset) advance(c);
    take_row(c);
    return SQLITE_OK;
  });
}

namespace {

// A range scan's step past the end of its run (IndexCursor::next_run and
// prev_run do not throw).
[[gnu::noinline]] int next_across_runs(Cursor* c) {
  step_to_next_run(c);
  range_settle(c);
  take_row(c);
  return SQLITE_OK;
}

// xNext's general path (out of line: the usual row needs no stack frame).
[[gnu::noinline]] int next_slow(Cursor* c) {
  if (c->list_mode && !c->detached && c->key_pos + 1 >= c->keys.size()) {
    c->eof = true;  // the list's last key (an EQ's only one) was the row
    return SQLITE_OK;
  }
  return guard_status(&table_of(c)->zErrMsg, [&] {
    advance(c);
    take_row(c);
    return SQLITE_OK;
  });
}

// The far bound of a range scan, checked on a row inside a run.
[[gnu::noinline]] void check_far_bound(Cursor* c) {
  if (!within_far_bound(c, *c->cur_key)) c->eof = true;
}

}  // namespace

// The usual row of a range scan steps inside the current run with no call
// at all (unless the range has a far bound to compare with); a run's end asks
// the index cursor for the next one (a skip list: every row); list plans and
// detached cursors take the general path.
int kvindexNext(sqlite3_vtab_cursor* cur) {
  auto* c = static_cast<Cursor*>(cur);
  if (c->eof) return SQLITE_OK;
  if (!c->detached && !c->list_mode) [[likely]] {
    if (!step_in_run(c)) return next_across_runs(c);
    if (c->desc ? c->has_lo : c->has_hi) check_far_bound(c);
    take_row(c);
    return SQLITE_OK;
  }
  return next_slow(c);
}

int kvindexEof(sqlite3_vtab_cursor* cur) { return static_cast<Cursor*>(cur)->eof ? 1 : 0; }

// A column's value as the result, straight from the index's row (or the
// detached copy). TEXT without an embedded NUL goes in as a NUL-terminated
// string (length -1: std::string keeps the terminator), so SQLite marks its
// copy terminated; with an explicit length it is not, and every
// sqlite3_column_text()/value_text() on it reallocates to append one
// (callgrind, SQLite 3.40: ~1,600 instructions a row). Numbers and such TEXT
// within the length limit xFilter saw cannot fail here; anything else goes
// through set_stored_result under the guard (a longer TEXT: SQLITE_TOOBIG with
// a kohakuvault: message).
namespace {

// Any other value (out of line: the usual column needs no stack frame),
// exactly as stored: TEXT with a NUL keeps its bytes, valid UTF-8 or not.
[[gnu::noinline]] int column_slow(Cursor* c, sqlite3_context* ctx, const kv::Value& v) {
  return guard_status(&table_of(c)->zErrMsg, [&] {
    set_stored_result(ctx, v);
    return SQLITE_OK;
  });
}

}  // namespace

int kvindexColumn(sqlite3_vtab_cursor* cur, sqlite3_context* ctx, int col) {
  auto* c = static_cast<Cursor*>(cur);
  if (c->eof) return SQLITE_OK;
  const kv::Value& v = col == kKey ? *c->cur_key : *c->cur_value;
  if (v.kind == kv::Kind::integer) {
    sqlite3_result_int64(ctx, v.i);
    return SQLITE_OK;
  }
  if (v.kind == kv::Kind::text && v.bytes.size() <= c->length_limit &&
      std::memchr(v.bytes.data(), 0, v.bytes.size()) == nullptr) {
    sqlite3_result_text(ctx, v.bytes.c_str(), -1, SQLITE_TRANSIENT);
    return SQLITE_OK;
  }
  if (v.kind == kv::Kind::real) {
    sqlite3_result_double(ctx, v.r);
    return SQLITE_OK;
  }
  return column_slow(c, ctx, v);
}

int kvindexRowid(sqlite3_vtab_cursor* cur, sqlite3_int64* rowid) {
  *rowid = static_cast<Cursor*>(cur)->row;
  return SQLITE_OK;
}

}  // namespace kvx::kvindex
