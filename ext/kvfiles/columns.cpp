// kohakuvault_columns: the columns of a KohakuVault file, one row each.
//
//   SELECT name, dtype, kind, length FROM kohakuvault_columns;          -- schema main
//   SELECT * FROM kohakuvault_columns('other');                         -- an attached schema
//
// kind is 'fixed' or 'var'; a variable-size column (upstream's NAME_data +
// NAME_idx pair) is one row named NAME with NAME_data's dtype and NAME_idx's
// length. A schema without a col_meta table has no rows. Declared schema:
//   CREATE TABLE x(name TEXT, dtype TEXT, kind TEXT, length INTEGER, schema HIDDEN)
#include <cstring>

#include "common/firewall.hpp"
#include "common/listing_vtab.hpp"
#include "common/registry.hpp"
#include "common/vtab_cursor.hpp"
#include "kvfiles/kvfiles.hpp"

namespace kvx::kvfiles {

namespace {

enum ListCol { kName, kDtype, kKind, kLength, kSchemaArg };

struct ListCursor : RowsCursor<kv::kvfiles::LogicalColumn> {
  std::string schema;
};

int listConnect(sqlite3* db, void*, int, const char* const*, sqlite3_vtab** out, char** err) {
  return connect_table<ConnectionTable>(
      db, "CREATE TABLE x(name TEXT, dtype TEXT, kind TEXT, length INTEGER, schema HIDDEN)",
      "kohakuvault_columns", out, err);
}

// idxNum 1: the schema argument is argv[0]; otherwise schema main.
int listBestIndex(sqlite3_vtab*, sqlite3_index_info* info) {
  for (int i = 0; i < info->nConstraint; ++i) {
    const auto& c = info->aConstraint[i];
    if (c.iColumn == kSchemaArg && c.op == SQLITE_INDEX_CONSTRAINT_EQ) {
      if (!c.usable) return SQLITE_CONSTRAINT;
      info->aConstraintUsage[i].argvIndex = 1;
      info->aConstraintUsage[i].omit = 1;
      info->idxNum = 1;
      break;
    }
  }
  info->estimatedCost = 100;
  info->estimatedRows = 20;
  return SQLITE_OK;
}

int listFilter(sqlite3_vtab_cursor* cur, int plan, const char*, int, sqlite3_value** argv) {
  auto* c = static_cast<ListCursor*>(cur);
  return guard_status(&cur->pVtab->zErrMsg, [&] {
    c->schema = "main";
    if (plan == 1) {
      const unsigned char* s = sqlite3_value_text(argv[0]);
      if (!s) kv::fail(kv::Errc::invalid_argument, "kohakuvault_columns: the schema argument is NULL");
      c->schema = reinterpret_cast<const char*>(s);
    }
    c->rows = kv::kvfiles::list_columns(load_meta(c->db(), c->schema));
    c->pos = 0;
    return SQLITE_OK;
  });
}

int listColumn(sqlite3_vtab_cursor* cur, sqlite3_context* ctx, int col) {
  auto* c = static_cast<ListCursor*>(cur);
  const kv::kvfiles::LogicalColumn& l = c->rows[c->pos];
  auto text = [&](const std::string& s) {
    sqlite3_result_text64(ctx, s.data(), s.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  };
  switch (col) {
    case kName: text(l.name); break;
    case kDtype: text(l.dtype()); break;
    case kKind: sqlite3_result_text(ctx, kind_name(l.kind), -1, SQLITE_STATIC); break;
    case kLength: sqlite3_result_int64(ctx, l.length()); break;
    case kSchemaArg: text(c->schema); break;
  }
  return SQLITE_OK;
}

const sqlite3_module kListModule = {
    /* iVersion      */ 0,
    /* xCreate       */ nullptr,  // eponymous only
    /* xConnect      */ listConnect,
    /* xBestIndex    */ listBestIndex,
    /* xDisconnect   */ disconnect_table<ConnectionTable>,
    /* xDestroy      */ disconnect_table<ConnectionTable>,
    /* xOpen         */ open_cursor<ListCursor>,
    /* xClose        */ close_cursor<ListCursor>,
    /* xFilter       */ listFilter,
    /* xNext         */ rows_next<ListCursor>,
    /* xEof          */ rows_eof<ListCursor>,
    /* xColumn       */ listColumn,
    /* xRowid        */ rows_rowid<ListCursor>,
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

int register_columns(sqlite3* db, char** err) {
  return register_module(db, "kohakuvault_columns", &kListModule, err);
}

}  // namespace kvx::kvfiles

namespace kvx {

int register_kvfiles(sqlite3* db, char** err) {
  int rc = kvfiles::register_columns(db, err);
  return rc != SQLITE_OK ? rc : kvfiles::register_column(db, err);
}

}  // namespace kvx
