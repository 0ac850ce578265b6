// Element <-> chunk math for fixed-size columns (no SQLite types).
//
// A fixed-size column of elem_size-byte elements is cut into chunks. Every
// chunk but the last holds exactly elems_per_chunk() elements (the largest
// whole number of elements that fits in max_chunk_bytes), so element i lives
// in chunk i / elems_per_chunk() at byte offset (i % elems_per_chunk()) *
// elem_size: an element never straddles two chunks and lookups are O(1).
//
// The last chunk's blob is allocated with spare room so that small appends
// are in-place blob writes. Its capacity is a whole number of elements and
// grows from min_chunk_bytes towards the full chunk in steps of 1/64 of its
// current size (never less than min_chunk_bytes), so the spare room is at most
// max(min_chunk_bytes, 1/64 of the data) and a column of >= 1M f64 stays far
// below 2.5% overhead, while appends one element at a time rewrite the last
// chunk only every 1/64 of its size.
#pragma once

#include <cstdint>

namespace kv {

inline constexpr std::uint64_t kDefaultMinChunkBytes = 128 * 1024;
inline constexpr std::uint64_t kDefaultMaxChunkBytes = 16 * 1024 * 1024;
// SQLite's default blob limit is 1e9 bytes; a chunk must stay below it.
inline constexpr std::uint64_t kMaxChunkBytesLimit = 512ull * 1024 * 1024;

class ChunkLayout {
 public:
  // Throws kv::Error(invalid_argument) when the sizes are unusable: elem_size
  // 0, min > max, max < elem_size or max above kMaxChunkBytesLimit.
  ChunkLayout(std::uint64_t elem_size, std::uint64_t min_chunk_bytes, std::uint64_t max_chunk_bytes);

  std::uint64_t elem_size() const noexcept { return elem_size_; }
  std::uint64_t min_chunk_bytes() const noexcept { return min_bytes_; }
  std::uint64_t max_chunk_bytes() const noexcept { return max_bytes_; }
  // Elements in every chunk but the last.
  std::uint64_t elems_per_chunk() const noexcept { return per_chunk_; }
  // Bytes of a full chunk (elems_per_chunk() * elem_size()).
  std::uint64_t full_chunk_bytes() const noexcept { return per_chunk_ * elem_size_; }

  std::uint64_t chunk_of(std::uint64_t elem) const noexcept { return elem / per_chunk_; }
  std::uint64_t index_in_chunk(std::uint64_t elem) const noexcept { return elem % per_chunk_; }
  std::uint64_t first_elem(std::uint64_t chunk) const noexcept { return chunk * per_chunk_; }
  // Number of chunks a column of `length` elements occupies.
  std::uint64_t chunk_count(std::uint64_t length) const noexcept {
    return (length + per_chunk_ - 1) / per_chunk_;
  }
  // Elements of chunk `chunk` in a column of `length` elements (0 past the end).
  std::uint64_t elems_in_chunk(std::uint64_t chunk, std::uint64_t length) const noexcept;
  // Blob bytes to allocate for a last chunk holding `elems` elements: a whole
  // number of elements, >= elems * elem_size, <= full_chunk_bytes().
  std::uint64_t capacity_for(std::uint64_t elems) const noexcept;
  // Whether a stored blob of `blob_bytes` is acceptable for a chunk holding
  // `elems` elements: a whole number of elements, large enough, and no larger
  // than a full chunk; full chunks must be exactly full_chunk_bytes().
  bool valid_blob_size(std::uint64_t blob_bytes, std::uint64_t elems) const noexcept;

 private:
  std::uint64_t elem_size_, min_bytes_, max_bytes_, per_chunk_;
};

}  // namespace kv
