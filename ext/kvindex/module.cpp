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
// xRename, dropped in xDestroy):
//   CREATE TABLE "<table>_info"(k TEXT PRIMARY KEY, v) WITHOUT ROWID
//     rows: format_version=1, backend, order, storage, instance_id (random;
//     absent in tables created by older builds)
//   CREATE TABLE "<table>_data"(key PRIMARY KEY, value) WITHOUT ROWID  -- storage=disk only
// xCreate and xRename refuse the extension's eponymous names and a name n
// when a table n_info or n_data exists (common/table_names.hpp).
// _data is keyed exactly like the index (same ordering, same uniqueness), so
// SQLite keeps it sorted and a rebuild is a sequential scan + bulk load.
//
// Memory model. A durable table's in-memory index is built from _data on first
// use in a connection, and rebuilt whenever another connection committed: at
// every xBegin and xFilter the table compares the database's data version
// (SQLITE_FCNTL_DATA_VERSION) with the one it recorded after its own last
// load/commit; when it changed, PRAGMA data_version (which ignores this
// connection's own commits, e.g. to other tables) decides whether to rebuild.
// The index, journal and open cursors of a table are a State shared by every
// sqlite3_vtab of the table in the connection (common/vtab_state.hpp), found in
// a per-connection registry (the module's client data) by schema and the _info
// instance_id row (schema and name for tables created without one): a schema
// change inside a transaction reconnects the table while the old vtab stays
// in the transaction. Memory-only tables are held by the registry, so
// xDisconnect/xConnect, a rolled-back RENAME or DROP do not lose them.
//
// Transactions. Writes change the index at once and append to an undo journal
// (kv::Journal) with one mark per SQLite savepoint level (xSavepoint,
// xRelease, xRollbackTo; SQLite also opens a statement savepoint when a
// statement inside a transaction may fail midway, so a failed statement is
// undone exactly). xSync writes the keys the transaction touched, sorted, to
// _data (inside SQLite's transaction: SQLite's own rollback covers it);
// xCommit clears the journal; xRollback undoes it. Nothing uncommitted is ever
// in _data outside SQLite's journal.
//
// Cursors: a write (or rollback/rebuild) while a cursor is open detaches it:
// the cursor copies its current row and later re-seeks by key, so it never
// touches a freed node and never repeats or skips a key. Closed cursors (a few
// per table) are kept and reused by the next xOpen: every statement opens and
// closes one, and xFilter always re-seeks before reading.
// TEXT results go to SQLite NUL-terminated when they have no embedded NUL, so
// sqlite3_column_text() needs no reallocation (SQLite copies either way).
//
// xBestIndex plan (idxNum bits; xFilter argv in this order):
//   0x01 EQ   key = ?              argv: the key
//   0x02 IN   key IN (...)         argv: the IN list (sqlite3_vtab_in, all at once)
//   0x04 GT / 0x08 GE              argv: the lower bound
//   0x10 LT / 0x20 LE              argv: the upper bound
//   0x40 DESC                      rows in descending key order
//   0x80 LIMIT                     argv: the LIMIT value (only when every other
//                                  constraint is answered and omitted here)
//   0x100 OFFSET                   argv: the OFFSET value (SQLite still applies
//                                  it; the scan stops after LIMIT+OFFSET rows)
// Only constraints on `key` with BINARY collation are used; EQ/IN win over
// ranges (other terms are left for SQLite to check). ORDER BY key [DESC] is
// consumed. Costs: EQ 1, IN 10, range log2(n) + n/4 (n/16 with two bounds),
// full scan n (all capped by LIMIT).
// Caveat: like SQLite's own comparisons on a no-affinity column, constraint
// values are compared without conversion ('5' is TEXT, not 5).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <span>

#include "common/error.hpp"
#include "common/firewall.hpp"
#include "kvindex/kvindex.hpp"
#include "common/registry.hpp"
#include "common/table_names.hpp"
#include "index/sql_value_order.hpp"
#include "common/value_bridge.hpp"

namespace kvx::kvindex {

namespace {
// What xShadowName claims; xCreate and xRename refuse a name whose claimed
// table already exists (common/table_names.hpp).
constexpr const char* kShadowSuffixes[] = {"info", "data"};
// The shadow tables a table has: storage=memory tables have no _data.
std::span<const char* const> owned_suffixes(const Options& opts) {
  return std::span<const char* const>(kShadowSuffixes).first(opts.durable ? 2 : 1);
}
}  // namespace

namespace {

enum PlanBits : int {
  kEq = 0x01,
  kIn = 0x02,
  kGt = 0x04,
  kGe = 0x08,
  kLt = 0x10,
  kLe = 0x20,
  kDesc = 0x40,
  kLimit = 0x80,
  kOffset = 0x100,
};

struct Table : sqlite3_vtab {
  sqlite3* db = nullptr;
  Registry* registry = nullptr;
  Storage* storage = nullptr;  // state->storage
  std::shared_ptr<State> state;
  std::vector<std::unique_ptr<Cursor>> spare;  // closed ones, reused by xOpen
  bool joining = false;  // joined a transaction the table was already in (TxnFanIn)
  ~Table();
};

}  // namespace

// A cursor (declared in kvindex.hpp: State lists the open ones).
struct Cursor : sqlite3_vtab_cursor {
  std::unique_ptr<kv::IndexCursor> it;
  // plan
  bool desc = false;
  bool list_mode = false;  // EQ / IN: walk `keys`
  std::vector<kv::Value> keys;
  std::size_t key_pos = 0;
  bool has_lo = false, lo_incl = false, has_hi = false, hi_incl = false;
  kv::Value lo, hi;
  long long remaining = -1;  // rows left before LIMIT+OFFSET, -1: no limit
  // state
  bool eof = true;
  bool detached = false;  // the index changed under us: saved_* hold the row
  kv::Value saved_key, saved_value;
  sqlite3_int64 row = 0;
};

namespace {

Table::~Table() = default;  // Cursor is complete here

// At most this many closed cursors are kept for reuse: every statement that
// reads the table opens one (xOpen) and closes it when it ends (xClose), so
// reusing them saves their allocations and keeps the key list's capacity.
constexpr std::size_t kSpareCursors = 4;

Table* table_of(sqlite3_vtab_cursor* c) { return static_cast<Table*>(c->pVtab); }

std::string table_label(const Table* t) { return "kvindex table '" + t->storage->table() + "'"; }

// Before any change to the index: open cursors copy their row.
void detach_cursors(Table* t) {
  for (Cursor* c : t->state->cursors) {
    if (c->eof || c->detached || !c->it || !c->it->valid()) continue;
    c->saved_key = c->it->key();
    c->saved_value = c->it->value();
    c->detached = true;
  }
}

// Makes the index current: builds it on first use, rebuilds it after another
// connection committed. Not during our own write transaction (nobody else can
// commit then, and our uncommitted changes live only in memory).
void ensure_fresh(Table* t) {
  State& s = *t->state;
  if (!s.opts.durable) return;
  if (s.txn.in_txn && s.loaded) return;
  const unsigned v = t->storage->data_version();
  if (s.loaded && v == s.data_version) return;  // nobody committed anything
  const long long others = t->storage->others_version();
  if (s.loaded && others == s.others_version) {  // only this connection committed
    s.data_version = v;
    return;
  }
  detach_cursors(t);
  auto rows = t->storage->load(s.opts);
  s.index->bulk_load(std::move(rows));
  s.journal.clear();
  s.loaded = true;
  s.data_version = v;
  s.others_version = others;
}

// ---- create / connect ------------------------------------------------------

// Memory tables dropped earlier whose DROP is settled (no transaction is
// open): freed when their _info is gone or belongs to another table (the DROP
// committed); kept while it is theirs (it was rolled back and the next xConnect
// takes the state back).
void collect_dropped(sqlite3* db, Registry& registry) {
  if (registry.dropped.empty() || !sqlite3_get_autocommit(db)) return;
  auto& d = registry.dropped;
  d.erase(std::remove_if(d.begin(), d.end(),
                         [&](const Registry::Dropped& e) {
                           const std::optional<std::string> id = Storage(db, e.schema, e.table).instance_id();
                           return !id || id->empty() || *id != e.state->instance_id;
                         }),
          d.end());
}

// The state of a memory table for xConnect: held by the registry, or waiting
// there after a DROP that was rolled back, or new.
std::shared_ptr<State> memory_state(sqlite3* db, Registry& registry, const std::string& key, const Options& opts) {
  auto found = registry.tables.find(key);
  if (found != registry.tables.end() && found->second->opts.backend == opts.backend) return found->second;
  for (auto it = registry.dropped.begin(); it != registry.dropped.end(); ++it) {
    if (it->key != key || it->state->opts.backend != opts.backend) continue;
    std::shared_ptr<State> st = std::move(it->state);
    registry.dropped.erase(it);
    registry.tables[key] = st;
    st->dropped = false;
    if (sqlite3_get_autocommit(db)) {  // the whole transaction was rolled back
      if (st->txn.in_txn) st->journal.rollback_all(*st->index);
    }
    // Else ROLLBACK TO a savepoint before the DROP: the table is back as it
    // was when dropped (SQLite does not say which level was rolled back to),
    // outside the transaction (no vtab of it is in the transaction any more,
    // so none would hear its end).
    st->txn.end();
    st->journal.clear();
    return st;
  }
  return nullptr;
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
    int r = sqlite3_declare_vtab(db, "CREATE TABLE x(key PRIMARY KEY NOT NULL, value) WITHOUT ROWID");
    if (r != SQLITE_OK) kv::fail(kv::Errc::internal, "kvindex: cannot declare the table schema");
    sqlite3_vtab_config(db, SQLITE_VTAB_CONSTRAINT_SUPPORT, 1);
    collect_dropped(db, *registry);
    auto storage = std::make_unique<Storage>(db, argv[1], argv[2]);
    std::string id;
    if (create) {
      id = new_instance_id();
    } else if (std::optional<std::string> stored = storage->instance_id()) {
      id = *stored;
    }
    const std::string rkey = id.empty() ? Registry::key(argv[1], argv[2]) : Registry::id_key(argv[1], id);
    std::shared_ptr<State> st;
    if (!create) st = opts.durable ? registry->live.find(rkey) : memory_state(db, *registry, rkey, opts);
    if (!st || st->dropped) {
      st = std::make_shared<State>();
      st->opts = opts;
      st->instance_id = id;
      st->index = kv::OrderedIndex::make(opts.backend, opts.order);
      st->storage = std::move(storage);
      if (opts.durable)
        registry->live.put(rkey, st);
      else
        registry->tables[rkey] = st;
    }
    // The shared state follows the name SQLite connects with: it differs
    // after a ROLLBACK (TO) undid an ALTER TABLE RENAME.
    if (st->storage->table() != argv[2]) st->storage->follow_name(argv[2]);
    t->state = st;
    t->storage = st->storage.get();
    if (create) t->storage->create(opts, id);
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
int kvindexDestroy(sqlite3_vtab* vtab) {
  auto* t = static_cast<Table*>(vtab);
  const int rc = guard_status(&vtab->zErrMsg, [&] {
    t->storage->drop();
    State& s = *t->state;
    // An older sqlite3_vtab of this table may still be in the transaction and
    // get xSync: it must not write into a table created later under the name.
    s.dropped = true;
    if (s.opts.durable) s.journal.clear();
    Registry& r = *t->registry;
    for (auto it = r.tables.begin(); it != r.tables.end(); ++it) {
      if (it->second != t->state) continue;
      // A memory table's contents wait until the DROP is settled: a ROLLBACK
      // (TO) brings the table back with them (collect_dropped).
      if (!s.instance_id.empty())
        r.dropped.push_back({it->first, t->storage->schema(), t->storage->table(), it->second});
      r.tables.erase(it);
      break;
    }
    return SQLITE_OK;
  });
  if (rc == SQLITE_OK) delete t;
  return rc;
}

int kvindexRename(sqlite3_vtab* vtab, const char* new_name) {
  auto* t = static_cast<Table*>(vtab);
  return guard_status(&vtab->zErrMsg, [&] {
    check_table_name(t->db, t->storage->schema(), new_name, "kvindex", {}, kShadowSuffixes,
                     owned_suffixes(t->state->opts));
    const std::string old_key = Registry::key(t->storage->schema(), t->storage->table());
    t->storage->rename(new_name);
    t->registry->live.rename(old_key, Registry::key(t->storage->schema(), new_name));  // keyed by name
    auto found = t->registry->tables.find(old_key);
    if (found != t->registry->tables.end()) {
      auto st = found->second;
      t->registry->tables.erase(found);
      t->registry->tables[Registry::key(t->storage->schema(), new_name)] = st;
    }
    return SQLITE_OK;
  });
}

// xShadowName: "<table>_info" and "<table>_data" (a storage=memory table has
// no _data, but xShadowName cannot tell tables apart: it claims the union).
int kvindexShadowName(const char* suffix) {
  for (const char* s : kShadowSuffixes)
    if (suffix && sqlite3_stricmp(suffix, s) == 0) return 1;
  return 0;
}

// ---- planning ----------------------------------------------------------------

bool binary_collation(sqlite3_index_info* info, int i) {
  const char* coll = sqlite3_vtab_collation(info, i);
  return !coll || sqlite3_stricmp(coll, "BINARY") == 0;
}

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

void take_row(Cursor* c) {
  if (c->eof) return;
  if (c->remaining == 0) {
    c->eof = true;
    return;
  }
  if (c->remaining > 0) --c->remaining;
  ++c->row;
}

int kvindexFilter(sqlite3_vtab_cursor* cur, int plan, const char*, int argc, sqlite3_value** argv) {
  auto* c = static_cast<Cursor*>(cur);
  Table* t = table_of(cur);
  return guard_status(&t->zErrMsg, [&] {
    ensure_fresh(t);
    if (!c->it) c->it = t->state->index->cursor();  // the index object lives as long as the table
    c->eof = false;
    c->detached = false;
    c->desc = (plan & kDesc) != 0;
    c->list_mode = (plan & (kEq | kIn)) != 0;
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
    if (plan & kEq) {
      sqlite3_value* v = next_arg();
      if (sqlite3_value_type(v) == SQLITE_NULL)
        empty = true;
      else
        c->keys.push_back(to_value(v));
    } else if (plan & kIn) {
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
    if (plan & (kGt | kGe)) {
      sqlite3_value* v = next_arg();
      if (sqlite3_value_type(v) == SQLITE_NULL) empty = true;
      c->has_lo = true;
      c->lo_incl = (plan & kGe) != 0;
      c->lo = to_value(v);
    }
    if (plan & (kLt | kLe)) {
      sqlite3_value* v = next_arg();
      if (sqlite3_value_type(v) == SQLITE_NULL) empty = true;
      c->has_hi = true;
      c->hi_incl = (plan & kLe) != 0;
      c->hi = to_value(v);
    }
    if (plan & kLimit) {
      sqlite3_value* v = next_arg();
      long long lim = sqlite3_value_type(v) == SQLITE_INTEGER ? sqlite3_value_int64(v) : -1;
      if (plan & kOffset) {
        sqlite3_value* o = next_arg();
        const long long off = sqlite3_value_type(o) == SQLITE_INTEGER ? sqlite3_value_int64(o) : 0;
        if (lim >= 0 && off > 0) lim = off > (1LL << 62) ? -1 : lim + off;
      }
      c->remaining = lim;
    }
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
    take_row(c);
    return SQLITE_OK;
  });
}

int kvindexNext(sqlite3_vtab_cursor* cur) {
  auto* c = static_cast<Cursor*>(cur);
  return guard_status(&table_of(cur)->zErrMsg, [&] {
    if (c->eof) return SQLITE_OK;
    if (c->list_mode) {
      ++c->key_pos;
      list_settle(c);
    } else if (c->detached) {
      if (c->desc)
        c->it->seek_lt(c->saved_key);
      else
        c->it->seek_gt(c->saved_key);
      range_settle(c);
    } else {
      if (c->desc)
        c->it->prev();
      else
        c->it->next();
      range_settle(c);
    }
    c->detached = false;
    take_row(c);
    return SQLITE_OK;
  });
}

int kvindexEof(sqlite3_vtab_cursor* cur) { return static_cast<Cursor*>(cur)->eof ? 1 : 0; }

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

// ---- writing -------------------------------------------------------------------

[[noreturn]] void duplicate_key(const Table* t, const kv::Value& k) {
  kv::fail(kv::Errc::constraint, table_label(t) + ": UNIQUE constraint failed: key " +
                                     kv::describe_value(k.view()) + " already exists");
}

void null_key(const Table* t) {
  kv::fail(kv::Errc::constraint, table_label(t) + ": NOT NULL constraint failed: key must not be NULL");
}

// Removes k (journaled); false when absent.
bool journaled_erase(State& s, const kv::Value& k) {
  const auto found = s.index->lookup(k);
  if (!found.key) return false;
  s.journal.record(k, found.key, found.value);
  s.index->erase(k);
  return true;
}

// Stores (k, v); `found` is what lookup(k) returned just before.
void journaled_put(State& s, const kv::Value& k, const kv::Value& v, const kv::OrderedIndex::Found& found) {
  s.journal.record(k, found.key, found.value);
  if (found.key)
    s.index->put(k, v);
  else
    s.index->insert_absent(k, v);
}

int kvindexUpdate(sqlite3_vtab* vtab, int argc, sqlite3_value** argv, sqlite3_int64*) {
  auto* t = static_cast<Table*>(vtab);
  return guard_status(&vtab->zErrMsg, [&] {
    State& s = *t->state;
    ensure_fresh(t);
    if (argc == 1) {  // DELETE
      const kv::Value k = to_value(argv[0]);
      detach_cursors(t);
      journaled_erase(s, k);
      return SQLITE_OK;
    }
    if (sqlite3_value_type(argv[2]) == SQLITE_NULL) null_key(t);
    const kv::Value k = to_value(argv[2]);
    const kv::Value v = to_value(argv[3]);
    const bool replace = sqlite3_vtab_on_conflict(t->db) == SQLITE_REPLACE;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {  // INSERT
      const auto found = s.index->lookup(k);
      if (found.key && !replace) duplicate_key(t, k);
      detach_cursors(t);
      journaled_put(s, k, v, found);
      return SQLITE_OK;
    }
    // UPDATE: argv[0] is the old key.
    const kv::Value old = to_value(argv[0]);
    const bool moves = kv::sql_compare(old, k) != 0;
    if (moves && s.index->lookup(k).key && !replace) duplicate_key(t, k);
    detach_cursors(t);
    if (moves) journaled_erase(s, old);
    journaled_put(s, k, v, s.index->lookup(k));
    return SQLITE_OK;
  });
}

// ---- transactions ----------------------------------------------------------------

// The transaction methods act once per table on the state every sqlite3_vtab
// of the table shares (TxnFanIn, common/vtab_state.hpp): SQLite calls them on
// each of its sqlite3_vtabs in the transaction (an old one stays in it after a
// schema reparse connected a new one).
int kvindexBegin(sqlite3_vtab* vtab) {
  auto* t = static_cast<Table*>(vtab);
  return guard_status(&vtab->zErrMsg, [&] {
    State& s = *t->state;
    if (!s.txn.in_txn) {  // else a vtab connected after a schema reparse joins: same transaction
      ensure_fresh(t);
      s.journal.clear();
    }
    s.txn.begin(&t->joining);
    return SQLITE_OK;
  });
}

int kvindexSync(sqlite3_vtab* vtab) {
  auto* t = static_cast<Table*>(vtab);
  return guard_status(&vtab->zErrMsg, [&] {
    State& s = *t->state;
    if (s.opts.durable && !s.dropped && !s.journal.empty())
      t->storage->flush(s.journal.touched_keys(), *s.index);
    return SQLITE_OK;
  });
}

int kvindexCommit(sqlite3_vtab* vtab) {
  auto* t = static_cast<Table*>(vtab);
  return guard_status(&vtab->zErrMsg, [&] {
    State& s = *t->state;
    if (!s.txn.end()) return SQLITE_OK;
    s.journal.clear();
    if (s.opts.durable && !s.dropped) s.data_version = t->storage->data_version();
    return SQLITE_OK;
  });
}

int kvindexRollback(sqlite3_vtab* vtab) {
  auto* t = static_cast<Table*>(vtab);
  return guard_status(&vtab->zErrMsg, [&] {
    State& s = *t->state;
    if (!s.txn.end()) return SQLITE_OK;
    detach_cursors(t);
    s.journal.rollback_all(*s.index);
    s.journal.clear();
    return SQLITE_OK;
  });
}

int kvindexSavepoint(sqlite3_vtab* vtab, int level) {
  auto* t = static_cast<Table*>(vtab);
  return guard_status(&vtab->zErrMsg, [&] {
    if (t->state->txn.savepoint(level, &t->joining)) t->state->journal.savepoint(level);
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
    detach_cursors(t);
    t->state->journal.rollback_to(level, *t->state->index);
    return SQLITE_OK;
  });
}

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
