// kv_unpack_each(dtype, blob [, offsets]): one row per element of a packed
// blob, an eponymous-only table-valued function.
//
//   CREATE TABLE x(idx INTEGER, value, dtype HIDDEN, blob HIDDEN, offsets HIDDEN)
//
//   select idx, value from kv_unpack_each('i32', kv_pack_many('i32', '[1,2,3]'));
//
// idx is 0-based; value is what kv_unpack returns for that element. Elements
// are found as kv_unpack_many finds them: by fixed size, item by item for
// msgpack/cbor, or by the JSON array of start offsets.
//
// xBestIndex: dtype and blob must be constrained by '=' (usable); offsets is
// optional (common/hidden_args.hpp: idxNum bit 2 = offsets given). xFilter's
// argv is always (dtype, blob[, offsets]) in that order. Rows come in idx order
// (orderByConsumed for ORDER BY idx ASC).
#include <memory>
#include <string>
#include <vector>

#include "codec/codec.hpp"
#include "common/firewall.hpp"
#include "codec/pack_batch.hpp"
#include "common/hidden_args.hpp"
#include "common/registry.hpp"
#include "common/value_bridge.hpp"
#include "common/vtab_cursor.hpp"

namespace kvx {
namespace {

enum Column { kIdx = 0, kValue, kDtype, kBlob, kOffsets };

struct EachVtab : sqlite3_vtab {};

struct EachCursor : sqlite3_vtab_cursor {
  kv::DType dtype;
  std::string dtype_text;
  std::string blob;  // a copy: the argument value does not outlive xFilter
  std::string offsets_text;
  bool has_offsets = false;
  std::vector<std::size_t> offsets;
  std::unique_ptr<kv::codec::batch::ElementCursor> walker;
  std::string_view element;
  sqlite3_int64 idx = -1;
  bool eof = true;
};

EachCursor* cursor_of(sqlite3_vtab_cursor* c) { return static_cast<EachCursor*>(c); }

// xConnect: declares the table; the only constructor (eponymous-only).
int eachConnect(sqlite3* db, void*, int, const char* const*, sqlite3_vtab** out, char** err) {
  return guard_status(err, [&] {
    int rc = sqlite3_declare_vtab(
        db, "CREATE TABLE x(idx INTEGER, value, dtype HIDDEN, blob HIDDEN, offsets HIDDEN)");
    if (rc != SQLITE_OK) return rc;
    sqlite3_vtab_config(db, SQLITE_VTAB_INNOCUOUS);
    auto* vtab = new EachVtab();
    *out = vtab;
    return SQLITE_OK;
  });
}

int eachDisconnect(sqlite3_vtab* vtab) {
  delete static_cast<EachVtab*>(vtab);
  return SQLITE_OK;
}

// xBestIndex: see the header for the plan encoding.
int eachBestIndex(sqlite3_vtab* vtab, sqlite3_index_info* info) {
  return guard_status(&vtab->zErrMsg, [&] {
    const int rc = plan_hidden_args(info, kDtype, 3, 2, "kv_unpack_each needs its dtype and blob arguments");
    if (rc != SQLITE_OK) return rc;
    if (info->nOrderBy == 1 && info->aOrderBy[0].iColumn == kIdx && !info->aOrderBy[0].desc)
      info->orderByConsumed = 1;
    info->estimatedCost = 100;
    info->estimatedRows = 100;
    return SQLITE_OK;
  });
}

// Moves to the next element (or EOF).
void advance(EachCursor* c) {
  if (!c->walker || !c->walker->next(c->element)) {
    c->eof = true;
    return;
  }
  ++c->idx;
}

// xFilter: argv = (dtype, blob[, offsets]). A NULL blob gives no rows.
int eachFilter(sqlite3_vtab_cursor* cur, int idxNum, const char*, int argc, sqlite3_value** argv) {
  EachCursor* c = cursor_of(cur);
  return guard_status(&cur->pVtab->zErrMsg, [&] {
    c->walker.reset();
    c->eof = true;
    c->idx = -1;
    c->dtype = to_dtype(argv[0]);
    c->dtype_text.assign(to_view(argv[0]).bytes);
    kv::ValueView b = to_view(argv[1]);
    if (b.kind == kv::Kind::null) return SQLITE_OK;
    if (b.kind != kv::Kind::blob)
      kv::fail(kv::Errc::type_mismatch,
               std::string("kv_unpack_each expects a BLOB, got ") + kv::kind_name(b.kind));
    c->blob.assign(b.bytes);
    c->has_offsets = (idxNum & (1 << (kOffsets - kDtype))) && argc >= 3;
    if (c->has_offsets) {
      kv::ValueView o = to_view(argv[2]);
      if (o.kind != kv::Kind::text) kv::fail(kv::Errc::type_mismatch, "offsets must be TEXT (a JSON array)");
      c->offsets_text.assign(o.bytes);
      c->offsets = kv::codec::batch::parse_offsets(c->offsets_text, c->blob.size());
    }
    c->walker =
        std::make_unique<kv::codec::batch::ElementCursor>(c->dtype, c->blob, c->has_offsets ? &c->offsets : nullptr);
    c->eof = false;
    advance(c);
    return SQLITE_OK;
  });
}

int eachNext(sqlite3_vtab_cursor* cur) {
  return guard_status(&cur->pVtab->zErrMsg, [&] {
    advance(cursor_of(cur));
    return SQLITE_OK;
  });
}

int eachEof(sqlite3_vtab_cursor* cur) { return cursor_of(cur)->eof ? 1 : 0; }

int eachColumn(sqlite3_vtab_cursor* cur, sqlite3_context* ctx, int col) {
  EachCursor* c = cursor_of(cur);
  return guard_status(&cur->pVtab->zErrMsg, [&] {
    switch (col) {
      case kIdx: sqlite3_result_int64(ctx, c->idx); break;
      case kValue: try { result_element(ctx, c->dtype, c->element);
        } catch (const kv::Error& e) {
          kv::fail(e.code(), "element " + std::to_string(c->idx) + ": " + e.what());
        }
        break;
      case kDtype:
        sqlite3_result_text64(ctx, c->dtype_text.data(), c->dtype_text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
        break;
      case kBlob: set_blob_result(ctx, c->blob); break;
      case kOffsets:
        if (c->has_offsets) {
          sqlite3_result_text64(ctx, c->offsets_text.data(), c->offsets_text.size(), SQLITE_TRANSIENT,
                                SQLITE_UTF8);
        } else {
          sqlite3_result_null(ctx);
        }
        break;
    }
    return SQLITE_OK;
  });
}

int eachRowid(sqlite3_vtab_cursor* cur, sqlite3_int64* rowid) {
  *rowid = cursor_of(cur)->idx;
  return SQLITE_OK;
}

const sqlite3_module kEachModule = {
    /* iVersion    */ 0,
    /* xCreate     */ nullptr,  // eponymous-only: no CREATE VIRTUAL TABLE
    /* xConnect    */ eachConnect,
    /* xBestIndex  */ eachBestIndex,
    /* xDisconnect */ eachDisconnect,
    /* xDestroy    */ nullptr,
    /* xOpen       */ open_cursor<EachCursor>,
    /* xClose      */ close_cursor<EachCursor>,
    /* xFilter     */ eachFilter,
    /* xNext       */ eachNext,
    /* xEof        */ eachEof,
    /* xColumn     */ eachColumn,
    /* xRowid      */ eachRowid,
    /* xUpdate     */ nullptr,
    /* xBegin      */ nullptr,
    /* xSync       */ nullptr,
    /* xCommit     */ nullptr,
    /* xRollback   */ nullptr,
    /* xFindMethod */ nullptr,
    /* xRename     */ nullptr,
    /* xSavepoint  */ nullptr,
    /* xRelease    */ nullptr,
    /* xRollbackTo */ nullptr,
    /* xShadowName */ nullptr,
};

}  // namespace

int register_unpack_each(sqlite3* db, char** err) {
  return register_module(db, "kv_unpack_each", &kEachModule, err);
}

}  // namespace kvx
