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
  // Keep it for the next xOpen: xFilter resets the plan and position; drop
  // the row copies (they may be large). Its index cursor stays valid: the
  // index object lives as long as the table's State.
  c->eof = true;
  c->detached = false;
  c->saved_key = kv::Value();
  c->saved_value = kv::Value();
  c->lo = kv::Value();
  c->hi = kv::Value();
  c->keys.clear();
  try {
    t->spare.emplace_back(c);
  } catch (...) {  // no room to keep it: free it
    delete c;
  }
  return SQLITE_OK;
}

namespace {

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
    if (c->it->valid() && kv::sql_compare(c->it->key(), k) == 0) return;
    ++c->key_pos;
  }
  c->eof = true;
}

void range_settle(Cursor* c) {
  if (!c->it->valid() || !within_far_bound(c, c->it->key())) c->eof = true;
}

// One step in the plan's direction (after a write, from the saved key).
// Inlined into xNext, the hot path (an outlined call cost ~4 instructions a
// row in callgrind); the usual row costs the same two tests as before.
// A detached cursor first makes the index trustworthy (ensure_fresh): the
// change that detached it may have been an undo or a reload that stopped
// half-way (out of memory), and its re-seek must not read that half-changed
// index. It finishes the undo or reloads, or throws (the scan fails with the
// error instead of returning rows the table never had).
inline __attribute__((always_inline)) void advance(Cursor* c) {
  if (c->detached) [[unlikely]] {
    ensure_fresh(table_of(c));
    if (!c->list_mode) {
      if (c->desc)
        c->it->seek_lt(c->saved_key);
      else
        c->it->seek_gt(c->saved_key);
      range_settle(c);
      c->detached = false;
      return;
    }
    c->detached = false;  // a list cursor seeks its next key by value
  }
  if (c->list_mode) {
    ++c->key_pos;
    list_settle(c);
  } else {
    if (c->desc)
      c->it->prev();
    else
      c->it->next();
    range_settle(c);
  }
}

void take_row(Cursor* c) {
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
    c->eof = false;
    c->detached = false;
    c->desc = (plan & kPlanDesc) != 0;
    c->list_mode = (plan & (kPlanEq | kPlanIn)) != 0;
    c->keys.clear();
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
      sqlite3_value* v = next_arg();
      if (sqlite3_value_type(v) == SQLITE_NULL)
        empty = true;
      else
        c->keys.push_back(to_value(v));
    } else if (plan & kPlanIn) {  // runtime-guarded: vtab_in (plan_range sets kPlanIn only after runtime_features().vtab_in)
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
    }
    if (plan & (kPlanGt | kPlanGe)) {
      sqlite3_value* v = next_arg();
      if (sqlite3_value_type(v) == SQLITE_NULL) empty = true;
      c->has_lo = true;
      c->lo_incl = (plan & kPlanGe) != 0;
      c->lo = to_value(v);
    }
    if (plan & (kPlanLt | kPlanLe)) {
      sqlite3_value* v = next_arg();
      if (sqlite3_value_type(v) == SQLITE_NULL) empty = true;
      c->has_hi = true;
      c->hi_incl = (plan & kPlanLe) != 0;
      c->hi = to_value(v);
    }
    // LIMIT and OFFSET as SQLite reads them (int_arg); SQLite leaves the
    // OFFSET to us (the constraint is omitted).
    std::int64_t offset = 0;
    if (plan & kPlanLimit) c->remaining = int_arg(next_arg(), -1);
    if (plan & kPlanOffset) offset = std::max<std::int64_t>(0, int_arg(next_arg(), 0));
    if (empty) {
      c->eof = true;
      return SQLITE_OK;
    }
    if (c->list_mode) {
      list_settle(c);
    } else if (!c->desc) {
      if (c->has_lo) {
        if (c->lo_incl)
          c->it->seek_ge(c->lo);
        else
          c->it->seek_gt(c->lo);
      } else {
        c->it->seek_first();
      }
      range_settle(c);
    } else {
      if (c->has_hi) {
        if (c->hi_incl)
          c->it->seek_le(c->hi);
        else
          c->it->seek_lt(c->hi);
      } else {
        c->it->seek_last();
      }
      range_settle(c);
    }
    for (; offset > 0 && !c->eof; --offset) advance(c);
    take_row(c);
    return SQLITE_OK;
  });
}

int kvindexNext(sqlite3_vtab_cursor* cur) {
  auto* c = static_cast<Cursor*>(cur);
  return guard_status(&table_of(cur)->zErrMsg, [&] {
    if (c->eof) return SQLITE_OK;
    advance(c);
    take_row(c);
    return SQLITE_OK;
  });
}

int kvindexEof(sqlite3_vtab_cursor* cur) { return static_cast<Cursor*>(cur)->eof ? 1 : 0; }

namespace {

// A column's value as the result. TEXT without an embedded NUL goes in as a
// NUL-terminated string (length -1: std::string keeps the terminator), so SQLite
// marks its copy terminated; with an explicit length it is not, and every
// sqlite3_column_text()/value_text() on it reallocates to append one.
void column_result(sqlite3_context* ctx, const kv::Value& v) {
  if (v.kind == kv::Kind::text && v.bytes.size() < 0x7fffffff &&
      std::memchr(v.bytes.data(), 0, v.bytes.size()) == nullptr) {
    sqlite3_result_text(ctx, v.bytes.c_str(), -1, SQLITE_TRANSIENT);
    return;
  }
  set_result(ctx, v);
}

}  // namespace

int kvindexColumn(sqlite3_vtab_cursor* cur, sqlite3_context* ctx, int col) {
  auto* c = static_cast<Cursor*>(cur);
  return guard_status(&table_of(cur)->zErrMsg, [&] {
    if (c->eof) return SQLITE_OK;
    const kv::Value& v =
        c->detached ? (col == 0 ? c->saved_key : c->saved_value) : (col == 0 ? c->it->key() : c->it->value());
    column_result(ctx, v);
    return SQLITE_OK;
  });
}

int kvindexRowid(sqlite3_vtab_cursor* cur, sqlite3_int64* rowid) {
  *rowid = static_cast<Cursor*>(cur)->row;
  return SQLITE_OK;
}

}  // namespace kvx::kvindex
