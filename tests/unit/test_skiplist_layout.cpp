// SkipList node layout (skiplist.hpp): order hints in the node header
// (SqlLess's hints must agree with sql_compare whenever they decide), kv::Value
// keys of every storage class against a std::map model (insert, replace,
// erase, bounds, bulk load, iteration both ways), unsigned keys at the top of
// their range, and out-of-memory safety: a copy that throws while a node is
// built leaves the list and the live-object count unchanged.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "index/skiplist.hpp"
#include "index/sql_value_order.hpp"
#include "skiplist_model.hpp"

namespace {

using kv::Value;
using ValueList = kv::SkipList<Value, Value, kv::SqlLess>;
using ValueMap = std::map<Value, Value, kv::SqlLess>;

// Keys that stress the hints: integers and reals that tie (2 / 2.0), -0.0,
// NaN-free reals between integers, text and blobs sharing 8-byte prefixes,
// strings with embedded NULs, the empty string.
Value random_key(std::mt19937& rng) {
  const int kind = static_cast<int>(rng() % 6);
  const int n = static_cast<int>(rng() % 40) - 20;
  switch (kind) {
    case 0: return Value::integer(n);
    case 1: return Value::real(n == 0 ? -0.0 : n + (rng() % 2 ? 0.5 : 0.0));
    case 2: return Value::integer(rng() % 2 ? std::numeric_limits<std::int64_t>::max() - (rng() % 3)
                                            : std::numeric_limits<std::int64_t>::min() + (rng() % 3));
    case 3: {
      std::string s = rng() % 2 ? "prefix__" : "";
      for (int i = 0, len = static_cast<int>(rng() % 4); i < len; ++i) s += static_cast<char>('a' + rng() % 3);
      if (rng() % 5 == 0) s += '\0';
      return Value::text(s);
    }
    case 4: return Value::blob(std::string(rng() % 10, static_cast<char>(rng() % 2 ? 0 : 0xff)));
    default: return Value::text(std::string(rng() % 3, 'z'));
  }
}

// A value that counts live copies and throws on demand when copied.
struct Counted {
  static inline int live = 0;
  static inline int copies_until_throw = -1;  // -1: never
  int v = 0;
  explicit Counted(int x) : v(x) { ++live; }
  Counted(const Counted& o) : v(o.v) {
    if (copies_until_throw == 0) throw std::bad_alloc();
    if (copies_until_throw > 0) --copies_until_throw;
    ++live;
  }
  static inline int moves_until_throw = -1;  // -1: never
  Counted(Counted&& o) : v(o.v) {
    if (moves_until_throw == 0) throw std::bad_alloc();
    if (moves_until_throw > 0) --moves_until_throw;
    ++live;
  }
  ~Counted() { --live; }
  Counted& operator=(const Counted&) = delete;
};
struct CountedLess {
  bool operator()(const Counted& a, const Counted& b) const { return a.v < b.v; }
};

}  // namespace

TEST(SkipListHints, AgreeWithSqlCompareWhenDecided) {
  std::mt19937 rng(11);
  int decided = 0;
  for (int i = 0; i < 200000; ++i) {
    const Value a = random_key(rng), b = random_key(rng);
    const int c = kv::SqlLess::compare_hints(kv::SqlLess::hint(a), kv::SqlLess::hint(b));
    const int want = kv::sql_compare(a, b);
    if (c == kv::kHintUndecided) continue;
    ++decided;
    ASSERT_EQ(c, want < 0 ? -1 : (want > 0 ? 1 : 0))
        << kv::describe_value(a.view()) << " vs " << kv::describe_value(b.view());
  }
  EXPECT_GT(decided, 100000);  // most pairs never read the keys
  // The cases the hints promise to decide.
  auto hc = [](const Value& a, const Value& b) {
    return kv::SqlLess::compare_hints(kv::SqlLess::hint(a), kv::SqlLess::hint(b));
  };
  EXPECT_EQ(hc(Value::integer(-1), Value::integer(1)), -1);
  EXPECT_EQ(hc(Value::integer(7), Value::integer(7)), 0);
  EXPECT_EQ(hc(Value::real(-0.0), Value::real(0.0)), 0);
  EXPECT_EQ(hc(Value::real(std::nan("")), Value::real(-INFINITY)), -1);
  EXPECT_EQ(hc(Value::real(-1.5), Value::real(-2.5)), 1);
  EXPECT_EQ(hc(Value::text("abc"), Value::text("abd")), -1);
  EXPECT_EQ(hc(Value::text("ab"), Value::text("ab\x01")), -1);
  EXPECT_EQ(hc(Value::json("z"), Value::text("a")), 1);  // JSON orders as TEXT
  EXPECT_EQ(hc(Value::null(), Value::integer(0)), -1);
  EXPECT_EQ(hc(Value::blob(""), Value::text("zzz")), 1);
  EXPECT_EQ(hc(Value::integer(2), Value::real(2.0)), kv::kHintUndecided);
  EXPECT_EQ(hc(Value::text("abcdefgh1"), Value::text("abcdefgh2")), kv::kHintUndecided);
}

TEST(SkipListLayout, ValueKeysRandomOpsMatchStdMap) {
  ValueList l;
  ValueMap m;
  std::mt19937 rng(3);
  for (int i = 0; i < 30000; ++i) {
    const Value k = random_key(rng);
    const Value v = Value::text("v" + std::to_string(i));
    const int op = static_cast<int>(rng() % 100);
    if (op < 30) {
      ASSERT_EQ(l.insert(k, v), m.emplace(k, v).second);
    } else if (op < 45) {
      const bool absent = m.find(k) == m.end();
      ASSERT_EQ(l.insert_or_assign(k, v), absent);
      if (absent) {
        m.emplace(k, v);
      } else {
        m.find(k)->second = v;  // keeps the stored key's representation, as the list does
      }
    } else if (op < 70) {
      ASSERT_EQ(l.erase(k), m.erase(k) == 1);
    } else {
      kv::EpochGuard g;
      const auto* found = l.find_node(k);
      const auto it = m.find(k);
      ASSERT_EQ(found == nullptr, it == m.end());
      if (found) {
        ASSERT_EQ(found->key(), it->first);
        ASSERT_EQ(found->value(), it->second);
      }
      ASSERT_NO_FATAL_FAILURE(kvtest::expect_bounds_match(l, m, k));
    }
  }
  ASSERT_NO_FATAL_FAILURE(kvtest::expect_same_as_model(l, m));
}

TEST(SkipListLayout, ValueKeysBulkLoadThenMutate) {
  std::mt19937 rng(9);
  ValueMap m;
  for (int i = 0; i < 5000; ++i) m.emplace(random_key(rng), Value::integer(i));
  for (int i = 0; i < 5000; ++i) m.emplace(Value::integer(i * 3), Value::blob(std::string(i % 50, 'b')));
  std::vector<std::pair<Value, Value>> items(m.begin(), m.end());
  ValueList l;
  l.insert(Value::text("dropped by the load"), Value::null());
  l.bulk_load(std::move(items));
  ASSERT_NO_FATAL_FAILURE(kvtest::expect_same_as_model(l, m));
  for (int i = 0; i < 20000; ++i) {
    const Value k = rng() % 2 ? random_key(rng) : Value::integer(static_cast<std::int64_t>(rng() % 15000));
    if (rng() % 2) {
      ASSERT_EQ(l.erase(k), m.erase(k) == 1);
    } else {
      ASSERT_EQ(l.insert(k, Value::integer(-i)), m.emplace(k, Value::integer(-i)).second);
    }
  }
  ASSERT_NO_FATAL_FAILURE(kvtest::expect_same_as_model(l, m));
}

TEST(SkipListLayout, UnsignedKeysAcrossTheSignBit) {
  kv::SkipList<std::uint64_t, int> l;
  std::map<std::uint64_t, int> m;
  std::mt19937_64 rng(4);
  for (int i = 0; i < 20000; ++i) {
    const std::uint64_t k = (rng() % 2 ? (std::uint64_t{1} << 63) : 0) + rng() % 500;
    if (rng() % 3) {
      ASSERT_EQ(l.insert(k, i), m.emplace(k, i).second);
    } else {
      ASSERT_EQ(l.erase(k), m.erase(k) == 1);
    }
  }
  ASSERT_NO_FATAL_FAILURE(kvtest::expect_same_as_model(l, m));
}

TEST(SkipListLayout, CopyThatThrowsLeavesNothingBehind) {
  Counted::live = 0;
  {
    kv::SkipList<int, Counted> l;
    ASSERT_TRUE(l.insert(1, Counted(10)));
    ASSERT_EQ(Counted::live, 1);
    // A new key whose value copy throws: no node, no leaked value.
    {
      const Counted twenty(20);
      Counted::copies_until_throw = 0;
      EXPECT_THROW(l.insert(2, twenty), std::bad_alloc);
      Counted::copies_until_throw = -1;
    }
    EXPECT_EQ(Counted::live, 1);
    // The same when the value is moved in (insert(const Key&, T&&)) and the move throws.
    Counted::moves_until_throw = 0;
    EXPECT_THROW(l.insert(2, Counted(20)), std::bad_alloc);
    Counted::moves_until_throw = -1;
    EXPECT_EQ(Counted::live, 1);
    EXPECT_EQ(l.size(), 1u);
    EXPECT_FALSE(l.contains(2));
    // Replacing a value whose copy throws keeps the old value.
    Counted::copies_until_throw = 0;
    EXPECT_THROW(l.insert_or_assign(1, Counted(11)), std::bad_alloc);
    Counted::copies_until_throw = -1;
    EXPECT_EQ(l.get(1)->v, 10);
    // A replacement that works: the old inline value lives until the node goes.
    EXPECT_FALSE(l.insert_or_assign(1, Counted(12)));
    EXPECT_EQ(l.get(1)->v, 12);
    EXPECT_TRUE(l.erase(1));
    kv::EpochDomain::global().collect();
    kv::EpochDomain::global().collect();
    kv::EpochDomain::global().collect();
    EXPECT_EQ(Counted::live, 0);
    // bulk_load failing halfway (the 60th key or value move throws) leaves the
    // list empty and nothing alive.
    std::vector<std::pair<Counted, Counted>> items;
    for (int i = 0; i < 100; ++i) items.emplace_back(Counted(i), Counted(i));
    ASSERT_EQ(Counted::live, 200);
    kv::SkipList<Counted, Counted, CountedLess> loaded;
    loaded.insert(Counted(-1), Counted(-1));
    Counted::moves_until_throw = 59;
    EXPECT_THROW(loaded.bulk_load(std::move(items)), std::bad_alloc);
    Counted::moves_until_throw = -1;
    EXPECT_TRUE(loaded.empty());
    {
      kv::EpochGuard g;
      EXPECT_EQ(loaded.first(), nullptr);
    }
    items.clear();
    EXPECT_EQ(Counted::live, 0);
    loaded.insert(Counted(5), Counted(5));  // still usable
    EXPECT_TRUE(loaded.contains(Counted(5)));
  }
  EXPECT_EQ(Counted::live, 0);
}
