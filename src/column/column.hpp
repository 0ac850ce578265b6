// The two interfaces that separate "what a column storage is" from "how SQL
// drives it" (no SQLite types here).
//
//  * ChunkStore: raw, durable chunk rows plus the stored length. ext/ implements
//    it over the "<table>_chunks" / "<table>_info" shadow tables; unit tests
//    implement it over a std::map.
//  * Column: a mutable sequence of elements with a write-back buffer,
//    Python-list semantics (append, insert-at, update, delete with
//    renumbering), lazily applied multi-row deletes and savepoints. It has
//    two implementations, FixedColumn (fixed.hpp) and VarColumn (var.hpp).
//    The SQL glue drives everything they share through this interface (one
//    transaction, cache, renumbering and pushdown machinery for both); what
//    only one kind has (FixedColumn::write_slice, VarColumn::append_many,
//    compact, verify) it calls on the concrete kind it holds
//    (ext/kvcolumn/kvcolumn.hpp, ColumnKind), as do the set-based scans
//    (column/scan.hpp) through read_run/scan_run/scan_stream.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace kv {

// The piece size of streamed scans (Column::scan_stream): small enough that a
// piece read out of the store is still in L2 when the kernel runs over it.
inline constexpr std::uint64_t kScanPieceBytes = 1024 * 1024;

class ChunkStore {
 public:
  virtual ~ChunkStore() = default;
  // The stored element count; throws Error(corrupt) when missing or invalid.
  virtual std::uint64_t load_length() = 0;
  virtual void save_length(std::uint64_t length) = 0;
  // Size in bytes of chunk `chunk`'s blob, or nullopt when the row is missing.
  virtual std::optional<std::uint64_t> chunk_size(std::uint64_t chunk) = 0;
  // Reads the whole blob of a chunk into out; false when the row is missing.
  virtual bool read_chunk(std::uint64_t chunk, std::string& out) = 0;
  // Reads bytes [offset, offset + n) of a chunk's blob into out and returns
  // the blob's size; nullopt when the row is missing. Nothing is read when the
  // range passes the blob's end (the caller reports it).
  virtual std::optional<std::uint64_t> read_range(std::uint64_t chunk, std::uint64_t offset, std::uint64_t n,
                                                  std::string& out) {
    std::string whole;
    if (!read_chunk(chunk, whole)) return std::nullopt;
    if (offset <= whole.size() && n <= whole.size() - offset) out.assign(whole, offset, n);
    return whole.size();
  }
  // read_range in pieces for scans: bytes [offset, offset + n) of a chunk's
  // blob, `piece` bytes at a time (the last piece shorter), each read into
  // `buf` (reused; no zero fill when it is large enough) and handed to
  // sink(bytes, offset of the piece within the range) before the next read,
  // so a scan computes on cache-resident pieces. Returns the blob's size;
  // nullopt when the row is missing; nothing is read when the range passes
  // the blob's end.
  using PieceSink = std::function<void(std::string_view bytes, std::uint64_t at)>;
  virtual std::optional<std::uint64_t> read_pieces(std::uint64_t chunk, std::uint64_t offset, std::uint64_t n,
                                                   std::uint64_t piece, std::string& buf, const PieceSink& sink) {
    std::optional<std::uint64_t> size = read_range(chunk, offset, n, buf);
    if (size && offset <= *size && n <= *size - offset && buf.size() == n)
      for (std::uint64_t at = 0; at < n; at += piece)
        sink(std::string_view(buf).substr(at, piece), at);
    return size;
  }
  // Overwrites bytes [offset, offset + data.size()) of an existing blob.
  virtual void write_in_place(std::uint64_t chunk, std::uint64_t offset, std::string_view data) = 0;
  // Inserts or replaces a chunk row with exactly `bytes`.
  virtual void put_chunk(std::uint64_t chunk, std::string_view bytes) = 0;
  // Deletes every chunk row with index >= first.
  virtual void delete_chunks_from(std::uint64_t first) = 0;
  // End of one flush: release anything kept open between its writes.
  virtual void finish_writes() {}
  // A named counter kept beside the length (another "<table>_info" row), for
  // figures a column persists besides its length; nullopt when never saved.
  virtual std::optional<std::uint64_t> load_counter(const std::string& key) = 0;
  virtual void save_counter(const std::string& key, std::uint64_t value) = 0;
};

class Column {
 public:
  virtual ~Column() = default;

  // Current length as the SQL layer sees it (pending deletes not yet applied:
  // call settle() first when the numbering matters).
  virtual std::uint64_t length() = 0;
  // Applies pending deletes (renumbering). Cheap when there are none.
  virtual void settle() = 0;

  // A view of the bytes of element i (i < length()) and possibly following
  // elements: at least one and at most max_elems whole elements, contiguous.
  // Valid until epoch() changes.
  virtual std::string_view read_run(std::uint64_t i, std::uint64_t max_elems) = 0;
  // read_run for whole-range scans (column/scan.hpp): the same bytes, but a
  // column may avoid evicting cached chunks for data read once.
  virtual std::string_view scan_run(std::uint64_t i, std::uint64_t max_elems) { return read_run(i, max_elems); }
  // Streamed scan_run for fixed-size columns (column/scan.hpp): when element
  // i's chunk would be read from the store without entering the cache, hands
  // up to max_elems elements from i on to sink(bytes, first, count) in pieces
  // of about kScanPieceBytes and returns how many it handed over; otherwise
  // (and by default) returns 0 without reading, and the caller uses scan_run.
  using RunSink = std::function<void(std::string_view bytes, std::uint64_t first, std::uint64_t count)>;
  virtual std::uint64_t scan_stream(std::uint64_t /*i*/, std::uint64_t /*max_elems*/, const RunSink& /*sink*/) {
    return 0;
  }
  // Bytes per element, or 0 for variable-size columns.
  virtual std::uint64_t elem_size() const = 0;
  // Changes whenever a view returned by read_run may have become invalid.
  virtual std::uint64_t epoch() const = 0;

  // Element writes. `elem` holds exactly one packed element.
  virtual void update(std::uint64_t i, std::string_view elem) = 0;
  virtual void insert(std::uint64_t i, std::string_view elem) = 0;  // i <= length
  // Appends packed elements back to back (fixed-size: a multiple of elem_size).
  virtual void append_packed(std::string_view packed) = 0;
  // Records the deletion of element i in the numbering before this statement's
  // deletes (SQLite passes original rowids); applied by settle().
  virtual void mark_deleted(std::uint64_t i) = 0;

  // Write-back buffer and transactions.
  virtual std::uint64_t buffered_bytes() const = 0;
  virtual void flush() = 0;                 // buffer -> store (inside the SQLite transaction)
  virtual void begin_transaction() = 0;     // joined a transaction: remember the state at join
  virtual void savepoint(int level) = 0;    // remember the state as savepoint `level`
  virtual void release(int level) = 0;      // forget savepoints >= level
  virtual void rollback_to(int level) = 0;  // back to savepoint `level` (it stays)
  virtual void end_transaction() = 0;       // commit done: forget savepoints
  virtual void discard() = 0;               // rollback: drop the buffer, reload from the store
  virtual void invalidate() = 0;            // the store changed underneath: drop caches
  // The table name errors show (ALTER TABLE RENAME changes it).
  virtual void set_name(const std::string& table_name) = 0;
};

}  // namespace kv
