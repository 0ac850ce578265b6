// col_meta rows of one schema (upstream's column catalog; see src/kvfiles/catalog.hpp).
#include <new>

#include "common/error.hpp"
#include "json/text.hpp"
#include "kvfiles/kvfiles.hpp"

namespace kvx::kvfiles {

namespace {

std::string quoted(const char* fmt, const std::string& schema) {
  char* q = sqlite3_mprintf(fmt, schema.c_str());
  if (!q) throw std::bad_alloc();
  std::string s(q);
  sqlite3_free(q);
  return s;
}

// A statement finalized on scope exit.
struct Query {
  sqlite3_stmt* s = nullptr;
  Query(sqlite3* db, const std::string& sql, const std::string& what = "kohakuvault_columns") {
    int rc = sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr);
    if (rc != SQLITE_OK) {
      sqlite3_finalize(s);
      s = nullptr;
      kvcolumn::fail_sqlite(db, rc, what);
    }
  }
  ~Query() { sqlite3_finalize(s); }
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;
};

}  // namespace

std::vector<kv::kvfiles::MetaRow> load_meta(sqlite3* db, const std::string& schema) {
  std::vector<kv::kvfiles::MetaRow> rows;
  {
    Query exists(db, quoted("SELECT 1 FROM \"%w\".sqlite_master WHERE type = 'table' AND name = 'col_meta'", schema));
    int rc = sqlite3_step(exists.s);
    if (rc == SQLITE_DONE) return rows;
    if (rc != SQLITE_ROW) kvcolumn::fail_sqlite(db, rc, "kohakuvault_columns");
  }
  const std::string sql =
      quoted("SELECT col_id, name, dtype, elem_size, length, max_chunk_bytes FROM \"%w\".col_meta", schema);
  Query q(db, sql, "kohakuvault_columns: " + schema + ".col_meta is not KohakuVault's column catalog");
  int rc;
  while ((rc = sqlite3_step(q.s)) == SQLITE_ROW) {
    kv::kvfiles::MetaRow r;
    r.col_id = sqlite3_column_int64(q.s, 0);
    auto text = [&](int col) {
      const unsigned char* t = sqlite3_column_text(q.s, col);
      if (!t && sqlite3_errcode(db) == SQLITE_NOMEM) throw std::bad_alloc();
      return t ? std::string(reinterpret_cast<const char*>(t), static_cast<std::size_t>(sqlite3_column_bytes(q.s, col)))
               : std::string();
    };
    r.name = text(1);
    r.dtype = text(2);
    // A name that cannot be shown stops the listing; any other bad field marks
    // only its own column (MetaRow::problem).
    if (sqlite3_column_type(q.s, 1) != SQLITE_TEXT || !kv::json::is_valid_utf8(r.name))
      kv::fail(kv::Errc::corrupt, "KohakuVault col_meta row col_id " + std::to_string(r.col_id) +
                                      ": name is not UTF-8 TEXT");
    if (sqlite3_column_type(q.s, 2) != SQLITE_TEXT || !kv::json::is_valid_utf8(r.dtype)) {
      r.dtype.clear();
      r.problem = "dtype is not UTF-8 TEXT";
    }
    static const char* const kNames[] = {"col_id", "name", "dtype", "elem_size", "length", "max_chunk_bytes"};
    for (int col : {0, 3, 4, 5})
      if (sqlite3_column_type(q.s, col) != SQLITE_INTEGER) r.problem = std::string(kNames[col]) + " is not an integer";
    r.elem_size = sqlite3_column_int64(q.s, 3);
    r.length = sqlite3_column_int64(q.s, 4);
    r.max_chunk_bytes = sqlite3_column_int64(q.s, 5);
    rows.push_back(std::move(r));
  }
  if (rc != SQLITE_DONE) kvcolumn::fail_sqlite(db, rc, "kohakuvault_columns");
  return rows;
}

}  // namespace kvx::kvfiles
