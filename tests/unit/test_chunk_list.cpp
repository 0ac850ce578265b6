// ChunkedSkipList (src/index/chunk_list.hpp): differential tests against
// std::map with small chunks (every few writes split or absorb) and the
// default size, bulk_load, kv::Value keys whose hints tie; multi-threaded
// stress tests (also run under ThreadSanitizer by `make test-tsan`).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "chunk_list_model.hpp"
#include "skiplist_model.hpp"
#include "common/value.hpp"
#include "index/chunk_list.hpp"
#include "index/sql_value_order.hpp"

namespace {

using List = kv::ChunkedSkipList<std::int64_t, std::int64_t>;
using Model = std::map<std::int64_t, std::int64_t>;

}  // namespace

TEST(ChunkList, EmptyAndSingle) {
  List l(4);
  EXPECT_TRUE(l.empty());
  EXPECT_FALSE(l.erase(1));
  EXPECT_FALSE(l.get(1).has_value());
  {
    kv::EpochGuard g;
    EXPECT_FALSE(l.first());
    EXPECT_FALSE(l.last());
    EXPECT_FALSE(l.lower_bound(0));
    EXPECT_FALSE(l.last_below(0, true));
  }
  EXPECT_TRUE(l.insert(1, 10));
  EXPECT_FALSE(l.insert(1, 11));  // reported, and the old value is kept
  EXPECT_EQ(*l.get(1), 10);
  EXPECT_FALSE(l.insert_or_assign(1, 12));
  EXPECT_EQ(*l.get(1), 12);
  EXPECT_TRUE(l.erase(1));
  EXPECT_FALSE(l.contains(1));
  EXPECT_TRUE(l.well_formed());
  EXPECT_THROW(List(1), std::invalid_argument);
}

class ChunkListSizes : public ::testing::TestWithParam<int> {};

// Random writes and reads over a small key space, checked step by step
// against std::map; the whole list (both directions, structure) every so often.
TEST_P(ChunkListSizes, RandomOpsMatchStdMap) {
  List l(static_cast<std::uint32_t>(GetParam()));
  Model m;
  std::mt19937 rng(static_cast<std::uint32_t>(GetParam()));
  std::size_t most_chunks = 0;
  for (int i = 0; i < 40000; ++i) {
    const std::int64_t k = rng() % 3000;
    const int op = static_cast<int>(rng() % 100);
    // Phases: growing, then shrinking (absorbs), then mixed.
    const int insert_share = i < 15000 ? 60 : (i < 30000 ? 15 : 40);
    if (op < insert_share) {
      if (op % 4 == 0) {
        ASSERT_EQ(l.insert_or_assign(k, i), m.count(k) == 0);
        m[k] = i;
      } else {
        ASSERT_EQ(l.insert(k, i), m.emplace(k, i).second);
      }
    } else if (op < 80) {
      ASSERT_EQ(l.erase(k), m.erase(k) == 1);
    } else {
      kv::EpochGuard g;
      ASSERT_NO_FATAL_FAILURE(kvtest::expect_chunk_bounds_match(l, m, k));
    }
    if (i % 5000 == 4999) {
      ASSERT_NO_FATAL_FAILURE(kvtest::expect_chunks_match_model(l, m)) << "step " << i;
      most_chunks = std::max(most_chunks, l.chunk_count());
    }
  }
  ASSERT_NO_FATAL_FAILURE(kvtest::expect_chunks_match_model(l, m));
  EXPECT_GT(most_chunks, 3000u / static_cast<std::uint32_t>(GetParam()) / 2);  // it did split
  for (auto it = m.begin(); it != m.end();) {  // empty it: absorbs down to the head
    ASSERT_TRUE(l.erase(it->first));
    it = m.erase(it);
  }
  ASSERT_NO_FATAL_FAILURE(kvtest::expect_chunks_match_model(l, m));
  EXPECT_EQ(l.chunk_count(), 1u);
}

// Sorted appends fill chunks whole; descending inserts split at the front.
TEST_P(ChunkListSizes, SortedAndReverseInserts) {
  const auto b = static_cast<std::uint32_t>(GetParam());
  List up(b), down(b);
  Model m;
  for (std::int64_t k = 0; k < 2000; ++k) {
    ASSERT_TRUE(up.insert(k, -k));
    ASSERT_TRUE(down.insert(1999 - k, k - 1999));
    m[k] = -k;
  }
  ASSERT_NO_FATAL_FAILURE(kvtest::expect_chunks_match_model(up, m));
  ASSERT_NO_FATAL_FAILURE(kvtest::expect_chunks_match_model(down, m));
  EXPECT_LE(up.chunk_count(), 2000 / b + 1);  // appends keep full chunks whole
}

TEST_P(ChunkListSizes, BulkLoad) {
  List l(static_cast<std::uint32_t>(GetParam()));
  l.insert(100, 1);
  std::vector<std::pair<std::int64_t, std::int64_t>> items;
  Model m;
  for (std::int64_t i = 0; i < 10000; ++i) {
    items.emplace_back(i * 2, i);
    m[i * 2] = i;
  }
  l.bulk_load(std::move(items));
  ASSERT_NO_FATAL_FAILURE(kvtest::expect_chunks_match_model(l, m));
  std::mt19937 rng(3);
  for (int i = 0; i < 20000; ++i) {
    const std::int64_t k = rng() % 20000;
    if (rng() % 2) {
      ASSERT_EQ(l.erase(k), m.erase(k) == 1);
    } else {
      ASSERT_EQ(l.insert(k, i), m.emplace(k, i).second);
    }
  }
  ASSERT_NO_FATAL_FAILURE(kvtest::expect_chunks_match_model(l, m));
  std::vector<std::pair<std::int64_t, std::int64_t>> bad = {{1, 1}, {1, 2}};
  EXPECT_THROW(l.bulk_load(std::move(bad)), std::invalid_argument);
  ASSERT_NO_FATAL_FAILURE(kvtest::expect_chunks_match_model(l, Model{}));
  l.bulk_load({});
  ASSERT_NO_FATAL_FAILURE(kvtest::expect_chunks_match_model(l, Model{}));
}

INSTANTIATE_TEST_SUITE_P(ChunkSizes, ChunkListSizes, ::testing::Values(2, 4, 16, 32, 64));

// kv::Value keys in SQLite's order: integers and reals interleaved (2 == 2.0),
// text and blobs sharing their first 8 bytes (the hints tie, the keys decide).
TEST(ChunkList, SqlValueKeysWithHintTies) {
  using VList = kv::ChunkedSkipList<kv::Value, kv::Value, kv::SqlLess>;
  struct Less {
    bool operator()(const kv::Value& a, const kv::Value& b) const { return kv::sql_compare(a, b) < 0; }
  };
  std::map<kv::Value, kv::Value, Less> m;
  VList l(4);
  std::mt19937 rng(11);
  auto key = [&](std::uint32_t r) {
    switch (r % 5) {
      case 0: return kv::Value::integer(static_cast<std::int64_t>(r % 50));
      case 1: return kv::Value::real(static_cast<double>(r % 100) / 2);  // 2.0 equals integer 2
      case 2: return kv::Value::text("samepfx-" + std::to_string(r % 60));
      case 3: return kv::Value::blob(std::string("samepfx-\0", 9) + std::to_string(r % 40));
      default: return r % 7 ? kv::Value::text("samepfx") : kv::Value::null();
    }
  };
  for (int i = 0; i < 20000; ++i) {
    const kv::Value k = key(rng());
    const kv::Value v = kv::Value::integer(i);
    const int op = static_cast<int>(rng() % 10);
    if (op < 4) {
      ASSERT_EQ(l.insert(k, v), m.emplace(k, v).second);
    } else if (op < 6) {
      const bool absent = m.count(k) == 0;
      ASSERT_EQ(l.insert_or_assign(k, v), absent);
      if (absent)
        m.emplace(k, v);
      else
        m.find(k)->second = v;
    } else if (op < 8) {
      ASSERT_EQ(l.erase(k), m.erase(k) == 1);
    } else {
      kv::EpochGuard g;
      ASSERT_NO_FATAL_FAILURE(kvtest::expect_chunk_bounds_match(l, m, k));
    }
  }
  ASSERT_NO_FATAL_FAILURE(kvtest::expect_chunks_match_model(l, m));
  EXPECT_EQ(l.get(kv::Value::real(2.0)).has_value(), m.count(kv::Value::integer(2)) == 1);
}

// ---- concurrency ---------------------------------------------------------------

namespace {

// Checks a bounded forward scan from k: strictly increasing, values belong to
// their keys, and every permanent key (k % kStride == 0 below kMax) in the
// scanned window is there. Returns the number of violations.
constexpr std::int64_t kStride = 16;
std::uint64_t scan_errors(const List& l, std::int64_t k, std::int64_t max, int steps) {
  std::uint64_t errors = 0;
  kv::EpochGuard g;
  auto p = l.lower_bound(k);
  std::int64_t prev = k - 1;
  for (int s = 0; p && s < steps; ++s, p = l.next(p)) {
    const std::int64_t key = p.key();
    if (key <= prev) errors++;  // strictly increasing, no repeats
    if (p.value() / 1000 != key) errors++;
    // Every permanent key between prev and key was returned.
    for (std::int64_t q = prev < 0 ? 0 : (prev / kStride + 1) * kStride; q < key && q < max; q += kStride) errors++;
    prev = key;
  }
  return errors;
}

// The shared state of a stress test: writers (started first, each with its
// own model of the keys it owns) and readers (running until done), counting
// errors.
struct Stress {
  explicit Stress(std::size_t writers) : expected(writers) {}
  std::atomic<bool> done{false};
  std::atomic<std::uint64_t> errors{0};
  std::vector<std::thread> threads;
  std::vector<Model> expected;

  // Joins the writers, then stops and joins the readers: no thread counted
  // an error, and the list holds the permanent keys (k * 1000 every kStride
  // below max) plus what each writer's model holds.
  void finish(const List& l, std::int64_t max) {
    for (std::size_t t = 0; t < expected.size(); ++t) threads[t].join();
    done = true;
    for (std::size_t t = expected.size(); t < threads.size(); ++t) threads[t].join();
    EXPECT_EQ(errors.load(), 0u);
    Model all;
    for (std::int64_t k = 0; k < max; k += kStride) all[k] = k * 1000;
    for (const auto& m : expected) all.insert(m.begin(), m.end());
    ASSERT_NO_FATAL_FAILURE(kvtest::expect_chunks_match_model(l, all));
  }
};

}  // namespace

// 4 writers on disjoint key stripes (insert, replace, erase; never touching
// the permanent keys) + 3 readers: permanent keys always found, keys never
// inserted never found, scans ordered and complete; the final contents equal
// what each writer's sequence leaves.
TEST(ChunkListStress, ConcurrentWritersAndReaders) {
  List l(8);
  constexpr int kWriters = 4, kReaders = 3;
  constexpr std::int64_t kKeys = 16000;  // [0, kKeys); odd keys above it are never inserted
  constexpr int kRounds = 4;
  for (std::int64_t k = 0; k < kKeys; k += kStride) l.insert(k, k * 1000);
  Stress run(kWriters);
  auto& [done, errors, threads, expected] = run;
  kvtest::start_stripe_writers(threads, l, expected, errors, kKeys, kRounds,
                               [](std::int64_t k) { return k % kStride == 0; });  // permanent
  for (int r = 0; r < kReaders; ++r) {
    threads.emplace_back([&, r] {
      std::mt19937 rng(static_cast<std::uint32_t>(r + 7));
      while (!done.load()) {
        const std::int64_t k = rng() % kKeys;
        const std::int64_t perm = k / kStride * kStride;
        auto v = l.get(perm);
        if (!v || *v != perm * 1000) errors++;
        if (l.contains(kKeys + 2 * k + 1)) errors++;  // never inserted
        errors += scan_errors(l, k, kKeys, 100);
        kv::EpochGuard g;
        const auto le = l.last_below(perm, true);
        if (!le || le.key() != perm) errors++;
        const auto lt = l.last_below(perm);
        if (perm > 0 && (!lt || lt.key() < perm - kStride || lt.key() >= perm)) errors++;
        if (lt) {
          const auto back = l.prev(l.find(perm) ? l.find(perm) : le);
          if (!back || back.key() >= perm) errors++;
        }
      }
    });
  }
  ASSERT_NO_FATAL_FAILURE(run.finish(l, kKeys));
  kv::EpochDomain::global().collect();
}

// Hot spot: writers churn one small key range with chunk size 4, so splits
// and absorbs of the same few chunks race (helping, DEAD slots); permanent
// keys in the range are never touched and must always be found and scanned.
// Each writer owns the keys k % 4 == w, so the final contents are known.
TEST(ChunkListStress, HotSpotSplitAbsorbRaces) {
  List l(4);
  constexpr std::int64_t kRange = 256;
  constexpr int kWriters = 4;
  for (std::int64_t k = 0; k < kRange; k += kStride) l.insert(k, k * 1000);
  Stress run(kWriters);
  auto& [done, errors, threads, expected] = run;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      std::mt19937 rng(static_cast<std::uint32_t>(w + 1));
      auto& mine = expected[static_cast<std::size_t>(w)];
      for (int i = 0; i < 30000; ++i) {
        const std::int64_t k = static_cast<std::int64_t>(rng() % (kRange / kWriters)) * kWriters + w;
        if (k % kStride == 0) continue;
        if (rng() % 2) {
          if (l.insert_or_assign(k, k * 1000 + i % 1000) != (mine.count(k) == 0)) errors++;
          mine[k] = k * 1000 + i % 1000;
        } else {
          if (l.erase(k) != (mine.erase(k) == 1)) errors++;
        }
      }
    });
  }
  threads.emplace_back([&] {
    std::mt19937 rng(99);
    while (!done.load()) {
      const std::int64_t perm = static_cast<std::int64_t>(rng() % (kRange / kStride)) * kStride;
      if (!l.contains(perm)) errors++;
      errors += scan_errors(l, static_cast<std::int64_t>(rng() % kRange), kRange, 40);
    }
  });
  ASSERT_NO_FATAL_FAILURE(run.finish(l, kRange));
}

// Writers fight over the SAME keys (insert_or_assign vs erase); afterwards
// every key present is found once, in order, with a value of its own.
TEST(ChunkListStress, ConcurrentInsertEraseSameKeys) {
  List l(4);
  kvtest::fight_over_same_keys(l);
  ASSERT_TRUE(l.well_formed());
  kv::EpochGuard g;
  std::size_t count = 0;
  std::int64_t prev = -1;
  for (auto p = l.first(); p; p = l.next(p)) {
    EXPECT_GT(p.key(), prev);
    EXPECT_EQ(p.value() / 1000, p.key());
    EXPECT_TRUE(l.contains(p.key()));
    prev = p.key();
    ++count;
  }
  EXPECT_EQ(count, l.size());
}

// The directory (chunk_list_directory.hpp) under concurrency: chunks of 2
// keys, so nearly every write splits or absorbs and the directory is rebuilt
// (copy-on-write, parked slots retired) all the time, while readers search
// through whichever version they loaded. Writers insert runs of consecutive
// keys into one gap at a time (the gap's slots are missing from the
// directory until the next rebuild: long walks, the index fallback) and
// erase them again; readers check the permanent keys, keys never inserted,
// bounds and scans; the end state equals the writers' models.
TEST(ChunkListStress, DirectoryRebuildsUnderConcurrentReadersAndWriters) {
  List l(2);
  constexpr int kWriters = 2, kReaders = 2;
  constexpr std::int64_t kKeys = 8000;
  std::vector<std::pair<std::int64_t, std::int64_t>> items;
  for (std::int64_t k = 0; k < kKeys; k += kStride) items.emplace_back(k, k * 1000);
  l.bulk_load(std::move(items));
  Stress run(kWriters);
  auto& [done, errors, threads, expected] = run;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      std::mt19937 rng(static_cast<std::uint32_t>(w + 50));
      auto& mine = expected[static_cast<std::size_t>(w)];
      for (int round = 0; round < 60; ++round) {
        const std::int64_t gap = static_cast<std::int64_t>(rng() % (kKeys / kStride)) * kStride;
        for (std::int64_t k = gap + 1 + w; k < gap + kStride; k += kWriters)  // a sorted run in the gap
          kvtest::writer_step(l, static_cast<int>(rng() % 2), k, k * 1000 + round, mine, errors);
        if (rng() % 3 == 0)
          for (std::int64_t k = gap + 1 + w; k < gap + kStride; k += kWriters) kvtest::writer_step(l, 2, k, 0, mine, errors);
      }
    });
  }
  for (int r = 0; r < kReaders; ++r) {
    threads.emplace_back([&, r] {
      std::mt19937 rng(static_cast<std::uint32_t>(r + 70));
      while (!done.load()) {
        const std::int64_t k = rng() % kKeys;
        const std::int64_t perm = k / kStride * kStride;
        const auto v = l.get(perm);
        if (!v || *v != perm * 1000) errors++;
        if (l.contains(kKeys + 2 * k + 1)) errors++;  // never inserted
        errors += scan_errors(l, k, kKeys, 40);
        kv::EpochGuard g;
        const auto ub = l.upper_bound(perm);
        if (perm + kStride < kKeys && (!ub || ub.key() > perm + kStride)) errors++;
        const auto le = l.last_below(k, true);
        if (!le || le.key() < perm || le.key() > k) errors++;
      }
    });
  }
  ASSERT_NO_FATAL_FAILURE(run.finish(l, kKeys));
  kv::EpochDomain::global().collect();
}

// One thread: a directory built over 4,000 slots, then 1,000 keys into ONE
// gap (about 500 new slots there, fewer changes than the rebuild threshold):
// searches into the gap start far to the left and walk, or fall back to the
// skip-list index; every read still matches the model.
TEST(ChunkList, StaleDirectoryGapReadsMatchStdMap) {
  List l(2);
  Model m;
  std::vector<std::pair<std::int64_t, std::int64_t>> items;
  for (std::int64_t k = 0; k < 4000; ++k) {
    items.emplace_back(k * 10000, k);
    m[k * 10000] = k;
  }
  l.bulk_load(std::move(items));
  for (std::int64_t k = 1; k <= 1000; ++k) {
    ASSERT_TRUE(l.insert(20000 + k, -k));
    m[20000 + k] = -k;
  }
  ASSERT_NO_FATAL_FAILURE(kvtest::expect_chunks_match_model(l, m));
  kv::EpochGuard g;
  for (std::int64_t k = 19990; k <= 30010; k += 3) ASSERT_NO_FATAL_FAILURE(kvtest::expect_chunk_bounds_match(l, m, k));
}
