// Where a reader of KohakuVault columns gets chunk bytes from: upstream's
// col_chunks(col_id, chunk_idx, data, ...) rows. The SQLite implementation
// (ext/kvfiles/chunk_source.cpp) reads them with incremental blob I/O; unit
// tests and the fuzz target use MemoryChunkSource.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>

namespace kv::kvfiles {

class ChunkSource {
 public:
  virtual ~ChunkSource() = default;
  // The stored byte size of chunk (col_id, chunk_idx) - the bytes as stored,
  // TEXT or BLOB alike - or nullopt when there is no such row. Throws
  // kv::Error(corrupt) when the row holds no bytes (NULL, a number).
  virtual std::optional<std::uint64_t> chunk_size(std::int64_t col_id, std::int64_t chunk_idx) = 0;
  // Copies bytes [offset, offset + n) of that chunk to out. Callers ask only
  // for bytes inside the size chunk_size() reported.
  virtual void read(std::int64_t col_id, std::int64_t chunk_idx, std::uint64_t offset, std::uint64_t n,
                    char* out) = 0;
  // A number that moves whenever chunks may have changed since it was last
  // read (a write on the connection reading them). Whoever keeps bytes or
  // sizes from earlier calls drops them when it moves.
  virtual std::uint64_t data_version() = 0;
};

// Chunks held in memory (tests, fuzzing). Counts the bytes read; whoever
// changes `chunks` while a reader uses them bumps `version`.
class MemoryChunkSource final : public ChunkSource {
 public:
  std::map<std::pair<std::int64_t, std::int64_t>, std::string> chunks;
  std::uint64_t bytes_read = 0;
  std::uint64_t version = 0;

  std::uint64_t data_version() override { return version; }
  std::optional<std::uint64_t> chunk_size(std::int64_t col_id, std::int64_t chunk_idx) override;
  void read(std::int64_t col_id, std::int64_t chunk_idx, std::uint64_t offset, std::uint64_t n,
            char* out) override;
};

}  // namespace kv::kvfiles
