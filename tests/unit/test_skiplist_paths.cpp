// SkipList's fast paths (skiplist.hpp) and what keeps them exact:
//  * rank copies beside the links (read-only searches descend on them): the
//    ranks are monotone in SQLite's value order, and searches stay exact
//    against a std::map when every copy is zeroed, saturated or random;
//  * the right-edge finger (sorted inserts link after the previous insert's
//    predecessors without a search): sorted inserts interleaved with erases
//    of the last key, of earlier keys, clear/bulk_load and a second list in
//    the same thread, then concurrent sorted inserts with concurrent erases
//    and readers (run under ThreadSanitizer by `make test-tsan`).
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <limits>
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

std::uint64_t rank(const Value& v) { return kv::SqlLess::hint_rank(kv::SqlLess::hint(v)); }

Value mixed_key(std::mt19937_64& rng) {
  switch (rng() % 7) {
    case 0: return Value::integer(static_cast<std::int64_t>(rng() % 2000) - 1000);
    case 1: return Value::real(static_cast<double>(static_cast<std::int64_t>(rng() % 4000) - 2000) / 2);
    case 2: return Value::integer(static_cast<std::int64_t>(rng()));  // any magnitude
    case 3: return Value::real(rng() % 2 ? std::ldexp(static_cast<double>(rng() % 1000), 60) : -0.0);
    case 4: return Value::text("k" + std::to_string(rng() % 500));
    case 5: return Value::text(std::string("prefix__") + static_cast<char>('a' + rng() % 3));
    default: return Value::blob(std::string(rng() % 12, static_cast<char>(rng() % 2 ? 0 : 0xff)));
  }
}

// Every read-only search of l agrees with m for `probes` keys.
template <class List, class Map, class Gen>
void expect_searches_exact(const List& l, const Map& m, Gen&& gen, int probes) {
  kv::EpochGuard g;
  for (int i = 0; i < probes; ++i) {
    const auto k = gen();
    const auto* n = l.find_node(k);
    const auto it = m.find(k);
    ASSERT_EQ(n == nullptr, it == m.end());
    if (n) {
      ASSERT_EQ(n->key(), it->first);
    }
    ASSERT_NO_FATAL_FAILURE(kvtest::expect_bounds_match(l, m, k));
  }
}

}  // namespace

TEST(SkipListRanks, MonotoneInSqlOrder) {
  std::mt19937_64 rng(21);
  int strict = 0;
  for (int i = 0; i < 200000; ++i) {
    const Value a = mixed_key(rng), b = mixed_key(rng);
    const int c = kv::sql_compare(a, b);
    if (c <= 0) {
      ASSERT_LE(rank(a), rank(b)) << kv::describe_value(a.view()) << " vs " << kv::describe_value(b.view());
    }
    if (rank(a) < rank(b)) {
      ASSERT_LT(c, 0);  // what the search relies on
      ++strict;
    }
  }
  EXPECT_GT(strict, 50000);  // the ranks decide most pairs
  EXPECT_EQ(rank(Value::integer(2)), rank(Value::real(2.0)));
  EXPECT_EQ(rank(Value::real(-0.0)), rank(Value::real(0.0)));
  EXPECT_LT(rank(Value::integer(199999)), rank(Value::integer(200000)));  // dense integers stay apart
  EXPECT_LT(rank(Value::real(std::nan(""))), rank(Value::real(-INFINITY)));
  EXPECT_LT(rank(Value::null()), rank(Value::real(std::nan(""))));
  EXPECT_LT(rank(Value::integer(std::numeric_limits<std::int64_t>::max())), rank(Value::text("")));
  EXPECT_LT(rank(Value::text("\xff\xff\xff\xff\xff\xff\xff\xff")), rank(Value::blob("")));
  EXPECT_LE(rank(Value::integer(9007199254740993)), rank(Value::real(9007199254740992.0 * 2)));
}

TEST(SkipListRanks, ScrambledCopiesGiveExactAnswers) {
  std::mt19937_64 rng(22);
  ValueList l;
  ValueMap m;
  for (int i = 0; i < 6000; ++i) {
    const Value k = mixed_key(rng);
    ASSERT_EQ(l.insert(k, Value::integer(i)), m.emplace(k, Value::integer(i)).second);
  }
  auto gen = [&] { return mixed_key(rng); };
  ASSERT_NO_FATAL_FAILURE(expect_searches_exact(l, m, gen, 3000));
  // Zeroed copies never decide; saturated ones always say "descend"; random
  // ones do either. A descent too early only costs speed.
  const std::vector<std::pair<const char*, std::uint64_t (*)(std::uint64_t)>> scramblers = {
      {"zero", [](std::uint64_t) -> std::uint64_t { return 0; }},
      {"max", [](std::uint64_t) -> std::uint64_t { return ~std::uint64_t{0}; }},
      {"flipped", [](std::uint64_t r) -> std::uint64_t { return ~r; }},
  };
  for (const auto& [name, f] : scramblers) {
    SCOPED_TRACE(name);
    l.overwrite_rank_copies_for_testing(f);
    ASSERT_NO_FATAL_FAILURE(expect_searches_exact(l, m, gen, 3000));
  }
  std::mt19937_64 noise(5);
  l.overwrite_rank_copies_for_testing([&](std::uint64_t) { return noise(); });
  ASSERT_NO_FATAL_FAILURE(expect_searches_exact(l, m, gen, 3000));
  // Writes over scrambled copies (they rewrite only the links they change),
  // then searches again.
  for (int i = 0; i < 6000; ++i) {
    const Value k = mixed_key(rng);
    if (rng() % 2) {
      ASSERT_EQ(l.erase(k), m.erase(k) == 1);
    } else {
      ASSERT_EQ(l.insert(k, Value::integer(-i)), m.emplace(k, Value::integer(-i)).second);
    }
    if (i % 1000 == 0) l.overwrite_rank_copies_for_testing([&](std::uint64_t) { return noise(); });
  }
  ASSERT_NO_FATAL_FAILURE(expect_searches_exact(l, m, gen, 3000));
  ASSERT_NO_FATAL_FAILURE(kvtest::expect_same_as_model(l, m));
}

TEST(SkipListRanks, IntegralKeysWithScrambledCopies) {
  IntList l;
  std::map<std::int64_t, std::int64_t> m;
  std::mt19937_64 rng(23);
  auto gen = [&] {
    const std::int64_t k = static_cast<std::int64_t>(rng() % 20000) - 10000;
    return rng() % 50 ? k : (rng() % 2 ? std::numeric_limits<std::int64_t>::min() : std::numeric_limits<std::int64_t>::max());
  };
  for (int i = 0; i < 8000; ++i) {
    const std::int64_t k = gen();
    ASSERT_EQ(l.insert(k, i), m.emplace(k, i).second);
  }
  ASSERT_NO_FATAL_FAILURE(expect_searches_exact(l, m, gen, 4000));
  std::mt19937_64 noise(6);
  l.overwrite_rank_copies_for_testing([&](std::uint64_t) { return noise() % 3 == 0 ? 0 : noise(); });
  ASSERT_NO_FATAL_FAILURE(expect_searches_exact(l, m, gen, 4000));
}

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
