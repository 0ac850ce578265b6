// SqliteChunkSource: upstream's col_chunks rows, read with incremental blob
// I/O. A chunk is found by (col_id, chunk_idx) through upstream's primary-key
// index and opened read-only by rowid; sqlite3_blob_bytes() is its stored size
// whatever its storage class (upstream leaves TEXT chunks whose length() stops
// at the first NUL). Only the bytes asked for are read.
#include <new>

#include "common/error.hpp"
#include "common/sql_text.hpp"
#include "kvfiles/kvfiles.hpp"

namespace kvx::kvfiles {

void SqliteChunkSource::close() {
  if (blob_) sqlite3_blob_close(blob_);
  blob_ = nullptr;
}

std::optional<std::uint64_t> SqliteChunkSource::chunk_size(std::int64_t col_id, std::int64_t chunk_idx) {
  if (blob_ && col_id == col_id_ && chunk_idx == chunk_idx_) return size_;
  sqlite3_int64 rowid = 0;
  {
    StatementUse s = find_.use(
        db_,
        [&] {
          return mprintf("SELECT rowid FROM \"%w\".col_chunks WHERE col_id = ?1 AND chunk_idx = ?2", schema_.c_str());
        },
        "kohakuvault_column: cannot look up a chunk");
    sqlite3_bind_int64(s, 1, col_id);
    sqlite3_bind_int64(s, 2, chunk_idx);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_DONE) return std::nullopt;
    if (rc != SQLITE_ROW) throw_sqlite_error(db_, rc, "kohakuvault_column: cannot look up a chunk");
    rowid = sqlite3_column_int64(s, 0);
  }
  int rc = blob_ ? sqlite3_blob_reopen(blob_, rowid)
                 : sqlite3_blob_open(db_, schema_.c_str(), "col_chunks", "data", rowid, 0, &blob_);
  if (rc != SQLITE_OK) {
    // Read the error before close() (a failed reopen leaves an aborted handle),
    // which resets the connection's error.
    const SqliteFailure failure = SqliteFailure::capture(db_, rc);
    close();
    if (rc == SQLITE_ERROR)  // the row exists but its data is neither BLOB nor TEXT
      kv::fail(kv::Errc::corrupt, "chunk " + std::to_string(chunk_idx) + " (col_id " + std::to_string(col_id) +
                                      ") has no bytes: " + failure.message);
    failure.raise("kohakuvault_column: cannot open a chunk");
  }
  col_id_ = col_id;
  chunk_idx_ = chunk_idx;
  size_ = static_cast<std::uint64_t>(sqlite3_blob_bytes(blob_));
  return size_;
}

void SqliteChunkSource::read(std::int64_t col_id, std::int64_t chunk_idx, std::uint64_t offset, std::uint64_t n,
                             char* out) {
  if (!chunk_size(col_id, chunk_idx) || offset > size_ || n > size_ - offset)
    kv::fail(kv::Errc::internal, "kohakuvault_column: read outside a chunk");  // callers check sizes
  if (n == 0) return;
  int rc = sqlite3_blob_read(blob_, out, static_cast<int>(n), static_cast<int>(offset));
  if (rc == SQLITE_ABORT) {  // the row changed under the handle (another writer)
    close();
    kv::fail(kv::Errc::busy, "kohakuvault_column: chunk " + std::to_string(chunk_idx) + " (col_id " +
                                 std::to_string(col_id) + ") changed while it was read");
  }
  if (rc != SQLITE_OK) throw_sqlite_error(db_, rc, "kohakuvault_column: cannot read a chunk");
}

}  // namespace kvx::kvfiles
