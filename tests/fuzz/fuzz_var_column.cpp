// libFuzzer target over kv::VarColumn reading damaged storage: the shadow
// rows of a variable-size column (index entries, data stream, dead-byte
// count) come from the input, then every element is read, the column is
// verified, compacted, flushed and read again.
//
// Input: byte 0 picks the chunk size and whether the stored lengths claim
// more than there is; bytes 1-2 the dead-byte count; bytes 3-4 how many of
// the remaining bytes are index entries; the rest is the data stream.
// Properties beyond "no crash, no sanitizer report":
//  * the only exception is kv::Error (never std::bad_alloc or anything else);
//  * a compaction that succeeds keeps every element byte for byte.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "column/var.hpp"
#include "common/error.hpp"
#include "mem_chunk_store.hpp"

namespace {

[[noreturn]] void bug(const char* what, const std::string& detail) {
  std::fprintf(stderr, "BUG: %s: %s\n", what, detail.c_str());
  std::abort();
}

// Cuts bytes into chunk rows of `chunk` bytes (the last one shorter).
void fill(kvtest::MemChunkStore& store, std::string_view bytes, std::uint64_t chunk) {
  for (std::uint64_t c = 0; c * chunk < bytes.size(); ++c)
    store.chunks[c] = std::string(bytes.substr(c * chunk, chunk));
}

std::vector<std::string> read_all(kv::VarColumn& col) {
  std::vector<std::string> out;
  for (std::uint64_t i = 0; i < col.length(); ++i) out.emplace_back(col.read_run(i, 1));
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 5) return 0;
  static constexpr std::uint64_t kChunks[] = {16, 48, 256, 4096};
  const std::uint64_t chunk = kChunks[data[0] & 3];
  const bool overclaim = data[0] & 4;
  const std::uint64_t dead = data[1] | (data[2] << 8);
  std::string_view rest(reinterpret_cast<const char*>(data + 5), size - 5);
  const std::size_t index_bytes = std::min<std::size_t>(data[3] | (data[4] << 8), rest.size());
  std::string_view index = rest.substr(0, index_bytes), stream = rest.substr(index_bytes);

  kvtest::MemChunkStore index_store, data_store;
  const std::uint64_t entries_per_chunk = chunk / kv::kVarIndexEntryBytes;
  fill(index_store, index, entries_per_chunk * kv::kVarIndexEntryBytes);
  fill(data_store, stream, chunk);
  index_store.length = index.size() / kv::kVarIndexEntryBytes + (overclaim ? 3 : 0);
  data_store.length = stream.size() + (overclaim ? 5 : 0);
  index_store.counters["dead_bytes"] = dead;
  try {
    kv::VarColumn col(index_store, data_store, 16, chunk, "fuzz", 1 << 16, 1 << 16);
    const std::vector<std::string> before = read_all(col);
    (void)col.verify();
    col.compact();
    col.flush();
    kv::VarColumn reopened(index_store, data_store, 16, chunk, "fuzz", 1 << 16, 1 << 16);
    if (read_all(reopened) != before) bug("compaction changed the elements", std::to_string(before.size()));
    if (!reopened.verify().empty()) bug("a compacted column does not verify", reopened.verify().front());
  } catch (const kv::Error&) {
    // damaged storage: a clean error is the expected outcome
  } catch (const std::exception& e) {
    bug("unexpected exception", e.what());
  }
  return 0;
}
