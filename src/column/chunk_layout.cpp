#include "column/chunk_layout.hpp"

#include <string>

#include "common/error.hpp"

namespace kv {

ChunkLayout::ChunkLayout(std::uint64_t elem_size, std::uint64_t min_chunk_bytes,
                         std::uint64_t max_chunk_bytes)
    : elem_size_(elem_size), min_bytes_(min_chunk_bytes), max_bytes_(max_chunk_bytes), per_chunk_(0) {
  if (elem_size == 0) fail(Errc::invalid_argument, "chunk layout needs a fixed element size, got 0");
  if (max_chunk_bytes > kMaxChunkBytesLimit)
    fail(Errc::invalid_argument, "max_chunk_bytes=" + std::to_string(max_chunk_bytes) +
                                     " is too large: expected at most " +
                                     std::to_string(kMaxChunkBytesLimit));
  if (max_chunk_bytes < elem_size)
    fail(Errc::invalid_argument, "max_chunk_bytes=" + std::to_string(max_chunk_bytes) +
                                     " is smaller than one element (" + std::to_string(elem_size) +
                                     " bytes)");
  if (min_chunk_bytes == 0 || min_chunk_bytes > max_chunk_bytes)
    fail(Errc::invalid_argument,
         "min_chunk_bytes=" + std::to_string(min_chunk_bytes) +
             " must be between 1 and max_chunk_bytes=" + std::to_string(max_chunk_bytes));
  per_chunk_ = max_chunk_bytes / elem_size;
}

std::uint64_t ChunkLayout::elems_in_chunk(std::uint64_t chunk, std::uint64_t length) const noexcept {
  std::uint64_t first = chunk * per_chunk_;
  if (length <= first) return 0;
  std::uint64_t rest = length - first;
  return rest < per_chunk_ ? rest : per_chunk_;
}

std::uint64_t ChunkLayout::capacity_for(std::uint64_t elems) const noexcept {
  const std::uint64_t full = full_chunk_bytes();
  if (elems >= per_chunk_) return full;
  std::uint64_t used = elems * elem_size_;
  // Step: the largest power of two <= used / 64, but at least min_chunk_bytes.
  std::uint64_t step = 1;
  while (step * 2 <= used / 64) step *= 2;
  if (step < min_bytes_) step = min_bytes_;
  std::uint64_t cap = used == 0 ? step : (used + step - 1) / step * step;
  cap = cap / elem_size_ * elem_size_;  // whole elements
  if (cap < used) cap += elem_size_;
  if (cap < elem_size_) cap = elem_size_;
  return cap > full ? full : cap;
}

bool ChunkLayout::valid_blob_size(std::uint64_t blob_bytes, std::uint64_t elems) const noexcept {
  if (blob_bytes % elem_size_ != 0) return false;
  if (blob_bytes < elems * elem_size_) return false;
  if (elems == per_chunk_) return blob_bytes == full_chunk_bytes();
  return blob_bytes <= full_chunk_bytes();
}

}  // namespace kv
