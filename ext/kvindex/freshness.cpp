// kvindex: bringing a table's in-memory index up to date with its shadow
// tables (first use, other connections' commits), and detaching open cursors
// before the index changes under them (see module.cpp).
#include "common/error.hpp"
#include "kvindex/counters.hpp"
#include "kvindex/vtab.hpp"

namespace kvx::kvindex {

namespace {

// Copies c's row (strong: copies first, then moves) and points the cursor's
// row at the copies; false when it has none to copy.
bool detach(Cursor* c) {
  if (c->eof || c->detached || !c->cur_key) return false;
  kv::Value key(*c->cur_key);
  kv::Value value(*c->cur_value);
  c->saved_key = std::move(key);
  c->saved_value = std::move(value);
  c->cur_key = &c->saved_key;
  c->cur_value = &c->saved_value;
  c->detached = true;
  return true;
}

}  // namespace

// Before any change to the index: open cursors copy their row.
void detach_cursors(Table* t) {
  for (Cursor* c : t->state->cursors) detach(c);
}

// Before an undo, which must happen even when a cursor cannot copy its row
// (out of memory): that cursor ends its scan rather than keep a position in
// nodes the undo may free. Other statements' scans of the table stay open
// across every rollback (ROLLBACK TO, a statement's rollback, and also the
// whole transaction's: SQLite trips only B-tree cursors), so these can end
// early here. The cursors that copied their row re-seek only once the undo is
// complete (cursor.cpp advance: ensure_fresh), never into a half-undone index
// (tests/fault/test_kvindex_undo_scan.cpp).
void detach_cursors_for_undo(Table* t) noexcept {
  for (Cursor* c : t->state->cursors) {
    try {
      detach(c);
    } catch (...) {
      c->eof = true;
    }
  }
}

// The index can no longer be trusted (an undo failed): the next use rebuilds
// it from the shadow tables, which hold the committed state.
void forget_index(State& s) noexcept {
  s.loaded = false;
  s.journal.clear();
}

// Rebuilds the index from the shadow tables.
namespace {

void full_load(Table* t) {
  State& s = *t->state;
  detach_cursors(t);
  s.loaded = false;  // stays false if loading fails: the next use tries again
  s.journal.clear();
  s.stored = t->shadow->load(s.opts, *s.index);
  s.loaded = true;
  count_full_load();
}

// The database changed since the last check (remembered in s.freshness):
// did another connection commit, and to this table? If this throws part-way
// the version is forgotten, so the next statement checks again.
[[gnu::noinline]] void catch_up_with_others(Table* t) {
  State& s = *t->state;
  try {
    const long long others =
        s.others.read(t->db, t->shadow->schema(), table_label(t) + ": reading the data version");
    if (s.loaded && others == s.others_version) return;  // only this connection committed
    bool fresh = false;
    if (s.loaded && s.stored.format == kFormatVersion) {
      const auto [seq, snap_seq] = t->shadow->seqs();
      if (seq == s.stored.seq) {
        fresh = true;  // another table changed
      } else if (seq > s.stored.seq && snap_seq <= s.stored.seq) {
        detach_cursors(t);
        s.loaded = false;
        t->shadow->catch_up(s.stored.seq, *s.index, s.stored);
        s.loaded = true;
        count_catch_up();
        fresh = s.stored.seq == seq;
      }
    }
    if (!fresh) full_load(t);
    s.others_version = others;
  } catch (...) {
    s.freshness.forget();
    throw;
  }
}

}  // namespace

// Makes the index current: builds it on first use, catches up after another
// connection committed. Not during our own write transaction (nobody else can
// commit then, and our uncommitted changes live only in memory).
//  * SQLITE_FCNTL_DATA_VERSION unchanged: nobody committed (the usual case;
//    one file-control call);
//  * PRAGMA data_version unchanged: only this connection committed;
//  * format 2: _info seq unchanged: the commit was to something else; seq
//    moved and the log still holds every record after ours: replay them;
//  * else (log compacted past us, or a format 1 table): full reload.
// First of all, an undo that failed half-way (write.cpp) is finished.
void ensure_fresh(Table* t) {
  State& s = *t->state;
  if (s.journal.undo_pending()) {  // a rollback that failed half-way finishes before any use
    detach_cursors_for_undo(t);
    s.journal.settle(*s.index);
  }
  if (!s.opts.durable) return;
  if (s.txn.in_txn && s.loaded) return;
  if (!s.freshness.changed(t->db, t->shadow->schema()) && s.loaded) return;  // nobody committed anything
  catch_up_with_others(t);  // out of line: the check above runs at every xFilter
}

}  // namespace kvx::kvindex
