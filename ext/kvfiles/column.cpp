// kohakuvault_column(name [, schema]): the elements of one KohakuVault column.
//
//   SELECT idx, value FROM kohakuvault_column('temperatures') WHERE idx BETWEEN 100 AND 199;
//   SELECT raw FROM kohakuvault_column('profiles', 'old') WHERE idx = 3;
//   INSERT INTO temps(raw) SELECT raw FROM kohakuvault_column('temperatures');  -- no decoding
//
// Declared schema (table-valued function arguments bind to the hidden
// columns in order, so name and schema come before raw):
//   CREATE TABLE x(idx INTEGER, value, name HIDDEN, schema HIDDEN, raw BLOB HIDDEN)
// idx is the rowid (0-based); value is the element as kv_unpack(dtype)
// returns it (the dtype from col_meta); raw is the element's stored bytes.
//
// Plan (xBestIndex -> idxNum bits; xFilter's argv in this order): the name
// argument is always argv[0]; kPlanSchema: the schema argument (else 'main');
// then the shared range plan's bits and values (common/range_plan.hpp: idx = ?
// or IN, one lower and one upper bound, DESC, LIMIT/OFFSET). The rows it visits
// come from kvx::IdxWalk (ext/common/idx_walk.hpp), as in kvcolumn.
// Chunks are read through SqliteChunkSource (incremental blob I/O, windows of
// at most 64 KiB or one element), owned by the cursor so their blob handles
// close with it. Nothing is written.
#include <algorithm>
#include <cstring>
#include <memory>
#include <optional>

#include "common/firewall.hpp"
#include "common/idx_walk.hpp"
#include "common/listing_vtab.hpp"
#include "common/range_plan.hpp"
#include "common/registry.hpp"
#include "common/value_bridge.hpp"
#include "common/vtab_cursor.hpp"
#include "kvfiles/kvfiles.hpp"
#include "kvfiles/reader.hpp"

namespace kvx::kvfiles {

namespace {

enum Col { kIdx = 0, kValue = 1, kNameArg = 2, kSchemaArg = 3, kRaw = 4 };

// idxNum: the shared range plan's bits (kRangeEq ..., common/range_plan.hpp)
// and one of our own: the schema argument is given.
inline constexpr int kPlanSchema = kRangeModuleBit;

using Table = ConnectionTable;

struct Cursor : sqlite3_vtab_cursor {
  Table* table() const { return static_cast<Table*>(pVtab); }
  std::string name, schema;
  // Kept across xFilter calls of one statement (same schema): the blob handles stay open.
  std::unique_ptr<SqliteChunkSource> main_source, data_source;
  std::optional<kv::kvfiles::ColumnReader> reader;
  IdxWalk walk;  // the idx values of the plan (common/idx_walk.hpp)
};

int columnConnect(sqlite3* db, void*, int, const char* const*, sqlite3_vtab** out, char** err) {
  return connect_table<Table>(
      db, "CREATE TABLE x(idx INTEGER, value, name HIDDEN, schema HIDDEN, raw BLOB HIDDEN)",
      "kohakuvault_column", out, err);
}

int columnBestIndex(sqlite3_vtab* vtab, sqlite3_index_info* info) {
  return guard_status(&vtab->zErrMsg, [&] {
    // The name and schema arguments (equality on the hidden columns) are ours;
    // everything else is the shared range plan.
    int name = -1, schema = -1;
    std::vector<int> arguments;
    for (int i = 0; i < info->nConstraint; ++i) {
      const auto& c = info->aConstraint[i];
      if ((c.iColumn == kNameArg || c.iColumn == kSchemaArg) && c.op == SQLITE_INDEX_CONSTRAINT_EQ) {
        if (!c.usable) return SQLITE_CONSTRAINT;  // an argument from a later table: try another order
        (c.iColumn == kNameArg ? name : schema) = i;
        arguments.push_back(i);
      }
    }
    if (name < 0)
      kv::fail(kv::Errc::invalid_argument,
               "kohakuvault_column needs the column's name: kohakuvault_column('name' [, 'schema'])");
    int plan = 0, argc = 0;
    auto use = [&](int i) {
      info->aConstraintUsage[i].argvIndex = ++argc;
      info->aConstraintUsage[i].omit = 1;
    };
    use(name);
    if (schema >= 0) plan |= kPlanSchema, use(schema);
    plan |= plan_range(info, kIdx, argc, RangeCosts{1e6, 1e6, 5e5, 5e5}, arguments);
    info->idxNum = plan;
    return SQLITE_OK;
  });
}

std::string text_arg(sqlite3_value* v, const char* what) {
  const unsigned char* s = sqlite3_value_text(v);
  if (!s) {
    if (sqlite3_value_type(v) != SQLITE_NULL) throw std::bad_alloc();
    kv::fail(kv::Errc::invalid_argument, std::string("kohakuvault_column: the ") + what + " argument is NULL");
  }
  return std::string(reinterpret_cast<const char*>(s), static_cast<std::size_t>(sqlite3_value_bytes(v)));
}

// Opens the named column (reusing the chunk sources while the schema is the same).
void open_column(Cursor* cur, const std::string& name, const std::string& schema) {
  sqlite3* db = cur->table()->db;
  cur->reader.reset();
  if (!cur->main_source || schema != cur->schema) {
    cur->main_source = std::make_unique<SqliteChunkSource>(db, schema);
    cur->data_source = std::make_unique<SqliteChunkSource>(db, schema);
  }
  cur->name = name;
  cur->schema = schema;
  auto column = kv::kvfiles::find_column(load_meta(db, schema), name);
  if (!column)
    kv::fail(kv::Errc::invalid_argument, "kohakuvault_column: no KohakuVault column '" + name + "' in schema '" +
                                             schema + "' (see kohakuvault_columns)");
  cur->reader.emplace(std::move(*column), *cur->main_source, *cur->data_source);
}

int columnFilter(sqlite3_vtab_cursor* cursor, int plan, const char*, int, sqlite3_value** argv) {
  Cursor* cur = static_cast<Cursor*>(cursor);
  return guard_status(&cur->table()->zErrMsg, [&] {
    int arg = 0;
    const std::string name = text_arg(argv[arg++], "name");
    const std::string schema = plan & kPlanSchema ? text_arg(argv[arg++], "schema") : "main";
    open_column(cur, name, schema);
    cur->walk.start(plan, argv, arg, cur->reader->length());
    // Scans read windows ahead in their direction; a single row or an IN list reads just the element.
    const IdxWalk& w = cur->walk;
    auto direction = w.desc ? kv::kvfiles::Direction::backward : kv::kvfiles::Direction::forward;
    if (w.use_list || w.hi - w.lo <= 1 || w.remaining <= 1) direction = kv::kvfiles::Direction::point;
    cur->reader->set_direction(direction);
    return SQLITE_OK;
  });
}

int columnNext(sqlite3_vtab_cursor* cursor) {
  static_cast<Cursor*>(cursor)->walk.next();
  return SQLITE_OK;
}

int columnEof(sqlite3_vtab_cursor* cursor) { return static_cast<Cursor*>(cursor)->walk.eof; }

int columnColumn(sqlite3_vtab_cursor* cursor, sqlite3_context* ctx, int col) {
  Cursor* cur = static_cast<Cursor*>(cursor);
  return guard_status(&cur->table()->zErrMsg, [&] {
    const std::uint64_t i = cur->walk.current();
    auto text = [&](const std::string& s) {
      sqlite3_result_text64(ctx, s.data(), s.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    };
    switch (col) {
      case kIdx: sqlite3_result_int64(ctx, static_cast<sqlite3_int64>(i)); break;
      case kNameArg: text(cur->name); break;
      case kSchemaArg: text(cur->schema); break;
      case kRaw: {
        std::string_view e = cur->reader->element(i);
        if (e.empty())
          sqlite3_result_zeroblob(ctx, 0);  // x'' (a null pointer would make it NULL)
        else
          sqlite3_result_blob64(ctx, e.data(), e.size(), SQLITE_TRANSIENT);
        break;
      }
      case kValue: {
        const auto& dtype = cur->reader->dtype();
        if (!dtype)
          kv::fail(kv::Errc::invalid_argument, "kohakuvault_column: column '" + cur->name + "' has dtype '" +
                                                   cur->reader->column().dtype() +
                                                   "', which kv_unpack cannot decode; select raw instead");
        std::string_view e = cur->reader->element(i);
        try {
          result_element(ctx, *dtype, e);  // common/value_bridge.hpp
        } catch (const kv::Error& err) {
          if (err.code() != kv::Errc::corrupt) throw;
          kv::fail(kv::Errc::corrupt, "KohakuVault column '" + cur->name + "' element " + std::to_string(i) +
                                          ": " + err.what());
        }
        break;
      }
    }
    return SQLITE_OK;
  });
}

int columnRowid(sqlite3_vtab_cursor* cursor, sqlite3_int64* rowid) {
  *rowid = static_cast<sqlite3_int64>(static_cast<Cursor*>(cursor)->walk.current());
  return SQLITE_OK;
}

const sqlite3_module kColumnModule = {
    /* iVersion      */ 0,
    /* xCreate       */ nullptr,  // eponymous only
    /* xConnect      */ columnConnect,
    /* xBestIndex    */ columnBestIndex,
    /* xDisconnect   */ disconnect_table<Table>,
    /* xDestroy      */ disconnect_table<Table>,
    /* xOpen         */ open_cursor<Cursor>,
    /* xClose        */ close_cursor<Cursor>,
    /* xFilter       */ columnFilter,
    /* xNext         */ columnNext,
    /* xEof          */ columnEof,
    /* xColumn       */ columnColumn,
    /* xRowid        */ columnRowid,
    /* xUpdate       */ nullptr,  // read-only
    /* xBegin        */ nullptr,
    /* xSync         */ nullptr,
    /* xCommit       */ nullptr,
    /* xRollback     */ nullptr,
    /* xFindFunction */ nullptr,
    /* xRename       */ nullptr,
    /* xSavepoint    */ nullptr,
    /* xRelease      */ nullptr,
    /* xRollbackTo   */ nullptr,
    /* xShadowName   */ nullptr,
};

}  // namespace

int register_column(sqlite3* db, char** err) {
  return register_module(db, "kohakuvault_column", &kColumnModule, err);
}

}  // namespace kvx::kvfiles
