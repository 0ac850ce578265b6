// The kvindex engine (src/index/ordered_index.hpp): both backends behind one
// interface, and the undo Journal with SQLite's savepoint numbering.
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "common/error.hpp"
#include "index/ordered_index.hpp"
#include "index/sql_value_order.hpp"

namespace {

using kv::Value;

std::map<Value, Value, kv::SqlLess> contents(const kv::OrderedIndex& idx) {
  std::map<Value, Value, kv::SqlLess> m;
  auto c = idx.cursor();
  for (c->seek_first(); c->valid(); c->next()) m.emplace(c->key(), c->value());
  return m;
}

class Store : public ::testing::TestWithParam<kv::IndexBackend> {};

TEST_P(Store, CursorSeeksBothWays) {
  auto idx = kv::OrderedIndex::make(GetParam(), 3);
  for (int i = 0; i < 50; i += 2) idx->put(Value::integer(i), Value::integer(i * 10));
  auto c = idx->cursor();
  c->seek_ge(Value::real(7.5));
  ASSERT_TRUE(c->valid());
  EXPECT_EQ(c->key().i, 8);
  c->seek_gt(Value::integer(8));
  EXPECT_EQ(c->key().i, 10);
  c->seek_le(Value::real(7.5));
  EXPECT_EQ(c->key().i, 6);
  c->seek_lt(Value::integer(6));
  EXPECT_EQ(c->key().i, 4);
  c->prev();
  EXPECT_EQ(c->key().i, 2);
  c->seek_last();
  EXPECT_EQ(c->key().i, 48);
  c->next();
  EXPECT_FALSE(c->valid());
  c->seek_lt(Value::integer(0));
  EXPECT_FALSE(c->valid());
}

TEST_P(Store, PutTakesTheNewKeyRepresentation) {
  auto idx = kv::OrderedIndex::make(GetParam(), 63);
  EXPECT_TRUE(idx->put(Value::integer(2), Value::text("a")));
  EXPECT_FALSE(idx->put(Value::real(2.0), Value::text("b")));
  auto f = idx->lookup(Value::integer(2));
  ASSERT_NE(f.key, nullptr);
  EXPECT_EQ(f.key->kind, kv::Kind::real);
  EXPECT_EQ(f.value->bytes, "b");
  EXPECT_EQ(idx->size(), 1u);
}

TEST_P(Store, BulkLoadRejectsDuplicatesInTheOrdering) {
  auto idx = kv::OrderedIndex::make(GetParam(), 63);
  std::vector<std::pair<Value, Value>> rows = {{Value::integer(2), Value::null()},
                                               {Value::real(2.0), Value::null()}};
  try {
    idx->bulk_load(std::move(rows));
    FAIL() << "expected kv::Error";
  } catch (const kv::Error& e) {
    EXPECT_EQ(e.code(), kv::Errc::corrupt);
    EXPECT_NE(std::string(e.what()).find("2 then 2"), std::string::npos) << e.what();
  }
}

TEST_P(Store, JournalUndoesExactlyPerSavepointLevel) {
  auto idx = kv::OrderedIndex::make(GetParam(), 3);
  kv::Journal j;
  std::mt19937 rng(11);
  auto apply_random = [&](int n) {
    for (int i = 0; i < n; ++i) {
      const Value k = (rng() % 2) ? Value::integer(rng() % 40) : Value::real((rng() % 40) * 1.0);
      if (rng() % 3 == 0)
        j.erase(*idx, k);
      else
        j.put(*idx, k, Value::integer(i), idx->lookup(k));
    }
  };
  apply_random(100);
  const auto base = contents(*idx);
  j.clear();  // committed
  apply_random(50);
  j.savepoint(0);
  const auto at0 = contents(*idx);
  apply_random(50);
  j.savepoint(1);
  apply_random(50);
  j.rollback_to(1, *idx);
  apply_random(20);
  j.release(1);
  j.rollback_to(0, *idx);
  EXPECT_EQ(contents(*idx), at0);
  apply_random(30);
  j.rollback_to(-1, *idx);  // before every savepoint: the start of the transaction
  EXPECT_EQ(contents(*idx), base);
  apply_random(30);
  j.rollback_all(*idx);
  EXPECT_EQ(contents(*idx), base);
  // Key representations (2 vs 2.0) come back too.
  const auto again = contents(*idx);
  for (const auto& [k, v] : base) EXPECT_EQ(again.find(k)->first.kind, k.kind);
}

TEST_P(Store, TouchedKeysAreSortedAndDistinct) {
  auto idx = kv::OrderedIndex::make(GetParam(), 63);
  kv::Journal j;
  for (const Value& k :
       {Value::text("b"), Value::integer(2), Value::real(2.0), Value::text("a"), Value::integer(1)}) {
    j.put(*idx, k, Value::null(), idx->lookup(k));
  }
  const auto keys = j.changes(*idx);  // "b" went in as an append: listed too
  ASSERT_EQ(keys.size(), 4u);
  EXPECT_EQ(keys[0].key->i, 1);
  EXPECT_EQ(kv::sql_compare(*keys[1].key, Value::integer(2)), 0);
  EXPECT_EQ(keys[2].key->bytes, "a");
  EXPECT_EQ(keys[3].key->bytes, "b");
}

INSTANTIATE_TEST_SUITE_P(Backends, Store,
                         ::testing::Values(kv::IndexBackend::csbtree, kv::IndexBackend::skiplist));

TEST(Store, BadOrderIsAnInvalidArgument) {
  try {
    kv::OrderedIndex::make(kv::IndexBackend::csbtree, 2);
    FAIL();
  } catch (const kv::Error& e) {
    EXPECT_EQ(e.code(), kv::Errc::invalid_argument);
  }
}

}  // namespace
