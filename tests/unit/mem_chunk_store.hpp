// An in-memory kv::ChunkStore for the column engine tests and the column
// fuzz target, counting how it is written to (in-place writes vs whole-chunk
// puts). No gtest here, so the fuzz target can use it too.
#pragma once

#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "column/column.hpp"

namespace kvtest {

struct MemChunkStore : kv::ChunkStore {
  std::map<std::uint64_t, std::string> chunks;
  std::uint64_t length = 0;
  int in_place_writes = 0, put_writes = 0;
  std::uint64_t bytes_written = 0;

  std::uint64_t load_length() override { return length; }
  void save_length(std::uint64_t n) override { length = n; }
  std::optional<std::uint64_t> chunk_size(std::uint64_t c) override {
    auto it = chunks.find(c);
    if (it == chunks.end()) return std::nullopt;
    return it->second.size();
  }
  bool read_chunk(std::uint64_t c, std::string& out) override {
    auto it = chunks.find(c);
    if (it == chunks.end()) return false;
    out = it->second;
    return true;
  }
  void write_in_place(std::uint64_t c, std::uint64_t off, std::string_view d) override {
    std::string& s = chunks.at(c);
    if (off + d.size() > s.size()) throw std::logic_error("write_in_place past the end of a chunk");
    std::memcpy(s.data() + off, d.data(), d.size());
    ++in_place_writes;
    bytes_written += d.size();
  }
  void put_chunk(std::uint64_t c, std::string_view b) override {
    chunks[c] = std::string(b);
    ++put_writes;
    bytes_written += b.size();
  }
  void delete_chunks_from(std::uint64_t first) override {
    chunks.erase(chunks.lower_bound(first), chunks.end());
  }
  std::map<std::string, std::uint64_t> counters;
  std::optional<std::uint64_t> load_counter(const std::string& key) override {
    auto it = counters.find(key);
    if (it == counters.end()) return std::nullopt;
    return it->second;
  }
  void save_counter(const std::string& key, std::uint64_t value) override { counters[key] = value; }
};

}  // namespace kvtest
