// kvault — key -> blob storage as a virtual table (KohakuVault's KVault).
//
//   CREATE VIRTUAL TABLE media USING kvault;
//   INSERT INTO media(key, value) VALUES ('cover:001', X'89504E47');
//   SELECT key, size, encoding FROM media WHERE prefix = 'cover:';
//   SELECT value FROM media WHERE key = 'cover:001';
//
// Declared schema:
//   CREATE TABLE x(key BLOB, value BLOB, size INTEGER HIDDEN,
//                  encoding TEXT HIDDEN, prefix BLOB HIDDEN)
//
//   key      the key's bytes; TEXT and BLOB with the same bytes are the same
//            key, and SELECT always returns a BLOB (so ORDER BY key is byte
//            order). NULL -> constraint error; INTEGER/REAL -> mismatch.
//   value    BLOB (TEXT is stored as its UTF-8 bytes; NULL -> constraint
//            error; numbers -> mismatch: store kv_pack('auto', n) instead).
//   size     the stored byte length, read without loading the blob.
//   encoding KohakuVault auto-pack encoding ("msgpack", "utf8", ...) when the
//            value carries the 10-byte header, NULL for raw bytes; reads only
//            the first 10 bytes (incremental blob I/O).
//   prefix   a constraint-only column: WHERE prefix = 'cover:' selects the
//            keys starting with those bytes (a range scan of the key index).
//
// Storage: one rowid shadow table, created in xCreate, renamed in xRename,
// dropped in xDestroy and protected by xShadowName:
//   CREATE TABLE "<schema>"."<name>_data"(id INTEGER PRIMARY KEY,
//       key BLOB UNIQUE NOT NULL, value BLOB NOT NULL)
// xCreate and xRename refuse the extension's eponymous names and a name n
// when a table n_data exists (common/table_names.hpp).
// The vtab rowid is id, so kvault_import/kvault_export/kvault_read stream the
// value with sqlite3_blob_* (stream.cpp). value is the last column so
// reading key and length(value) never touches the value's overflow pages.
// Because the rows live in an ordinary table inside the user's transaction,
// COMMIT, ROLLBACK and savepoints are SQLite's own: nothing is cached but
// prepared statements, so the transaction methods have nothing to do, and
// other connections always see committed data.
//
// Comparing keys: SQLite never finds a BLOB equal to a TEXT, so every key
// constraint xBestIndex sees (=, IN, <, <=, >, >=, !=, IS, IS NOT, and prefix
// =) is consumed with omit=1 and evaluated here byte-wise, so key = 'a' and
// key = X'61' both work. A number compares below every key (as in SQLite's
// type order) and NULL matches nothing.
//
// xBestIndex plan encoding (series.c style):
//   idxStr: one letter per xFilter argument, in argv order
//     'E' key = v (or IS v)                          'I' key IN (all values at once, sqlite3_vtab_in)
//     'G' key > v     'g' key >= v    'L' key < v    'l' key <= v
//     'N' key != v    'n' key IS NOT v               'P' prefix = v
//     'M' LIMIT n     'O' OFFSET n
//   idxNum bits:
//     1  ORDER BY key DESC consumed (ORDER BY key ASC is the default order of
//        every plan with orderByConsumed)
//     2  ORDER BY consumed (rows come out in key order)
//     4  the value column is used: read it in the scan itself
// xFilter folds the constraints into one byte range (key_range.hpp) that the
// shadow statement seeks with, then re-checks each row against all of them.
// LIMIT/OFFSET (SQLite >= 3.38) are taken only when every constraint is ours
// and the order is consumed, and only stop the scan early (SQLite still
// applies them). Costs: point 1 << IN 10 << prefix/range 1e3..1e4 << full
// scan 1e6; plans where a key constraint is unusable cost 1e12, because SQLite
// would compare BLOB keys with TEXT itself.
#include <algorithm>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "codec/auto_header.hpp"
#include "common/firewall.hpp"
#include "kvault/key_range.hpp"
#include "kvault/shadow.hpp"
#include "common/registry.hpp"
#include "common/table_names.hpp"
#include "common/vtab_cursor.hpp"

namespace kvx {

int register_kvault_stream_functions(sqlite3* db, char** err);  // stream.cpp

namespace {

using kv::key_range::Range;

enum Column { kKey = 0, kValue = 1, kSize = 2, kEncoding = 3, kPrefix = 4 };
constexpr const char* kDeclaredSchema =
    "CREATE TABLE x(key BLOB, value BLOB, size INTEGER HIDDEN, encoding TEXT HIDDEN, prefix BLOB HIDDEN)";

// What xShadowName claims; xCreate and xRename refuse a name whose claimed
// table already exists (common/table_names.hpp).
constexpr const char* kShadowSuffixes[] = {kvault::kDataSuffix};

constexpr int kOrderDesc = 1;
constexpr int kOrderConsumed = 2;
constexpr int kValueUsed = 4;

struct KvaultTable : sqlite3_vtab {
  sqlite3* db = nullptr;
  std::string schema;
  std::string name;
  std::string data;  // "schema"."name_data", quoted
  kvault::StatementCache cache;
  std::string point_sql[2];  // point lookup by key, without / with the value column

  KvaultTable(sqlite3* d, std::string s, std::string n)
      : sqlite3_vtab{}, db(d), schema(std::move(s)), name(std::move(n)), cache(d) {
    set_names();
  }
  void set_names() {
    data = kvault::quoted_data_table(schema, name);
    point_sql[0] = "SELECT id, key, length(value) FROM " + data + " WHERE key = ?1";
    point_sql[1] = "SELECT id, key, length(value), value FROM " + data + " WHERE key = ?1";
  }
};

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
    default: return {KeyArg::bytes, kvault::key_bytes(v, "key")};
  }
}

struct KvaultCursor : sqlite3_vtab_cursor {
  KvaultTable* table() const { return static_cast<KvaultTable*>(pVtab); }

  std::string scan_sql;
  sqlite3_stmt* scan = nullptr;  // columns: id, key, length(value)[, value]
  std::string fetch_sql;
  sqlite3_stmt* fetch = nullptr;  // value of one id, when the scan lacks it
  sqlite3_blob* head = nullptr;   // reads the first 10 bytes for encoding
  bool with_value = false;
  bool eof = true;

  Range range;
  std::vector<std::string> not_equal;
  std::vector<std::string> in_keys;  // IN values, sorted in scan order
  std::size_t in_next = 0;
  bool use_in = false;
  std::optional<std::string> prefix;  // echoed by the prefix column
  std::int64_t limit = -1;            // rows to produce at most, -1: all
  std::int64_t produced = 0;

  void release_scan() noexcept {
    if (scan) table()->cache.release(scan_sql, scan);
    scan = nullptr;
  }
  ~KvaultCursor() {
    release_scan();
    if (fetch) table()->cache.release(fetch_sql, fetch);
    if (head) sqlite3_blob_close(head);
  }

  std::string_view row_key() const {
    const void* p = sqlite3_column_blob(scan, 1);
    return {p ? static_cast<const char*>(p) : "", static_cast<std::size_t>(sqlite3_column_bytes(scan, 1))};
  }
  bool row_matches() const {
    const std::string_view k = row_key();
    if (!range.contains(k)) return false;
    return std::none_of(not_equal.begin(), not_equal.end(), [&](const std::string& n) { return n == k; });
  }
};

// ---------------------------------------------------------------------------
// Connecting

int kvaultInit(sqlite3* db, int argc, const char* const* argv, sqlite3_vtab** out, char** err, bool create) {
  *out = nullptr;
  return guard_status(err, [&] {
    if (argc > 3)
      throw kv::Error(kv::Errc::invalid_argument,
                      std::string("kvault takes no arguments, got '") + argv[3] + "' (use: USING kvault)");
    auto table = std::make_unique<KvaultTable>(db, argv[1], argv[2]);
    if (create) {
      check_table_name(db, table->schema, table->name, "kvault", {}, kShadowSuffixes, kShadowSuffixes);
      const std::string ddl = "CREATE TABLE " + table->data +
                              "(id INTEGER PRIMARY KEY, key BLOB UNIQUE NOT NULL, value BLOB NOT NULL)";
      if (int rc = sqlite3_exec(db, ddl.c_str(), nullptr, nullptr, nullptr); rc != SQLITE_OK)
        kvault::throw_sqlite(db, rc, "cannot create " + table->data);
    }
    if (int rc = sqlite3_declare_vtab(db, kDeclaredSchema); rc != SQLITE_OK)
      kvault::throw_sqlite(db, rc, "cannot declare the kvault schema");
    sqlite3_vtab_config(db, SQLITE_VTAB_CONSTRAINT_SUPPORT, 1);
    *out = table.release();
    return SQLITE_OK;
  });
}

// xCreate: CREATE VIRTUAL TABLE; creates the shadow table.
int kvaultCreate(sqlite3* db, void*, int argc, const char* const* argv, sqlite3_vtab** out, char** err) {
  return kvaultInit(db, argc, argv, out, err, true);
}
// xConnect: an existing table is opened by a connection.
int kvaultConnect(sqlite3* db, void*, int argc, const char* const* argv, sqlite3_vtab** out, char** err) {
  return kvaultInit(db, argc, argv, out, err, false);
}

// xDisconnect: the connection closes or the schema is reloaded.
int kvaultDisconnect(sqlite3_vtab* vtab) {
  delete static_cast<KvaultTable*>(vtab);
  return SQLITE_OK;
}

// xDestroy: DROP TABLE; drops the shadow table too.
int kvaultDestroy(sqlite3_vtab* vtab) {
  auto* t = static_cast<KvaultTable*>(vtab);
  const int rc = guard_status(&vtab->zErrMsg, [&] {
    t->cache.clear();
    const std::string sql = "DROP TABLE IF EXISTS " + t->data;
    return sqlite3_exec(t->db, sql.c_str(), nullptr, nullptr, nullptr);
  });
  if (rc == SQLITE_OK) delete t;
  return rc;
}

// ---------------------------------------------------------------------------
// Planning

bool is_key_op(unsigned char op) {
  switch (op) {
    case SQLITE_INDEX_CONSTRAINT_EQ:
    case SQLITE_INDEX_CONSTRAINT_IS:
    case SQLITE_INDEX_CONSTRAINT_GT:
    case SQLITE_INDEX_CONSTRAINT_GE:
    case SQLITE_INDEX_CONSTRAINT_LT:
    case SQLITE_INDEX_CONSTRAINT_LE:
    case SQLITE_INDEX_CONSTRAINT_NE:
    case SQLITE_INDEX_CONSTRAINT_ISNOT: return true;
    default: return false;
  }
}

char key_op_letter(unsigned char op) {
  switch (op) {
    case SQLITE_INDEX_CONSTRAINT_GT: return 'G';
    case SQLITE_INDEX_CONSTRAINT_GE: return 'g';
    case SQLITE_INDEX_CONSTRAINT_LT: return 'L';
    case SQLITE_INDEX_CONSTRAINT_LE: return 'l';
    case SQLITE_INDEX_CONSTRAINT_NE: return 'N';
    case SQLITE_INDEX_CONSTRAINT_ISNOT: return 'n';
    default: return 'E';
  }
}

// xBestIndex: see the plan encoding at the top of the file.
int kvaultBestIndex(sqlite3_vtab* vtab, sqlite3_index_info* info) {
  return guard_status(&vtab->zErrMsg, [&] {
    std::string letters;
    int argc = 0;
    bool point = false, in_list = false, prefix = false, lower = false, upper = false, unusable = false;
    bool all_ours = true;
    int limit_at = -1, offset_at = -1;
    for (int i = 0; i < info->nConstraint; ++i) {
      const auto& c = info->aConstraint[i];
      const bool limit_op = c.op == SQLITE_INDEX_CONSTRAINT_LIMIT || c.op == SQLITE_INDEX_CONSTRAINT_OFFSET;
      if (limit_op) {
        if (c.usable) (c.op == SQLITE_INDEX_CONSTRAINT_LIMIT ? limit_at : offset_at) = i;
        continue;
      }
      const bool ours = (c.iColumn == kKey && is_key_op(c.op)) ||
                        (c.iColumn == kPrefix && c.op == SQLITE_INDEX_CONSTRAINT_EQ);
      if (!ours) {
        all_ours = false;
        continue;
      }
      if (!c.usable) {
        unusable = true;
        all_ours = false;
        continue;
      }
      char letter = c.iColumn == kPrefix ? 'P' : key_op_letter(c.op);
      if (letter == 'E' && runtime_features().vtab_in && sqlite3_vtab_in(info, i, -1)) {
        letter = 'I';
        sqlite3_vtab_in(info, i, 1);  // hand us the whole list in xFilter
      }
      letters.push_back(letter);
      info->aConstraintUsage[i].argvIndex = ++argc;
      info->aConstraintUsage[i].omit = 1;
      point |= letter == 'E';
      in_list |= letter == 'I';
      prefix |= letter == 'P';
      lower |= letter == 'G' || letter == 'g';
      upper |= letter == 'L' || letter == 'l';
    }

    int idx = 0;
    if (info->nOrderBy == 1 && info->aOrderBy[0].iColumn == kKey) {
      info->orderByConsumed = 1;
      idx |= kOrderConsumed | (info->aOrderBy[0].desc ? kOrderDesc : 0);
    }
    if (info->colUsed & (sqlite3_uint64{1} << kValue)) idx |= kValueUsed;

    // LIMIT/OFFSET: only when no row we produce could be dropped by SQLite
    // afterwards and the order SQLite wants is ours.
    if (runtime_features().vtab_rhs_value && limit_at >= 0 && all_ours &&
        (info->nOrderBy == 0 || info->orderByConsumed)) {
      letters.push_back('M');
      info->aConstraintUsage[limit_at].argvIndex = ++argc;
      if (offset_at >= 0) {
        letters.push_back('O');
        info->aConstraintUsage[offset_at].argvIndex = ++argc;
      }
    }

    double cost = 1e6, rows = 1e6;
    if (point) {
      cost = rows = 1;
      info->idxFlags |= SQLITE_INDEX_SCAN_UNIQUE;
    } else if (in_list) {
      cost = rows = 10;
    } else if (prefix || (lower && upper)) {
      cost = rows = 1e3;
    } else if (lower || upper) {
      cost = rows = 1e4;
    }
    if (unusable) cost = 1e12;
    info->estimatedCost = cost;
    info->estimatedRows = static_cast<sqlite3_int64>(rows);
    info->idxNum = idx;
    if (!letters.empty()) {
      info->idxStr = sqlite3_mprintf("%s", letters.c_str());
      if (!info->idxStr) throw std::bad_alloc();
      info->needToFreeIdxStr = 1;
    }
    return SQLITE_OK;
  });
}

// ---------------------------------------------------------------------------
// Scanning

void bind_key(sqlite3_stmt* stmt, int i, std::string_view key) {
  sqlite3_bind_blob64(stmt, i, key.data(), key.size(), SQLITE_TRANSIENT);
}

// Steps the scan statement until a row passes every constraint, moving on to
// the next IN value when one is exhausted. Sets eof at the end.
void advance(KvaultCursor* c) {
  if (c->limit >= 0 && c->produced >= c->limit) {
    c->eof = true;
    return;
  }
  for (;;) {
    const int rc = sqlite3_step(c->scan);
    if (rc == SQLITE_ROW) {
      if (sqlite3_column_type(c->scan, 1) != SQLITE_BLOB)
        throw kv::Error(kv::Errc::corrupt,
                        "kvault table '" + c->table()->name + "': a stored key is not a BLOB");
      if (c->row_matches()) {
        c->eof = false;
        ++c->produced;
        return;
      }
      continue;
    }
    if (rc != SQLITE_DONE) kvault::throw_sqlite(c->table()->db, rc, "kvault scan of " + c->table()->name);
    if (c->use_in && c->in_next < c->in_keys.size()) {
      sqlite3_reset(c->scan);
      bind_key(c->scan, 1, c->in_keys[c->in_next++]);
      continue;
    }
    c->eof = true;
    return;
  }
}

// Builds the shadow query for the cursor's range and order.
std::string scan_query(const KvaultCursor* c, bool point, bool ordered, bool desc) {
  if (point) return c->table()->point_sql[c->with_value];
  std::string sql = "SELECT id, key, length(value)";
  if (c->with_value) sql += ", value";
  sql += " FROM " + c->table()->data;
  const char* sep = " WHERE ";
  if (c->range.lower) {
    sql += sep + std::string(c->range.lower->inclusive ? "key >= ?1" : "key > ?1");
    sep = " AND ";
  }
  if (c->range.upper) sql += sep + std::string(c->range.upper->inclusive ? "key <= ?2" : "key < ?2");
  if (ordered) sql += desc ? " ORDER BY key DESC" : " ORDER BY key";
  return sql;
}

// xFilter: starts a scan with the plan xBestIndex chose; argv as in idxStr.
int kvaultFilter(sqlite3_vtab_cursor* cur, int idxNum, const char* idxStr, int argc, sqlite3_value** argv) {
  auto* c = static_cast<KvaultCursor*>(cur);
  return guard_status(&cur->pVtab->zErrMsg, [&] {
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
    c->with_value = idxNum & kValueUsed;
    const bool desc = idxNum & kOrderDesc, ordered = idxNum & kOrderConsumed;

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
      if (letter == 'I') {
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
    c->scan_sql = scan_query(c, point, ordered, desc);
    c->scan = c->table()->cache.acquire(c->scan_sql);
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
  auto* c = static_cast<KvaultCursor*>(cur);
  return guard_status(&cur->pVtab->zErrMsg, [&] {
    advance(c);
    return SQLITE_OK;
  });
}

// xEof: true after the last row.
int kvaultEof(sqlite3_vtab_cursor* cur) { return static_cast<KvaultCursor*>(cur)->eof; }

// xRowid: the shadow row's id.
int kvaultRowid(sqlite3_vtab_cursor* cur, sqlite3_int64* rowid) {
  *rowid = sqlite3_column_int64(static_cast<KvaultCursor*>(cur)->scan, 0);
  return SQLITE_OK;
}

void result_blob(sqlite3_context* ctx, sqlite3_stmt* stmt, int col, const KvaultCursor* c) {
  if (sqlite3_column_type(stmt, col) != SQLITE_BLOB)
    throw kv::Error(kv::Errc::corrupt,
                    "kvault table '" + c->table()->name + "': a stored value is not a BLOB");
  const void* p = sqlite3_column_blob(stmt, col);
  const int n = sqlite3_column_bytes(stmt, col);
  if (!p && n > 0) throw std::bad_alloc();
  sqlite3_result_blob(ctx, p ? p : "", n, SQLITE_TRANSIENT);
}

// The first min(10, size) bytes of the current value, through a blob handle
// (so a large value is never loaded to learn its encoding).
std::string value_head(KvaultCursor* c, std::int64_t size) {
  std::string head(static_cast<std::size_t>(std::min<std::int64_t>(size, 10)), '\0');
  if (head.empty()) return head;
  const sqlite3_int64 rowid = sqlite3_column_int64(c->scan, 0);
  KvaultTable* t = c->table();
  int rc = c->head ? sqlite3_blob_reopen(c->head, rowid) : SQLITE_ERROR;
  if (rc != SQLITE_OK) {
    if (c->head) sqlite3_blob_close(c->head);
    c->head = nullptr;
    const std::string data_table = t->name + "_data";
    rc = sqlite3_blob_open(t->db, t->schema.c_str(), data_table.c_str(), "value", rowid, 0, &c->head);
    if (rc != SQLITE_OK)
      kvault::throw_sqlite(t->db, rc, "kvault: reading the header of a value in " + t->name);
  }
  rc = sqlite3_blob_read(c->head, head.data(), static_cast<int>(head.size()), 0);
  if (rc != SQLITE_OK) kvault::throw_sqlite(t->db, rc, "kvault: reading the header of a value in " + t->name);
  return head;
}

// xColumn: the current row's columns. During UPDATE, columns that are not
// being changed are skipped (sqlite3_vtab_nochange), so a rename does not
// pass the value through the virtual table.
int kvaultColumn(sqlite3_vtab_cursor* cur, sqlite3_context* ctx, int col) {
  auto* c = static_cast<KvaultCursor*>(cur);
  return guard_status(&cur->pVtab->zErrMsg, [&] {
    if (sqlite3_vtab_nochange(ctx)) return SQLITE_OK;
    switch (col) {
      case kKey: result_blob(ctx, c->scan, 1, c); break;
      case kValue:
        if (c->with_value) {
          result_blob(ctx, c->scan, 3, c);
        } else {
          if (!c->fetch) {
            c->fetch_sql = "SELECT value FROM " + c->table()->data + " WHERE id = ?1";
            c->fetch = c->table()->cache.acquire(c->fetch_sql);
          }
          sqlite3_reset(c->fetch);
          sqlite3_bind_int64(c->fetch, 1, sqlite3_column_int64(c->scan, 0));
          const int rc = sqlite3_step(c->fetch);
          if (rc != SQLITE_ROW)
            kvault::throw_sqlite(c->table()->db, rc, "kvault: reading a value of " + c->table()->name);
          result_blob(ctx, c->fetch, 0, c);
          sqlite3_reset(c->fetch);
        }
        break;
      case kSize: sqlite3_result_int64(ctx, sqlite3_column_int64(c->scan, 2)); break;
      case kEncoding: {
        std::optional<std::string_view> name;
        std::string head;
        if (c->with_value) {
          const void* p = sqlite3_column_blob(c->scan, 3);
          name = kv::auto_header::encoding_name({p ? static_cast<const char*>(p) : "",
                                                 static_cast<std::size_t>(sqlite3_column_bytes(c->scan, 3))});
        } else {
          head = value_head(c, sqlite3_column_int64(c->scan, 2));
          name = kv::auto_header::encoding_name(head);
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

// ---------------------------------------------------------------------------
// Writing

// The bytes of a value to store: BLOB, or TEXT as its UTF-8 bytes.
std::string_view value_bytes(sqlite3_value* v, const KvaultTable* t) {
  const int type = sqlite3_value_type(v);
  if (type == SQLITE_INTEGER || type == SQLITE_FLOAT)
    throw kv::Error(kv::Errc::type_mismatch, t->name + ".value must be a BLOB or TEXT, got " +
                                                 (type == SQLITE_INTEGER ? "INTEGER" : "REAL") +
                                                 " (store a typed number with kv_pack('auto', n))");
  return kvault::key_bytes(v, t->name + ".value");
}

// "OR REPLACE"/"OR IGNORE" for the shadow statement, from the statement's
// ON CONFLICT mode; other modes let the shadow table's constraint fail.
const char* conflict_clause(sqlite3* db) {
  switch (sqlite3_vtab_on_conflict(db)) {
    case SQLITE_REPLACE: return " OR REPLACE";
    case SQLITE_IGNORE: return " OR IGNORE";
    default: return "";
  }
}

void run(KvaultTable* t, sqlite3_stmt* stmt, std::string_view key_for_message) {
  const int rc = sqlite3_step(stmt);
  if (rc == SQLITE_DONE) return;
  if ((rc & 0xFF) == SQLITE_CONSTRAINT && !key_for_message.empty())
    throw kv::Error(kv::Errc::constraint,
                    "UNIQUE constraint failed: " + t->name +
                        ".key (the key already exists; use INSERT OR REPLACE to overwrite it)");
  kvault::throw_sqlite(t->db, rc, "kvault: writing " + t->name);
}

void reject_hidden(sqlite3_value** cols, const KvaultTable* t, bool inserting) {
  static const char* const names[] = {"size", "encoding", "prefix"};
  for (int i = kSize; i <= kPrefix; ++i) {
    sqlite3_value* v = cols[i];
    const bool given = inserting ? sqlite3_value_type(v) != SQLITE_NULL : !sqlite3_value_nochange(v);
    if (given)
      throw kv::Error(kv::Errc::invalid_argument, t->name + "." + names[i - kSize] +
                                                      " is computed from the stored value and cannot be set");
  }
}

// xUpdate: DELETE (argc 1), INSERT (argv[0] NULL) or UPDATE; argv[2..] are
// key, value, size, encoding, prefix.
int kvaultUpdate(sqlite3_vtab* vtab, int argc, sqlite3_value** argv, sqlite3_int64* rowid) {
  auto* t = static_cast<KvaultTable*>(vtab);
  return guard_status(&vtab->zErrMsg, [&] {
    if (argc == 1) {
      kvault::CachedStatement del(t->cache, "DELETE FROM " + t->data + " WHERE id = ?1");
      sqlite3_bind_int64(del.get(), 1, sqlite3_value_int64(argv[0]));
      run(t, del.get(), {});
      return SQLITE_OK;
    }
    sqlite3_value** cols = argv + 2;
    const std::string conflict = conflict_clause(t->db);
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {  // INSERT
      reject_hidden(cols, t, true);
      const std::string_view key = kvault::key_bytes(cols[kKey], t->name + ".key");
      const std::string_view value = value_bytes(cols[kValue], t);
      kvault::CachedStatement ins(
          t->cache, "INSERT" + conflict + " INTO " + t->data + "(id, key, value) VALUES (?1, ?2, ?3)");
      if (sqlite3_value_type(argv[1]) != SQLITE_NULL)
        sqlite3_bind_int64(ins.get(), 1, sqlite3_value_int64(argv[1]));
      sqlite3_bind_blob64(ins.get(), 2, key.data(), key.size(), SQLITE_STATIC);
      sqlite3_bind_blob64(ins.get(), 3, value.data(), value.size(), SQLITE_STATIC);
      run(t, ins.get(), key);
      *rowid = sqlite3_last_insert_rowid(t->db);
      return SQLITE_OK;
    }
    // UPDATE: only the columns that change are written.
    reject_hidden(cols, t, false);
    const sqlite3_int64 old_id = sqlite3_value_int64(argv[0]);
    if (!sqlite3_value_nochange(cols[kKey])) {
      const std::string_view key = kvault::key_bytes(cols[kKey], t->name + ".key");
      kvault::CachedStatement up(t->cache,
                                 "UPDATE" + conflict + " " + t->data + " SET key = ?2 WHERE id = ?1");
      sqlite3_bind_int64(up.get(), 1, old_id);
      sqlite3_bind_blob64(up.get(), 2, key.data(), key.size(), SQLITE_STATIC);
      run(t, up.get(), key);
    }
    if (!sqlite3_value_nochange(cols[kValue])) {
      const std::string_view value = value_bytes(cols[kValue], t);
      kvault::CachedStatement up(t->cache, "UPDATE " + t->data + " SET value = ?2 WHERE id = ?1");
      sqlite3_bind_int64(up.get(), 1, old_id);
      sqlite3_bind_blob64(up.get(), 2, value.data(), value.size(), SQLITE_STATIC);
      run(t, up.get(), {});
    }
    const sqlite3_int64 new_id = sqlite3_value_int64(argv[1]);
    if (sqlite3_value_type(argv[1]) != SQLITE_NULL && new_id != old_id) {
      kvault::CachedStatement up(t->cache,
                                 "UPDATE" + conflict + " " + t->data + " SET id = ?2 WHERE id = ?1");
      sqlite3_bind_int64(up.get(), 1, old_id);
      sqlite3_bind_int64(up.get(), 2, new_id);
      run(t, up.get(), {});
    }
    return SQLITE_OK;
  });
}

// ---------------------------------------------------------------------------
// Transactions: the shadow table is part of SQLite's own transaction and
// nothing is buffered, so BEGIN/COMMIT/ROLLBACK and savepoints need no work
// here; they are listed so the module states that explicitly.

// xBegin, xSync, xCommit, xRollback
int kvaultTxn(sqlite3_vtab*) { return SQLITE_OK; }
// xSavepoint, xRelease, xRollbackTo
int kvaultSavepoint(sqlite3_vtab*, int) { return SQLITE_OK; }

// xRename: ALTER TABLE ... RENAME; renames the shadow table.
int kvaultRename(sqlite3_vtab* vtab, const char* new_name) {
  auto* t = static_cast<KvaultTable*>(vtab);
  return guard_status(&vtab->zErrMsg, [&] {
    check_table_name(t->db, t->schema, new_name, "kvault", {}, kShadowSuffixes, kShadowSuffixes);
    t->cache.clear();
    char* sql = sqlite3_mprintf("ALTER TABLE \"%w\".\"%w_data\" RENAME TO \"%w_data\"", t->schema.c_str(),
                                t->name.c_str(), new_name);
    if (!sql) throw std::bad_alloc();
    const int rc = sqlite3_exec(t->db, sql, nullptr, nullptr, nullptr);
    sqlite3_free(sql);
    if (rc != SQLITE_OK) kvault::throw_sqlite(t->db, rc, "kvault: renaming the shadow table of " + t->name);
    t->name = new_name;
    t->set_names();
    return SQLITE_OK;
  });
}

// xShadowName: "<table>_data" is ours (read-only under SQLITE_DBCONFIG_DEFENSIVE).
int kvaultShadowName(const char* suffix) { return sqlite3_stricmp(suffix, kvault::kDataSuffix) == 0; }

const sqlite3_module kKvaultModule = {
    /* iVersion    */ 3,
    /* xCreate     */ kvaultCreate,
    /* xConnect    */ kvaultConnect,
    /* xBestIndex  */ kvaultBestIndex,
    /* xDisconnect */ kvaultDisconnect,
    /* xDestroy    */ kvaultDestroy,
    /* xOpen       */ open_cursor<KvaultCursor>,
    /* xClose      */ close_cursor<KvaultCursor>,
    /* xFilter     */ kvaultFilter,
    /* xNext       */ kvaultNext,
    /* xEof        */ kvaultEof,
    /* xColumn     */ kvaultColumn,
    /* xRowid      */ kvaultRowid,
    /* xUpdate     */ kvaultUpdate,
    /* xBegin      */ kvaultTxn,
    /* xSync       */ kvaultTxn,
    /* xCommit     */ kvaultTxn,
    /* xRollback   */ kvaultTxn,
    /* xFindFunction */ nullptr,
    /* xRename     */ kvaultRename,
    /* xSavepoint  */ kvaultSavepoint,
    /* xRelease    */ kvaultSavepoint,
    /* xRollbackTo */ kvaultSavepoint,
    /* xShadowName */ kvaultShadowName,
};

}  // namespace

// Registers the kvault module and its streaming functions.
int register_kvault(sqlite3* db, char** err) {
  if (int rc = register_module(db, "kvault", &kKvaultModule, err); rc != SQLITE_OK) return rc;
  return register_kvault_stream_functions(db, err);
}

}  // namespace kvx
