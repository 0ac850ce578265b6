// CsbTree: property tests against std::map, edge cases, bulk load.
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "index/csbtree.hpp"
#include "index/sql_value_order.hpp"

namespace {

using Tree = kv::CsbTree<std::int64_t, std::int64_t>;

// Checks the tree equals the model, in both directions and by bounds.
void expect_same(const Tree& t, const std::map<std::int64_t, std::int64_t>& m) {
  ASSERT_NO_THROW(t.check_invariants());
  ASSERT_EQ(t.size(), m.size());
  auto it = t.begin();
  for (const auto& [k, v] : m) {
    ASSERT_NE(it, t.end());
    ASSERT_EQ(it.key(), k);
    ASSERT_EQ(it.value(), v);
    ++it;
  }
  ASSERT_EQ(it, t.end());
  auto rit = t.end();
  for (auto mit = m.rbegin(); mit != m.rend(); ++mit) {
    --rit;
    ASSERT_EQ(rit.key(), mit->first);
  }
  ASSERT_EQ(rit, t.begin());
}

void random_ops(std::size_t order, std::uint32_t seed, int ops, std::int64_t key_space) {
  Tree t(order);
  std::map<std::int64_t, std::int64_t> m;
  std::mt19937 rng(seed);
  std::uniform_int_distribution<std::int64_t> key(0, key_space);
  for (int i = 0; i < ops; ++i) {
    const std::int64_t k = key(rng);
    const int op = static_cast<int>(rng() % 100);
    if (op < 35) {
      auto [p, inserted] = t.insert(k, i);
      auto [mit, minserted] = m.emplace(k, i);
      ASSERT_EQ(inserted, minserted);
      ASSERT_EQ(*p, mit->second);
    } else if (op < 45) {
      auto [p, inserted] = t.insert_or_assign(k, i);
      ASSERT_EQ(inserted, m.count(k) == 0);
      m[k] = i;
      ASSERT_EQ(*p, i);
    } else if (op < 80) {
      ASSERT_EQ(t.erase(k), m.erase(k) == 1);
    } else if (op < 90) {
      auto lb = t.lower_bound(k);
      auto mlb = m.lower_bound(k);
      ASSERT_EQ(lb == t.end(), mlb == m.end());
      if (mlb != m.end()) {
        ASSERT_EQ(lb.key(), mlb->first);
      }
      auto ub = t.upper_bound(k);
      auto mub = m.upper_bound(k);
      ASSERT_EQ(ub == t.end(), mub == m.end());
      if (mub != m.end()) {
        ASSERT_EQ(ub.key(), mub->first);
      }
      if (mub != m.begin() && ub != t.begin()) {
        --ub;
        --mub;
        ASSERT_EQ(ub.key(), mub->first);
      }
    } else {
      const std::int64_t* p = t.find(k);
      auto mit = m.find(k);
      ASSERT_EQ(p != nullptr, mit != m.end());
      if (p) {
        ASSERT_EQ(*p, mit->second);
      }
    }
    if (i % 997 == 0) {
      ASSERT_NO_THROW(t.check_invariants()) << "op " << i;
    }
  }
  expect_same(t, m);
  // Drain completely: merges all the way back to a root leaf.
  std::vector<std::int64_t> keys;
  for (auto& kv : m) keys.push_back(kv.first);
  std::shuffle(keys.begin(), keys.end(), rng);
  for (std::size_t i = 0; i < keys.size(); ++i) {
    ASSERT_TRUE(t.erase(keys[i]));
    m.erase(keys[i]);
    if (i % 101 == 0) expect_same(t, m);
  }
  expect_same(t, m);
  EXPECT_EQ(t.height(), 0);
}

}  // namespace

TEST(CsbTree, EmptyTree) {
  Tree t;
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.begin(), t.end());
  EXPECT_EQ(t.lower_bound(5), t.end());
  EXPECT_EQ(t.find(5), nullptr);
  EXPECT_FALSE(t.erase(5));
  EXPECT_NO_THROW(t.check_invariants());
}

TEST(CsbTree, OneKeyAndDuplicates) {
  Tree t;
  EXPECT_TRUE(t.insert(7, 70).second);
  auto [p, inserted] = t.insert(7, 71);
  EXPECT_FALSE(inserted);
  EXPECT_EQ(*p, 70);  // insert keeps the existing value
  EXPECT_FALSE(t.insert_or_assign(7, 72).second);
  EXPECT_EQ(*t.find(7), 72);
  EXPECT_EQ(t.size(), 1u);
  EXPECT_EQ(t.begin().key(), 7);
  EXPECT_EQ((--t.end()).key(), 7);
  EXPECT_TRUE(t.erase(7));
  EXPECT_FALSE(t.erase(7));
  EXPECT_TRUE(t.empty());
}

TEST(CsbTree, OrderLimits) {
  EXPECT_THROW(Tree(2), std::invalid_argument);
  EXPECT_THROW(Tree(0), std::invalid_argument);
  EXPECT_NO_THROW(Tree(3));
}

TEST(CsbTree, RandomOpsOrder3) { random_ops(3, 1, 30000, 2000); }
TEST(CsbTree, RandomOpsOrder4) { random_ops(4, 2, 30000, 3000); }
TEST(CsbTree, RandomOpsOrder7) { random_ops(7, 3, 30000, 5000); }
TEST(CsbTree, RandomOpsDefaultOrder) { random_ops(63, 4, 60000, 50000); }

TEST(CsbTree, SequentialInsertBothDirections) {
  for (std::size_t order : {3u, 5u, 63u}) {
    Tree up(order), down(order);
    std::map<std::int64_t, std::int64_t> m;
    for (std::int64_t i = 0; i < 5000; ++i) {
      up.insert(i, -i);
      down.insert(4999 - i, -(4999 - i));
      m[i] = -i;
    }
    expect_same(up, m);
    expect_same(down, m);
  }
}

TEST(CsbTree, BulkLoadThenMutate) {
  for (std::size_t order : {3u, 4u, 63u}) {
    for (std::size_t n : {0u, 1u, 2u, 3u, 4u, 5u, 17u, 64u, 65u, 4097u, 20000u}) {
      Tree t(order);
      std::map<std::int64_t, std::int64_t> m;
      std::vector<std::pair<std::int64_t, std::int64_t>> items;
      for (std::size_t i = 0; i < n; ++i) {
        items.emplace_back(static_cast<std::int64_t>(i * 3), static_cast<std::int64_t>(i));
        m[static_cast<std::int64_t>(i * 3)] = static_cast<std::int64_t>(i);
      }
      t.bulk_load(std::move(items));
      expect_same(t, m);
      std::mt19937 rng(static_cast<std::uint32_t>(n + order));
      for (int i = 0; i < 3000; ++i) {
        const std::int64_t k = rng() % (3 * n + 10);
        if (rng() % 2) {
          ASSERT_EQ(t.insert(k, i).second, m.emplace(k, i).second);
        } else {
          ASSERT_EQ(t.erase(k), m.erase(k) == 1);
        }
      }
      expect_same(t, m);
    }
  }
}

TEST(CsbTree, BulkLoadRejectsUnsortedOrDuplicateInput) {
  Tree t;
  t.insert(1, 1);
  std::vector<std::pair<std::int64_t, std::int64_t>> dup = {{1, 1}, {2, 2}, {2, 3}};
  EXPECT_THROW(t.bulk_load(std::move(dup)), std::invalid_argument);
  EXPECT_TRUE(t.empty());
  std::vector<std::pair<std::int64_t, std::int64_t>> unsorted = {{3, 1}, {2, 2}};
  EXPECT_THROW(t.bulk_load(std::move(unsorted)), std::invalid_argument);
}

TEST(CsbTree, WorksWithSqlValuesAndNonTrivialKeys) {
  kv::CsbTree<kv::Value, kv::Value, kv::SqlLess> t(3);
  std::map<kv::Value, kv::Value, kv::SqlLess> m;
  std::mt19937 rng(9);
  for (int i = 0; i < 4000; ++i) {
    kv::Value k;
    switch (rng() % 4) {
      case 0: k = kv::Value::integer(rng() % 300); break;
      case 1: k = kv::Value::real((rng() % 600) / 2.0); break;
      case 2: k = kv::Value::text("text-key-long-enough-to-allocate-" + std::to_string(rng() % 300)); break;
      default: k = kv::Value::blob(std::string(rng() % 20, 'x')); break;
    }
    if (rng() % 3) {
      auto [p, ins] = t.insert_or_assign(k, kv::Value::integer(i));
      ASSERT_EQ(ins, m.count(k) == 0);
      m[k] = kv::Value::integer(i);
      (void)p;
    } else {
      ASSERT_EQ(t.erase(k), m.erase(k) == 1);
    }
  }
  ASSERT_NO_THROW(t.check_invariants());
  ASSERT_EQ(t.size(), m.size());
  auto it = t.begin();
  for (auto& [k, v] : m) {
    ASSERT_EQ(kv::sql_compare(it.key(), k), 0);
    ASSERT_EQ(it.value(), v);
    ++it;
  }
  // 2 and 2.0 are the same key.
  t.insert_or_assign(kv::Value::integer(2), kv::Value::text("two"));
  EXPECT_FALSE(t.insert(kv::Value::real(2.0), kv::Value::null()).second);
  EXPECT_EQ(t.find(kv::Value::real(2.0))->bytes, "two");
}
