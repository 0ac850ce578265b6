// CsbTree order words (order_word.hpp): kv::SqlLess::order_word keeps the
// word contract on keys chosen to tie (2 vs 2.0, integers beyond 2^50 vs
// reals, texts and blobs sharing 8-byte prefixes, NULL); the tree stays equal
// to std::map under churn (splits, merges, borrows, bulk_load) with
// check_invariants() verifying every stored word against its key; and the
// checker notices a stale word.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "index/csbtree.hpp"
#include "index/order_word.hpp"
#include "index/sql_value_order.hpp"

namespace {

using kv::Value;
using SqlWords = kv::OrderWords<Value, kv::SqlLess>;
using ValueTree = kv::CsbTree<Value, Value, kv::SqlLess>;
using Model = std::map<Value, Value, kv::SqlLess>;

constexpr std::int64_t kTwo50 = std::int64_t{1} << 50;
constexpr std::int64_t kTwo53 = std::int64_t{1} << 53;
constexpr std::int64_t kTwo60 = std::int64_t{1} << 60;

// Values whose words tie in rank without being equal, or are equal keys in
// different representations.
std::vector<Value> tricky_values() {
  const auto max = std::numeric_limits<std::int64_t>::max();
  const auto min = std::numeric_limits<std::int64_t>::min();
  std::vector<Value> v = {Value::null()};
  for (std::int64_t i : {std::int64_t{0},
                         std::int64_t{1},
                         std::int64_t{-1},
                         std::int64_t{2},
                         kTwo50 - 1,
                         kTwo50,
                         kTwo50 + 1,
                         -kTwo50,
                         -kTwo50 - 1,
                         kTwo53,
                         kTwo53 + 1,
                         kTwo53 + 2,
                         -kTwo53 - 1,
                         kTwo60,
                         kTwo60 + 1,
                         kTwo60 + 7,
                         kTwo60 + 8,
                         kTwo60 - 1,
                         max,
                         max - 1,
                         min,
                         min + 1})
    v.push_back(Value::integer(i));
  for (double r : {0.0,
                   -0.0,
                   0.5,
                   -0.5,
                   1.0,
                   2.0,
                   0.1,
                   1.0 + 1e-15,
                   2.5,
                   9007199254740992.0,
                   9007199254740994.0,
                   1152921504606846976.0,
                   9223372036854775808.0,
                   -9223372036854775808.0,
                   1e300,
                   -1e300,
                   std::numeric_limits<double>::infinity(),
                   -std::numeric_limits<double>::infinity(),
                   std::numeric_limits<double>::denorm_min(),
                   -std::numeric_limits<double>::denorm_min()})
    v.push_back(Value::real(r));
  for (const char* t :
       {"", "a", "b", "abcdefgh", "abcdefgh0", "abcdefgh1", "abcdefgi", "abcdefg", "zzzzzzzzzzzz"})
    v.push_back(Value::text(t));
  v.push_back(Value::text(std::string("a\0", 2)));
  v.push_back(Value::text(std::string("abcdefg\0", 8)));
  v.push_back(Value::json("abcdefgh0"));
  for (const char* b : {"", "\x01", "abcdefgh", "abcdefgh\x01", "abcdefgh\x02"}) v.push_back(Value::blob(b));
  v.push_back(Value::blob(std::string("\0", 1)));
  v.push_back(Value::blob(std::string("\xff\xff\xff\xff\xff\xff\xff\xff\xff", 9)));
  return v;
}

TEST(CsbTreeWords, SqlWordsKeepTheContract) {
  const auto values = tricky_values();
  for (const Value& a : values) {
    const std::uint64_t wa = SqlWords::of(a);
    for (const Value& b : values) {
      const std::uint64_t wb = SqlWords::of(b);
      const int c = kv::sql_compare(a, b);
      if (c <= 0) {
        EXPECT_LE(SqlWords::rank(wa), SqlWords::rank(wb))
            << kv::describe_value(a.view()) << " vs " << kv::describe_value(b.view());
      }
      if (c == 0) {
        EXPECT_EQ(wa, wb) << kv::describe_value(a.view()) << " vs " << kv::describe_value(b.view());
      }
      if (SqlWords::rank(wa) == SqlWords::rank(wb) && SqlWords::exact_tie(wa, wb)) {
        EXPECT_EQ(c, 0) << kv::describe_value(a.view()) << " vs " << kv::describe_value(b.view());
      }
    }
  }
}

TEST(CsbTreeWords, SqlWordsTieWhereOnlyTheKeyDecides) {
  const auto w = [](const Value& v) { return SqlWords::of(v); };
  // Small integers and their reals: exact, so equal words settle equality.
  EXPECT_EQ(w(Value::integer(2)), w(Value::real(2.0)));
  EXPECT_TRUE(SqlWords::exact_tie(w(Value::integer(2)), w(Value::real(2.0))));
  EXPECT_EQ(w(Value::real(0.0)), w(Value::real(-0.0)));
  // Beyond 2^53 neighbours share a double: the ranks tie, and are not exact.
  EXPECT_EQ(SqlWords::rank(w(Value::integer(kTwo53))), SqlWords::rank(w(Value::integer(kTwo53 + 1))));
  EXPECT_FALSE(SqlWords::exact_tie(w(Value::integer(kTwo53 + 1)), w(Value::real(9007199254740992.0))));
  EXPECT_FALSE(SqlWords::exact_tie(w(Value::integer(std::numeric_limits<std::int64_t>::max())),
                                   w(Value::real(9223372036854775808.0))));
  // Texts by their first bytes only, never exact; a class decides before bytes.
  EXPECT_EQ(SqlWords::rank(w(Value::text("abcdefgh0"))), SqlWords::rank(w(Value::text("abcdefgh1"))));
  EXPECT_FALSE(SqlWords::exact_tie(w(Value::text("a")), w(Value::text("a"))));
  EXPECT_LT(w(Value::real(1e300)), w(Value::text("")));
  EXPECT_LT(w(Value::text("\xff\xff\xff\xff\xff\xff\xff\xff")), w(Value::blob("")));
  EXPECT_LT(w(Value::null()), w(Value::integer(std::numeric_limits<std::int64_t>::min())));
}

TEST(CsbTreeWords, CountBelowMatchesALinearCount) {
  std::mt19937_64 rng(5);
  for (std::size_t n = 0; n <= 70; ++n) {
    std::vector<std::uint64_t> w(n);
    for (auto& x : w) x = rng() % 40;
    std::sort(w.begin(), w.end());
    for (std::uint64_t x = 0; x <= 41; ++x) {
      const auto expected = static_cast<std::size_t>(std::lower_bound(w.begin(), w.end(), x) - w.begin());
      ASSERT_EQ(kv::count_below(w.data(), n, x), expected) << "n " << n << " x " << x;
    }
  }
}

// A key drawn so that words tie often: the tricky values, integers and their
// reals, fractions, neighbours around 2^53 and 2^60, texts and blobs sharing
// an 8-byte prefix, NULL.
Value tying_key(std::mt19937& rng) {
  static const auto tricky = tricky_values();
  const int small = static_cast<int>(rng() % 64);
  switch (rng() % 10) {
    case 0: return tricky[rng() % tricky.size()];
    case 1: return Value::integer(small);
    case 2: return Value::real(small);  // equal to the integer
    case 3: return Value::real(small + (rng() % 2 ? 0.5 : 0.1));
    case 4: return Value::integer(kTwo53 + small - 32);
    case 5: return Value::integer(kTwo60 + small);
    case 6: return Value::real(static_cast<double>(kTwo60 + small * 1024));
    case 7: return Value::text("prefix__" + std::to_string(small));
    case 8: return Value::blob(std::string("blobpref") + static_cast<char>(small));
    default:
      return rng() % 8 ? Value::text(std::string(1, static_cast<char>('a' + small % 3))) : Value::null();
  }
}

// The tree holds exactly the model: keys in the same representation, values.
void expect_same(const ValueTree& t, const Model& m) {
  ASSERT_NO_THROW(t.check_invariants());
  ASSERT_EQ(t.size(), m.size());
  auto it = t.begin();
  for (const auto& [k, v] : m) {
    ASSERT_NE(it, t.end());
    ASSERT_EQ(it.key(), k) << kv::describe_value(k.view());
    ASSERT_EQ(it.value(), v);
    ++it;
  }
  ASSERT_EQ(it, t.end());
}

void expect_bounds(const ValueTree& t, const Model& m, const Value& k) {
  const auto lb = t.lower_bound(k);
  const auto mlb = m.lower_bound(k);
  ASSERT_EQ(lb == t.end(), mlb == m.end()) << kv::describe_value(k.view());
  if (mlb != m.end()) {
    ASSERT_EQ(lb.key(), mlb->first) << kv::describe_value(k.view());
  }
  const auto ub = t.upper_bound(k);
  const auto mub = m.upper_bound(k);
  ASSERT_EQ(ub == t.end(), mub == m.end()) << kv::describe_value(k.view());
  if (mub != m.end()) {
    ASSERT_EQ(ub.key(), mub->first) << kv::describe_value(k.view());
  }
  const Value* v = t.find(k);
  const auto mf = m.find(k);
  ASSERT_EQ(v != nullptr, mf != m.end()) << kv::describe_value(k.view());
  if (v) {
    ASSERT_EQ(*v, mf->second);
  }
}

// Random churn: inserts, assignments, erases (splits, borrows, merges, root
// changes), searches; a bulk_load of the model halfway; then a full drain.
void churn(std::size_t order, std::uint32_t seed, int ops) {
  ValueTree t(order);
  Model m;
  std::mt19937 rng(seed);
  for (int i = 0; i < ops; ++i) {
    if (i == ops / 2) {  // rebuild from sorted input, then keep churning
      std::vector<std::pair<Value, Value>> items(m.begin(), m.end());
      t.bulk_load(std::move(items));
      expect_same(t, m);
    }
    const Value k = tying_key(rng);
    const int op = static_cast<int>(rng() % 100);
    if (op < 35) {
      const auto [p, inserted] = t.insert(k, Value::integer(i));
      const auto [mit, minserted] = m.emplace(k, Value::integer(i));
      ASSERT_EQ(inserted, minserted) << kv::describe_value(k.view());
      ASSERT_EQ(*p, mit->second);
    } else if (op < 50) {
      const auto [p, inserted] = t.insert_or_assign(k, Value::integer(-i));
      ASSERT_EQ(inserted, m.count(k) == 0);
      m.insert_or_assign(k, Value::integer(-i));
      ASSERT_EQ(*p, Value::integer(-i));
    } else if (op < 85) {
      ASSERT_EQ(t.erase(k), m.erase(k) == 1) << kv::describe_value(k.view());
    } else {
      expect_bounds(t, m, k);
    }
    if (i % 499 == 0) expect_same(t, m);
  }
  expect_same(t, m);
  for (const Value& k : tricky_values()) expect_bounds(t, m, k);
  std::vector<Value> keys;
  for (const auto& kv : m) keys.push_back(kv.first);
  std::shuffle(keys.begin(), keys.end(), rng);
  for (std::size_t i = 0; i < keys.size(); ++i) {
    ASSERT_TRUE(t.erase(keys[i]));
    m.erase(keys[i]);
    if (i % 37 == 0) expect_same(t, m);
  }
  expect_same(t, m);
  EXPECT_EQ(t.height(), 0);
}

TEST(CsbTreeWords, TyingSqlKeysMatchStdMapOrder3) { churn(3, 11, 20000); }
TEST(CsbTreeWords, TyingSqlKeysMatchStdMapOrder4) { churn(4, 12, 20000); }
TEST(CsbTreeWords, TyingSqlKeysMatchStdMapOrder7) { churn(7, 13, 20000); }
TEST(CsbTreeWords, TyingSqlKeysMatchStdMapDefaultOrder) { churn(63, 14, 30000); }

// Many keys whose words all tie (one long common prefix): the search falls
// back to comparing keys over the whole tied run, in nodes and leaves.
TEST(CsbTreeWords, AllWordsTiedStillSearchesByKey) {
  for (std::size_t order : {3u, 63u}) {
    ValueTree t(order);
    Model m;
    for (int i = 0; i < 3000; ++i) {
      const int n = (i * 7919) % 3000;
      const Value k = Value::text("same-prefix-" + std::to_string(n));
      t.insert(k, Value::integer(n));
      m.emplace(k, Value::integer(n));
    }
    expect_same(t, m);
    for (int n = -5; n < 3005; n += 3) expect_bounds(t, m, Value::text("same-prefix-" + std::to_string(n)));
  }
}

// Signed and unsigned integral keys get bijective words of their own; the
// sign flip must order negatives first and reach both ends of the range.
TEST(CsbTreeWords, IntegralKeysAcrossTheWholeRange) {
  kv::CsbTree<std::int64_t, int> s(4);
  std::map<std::int64_t, int> ms;
  kv::CsbTree<std::uint64_t, int> u(4);
  std::map<std::uint64_t, int> mu;
  std::mt19937_64 rng(3);
  const std::int64_t edges[] = {std::numeric_limits<std::int64_t>::min(), -1, 0, 1,
                                std::numeric_limits<std::int64_t>::max()};
  for (int i = 0; i < 20000; ++i) {
    const std::int64_t k = i % 10 == 0 ? edges[rng() % 5] : static_cast<std::int64_t>(rng() >> (rng() % 64));
    const std::int64_t sk = rng() % 2 || k == std::numeric_limits<std::int64_t>::min() ? k : -k;
    const std::uint64_t uk = static_cast<std::uint64_t>(k) ^ (rng() % 2 ? 0 : std::uint64_t{1} << 63);
    if (rng() % 3) {
      ASSERT_EQ(s.insert(sk, i).second, ms.emplace(sk, i).second);
      ASSERT_EQ(u.insert(uk, i).second, mu.emplace(uk, i).second);
    } else {
      ASSERT_EQ(s.erase(sk), ms.erase(sk) == 1);
      ASSERT_EQ(u.erase(uk), mu.erase(uk) == 1);
    }
  }
  ASSERT_NO_THROW(s.check_invariants());
  ASSERT_NO_THROW(u.check_invariants());
  std::vector<std::int64_t> got_s, want_s;
  for (auto it = s.begin(); it != s.end(); ++it) got_s.push_back(it.key());
  for (const auto& kv : ms) want_s.push_back(kv.first);
  EXPECT_EQ(got_s, want_s);
  std::vector<std::uint64_t> got_u, want_u;
  for (auto it = u.begin(); it != u.end(); ++it) got_u.push_back(it.key());
  for (const auto& kv : mu) want_u.push_back(kv.first);
  EXPECT_EQ(got_u, want_u);
  for (const auto& kv : ms) ASSERT_NE(s.find(kv.first), nullptr);
}

// kvindex's REPLACE rewrites a stored key in place by an equivalent one
// (2 by 2.0): the word stays right because equivalent keys share it.
TEST(CsbTreeWords, EquivalentKeyRewrittenInPlaceKeepsItsWord) {
  ValueTree t(3);
  for (int i = 0; i < 100; ++i) t.insert(Value::integer(i), Value::integer(i));
  for (int i = 0; i < 100; i += 3) {
    auto it = t.lower_bound(Value::real(i));
    ASSERT_EQ(it.key(), Value::integer(i));
    const_cast<Value&>(it.key()) = Value::real(i);
  }
  ASSERT_NO_THROW(t.check_invariants());
  EXPECT_EQ(t.lower_bound(Value::integer(3)).key(), Value::real(3));
}

// A key order whose words come from a setting changed after the keys went in:
// the stored words are then stale, and check_invariants must say so.
struct ShiftedLess {
  static inline std::uint64_t shift = 0;
  bool operator()(std::int64_t a, std::int64_t b) const { return a < b; }
  static std::uint64_t order_word(const std::int64_t& k) noexcept {
    return (static_cast<std::uint64_t>(k) + shift) << 1;  // rank k + shift, never exact
  }
};

TEST(CsbTreeWords, CheckerNoticesAStaleWord) {
  ShiftedLess::shift = 0;
  kv::CsbTree<std::int64_t, int, ShiftedLess> t(4);
  for (int i = 0; i < 200; ++i) t.insert(i, i);
  ASSERT_NO_THROW(t.check_invariants());
  ShiftedLess::shift = 2;  // every word of(key) changes; the stored ones do not
  EXPECT_THROW(t.check_invariants(), std::logic_error);
  ShiftedLess::shift = 0;
  EXPECT_NO_THROW(t.check_invariants());
}

}  // namespace
