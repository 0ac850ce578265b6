// Shared declarations of the kvault virtual table (see module.cpp for the
// design and the plan encoding). Files:
//   module.cpp   module table, xCreate/xConnect/xDestroy/xRename/xShadowName,
//                xBestIndex, registration
//   cursor.cpp   xFilter/xNext/xColumn...: constraint values -> one key range,
//                the shadow scan, the value and encoding columns
//   write.cpp    xUpdate and the (empty) transaction methods
//   shadow.cpp   shadow table names, key bytes, cached statements (shadow.hpp)
//   stream.cpp   kvault_import / kvault_export / kvault_read (blob I/O)
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/sqlite.hpp"
#include "kvault/key_range.hpp"
#include "kvault/shadow.hpp"

namespace kvx::kvault {

// Declared columns (kDeclaredSchema in module.cpp).
enum Column { kKey = 0, kValue = 1, kSize = 2, kEncoding = 3, kPrefix = 4 };

// idxNum bits of the plan (module.cpp, top).
constexpr int kOrderDesc = 1;
constexpr int kOrderConsumed = 2;
constexpr int kValueUsed = 4;
constexpr int kSizeUsed = 8;

// What a shadow scan reads besides id and key: nothing (an index-only scan
// of the key index), length(value), or the value itself (its size then is
// its byte count). Chosen from the columns the statement uses (idxNum bits).
enum Reads { kReadsKey = 0, kReadsSize = 1, kReadsValue = 2 };
inline constexpr const char* kReadColumns[] = {"id, key", "id, key, length(value)", "id, key, value"};
// A point seek's key column is the bound key itself: the seek of a BLOB
// finds only a BLOB key with the same bytes, so the row's key need not be
// read from the index.
inline constexpr const char* kPointReadColumns[] = {"id, ?1", "id, ?1, length(value)", "id, ?1, value"};

// One kvault table on one connection: its names and its cached shadow statements.
struct Table : sqlite3_vtab {
  sqlite3* db = nullptr;
  std::string schema;
  std::string name;
  std::string data;  // "schema"."name_data", quoted
  StatementCache cache;
  std::string point_sql[3];  // point lookup by key, per Reads
  // The idle point-lookup statement of each kind, taken and given back by
  // every key = ? query without looking its SQL text up in the cache.
  sqlite3_stmt* idle_point[3] = {nullptr, nullptr, nullptr};
  // xUpdate's statements and their texts, built once per name (per ON
  // CONFLICT mode where the statement can conflict: "", " OR REPLACE",
  // " OR IGNORE"); prepared on first use.
  std::string insert_sql[3], set_key_sql[3], set_id_sql[3], set_value_sql, delete_sql;
  CachedStatement insert[3], set_key[3], set_id[3], set_value, del;

  Table(sqlite3* d, std::string s, std::string n)
      : sqlite3_vtab{}, db(d), schema(std::move(s)), name(std::move(n)), cache(d) {
    set_names();
  }
  ~Table() { clear_statements(); }
  Table(const Table&) = delete;
  Table& operator=(const Table&) = delete;

  void set_names() {
    data = shadow_name(schema, name, kDataSuffix);
    for (int r = kReadsKey; r <= kReadsValue; ++r)
      point_sql[r] = std::string("SELECT ") + kPointReadColumns[r] + " FROM " + data + " WHERE key = ?1";
    static constexpr const char* kConflict[] = {"", " OR REPLACE", " OR IGNORE"};
    for (int m = 0; m < 3; ++m) {
      insert_sql[m] = std::string("INSERT") + kConflict[m] + " INTO " + data + "(id, key, value) VALUES (?1, ?2, ?3)";
      set_key_sql[m] = std::string("UPDATE") + kConflict[m] + " " + data + " SET key = ?2 WHERE id = ?1";
      set_id_sql[m] = std::string("UPDATE") + kConflict[m] + " " + data + " SET id = ?2 WHERE id = ?1";
    }
    set_value_sql = "UPDATE " + data + " SET value = ?2 WHERE id = ?1";
    delete_sql = "DELETE FROM " + data + " WHERE id = ?1";
  }
  sqlite3_stmt* take_point(Reads reads) {
    sqlite3_stmt* s = idle_point[reads];
    idle_point[reads] = nullptr;
    return s ? s : cache.acquire(point_sql[reads]);
  }
  void give_back_point(Reads reads, sqlite3_stmt* s) noexcept {
    if (idle_point[reads]) return cache.release(point_sql[reads], s);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    idle_point[reads] = s;
  }
  // Finalizes every idle statement (before DROP and RENAME of the shadow table).
  void clear_statements() noexcept {
    for (sqlite3_stmt*& s : idle_point) {
      sqlite3_finalize(s);
      s = nullptr;
    }
    cache.clear();
    for (int m = 0; m < 3; ++m) {
      insert[m].finalize();
      set_key[m].finalize();
      set_id[m].finalize();
    }
    set_value.finalize();
    del.finalize();
  }
};

// The bytes of a TEXT or BLOB value (empty for other types). Columns of the
// shadow statements are read through sqlite3_column_value and this, one
// sqlite3_column_* call (and one mutex round trip) per column instead of
// three: the connection's mutex is held throughout (the callers run inside
// the outer statement's step), so using the unprotected value is safe.
inline std::string_view value_bytes(sqlite3_value* v) {
  const void* p = sqlite3_value_blob(v);
  const int n = sqlite3_value_bytes(v);
  return {p ? static_cast<const char*>(p) : "", static_cast<std::size_t>(n)};
}

// The current row's value, copied once from the shadow statement and handed to
// every xColumn(value) call of that row without another copy
// (sqlite3_result_blob64 with release_shared_value as destructor; the bytes
// follow this header). SELECT length(value), value asks for the column twice.
struct SharedValue {
  std::atomic<int> refs;  // the cursor's reference + one per handed-out result
  std::size_t size;
  const char* bytes() const { return reinterpret_cast<const char*>(this + 1); }
};
void release_shared_value(void* bytes) noexcept;  // the destructor SQLite calls (cursor.cpp)
inline void drop(SharedValue*& v) noexcept {
  if (v) release_shared_value(const_cast<char*>(v->bytes()));
  v = nullptr;
}

// A scan: the shadow statement positioned on the current row, and the
// constraints every row is re-checked against.
struct Cursor : sqlite3_vtab_cursor {
  Table* table() const { return static_cast<Table*>(pVtab); }

  std::string scan_sql;           // the range scan's SQL (empty for a point scan)
  bool point = false;             // a point scan: the statement is Table::idle_point[reads]
  sqlite3_stmt* scan = nullptr;   // columns: kReadColumns[reads]
  std::string fetch_sql;
  sqlite3_stmt* fetch = nullptr;  // value of one id, when the scan lacks it
  sqlite3_blob* head = nullptr;   // the current value for encoding (first 10 bytes) and size
  Reads reads = kReadsKey;
  bool eof = true;
  bool unique = false;     // every seek finds at most one row (key = v, key IN (...))
  bool seek_done = false;  // ...and the current seek has found it
  SharedValue* value = nullptr;  // the current row's value once asked for

  kv::key_range::Range range;
  // The plan is exactly key = v (idxStr "E"): one seek of the key index for
  // the bytes in `exact_key`, whose row needs no re-check (range is unset).
  bool exact = false;
  std::string exact_key;
  std::vector<std::string> not_equal;
  std::vector<std::string> in_keys;  // IN values, sorted in scan order
  std::size_t in_next = 0;
  bool use_in = false;
  std::optional<std::string> prefix;  // echoed by the prefix column
  std::int64_t limit = -1;            // rows to produce at most, -1: all
  std::int64_t produced = 0;

  void release_scan() noexcept {
    if (scan && point)
      table()->give_back_point(reads, scan);
    else if (scan)
      table()->cache.release(scan_sql, scan);
    scan = nullptr;
    point = false;
  }
  ~Cursor() {
    drop(value);
    release_scan();
    if (fetch) table()->cache.release(fetch_sql, fetch);
    if (head) sqlite3_blob_close(head);
  }

  // The current row's key. The caller has checked that it is a BLOB.
  std::string_view row_key() const { return value_bytes(sqlite3_column_value(scan, 1)); }
  bool row_matches() const {
    if (exact) return true;  // the seek found exactly the key asked for
    const std::string_view k = row_key();
    if (!range.contains(k)) return false;
    return std::none_of(not_equal.begin(), not_equal.end(), [&](const std::string& n) { return n == k; });
  }
};

// cursor.cpp
int kvaultFilter(sqlite3_vtab_cursor* cur, int idxNum, const char* idxStr, int argc, sqlite3_value** argv);
int kvaultNext(sqlite3_vtab_cursor* cur);
int kvaultEof(sqlite3_vtab_cursor* cur);
int kvaultRowid(sqlite3_vtab_cursor* cur, sqlite3_int64* rowid);
int kvaultColumn(sqlite3_vtab_cursor* cur, sqlite3_context* ctx, int col);

// write.cpp
int kvaultUpdate(sqlite3_vtab* vtab, int argc, sqlite3_value** argv, sqlite3_int64* rowid);
int kvaultTxn(sqlite3_vtab* vtab);  // xBegin, xSync, xCommit, xRollback
int kvaultSavepoint(sqlite3_vtab* vtab, int level);  // xSavepoint, xRelease, xRollbackTo

}  // namespace kvx::kvault
