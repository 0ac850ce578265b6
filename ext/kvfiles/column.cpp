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
// Plan (xBestIndex -> idxNum bits; xFilter's argv in this order):
//   kPlanSchema   schema argument (else 'main'); the name argument is always argv[0]
//   kPlanEq | kPlanIn   idx = ? / idx IN (...) (sqlite3_vtab_in, SQLite 3.38+)
//   kPlanGt|kPlanGe, kPlanLt|kPlanLe   one lower and one upper idx bound
//   kPlanDesc     ORDER BY idx DESC (ORDER BY idx is always consumed)
//   kPlanLimit, kPlanOffset   LIMIT/OFFSET, only when every other constraint is consumed
// The intervals come from kvx::narrow (ext/common/idx_range.hpp), as in kvcolumn.
// Chunks are read through SqliteChunkSource (incremental blob I/O, windows of
// at most 64 KiB or one element), owned by the cursor so their blob handles
// close with it. Nothing is written.
#include <algorithm>
#include <cstring>
#include <memory>
#include <optional>

#include "common/firewall.hpp"
#include "common/idx_range.hpp"
#include "common/registry.hpp"
#include "common/value_bridge.hpp"
#include "kvfiles/kvfiles.hpp"
#include "kvfiles/reader.hpp"
#include "common/vtab_cursor.hpp"

namespace kvx::kvfiles {

namespace {

enum Col { kIdx = 0, kValue = 1, kNameArg = 2, kSchemaArg = 3, kRaw = 4 };

enum Plan : int {
  kPlanSchema = 1,
  kPlanEq = 2,
  kPlanIn = 4,
  kPlanGt = 8,
  kPlanGe = 16,
  kPlanLt = 32,
  kPlanLe = 64,
  kPlanDesc = 128,
  kPlanLimit = 256,
  kPlanOffset = 512,
};

struct Table : sqlite3_vtab {
  sqlite3* db = nullptr;
};

struct Cursor : sqlite3_vtab_cursor {
  Table* table() const { return static_cast<Table*>(pVtab); }
  std::string name, schema;
  // Kept across xFilter calls of one statement (same schema): the blob handles stay open.
  std::unique_ptr<SqliteChunkSource> main_source, data_source;
  std::optional<kv::kvfiles::ColumnReader> reader;
  bool use_list = false;
  std::vector<std::uint64_t> list;  // IN plans: the indexes in output order
  std::size_t list_pos = 0;
  std::uint64_t lo = 0, hi = 0, cur = 0;  // range plans: [lo, hi), current idx
  bool desc = false;
  std::uint64_t remaining = 0;
  bool eof = true;
  std::uint64_t current() const { return use_list ? list[list_pos] : cur; }
  void position() {
    eof = remaining == 0 || (use_list ? list_pos >= list.size() : lo >= hi);
  }
};

int columnConnect(sqlite3* db, void*, int, const char* const*, sqlite3_vtab** out, char** err) {
  *out = nullptr;
  return guard_status(err, [&] {
    int rc = sqlite3_declare_vtab(db, "CREATE TABLE x(idx INTEGER, value, name HIDDEN, schema HIDDEN, raw BLOB HIDDEN)");
    if (rc != SQLITE_OK) kvcolumn::fail_sqlite(db, rc, "kohakuvault_column: cannot declare the table");
    auto* t = new Table();
    std::memset(static_cast<sqlite3_vtab*>(t), 0, sizeof(sqlite3_vtab));
    t->db = db;
    *out = t;
    return SQLITE_OK;
  });
}

int columnDisconnect(sqlite3_vtab* vtab) {
  delete static_cast<Table*>(vtab);
  return SQLITE_OK;
}

int columnBestIndex(sqlite3_vtab* vtab, sqlite3_index_info* info) {
  return guard_status(&vtab->zErrMsg, [&] {
    int name = -1, schema = -1, eq = -1, lower = -1, upper = -1, limit = -1, offset = -1;
    bool all_consumed = true;
    for (int i = 0; i < info->nConstraint; ++i) {
      const auto& c = info->aConstraint[i];
      if (c.op == SQLITE_INDEX_CONSTRAINT_LIMIT || c.op == SQLITE_INDEX_CONSTRAINT_OFFSET) {
        if (!c.usable) continue;
        if (c.op == SQLITE_INDEX_CONSTRAINT_LIMIT && limit < 0) limit = i;
        if (c.op == SQLITE_INDEX_CONSTRAINT_OFFSET && offset < 0) offset = i;
        continue;
      }
      if ((c.iColumn == kNameArg || c.iColumn == kSchemaArg) && c.op == SQLITE_INDEX_CONSTRAINT_EQ) {
        if (!c.usable) return SQLITE_CONSTRAINT;  // an argument from a later table: try another order
        (c.iColumn == kNameArg ? name : schema) = i;
        continue;
      }
      const bool on_idx = c.iColumn == kIdx || c.iColumn == -1;
      if (!on_idx || !c.usable) {
        all_consumed = false;
        continue;
      }
      int* slot = nullptr;
      switch (c.op) {
        case SQLITE_INDEX_CONSTRAINT_EQ: slot = &eq; break;
        case SQLITE_INDEX_CONSTRAINT_GT:
        case SQLITE_INDEX_CONSTRAINT_GE: slot = &lower; break;
        case SQLITE_INDEX_CONSTRAINT_LT:
        case SQLITE_INDEX_CONSTRAINT_LE: slot = &upper; break;
      }
      if (slot && *slot < 0)
        *slot = i;
      else
        all_consumed = false;
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
    double cost = 1e6, rows = 1e6;
    if (eq >= 0) {
      const bool in_list = runtime_features().vtab_in && sqlite3_vtab_in(info, eq, -1);
      if (in_list) sqlite3_vtab_in(info, eq, 1);
      plan |= in_list ? kPlanIn : kPlanEq;
      use(eq);
      cost = in_list ? 20 : 2;
      rows = in_list ? 10 : 1;
    }
    if (lower >= 0) {
      plan |= info->aConstraint[lower].op == SQLITE_INDEX_CONSTRAINT_GT ? kPlanGt : kPlanGe;
      use(lower);
    }
    if (upper >= 0) {
      plan |= info->aConstraint[upper].op == SQLITE_INDEX_CONSTRAINT_LT ? kPlanLt : kPlanLe;
      use(upper);
    }
    if (eq < 0 && (lower >= 0 || upper >= 0)) {
      cost = lower >= 0 && upper >= 0 ? 1000 : 5e5;
      rows = lower >= 0 && upper >= 0 ? 100 : 5e5;
    }
    // Without sqlite3_vtab_in, `idx IN (...)` arrives as repeated `idx = ?` in an order we do not control.
    const bool maybe_looped_in = (plan & kPlanEq) && !runtime_features().vtab_in;
    bool order_ok = true;
    if (info->nOrderBy == 1 && info->aOrderBy[0].iColumn <= kIdx && !maybe_looped_in) {
      if (info->aOrderBy[0].desc) plan |= kPlanDesc;
      info->orderByConsumed = 1;
    } else if (info->nOrderBy > 0) {
      order_ok = false;
    }
    if (all_consumed && order_ok && runtime_features().vtab_rhs_value && limit >= 0) {
      plan |= kPlanLimit;
      use(limit);
      if (offset >= 0) plan |= kPlanOffset, use(offset);
    }
    info->idxNum = plan;
    info->estimatedCost = cost;
    info->estimatedRows = static_cast<sqlite3_int64>(rows);
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
    const auto length = static_cast<std::int64_t>(cur->reader->length());
    Interval range;
    range.lo = 0;
    range.hi = length - 1;
    cur->use_list = false;
    cur->list.clear();
    if (plan & kPlanIn) {  // runtime-guarded: xBestIndex sets kPlanIn only with sqlite3_vtab_in
      cur->use_list = true;
      sqlite3_value* v = nullptr;
      for (int rc = sqlite3_vtab_in_first(argv[arg], &v); rc == SQLITE_OK && v; rc = sqlite3_vtab_in_next(argv[arg], &v)) {
        Interval one;
        narrow(one, IdxOp::eq, v);
        if (!one.empty() && one.lo >= 0 && one.lo < length) cur->list.push_back(static_cast<std::uint64_t>(one.lo));
      }
      ++arg;
    } else if (plan & kPlanEq) {
      narrow(range, IdxOp::eq, argv[arg++]);
    }
    if (plan & (kPlanGt | kPlanGe)) narrow(range, plan & kPlanGt ? IdxOp::gt : IdxOp::ge, argv[arg++]);
    if (plan & (kPlanLt | kPlanLe)) narrow(range, plan & kPlanLt ? IdxOp::lt : IdxOp::le, argv[arg++]);
    std::int64_t limit = -1, offset = 0;
    if (plan & kPlanLimit) limit = int_arg(argv[arg++], -1);
    if (plan & kPlanOffset) offset = std::max<std::int64_t>(0, int_arg(argv[arg++], 0));
    cur->desc = plan & kPlanDesc;
    cur->remaining = limit < 0 ? UINT64_MAX : static_cast<std::uint64_t>(limit);
    auto direction = cur->desc ? kv::kvfiles::Direction::backward : kv::kvfiles::Direction::forward;
    if (cur->use_list) {
      auto& l = cur->list;
      std::sort(l.begin(), l.end());
      l.erase(std::unique(l.begin(), l.end()), l.end());
      l.erase(std::remove_if(l.begin(), l.end(),
                             [&](std::uint64_t x) {
                               const auto s = static_cast<std::int64_t>(x);
                               return s < range.lo || s > range.hi;
                             }),
              l.end());
      if (cur->desc) std::reverse(l.begin(), l.end());
      const std::size_t skip = std::min<std::size_t>(l.size(), static_cast<std::size_t>(offset));
      l.erase(l.begin(), l.begin() + static_cast<std::ptrdiff_t>(skip));
      cur->list_pos = 0;
      direction = kv::kvfiles::Direction::point;
    } else {
      range.lo = std::max<std::int64_t>(range.lo, 0);
      range.hi = std::min<std::int64_t>(range.hi, length - 1);
      std::uint64_t lo = 0, hi = 0;  // [lo, hi)
      if (!range.empty()) lo = static_cast<std::uint64_t>(range.lo), hi = static_cast<std::uint64_t>(range.hi) + 1;
      const std::uint64_t skip = std::min<std::uint64_t>(hi - lo, static_cast<std::uint64_t>(offset));
      if (cur->desc)
        hi -= skip;
      else
        lo += skip;
      cur->lo = lo;
      cur->hi = hi;
      cur->cur = cur->desc ? hi - 1 : lo;
      if (hi - lo <= 1 || cur->remaining <= 1) direction = kv::kvfiles::Direction::point;
    }
    cur->reader->set_direction(direction);
    cur->position();
    return SQLITE_OK;
  });
}

int columnNext(sqlite3_vtab_cursor* cursor) {
  Cursor* cur = static_cast<Cursor*>(cursor);
  if (cur->remaining != UINT64_MAX) --cur->remaining;
  if (cur->use_list) {
    ++cur->list_pos;
  } else if (cur->desc) {
    if (cur->cur == cur->lo)
      cur->hi = cur->lo;  // done
    else
      --cur->cur, cur->hi = cur->cur + 1;
  } else {
    cur->lo = ++cur->cur;
  }
  cur->position();
  return SQLITE_OK;
}

int columnEof(sqlite3_vtab_cursor* cursor) { return static_cast<Cursor*>(cursor)->eof; }

int columnColumn(sqlite3_vtab_cursor* cursor, sqlite3_context* ctx, int col) {
  Cursor* cur = static_cast<Cursor*>(cursor);
  return guard_status(&cur->table()->zErrMsg, [&] {
    const std::uint64_t i = cur->current();
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
  *rowid = static_cast<sqlite3_int64>(static_cast<Cursor*>(cursor)->current());
  return SQLITE_OK;
}

const sqlite3_module kColumnModule = {
    /* iVersion      */ 0,
    /* xCreate       */ nullptr,  // eponymous only
    /* xConnect      */ columnConnect,
    /* xBestIndex    */ columnBestIndex,
    /* xDisconnect   */ columnDisconnect,
    /* xDestroy      */ columnDisconnect,
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
