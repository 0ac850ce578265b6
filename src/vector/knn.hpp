// Exact k-nearest-neighbour search over a fixed-shape `vec:E:D` column (no
// SQLite types): kvcolumn_knn's engine.
//
// Plan: the chunk-scan engine (column/scan.hpp) hands over runs of stored
// elements (up to a chunk, straight from the chunk image or the chunk LRU);
// each run is cut into blocks of about kBlockBytes, and the block kernel
// (distance.hpp) computes every query's distances to the block while it is
// in cache, so Q queries read the column once. Each query keeps a bounded
// max-heap of its k best (distance, idx) pairs: ties go to the smaller idx
// (rows arrive in idx order and an equal distance never displaces a kept
// one), NaN distances rank after every number. Memory: the heaps
// (Q * min(k, range) pairs, capped at kMaxResults) plus one block of
// distances, whatever the column's size.
#pragma once

#include <cstdint>
#include <vector>

#include "column/column.hpp"
#include "vector/distance.hpp"

namespace kv::vector {

struct Neighbor {
  std::uint64_t idx = 0;
  double distance = 0;
};

// The most (query, neighbour) pairs one search may hold: 16 Mi (256 MiB).
inline constexpr std::uint64_t kMaxResults = 1ull << 24;
inline constexpr std::size_t kBlockBytes = 128 * 1024;

// Whether a ranks before b: smaller distance, NaN last, then smaller idx.
bool nearer(const Neighbor& a, const Neighbor& b) noexcept;

// The k nearest elements of [start, stop) to each query, each list sorted by
// nearer(). Column elements are `1 + D * size(E)` bytes (type byte first).
// Throws kv::Error(too_big) when count * min(k, stop - start) > kMaxResults.
// `kernel` defaults to kernel_for(active_path()).
std::vector<std::vector<Neighbor>> knn_search(Column& column, const QuerySet& queries, std::uint64_t k,
                                              std::uint64_t start, std::uint64_t stop,
                                              BlockKernel kernel = nullptr);

}  // namespace kv::vector
