// Element bytes of one KohakuVault column, read from its chunks (read-only).
//
// Layout (KohakuVault 0.6+, as its own code writes it; see docs/kohakuvault_files.md):
//   fixed column, E = elem_size, M = max_chunk_bytes (a multiple of E):
//     element i is bytes [(i*E) % M, +E) of chunk (i*E) / M; only the first
//     `length` elements are valid.
//   variable-size column NAME: NAME_idx is a fixed column of 12-byte
//     little-endian triples (i32 chunk_idx, i32 start, i32 end); element i is
//     bytes [start, end) of NAME_data's chunk chunk_idx. Data chunks may be
//     any size (larger than max, numbered from 1, stale bytes between
//     elements); only the triples say where elements are.
// A chunk's size is its stored byte count (TEXT chunks included). Anything
// upstream could not read either - a missing chunk, a slot or triple past its
// chunk, an inverted triple, an impossible col_meta row - is kv::Error(corrupt)
// naming the column and the element. Nothing is ever read beyond what a chunk
// holds, and reads are windows of at most max(element, 64 KiB): a point read
// never loads a whole chunk.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "codec/dtype.hpp"
#include "kvfiles/catalog.hpp"
#include "kvfiles/chunk_source.hpp"

namespace kv::kvfiles {

// How the next reads move: a window reads ahead in that direction.
enum class Direction { point, forward, backward };

// Windows of bytes into the chunks of one col_id: the last kSlots chunks
// used keep their size and one window each (a var column's elements may
// alternate between chunks after upstream's updates). A window refill reads
// ahead in the scan direction, 4 KiB at first and doubling while the scan
// stays in the chunk, up to kWindowBytes; point reads read just the element.
// sync() compares the source's data_version() with the one the slots were
// filled at and drops them all when it moved, so bytes are never served from
// before a write (the next read sees the new chunk, or the source's error when
// the chunk changed under an open read); ColumnReader calls it once per element.
class ChunkWindow {
 public:
  static constexpr std::uint64_t kWindowBytes = 64 * 1024;
  static constexpr std::uint64_t kFirstWindowBytes = 4 * 1024;
  ChunkWindow(ChunkSource& source, std::int64_t col_id)
      : source_(source), col_id_(col_id), version_(source.data_version()) {}
  // Drops every slot when the source changed since they were filled.
  void sync() {
    if (const std::uint64_t version = source_.data_version(); version != version_) {
      used_ = 0;  // written since: no size or window is trusted
      version_ = version;
    }
  }
  // The stored size of chunk_idx, nullopt when missing.
  std::optional<std::uint64_t> size_of(std::int64_t chunk_idx) { return slot(chunk_idx).size; }
  // Bytes [offset, offset + n) of chunk_idx; the range must lie within size_of(chunk_idx).
  std::string_view bytes(std::int64_t chunk_idx, std::uint64_t offset, std::uint64_t n, Direction direction);

 private:
  struct Slot {
    std::int64_t chunk = 0;
    std::optional<std::uint64_t> size;
    std::uint64_t offset = 0;  // of `window` in the chunk
    std::string window;
    std::uint64_t ahead = kFirstWindowBytes;
    std::uint64_t last_use = 0;
  };
  static constexpr std::size_t kSlots = 4;
  Slot& slot(std::int64_t chunk_idx);

  ChunkSource& source_;
  std::int64_t col_id_;
  Slot slots_[kSlots];
  std::size_t used_ = 0;
  std::uint64_t clock_ = 0;
  std::uint64_t version_;  // source_.data_version() the slots were filled at
};

class ColumnReader {
 public:
  // Checks the col_meta rows (corrupt when no element could be addressed).
  // main reads column.main's chunks, data column.data's (var columns only;
  // may be the same object for fixed columns).
  ColumnReader(LogicalColumn column, ChunkSource& main, ChunkSource& data);

  const LogicalColumn& column() const { return column_; }
  std::uint64_t length() const { return length_; }
  // The dtype to decode values with, or nullopt when upstream's dtype text is
  // not one kv_unpack knows (raw bytes still read). Corrupt when it names a
  // fixed size other than the column's elem_size.
  const std::optional<DType>& dtype() const { return dtype_; }
  void set_direction(Direction d) { direction_ = d; }

  // The bytes of element i (i < length()), valid until the next call.
  std::string_view element(std::uint64_t i);

 private:
  std::string_view slot(const MetaRow& row, ChunkWindow& window, std::uint64_t i, std::uint64_t size,
                        std::uint64_t element);
  [[noreturn]] void corrupt(std::uint64_t element, const std::string& what) const;

  LogicalColumn column_;
  ChunkWindow main_, data_;
  std::uint64_t length_ = 0;
  std::optional<DType> dtype_;
  Direction direction_ = Direction::point;
};

}  // namespace kv::kvfiles
