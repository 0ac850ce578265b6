// SkipList: property tests against std::map, and a multi-threaded stress test
// (run under ThreadSanitizer by `make test-tsan`).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <random>
#include <thread>
#include <vector>

#include "index/skiplist.hpp"
#include "index/sql_value_order.hpp"
#include "skiplist_model.hpp"

namespace {

using List = kv::SkipList<std::int64_t, std::int64_t>;

}  // namespace

TEST(SkipList, EmptyAndSingle) {
  List l;
  EXPECT_TRUE(l.empty());
  EXPECT_FALSE(l.erase(1));
  EXPECT_FALSE(l.get(1).has_value());
  {
    kv::EpochGuard g;
    EXPECT_EQ(l.first(), nullptr);
    EXPECT_EQ(l.last(), nullptr);
    EXPECT_EQ(l.lower_bound(0), nullptr);
  }
  EXPECT_TRUE(l.insert(1, 10));
  EXPECT_FALSE(l.insert(1, 11));  // reported, and the old value is kept
  EXPECT_EQ(*l.get(1), 10);
  EXPECT_FALSE(l.insert_or_assign(1, 12));
  EXPECT_EQ(*l.get(1), 12);
  EXPECT_TRUE(l.erase(1));
  EXPECT_FALSE(l.contains(1));
}

TEST(SkipList, RandomOpsMatchStdMap) {
  List l;
  std::map<std::int64_t, std::int64_t> m;
  std::mt19937 rng(5);
  for (int i = 0; i < 40000; ++i) {
    const std::int64_t k = rng() % 3000;
    const int op = static_cast<int>(rng() % 100);
    if (op < 35) {
      ASSERT_EQ(l.insert(k, i), m.emplace(k, i).second);
    } else if (op < 45) {
      ASSERT_EQ(l.insert_or_assign(k, i), m.count(k) == 0);
      m[k] = i;
    } else if (op < 80) {
      ASSERT_EQ(l.erase(k), m.erase(k) == 1);
    } else {
      kv::EpochGuard g;
      ASSERT_NO_FATAL_FAILURE(kvtest::expect_bounds_match(l, m, k));
    }
  }
  ASSERT_NO_FATAL_FAILURE(kvtest::expect_same_as_model(l, m));
}

TEST(SkipList, BulkLoad) {
  List l;
  l.insert(100, 1);
  std::vector<std::pair<std::int64_t, std::int64_t>> items;
  std::map<std::int64_t, std::int64_t> m;
  for (std::int64_t i = 0; i < 10000; ++i) {
    items.emplace_back(i * 2, i);
    m[i * 2] = i;
  }
  l.bulk_load(std::move(items));
  ASSERT_NO_FATAL_FAILURE(kvtest::expect_same_as_model(l, m));
  for (std::int64_t i = 0; i < 20000; i += 3) {
    ASSERT_EQ(l.erase(i), m.erase(i) == 1);
  }
  ASSERT_NO_FATAL_FAILURE(kvtest::expect_same_as_model(l, m));
  std::vector<std::pair<std::int64_t, std::int64_t>> bad = {{1, 1}, {1, 2}};
  EXPECT_THROW(l.bulk_load(std::move(bad)), std::invalid_argument);
  EXPECT_TRUE(l.empty());
}

TEST(SkipList, SqlValueKeys) {
  kv::SkipList<kv::Value, kv::Value, kv::SqlLess> l;
  EXPECT_TRUE(l.insert(kv::Value::integer(2), kv::Value::text("two")));
  EXPECT_FALSE(l.insert(kv::Value::real(2.0), kv::Value::null()));
  EXPECT_EQ(l.get(kv::Value::real(2.0))->bytes, "two");
  EXPECT_TRUE(l.insert(kv::Value::text("a"), kv::Value::null()));
  EXPECT_TRUE(l.insert(kv::Value::real(1.5), kv::Value::null()));
  kv::EpochGuard g;
  EXPECT_EQ(l.first()->key().r, 1.5);
  EXPECT_EQ(l.last()->key().bytes, "a");
}

// 4 writers on disjoint key stripes (insert, replace, erase) + 4 readers doing
// lookups and ordered range scans; then the final contents are checked against
// what each writer's deterministic sequence leaves behind.
TEST(SkipListStress, ConcurrentWritersAndReaders) {
  List l;
  constexpr int kWriters = 4, kReaders = 4;
  constexpr std::int64_t kKeysPerWriter = 4000;
  constexpr int kRounds = 6;
  std::atomic<bool> done{false};
  std::atomic<std::uint64_t> reader_errors{0};
  std::vector<std::thread> threads;
  std::vector<std::map<std::int64_t, std::int64_t>> expected(kWriters);
  kvtest::start_stripe_writers(threads, l, expected, reader_errors, kKeysPerWriter * kWriters, kRounds,
                               [](std::int64_t) { return false; });
  for (int r = 0; r < kReaders; ++r) {
    threads.emplace_back([&, r] {
      std::mt19937 rng(static_cast<std::uint32_t>(r + 7));
      while (!done.load()) {
        const std::int64_t k = rng() % (kKeysPerWriter * kWriters);
        if (auto v = l.get(k)) {
          if (*v / 1000 != k) reader_errors++;  // a value always belongs to its key
        }
        kv::EpochGuard g;
        const auto* n = l.lower_bound(k);
        std::int64_t prev = k - 1;
        for (int steps = 0; n && steps < 100; ++steps, n = l.next(n)) {
          if (n->key() <= prev) reader_errors++;  // strictly increasing, no repeats
          if (n->value() / 1000 != n->key()) reader_errors++;
          prev = n->key();
        }
      }
    });
  }
  for (int w = 0; w < kWriters; ++w) threads[static_cast<std::size_t>(w)].join();
  done = true;
  for (std::size_t t = kWriters; t < threads.size(); ++t) threads[t].join();
  EXPECT_EQ(reader_errors.load(), 0u);
  std::map<std::int64_t, std::int64_t> all;
  for (auto& m : expected) all.insert(m.begin(), m.end());
  ASSERT_NO_FATAL_FAILURE(kvtest::expect_same_as_model(l, all));
  kv::EpochDomain::global().collect();
}

TEST(SkipListStress, ConcurrentInsertEraseSameKeys) {
  // Writers fight over the same small key range; at the end, every key that is
  // present must be findable exactly once in order.
  List l;
  kvtest::fight_over_same_keys(l);
  kv::EpochGuard g;
  std::size_t count = 0;
  std::int64_t prev = -1;
  for (const auto* n = l.first(); n; n = l.next(n)) {
    EXPECT_GT(n->key(), prev);
    EXPECT_EQ(n->value() / 1000, n->key());
    EXPECT_TRUE(l.contains(n->key()));
    prev = n->key();
    ++count;
  }
  EXPECT_EQ(count, l.size());
}
