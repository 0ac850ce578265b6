// SQLite value ordering over kv::Value.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "index/sql_value_order.hpp"

using kv::sql_compare;
using kv::Value;

TEST(SqlValueOrder, StorageClassOrder) {
  const std::vector<Value> ordered = {Value::null(),
                                      Value::integer(-5),
                                      Value::real(-4.5),
                                      Value::integer(0),
                                      Value::real(0.5),
                                      Value::integer(1),
                                      Value::text(""),
                                      Value::text("A"),
                                      Value::text("a"),
                                      Value::text("ab"),
                                      Value::blob(""),
                                      Value::blob("\x01"),
                                      Value::blob(std::string("\x01\x00", 2))};
  for (std::size_t i = 0; i < ordered.size(); ++i)
    for (std::size_t j = 0; j < ordered.size(); ++j) {
      const int c = sql_compare(ordered[i], ordered[j]);
      EXPECT_EQ(c < 0, i < j) << i << " vs " << j;
      EXPECT_EQ(c == 0, i == j) << i << " vs " << j;
    }
}

TEST(SqlValueOrder, IntegerAndRealAreInterleavedExactly) {
  EXPECT_EQ(sql_compare(Value::integer(2), Value::real(2.0)), 0);
  EXPECT_LT(sql_compare(Value::integer(2), Value::real(2.5)), 0);
  EXPECT_GT(sql_compare(Value::integer(3), Value::real(2.5)), 0);
  EXPECT_GT(sql_compare(Value::integer(-2), Value::real(-2.5)), 0);
  // 2^53 + 1 is not representable as a double; it must still compare above 2^53.
  const std::int64_t big = (std::int64_t{1} << 53) + 1;
  EXPECT_GT(sql_compare(Value::integer(big), Value::real(9007199254740992.0)), 0);
  EXPECT_LT(sql_compare(Value::real(9007199254740992.0), Value::integer(big)), 0);
  const auto max = std::numeric_limits<std::int64_t>::max();
  const auto min = std::numeric_limits<std::int64_t>::min();
  EXPECT_LT(sql_compare(Value::integer(max), Value::real(9223372036854775808.0)), 0);
  EXPECT_EQ(sql_compare(Value::integer(min), Value::real(-9223372036854775808.0)), 0);
  EXPECT_GT(sql_compare(Value::integer(min), Value::real(-1e300)), 0);
  EXPECT_LT(sql_compare(Value::integer(max), Value::real(1e300)), 0);
  EXPECT_LT(sql_compare(Value::integer(max), Value::real(INFINITY)), 0);
  EXPECT_GT(sql_compare(Value::integer(min), Value::real(-INFINITY)), 0);
}

TEST(SqlValueOrder, NanOrdersBelowNumbersAndStaysConsistent) {
  const Value nan = Value::real(std::nan(""));
  EXPECT_LT(sql_compare(nan, Value::integer(std::numeric_limits<std::int64_t>::min())), 0);
  EXPECT_GT(sql_compare(Value::integer(0), nan), 0);
  EXPECT_LT(sql_compare(nan, Value::real(-INFINITY)), 0);
  EXPECT_EQ(sql_compare(nan, nan), 0);
  EXPECT_GT(sql_compare(nan, Value::null()), 0);
}

TEST(SqlValueOrder, TextAndBlobCompareBytesUnsigned) {
  EXPECT_LT(sql_compare(Value::text("a"), Value::text("\xc3\xa9")), 0);
  EXPECT_LT(sql_compare(Value::blob("\x7f"), Value::blob("\x80")), 0);
  EXPECT_LT(sql_compare(Value::blob("ab"), Value::blob("abc")), 0);
  EXPECT_LT(sql_compare(Value::text("zzz"), Value::blob("")), 0);
  EXPECT_EQ(sql_compare(Value::json("[1]"), Value::text("[1]")), 0);
}

TEST(SqlValueOrder, SortIsAStrictWeakOrder) {
  std::vector<Value> v = {Value::text("b"),  Value::integer(3),   Value::real(2.0), Value::blob("x"),
                          Value::integer(2), Value::null(),       Value::real(-1),  Value::text("a"),
                          Value::real(2.5),  Value::integer(-10), Value::blob("")};
  std::sort(v.begin(), v.end(), kv::SqlLess());
  for (std::size_t i = 1; i < v.size(); ++i) EXPECT_LE(sql_compare(v[i - 1], v[i]), 0);
  EXPECT_EQ(v.front().kind, kv::Kind::null);
  EXPECT_EQ(v.back().bytes, "x");
}

TEST(SqlValueOrder, DescribeValue) {
  EXPECT_EQ(kv::describe_value(Value::integer(-3).view()), "-3");
  EXPECT_EQ(kv::describe_value(Value::real(2.5).view()), "2.5");
  EXPECT_EQ(kv::describe_value(Value::text("hi").view()), "'hi'");
  EXPECT_EQ(kv::describe_value(Value::blob("\x01\xff").view()), "X'01FF'");
  EXPECT_EQ(kv::describe_value(Value::null().view()), "NULL");
}
