// Vector search kernels (src/vector/distance.hpp) and k-NN (src/vector/knn.hpp).
//
// Every dispatch path this CPU can run (scalar, baseline, avx2, avx512; each
// forced through kernel_for) is checked against a reference written here
// (one element at a time, in double) for every element type and metric, on
// random and adversarial data: D = 1, 3, 7, 8, 15, 16, 17, 31, 33, 768, 1536
// (tails that are not a multiple of any vector width), huge and tiny
// magnitudes, zero vectors for cosine, rows at odd addresses with the stored
// type-byte stride, several queries at once. Byte elements (i8, u8) are
// summed exactly, so those must match bit for bit. knn_search is checked
// over FixedColumn + the in-memory ChunkStore against a sort of the
// reference distances: ties by idx, NaN last, [start, stop), k > range.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "column/fixed.hpp"
#include "common/error.hpp"
#include "mem_chunk_store.hpp"
#include "vector/distance.hpp"
#include "vector/knn.hpp"

namespace {

using kv::Num;
using kv::vector::Metric;
using kv::vector::Path;

const Metric kMetrics[] = {Metric::l2, Metric::cosine, Metric::l1, Metric::dot};
const Path kPaths[] = {Path::scalar, Path::baseline, Path::avx2, Path::avx512};

// The unit roundoff of f32 (2^-24): the f32 kernels' error bound is a small
// multiple of it times the reference's scale.
constexpr double kF32Unit = 0x1p-24;

// The reference: distance and a scale bounding its rounding error.
struct Ref {
  double distance, scale;
};

template <class T>
Ref reference(const T* a, const T* b, std::size_t d, Metric m) {
  double s = 0, abs_s = 0, na = 0, nb = 0;
  for (std::size_t i = 0; i < d; ++i) {
    const double x = static_cast<double>(a[i]), y = static_cast<double>(b[i]);
    switch (m) {
      case Metric::l2: s += (x - y) * (x - y); break;
      case Metric::l1: s += std::fabs(x - y); break;
      case Metric::dot:
      case Metric::cosine:
        s += x * y;
        abs_s += std::fabs(x * y);
        na += x * x;
        nb += y * y;
        break;
    }
  }
  switch (m) {
    case Metric::l2: return {std::sqrt(s), std::sqrt(s)};
    case Metric::l1: return {s, s};
    case Metric::dot: return {-s, abs_s};
    case Metric::cosine:
      if (na == 0 || nb == 0) return {1.0, 0};
      return {1.0 - s / (std::sqrt(na) * std::sqrt(nb)), abs_s / (std::sqrt(na) * std::sqrt(nb))};
  }
  return {0, 0};
}

template <class T>
T random_element(std::mt19937_64& rng, int mode) {
  if constexpr (std::is_floating_point_v<T>) {
    std::uniform_real_distribution<double> u(-1, 1);
    const double huge = sizeof(T) == 4 ? 1e30 : 1e150, tiny = sizeof(T) == 4 ? 1e-30 : 1e-150;
    switch (mode) {
      case 1: return static_cast<T>(u(rng) * huge);
      case 2: return static_cast<T>(u(rng) * tiny);
      case 3: return 0;
      default: return static_cast<T>(u(rng) * 100);
    }
  } else {
    if (mode == 3) return 0;
    std::uniform_int_distribution<long long> u(0, 255);
    T v;
    unsigned char bytes[sizeof(T)];
    for (auto& b : bytes) b = static_cast<unsigned char>(u(rng));
    std::memcpy(&v, bytes, sizeof v);
    if (mode == 2) v = static_cast<T>(v % 4);  // small values near zero
    return v;
  }
}

// Rows stored as a column stores them: a type byte, then D elements.
template <class T>
std::string stored_rows(const std::vector<T>& rows, std::size_t d) {
  std::string out;
  for (std::size_t r = 0; r < rows.size() / d; ++r) {
    out.push_back('\x01');
    out.append(reinterpret_cast<const char*>(rows.data() + r * d), d * sizeof(T));
  }
  return out;
}

template <class T>
void check_type(Num num) {
  std::mt19937_64 rng(1234 + static_cast<int>(num));
  for (std::size_t d : {1, 3, 7, 8, 15, 16, 17, 31, 33, 768, 1536}) {
    for (int mode = 0; mode < 4; ++mode) {
      // 9 queries: whole tiles of 4 (avx512) or 2 (avx2) queries and one more;
      // 5 and 13 rows: tiles of 2 rows (avx512) and one more.
      const std::size_t n_rows = d > 100 ? 5 : 13, n_queries = 9;
      std::vector<T> rows(n_rows * d), queries(n_queries * d);
      for (auto& v : rows) v = random_element<T>(rng, mode);
      for (auto& v : queries) v = random_element<T>(rng, mode == 3 ? 0 : mode);
      if (mode == 0) std::fill(rows.begin(), rows.begin() + static_cast<long>(d), T{});  // a zero row
      const std::string stored = stored_rows(rows, d);
      const auto* base = reinterpret_cast<const unsigned char*>(stored.data()) + 1;
      for (Metric m : kMetrics) {
        kv::vector::QuerySet qs;
        qs.num = num;
        qs.metric = m;
        qs.dim = d;
        qs.elements = queries.data();
        qs.count = n_queries;
        std::vector<double> alone;
        for (Path p : kPaths)
          for (std::size_t count :
               {std::size_t{1}, n_queries}) {  // one query and a batch take different code
            kv::vector::BlockKernel kernel = kv::vector::kernel_for(p);
            if (!kernel) continue;
            qs.count = count;
            std::vector<double> out(n_rows * count, -12345);
            kernel(qs, base, 1 + d * sizeof(T), n_rows, out.data());
            if (count == 1) {
              alone.assign(out.begin(), out.end());
            } else {  // a query's distances are bit-identical alone and in a batch
              for (std::size_t r = 0; r < n_rows; ++r) {
                const double a = alone[r], b = out[r];
                EXPECT_TRUE(a == b || (std::isnan(a) && std::isnan(b)))
                    << kv::num_name(num) << " D=" << d << " " << kv::vector::metric_name(m) << " "
                    << kv::vector::path_name(p) << " r" << r << ": " << a << " vs " << b;
              }
            }
            for (std::size_t q = 0; q < count; ++q)
              for (std::size_t r = 0; r < n_rows; ++r) {
                const Ref ref = reference(rows.data() + r * d, queries.data() + q * d, d, m);
                const double got = out[q * n_rows + r];
                SCOPED_TRACE(std::string(kv::num_name(num)) + " D=" + std::to_string(d) + " mode " +
                             std::to_string(mode) + " " + kv::vector::metric_name(m) + " path " +
                             kv::vector::path_name(p) + " q" + std::to_string(q) + " r" + std::to_string(r));
                if (sizeof(T) == 1 && m != Metric::cosine) {
                  EXPECT_EQ(got, ref.distance);  // exact integer sums
                } else if (std::is_same_v<T, float> && p != Path::scalar) {
                  // f32 lanes (distance.hpp): <= 8u (l2, l1, dot) / 12u (cosine) of the scale
                  EXPECT_NEAR(got, ref.distance, 12 * kF32Unit * ref.scale + 1e-300) << "ref " << ref.distance;
                } else {
                  EXPECT_NEAR(got, ref.distance, 1e-12 * ref.scale + 1e-300) << "ref " << ref.distance;
                }
              }
          }
      }
    }
  }
}

}  // namespace

TEST(VectorDistance, ScalarAndBaselineAlwaysAvailable) {
  EXPECT_NE(kv::vector::kernel_for(Path::scalar), nullptr);
  EXPECT_NE(kv::vector::kernel_for(Path::baseline), nullptr);
  EXPECT_NE(kv::vector::kernel_for(kv::vector::active_path()), nullptr);
  // Report what this CPU runs, so a log shows which paths were covered.
  for (Path p : kPaths)
    std::printf("path %s: %s\n", kv::vector::path_name(p),
                kv::vector::path_available(p) ? "tested" : "not on this CPU");
}

TEST(VectorDistance, I8) { check_type<std::int8_t>(Num::i8); }
TEST(VectorDistance, U8) { check_type<std::uint8_t>(Num::u8); }
TEST(VectorDistance, I16) { check_type<std::int16_t>(Num::i16); }
TEST(VectorDistance, U16) { check_type<std::uint16_t>(Num::u16); }
TEST(VectorDistance, I32) { check_type<std::int32_t>(Num::i32); }
TEST(VectorDistance, U32) { check_type<std::uint32_t>(Num::u32); }
TEST(VectorDistance, I64) { check_type<std::int64_t>(Num::i64); }
TEST(VectorDistance, U64) { check_type<std::uint64_t>(Num::u64); }
TEST(VectorDistance, F32) { check_type<float>(Num::f32); }
TEST(VectorDistance, F64) { check_type<double>(Num::f64); }

TEST(VectorDistance, CosineOfZeroVectorIsOneAndNaNPropagates) {
  const float zero[3] = {0, 0, 0}, one[3] = {1, 2, 3};
  const std::string rows = stored_rows(std::vector<float>{0, 0, 0, 1, 2, 3, NAN, 0, 0}, 3);
  for (Path p : kPaths) {
    auto kernel = kv::vector::kernel_for(p);
    if (!kernel) continue;
    for (const float* q : {zero, one}) {
      kv::vector::QuerySet qs{Num::f32, Metric::cosine, 3, q, 1};
      double out[3];
      kernel(qs, reinterpret_cast<const unsigned char*>(rows.data()) + 1, 13, 3, out);
      EXPECT_EQ(out[0], 1.0) << kv::vector::path_name(p);
      if (q == one) {
        EXPECT_NEAR(out[1], 0.0, 1e-15);
        EXPECT_TRUE(std::isnan(out[2]));
      } else {
        EXPECT_EQ(out[1], 1.0);
      }
    }
  }
}

// f32 blocks that would overflow or underflow in f32 lanes are summed in
// double (distance.hpp): one row mixes a normal block, a block of 1e25
// (squares overflow f32), a block of 1e-25 (products underflow f32), a block
// that cancels to exactly 0, and a tail; every metric must stay within the
// f32 bound of the double reference on every path.
TEST(VectorDistance, F32BlocksThatOverflowOrUnderflowAreSummedInDouble) {
  const std::size_t d = 4 * 128 + 37;
  std::mt19937_64 rng(99);
  std::uniform_real_distribution<double> u(0.5, 1.5);
  std::vector<float> row(d), query(d);
  for (std::size_t i = 0; i < d; ++i) {
    const double scale = i < 128 ? 1 : i < 256 ? 1e25 : i < 384 ? 1e-25 : 1;
    row[i] = static_cast<float>(u(rng) * scale);
    query[i] = static_cast<float>(-u(rng) * scale);
  }
  for (std::size_t i = 384; i < 512; ++i) query[i] = i % 2 ? row[i] : -row[i];  // dot cancels to 0
  const std::string stored = stored_rows(row, d);
  for (Metric m : kMetrics) {
    const Ref ref = reference(row.data(), query.data(), d, m);
    ASSERT_TRUE(std::isfinite(ref.distance));
    for (Path p : kPaths) {
      auto kernel = kv::vector::kernel_for(p);
      if (!kernel) continue;
      kv::vector::QuerySet qs{Num::f32, m, d, query.data(), 1};
      double out = 0;
      kernel(qs, reinterpret_cast<const unsigned char*>(stored.data()) + 1, stored.size(), 1, &out);
      EXPECT_TRUE(std::isfinite(out)) << kv::vector::metric_name(m) << " " << kv::vector::path_name(p);
      EXPECT_NEAR(out, ref.distance, 12 * kF32Unit * ref.scale)
          << kv::vector::metric_name(m) << " " << kv::vector::path_name(p);
    }
  }
}

// The f32 kernel's arithmetic is defined on 32 logical lanes whatever the
// register width (vector/kernel_body.hpp), so the two FMA paths, avx2 and avx512, give the
// same bits, alone and in a batch (tiles of rows x queries). The baseline path
// (no FMA) rounds each product: check_type holds it to the same error bound.
TEST(VectorDistance, F32FmaPathsAreBitIdentical) {
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u(-3, 3);
  for (std::size_t d : {31, 32, 33, 128, 161, 768}) {
    const std::size_t n_rows = 7, n_queries = 11;
    std::vector<float> rows(n_rows * d), queries(n_queries * d);
    for (auto& v : rows) v = static_cast<float>(u(rng));
    for (auto& v : queries) v = static_cast<float>(u(rng));
    const std::string stored = stored_rows(rows, d);
    for (Metric m : kMetrics) {
      kv::vector::QuerySet qs{Num::f32, m, d, queries.data(), n_queries};
      std::vector<double> first;
      for (Path p : {Path::avx2, Path::avx512}) {
        auto kernel = kv::vector::kernel_for(p);
        if (!kernel) continue;
        std::vector<double> out(n_rows * n_queries);
        kernel(qs, reinterpret_cast<const unsigned char*>(stored.data()) + 1, 1 + d * 4, n_rows, out.data());
        if (first.empty()) {
          first = out;
          continue;
        }
        for (std::size_t i = 0; i < out.size(); ++i)
          EXPECT_EQ(out[i], first[i]) << "D=" << d << " " << kv::vector::metric_name(m) << " "
                                      << kv::vector::path_name(p) << " at " << i;
      }
    }
  }
}

// A row whose f32 sum underflows (every product below f32's range) or is
// exactly zero (the query itself) is summed again in double.
TEST(VectorDistance, F32RowsThatUnderflowOrVanishAreSummedInDouble) {
  const std::size_t d = 200;
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> u(0.5, 1.5);
  std::vector<float> rows(3 * d), query(d);
  for (std::size_t i = 0; i < d; ++i) {
    rows[i] = static_cast<float>(u(rng) * 1e-25);  // products ~1e-50: zero in f32
    query[i] = static_cast<float>(u(rng) * 1e-25);
    rows[d + i] = query[i];                                  // the query itself: l2 = 0
    rows[2 * d + i] = static_cast<float>(u(rng) * 1e-25);  // another tiny row
  }
  const std::string stored = stored_rows(rows, d);
  for (Metric m : kMetrics)
    for (Path p : kPaths) {
      auto kernel = kv::vector::kernel_for(p);
      if (!kernel) continue;
      kv::vector::QuerySet qs{Num::f32, m, d, query.data(), 1};
      double out[3];
      kernel(qs, reinterpret_cast<const unsigned char*>(stored.data()) + 1, 1 + d * 4, 3, out);
      for (std::size_t r = 0; r < 3; ++r) {
        const Ref ref = reference(rows.data() + r * d, query.data(), d, m);
        // l1's |x - y| ~ 1e-25 do not underflow: its sum stays in f32 lanes
        const double bound = (m == Metric::l1 && p != Path::scalar ? 12 * kF32Unit : 1e-12) * ref.scale;
        EXPECT_NEAR(out[r], ref.distance, bound + 1e-300)
            << kv::vector::metric_name(m) << " " << kv::vector::path_name(p) << " row " << r;
        if (m == Metric::dot) {
          EXPECT_NE(out[r], 0.0);  // the double sum, not the f32 one
        }
      }
    }
}

TEST(VectorDistance, NaNElementGivesNaNForEveryMetric) {
  const std::string rows =
      stored_rows(std::vector<double>{1, NAN, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17}, 17);
  std::vector<double> q(17, 1.0);
  for (Metric m : kMetrics)
    for (Path p : kPaths) {
      auto kernel = kv::vector::kernel_for(p);
      if (!kernel) continue;
      kv::vector::QuerySet qs{Num::f64, m, 17, q.data(), 1};
      double out = 0;
      kernel(qs, reinterpret_cast<const unsigned char*>(rows.data()) + 1, rows.size(), 1, &out);
      EXPECT_TRUE(std::isnan(out)) << kv::vector::metric_name(m) << " " << kv::vector::path_name(p);
    }
}

TEST(VectorDistance, ParseMetric) {
  Metric m;
  EXPECT_TRUE(kv::vector::parse_metric("COSINE", m));
  EXPECT_EQ(m, Metric::cosine);
  EXPECT_TRUE(kv::vector::parse_metric("l1", m));
  EXPECT_EQ(m, Metric::l1);
  EXPECT_FALSE(kv::vector::parse_metric("l3", m));
  EXPECT_FALSE(kv::vector::parse_metric("", m));
}

// knn_search over a FixedColumn against sorting the reference distances.
TEST(VectorKnn, MatchesSortedReferenceWithTiesNaNAndRanges) {
  const std::size_t d = 5, n = 257, stride = 1 + d * 4;
  std::mt19937_64 rng(7);
  std::vector<float> rows(n * d);
  std::uniform_int_distribution<int> small(-2, 2);  // many exact ties
  for (auto& v : rows) v = static_cast<float>(small(rng));
  rows[40 * d + 2] = NAN;
  kvtest::MemChunkStore store;
  kv::FixedColumn col(store, kv::ChunkLayout(stride, stride, stride * 16), "t", 1 << 20, stride * 32);
  col.append_packed(stored_rows(rows, d));
  std::vector<float> queries(4 * d);
  for (auto& v : queries) v = static_cast<float>(small(rng));
  for (Metric m : kMetrics)
    for (Path p : kPaths) {
      auto kernel = kv::vector::kernel_for(p);
      if (!kernel) continue;
      for (auto [start, stop, k] : {std::tuple<std::uint64_t, std::uint64_t, std::uint64_t>{0, n, 10},
                                    {3, 200, 1},
                                    {40, 41, 5},
                                    {100, 130, 1000},
                                    {7, 7, 3}}) {
        kv::vector::QuerySet qs{Num::f32, m, d, queries.data(), 4};
        auto got = kv::vector::knn_search(col, qs, k, start, stop, kernel);
        ASSERT_EQ(got.size(), 4u);
        for (std::size_t q = 0; q < 4; ++q) {
          std::vector<kv::vector::Neighbor> all;
          for (std::uint64_t i = start; i < stop; ++i) {
            double dist = reference(rows.data() + i * d, queries.data() + q * d, d, m).distance;
            if (std::isnan(rows[i * d + 0] + rows[i * d + 1] + rows[i * d + 2] + rows[i * d + 3] +
                           rows[i * d + 4]))
              dist = NAN;
            all.push_back({i, dist});
          }
          std::stable_sort(all.begin(), all.end(), kv::vector::nearer);
          all.resize(std::min<std::size_t>(all.size(), k));
          ASSERT_EQ(got[q].size(), all.size());
          for (std::size_t j = 0; j < all.size(); ++j) {
            EXPECT_EQ(got[q][j].idx, all[j].idx) << kv::vector::metric_name(m) << " "
                                                 << kv::vector::path_name(p) << " q" << q << " rank " << j;
            if (std::isnan(all[j].distance))
              EXPECT_TRUE(std::isnan(got[q][j].distance));
            else
              EXPECT_NEAR(got[q][j].distance, all[j].distance, 1e-12);
          }
        }
      }
    }
}

TEST(VectorKnn, TooManyResultsIsTooBig) {
  const std::size_t d = 1, stride = 5;
  kvtest::MemChunkStore store;
  kv::FixedColumn col(store, kv::ChunkLayout(stride, stride, stride * 16), "t", 1 << 20, stride * 32);
  col.append_packed(stored_rows(std::vector<float>(100, 1.0f), d));
  std::vector<float> queries(1 << 18, 0.0f);
  kv::vector::QuerySet qs{Num::f32, Metric::l2, d, queries.data(), queries.size()};
  try {
    kv::vector::knn_search(col, qs, 100, 0, 100);
    FAIL() << "expected too_big";
  } catch (const kv::Error& e) {
    EXPECT_EQ(e.code(), kv::Errc::too_big);
  }
}

// l2 batches over f32 skip rows whose estimate is certainly above a query's
// heap worst (QuerySet::prune, f32_pruned_pass): the results must equal each
// query searched alone (no pruning) bit for bit, with near-ties planted
// around the k-th distance, rows and queries not multiples of the tile, and
// a NaN row.
TEST(VectorKnn, PrunedL2BatchEqualsEachQueryAlone) {
  std::mt19937_64 rng(21);
  std::uniform_real_distribution<double> u(-2, 2);
  for (std::size_t d : {1, 3, 33, 768, 1536}) {
    const std::size_t n = d > 100 ? 1501 : 3001, stride = 1 + d * 4, nq = 9, k = 5;
    std::vector<float> rows(n * d), queries(nq * d);
    for (auto& v : rows) v = static_cast<float>(u(rng));
    for (auto& v : queries) v = static_cast<float>(u(rng));
    // Copies of each query, some nudged by one ulp, spread over the column.
    for (std::size_t q = 0; q < nq; ++q)
      for (std::size_t c = 0; c < 4; ++c) {
        const std::size_t at = (q * 131 + c * 977) % n;
        std::copy(queries.begin() + static_cast<long>(q * d), queries.begin() + static_cast<long>((q + 1) * d),
                  rows.begin() + static_cast<long>(at * d));
        if (c % 2) rows[at * d + c % d] = std::nextafter(rows[at * d + c % d], 10.0f);
      }
    rows[(n / 2) * d] = NAN;
    kvtest::MemChunkStore store;
    kv::FixedColumn col(store, kv::ChunkLayout(stride, stride, stride * 700), "t", 1 << 20, 1ull << 30);
    col.append_packed(stored_rows(rows, d));
    for (Path p : kPaths) {
      auto kernel = kv::vector::kernel_for(p);
      if (!kernel) continue;
      kv::vector::QuerySet all{Num::f32, Metric::l2, d, queries.data(), nq};
      const auto batch = kv::vector::knn_search(col, all, k, 0, n, kernel);
      for (std::size_t q = 0; q < nq; ++q) {
        kv::vector::QuerySet one{Num::f32, Metric::l2, d, queries.data() + q * d, 1};
        const auto alone = kv::vector::knn_search(col, one, k, 0, n, kernel);
        ASSERT_EQ(batch[q].size(), alone[0].size());
        for (std::size_t j = 0; j < k; ++j) {
          EXPECT_EQ(batch[q][j].idx, alone[0][j].idx) << "D=" << d << " " << kv::vector::path_name(p) << " q" << q;
          EXPECT_EQ(batch[q][j].distance, alone[0][j].distance) << "D=" << d << " " << kv::vector::path_name(p);
        }
        const Ref ref = reference(rows.data() + batch[q][0].idx * d, queries.data() + q * d, d, Metric::l2);
        EXPECT_NEAR(batch[q][0].distance, ref.distance, 12 * kF32Unit * ref.scale + 1e-300);
      }
    }
  }
}
