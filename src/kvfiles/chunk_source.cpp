// MemoryChunkSource (see chunk_source.hpp).
#include "kvfiles/chunk_source.hpp"

#include <cstring>

#include "common/error.hpp"

namespace kv::kvfiles {

std::optional<std::uint64_t> MemoryChunkSource::chunk_size(std::int64_t col_id, std::int64_t chunk_idx) {
  auto it = chunks.find({col_id, chunk_idx});
  if (it == chunks.end()) return std::nullopt;
  return it->second.size();
}

void MemoryChunkSource::read(std::int64_t col_id, std::int64_t chunk_idx, std::uint64_t offset, std::uint64_t n,
                             char* out) {
  auto it = chunks.find({col_id, chunk_idx});
  if (it == chunks.end() || offset > it->second.size() || n > it->second.size() - offset)
    fail(Errc::internal, "MemoryChunkSource: read outside chunk");  // a reader bug: callers check sizes
  if (n) std::memcpy(out, it->second.data() + offset, n);
  bytes_read += n;
}

}  // namespace kv::kvfiles
