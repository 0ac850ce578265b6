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
//     8  the size column is used: read length(value) in the scan (without
//        4 or 8 the scan reads only the key index: id, key; so does UPDATE,
//        which marks every column used but asks only for the changed ones)
// xFilter folds the constraints into one byte range (key_range.hpp) that the
// shadow statement seeks with, then re-checks each row against all of them.
// LIMIT/OFFSET (SQLite >= 3.38) are taken only when every constraint is ours
// and the order is consumed, and only stop the scan early (SQLite still
#include <memory>
#include <string>

#include "common/firewall.hpp"
#include "common/registry.hpp"
#include "common/table_names.hpp"
#include "common/vtab_cursor.hpp"
#include "kvault/kvault.hpp"

namespace kvx {

int register_kvault_stream_functions(sqlite3* db, char** err);  // stream.cpp

namespace kvault {
namespace {

constexpr const char* kDeclaredSchema =
    "CREATE TABLE x(key BLOB, value BLOB, size INTEGER HIDDEN, encoding TEXT HIDDEN, prefix BLOB HIDDEN)";

// What xShadowName claims; xCreate and xRename refuse a name whose claimed
// table already exists (common/table_names.hpp).
constexpr const char* kShadowSuffixes[] = {kDataSuffix};

// ---------------------------------------------------------------------------
// Connecting

int kvaultInit(sqlite3* db, int argc, const char* const* argv, sqlite3_vtab** out, char** err, bool create) {
  *out = nullptr;
  return guard_status(err, [&] {
    if (argc > 3)
      throw kv::Error(kv::Errc::invalid_argument,
                      std::string("kvault takes no arguments, got '") + argv[3] + "' (use: USING kvault)");
    auto table = std::make_unique<Table>(db, argv[1], argv[2]);
    if (create) {
      check_table_name(db, table->schema, table->name, "kvault", {}, kShadowSuffixes, kShadowSuffixes);
      const std::string ddl = "CREATE TABLE " + table->data +
                              "(id INTEGER PRIMARY KEY, key BLOB UNIQUE NOT NULL, value BLOB NOT NULL)";
      exec(db, ddl, "cannot create " + table->data);
    }
    if (int rc = sqlite3_declare_vtab(db, kDeclaredSchema); rc != SQLITE_OK)
      throw_sqlite_error(db, rc, "cannot declare the kvault schema");
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
  delete static_cast<Table*>(vtab);
  return SQLITE_OK;
}

// xDestroy: DROP TABLE; drops the shadow table too.
int kvaultDestroy(sqlite3_vtab* vtab) {
  auto* t = static_cast<Table*>(vtab);
  const int rc = guard_status(&vtab->zErrMsg, [&] {
    t->clear_statements();
    exec(t->db, "DROP TABLE IF EXISTS " + t->data, "kvault: dropping the shadow table of " + t->name);
    return SQLITE_OK;
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
    // UPDATE marks every column used (bits past the last column too) and
    // then asks only for the changed ones; read nothing ahead for it, a
    // column that is asked for is fetched by id (cursor.cpp).
    const bool every_column = (info->colUsed >> (kPrefix + 1)) != 0;
    if (!every_column && (info->colUsed & (sqlite3_uint64{1} << kValue))) idx |= kValueUsed;
    if (!every_column && (info->colUsed & (sqlite3_uint64{1} << kSize))) idx |= kSizeUsed;

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


// xRename: ALTER TABLE ... RENAME; renames the shadow table.
int kvaultRename(sqlite3_vtab* vtab, const char* new_name) {
  auto* t = static_cast<Table*>(vtab);
  return guard_status(&vtab->zErrMsg, [&] {
    check_table_name(t->db, t->schema, new_name, "kvault", {}, kShadowSuffixes, kShadowSuffixes);
    t->clear_statements();
    exec(t->db,
         "ALTER TABLE " + t->data + " RENAME TO " + mprintf("\"%w_%w\"", new_name, kDataSuffix),
         "kvault: renaming the shadow table of " + t->name);
    t->name = new_name;
    t->set_names();
    return SQLITE_OK;
  });
}

// xShadowName: "<table>_data" is ours (read-only under SQLITE_DBCONFIG_DEFENSIVE).
int kvaultShadowName(const char* suffix) { return claims_shadow_suffix(suffix, kShadowSuffixes); }

const sqlite3_module kKvaultModule = {
    /* iVersion    */ 3,
    /* xCreate     */ kvaultCreate,
    /* xConnect    */ kvaultConnect,
    /* xBestIndex  */ kvaultBestIndex,
    /* xDisconnect */ kvaultDisconnect,
    /* xDestroy    */ kvaultDestroy,
    /* xOpen       */ open_cursor<Cursor>,
    /* xClose      */ close_cursor<Cursor>,
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
}  // namespace kvault

// Registers the kvault module and its streaming functions.
int register_kvault(sqlite3* db, char** err) {
  if (int rc = register_module(db, "kvault", &kvault::kKvaultModule, err); rc != SQLITE_OK) return rc;
  return register_kvault_stream_functions(db, err);
}

}  // namespace kvx
