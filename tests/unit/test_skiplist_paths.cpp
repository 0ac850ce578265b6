// SkipList's right-edge fast path (skiplist.hpp's Finger: sorted inserts link
// after the previous insert's predecessors without a search) against a
// std::map: sorted inserts interleaved with erases of the last key and of
// earlier keys, inserts below the end, clear/bulk_load and a second list in
// the same thread; Value keys moved in (insert(const Key&, T&&)); then
// concurrent sorted inserts with concurrent erases near the right edge and
// readers (run under ThreadSanitizer by `make test-tsan`).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "index/skiplist.hpp"
#include "index/sql_value_order.hpp"
#include "skiplist_model.hpp"

namespace {

using kv::Value;
using IntList = kv::SkipList<std::int64_t, std::int64_t>;
using ValueList = kv::SkipList<Value, Value, kv::SqlLess>;
using ValueMap = std::map<Value, Value, kv::SqlLess>;

}  // namespace

TEST(SkipListFinger, SortedInsertsInterleavedWithErases) {
  IntList l;
  std::map<std::int64_t, std::int64_t> m;
  std::mt19937 rng(24);
  std::int64_t next = 0;
  for (int i = 0; i < 30000; ++i) {
    const int op = static_cast<int>(rng() % 100);
    if (op < 70) {  // append (the fast path)
      next += 1 + static_cast<std::int64_t>(rng() % 3);
      ASSERT_TRUE(l.insert(next, i));
      m.emplace(next, i);
    } else if (op < 78 && !m.empty()) {  // erase the last key: the remembered node goes
      const std::int64_t last = m.rbegin()->first;
      ASSERT_TRUE(l.erase(last));
      m.erase(last);
    } else if (op < 88 && next > 0) {  // erase an earlier key (maybe absent)
      const std::int64_t k = static_cast<std::int64_t>(rng() % static_cast<std::uint32_t>(next));
      ASSERT_EQ(l.erase(k), m.erase(k) == 1);
    } else if (op < 94) {  // insert below the end: the finger must not be used
      const std::int64_t k = next > 0 ? static_cast<std::int64_t>(rng() % static_cast<std::uint32_t>(next)) : 0;
      ASSERT_EQ(l.insert(k, -i), m.emplace(k, -i).second);
    } else if (op < 97) {  // the same key again: present
      ASSERT_EQ(l.insert(next, -i), m.emplace(next, -i).second);
    } else {
      ASSERT_EQ(l.insert_or_assign(next, -i), m.count(next) == 0);
      m[next] = -i;
    }
    if (i % 5000 == 0) {
      ASSERT_NO_FATAL_FAILURE(kvtest::expect_same_as_model(l, m));
    }
  }
  ASSERT_NO_FATAL_FAILURE(kvtest::expect_same_as_model(l, m));
  // A second list appended to by the same thread, alternating: each list's
  // finger belongs to that list only.
  IntList other;
  std::map<std::int64_t, std::int64_t> other_m;
  for (std::int64_t k = next + 1; k < next + 2000; ++k) {
    ASSERT_TRUE(l.insert(k, 1));
    m.emplace(k, 1);
    ASSERT_TRUE(other.insert(k * 2, 2));
    other_m.emplace(k * 2, 2);
  }
  ASSERT_NO_FATAL_FAILURE(kvtest::expect_same_as_model(l, m));
  ASSERT_NO_FATAL_FAILURE(kvtest::expect_same_as_model(other, other_m));
  // clear() and bulk_load() free every node: appends afterwards start afresh.
  l.clear();
  m.clear();
  for (std::int64_t k = 0; k < 100; ++k) {
    ASSERT_TRUE(l.insert(k, k));
    m.emplace(k, k);
  }
  std::vector<std::pair<std::int64_t, std::int64_t>> items;
  for (std::int64_t k = 0; k < 50; ++k) items.emplace_back(k * 10, k);
  l.bulk_load(std::move(items));
  m.clear();
  for (std::int64_t k = 0; k < 50; ++k) m.emplace(k * 10, k);
  for (std::int64_t k = 1000; k < 1100; ++k) {
    ASSERT_TRUE(l.insert(k, k));
    m.emplace(k, k);
  }
  ASSERT_NO_FATAL_FAILURE(kvtest::expect_same_as_model(l, m));
}

// Value keys through the move overload (what kvindex's INSERT uses): sorted
// appends of mixed kinds, each class after the one before.
TEST(SkipListFinger, SortedValueKeysMovedIn) {
  ValueList l;
  ValueMap m;
  std::vector<Value> keys;
  for (int i = 0; i < 3000; ++i) keys.push_back(Value::integer(i));
  for (int i = 0; i < 3000; ++i) keys.push_back(Value::real(3000 + i + 0.5));
  for (int i = 0; i < 3000; ++i) keys.push_back(Value::text("key" + std::to_string(100000 + i)));
  for (int i = 0; i < 3000; ++i) keys.push_back(Value::blob("blob" + std::to_string(100000 + i)));
  for (std::size_t i = 0; i < keys.size(); ++i) {
    Value v = Value::text("value-" + std::to_string(i) + std::string(40, 'x'));
    m.emplace(keys[i], v);
    ASSERT_TRUE(l.insert(keys[i], std::move(v)));
    if (i % 7 == 3) {
      ASSERT_TRUE(l.erase(keys[i - 1]));
      m.erase(keys[i - 1]);
    }
  }
  ASSERT_NO_FATAL_FAILURE(kvtest::expect_same_as_model(l, m));
}

// Writers append increasing keys on their own stripes while erasers remove
// keys (recent ones, near the right edge, and the current last ones) and
// readers scan. Every key is inserted once, so the final contents are the
// inserted keys minus those an erase reported removing.
TEST(SkipListStress, ConcurrentSortedInsertsAndErases) {
  IntList l;
  constexpr int kWriters = 2, kErasers = 2, kReaders = 2;
  constexpr std::int64_t kPerWriter = 20000;
  std::atomic<std::int64_t> high{0};  // a key below which writers have mostly inserted
  std::atomic<int> writers_left{kWriters};
  std::atomic<std::uint64_t> errors{0};
  std::vector<std::vector<std::int64_t>> erased(kErasers);
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      for (std::int64_t i = 0; i < kPerWriter; ++i) {
        const std::int64_t k = i * kWriters + w;
        if (!l.insert(k, k * 10)) errors++;
        std::int64_t h = high.load();
        while (h < k && !high.compare_exchange_weak(h, k)) {
        }
      }
      writers_left--;
    });
  }
  for (int e = 0; e < kErasers; ++e) {
    threads.emplace_back([&, e] {
      std::mt19937 rng(static_cast<std::uint32_t>(e + 40));
      auto& mine = erased[static_cast<std::size_t>(e)];
      while (writers_left.load() > 0 || mine.size() < 20) {  // some erases even if the writers finish first
        const std::int64_t h = high.load();
        std::int64_t k = h - static_cast<std::int64_t>(rng() % 8);  // at or near the right edge
        if (rng() % 4 == 0) {
          kv::EpochGuard g;
          const auto* last = l.last();
          if (last) k = last->key();
        }
        if (k >= 0 && l.erase(k)) mine.push_back(k);
      }
    });
  }
  for (int r = 0; r < kReaders; ++r) {
    threads.emplace_back([&, r] {
      std::mt19937 rng(static_cast<std::uint32_t>(r + 50));
      while (writers_left.load() > 0) {
        kv::EpochGuard g;
        const std::int64_t from = high.load() - static_cast<std::int64_t>(rng() % 200);
        std::int64_t prev = from - 1;
        for (const auto* n = l.lower_bound(from); n; n = l.next(n)) {
          if (n->key() <= prev || n->value() != n->key() * 10) errors++;
          prev = n->key();
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0u);
  std::map<std::int64_t, std::int64_t> expected;
  for (std::int64_t k = 0; k < kPerWriter * kWriters; ++k) expected.emplace(k, k * 10);
  std::size_t erased_count = 0;
  for (const auto& v : erased) {
    for (std::int64_t k : v) EXPECT_EQ(expected.erase(k), 1u) << "key " << k << " erased twice";
    erased_count += v.size();
  }
  EXPECT_GT(erased_count, 0u);
  ASSERT_NO_FATAL_FAILURE(kvtest::expect_same_as_model(l, expected));
  // Appends after the storm still land in order.
  for (std::int64_t k = kPerWriter * kWriters; k < kPerWriter * kWriters + 500; ++k) {
    ASSERT_TRUE(l.insert(k, k * 10));
    expected.emplace(k, k * 10);
  }
  ASSERT_NO_FATAL_FAILURE(kvtest::expect_same_as_model(l, expected));
  kv::EpochDomain::global().collect();
}
