// Checks a kv::ChunkedSkipList against a std::map model with the same order,
// shared by the chunked skip-list tests (test_chunk_list*.cpp). GoogleTest
// fatal assertions end only the helper: call them through ASSERT_NO_FATAL_FAILURE.
#pragma once

#include <gtest/gtest.h>

#include <iterator>

#include "index/epoch.hpp"

namespace kvtest {

// Structurally valid, same size, and the same (key, value) pairs walking
// forward and backward. Exclusive access.
template <class List, class Map>
void expect_chunks_match_model(const List& l, const Map& m) {
  ASSERT_TRUE(l.well_formed());
  kv::EpochGuard g;
  ASSERT_EQ(l.size(), m.size());
  auto p = l.first();
  for (const auto& [k, v] : m) {
    ASSERT_TRUE(p);
    ASSERT_EQ(p.key(), k);
    ASSERT_EQ(p.value(), v);
    p = l.next(p);
  }
  ASSERT_FALSE(p);
  p = l.last();
  for (auto it = m.rbegin(); it != m.rend(); ++it) {
    ASSERT_TRUE(p);
    ASSERT_EQ(p.key(), it->first);
    ASSERT_EQ(p.value(), it->second);
    p = l.prev(p);
  }
  ASSERT_FALSE(p);
}

// find, lower_bound, upper_bound and last_below (strict and inclusive) of k
// agree with the model's. The caller holds an EpochGuard.
template <class List, class Map, class Key>
void expect_chunk_bounds_match(const List& l, const Map& m, const Key& k) {
  const auto f = l.find(k);
  const auto mf = m.find(k);
  ASSERT_EQ(static_cast<bool>(f), mf != m.end());
  if (f) {
    ASSERT_EQ(f.value(), mf->second);
  }
  const auto lb = l.lower_bound(k);
  const auto mlb = m.lower_bound(k);
  ASSERT_EQ(static_cast<bool>(lb), mlb != m.end());
  if (lb) {
    ASSERT_EQ(lb.key(), mlb->first);
  }
  const auto ub = l.upper_bound(k);
  const auto mub = m.upper_bound(k);
  ASSERT_EQ(static_cast<bool>(ub), mub != m.end());
  if (ub) {
    ASSERT_EQ(ub.key(), mub->first);
  }
  const auto lt = l.last_below(k);
  ASSERT_EQ(static_cast<bool>(lt), mlb != m.begin());
  if (lt) {
    ASSERT_EQ(lt.key(), std::prev(mlb)->first);
  }
  const auto le = l.last_below(k, true);
  ASSERT_EQ(static_cast<bool>(le), mub != m.begin());
  if (le) {
    ASSERT_EQ(le.key(), std::prev(mub)->first);
  }
}

}  // namespace kvtest
