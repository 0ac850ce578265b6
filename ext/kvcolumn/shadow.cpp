// SqliteChunkStore: the "<table>_info" / "<table>_chunks" shadow tables as a
// kv::ChunkStore. Statements are prepared once (SQLITE_PREPARE_PERSISTENT) and
// reset after each use; chunk bytes move through incremental blob I/O, one
// blob handle per call (an open handle would pin the read transaction).
#include <algorithm>
#include <new>

#include "common/error.hpp"
#include "kvcolumn/kvcolumn.hpp"

namespace kvx::kvcolumn {

namespace {

// Chunks at least this large are written through a zeroblob + blob write.
constexpr std::size_t kLargeChunk = 1 << 20;

constexpr std::string_view kPrepareContext = "kvcolumn: cannot prepare shadow-table statement";

}  // namespace

SqliteChunkStore::SqliteChunkStore(sqlite3* db, std::string schema, std::string table,
                                   const char* chunks_suffix, const char* length_key)
    : db_(db), suffix_(chunks_suffix), length_key_(length_key), schema_(std::move(schema)) {
  rename(table);
}

void SqliteChunkStore::rename(const std::string& table) {
  finish_writes();
  table_ = table;
  info_ = shadow_name(schema_, table_, kInfoSuffix);
  chunks_ = shadow_name(schema_, table_, suffix_);
  chunks_table_ = table_ + "_" + suffix_;
  get_length_.finalize();
  set_length_.finalize();
  size_.finalize();
  put_.finalize();
  delete_from_.finalize();
  get_counter_.finalize();
  set_counter_.finalize();
}

std::string SqliteChunkStore::context(const std::string& what) const { return kv::column_label(table_) + ": " + what; }

void SqliteChunkStore::corrupt(const std::string& what) const {
  kv::fail(kv::Errc::corrupt, kv::column_label(table_) + " is corrupt: " + what);
}

std::uint64_t SqliteChunkStore::load_length() {
  StatementUse s = get_length_.use(
      db_, [&] { return std::string("SELECT value FROM " + info_ + " WHERE key = '" + length_key_ + "'"); }, kPrepareContext);
  int rc = sqlite3_step(s);
  if (rc == SQLITE_DONE) corrupt("the " + length_key_ + " row of " + table_ + "_info is missing");
  if (rc != SQLITE_ROW) throw_sqlite_error(db_, rc, context("cannot read the length"));
  if (sqlite3_column_type(s, 0) != SQLITE_INTEGER || sqlite3_column_int64(s, 0) < 0)
    corrupt("the " + length_key_ + " in " + table_ + "_info is not a non-negative integer");
  return static_cast<std::uint64_t>(sqlite3_column_int64(s, 0));
}

void SqliteChunkStore::save_length(std::uint64_t length) {
  finish_writes();
  StatementUse s = set_length_.use(
      db_, [&] { return std::string("UPDATE " + info_ + " SET value = ?1 WHERE key = '" + length_key_ + "'"); }, kPrepareContext);
  sqlite3_bind_int64(s, 1, static_cast<sqlite3_int64>(length));
  int rc = sqlite3_step(s);
  if (rc != SQLITE_DONE) throw_sqlite_error(db_, rc, context("cannot save the length"));
  if (sqlite3_changes(db_) != 1) corrupt("the " + length_key_ + " row of " + table_ + "_info is missing");
}

std::optional<std::uint64_t> SqliteChunkStore::chunk_size(std::uint64_t chunk) {
  // length() of a BLOB reads only the record header, not the overflow pages.
  StatementUse s = size_.use(
      db_, [&] { return std::string("SELECT length(data), typeof(data) = 'blob' FROM " + chunks_ + " WHERE chunk_idx = ?1"); }, kPrepareContext);
  sqlite3_bind_int64(s, 1, static_cast<sqlite3_int64>(chunk));
  int rc = sqlite3_step(s);
  if (rc == SQLITE_DONE) return std::nullopt;
  if (rc != SQLITE_ROW) throw_sqlite_error(db_, rc, context("cannot read chunk sizes"));
  if (!sqlite3_column_int(s, 1)) corrupt("chunk " + std::to_string(chunk) + " is not a BLOB");
  return static_cast<std::uint64_t>(sqlite3_column_int64(s, 0));
}

Blob SqliteChunkStore::open_for_read(std::uint64_t chunk) {
  Blob blob;
  const int rc = sqlite3_blob_open(db_, schema_.c_str(), chunks_table_.c_str(), "data",
                                   static_cast<sqlite3_int64>(chunk), 0, blob.out());
  if (rc == SQLITE_OK) return blob;
  const SqliteFailure failure = SqliteFailure::capture(db_, rc);  // closing resets the connection's error
  blob.close();
  if (!chunk_size(chunk)) return blob;  // missing row (chunk_size also rejects non-BLOBs)
  failure.raise(context("cannot open chunk " + std::to_string(chunk)));
}

// Reads n bytes at offset of an open chunk into out (resized to n); a failed
// read throws with SQLite's code, read off the connection before the handle closes.
void SqliteChunkStore::read_into(Blob& blob, std::uint64_t chunk, std::uint64_t offset, std::uint64_t n,
                                 std::string& out) {
  out.resize(static_cast<std::size_t>(n));  // may throw: blob closes on the way out
  const int rc = n > 0 ? sqlite3_blob_read(blob.get(), out.data(), static_cast<int>(n), static_cast<int>(offset))
                       : SQLITE_OK;
  if (rc != SQLITE_OK) {
    const SqliteFailure failure = SqliteFailure::capture(db_, rc);
    blob.close();
    failure.raise(context("cannot read chunk " + std::to_string(chunk)));
  }
}

bool SqliteChunkStore::read_chunk(std::uint64_t chunk, std::string& out) {
  std::optional<std::uint64_t> size = chunk_size(chunk);  // also rejects non-BLOB rows
  if (!size) return false;
  Blob blob = open_for_read(chunk);
  if (!blob) return false;
  read_into(blob, chunk, 0, static_cast<std::uint64_t>(sqlite3_blob_bytes(blob.get())), out);
  return true;
}

std::optional<std::uint64_t> SqliteChunkStore::read_range(std::uint64_t chunk, std::uint64_t offset,
                                                          std::uint64_t n, std::string& out) {
  Blob blob = open_for_read(chunk);
  if (!blob) return std::nullopt;
  const std::uint64_t size = static_cast<std::uint64_t>(sqlite3_blob_bytes(blob.get()));
  if (offset <= size && n <= size - offset) read_into(blob, chunk, offset, n, out);
  return size;
}

std::optional<std::uint64_t> SqliteChunkStore::read_pieces(std::uint64_t chunk, std::uint64_t offset,
                                                           std::uint64_t n, std::uint64_t piece, std::string& buf,
                                                           const PieceSink& sink) {
  Blob blob = open_for_read(chunk);  // the sink may throw: closed on the way out
  if (!blob) return std::nullopt;
  const std::uint64_t size = static_cast<std::uint64_t>(sqlite3_blob_bytes(blob.get()));
  if (offset > size || n > size - offset) return size;
  if (piece == 0) piece = n;
  if (buf.size() < std::min(piece, n)) buf.resize(static_cast<std::size_t>(std::min(piece, n)));
  for (std::uint64_t at = 0; at < n; at += piece) {
    const std::uint64_t m = std::min(piece, n - at);
    const int rc = sqlite3_blob_read(blob.get(), buf.data(), static_cast<int>(m), static_cast<int>(offset + at));
    if (rc != SQLITE_OK)  // thrown before the handle closes: the connection's error is intact
      throw_sqlite_error(db_, rc, context("cannot read chunk " + std::to_string(chunk)));
    sink(std::string_view(buf.data(), static_cast<std::size_t>(m)), at);
  }
  return size;
}

void SqliteChunkStore::write_in_place(std::uint64_t chunk, std::uint64_t offset, std::string_view data) {
  int rc = SQLITE_OK;
  if (write_blob_) {
    rc = sqlite3_blob_reopen(write_blob_.get(), static_cast<sqlite3_int64>(chunk));
    if (rc != SQLITE_OK) finish_writes();  // a failed reopen leaves an aborted handle: open a new one
  }
  if (!write_blob_)
    rc = sqlite3_blob_open(db_, schema_.c_str(), chunks_table_.c_str(), "data",
                           static_cast<sqlite3_int64>(chunk), 1, write_blob_.out());
  if (rc == SQLITE_OK)
    rc = sqlite3_blob_write(write_blob_.get(), data.data(), static_cast<int>(data.size()),
                            static_cast<int>(offset));
  if (rc != SQLITE_OK) {
    const SqliteFailure failure = SqliteFailure::capture(db_, rc);  // closing resets the connection's error
    finish_writes();
    failure.raise(context("cannot write chunk " + std::to_string(chunk)));
  }
}

void SqliteChunkStore::finish_writes() { write_blob_.close(); }

void SqliteChunkStore::put_chunk(std::uint64_t chunk, std::string_view bytes) {
  finish_writes();
  // Large chunks: insert a zeroblob, then copy the bytes straight into its
  // pages with one blob write (no record-sized temporary copy).
  const bool large = bytes.size() >= kLargeChunk;
  {
    StatementUse s = put_.use(
        db_, [&] { return std::string("INSERT OR REPLACE INTO " + chunks_ + "(chunk_idx, data) VALUES (?1, ?2)"); }, kPrepareContext);
    sqlite3_bind_int64(s, 1, static_cast<sqlite3_int64>(chunk));
    if (large)
      sqlite3_bind_zeroblob64(s, 2, bytes.size());
    else
      sqlite3_bind_blob64(s, 2, bytes.data(), bytes.size(), SQLITE_STATIC);
    // A chunk row is not the user's insert: last_insert_rowid() stays the idx
    // xUpdate reported (a flush at commit runs after the user's INSERT).
    const sqlite3_int64 user_rowid = sqlite3_last_insert_rowid(db_);
    int rc = sqlite3_step(s);
    sqlite3_set_last_insert_rowid(db_, user_rowid);
    if (rc != SQLITE_DONE)
      throw_sqlite_error(db_, rc, context("cannot write chunk " + std::to_string(chunk)));
  }
  if (large) write_in_place(chunk, 0, bytes);
}

void SqliteChunkStore::delete_chunks_from(std::uint64_t first) {
  finish_writes();
  StatementUse s = delete_from_.use(
      db_, [&] { return std::string("DELETE FROM " + chunks_ + " WHERE chunk_idx >= ?1"); }, kPrepareContext);
  sqlite3_bind_int64(s, 1, static_cast<sqlite3_int64>(first));
  int rc = sqlite3_step(s);
  if (rc != SQLITE_DONE) throw_sqlite_error(db_, rc, context("cannot delete chunks"));
}

std::optional<std::uint64_t> SqliteChunkStore::load_counter(const std::string& key) {
  StatementUse s = get_counter_.use(
      db_, [&] { return std::string("SELECT value FROM " + info_ + " WHERE key = ?1"); }, kPrepareContext);
  sqlite3_bind_text(s, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
  int rc = sqlite3_step(s);
  if (rc == SQLITE_DONE) return std::nullopt;
  if (rc != SQLITE_ROW) throw_sqlite_error(db_, rc, context("cannot read " + key));
  if (sqlite3_column_type(s, 0) != SQLITE_INTEGER || sqlite3_column_int64(s, 0) < 0)
    corrupt("the " + key + " in " + table_ + "_info is not a non-negative integer");
  return static_cast<std::uint64_t>(sqlite3_column_int64(s, 0));
}

void SqliteChunkStore::save_counter(const std::string& key, std::uint64_t value) {
  finish_writes();
  StatementUse s = set_counter_.use(
      db_, [&] { return std::string("INSERT OR REPLACE INTO " + info_ + "(key, value) VALUES (?1, ?2)"); }, kPrepareContext);
  sqlite3_bind_text(s, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
  sqlite3_bind_int64(s, 2, static_cast<sqlite3_int64>(value));
  int rc = sqlite3_step(s);
  if (rc != SQLITE_DONE) throw_sqlite_error(db_, rc, context("cannot save " + key));
}

}  // namespace kvx::kvcolumn
