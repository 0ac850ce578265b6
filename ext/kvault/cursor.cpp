// kvault reads: constraint values -> one key range, the shadow scan, and the
// value/size/encoding columns. The plan encoding is documented in module.cpp.
#include <algorithm>
#include <cstring>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include "codec/auto_header.hpp"
#include "common/firewall.hpp"
#include "common/registry.hpp"
#include "kvault/kvault.hpp"

namespace kvx::kvault {

namespace {

using kv::key_range::Range;

// A key constraint value, as bytes or as one of the two non-key cases.
struct KeyArg {
  enum Kind { bytes, below_all, null } kind = bytes;
  std::string_view key;
};

KeyArg key_arg(sqlite3_value* v) {
  switch (sqlite3_value_type(v)) {
    case SQLITE_NULL: return {KeyArg::null, {}};
    case SQLITE_INTEGER:
    case SQLITE_FLOAT: return {KeyArg::below_all, {}};
    default: return {KeyArg::bytes, key_bytes(v, "key")};
  }
}

// Binds a key the cursor owns (range bounds, IN values): it outlives the
// statement's use, so SQLite need not copy it.
void bind_key(sqlite3_stmt* stmt, int i, const std::string& key) {
  sqlite3_bind_blob64(stmt, i, key.data(), key.size(), SQLITE_STATIC);
}

// Steps the scan statement until a row passes every constraint, moving on to
// the next IN value when one is exhausted. Sets eof at the end. A unique seek
// that has found its row is not stepped again (the key is UNIQUE).
void advance(Cursor* c) {
  drop(c->value);
  if (c->limit >= 0 && c->produced >= c->limit) {
    c->eof = true;
    return;
  }
  for (;;) {
    const int rc = c->unique && c->seek_done ? SQLITE_DONE : sqlite3_step(c->scan);
    if (rc == SQLITE_ROW) {
      c->seek_done = true;
      // An exact seek binds a BLOB, which only a BLOB key equals: no check.
      if (!c->exact && sqlite3_value_type(sqlite3_column_value(c->scan, 1)) != SQLITE_BLOB)
        throw kv::Error(kv::Errc::corrupt,
                        "kvault table '" + c->table()->name + "': a stored key is not a BLOB");
      if (c->row_matches()) {
        c->eof = false;
        ++c->produced;
        return;
      }
      continue;
    }
    if (rc != SQLITE_DONE) throw_sqlite_error(c->table()->db, rc, "kvault scan of " + c->table()->name);
    if (c->use_in && c->in_next < c->in_keys.size()) {
      sqlite3_reset(c->scan);
      c->seek_done = false;
      bind_key(c->scan, 1, c->in_keys[c->in_next++]);
      continue;
    }
    c->eof = true;
    return;
  }
}

// Builds the shadow query for the cursor's range and order (point scans use
// Table::point_sql).
std::string scan_query(const Cursor* c, bool ordered, bool desc) {
  std::string sql = std::string("SELECT ") + kReadColumns[c->reads] + " FROM " + c->table()->data;
  const char* sep = " WHERE ";
  if (c->range.lower) {
    sql += sep + std::string(c->range.lower->inclusive ? "key >= ?1" : "key > ?1");
    sep = " AND ";
  }
  if (c->range.upper) sql += sep + std::string(c->range.upper->inclusive ? "key <= ?2" : "key < ?2");
  if (ordered) sql += desc ? " ORDER BY key DESC" : " ORDER BY key";
  return sql;
}

}  // namespace

void release_shared_value(void* bytes) noexcept {
  auto* v = static_cast<SharedValue*>(bytes) - 1;
  if (v->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    v->~SharedValue();
    sqlite3_free(v);
  }
}

// xFilter: starts a scan with the plan xBestIndex chose; argv as in idxStr.
int kvaultFilter(sqlite3_vtab_cursor* cur, int idxNum, const char* idxStr, int argc, sqlite3_value** argv) {
  auto* c = static_cast<Cursor*>(cur);
  return guard_status(&cur->pVtab->zErrMsg, [&] {
    drop(c->value);
    c->release_scan();
    c->range = Range{};
    c->not_equal.clear();
    c->in_keys.clear();
    c->in_next = 0;
    c->use_in = false;
    c->prefix.reset();
    c->limit = -1;
    c->produced = 0;
    c->eof = true;
    c->seek_done = false;
    c->exact = false;
    c->reads = idxNum & kValueUsed ? kReadsValue : idxNum & kSizeUsed ? kReadsSize : kReadsKey;
    const bool desc = idxNum & kOrderDesc, ordered = idxNum & kOrderConsumed;

    // key = v alone (the common point read): no range to fold and no row to
    // re-check; the key is copied once into the cursor (bound without copy).
    if (argc == 1 && idxStr && idxStr[0] == 'E' && idxStr[1] == '\0') {
      const KeyArg a = key_arg(argv[0]);
      if (a.kind != KeyArg::bytes) return SQLITE_OK;  // NULL or a number equals no key
      c->exact_key.assign(a.key);
      c->exact = c->unique = c->point = true;
      c->scan = c->table()->take_point(c->reads);
      bind_key(c->scan, 1, c->exact_key);
      advance(c);
      return SQLITE_OK;
    }

    std::int64_t limit = -1, offset = 0;
    const std::string_view letters = idxStr ? idxStr : "";
    for (int i = 0; i < argc && i < static_cast<int>(letters.size()); ++i) {
      const char letter = letters[static_cast<std::size_t>(i)];
      if (letter == 'M' || letter == 'O') {
        if (sqlite3_value_type(argv[i]) == SQLITE_INTEGER) {
          const std::int64_t n = sqlite3_value_int64(argv[i]);
          if (letter == 'M')
            limit = n;
          else
            offset = n > 0 ? n : 0;
        }
        continue;
      }
      if (letter == 'I') {  // runtime-guarded: vtab_in (xBestIndex plans 'I' only after runtime_features().vtab_in)
        sqlite3_value* v = nullptr;
        for (int rc = sqlite3_vtab_in_first(argv[i], &v); rc == SQLITE_OK && v;
             rc = sqlite3_vtab_in_next(argv[i], &v)) {
          const KeyArg a = key_arg(v);
          if (a.kind == KeyArg::bytes) c->in_keys.emplace_back(a.key);
        }
        c->use_in = true;
        continue;
      }
      const KeyArg a = key_arg(argv[i]);
      if (a.kind == KeyArg::null) {
        if (letter != 'n') c->range.empty = true;  // comparisons with NULL are never true...
        continue;                                  // ...but every key IS NOT NULL
      }
      if (letter == 'N' || letter == 'n') {
        if (a.kind == KeyArg::bytes) c->not_equal.emplace_back(a.key);
        continue;
      }
      if (a.kind == KeyArg::below_all) {
        // A number is below every key: >, >=, != hold for all keys; =, <, <=, prefix for none.
        if (letter != 'G' && letter != 'g') c->range.empty = true;
        continue;
      }
      switch (letter) {
        case 'E':
          c->range.at_least(a.key, true);
          c->range.at_most(a.key, true);
          break;
        case 'G': c->range.at_least(a.key, false); break;
        case 'g': c->range.at_least(a.key, true); break;
        case 'L': c->range.at_most(a.key, false); break;
        case 'l': c->range.at_most(a.key, true); break;
        case 'P':
          c->range.with_prefix(a.key);
          c->prefix.emplace(a.key);
          break;
        default:
          throw kv::Error(kv::Errc::internal,
                          "kvault: bad plan letter in idxStr '" + std::string(letters) + "'");
      }
    }
    if (limit >= 0) c->limit = limit + offset;
    if (c->range.empty || c->limit == 0) return SQLITE_OK;

    if (c->use_in) {
      std::sort(c->in_keys.begin(), c->in_keys.end(),
                [](const std::string& a, const std::string& b) { return kv::key_range::compare(a, b) < 0; });
      c->in_keys.erase(std::unique(c->in_keys.begin(), c->in_keys.end()), c->in_keys.end());
      if (desc) std::reverse(c->in_keys.begin(), c->in_keys.end());
      if (c->in_keys.empty()) return SQLITE_OK;
    }
    const bool point = c->use_in || c->range.is_point();
    c->unique = point;
    if (point) {
      c->scan = c->table()->take_point(c->reads);
      c->point = true;
    } else {
      c->scan_sql = scan_query(c, ordered, desc);
      c->scan = c->table()->cache.acquire(c->scan_sql);
    }
    if (c->use_in) {
      bind_key(c->scan, 1, c->in_keys[c->in_next++]);
    } else {
      if (c->range.lower) bind_key(c->scan, 1, c->range.lower->key);
      if (c->range.upper && !point) bind_key(c->scan, 2, c->range.upper->key);
    }
    advance(c);
    return SQLITE_OK;
  });
}

// xNext: the next row that passes every constraint.
int kvaultNext(sqlite3_vtab_cursor* cur) {
  auto* c = static_cast<Cursor*>(cur);
  return guard_status(&cur->pVtab->zErrMsg, [&] {
    advance(c);
    return SQLITE_OK;
  });
}

// xEof: true after the last row.
int kvaultEof(sqlite3_vtab_cursor* cur) { return static_cast<Cursor*>(cur)->eof; }

// xRowid: the shadow row's id.
int kvaultRowid(sqlite3_vtab_cursor* cur, sqlite3_int64* rowid) {
  *rowid = sqlite3_column_int64(static_cast<Cursor*>(cur)->scan, 0);
  return SQLITE_OK;
}

namespace {

// The stored BLOB in column col of stmt (corrupt if it is not a BLOB).
std::string_view stored_blob(sqlite3_stmt* stmt, int col, const Cursor* c) {
  sqlite3_value* v = sqlite3_column_value(stmt, col);
  if (sqlite3_value_type(v) != SQLITE_BLOB)
    throw kv::Error(kv::Errc::corrupt,
                    "kvault table '" + c->table()->name + "': a stored value is not a BLOB");
  const void* p = sqlite3_value_blob(v);
  const int n = sqlite3_value_bytes(v);
  if (!p && n > 0) throw std::bad_alloc();
  return {p ? static_cast<const char*>(p) : "", static_cast<std::size_t>(n)};
}

void result_blob(sqlite3_context* ctx, sqlite3_stmt* stmt, int col, const Cursor* c) {
  const std::string_view b = stored_blob(stmt, col, c);
  sqlite3_result_blob64(ctx, b.data(), b.size(), SQLITE_TRANSIENT);
}

// The current row's value as a SharedValue (one copy out of the shadow
// statement, then none): from the scan when it reads the value, else from a
// fetch by id.
SharedValue* load_value(Cursor* c) {
  sqlite3_stmt* from = c->scan;
  int col = 2;
  if (c->reads != kReadsValue) {
    if (!c->fetch) {
      c->fetch_sql = "SELECT value FROM " + c->table()->data + " WHERE id = ?1";
      c->fetch = c->table()->cache.acquire(c->fetch_sql);
    }
    sqlite3_reset(c->fetch);
    sqlite3_bind_int64(c->fetch, 1, sqlite3_column_int64(c->scan, 0));
    const int rc = sqlite3_step(c->fetch);
    if (rc != SQLITE_ROW) throw_sqlite_error(c->table()->db, rc, "kvault: reading a value of " + c->table()->name);
    from = c->fetch;
    col = 0;
  }
  const std::string_view b = stored_blob(from, col, c);
  void* mem = sqlite3_malloc64(sizeof(SharedValue) + b.size());
  if (!mem) throw std::bad_alloc();
  auto* v = new (mem) SharedValue{{1}, b.size()};
  std::memcpy(const_cast<char*>(v->bytes()), b.data(), b.size());
  if (from == c->fetch) sqlite3_reset(c->fetch);
  return v;
}

// A blob handle on the current row's value (kept by the cursor and moved
// from row to row), for the encoding header and for the size when the scan
// does not read it: a large value is never loaded for either.
sqlite3_blob* value_blob(Cursor* c) {
  const sqlite3_int64 rowid = sqlite3_column_int64(c->scan, 0);
  Table* t = c->table();
  int rc = c->head ? sqlite3_blob_reopen(c->head, rowid) : SQLITE_ERROR;
  if (rc != SQLITE_OK) {
    if (c->head) sqlite3_blob_close(c->head);
    c->head = nullptr;
    const std::string data_table = t->name + "_data";
    rc = sqlite3_blob_open(t->db, t->schema.c_str(), data_table.c_str(), "value", rowid, 0, &c->head);
    if (rc != SQLITE_OK) throw_sqlite_error(t->db, rc, "kvault: reading a value in " + t->name);
  }
  return c->head;
}

// The first min(10, size) bytes of the current value.
std::string value_head(Cursor* c) {
  sqlite3_blob* blob = value_blob(c);
  std::string head(static_cast<std::size_t>(std::min(sqlite3_blob_bytes(blob), 10)), '\0');
  if (head.empty()) return head;
  const int rc = sqlite3_blob_read(blob, head.data(), static_cast<int>(head.size()), 0);
  if (rc != SQLITE_OK)
    throw_sqlite_error(c->table()->db, rc, "kvault: reading the header of a value in " + c->table()->name);
  return head;
}

}  // namespace

// xColumn: the current row's columns. During UPDATE, columns that are not
// being changed are skipped (sqlite3_vtab_nochange), so a rename does not
// pass the value through the virtual table.
int kvaultColumn(sqlite3_vtab_cursor* cur, sqlite3_context* ctx, int col) {
  auto* c = static_cast<Cursor*>(cur);
  return guard_status(&cur->pVtab->zErrMsg, [&] {
    if (sqlite3_vtab_nochange(ctx)) return SQLITE_OK;
    switch (col) {
      case kKey: result_blob(ctx, c->scan, 1, c); break;
      case kValue: {
        if (!c->value) c->value = load_value(c);
        c->value->refs.fetch_add(1, std::memory_order_relaxed);
        sqlite3_result_blob64(ctx, c->value->bytes(), c->value->size, release_shared_value);
        break;
      }
      case kSize:
        if (c->reads == kReadsValue)
          sqlite3_result_int64(ctx, stored_blob(c->scan, 2, c).size());
        else if (c->reads == kReadsSize)
          sqlite3_result_int64(ctx, sqlite3_column_int64(c->scan, 2));
        else
          sqlite3_result_int64(ctx, sqlite3_blob_bytes(value_blob(c)));
        break;
      case kEncoding: {
        std::optional<std::string_view> name;
        std::string head;
        if (c->reads == kReadsValue) {
          name = kv::codec::auto_header::encoding_name(stored_blob(c->scan, 2, c));
        } else {
          head = value_head(c);
          name = kv::codec::auto_header::encoding_name(head);
        }
        if (name) sqlite3_result_text(ctx, name->data(), static_cast<int>(name->size()), SQLITE_STATIC);
        break;
      }
      case kPrefix:
        if (c->prefix) sqlite3_result_blob64(ctx, c->prefix->data(), c->prefix->size(), SQLITE_TRANSIENT);
        break;
      default: break;
    }
    return SQLITE_OK;
  });
}

}  // namespace kvx::kvault
