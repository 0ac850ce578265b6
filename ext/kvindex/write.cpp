// kvindex: writes (xUpdate) and transactions (xBegin, xSync, xCommit,
// xRollback, savepoints): the undo journal and the shadow-table write at
// commit (see module.cpp and shadow.cpp).
#include <algorithm>

#include "common/error.hpp"
#include "common/firewall.hpp"
#include "common/update_args.hpp"
#include "index/sql_value_order.hpp"
#include "kvindex/vtab.hpp"

namespace kvx::kvindex {

// ---- writing -------------------------------------------------------------------

namespace {

[[noreturn]] void duplicate_key(const Table* t, const kv::Value& k) {
  kv::fail(kv::Errc::constraint, table_label(t) + ": UNIQUE constraint failed: key " +
                                     kv::describe_value(k.view()) + " already exists");
}

void null_key(const Table* t) {
  kv::fail(kv::Errc::constraint, table_label(t) + ": NOT NULL constraint failed: key must not be NULL");
}

}  // namespace

int kvindexUpdate(sqlite3_vtab* vtab, int argc, sqlite3_value** argv, sqlite3_int64*) {
  auto* t = static_cast<Table*>(vtab);
  return guard_status(&vtab->zErrMsg, [&] {
    State& s = *t->state;
    ensure_fresh(t);
    s.synced = false;
    const UpdateArgs u = decode_update(argc, argv);  // columns: key, value
    if (u.kind == UpdateKind::remove) {
      const kv::Value k = to_value(u.old_row);
      detach_cursors(t);
      s.journal.erase(*s.index, k);
      return SQLITE_OK;
    }
    if (u.is_null(0)) null_key(t);
    const kv::Value k = to_value(u.column(0));
    kv::Value v = to_value(u.column(1));
    const bool replace = sqlite3_vtab_on_conflict(t->db) == SQLITE_REPLACE;
    if (u.kind == UpdateKind::insert && !replace) {  // INSERT: one search
      detach_cursors(t);
      if (!s.journal.insert_new(*s.index, k, std::move(v))) duplicate_key(t, k);
      return SQLITE_OK;
    }
    if (u.kind == UpdateKind::insert) {  // INSERT OR REPLACE; an append needs no lookup
      const auto found = s.journal.past_end(*s.index, k) ? kv::OrderedIndex::Found{} : s.index->lookup(k);
      detach_cursors(t);
      s.journal.put(*s.index, k, v, found);
      return SQLITE_OK;
    }
    // UPDATE: old_row is the old key.
    const kv::Value old = to_value(u.old_row);
    const bool moves = kv::sql_compare(old, k) != 0;
    if (moves && s.index->lookup(k).key && !replace) duplicate_key(t, k);
    detach_cursors(t);
    if (moves) s.journal.erase(*s.index, old);
    s.journal.put(*s.index, k, v, s.index->lookup(k));
    return SQLITE_OK;
  });
}

// ---- transactions ----------------------------------------------------------------

// The transaction methods act once per table on the state every sqlite3_vtab
// of the table shares (TxnFanIn, common/vtab_state.hpp).
int kvindexBegin(sqlite3_vtab* vtab) {
  auto* t = static_cast<Table*>(vtab);
  return guard_status(&vtab->zErrMsg, [&] {
    State& s = *t->state;
    s.txn.join(&t->joining, [&] {
      ensure_fresh(t);
      s.journal.clear();
      // Appends are packed for the commit's _log record / snapshot (format 2 only).
      s.journal.pack_appends(s.opts.durable && !s.dropped && s.stored.format == kFormatVersion);
      s.written_seq = s.stored.seq;
      s.written_log = s.stored.log_entries;
      s.written_snap = s.stored.snap_entries;
      s.synced = false;
    });
    return SQLITE_OK;
  });
}

namespace {
// The log may hold this many entries before a commit rewrites the snapshot
// instead, or half the snapshot's pairs when that is more.
constexpr std::size_t kMinLogEntries = 1024;
}  // namespace

// Writes the transaction into the shadow tables, inside SQLite's transaction
// (its own rollback covers them). Format 2: one _log record of the touched
// keys, or a new snapshot when the log would outgrow half of it. Runs once
// per change: a second xSync (another sqlite3_vtab of the table, or COMMIT
// retried after SQLITE_BUSY) writes only when something changed since.
int kvindexSync(sqlite3_vtab* vtab) {
  auto* t = static_cast<Table*>(vtab);
  return guard_status(&vtab->zErrMsg, [&] {
    State& s = *t->state;
    s.journal.settle(*s.index);  // an interrupted ROLLBACK TO: never write a half-undone index
    if (!s.opts.durable || s.dropped || s.journal.empty() || s.synced) return SQLITE_OK;
    if (s.stored.format == kFormatDataTable) {
      t->shadow->flush(s.journal.changes(*s.index));
    } else if (s.written_log + s.journal.size() > std::max(kMinLogEntries, s.written_snap / 2)) {
      // A load into an empty table: its appends were packed as snapshot runs.
      s.written_snap = s.journal.packed_is_everything() ? t->shadow->compact(s.written_seq, *s.journal.packed_appends())
                                                        : t->shadow->compact(s.written_seq, *s.index);
      s.written_log = 0;
      ++s.written_seq;
    } else if (const kv::PackedPuts* appended = s.journal.packed_appends()) {
      const auto recorded = s.journal.recorded_changes(*s.index);
      t->shadow->append(s.written_seq, recorded, appended);
      s.written_log += recorded.size() + appended->entries();
      ++s.written_seq;
    } else {
      const auto changes = s.journal.changes(*s.index);
      t->shadow->append(s.written_seq, changes);
      s.written_log += changes.size();
      ++s.written_seq;
    }
    s.synced = true;
    return SQLITE_OK;
  });
}

int kvindexCommit(sqlite3_vtab* vtab) {
  auto* t = static_cast<Table*>(vtab);
  return guard_status(&vtab->zErrMsg, [&] {
    State& s = *t->state;
    if (!s.txn.end()) return SQLITE_OK;
    s.journal.clear();
    s.synced = false;
    if (s.opts.durable && !s.dropped) {
      s.freshness.remember(t->db, t->shadow->schema());
      s.stored.seq = s.written_seq;
      s.stored.log_entries = s.written_log;
      s.stored.snap_entries = s.written_snap;
    }
    return SQLITE_OK;
  });
}

// SQLite ignores what xRollback returns, and the undo can fail (out of
// memory) like any write: then a durable table forgets its index (the next
// use reloads it from the shadow tables, which hold the state the rollback
// restores), and a memory table keeps the undo pending: every later use
// finishes it first (freshness.cpp ensure_fresh), so a half-undone index is
// never read.
int kvindexRollback(sqlite3_vtab* vtab) {
  auto* t = static_cast<Table*>(vtab);
  return guard_status(&vtab->zErrMsg, [&] {
    State& s = *t->state;
    if (!s.txn.end()) return SQLITE_OK;
    s.synced = false;
    detach_cursors_for_undo(t);
    try {
      s.journal.rollback_all(*s.index);
    } catch (...) {
      if (!s.opts.durable || s.dropped) throw;
      forget_index(s);
      throw;
    }
    s.journal.clear();
    return SQLITE_OK;
  });
}

int kvindexSavepoint(sqlite3_vtab* vtab, int level) {
  auto* t = static_cast<Table*>(vtab);
  return guard_status(&vtab->zErrMsg, [&] {
    State& s = *t->state;
    s.journal.settle(*s.index);  // an interrupted ROLLBACK TO finishes before a new level opens
    if (s.txn.savepoint(level, &t->joining)) s.journal.savepoint(level);
    return SQLITE_OK;
  });
}

int kvindexRelease(sqlite3_vtab* vtab, int level) {
  auto* t = static_cast<Table*>(vtab);
  return guard_status(&vtab->zErrMsg, [&] {
    t->state->txn.release(level);
    t->state->journal.release(level);
    return SQLITE_OK;
  });
}

int kvindexRollbackTo(sqlite3_vtab* vtab, int level) {
  auto* t = static_cast<Table*>(vtab);
  return guard_status(&vtab->zErrMsg, [&] {
    t->state->txn.rollback_to(level);
    detach_cursors_for_undo(t);
    // A throw leaves the rest of the undo pending: the next statement (or
    // xSync, xSavepoint, xRollback) finishes it before it touches the index.
    t->state->journal.rollback_to(level, *t->state->index);
    return SQLITE_OK;
  });
}

}  // namespace kvx::kvindex
