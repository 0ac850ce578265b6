// Checks a kv::SkipList against a std::map model with the same order, shared
// by the skip-list tests (test_skiplist.cpp, test_skiplist_layout.cpp). GoogleTest
// fatal assertions end only the helper: call them through ASSERT_NO_FATAL_FAILURE.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <iterator>
#include <map>
#include <random>
#include <thread>
#include <vector>

#include "index/epoch.hpp"

namespace kvtest {

// One writer step of the concurrent tests (skip list and chunked list): op 0
// inserts, 1 inserts or assigns, 2 erases k, mirrored in the writer's own
// model `mine`; a return value that disagrees with the model counts an error.
template <class List>
void writer_step(List& l, int op, std::int64_t k, std::int64_t v, std::map<std::int64_t, std::int64_t>& mine,
                 std::atomic<std::uint64_t>& errors) {
  if (op == 0) {
    if (l.insert(k, v) != (mine.count(k) == 0)) errors++;
    mine.emplace(k, v);
  } else if (op == 1) {
    l.insert_or_assign(k, v);
    mine[k] = v;
  } else {
    if (l.erase(k) != (mine.erase(k) == 1)) errors++;
  }
}

// Starts one writer per model in `expected`: writer w owns the keys
// k % writers == w below max (but those kept(k) says are permanent) and makes
// `rounds` passes over them of random writer_steps (values k * 1000 + round),
// mirrored in expected[w]. The stress tests of both lists.
template <class List, class Kept>
void start_stripe_writers(std::vector<std::thread>& threads, List& l,
                          std::vector<std::map<std::int64_t, std::int64_t>>& expected,
                          std::atomic<std::uint64_t>& errors, std::int64_t max, int rounds, Kept kept) {
  const auto writers = static_cast<std::int64_t>(expected.size());
  for (std::int64_t w = 0; w < writers; ++w) {
    threads.emplace_back([&l, &expected, &errors, max, rounds, kept, writers, w] {
      std::mt19937 rng(static_cast<std::uint32_t>(w + 100));
      auto& mine = expected[static_cast<std::size_t>(w)];
      for (int round = 0; round < rounds; ++round) {
        for (std::int64_t k = w; k < max; k += writers) {
          if (kept(k)) continue;
          const int op = static_cast<int>(rng() % 3);
          writer_step(l, op, k, k * 1000 + round, mine, errors);
        }
      }
    });
  }
}

// 4 writers fight over the SAME 64 keys, 20,000 steps each: insert_or_assign
// (value k * 1000 + writer) or erase, chosen at random (the concurrent
// same-keys tests of both lists; the caller checks what is left).
template <class List>
void fight_over_same_keys(List& l) {
  std::vector<std::thread> threads;
  for (int w = 0; w < 4; ++w) {
    threads.emplace_back([&l, w] {
      std::mt19937 rng(static_cast<std::uint32_t>(w));
      for (int i = 0; i < 20000; ++i) {
        const std::int64_t k = rng() % 64;
        if (rng() % 2)
          l.insert_or_assign(k, k * 1000 + w);
        else
          l.erase(k);
      }
    });
  }
  for (auto& t : threads) t.join();
}

// Same size, and the same (key, value) pairs walking forward and backward.
template <class List, class Map>
void expect_same_as_model(const List& l, const Map& m) {
  kv::EpochGuard g;
  ASSERT_EQ(l.size(), m.size());
  const auto* n = l.first();
  for (const auto& [k, v] : m) {
    ASSERT_NE(n, nullptr);
    ASSERT_EQ(n->key(), k);
    ASSERT_EQ(n->value(), v);
    n = l.next(n);
  }
  ASSERT_EQ(n, nullptr);
  n = l.last();
  for (auto it = m.rbegin(); it != m.rend(); ++it) {
    ASSERT_NE(n, nullptr);
    ASSERT_EQ(n->key(), it->first);
    ASSERT_EQ(n->value(), it->second);
    n = l.prev(n);
  }
  ASSERT_EQ(n, nullptr);
}

// lower_bound, upper_bound and last_below (strict and inclusive) of k agree
// with the model's. The caller holds an EpochGuard.
template <class List, class Map, class Key>
void expect_bounds_match(const List& l, const Map& m, const Key& k) {
  const auto* lb = l.lower_bound(k);
  const auto mlb = m.lower_bound(k);
  ASSERT_EQ(lb == nullptr, mlb == m.end());
  if (lb) {
    ASSERT_EQ(lb->key(), mlb->first);
  }
  const auto* ub = l.upper_bound(k);
  const auto mub = m.upper_bound(k);
  ASSERT_EQ(ub == nullptr, mub == m.end());
  if (ub) {
    ASSERT_EQ(ub->key(), mub->first);
  }
  const auto* lt = l.last_below(k);
  ASSERT_EQ(lt == nullptr, mlb == m.begin());
  if (lt) {
    ASSERT_EQ(lt->key(), std::prev(mlb)->first);
  }
  const auto* le = l.last_below(k, true);
  ASSERT_EQ(le == nullptr, mub == m.begin());
  if (le) {
    ASSERT_EQ(le->key(), std::prev(mub)->first);
  }
}

}  // namespace kvtest
