// pack_many's optional element ends: the boundaries kvcolumn's bulk 'append'
// needs for variable-size dtypes, whose packed elements carry no length.
#include <gtest/gtest.h>

#include <cstddef>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "codec/pack_batch.hpp"
#include "test_helpers.hpp"

namespace {

using kvtest::error_of;
using kvtest::hex_upper;

struct Packed {
  std::string bytes;
  std::vector<std::size_t> ends;
};

Packed pack_many(const char* dtype, const char* json, std::string prefix = "") {
  Packed p{std::move(prefix), {}};
  kv::codec::batch::pack_many(kv::parse_dtype(dtype), json, p.bytes, &p.ends);
  return p;
}

TEST(PackBatchEnds, StringsEndWhereEachItemEnds) {
  Packed p = pack_many("str:utf8", R"(["ab", "", "\u00e9", "xyz"])");
  EXPECT_EQ(p.bytes, "ab\xC3\xA9xyz");
  EXPECT_EQ(p.ends, (std::vector<std::size_t>{2, 2, 4, 7}));
}

TEST(PackBatchEnds, OffsetsCountFromTheStartOfOut) {
  // Appending to a non-empty buffer: ends are positions in the whole buffer.
  Packed p = pack_many("bytes", R"(["q", "rs"])", "head");
  EXPECT_EQ(p.bytes, "headqrs");
  EXPECT_EQ(p.ends, (std::vector<std::size_t>{5, 7}));
}

TEST(PackBatchEnds, StructuredAndVecItems) {
  Packed m = pack_many("msgpack", R"([{"a":1}, [1,2], null, "s"])");
  EXPECT_EQ(hex_upper(m.bytes),
            "81A16101"
            "920102"
            "C0"
            "A173");
  EXPECT_EQ(m.ends, (std::vector<std::size_t>{4, 7, 8, 10}));
  Packed v = pack_many("vec:f32", "[[1], []]");
  EXPECT_EQ(v.ends, (std::vector<std::size_t>{10, 16}));  // 2-byte header + 4-byte dim (+ 4-byte element)
  EXPECT_EQ(v.bytes.size(), 16u);
}

TEST(PackBatchEnds, NumericEndsAreFixedSteps) {
  Packed p = pack_many("i16", "[1, 2, 3]");
  EXPECT_EQ(p.ends, (std::vector<std::size_t>{2, 4, 6}));
  EXPECT_TRUE(pack_many("f64", "[]").ends.empty());
}

TEST(PackBatchEnds, BadItemNamesItsIndex) {
  auto e = error_of([] { pack_many("str:utf8", R"(["a", 5, "c"])"); });
  EXPECT_EQ(e.first, kv::Errc::type_mismatch);
  EXPECT_EQ(e.second.rfind("element 1: ", 0), 0u) << e.second;
}

}  // namespace
