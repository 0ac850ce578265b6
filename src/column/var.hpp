// VarColumn: the Column of variable-size elements (str, bytes, msgpack, cbor,
// any-shape vec), built from two fixed-size columns so that it shares
// FixedColumn's write-back buffer, copy-on-write savepoints, lazily applied
// deletes and chunk I/O instead of repeating them:
//
//  * index  a FixedColumn of 7-byte entries, one per element, in element
//           order: [u48 offset][u8 len], little-endian. offset is the byte
//           position of the element's record in the data stream. 48 bits
//           cover 256 TiB, the largest database SQLite can address, so the
//           offset cannot overflow; past it a write fails with TOOBIG.
//  * data   a FixedColumn of 1-byte elements: one logical byte stream cut
//           into chunks of max_chunk_bytes (the last with spare room), made
//           of records. The record of an element of n bytes is
//             n < 255:  the n bytes                 (entry len = n)
//             n >= 255: [u32 n little-endian][bytes] (entry len = 255)
//           so the common short element costs 7 index bytes and no header.
//           A record is contiguous in the stream but may cross chunk
//           boundaries, so an element larger than a chunk simply spans
//           several chunks.
//
// Writes never move other elements' bytes: append and insert-at add the
// record at the end of the stream and an index entry (insert-at shifts only
// index entries, 7 bytes each); an update of the same size overwrites the
// record in place, any other update writes a new record at the end of the
// stream and repoints its entry (O(element), whatever the column size);
// delete removes the index entry.
//
// Fragment tracking: the records left behind by updates and deletes are
// dead bytes. Their total is kept exactly (the "dead_bytes" counter beside
// the length, saved with every flush) and reported by kvcolumns. Compaction
// rewrites the stream from its first fragmented chunk on: chunks before it
// stay untouched, the live records at or after it are written back to back in
// idx order and their entries repointed. compact() (the 'compact' command)
// starts at the first chunk with any dead byte; a flush compacts
// automatically once dead bytes reach half the stream and at least one chunk
// (so some chunk is at least half dead), starting at the first chunk that is
// at least a quarter dead among the chunks within max(cache_bytes, 4 chunks)
// of the end: it holds what it moves in memory, so it never moves more (dead
// bytes further back wait for compact(), and the automatic attempt waits until
// the dead bytes double). The work is amortised: each automatic compaction
// follows at least as many dead bytes as it reclaims. A flush of an empty
// column drops the whole stream.
//
// Reads: index entries and data bytes come from FixedColumn views that stay
// valid while their column's epoch is unchanged, so a range scan reads each
// index chunk and data chunk once rather than per element; a random read
// fetches one entry and then only the data chunk(s) holding its bytes. An
// element crossing chunks is copied into a scratch buffer. Every read_run
// advances epoch(), so a view is never reused after another read. Corrupt
// entries (a record outside the stream) are Error(corrupt) naming the table.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "column/fixed.hpp"
#include "column/column.hpp"

namespace kv {

inline constexpr std::uint64_t kVarIndexEntryBytes = 7;
// The entry len value that means "the record starts with a u32 length".
inline constexpr unsigned kVarLongRecord = 255;
// Offsets are 48-bit: the data stream may not pass this many bytes.
inline constexpr std::uint64_t kVarMaxStreamBytes = 1ull << 48;

class VarColumn final : public Column {
 public:
  // index_store / data_store hold the two streams; chunk sizes apply to both.
  // The dead-byte counter is saved in index_store as "dead_bytes".
  VarColumn(ChunkStore& index_store, ChunkStore& data_store, std::uint64_t min_chunk_bytes,
            std::uint64_t max_chunk_bytes, const std::string& table_name, std::uint64_t cache_bytes,
            std::uint64_t read_cache_bytes);

  std::uint64_t length() override { return index_.length(); }
  void settle() override;
  // Exactly one element (max_elems is ignored). Inline fast path for a scan:
  // the entry and the record's bytes are already in the read windows.
  std::string_view read_run(std::uint64_t i, std::uint64_t /*max_elems*/) override {
    if (entries_epoch_ == index_.epoch() && window_epoch_ == data_.epoch() && i >= entries_first_ &&
        i - entries_first_ < entries_.size() / kVarIndexEntryBytes) {
      const char* raw = entries_.data() + (i - entries_first_) * kVarIndexEntryBytes;
      const std::uint64_t length = static_cast<unsigned char>(raw[6]);
      const std::uint64_t offset = load_le_bytes(raw, 6);
      // (A window lies inside the stream, so this also bounds-checks the entry.)
      if (length < kVarLongRecord && offset >= window_first_ && length <= window_.size() &&
          offset - window_first_ <= window_.size() - length) {
        ++epoch_;
        last_read_ = i;
        return window_.substr(offset - window_first_, length);
      }
    }
    return read_slow(i);
  }
  std::uint64_t elem_size() const override { return 0; }
  std::uint64_t epoch() const override { return epoch_; }

  void update(std::uint64_t i, std::string_view elem) override;
  void insert(std::uint64_t i, std::string_view elem) override;
  // `packed` is ONE element here (a variable-size element carries no length).
  void append_packed(std::string_view packed) override;
  void mark_deleted(std::uint64_t i) override;
  // Appends many elements in one go (the bulk 'append'): consecutive short
  // elements that lie back to back in memory go to the stream as one piece.
  void append_many(const std::vector<std::string_view>& elems);

  std::uint64_t buffered_bytes() const override { return index_.buffered_bytes() + data_.buffered_bytes(); }
  void flush() override;
  void begin_transaction() override;
  void savepoint(int level) override;
  void release(int level) override;
  void rollback_to(int level) override;
  void end_transaction() override;
  void discard() override;
  void invalidate() override;

  void set_name(const std::string& table_name) override;
  // Reclaims every dead byte (see the header comment); transactional like any
  // write. Holds the moved live records in memory once.
  void compact() { compact_from(0.0, UINT64_MAX); }
  // Bytes of the data stream (live + dead) and the dead part of it.
  std::uint64_t stream_bytes() { return data_.length(); }
  std::uint64_t dead_bytes();
  // Reads every index entry (and long-record header) of the stored column and
  // returns what is wrong: entries outside the stream, or a dead-byte count
  // that does not match the bytes no entry uses. Empty when consistent.
  std::vector<std::string> verify();

 private:
  struct Entry {
    std::uint64_t offset;  // of the record
    std::uint64_t length;  // of the element
    bool long_record;      // the record starts with a u32 length
    std::uint64_t record_bytes() const { return length + (long_record ? 4 : 0); }
  };
  // Little-endian unsigned integer of `bytes` bytes at p.
  static std::uint64_t load_le_bytes(const char* p, int bytes) {
    std::uint64_t v = 0;
    for (int b = bytes - 1; b >= 0; --b) v = (v << 8) | static_cast<unsigned char>(p[b]);
    return v;
  }
  // TOOBIG unless a record of `record` bytes fits at `offset` below 2^48.
  void check_room(std::uint64_t offset, std::uint64_t record) const;
  Entry entry(std::uint64_t i);
  std::string_view read_slow(std::uint64_t i);
  // Bytes [offset, offset + n) of the stream: a view into a chunk, or a copy
  // in scratch_ when they cross chunks. sequential: prefetch the chunk's rest.
  std::string_view stream_bytes_at(std::uint64_t offset, std::uint64_t n, bool sequential);
  static std::string encode(std::uint64_t offset, std::uint64_t length);
  // Appends the record of elem to the stream; returns its index entry.
  std::string append_record(std::string_view elem);
  // Rewrites the stream from the first chunk whose dead fraction is above
  // `min_dead_fraction` (0: any dead byte).
  // Moves at most max_moved bytes (the stream's tail; chunks further back are
  // not candidates) and changes nothing when a crossing record needs more.
  void compact_from(double min_dead_fraction, std::uint64_t max_moved);
  void ensure_dead_loaded();
  void bump() { ++epoch_; }

  std::string name_;
  ChunkStore& index_store_;
  FixedColumn index_, data_;
  std::uint64_t max_chunk_bytes_;
  // Automatic compaction moves at most this many bytes (it holds them in
  // memory), and after an attempt that could not get below the threshold it
  // waits until the dead bytes have doubled (in memory only).
  std::uint64_t auto_compact_limit_;
  std::uint64_t auto_retry_dead_ = 0;
  std::string scratch_;
  std::uint64_t epoch_ = 1;
  // Deletes of this statement (original numbering), counted as dead at settle().
  std::vector<std::uint64_t> pending_;
  // Dead bytes: current, as saved, and per savepoint level (like FixedColumn's;
  // nullopt: not loaded then, so it was the stored value).
  bool dead_loaded_ = false;
  std::uint64_t dead_ = 0, stored_dead_ = 0;
  std::vector<std::pair<int, std::optional<std::uint64_t>>> dead_saves_;
  // Read-ahead windows (see Reads above).
  std::string_view entries_;
  std::uint64_t entries_first_ = 0, entries_epoch_ = 0;
  std::string_view window_;
  std::uint64_t window_first_ = 0, window_epoch_ = 0;
  std::uint64_t last_read_ = UINT64_MAX;
};

}  // namespace kv
