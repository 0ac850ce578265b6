// col_meta rows of one schema (upstream's column catalog; see src/kvfiles/catalog.hpp).
#include <new>

#include "common/error.hpp"
#include "common/sql_text.hpp"
#include "json/text.hpp"
#include "kvfiles/kvfiles.hpp"

namespace kvx::kvfiles {

std::vector<kv::kvfiles::MetaRow> load_meta(sqlite3* db, const std::string& schema) {
  std::vector<kv::kvfiles::MetaRow> rows;
  {
    Statement exists(
        db, mprintf("SELECT 1 FROM \"%w\".sqlite_master WHERE type = 'table' AND name = 'col_meta'", schema.c_str()),
        "kohakuvault_columns");
    if (!exists.step("kohakuvault_columns")) return rows;
  }
  Statement statement(
      db, mprintf("SELECT col_id, name, dtype, elem_size, length, max_chunk_bytes FROM \"%w\".col_meta", schema.c_str()),
      "kohakuvault_columns: " + schema + ".col_meta is not KohakuVault's column catalog");
  sqlite3_stmt* const q = statement.get();
  while (statement.step("kohakuvault_columns")) {
    kv::kvfiles::MetaRow r;
    r.col_id = sqlite3_column_int64(q, 0);
    auto text = [&](int col) {
      const unsigned char* t = sqlite3_column_text(q, col);
      if (!t && sqlite3_errcode(db) == SQLITE_NOMEM) throw std::bad_alloc();
      return t ? std::string(reinterpret_cast<const char*>(t), static_cast<std::size_t>(sqlite3_column_bytes(q, col)))
               : std::string();
    };
    r.name = text(1);
    r.dtype = text(2);
    // A name that cannot be shown stops the listing; any other bad field marks
    // only its own column (MetaRow::problem).
    if (sqlite3_column_type(q, 1) != SQLITE_TEXT || !kv::json::is_valid_utf8(r.name))
      kv::fail(kv::Errc::corrupt, "KohakuVault col_meta row col_id " + std::to_string(r.col_id) +
                                      ": name is not UTF-8 TEXT");
    if (sqlite3_column_type(q, 2) != SQLITE_TEXT || !kv::json::is_valid_utf8(r.dtype)) {
      r.dtype.clear();
      r.problem = "dtype is not UTF-8 TEXT";
    }
    static const char* const kNames[] = {"col_id", "name", "dtype", "elem_size", "length", "max_chunk_bytes"};
    for (int col : {0, 3, 4, 5})
      if (sqlite3_column_type(q, col) != SQLITE_INTEGER) r.problem = std::string(kNames[col]) + " is not an integer";
    r.elem_size = sqlite3_column_int64(q, 3);
    r.length = sqlite3_column_int64(q, 4);
    r.max_chunk_bytes = sqlite3_column_int64(q, 5);
    rows.push_back(std::move(r));
  }
  return rows;
}

}  // namespace kvx::kvfiles
