#include <gtest/gtest.h>

#include "kvault/key_range.hpp"

namespace kr = kv::key_range;
using namespace std::string_literals;

TEST(KeyRange, PrefixUpperBoundIncrementsLastByte) {
  EXPECT_EQ(kr::prefix_upper_bound("ab"), "ac");
  EXPECT_EQ(kr::prefix_upper_bound("a\x00"s), "a\x01"s);
}

TEST(KeyRange, PrefixUpperBoundSkipsTrailingFF) {
  EXPECT_EQ(kr::prefix_upper_bound("ab\xFF"s), "ac");
  EXPECT_EQ(kr::prefix_upper_bound("a\xFF\xFF"s), "b");
  EXPECT_EQ(kr::prefix_upper_bound("\xFE\xFF"s), "\xFF"s);
}

TEST(KeyRange, AllFFOrEmptyPrefixHasNoUpperBound) {
  EXPECT_EQ(kr::prefix_upper_bound(""), std::nullopt);
  EXPECT_EQ(kr::prefix_upper_bound("\xFF"s), std::nullopt);
  EXPECT_EQ(kr::prefix_upper_bound("\xFF\xFF\xFF"s), std::nullopt);
}

TEST(KeyRange, PrefixRangeContainsExactlyThePrefixedKeys) {
  const std::string keys[] = {""s,   "a"s, "ab"s,   "ab\x00"s,  "ab\xFF"s, "ab\xFF\xFF\x01"s,
                              "ac"s, "b"s, "\xFF"s, "\xFF\xFF"s};
  const std::string prefixes[] = {""s, "a"s, "ab"s, "ab\xFF"s, "\xFF"s, "\xFF\xFF"s, "zz"s};
  for (const auto& p : prefixes) {
    kr::Range r;
    r.with_prefix(p);
    for (const auto& k : keys) EXPECT_EQ(r.contains(k), kr::has_prefix(k, p)) << "prefix size " << p.size();
  }
}

TEST(KeyRange, CompareIsBytewiseUnsignedShorterFirst) {
  EXPECT_LT(kr::compare("a", "b"), 0);
  EXPECT_LT(kr::compare("a", "a\x00"s), 0);
  EXPECT_GT(kr::compare("\xFF"s, "\x7F"s), 0);
  EXPECT_EQ(kr::compare("", ""), 0);
}

TEST(KeyRange, BoundsKeepTheTighterSide) {
  kr::Range r;
  r.at_least("b", true);
  r.at_least("a", true);
  r.at_least("b", false);
  ASSERT_TRUE(r.lower);
  EXPECT_EQ(r.lower->key, "b");
  EXPECT_FALSE(r.lower->inclusive);
  r.at_most("d", true);
  r.at_most("e", false);
  r.at_most("d", false);
  EXPECT_EQ(r.upper->key, "d");
  EXPECT_FALSE(r.upper->inclusive);
  EXPECT_FALSE(r.contains("b"));
  EXPECT_TRUE(r.contains("b\x00"s));
  EXPECT_TRUE(r.contains("c"));
  EXPECT_FALSE(r.contains("d"));
}

TEST(KeyRange, PointAndEmpty) {
  kr::Range r;
  r.at_least("k", true);
  r.at_most("k", true);
  EXPECT_TRUE(r.is_point());
  EXPECT_TRUE(r.contains("k"));
  r.at_least("l", true);
  EXPECT_FALSE(r.contains("k"));
  kr::Range e;
  e.empty = true;
  EXPECT_FALSE(e.contains("k"));
}
