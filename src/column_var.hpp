// VarColumn: the Column of variable-size elements (str, bytes, msgpack, cbor,
// any-shape vec), built from two fixed-size columns so that it shares
// FixedColumn's write-back buffer, copy-on-write savepoints, lazily applied
// deletes and chunk I/O instead of repeating them:
//
//  * index  a FixedColumn of 16-byte entries, one per element, in element
//           order: [u64 offset][u64 length], both little-endian. offset is a
//           byte position in the data stream; no 32-bit offset anywhere, so a
//           column may hold far more than 4 GiB.
//  * data   a FixedColumn of 1-byte elements: one logical byte stream cut
//           into chunks of max_chunk_bytes (the last with spare room). An
//           element's bytes are contiguous in the stream but may cross chunk
//           boundaries, so an element larger than a chunk simply spans
//           several chunks.
//
// Writes never move other elements' bytes: append and insert-at add the
// element's bytes at the end of the stream and an index entry (insert-at
// shifts only index entries, 16 bytes each); an update writes a new copy at
// the end of the stream and repoints its entry (O(element), whatever the
// column size); delete removes the index entry. The bytes left behind are
// dead until compaction: compact() (the 'compact' command) rewrites the
// stream, and a flush of an empty column drops the whole stream.
//
// Reads: one index entry, then only the data chunk(s) holding its bytes. A
// view into a chunk is returned when the element lies in one chunk; an
// element crossing chunks is copied into a scratch buffer. Every read_run
// advances epoch(), so a view is never reused after another read.
// Corrupt entries (a range outside the stream) are Error(corrupt) naming
// the table.
#pragma once

#include <cstdint>
#include <string>

#include "column_fixed.hpp"
#include "column_store.hpp"

namespace kv {

inline constexpr std::uint64_t kVarIndexEntryBytes = 16;

class VarColumn final : public Column {
 public:
  // index_store / data_store hold the two streams; chunk sizes apply to both.
  VarColumn(ChunkStore& index_store, ChunkStore& data_store, std::uint64_t min_chunk_bytes,
            std::uint64_t max_chunk_bytes, const std::string& table_name, std::uint64_t cache_bytes,
            std::uint64_t read_cache_bytes);

  std::uint64_t length() override { return index_.length(); }
  void settle() override { index_.settle(); }
  // Exactly one element (max_elems is ignored).
  std::string_view read_run(std::uint64_t i, std::uint64_t max_elems) override;
  std::uint64_t elem_size() const override { return 0; }
  std::uint64_t epoch() const override { return epoch_; }

  void update(std::uint64_t i, std::string_view elem) override;
  void insert(std::uint64_t i, std::string_view elem) override;
  // `packed` is ONE element here (a variable-size element carries no length).
  void append_packed(std::string_view packed) override;
  void mark_deleted(std::uint64_t i) override { index_.mark_deleted(i); }

  std::uint64_t buffered_bytes() const override { return index_.buffered_bytes() + data_.buffered_bytes(); }
  void flush() override;
  void begin_transaction() override;
  void savepoint(int level) override;
  void release(int level) override;
  void rollback_to(int level) override;
  void end_transaction() override;
  void discard() override;
  void invalidate() override;

  void set_name(const std::string& table_name);
  // Rewrites the data stream with the live bytes only, in idx order, and
  // repoints every entry. Holds the live bytes in memory once (flushed in
  // cache-sized steps). Also done by flush() for an empty column.
  void compact();
  // Bytes of the data stream (live + dead).
  std::uint64_t stream_bytes() { return data_.length(); }

 private:
  struct Entry {
    std::uint64_t offset, length;
  };
  Entry entry(std::uint64_t i);
  static std::string encode(std::uint64_t offset, std::uint64_t length);
  void bump() { ++epoch_; }

  std::string name_;
  FixedColumn index_, data_;
  std::string scratch_;
  std::uint64_t epoch_ = 1;
};

}  // namespace kv
