// Reading databases written by KohakuVault itself (its col_meta/col_chunks
// column tables) from SQL, read-only. The layout and the reader are in
// src/kvfiles/ (no SQLite there); this folder is the SQLite glue:
//   chunk_source.cpp  SqliteChunkSource: col_chunks rows through incremental blob I/O
//   catalog.cpp       col_meta rows of one schema
//   columns.cpp       the kohakuvault_columns eponymous table
//   column.cpp        the kohakuvault_column table-valued function
// Nothing here ever writes: every statement is a SELECT and blob handles are
// opened read-only, so read-only and immutable opens work.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/sqlite.hpp"
#include "common/sqlite_error.hpp"
#include "common/statement.hpp"
#include "common/value_bridge.hpp"  // result_element
#include "kvfiles/catalog.hpp"
#include "kvfiles/chunk_source.hpp"

namespace kvx::kvfiles {

// Chunks of "<schema>".col_chunks, one read-only blob handle kept on the
// current chunk (reopened on the next one; closed with the source, i.e. with
// the cursor, so it never outlives the statement reading it).
// data_version() is sqlite3_total_changes64(): it moves when a statement on
// this connection has written rows (col_chunks among them), which is the only
// way the chunks can change under a running scan (other connections' commits
// are not visible inside its read transaction). The readers' windows are then
// dropped; a blob handle whose own row was written is expired by SQLite, so the
// next read of that chunk fails at once ("changed while it was read").
// Not seen: ROLLBACK TO a savepoint mid-scan (no public counter moves for it).
class SqliteChunkSource final : public kv::kvfiles::ChunkSource {
 public:
  SqliteChunkSource(sqlite3* db, std::string schema) : db_(db), schema_(std::move(schema)) {}
  ~SqliteChunkSource() override { close(); }
  SqliteChunkSource(const SqliteChunkSource&) = delete;
  SqliteChunkSource& operator=(const SqliteChunkSource&) = delete;

  std::optional<std::uint64_t> chunk_size(std::int64_t col_id, std::int64_t chunk_idx) override;
  void read(std::int64_t col_id, std::int64_t chunk_idx, std::uint64_t offset, std::uint64_t n,
            char* out) override;
  std::uint64_t data_version() override { return static_cast<std::uint64_t>(sqlite3_total_changes64(db_)); }

 private:
  void close();
  sqlite3* db_;
  std::string schema_;
  CachedStatement find_;
  sqlite3_blob* blob_ = nullptr;
  std::int64_t col_id_ = 0, chunk_idx_ = 0;  // what blob_ is open on
  std::uint64_t size_ = 0;
};

// Every col_meta row of `schema` (empty when it has no col_meta table).
// Throws corrupt naming the row when a field has the wrong type.
std::vector<kv::kvfiles::MetaRow> load_meta(sqlite3* db, const std::string& schema);

// "kind" as kohakuvault_columns shows it.
inline const char* kind_name(kv::kvfiles::Kind k) { return k == kv::kvfiles::Kind::var ? "var" : "fixed"; }

int register_columns(sqlite3* db, char** err);  // kohakuvault_columns
int register_column(sqlite3* db, char** err);   // kohakuvault_column

}  // namespace kvx::kvfiles
