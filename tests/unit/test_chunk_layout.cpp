// Chunk math: element -> chunk/offset, chunk counts, last-chunk capacities.
#include <gtest/gtest.h>

#include "column/chunk_layout.hpp"
#include "common/error.hpp"

using kv::ChunkLayout;

TEST(ChunkLayout, ElementsNeverStraddleChunks) {
  ChunkLayout l(12, 30, 100);  // 8 elements (96 bytes) per chunk
  EXPECT_EQ(l.elems_per_chunk(), 8u);
  EXPECT_EQ(l.full_chunk_bytes(), 96u);
  EXPECT_EQ(l.chunk_of(7), 0u);
  EXPECT_EQ(l.chunk_of(8), 1u);
  EXPECT_EQ(l.index_in_chunk(17), 1u);
  EXPECT_EQ(l.first_elem(3), 24u);
}

TEST(ChunkLayout, CountsPerChunk) {
  ChunkLayout l(8, 16, 64);  // 8 per chunk
  EXPECT_EQ(l.chunk_count(0), 0u);
  EXPECT_EQ(l.chunk_count(1), 1u);
  EXPECT_EQ(l.chunk_count(8), 1u);
  EXPECT_EQ(l.chunk_count(9), 2u);
  EXPECT_EQ(l.elems_in_chunk(0, 9), 8u);
  EXPECT_EQ(l.elems_in_chunk(1, 9), 1u);
  EXPECT_EQ(l.elems_in_chunk(2, 9), 0u);
}

TEST(ChunkLayout, CapacityIsWholeElementsBetweenNeedAndFull) {
  ChunkLayout l(12, 100, 1000);
  for (std::uint64_t n = 0; n <= l.elems_per_chunk(); ++n) {
    std::uint64_t cap = l.capacity_for(n);
    EXPECT_EQ(cap % 12, 0u) << n;
    EXPECT_GE(cap, n * 12) << n;
    EXPECT_LE(cap, l.full_chunk_bytes()) << n;
    EXPECT_TRUE(l.valid_blob_size(cap, n)) << n;
  }
  EXPECT_EQ(l.capacity_for(l.elems_per_chunk()), l.full_chunk_bytes());
}

TEST(ChunkLayout, DefaultsKeepOverheadSmallForMillionsOfF64) {
  ChunkLayout l(8, kv::kDefaultMinChunkBytes, kv::kDefaultMaxChunkBytes);
  for (std::uint64_t length : {1000000ull, 1500000ull, 3000000ull, 10000000ull}) {
    std::uint64_t chunks = l.chunk_count(length);
    std::uint64_t last = l.elems_in_chunk(chunks - 1, length);
    std::uint64_t bytes = (chunks - 1) * l.full_chunk_bytes() + l.capacity_for(last);
    EXPECT_LE(static_cast<double>(bytes) / (8.0 * length), 1.025) << length;
  }
}

TEST(ChunkLayout, ValidBlobSizes) {
  ChunkLayout l(8, 16, 64);
  EXPECT_TRUE(l.valid_blob_size(64, 8));
  EXPECT_FALSE(l.valid_blob_size(72, 8));
  EXPECT_FALSE(l.valid_blob_size(56, 8));
  EXPECT_TRUE(l.valid_blob_size(32, 3));
  EXPECT_FALSE(l.valid_blob_size(20, 2));  // not whole elements
  EXPECT_FALSE(l.valid_blob_size(8, 2));   // too small
}

TEST(ChunkLayout, RejectsUnusableSizes) {
  EXPECT_THROW(ChunkLayout(0, 16, 64), kv::Error);
  EXPECT_THROW(ChunkLayout(8, 128, 64), kv::Error);
  EXPECT_THROW(ChunkLayout(100, 16, 64), kv::Error);
  EXPECT_THROW(ChunkLayout(8, 0, 64), kv::Error);
  EXPECT_THROW(ChunkLayout(8, 16, kv::kMaxChunkBytesLimit + 1), kv::Error);
}
