// kvcolumn — a typed column of fixed- or variable-size elements as a virtual
// table that behaves like a Python list.
//
//   CREATE VIRTUAL TABLE temps USING kvcolumn(f64);
//   CREATE VIRTUAL TABLE names USING kvcolumn('str:32:utf8', max_chunk_bytes=1048576);
//   INSERT INTO temps(value) VALUES (21.5);                 -- append
//   INSERT INTO temps(idx, value) VALUES (0, 19.0);         -- insert at 0, later rows shift up
//   UPDATE temps SET value = 20 WHERE idx = 1;              -- in place
//   DELETE FROM temps WHERE value < 0;                      -- rows renumbered 0..n-1
//   INSERT INTO temps(temps, value) VALUES ('append', kv_pack_many('f64', '[1,2,3]'));  -- bulk
//   INSERT INTO copy(raw) SELECT raw FROM temps;            -- packed bytes, not decoded
//
// Arguments: the dtype (any dtype but auto, quoted or not), then options
//   min_chunk_bytes=N  (default 131072)   first size of the last chunk
//   max_chunk_bytes=N  (default 16777216) size of every full chunk
//   cache_bytes=N      (default 67108864) write-back buffer cap per connection; fixed-size
//                      columns also keep max(cache_bytes, 64 MiB) of read chunks (vec:E:D
//                      columns: max(cache_bytes, 256 MiB), read_cache_bytes in kvcolumn.hpp)
//   schema='<json>'    msgpack/cbor only: JSON Schema every written value must satisfy
// (variable-size dtypes default to max_chunk_bytes=262144, min_chunk_bytes=65536)
//
// Declared schema:
//   CREATE TABLE x(idx INTEGER, value, "<table>" HIDDEN, raw BLOB HIDDEN)
// idx equals the rowid. The hidden column named like the table takes commands
// (FTS5 style): 'append' with, in `value`, a BLOB of packed elements
// (fixed-size dtypes), a JSON array of values or (msgpack/cbor) a BLOB of
// items back to back (variable-size dtypes); 'compact' (variable-size dtypes)
// to reclaim dead bytes. The hidden raw column is the element's packed bytes
// (kv_pack(dtype, value)); written, it stores them after a check, never
// re-encoded (write.cpp). xUpdate's argv[2 + Col] follows this order.
//
// Names (xCreate, xRename; common/table_names.hpp): idx, value, raw and the
// rowid aliases are refused (the command column is named like the table),
// as are the extension's eponymous tables and a name whose claimed shadow
// tables already exist (xShadowName claims info, chunks, idx and data for
// every table). A table named idx/value/raw by an earlier version opens with
// its command column named "command".
//
// Shadow tables (created in xCreate, listed in xShadowName, renamed in
// xRename, dropped in xDestroy; suffixes in kvcolumn.hpp, _info rows read and
// written by ShadowInfo, shadow_info.hpp):
//   CREATE TABLE "<table>_info"(key TEXT PRIMARY KEY, value) WITHOUT ROWID
//     rows: format_version, dtype (normalised), elem_size, min_chunk_bytes,
//           max_chunk_bytes, length (committed element count), schema (only
//           when the schema option is given), instance_id (32 random hex
//           digits: the key of the per-connection state, see below; absent in
//           tables created by older builds, which are keyed by name)
//     xConnect takes dtype, chunk sizes and schema from these rows (they
//     describe the bytes), not from the re-parsed module arguments, which
//     supply only cache_bytes; missing/invalid rows are SQLITE_CORRUPT_VTAB.
//   CREATE TABLE "<table>_chunks"(chunk_idx INTEGER PRIMARY KEY, data BLOB NOT NULL)
//
// Chunk byte layout: elements back to back, little-endian as kv_pack packs
// them, no header. With M = floor(max_chunk_bytes / elem_size), chunk c holds
// elements [c*M, c*M + M); every chunk but the last is exactly M*elem_size
// bytes; the last holds the rest in a blob with spare room (whole elements,
// ChunkLayout::capacity_for) so small appends are in-place blob writes.
// Chunks 0..ceil(length/M)-1 exist, no others.
//
// Variable-size dtypes (str[:ENC], bytes, msgpack, cbor, vec:E) use, instead
// of "<table>_chunks", two chunk tables with the same DDL, each laid out as
// above (kv::VarColumn, src/column/var.hpp):
//   "<table>_idx"   7-byte elements, one per element in idx order:
//                   [u48 offset][u8 len] little-endian into the stream
//   "<table>_data"  1-byte elements: the stream of records, one per element
//                   written: the element's bytes (len < 255), or [u32 length]
//                   and the bytes (len = 255). A record may span chunks; the
//                   stream's length is "data_length" in _info, elem_size is 0,
//                   format_version is 2.
// New records (append, insert-at, update to a new size) go to the end of the
// stream; a same-size update overwrites its record. Updates and deletes leave
// dead bytes, counted in _info "dead_bytes" and reclaimed by the 'compact'
// command (INSERT INTO t(t) VALUES ('compact')), automatically at a flush
// once they are half the stream, or when the column becomes empty.
//
// Per-connection state (the column with its buffer and savepoint snapshots,
// the stores, the transaction bookkeeping) lives in a Shared object that every
// sqlite3_vtab of the table in the connection shares, found through the
// module's per-connection Registry by instance_id (common/vtab_state.hpp): a
// schema change inside a transaction reconnects the table while the old vtab
// stays in the transaction, and both must act on the same buffer.
// Writes go to the per-connection write-back buffer of kv::FixedColumn
// (src/column/fixed.hpp) and reach the shadow tables in xSync, or earlier when
// the buffer passes cache_bytes (inside SQLite's transaction, so SQLite's own
// rollback undoes such flushes). Multi-row DELETEs are recorded in the
// original numbering (SQLite collects the rowids first, then calls xUpdate per
// row) and compacted before the next scan, insert, update, savepoint or sync.
// Outside its own write transaction the table compares the database's data
// version (SQLITE_FCNTL_DATA_VERSION, common/freshness.hpp) at every xBegin/xFilter/xUpdate and
// drops its cached length and chunks when another connection committed.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

#include "json/schema.hpp"
#include "common/error.hpp"
#include "common/firewall.hpp"
#include "kvcolumn/kvcolumn.hpp"
#include "kvcolumn/shadow_info.hpp"
#include "common/registry.hpp"
#include "common/table_names.hpp"
#include "common/vtab_cursor.hpp"

namespace kvx::kvcolumn {

namespace {

std::string unquote(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n')) s.remove_suffix(1);
  if (s.size() >= 2 && (s.front() == '\'' || s.front() == '"' || s.front() == '`') && s.back() == s.front()) {
    char q = s.front();
    std::string out;
    for (std::size_t i = 1; i + 1 < s.size(); ++i) {
      out += s[i];
      if (s[i] == q && i + 2 < s.size() && s[i + 1] == q) ++i;  // doubled quote
    }
    return out;
  }
  return std::string(s);
}

std::uint64_t parse_size(const std::string& key, const std::string& text) {
  bool ok = !text.empty() && text.size() <= 19;
  for (char ch : text) ok = ok && ch >= '0' && ch <= '9';
  if (!ok)
    kv::fail(kv::Errc::invalid_argument, "kvcolumn: option " + key + "='" + text +
                                             "' is not a valid size: expected a positive number of bytes");
  std::uint64_t v = std::strtoull(text.c_str(), nullptr, 10);
  if (v == 0)
    kv::fail(kv::Errc::invalid_argument,
             "kvcolumn: option " + key + "=0 is not valid: expected a positive number of bytes");
  return v;
}

}  // namespace

Options parse_options(int argc, const char* const* argv) {
  if (argc < 4)
    kv::fail(
        kv::Errc::invalid_argument,
        "kvcolumn: missing dtype: expected USING kvcolumn(dtype [, min_chunk_bytes=N] [, max_chunk_bytes=N] "
        "[, cache_bytes=N] [, schema='<JSON Schema>'])");
  Options o;
  std::string dtype_text = unquote(argv[3]);
  o.dtype = kv::parse_dtype(dtype_text);
  if (o.dtype.family == kv::Family::auto_header)
    kv::fail(kv::Errc::invalid_argument,
             "kvcolumn: dtype 'auto' cannot be a column type (its elements carry their own type): expected a "
             "typed dtype such as f64, i32, 'str:32:utf8', 'bytes:16', 'vec:f32:3', str, bytes, msgpack or cbor");
  bool seen_min = false, seen_max = false, seen_cache = false;
  for (int i = 4; i < argc; ++i) {
    std::string arg = argv[i];
    std::size_t eq = arg.find('=');
    if (eq == std::string::npos)
      kv::fail(kv::Errc::invalid_argument,
               "kvcolumn: argument '" + unquote(arg) +
                   "' is not an option: expected key=value with key min_chunk_bytes, "
                   "max_chunk_bytes, cache_bytes or schema");
    std::string key = unquote(arg.substr(0, eq)), value = unquote(arg.substr(eq + 1));
    auto take = [&](bool& seen, std::uint64_t& slot) {
      if (seen) kv::fail(kv::Errc::invalid_argument, "kvcolumn: option " + key + " given twice");
      seen = true;
      slot = parse_size(key, value);
    };
    if (key == "min_chunk_bytes")
      take(seen_min, o.min_chunk_bytes);
    else if (key == "max_chunk_bytes")
      take(seen_max, o.max_chunk_bytes);
    else if (key == "cache_bytes")
      take(seen_cache, o.cache_bytes);
    else if (key == "schema") {
      if (!o.schema.empty()) kv::fail(kv::Errc::invalid_argument, "kvcolumn: option schema given twice");
      if (o.dtype.family != kv::Family::msgpack && o.dtype.family != kv::Family::cbor)
        kv::fail(kv::Errc::invalid_argument,
                 "kvcolumn: option schema applies to msgpack and cbor columns, not '" + o.dtype.name() + "'");
      o.schema = value;
      if (o.schema.empty()) kv::fail(kv::Errc::invalid_argument, "kvcolumn: option schema is empty");
      try {
        kv::schema::violations(o.schema, "null");  // rejects a schema that is not valid JSON Schema now
      } catch (const kv::Error& e) {
        throw kv::Error(e.code(), std::string("kvcolumn: option schema: ") + e.what());
      }
    } else
      kv::fail(kv::Errc::invalid_argument,
               "kvcolumn: unknown option '" + key +
                   "': expected min_chunk_bytes, max_chunk_bytes, cache_bytes or schema");
  }
  // Variable-size columns read whole chunks of their byte stream for random
  // access (an offset inside a large blob costs a walk of its overflow pages),
  // so their chunks are smaller by default.
  if (o.dtype.is_varsize() && !seen_max) {
    o.max_chunk_bytes = kDefaultVarMaxChunkBytes;
    if (!seen_min) o.min_chunk_bytes = std::min(o.min_chunk_bytes, kDefaultVarMaxChunkBytes / 4);
    seen_max = true;
  }
  if (seen_max && !seen_min && o.min_chunk_bytes > o.max_chunk_bytes) o.min_chunk_bytes = o.max_chunk_bytes;
  if (seen_min && !seen_max && o.max_chunk_bytes < o.min_chunk_bytes)
    kv::fail(kv::Errc::invalid_argument,
             "kvcolumn: min_chunk_bytes=" + std::to_string(o.min_chunk_bytes) +
                 " is larger than max_chunk_bytes=" + std::to_string(o.max_chunk_bytes));
  // Validates the sizes (variable-size columns: for their 7-byte index entries).
  kv::ChunkLayout check(o.dtype.is_varsize() ? kv::kVarIndexEntryBytes : o.dtype.elem_size(),
                        o.min_chunk_bytes, o.max_chunk_bytes);
  return o;
}

Table::~Table() {
  if (!live) return;
  auto& v = live->tables;
  v.erase(std::remove(v.begin(), v.end(), this), v.end());
}

void Table::revalidate() {
  if (shared->txn.in_txn) return;
  if (shared->freshness.changed(db, schema)) column->invalidate();  // no version: never trust the cache
}

void Table::remember_version() { shared->freshness.remember(db, schema); }

namespace {

// Names a table cannot take (xCreate, xRename): its hidden command column is
// named like the table, so it must not collide with the other columns (idx,
// value, raw) or with the rowid's aliases.
constexpr const char* kReservedNames[] = {"idx", "value", "raw", "rowid", "oid", "_rowid_"};

// The name of the hidden command column. Normally the table's own name; a
// table named idx, value or raw (possible before xRename refused those names)
// gets "command" instead, so it still opens and can be renamed or dropped.
std::string command_column(const std::string& table) {
  for (const char* clash : {"idx", "value", "raw"})
    if (sqlite3_stricmp(table.c_str(), clash) == 0) return "command";
  return table;
}

// Builds the Table for xCreate (create = true: also the shadow tables) and xConnect.
int kvcolumnInit(sqlite3* db, Connection& conn, int argc, const char* const* argv, sqlite3_vtab** out,
                 char** err, bool create) {
  Registry& registry = conn.registry;
  *out = nullptr;
  return guard_status(err, [&] {
    Options options = parse_options(argc, argv);
    if (create)
      options.instance_id = new_instance_id();
    else
      options = ShadowInfo::read(db, argv[1], argv[2]).options(argv[2], options);
    auto table = std::make_unique<Table>();
    std::memset(static_cast<sqlite3_vtab*>(table.get()), 0, sizeof(sqlite3_vtab));
    table->db = db;
    table->schema = argv[1];
    table->name = argv[2];
    table->options = options;
    if (create)
      check_table_name(db, table->schema, table->name, "kvcolumn", kReservedNames, kShadowSuffixes,
                       owned_suffixes(options.dtype.is_varsize()));
    const bool varsize = options.dtype.is_varsize();
    if (create) ShadowInfo::create(db, table->schema, table->name, options);
    const std::string decl = mprintf("CREATE TABLE x(idx INTEGER, value, \"%w\" HIDDEN, raw BLOB HIDDEN)",
                                     command_column(table->name).c_str());
    int rc = sqlite3_declare_vtab(db, decl.c_str());
    if (rc != SQLITE_OK) throw_sqlite_error(db, rc, "kvcolumn: cannot declare the table");
    // Every sqlite3_vtab of this table in this connection shares one state
    // (common/vtab_state.hpp); a dropped table's state is never reused.
    const std::string key = state_key(table->schema, options.instance_id, table->name);
    std::shared_ptr<Shared> sh = create ? nullptr : registry.find(key);
    if (!sh || sh->dropped) {
      sh = std::make_shared<Shared>();
      if (varsize) {
        sh->store = std::make_unique<SqliteChunkStore>(db, table->schema, table->name, kIdxSuffix, "length");
        sh->data_store =
            std::make_unique<SqliteChunkStore>(db, table->schema, table->name, kDataSuffix, "data_length");
        sh->kind = std::make_unique<kv::VarColumn>(*sh->store, *sh->data_store, options.min_chunk_bytes,
                                                   options.max_chunk_bytes, table->name, options.cache_bytes,
                                                   kReadCacheBytes);
      } else {
        sh->store = std::make_unique<SqliteChunkStore>(db, table->schema, table->name);
        sh->kind = std::make_unique<kv::FixedColumn>(
            *sh->store,
            kv::ChunkLayout(options.dtype.elem_size(), options.min_chunk_bytes, options.max_chunk_bytes),
            table->name, options.cache_bytes,
            read_cache_bytes(options));  // read LRU: a column cache_bytes holds stays in memory
      }
      sh->column = std::visit([](const auto& column) -> kv::Column* { return column.get(); }, sh->kind);
      registry.put(key, sh);
    } else {
      // The shared state follows the name SQLite connects with: it differs
      // after a ROLLBACK (TO) undid an ALTER TABLE RENAME.
      sh->store->rename(table->name);
      if (sh->data_store) sh->data_store->rename(table->name);
      sh->column->set_name(table->name);
    }
    table->store = sh->store.get();
    table->data_store = sh->data_store.get();
    table->column = sh->column;
    table->shared = std::move(sh);
    table->registry = &registry;
    table->live = &conn.live;
    conn.live.tables.push_back(table.get());
    *out = table.release();
    return SQLITE_OK;
  });
}

// xCreate: CREATE VIRTUAL TABLE; creates the shadow tables.
int kvcolumnCreate(sqlite3* db, void* aux, int argc, const char* const* argv, sqlite3_vtab** out,
                   char** err) {
  return kvcolumnInit(db, *static_cast<Connection*>(aux), argc, argv, out, err, true);
}

// xConnect: the table exists; attach to its shadow tables.
int kvcolumnConnect(sqlite3* db, void* aux, int argc, const char* const* argv, sqlite3_vtab** out,
                    char** err) {
  return kvcolumnInit(db, *static_cast<Connection*>(aux), argc, argv, out, err, false);
}

// Query plans: the shared range plan (common/range_plan.hpp, one encoding for
// kvcolumn and kohakuvault_column) plus kPlanAllColumns. idxNum is a bit set;
// xFilter's argv holds the constraint values in this order, each present only
// if its bit is:
//
//   kRangeEq | kRangeIn   idx = ? (kRangeIn: an IN list read with sqlite3_vtab_in_first/next)
//   kRangeGt | kRangeGe   lower bound idx > ? / idx >= ?
//   kRangeLt | kRangeLe   upper bound idx < ? / idx <= ?
//   kRangeLimit           LIMIT ?   (only when every constraint is consumed and the order is ours)
//   kRangeOffset          OFFSET ?  (same)
//   kRangeDesc            no argument: produce rows in descending idx order
//   kPlanAllColumns       no argument: every column is used, as in an UPDATE; value
//                         and raw then honour sqlite3_vtab_nochange (see kvcolumnColumn)
//
// xFilter walks the rows with kvx::IdxWalk (common/idx_walk.hpp).
// Constraints on idx (or the rowid) are all omitted: xFilter compares REAL and
// TEXT values the way SQLite compares them with an INTEGER column (numeric
// affinity; TEXT that is not a number sorts after every number, BLOB after
// TEXT, NULL matches nothing). Rows come out in idx order, so ORDER BY idx
// [DESC] is consumed. Cost: point < IN < range < full scan.
int kvcolumnBestIndex(sqlite3_vtab* vtab, sqlite3_index_info* info) {
  return guard_status(&vtab->zErrMsg, [&] {
    int argc = 0;
    int plan = plan_range(info, kIdx, argc, RangeCosts{4e6, 1e6, 1e6, 5e5});
    // An UPDATE marks every column used (SQLite sets all colUsed bits for a
    // virtual table); a SELECT marks only what it reads, and rarely the
    // hidden command column.
    if (info->colUsed >> kCommand & 1) plan |= kPlanAllColumns;
    info->idxNum = plan;
    return SQLITE_OK;
  });
}

// xDisconnect: the connection closes or the schema is reloaded (the shared
// state lives on while another sqlite3_vtab of the table holds it).
int kvcolumnDisconnect(sqlite3_vtab* vtab) {
  delete static_cast<Table*>(vtab);
  return SQLITE_OK;
}

// xDestroy: DROP TABLE; removes the shadow tables.
int kvcolumnDestroy(sqlite3_vtab* vtab) {
  Table* t = static_cast<Table*>(vtab);
  int rc = guard_status(&vtab->zErrMsg, [&] {
    for (const char* suffix : kShadowSuffixes)  // every name the table may have (info first)
      exec(t->db, "DROP TABLE IF EXISTS " + shadow_name(t->schema, t->name, suffix), "kvcolumn");
    // An older sqlite3_vtab of this table may still be in the transaction and
    // get xSync: it must not write into a table created later under the name.
    t->shared->dropped = true;
    t->column->discard();
    return SQLITE_OK;
  });
  if (rc == SQLITE_OK) delete t;
  return rc;
}

// xRename: ALTER TABLE ... RENAME TO. The new name is checked like a new
// table's first (a reserved name would leave a table that cannot reopen).
// Then the shadow tables are renamed and the buffered writes flushed into
// them, in that order: if a rename fails nothing has been flushed, so the
// buffer survives the statement's rollback (flushing first and failing
// after lost the transaction's buffered rows). The flush is needed because
// SQLite reconnects the table under its new name after the statement.
int kvcolumnRename(sqlite3_vtab* vtab, const char* new_name) {
  Table* t = static_cast<Table*>(vtab);
  return guard_status(&vtab->zErrMsg, [&] {
    const bool varsize = t->options.dtype.is_varsize();
    check_table_name(t->db, t->schema, new_name, "kvcolumn", kReservedNames, kShadowSuffixes,
                     owned_suffixes(varsize));
    t->store->finish_writes();  // no open blob handle on a table being renamed
    if (t->data_store) t->data_store->finish_writes();
    for (const char* suffix : owned_suffixes(varsize)) {
      exec(t->db,
           mprintf("ALTER TABLE \"%w\".\"%w_%s\" RENAME TO \"%w_%s\"", t->schema.c_str(), t->name.c_str(),
                   suffix, new_name, suffix),
           "kvcolumn");
    }
    auto point_at = [&](const std::string& name) {
      if (t->options.instance_id.empty())  // a table keyed by name (created by an older build)
        t->registry->rename(state_key(t->schema, "", t->name), state_key(t->schema, "", name));
      t->name = name;
      t->store->rename(name);
      if (t->data_store) t->data_store->rename(name);
      t->column->set_name(name);
    };
    const std::string old_name = t->name;
    point_at(new_name);
    try {
      t->column->flush();
    } catch (...) {
      point_at(old_name);  // the statement's rollback gives the shadow tables their old names back
      throw;
    }
    return SQLITE_OK;
  });
}

// xShadowName: the suffixes that mark "<table>_<suffix>" as our shadow tables
// (the union over fixed- and variable-size tables, see kShadowSuffixes).
int kvcolumnShadowName(const char* suffix) { return claims_shadow_suffix(suffix, kShadowSuffixes); }

const sqlite3_module kModule = {
    /* iVersion      */ 3,
    /* xCreate       */ kvcolumnCreate,
    /* xConnect      */ kvcolumnConnect,
    /* xBestIndex    */ kvcolumnBestIndex,
    /* xDisconnect   */ kvcolumnDisconnect,
    /* xDestroy      */ kvcolumnDestroy,
    /* xOpen         */ open_cursor<Cursor>,
    /* xClose        */ close_cursor<Cursor>,
    /* xFilter       */ kvcolumnFilter,
    /* xNext         */ kvcolumnNext,
    /* xEof          */ kvcolumnEof,
    /* xColumn       */ kvcolumnColumn,
    /* xRowid        */ kvcolumnRowid,
    /* xUpdate       */ kvcolumnUpdate,
    /* xBegin        */ kvcolumnBegin,
    /* xSync         */ kvcolumnSync,
    /* xCommit       */ kvcolumnCommit,
    /* xRollback     */ kvcolumnRollback,
    /* xFindFunction */ nullptr,
    /* xRename       */ kvcolumnRename,
    /* xSavepoint    */ kvcolumnSavepoint,
    /* xRelease      */ kvcolumnRelease,
    /* xRollbackTo   */ kvcolumnRollbackTo,
    /* xShadowName   */ kvcolumnShadowName,
};

}  // namespace

}  // namespace kvx::kvcolumn

namespace kvx {

// The per-connection registry of table states and the list of live tables
// (kvcolumn::Connection) are the module's client data, freed by SQLite when
// the connection closes.
int register_kvcolumn(sqlite3* db, char** err) {
  auto* conn = new (std::nothrow) kvcolumn::Connection();
  if (!conn) return SQLITE_NOMEM;
  int rc = register_module(db, "kvcolumn", &kvcolumn::kModule, err, conn,
                           [](void* p) { delete static_cast<kvcolumn::Connection*>(p); });
  if (rc == SQLITE_OK) rc = kvcolumn::register_list(db, err);
  if (rc == SQLITE_OK) rc = kvcolumn::register_set_functions(db, &conn->live, err);
  if (rc == SQLITE_OK) rc = kvcolumn::register_knn(db, &conn->live, err);
  return rc;
}

}  // namespace kvx
