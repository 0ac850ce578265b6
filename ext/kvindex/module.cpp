// kvindex — an ordered key -> value map answered from an in-memory CSB+-tree
// or concurrent skip list (src/index/csbtree.hpp, src/index/skiplist.hpp), durable and
// transactional like an ordinary table.
//
//   CREATE VIRTUAL TABLE by_name USING kvindex(csbtree);               -- order=63
//   CREATE VIRTUAL TABLE wide    USING kvindex(csbtree, order=127);
//   CREATE VIRTUAL TABLE hot     USING kvindex(skiplist);
//   CREATE VIRTUAL TABLE scratch USING kvindex(csbtree, storage=memory);
//   INSERT INTO by_name VALUES ('ann', 1), ('bob', 2);
//   SELECT value FROM by_name WHERE key >= 'a' AND key < 'b' ORDER BY key DESC LIMIT 10;
//
// Arguments: the backend (csbtree, the default, or skiplist), then options
//   order=N           CSB+-tree keys per node, 3..4096 (default 63); csbtree only
//   storage=disk      (default) every committed change is in the shadow table
//   storage=memory    no shadow data: contents live as long as the connection
//                     (they survive schema reparses, VACUUM and ALTER TABLE
//                     RENAME, not closing the connection; other connections see
//                     an empty table of their own)
// Unknown backends/options are errors that name them.
//
// Declared schema:  CREATE TABLE x(key PRIMARY KEY NOT NULL, value) WITHOUT ROWID
// Keys order as SQLite orders values of a column with no affinity and BINARY
// collation (src/index/sql_value_order.hpp): numbers (INTEGER and REAL interleaved,
// 2 and 2.0 are the same key) < TEXT < BLOB. A NULL key is a constraint error.
// xUpdate gets argv[0] = old key (DELETE/UPDATE), argv[2] = new key, argv[3] =
// value. With SQLITE_VTAB_CONSTRAINT_SUPPORT, a duplicate key returns
// SQLITE_CONSTRAINT before changing anything (SQLite then applies OR IGNORE /
// ABORT / FAIL / ROLLBACK); OR REPLACE replaces, key representation included.
//
// Shadow tables (created in xCreate, listed in xShadowName, renamed in
// xRename, dropped in xDestroy; layouts and the commit/compaction rule in
// shadow.cpp):
//   "<table>_info"(k TEXT PRIMARY KEY, v) WITHOUT ROWID
//     format_version=2, backend, order, storage, instance_id (random; absent
//     in tables created by older builds), seq, snap_seq
//   "<table>_snap"(id INTEGER PRIMARY KEY, data BLOB)  -- storage=disk: sorted runs
//   "<table>_log"(seq INTEGER PRIMARY KEY, data BLOB)  -- storage=disk: one record per commit
//   "<table>_data"(key PRIMARY KEY, value) WITHOUT ROWID -- format 1 tables (older builds)
// xCreate and xRename refuse the extension's eponymous names and a name n
// when a table n_info, n_snap, n_log or n_data exists (common/table_names.hpp).
//
// Memory model. A durable table's in-memory index is built from _snap + _log
// on first use in a connection (freshness.cpp). At every xBegin and xFilter
// the table compares the database's data version (SQLITE_FCNTL_DATA_VERSION)
// with the one it recorded after its own last load/commit; when it changed,
// PRAGMA data_version (which ignores this connection's own commits) tells
// whether another connection committed, and then _info seq whether it was to
// this table: if so the records after ours are replayed from _log (a full
// reload only when the log was compacted past us, or for format 1 tables).
// The index, journal and open cursors of a table are a State shared by every
// sqlite3_vtab of the table in the connection (common/vtab_state.hpp), found in
// a per-connection registry (the module's client data) by schema and the _info
// instance_id row (schema and name for tables created without one): a schema
// change inside a transaction reconnects the table while the old vtab stays
// in the transaction. Memory-only tables are held by the registry, so
// xDisconnect/xConnect, a rolled-back RENAME or DROP do not lose them.
//
// Transactions (write.cpp). Writes change the index at once and append to an
// undo journal (kv::Journal) with one mark per SQLite savepoint level
// (xSavepoint, xRelease, xRollbackTo; SQLite also opens a statement savepoint
// when a statement inside a transaction may fail midway, so a failed
// statement is undone exactly). xSync writes one _log record of the keys the
// transaction touched (or rewrites _snap when the log has outgrown half of
// it), inside SQLite's transaction: SQLite's own rollback covers it; xCommit
// clears the journal; xRollback undoes it. Nothing uncommitted is ever in the
// shadow tables outside SQLite's journal.
//
// Cursors: a write (or rollback/rebuild) while a cursor is open detaches it:
// the cursor copies its current row and later re-seeks by key, so it never
// touches a freed node and never repeats or skips a key; it re-seeks only
// into a complete index (an undo or reload that ran out of memory part-way is
// finished first: cursor.cpp advance). Closed cursors (a few
// per table) are kept and reused by the next xOpen: every statement opens and
// closes one, and xFilter always re-seeks before reading.
// TEXT results go to SQLite NUL-terminated when they have no embedded NUL, so
// sqlite3_column_text() needs no reallocation (SQLite copies either way).
//
// xBestIndex plan (plan.cpp): the shared range plan over `key`
// (common/range_plan.hpp, enum Plan in vtab.hpp); idxNum bits, xFilter argv
// in this order:
//   0x01 kPlanEq   key = ?              argv: the key
//   0x02 kPlanIn   key IN (...)         argv: the IN list (sqlite3_vtab_in, all at once)
//   0x04 kPlanGt / 0x08 kPlanGe         argv: the lower bound
//   0x10 kPlanLt / 0x20 kPlanLe         argv: the upper bound
//   0x40 kPlanDesc                      rows in descending key order
//   0x80 kPlanLimit                     argv: the LIMIT value (only when every other
//                                       constraint is answered and omitted here)
//   0x100 kPlanOffset                   argv: the OFFSET value (omitted: xFilter
//                                       skips the rows, SQLite does not)
// kvindex's rules (RangeRules): only constraints on `key` with BINARY
// collation are used, and EQ/IN leave any bound on the key to SQLite (other
// terms are left for SQLite to check too). ORDER BY key [DESC] is consumed; a
// plain = is SQLITE_INDEX_SCAN_UNIQUE. Costs: EQ 1, IN 10, range log2(n) +
// n/4 (n/16 with two bounds), full scan n (all capped by LIMIT).
// Caveat: like SQLite's own comparisons on a no-affinity column, constraint
// values are compared without conversion ('5' is TEXT, not 5).
#include <algorithm>
#include <optional>
#include <span>
#include <tuple>

#include "common/error.hpp"
#include "common/firewall.hpp"
#include "common/registry.hpp"
#include "common/table_names.hpp"
#include "kvindex/vtab.hpp"

namespace kvx::kvindex {

namespace {
// What xShadowName claims; xCreate and xRename refuse a name whose claimed
// table already exists (common/table_names.hpp).
// "data" is the table of format 1 (older builds), "snap" and "log" those of
// format 2 (shadow.cpp).
constexpr const char* kShadowSuffixes[] = {"info", "snap", "log", "data"};
// The shadow tables a table has: storage=memory tables have only _info;
// claiming "data" too for a new durable table keeps ALTER ... RENAME of an
// old one safe.
std::span<const char* const> owned_suffixes(const Options& opts) {
  return std::span<const char* const>(kShadowSuffixes).first(opts.durable ? 4 : 1);
}
}  // namespace

namespace {

// ---- create / connect ------------------------------------------------------

// Memory tables dropped earlier whose DROP is settled (no transaction is
// open): freed when their _info is gone or belongs to another table (the DROP
// committed); kept while it is theirs (it was rolled back and the next xConnect
// takes the state back). One entry at a time: a read that throws leaves the
// list as it was (a std::remove_if interrupted by its predicate would leave
// moved-from entries behind).
void collect_dropped(sqlite3* db, Registry& registry) {
  if (registry.dropped.empty() || !sqlite3_get_autocommit(db)) return;
  auto& d = registry.dropped;
  for (std::size_t i = 0; i < d.size();) {
    const std::optional<std::string> id = ShadowTables(db, d[i].schema, d[i].table).instance_id();
    if (!id || id->empty() || *id != d[i].state->instance_id)
      d.erase(d.begin() + static_cast<std::ptrdiff_t>(i));  // moves strings and shared_ptrs: no throw
    else
      ++i;
  }
}

// The state of a memory table for xConnect: held by the registry, or waiting
// there after a DROP that was rolled back, or new (nullptr).
// Out of memory: a revived state is published only when nothing can fail any
// more. The undo of a wholly rolled-back transaction runs while the state still
// waits in `dropped` (a throw leaves it there with the rest of the undo
// pending; the next xConnect finishes it), then the registry slot is allocated,
// then the state moves into it (no throw).
std::shared_ptr<State> memory_state(sqlite3* db, Registry& registry, const std::string& key, const Options& opts) {
  auto found = registry.tables.find(key);
  if (found != registry.tables.end() && found->second->opts.backend == opts.backend) return found->second;
  auto waiting = std::find_if(registry.dropped.begin(), registry.dropped.end(), [&](const Registry::Dropped& e) {
    return e.key == key && e.state->opts.backend == opts.backend;
  });
  if (waiting == registry.dropped.end()) return nullptr;
  State& st = *waiting->state;
  if (sqlite3_get_autocommit(db) && st.txn.in_txn) {
    st.journal.rollback_all(*st.index);  // the whole transaction was rolled back
  }
  // Else ROLLBACK TO a savepoint before the DROP: the table is back as it was
  // when dropped (SQLite does not say which level was rolled back to),
  // outside the transaction (no vtab of it is in the transaction any more,
  // so none would hear its end).
  auto slot = registry.tables.try_emplace(key).first;  // allocates; nothing changed yet
  slot->second = std::move(waiting->state);
  registry.dropped.erase(waiting);
  st.dropped = false;
  st.txn.end();
  st.journal.clear();
  return slot->second;
}

int kvindexInit(sqlite3* db, void* aux, int argc, const char* const* argv, sqlite3_vtab** out, char** err,
                bool create) {
  *out = nullptr;
  auto* registry = static_cast<Registry*>(aux);
  // Allocated before the firewall, so it must not throw: a bad_alloc here would
  // unwind through SQLite's own frames (found by tests/fault, kvindex OOM sweep).
  std::unique_ptr<Table> t(new (std::nothrow) Table());
  if (!t) return SQLITE_NOMEM;
  const int rc = guard_status(err, [&] {
    if (argc < 3) kv::fail(kv::Errc::invalid_argument, "kvindex: missing table name");
    const Options opts = parse_options(argc - 3, argv + 3);
    if (create) check_table_name(db, argv[1], argv[2], "kvindex", {}, kShadowSuffixes, owned_suffixes(opts));
    t->db = db;
    t->registry = registry;
    const int r = sqlite3_declare_vtab(db, "CREATE TABLE x(key PRIMARY KEY NOT NULL, value) WITHOUT ROWID");
    if (r != SQLITE_OK) return r;  // keeps its code (NOMEM, ...); SQLite has set the message
    sqlite3_vtab_config(db, SQLITE_VTAB_CONSTRAINT_SUPPORT, 1);
    collect_dropped(db, *registry);
    auto shadow = std::make_unique<ShadowTables>(db, argv[1], argv[2]);
    std::string id;
    if (create) {
      id = new_instance_id();
    } else if (std::optional<std::string> stored = shadow->instance_id()) {
      id = *stored;
    }
    const std::string rkey = id.empty() ? Registry::key(argv[1], argv[2]) : Registry::id_key(argv[1], id);
    std::shared_ptr<State> st;
    if (!create) st = opts.durable ? registry->live.find(rkey) : memory_state(db, *registry, rkey, opts);
    const bool fresh = !st || st->dropped;
    if (fresh) {
      st = std::make_shared<State>();
      st->opts = opts;
      st->instance_id = id;
      st->index = kv::OrderedIndex::make(opts.backend, opts.order);
      st->shadow = std::move(shadow);
    }
    // The shared state follows the name SQLite connects with: it differs
    // after a ROLLBACK (TO) undid an ALTER TABLE RENAME.
    if (st->shadow->table() != argv[2]) st->shadow->follow_name(argv[2]);
    t->state = st;
    t->shadow = st->shadow.get();
    if (create) t->shadow->create(opts, id);
    // Published last: a new state is in the registry only once it is complete
    // (one map insertion, which either happens or throws).
    if (fresh) {
      if (opts.durable)
        registry->live.put(rkey, st);
      else
        registry->tables[rkey] = st;
    }
    return SQLITE_OK;
  });
  if (rc != SQLITE_OK) return rc;
  *out = t.release();
  return SQLITE_OK;
}

int kvindexCreate(sqlite3* db, void* aux, int argc, const char* const* argv, sqlite3_vtab** out, char** err) {
  return kvindexInit(db, aux, argc, argv, out, err, true);
}

int kvindexConnect(sqlite3* db, void* aux, int argc, const char* const* argv, sqlite3_vtab** out,
                   char** err) {
  return kvindexInit(db, aux, argc, argv, out, err, false);
}

int kvindexDisconnect(sqlite3_vtab* vtab) {
  delete static_cast<Table*>(vtab);
  return SQLITE_OK;
}

// DROP TABLE: remove the shadow tables and a memory table's contents.
// Out of memory: the entry that keeps a memory table's contents until the DROP
// is settled is made before anything changes; after the shadow tables are
// dropped only moves follow (no throw), so a failed xDestroy leaves the table
// as it was, and a successful one leaves its state findable by a ROLLBACK (TO).
int kvindexDestroy(sqlite3_vtab* vtab) {
  auto* t = static_cast<Table*>(vtab);
  const int rc = guard_status(&vtab->zErrMsg, [&] {
    State& s = *t->state;
    Registry& r = *t->registry;
    auto held = std::find_if(r.tables.begin(), r.tables.end(),
                             [&](const auto& entry) { return entry.second == t->state; });
    // A memory table's contents wait until the DROP is settled: a ROLLBACK
    // (TO) brings the table back with them (collect_dropped, memory_state).
    std::optional<Registry::Dropped> waiting;
    if (held != r.tables.end() && !s.instance_id.empty()) {
      r.dropped.reserve(r.dropped.size() + 1);
      waiting = Registry::Dropped{held->first, t->shadow->schema(), t->shadow->table(), held->second};
    }
    t->shadow->drop();
    // An older sqlite3_vtab of this table may still be in the transaction and
    // get xSync: it must not write into a table created later under the name.
    s.dropped = true;
    if (s.opts.durable) s.journal.clear();
    if (held != r.tables.end()) {
      if (waiting) r.dropped.push_back(std::move(*waiting));  // reserved: no throw
      std::erase_if(r.tables, [&](const auto& entry) { return entry.second == t->state; });  // every name
    }
    return SQLITE_OK;
  });
  if (rc == SQLITE_OK) delete t;
  return rc;
}

// A memory table keyed by name (older builds) answers to both names
// afterwards: a ROLLBACK (TO) of the rename reconnects it under the old name
// (SQLite does not call xRename back), and must find its contents there
// (kvindexDestroy removes every name). Out of memory: the new registry slot is
// allocated before the shadow tables are renamed (and removed again if that
// fails), then only a pointer is copied (no throw).
int kvindexRename(sqlite3_vtab* vtab, const char* new_name) {
  auto* t = static_cast<Table*>(vtab);
  return guard_status(&vtab->zErrMsg, [&] {
    check_table_name(t->db, t->shadow->schema(), new_name, "kvindex", {}, kShadowSuffixes,
                     owned_suffixes(t->state->opts));
    auto& tables = t->registry->tables;
    const std::string old_key = Registry::key(t->shadow->schema(), t->shadow->table());
    const std::string new_key = Registry::key(t->shadow->schema(), new_name);
    auto found = tables.find(old_key);
    const bool keyed_by_name = found != tables.end() && found->second == t->state;
    auto slot = tables.end();
    bool made_slot = false;
    if (keyed_by_name) std::tie(slot, made_slot) = tables.try_emplace(new_key);
    try {
      t->shadow->rename(new_name);
      t->registry->live.rename(old_key, new_key);  // durable tables keyed by name (older builds)
    } catch (...) {
      if (made_slot) tables.erase(slot);
      throw;
    }
    if (keyed_by_name) slot->second = t->state;
    return SQLITE_OK;
  });
}

// xShadowName: "<table>_info", "_snap", "_log" and (format 1) "_data" (a
// storage=memory table has only _info, but xShadowName cannot tell tables
// apart: it claims the union).
int kvindexShadowName(const char* suffix) { return claims_shadow_suffix(suffix, kShadowSuffixes); }

const sqlite3_module kModule = {
    /* iVersion      */ 3,
    /* xCreate       */ kvindexCreate,
    /* xConnect      */ kvindexConnect,
    /* xBestIndex    */ kvindexBestIndex,
    /* xDisconnect   */ kvindexDisconnect,
    /* xDestroy      */ kvindexDestroy,
    /* xOpen         */ kvindexOpen,
    /* xClose        */ kvindexClose,
    /* xFilter       */ kvindexFilter,
    /* xNext         */ kvindexNext,
    /* xEof          */ kvindexEof,
    /* xColumn       */ kvindexColumn,
    /* xRowid        */ kvindexRowid,
    /* xUpdate       */ kvindexUpdate,
    /* xBegin        */ kvindexBegin,
    /* xSync         */ kvindexSync,
    /* xCommit       */ kvindexCommit,
    /* xRollback     */ kvindexRollback,
    /* xFindFunction */ nullptr,
    /* xRename       */ kvindexRename,
    /* xSavepoint    */ kvindexSavepoint,
    /* xRelease      */ kvindexRelease,
    /* xRollbackTo   */ kvindexRollbackTo,
    /* xShadowName   */ kvindexShadowName,
};

void destroy_registry(void* p) { delete static_cast<Registry*>(p); }

}  // namespace

}  // namespace kvx::kvindex

namespace kvx {

// Registers kvindex with a fresh per-connection registry as client data (freed
// by SQLite when the connection closes), so memory-only tables outlive schema
// reparses. register_module() takes no client data, hence the direct call.
int register_kvindex(sqlite3* db, char** err) {
  auto* registry = new (std::nothrow) kvindex::Registry();
  if (!registry) return SQLITE_NOMEM;
  return register_module(db, "kvindex", &kvindex::kModule, err, registry, &kvindex::destroy_registry);
}

}  // namespace kvx
