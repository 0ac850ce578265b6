// The KohakuVault file reader (src/kvfiles/) over in-memory chunks: the
// layouts upstream writes (fixed stride = max_chunk_bytes, var triples into
// data chunks numbered from 1, oversized and stale chunks), the catalog
// (pairs -> one var column), and every damage it must call corrupt, plus a
// seeded damage loop that must never read outside a chunk.
#include <gtest/gtest.h>

#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "codec/codec.hpp"
#include "common/error.hpp"
#include "kvfiles/catalog.hpp"
#include "kvfiles/reader.hpp"

namespace {

using kv::kvfiles::ColumnReader;
using kv::kvfiles::Direction;
using kv::kvfiles::find_column;
using kv::kvfiles::Kind;
using kv::kvfiles::list_columns;
using kv::kvfiles::MemoryChunkSource;
using kv::kvfiles::MetaRow;

std::string le_f64(double d) {
  std::string s(8, '\0');
  std::memcpy(s.data(), &d, 8);
  return s;
}
std::string triple(std::int32_t c, std::int32_t s, std::int32_t e) {
  std::string out;
  for (std::int32_t v : {c, s, e})
    for (int b = 0; b < 4; ++b) out.push_back(static_cast<char>(static_cast<std::uint32_t>(v) >> (8 * b)));
  return out;
}

// A fixed f64 column of n values i*0.5 with stride M (bytes), chunks exactly M but the last.
void put_fixed(MemoryChunkSource& src, std::int64_t col_id, int n, std::int64_t M) {
  std::string all;
  for (int i = 0; i < n; ++i) all += le_f64(i * 0.5);
  for (std::int64_t c = 0; c * M < static_cast<std::int64_t>(all.size()); ++c)
    src.chunks[{col_id, c}] = all.substr(static_cast<std::size_t>(c * M), static_cast<std::size_t>(M));
}

// A var column of `values`: data chunks numbered from 1 (upstream's extend),
// at most `per_chunk` values per chunk, one stale byte 'X' between values,
// and a TEXT-like tail of zeros past the last one.
void put_var(MemoryChunkSource& idx, MemoryChunkSource& data, const std::vector<std::string>& values,
             int per_chunk, std::int64_t idx_max) {
  std::string triples;
  for (std::size_t i = 0; i < values.size(); ++i) {
    const std::int64_t c = 1 + static_cast<std::int64_t>(i) / per_chunk;
    std::string& chunk = data.chunks[{8, c}];
    const auto start = static_cast<std::int32_t>(chunk.size());
    chunk += values[i];
    triples += triple(static_cast<std::int32_t>(c), start, static_cast<std::int32_t>(chunk.size()));
    chunk += 'X';
  }
  for (auto& [key, chunk] : data.chunks) chunk += std::string(100, '\0');
  for (std::int64_t c = 0; c * idx_max < static_cast<std::int64_t>(triples.size()); ++c)
    idx.chunks[{9, c}] =
        triples.substr(static_cast<std::size_t>(c * idx_max), static_cast<std::size_t>(idx_max));
}

std::vector<MetaRow> sample_rows(int n_fixed, int n_var) {
  return {
      {1, "temps", "f64", 8, n_fixed, 8184},
      {8, "names_data", "str:utf8", 1, 0, 8184},
      {9, "names_idx", "adaptive_idx", 12, n_var, 120},
      {10, "lonely_idx", "adaptive_idx", 12, 0, 120},
  };
}

std::vector<std::string> sample_strings(int n) {
  std::vector<std::string> v;
  for (int i = 0; i < n; ++i) v.push_back(std::string(static_cast<std::size_t>(i % 7), 'a' + i % 26) + std::to_string(i));
  return v;
}

TEST(KvFilesCatalog, PairsBecomeOneVarColumn) {
  auto cols = list_columns(sample_rows(3, 3));
  ASSERT_EQ(cols.size(), 3u);
  EXPECT_EQ(cols[0].name, "temps");
  EXPECT_EQ(cols[0].kind, Kind::fixed);
  EXPECT_EQ(cols[1].name, "names");
  EXPECT_EQ(cols[1].kind, Kind::var);
  EXPECT_EQ(cols[1].dtype(), "str:utf8");
  EXPECT_EQ(cols[1].length(), 3);
  EXPECT_EQ(cols[2].name, "lonely_idx");  // no _data half: a plain row
  EXPECT_EQ(find_column(sample_rows(3, 3), "names")->kind, Kind::var);
  EXPECT_EQ(find_column(sample_rows(3, 3), "names_idx")->kind, Kind::fixed);  // a half, by its own name
  EXPECT_FALSE(find_column(sample_rows(3, 3), "nope"));
  auto rows = sample_rows(3, 3);
  rows.push_back({11, "names", "i64", 8, 0, 8184});
  EXPECT_THROW(find_column(rows, "names"), kv::Error);
}

TEST(KvFilesReader, FixedUsesMaxChunkBytesAsStride) {
  MemoryChunkSource src;
  const int n = 2500;
  put_fixed(src, 1, n, 8184);
  ColumnReader r(*find_column(sample_rows(n, 0), "temps"), src, src);
  ASSERT_EQ(r.length(), static_cast<std::uint64_t>(n));
  for (Direction d : {Direction::point, Direction::forward, Direction::backward}) {
    r.set_direction(d);
    for (int k = 0; k < n; ++k) {
      const int i = d == Direction::backward ? n - 1 - k : k;
      ASSERT_EQ(r.element(static_cast<std::uint64_t>(i)), le_f64(i * 0.5)) << i;
    }
  }
  EXPECT_THROW(r.element(n), kv::Error);
}

// A write between two reads (the source's data_version moved) drops every
// window and cached size: the next element comes from the chunk as it is now.
TEST(KvFilesReader, WindowsAreDroppedWhenTheSourceChanged) {
  MemoryChunkSource src;
  const int n = 2500;
  put_fixed(src, 1, n, 8184);
  ColumnReader r(*find_column(sample_rows(n, 0), "temps"), src, src);
  for (Direction d : {Direction::forward, Direction::backward}) {
    put_fixed(src, 1, n, 8184);
    ++src.version;
    r.set_direction(d);
    const int first = d == Direction::forward ? 10 : 1010;  // both in chunk 0 (1023 elements)
    const int next = d == Direction::forward ? 11 : 1009;
    ASSERT_EQ(r.element(first), le_f64(first * 0.5));  // fills a window holding `next`
    src.chunks[{1, 0}] = std::string(8184, '\0');
    EXPECT_EQ(r.element(next), le_f64(next * 0.5)) << "unchanged version: the window is served";
    ++src.version;
    EXPECT_EQ(r.element(next), le_f64(0.0)) << "moved version: read again";
    src.chunks[{1, 0}].resize(80);  // chunk 0 shrank: its cached size is not trusted either
    ++src.version;
    EXPECT_THROW(r.element(500), kv::Error);
  }
}

TEST(KvFilesReader, PointReadDoesNotLoadTheChunk) {
  MemoryChunkSource src;
  put_fixed(src, 1, 200000, 1 << 20);  // 1 MiB chunks
  ColumnReader r(*find_column({{1, "temps", "f64", 8, 200000, 1 << 20}}, "temps"), src, src);
  r.set_direction(Direction::point);
  EXPECT_EQ(r.element(150000), le_f64(75000));
  EXPECT_EQ(src.bytes_read, 8u);
  r.set_direction(Direction::forward);
  src.bytes_read = 0;
  EXPECT_EQ(r.element(3), le_f64(1.5));
  EXPECT_LE(src.bytes_read, kv::kvfiles::ChunkWindow::kWindowBytes);
}

TEST(KvFilesReader, VarTriplesIntoDataChunksFromOne) {
  MemoryChunkSource idx, data;
  auto values = sample_strings(100);
  put_var(idx, data, values, 13, 120);
  ColumnReader r(*find_column(sample_rows(0, 100), "names"), idx, data);
  ASSERT_EQ(r.dtype()->name(), "str:utf8");
  for (Direction d : {Direction::point, Direction::forward, Direction::backward}) {
    r.set_direction(d);
    for (int k = 0; k < 100; ++k) {
      const int i = d == Direction::backward ? 99 - k : k;
      ASSERT_EQ(r.element(static_cast<std::uint64_t>(i)), values[static_cast<std::size_t>(i)]) << i;
      ASSERT_EQ(kv::unpack(*r.dtype(), r.element(static_cast<std::uint64_t>(i))).bytes,
                values[static_cast<std::size_t>(i)]);
    }
  }
}

// One damaged column -> corrupt naming the column and the element.
void expect_corrupt(const std::vector<MetaRow>& rows, MemoryChunkSource& idx, MemoryChunkSource& data,
                    std::uint64_t element, const std::string& fragment) {
  try {
    ColumnReader r(*find_column(rows, "names"), idx, data);
    r.element(element);
    ADD_FAILURE() << "no error for " << fragment;
  } catch (const kv::Error& e) {
    EXPECT_EQ(e.code(), kv::Errc::corrupt) << e.what();
    EXPECT_NE(std::string(e.what()).find("'names'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(KvFilesReader, DamageIsCorruptNamingColumnAndElement) {
  auto fresh = [](MemoryChunkSource& idx, MemoryChunkSource& data) {
    idx.chunks.clear(), data.chunks.clear();
    put_var(idx, data, sample_strings(30), 13, 120);
  };
  MemoryChunkSource idx, data;
  fresh(idx, data);
  data.chunks.erase({8, 2});
  expect_corrupt(sample_rows(0, 30), idx, data, 13, "element 13: index triple (chunk 2");
  fresh(idx, data);
  idx.chunks[{9, 0}].replace(12 * 4, 12, triple(1, 5, 100000));
  expect_corrupt(sample_rows(0, 30), idx, data, 4, "runs past chunk 1");
  fresh(idx, data);
  idx.chunks[{9, 0}].replace(12 * 4, 12, triple(1, 9, 3));
  expect_corrupt(sample_rows(0, 30), idx, data, 4, "not a byte range");
  fresh(idx, data);
  idx.chunks[{9, 0}].replace(12 * 4, 12, triple(1, -2, 3));
  expect_corrupt(sample_rows(0, 30), idx, data, 4, "not a byte range");
  fresh(idx, data);
  idx.chunks[{9, 2}].resize(60);
  expect_corrupt(sample_rows(0, 30), idx, data, 25,
                 "element 25: chunk 2 of 'names_idx' (col_id 9) holds 60 bytes; the element needs bytes [60, 72)");
  fresh(idx, data);
  expect_corrupt(sample_rows(0, 31), idx, data, 30, "element 30: chunk 3 of 'names_idx' (col_id 9) is missing");
  fresh(idx, data);
  idx.chunks.erase({9, 1});
  expect_corrupt(sample_rows(0, 30), idx, data, 12, "element 12: chunk 1 of 'names_idx' (col_id 9) is missing");
  auto rows = sample_rows(0, 30);
  rows[2].elem_size = 8;
  expect_corrupt(rows, idx, data, 0, "needs elem_size 12");
  rows = sample_rows(0, 30);
  rows[2].max_chunk_bytes = 100;
  expect_corrupt(rows, idx, data, 0, "not a positive multiple");
  rows = sample_rows(0, 30);
  rows[2].length = std::numeric_limits<std::int64_t>::max();
  expect_corrupt(rows, idx, data, 0, "impossible");
  rows = sample_rows(0, 30);
  rows[1].problem = "elem_size is not an integer";
  expect_corrupt(rows, idx, data, 0, "(col_meta row 'names_data'): elem_size is not an integer");
}

TEST(KvFilesReader, FixedDtypeMustMatchElemSize) {
  MemoryChunkSource src;
  EXPECT_THROW(ColumnReader(*find_column({{1, "t", "str:16:utf8", 8, 0, 8184}}, "t"), src, src), kv::Error);
  ColumnReader unknown(*find_column({{1, "t", "float128", 16, 0, 8176}}, "t"), src, src);
  EXPECT_FALSE(unknown.dtype());  // raw bytes still readable
}

// Seeded damage: random bytes flipped in triples, chunks cut short, removed or
// grown, random metadata. Every read either returns bytes inside the stored
// chunks or throws corrupt; MemoryChunkSource fails (internal) on any read
// outside a chunk, and ASan watches the rest.
TEST(KvFilesReader, SeededDamageNeverReadsOutside) {
  std::mt19937_64 rng(20261202);
  int errors = 0, reads = 0;
  for (int round = 0; round < 3000; ++round) {
    MemoryChunkSource idx, data;
    put_var(idx, data, sample_strings(40), 11, 120);
    auto rows = sample_rows(0, 40);
    const int damages = 1 + static_cast<int>(rng() % 4);
    for (int d = 0; d < damages; ++d) {
      MemoryChunkSource& s = rng() % 2 ? idx : data;
      if (s.chunks.empty()) continue;
      auto it = std::next(s.chunks.begin(), static_cast<long>(rng() % s.chunks.size()));
      std::string& c = it->second;
      switch (rng() % 6) {
        case 0:
          if (!c.empty()) c[rng() % c.size()] = static_cast<char>(rng());
          break;
        case 1: c.resize(c.empty() ? 0 : rng() % c.size()); break;
        case 2: s.chunks.erase(it); break;
        case 3: c.append(rng() % 50, static_cast<char>(rng())); break;
        case 4: rows[2].length = static_cast<std::int64_t>(rng() % 100); break;
        case 5: rows[2].max_chunk_bytes = static_cast<std::int64_t>(12 * (1 + rng() % 20)); break;
      }
    }
    try {
      ColumnReader r(*find_column(rows, "names"), idx, data);
      r.set_direction(static_cast<Direction>(rng() % 3));
      for (std::uint64_t i = 0; i < r.length(); ++i) {
        try {
          std::string_view e = r.element(i);
          ++reads;
          ASSERT_LE(e.size(), 1000u);
        } catch (const kv::Error& e) {
          ASSERT_EQ(e.code(), kv::Errc::corrupt) << e.what();
          ++errors;
        }
      }
    } catch (const kv::Error& e) {
      ASSERT_EQ(e.code(), kv::Errc::corrupt) << e.what();
      ++errors;
    }
  }
  EXPECT_GT(errors, 100);
  EXPECT_GT(reads, 1000);
}

}  // namespace
