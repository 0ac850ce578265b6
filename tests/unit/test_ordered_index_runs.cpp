// IndexCursor::run / next_run / prev_run (ordered_index.hpp), the block walk
// kvindex's scans use: for both backends (the CSB+-tree's leaves at several
// orders; the skip list's default run of one row), walking runs forward and
// backward from every kind of seek visits exactly the keys, in order, that
// stepping key by key visits, with the matching values; next_run / prev_run
// leave the block wherever in it the cursor stood; an invalid cursor's run
// is empty.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/value.hpp"
#include "index/ordered_index.hpp"

namespace {

using kv::IndexBackend;
using kv::Value;

struct Param {
  IndexBackend backend;
  std::size_t order;
};

constexpr int kKeys = 500;

class IndexRuns : public ::testing::TestWithParam<Param> {
 protected:
  void SetUp() override {
    index_ = kv::OrderedIndex::make(GetParam().backend, GetParam().order);
    // Keys 0, 2, ..., 2(n-1), values "v<key>", in a scattered insert order.
    for (int i = 0; i < kKeys; ++i) {
      const int k = (i * 37) % kKeys;
      index_->insert_absent(Value::integer(2 * k), Value::text("v" + std::to_string(2 * k)));
    }
  }
  std::unique_ptr<kv::OrderedIndex> index_;
};

const Value& at(const Value* base, std::size_t i, std::size_t stride) {
  return *reinterpret_cast<const Value*>(reinterpret_cast<const char*>(base) + i * stride);
}

// The keys a walk over runs visits from the cursor's position to the end in
// one direction, checking each value against its key.
std::vector<long long> walk(kv::IndexCursor& c, bool forward) {
  std::vector<long long> keys;
  for (kv::IndexCursor::Run r = c.run(); r.size > 0; r = forward ? c.next_run() : c.prev_run()) {
    EXPECT_LT(r.pos, r.size);
    for (std::size_t i = r.pos;; forward ? ++i : --i) {
      const Value& k = at(r.key, i, r.stride);
      EXPECT_EQ(at(r.value, i, r.stride).bytes, "v" + std::to_string(k.i));
      keys.push_back(k.i);
      if (forward ? i + 1 == r.size : i == 0) break;
    }
  }
  return keys;
}

// The stored keys that satisfy pred, ascending or descending.
template <class Pred>
std::vector<long long> keys_where(Pred pred, bool forward) {
  std::vector<long long> keys;
  for (long long k = 0; k < 2 * kKeys; k += 2)
    if (pred(k)) keys.push_back(k);
  if (!forward) std::reverse(keys.begin(), keys.end());
  return keys;
}

TEST_P(IndexRuns, WalkingRunsVisitsWhatSteppingVisits) {
  auto c = index_->cursor();
  const auto all = [](long long) { return true; };
  c->seek_first();
  EXPECT_EQ(walk(*c, true), keys_where(all, true));
  c->seek_last();
  EXPECT_EQ(walk(*c, false), keys_where(all, false));
  for (long long p : {-5LL, 0LL, 1LL, 2LL, 101LL, 500LL, 997LL, 998LL, 999LL, 5000LL}) {
    c->seek_ge(Value::integer(p));
    EXPECT_EQ(walk(*c, true), keys_where([&](long long k) { return k >= p; }, true)) << "seek_ge " << p;
    c->seek_gt(Value::integer(p));
    EXPECT_EQ(walk(*c, true), keys_where([&](long long k) { return k > p; }, true)) << "seek_gt " << p;
    c->seek_le(Value::integer(p));
    EXPECT_EQ(walk(*c, false), keys_where([&](long long k) { return k <= p; }, false)) << "seek_le " << p;
    c->seek_lt(Value::integer(p));
    EXPECT_EQ(walk(*c, false), keys_where([&](long long k) { return k < p; }, false)) << "seek_lt " << p;
  }
}

TEST_P(IndexRuns, NextAndPrevRunLeaveTheBlockFromAnyPositionInIt) {
  auto c = index_->cursor();
  c->seek_ge(Value::integer(300));
  const kv::IndexCursor::Run r = c->run();
  ASSERT_GT(r.size, 0u);
  EXPECT_EQ(at(r.key, r.pos, r.stride).i, 300);
  EXPECT_EQ(&at(r.key, r.pos, r.stride), &c->key());
  EXPECT_EQ(&at(r.value, r.pos, r.stride), &c->value());
  const long long first = at(r.key, 0, r.stride).i, last = at(r.key, r.size - 1, r.stride).i;
  const kv::IndexCursor::Run after = c->next_run();
  ASSERT_GT(after.size, 0u);
  EXPECT_EQ(after.pos, 0u);
  EXPECT_EQ(at(after.key, 0, after.stride).i, last + 2);
  c->seek_ge(Value::integer(300));
  const kv::IndexCursor::Run before = c->prev_run();
  ASSERT_GT(before.size, 0u);
  EXPECT_EQ(before.pos, before.size - 1);
  EXPECT_EQ(at(before.key, before.pos, before.stride).i, first - 2);
}

TEST_P(IndexRuns, AnInvalidCursorHasAnEmptyRun) {
  auto c = index_->cursor();
  c->seek_gt(Value::integer(2 * kKeys));
  EXPECT_FALSE(c->valid());
  EXPECT_EQ(c->run().size, 0u);
  c->seek_last();
  EXPECT_EQ(c->next_run().size, 0u);
  c->seek_first();
  EXPECT_EQ(c->prev_run().size, 0u);
  auto empty = kv::OrderedIndex::make(GetParam().backend, GetParam().order);
  auto e = empty->cursor();
  e->seek_first();
  EXPECT_EQ(e->run().size, 0u);
}

INSTANTIATE_TEST_SUITE_P(Backends, IndexRuns,
                         ::testing::Values(Param{IndexBackend::csbtree, 3}, Param{IndexBackend::csbtree, 4},
                                           Param{IndexBackend::csbtree, 63}, Param{IndexBackend::skiplist, 0}),
                         [](const ::testing::TestParamInfo<Param>& p) {
                           return std::string(kv::backend_name(p.param.backend)) + "_" +
                                  std::to_string(p.param.order);
                         });

}  // namespace
