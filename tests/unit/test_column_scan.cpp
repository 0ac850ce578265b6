// The chunk-scan engine (column/scan.hpp) and the numeric summaries
// (column/stats.hpp) over FixedColumn + the in-memory ChunkStore, checked
// against a std::vector model: Python slice clamping, runs that tile the
// range through buffered images, point patches, pending deletes and
// savepoints, and summarize() for integer and float elements (exact integer
// sums and sum()'s overflow rule, NaN skipped, first-of-equal min/max,
// population stddev).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "column/fixed.hpp"
#include "column/scan.hpp"
#include "column/stats.hpp"
#include "common/error.hpp"
#include "mem_chunk_store.hpp"

namespace {

template <class T>
std::string packed(const std::vector<T>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

template <class T>
std::vector<T> scanned(kv::Column& col, std::uint64_t start, std::uint64_t stop, std::uint64_t* runs = nullptr) {
  std::vector<T> out;
  std::uint64_t next = start;
  kv::scan_runs(col, start, stop, [&](std::string_view bytes, std::uint64_t first, std::uint64_t count) {
    EXPECT_EQ(first, next);
    EXPECT_EQ(bytes.size(), count * sizeof(T));
    next = first + count;
    for (std::uint64_t k = 0; k < count; ++k) {
      T v;
      std::memcpy(&v, bytes.data() + k * sizeof(T), sizeof(T));
      out.push_back(v);
    }
    if (runs) ++*runs;
  });
  EXPECT_EQ(next, std::max(start, stop));
  return out;
}

}  // namespace

TEST(ColumnScan, SliceRangeFollowsPython) {
  auto r = [](std::uint64_t len, std::optional<std::int64_t> a, std::optional<std::int64_t> b) {
    kv::SliceRange s = kv::slice_range(len, a, b);
    return std::pair<std::uint64_t, std::uint64_t>(s.start, s.stop);
  };
  using P = std::pair<std::uint64_t, std::uint64_t>;
  EXPECT_EQ(r(10, 0, std::nullopt), P(0, 10));
  EXPECT_EQ(r(10, -3, std::nullopt), P(7, 10));
  EXPECT_EQ(r(10, -30, 5), P(0, 5));
  EXPECT_EQ(r(10, 4, -4), P(4, 6));
  EXPECT_EQ(r(10, 8, 3), P(8, 8));  // start >= stop: empty
  EXPECT_EQ(r(10, 20, 30), P(10, 10));
  EXPECT_EQ(r(10, INT64_MIN, INT64_MAX), P(0, 10));
  EXPECT_EQ(r(0, -1, 1), P(0, 0));
  EXPECT_EQ(kv::slice_range(10, 8, 3).size(), 0u);
}

TEST(ColumnScan, RunsSeeBufferPatchesDeletesAndSavepoints) {
  kvtest::MemChunkStore store;
  kv::FixedColumn col(store, kv::ChunkLayout(4, 8, 40), "t", 1 << 20, 64);  // 10 per chunk, tiny LRU
  std::mt19937 rng(3);
  std::vector<std::int32_t> model(95);
  for (auto& v : model) v = static_cast<std::int32_t>(rng());
  col.append_packed(packed(model));
  col.flush();
  col.begin_transaction();
  // point patches below a chunk image's lo and a buffered tail
  for (int k = 0; k < 12; ++k) {
    const std::uint64_t i = rng() % model.size();
    model[i] = static_cast<std::int32_t>(rng());
    col.update(i, packed(std::vector<std::int32_t>{model[i]}));
  }
  col.savepoint(0);
  const std::vector<std::int32_t> saved = model;
  for (std::uint64_t i : {3u, 4u, 50u, 94u}) col.mark_deleted(i);  // original numbering
  for (std::uint64_t i : {94u, 50u, 4u, 3u}) model.erase(model.begin() + static_cast<long>(i));
  col.settle();
  std::uint64_t runs = 0;
  EXPECT_EQ(scanned<std::int32_t>(col, 0, col.length(), &runs), model);
  EXPECT_GE(runs, 10u);  // whole runs, not elements
  for (int k = 0; k < 30; ++k) {
    const std::uint64_t a = rng() % (model.size() + 1), b = rng() % (model.size() + 1);
    EXPECT_EQ(scanned<std::int32_t>(col, a, std::max(a, b)),
              std::vector<std::int32_t>(model.begin() + static_cast<long>(a), model.begin() + static_cast<long>(std::max(a, b))));
  }
  col.rollback_to(0);
  col.settle();
  EXPECT_EQ(scanned<std::int32_t>(col, 0, col.length()), saved);
  col.flush();
  col.end_transaction();
  EXPECT_EQ(scanned<std::int32_t>(col, 0, col.length()), saved);
}

namespace {

template <class T>
void expect_summary_matches(const std::vector<T>& v, kv::Num num, std::uint64_t max_chunk) {
  kvtest::MemChunkStore store;
  kv::FixedColumn col(store, kv::ChunkLayout(sizeof(T), sizeof(T), max_chunk), "t", 1 << 30, 64);
  col.append_packed(packed(v));
  col.flush();
  std::mt19937 rng(11);
  for (int round = 0; round < 40; ++round) {
    std::uint64_t a = rng() % (v.size() + 1), b = rng() % (v.size() + 1);
    if (round == 0) a = 0, b = v.size();
    if (a > b) std::swap(a, b);
    const kv::RangeSummary s = kv::summarize(col, num, a, b);
    std::uint64_t count = 0;
    long double sum = 0;
    T mn{}, mx{};
    std::uint64_t amn = 0, amx = 0;
    for (std::uint64_t i = a; i < b; ++i) {
      const T x = v[i];
      if (x != x) continue;
      if (count == 0 || x < mn) mn = x, amn = i;
      if (count == 0 || x > mx) mx = x, amx = i;
      sum += static_cast<long double>(x);
      ++count;
    }
    ASSERT_EQ(s.count, count) << a << ".." << b;
    if (count == 0) continue;
    EXPECT_EQ(s.argmin, amn);
    EXPECT_EQ(s.argmax, amx);
    if constexpr (std::is_floating_point_v<T>) {
      EXPECT_EQ(s.min.r, static_cast<double>(mn));
      EXPECT_EQ(s.max.r, static_cast<double>(mx));
      EXPECT_NEAR(s.sum, static_cast<double>(sum), 1e-9 * std::fabs(static_cast<double>(sum)) + 1e-9);
    } else {
      EXPECT_EQ(s.min.i, static_cast<std::int64_t>(mn));
      EXPECT_EQ(s.max.i, static_cast<std::int64_t>(mx));
      EXPECT_EQ(static_cast<long double>(s.int_sum), sum);
      EXPECT_FALSE(s.overflow);
    }
    long double m = sum / count, q = 0;
    for (std::uint64_t i = a; i < b; ++i)
      if (v[i] == v[i]) q += (static_cast<long double>(v[i]) - m) * (static_cast<long double>(v[i]) - m);
    EXPECT_NEAR(s.stddev, std::sqrt(static_cast<double>(q / count)), 1e-7 * std::sqrt(static_cast<double>(q / count)) + 1e-9);
    EXPECT_NEAR(s.mean, static_cast<double>(m), 1e-9 * std::fabs(static_cast<double>(m)) + 1e-9);
  }
}

}  // namespace

TEST(ColumnScan, SummariesMatchAModel) {
  std::mt19937_64 rng(5);
  std::vector<double> d(20000);
  for (auto& x : d) x = (rng() % 100 == 0) ? std::nan("") : static_cast<double>(rng() % 2000001) / 7.0 - 1e5;
  expect_summary_matches(d, kv::Num::f64, 8 * 3001);  // runs that split blocks unevenly
  std::vector<float> f(9000);
  for (auto& x : f) x = static_cast<float>(static_cast<int>(rng() % 20001) - 10000) / 3.0f;
  expect_summary_matches(f, kv::Num::f32, 4 * 1000);
  std::vector<std::int8_t> i8(7000);
  for (auto& x : i8) x = static_cast<std::int8_t>(rng());
  expect_summary_matches(i8, kv::Num::i8, 4096);
  std::vector<std::int32_t> i32(30000);
  for (auto& x : i32) x = static_cast<std::int32_t>(rng());
  expect_summary_matches(i32, kv::Num::i32, 4 * 5000);
  std::vector<std::uint64_t> u64(5000);
  for (auto& x : u64) x = rng() >> 14;
  expect_summary_matches(u64, kv::Num::u64, 8 * 777);
  std::vector<std::int64_t> i64(5000);
  for (auto& x : i64) x = static_cast<std::int64_t>(rng()) >> 14;
  expect_summary_matches(i64, kv::Num::i64, 8 * 777);
}

TEST(ColumnScan, IntegerOverflowFollowsTheRunningSum) {
  kvtest::MemChunkStore store;
  kv::FixedColumn col(store, kv::ChunkLayout(8, 8, 64), "t", 1 << 20, 64);
  const std::int64_t big = std::numeric_limits<std::int64_t>::max();
  std::vector<std::int64_t> v(5000, 0);
  v[0] = big;
  v[1] = -1;
  v[2] = 1;  // running sum touches MAX again, never beyond
  v[4000] = 1;  // now beyond
  col.append_packed(packed(v));
  EXPECT_FALSE(kv::summarize(col, kv::Num::i64, 0, 4000).overflow);
  EXPECT_EQ(kv::summarize(col, kv::Num::i64, 0, 4000).int_sum, big);
  EXPECT_TRUE(kv::summarize(col, kv::Num::i64, 0, 4001).overflow);
  EXPECT_FALSE(kv::summarize(col, kv::Num::i64, 1, 5000).overflow);
  // u64 above 2^63-1: the sum turns REAL, as sum() does with their TEXT form
  kvtest::MemChunkStore store2;
  kv::FixedColumn u(store2, kv::ChunkLayout(8, 8, 64), "u", 1 << 20, 64);
  u.append_packed(packed(std::vector<std::uint64_t>{3, std::numeric_limits<std::uint64_t>::max(), 4}));
  const kv::RangeSummary s = kv::summarize(u, kv::Num::u64, 0, 3);
  EXPECT_TRUE(s.real_sum);
  EXPECT_FALSE(s.overflow);
  EXPECT_EQ(s.max.kind, kv::NumValue::Kind::big_unsigned);
  EXPECT_EQ(s.argmax, 1u);
  EXPECT_DOUBLE_EQ(s.sum, 18446744073709551615.0 + 7.0);
}

TEST(ColumnScan, SignedZerosAndInfinities) {
  kvtest::MemChunkStore store;
  kv::FixedColumn col(store, kv::ChunkLayout(8, 8, 1 << 16), "t", 1 << 20, 1 << 20);
  const double inf = std::numeric_limits<double>::infinity();
  col.append_packed(packed(std::vector<double>{0.0, -0.0, std::nan(""), -0.0, inf, -inf}));
  kv::RangeSummary s = kv::summarize(col, kv::Num::f64, 0, 4);
  EXPECT_EQ(s.count, 3u);
  EXPECT_FALSE(std::signbit(s.min.r));  // 0.0 came first; -0.0 compares equal
  EXPECT_EQ(s.argmin, 0u);
  s = kv::summarize(col, kv::Num::f64, 1, 4);
  EXPECT_TRUE(std::signbit(s.min.r));
  EXPECT_EQ(s.argmin, 1u);
  s = kv::summarize(col, kv::Num::f64, 0, 6);
  EXPECT_TRUE(std::isnan(s.sum));  // inf + -inf
  EXPECT_EQ(s.min.r, -inf);
  EXPECT_EQ(s.argmax, 4u);
  EXPECT_EQ(kv::summarize(col, kv::Num::f64, 2, 3).count, 0u);
}

TEST(ColumnScan, SummarizeEachEqualsOneSummaryPerRange) {
  kvtest::MemChunkStore store;
  kv::FixedColumn col(store, kv::ChunkLayout(4, 4, 4 * 700), "t", 1 << 20, 4 * 700 * 2);  // LRU of 2 chunks
  std::mt19937 rng(9);
  std::vector<std::int32_t> v(10000);
  for (auto& x : v) x = static_cast<std::int32_t>(rng() % 100000) - 50000;
  col.append_packed(packed(v));
  col.flush();
  std::vector<std::uint64_t> bounds = {17, 17, 18, 700, 2100, 2101, 5000, 9999, 10000, 10000};
  const std::vector<kv::RangeSummary> each = kv::summarize_each(col, kv::Num::i32, bounds);
  ASSERT_EQ(each.size(), bounds.size() - 1);
  for (std::size_t k = 0; k + 1 < bounds.size(); ++k) {
    const kv::RangeSummary one = kv::summarize(col, kv::Num::i32, bounds[k], bounds[k + 1]);
    EXPECT_EQ(each[k].count, one.count) << k;
    EXPECT_EQ(each[k].int_sum, one.int_sum) << k;
    EXPECT_EQ(each[k].argmin, one.argmin) << k;
    EXPECT_EQ(each[k].argmax, one.argmax) << k;
    EXPECT_EQ(each[k].first.i, one.first.i) << k;
    EXPECT_EQ(each[k].last.i, one.last.i) << k;
    EXPECT_DOUBLE_EQ(each[k].stddev, one.stddev) << k;
    EXPECT_EQ(each[k].count, bounds[k + 1] - bounds[k]) << k;
  }
  EXPECT_THROW(kv::summarize_each(col, kv::Num::i32, {5, 3}), kv::Error);
}

// Chunks that the read LRU cannot take without evicting another are streamed
// (Column::scan_stream, ChunkStore::read_pieces) in pieces of whole elements
// of at most kScanPieceBytes; the runs still tile the range in order with
// the stored values, from any start, and a cached chunk is still one run.
TEST(ColumnScan, UncachedChunksStreamInPiecesOfWholeElements) {
  const std::uint64_t elem = 8, per_chunk = 3 * kv::kScanPieceBytes / elem + 5;  // 3 pieces and a bit
  kvtest::MemChunkStore store;
  // read cache of 2 chunks: the first scan caches chunks 0 and 1, then streams
  kv::FixedColumn col(store, kv::ChunkLayout(elem, elem, per_chunk * elem), "t", 1 << 20, 2 * per_chunk * elem);
  std::vector<std::uint64_t> model(4 * per_chunk + 17);
  for (std::size_t i = 0; i < model.size(); ++i) model[i] = i * 2654435761u;
  col.append_packed(packed(model));
  col.flush();
  col.invalidate();
  // runs: cached chunks 0 and 1 whole; chunks 2 and 3 in 3 full pieces and
  // one of 5 elements; the 17-element tail chunk in one piece
  const std::pair<std::uint64_t, std::uint64_t> cases[] = {{0, 2 + 4 + 4 + 1}, {per_chunk + 3, 1 + 4 + 4 + 1},
                                                           {3 * per_chunk - 1, 1 + 4 + 1}};
  for (auto [start, want_runs] : cases) {
    std::uint64_t runs = 0, biggest = 0, next = start;
    std::vector<std::uint64_t> got;
    kv::scan_runs(col, start, model.size(), [&](std::string_view bytes, std::uint64_t first, std::uint64_t count) {
      EXPECT_EQ(first, next);
      EXPECT_EQ(bytes.size(), count * elem);
      next = first + count;
      ++runs;
      biggest = std::max<std::uint64_t>(biggest, bytes.size());
      for (std::uint64_t k = 0; k < count; ++k) {
        std::uint64_t v;
        std::memcpy(&v, bytes.data() + k * elem, elem);
        got.push_back(v);
      }
    });
    EXPECT_EQ(got, std::vector<std::uint64_t>(model.begin() + static_cast<long>(start), model.end()));
    EXPECT_EQ(next, model.size());
    EXPECT_EQ(runs, want_runs) << "start " << start;
    if (start == 0) {
      EXPECT_EQ(biggest, per_chunk * elem);  // a cached chunk is one run
    } else if (start > 2 * per_chunk) {
      EXPECT_LE(biggest, kv::kScanPieceBytes);
    }
  }
}
