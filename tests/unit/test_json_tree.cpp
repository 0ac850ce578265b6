// json::Tree (json/tree.hpp): JSON trees that free without allocating. Parsing
// through the TreeBuilder gives exactly nlohmann's tree; dismantle() empties
// trees of any depth and shape; valijson's frozen "const"/"enum" values (now
// Tree copies) compare as before. That dismantling makes no allocation at all
// is checked under the counting allocator of the anomaly tests
// (tests/fault/test_regressions.cpp).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "common/error.hpp"
#include "json/schema.hpp"
#include "json/tree.hpp"
#include "test_helpers.hpp"

namespace js = kv::json;
using kv::Errc;
using kvtest::error_of;

namespace {

// A tree nested `depth` levels: arrays and objects alternating, each level
// with a scalar sibling so that no container is the only child.
js::Tree deep_tree(int depth) {
  js::Tree t;
  js::TreeBuilder b(t);
  for (int i = 0; i < depth; ++i) {
    if (i % 2) {
      b.start_object();
      b.key("s");
      b.scalar("x");
      b.key("z");
    } else {
      b.start_array();
      b.scalar(i);
    }
  }
  b.scalar(nullptr);
  for (int i = 0; i < depth; ++i) b.end();
  return t;
}

TEST(JsonTree, ParseGivesNlohmannsTree) {
  for (const char* text :
       {"null", "true", "-12", "18446744073709551615", "1.5e3", "\"h\\u00e9\"", "[]", "{}", "[1,[2,[3,{}]],[]]",
        R"({"a":{"b":[1,2,{"c":null}]},"d":"e","f":[[],{}]})", R"( {"k" : [ 1 , "two" , 3.25 , false ] } )"}) {
    js::Tree t = js::parse_tree(text, "doc");
    EXPECT_EQ(t.get(), nlohmann::json::parse(text)) << text;
    EXPECT_EQ(t.get().dump(), nlohmann::json::parse(text).dump()) << text;  // integer/unsigned/float kept apart
  }
}

TEST(JsonTree, DuplicateMembersKeepTheLastLikeNlohmann) {
  const char* text = R"({"a":[1,[2,3]],"b":1,"a":{"x":[4]}})";
  js::Tree t = js::parse_tree(text, "doc");
  EXPECT_EQ(t.get(), nlohmann::json::parse(text));
  EXPECT_EQ(t.get()["a"], nlohmann::json::parse(R"({"x":[4]})"));
}

TEST(JsonTree, MalformedTextIsInvalidArgumentNamingWhat) {
  for (const char* text : {"", "[1,", "{\"a\" 1}", "[1] x", "tru", "\"\xff\"", "[1,2,]", "/* c */ 1"}) {
    auto e = error_of([&] { js::parse_tree(text, "JSON Schema"); });
    EXPECT_EQ(e.first, Errc::invalid_argument) << text;
    EXPECT_EQ(e.second.rfind("JSON Schema is not valid JSON: parse error", 0), 0u) << e.second;
  }
}

TEST(JsonTree, DismantleEmptiesTreesOfAnyDepth) {
  // Deeper than the remembered path (kDismantlePath levels) and than the parser's limit.
  for (int depth : {1, 2, 255, 256, 257, 600, 3000}) {
    js::Tree t = deep_tree(depth);
    ASSERT_TRUE(t.get().is_array());
    js::dismantle(t.get());
    EXPECT_TRUE(t.get().is_array()) << depth;
    EXPECT_TRUE(t.get().empty()) << depth;
  }
  nlohmann::json wide = nlohmann::json::array();
  for (int i = 0; i < 1000; ++i) wide.push_back({{"k", i}, {"v", {i, i + 1, {{"deep", {1, 2}}}}}});
  js::dismantle(wide);
  EXPECT_TRUE(wide.empty());
  nlohmann::json scalar = "text";
  js::dismantle(scalar);
  EXPECT_EQ(scalar, "text");
}

TEST(JsonTree, MoveLeavesTheSourceNullAndTheTreeWhole) {
  js::Tree a = js::parse_tree(R"({"a":[1,2,{"b":3}]})", "doc");
  js::Tree b(std::move(a));
  EXPECT_TRUE(a.get().is_null());
  EXPECT_EQ(b.get()["a"][2]["b"], 3);
  js::Tree c = js::parse_tree("[1]", "doc");
  c = std::move(b);
  EXPECT_EQ(c.get()["a"][1], 2);
  EXPECT_TRUE(b.get().is_null());
}

// "const" and "enum" values are valijson FrozenValues, now copies held as Trees.
TEST(JsonTree, FrozenConstAndEnumValuesCompareAsBefore) {
  const std::string konst = R"({"const":{"a":[1,2,{"b":null}],"c":"d"}})";
  EXPECT_TRUE(kv::schema::violations(konst, R"({"c":"d","a":[1,2,{"b":null}]})").empty());
  EXPECT_FALSE(kv::schema::violations(konst, R"({"c":"d","a":[1,2,{"b":0}]})").empty());
  EXPECT_FALSE(kv::schema::violations(konst, R"({"c":"d","a":[1,2]})").empty());

  const std::string enums = R"({"enum":[[1,[2]],{"x":true},"s",18446744073709551615,-7,2.5,null]})";
  for (const char* ok : {"[1,[2]]", R"({"x":true})", "\"s\"", "18446744073709551615", "-7", "2.5", "null"})
    EXPECT_TRUE(kv::schema::violations(enums, ok).empty()) << ok;
  for (const char* bad : {"[1,[3]]", R"({"x":false})", "\"t\"", "-8", "2.25", "[]", "{}", "false"})
    EXPECT_FALSE(kv::schema::violations(enums, bad).empty()) << bad;

  // Subschemas that copy their frozen values (allOf/anyOf clone constraints).
  const std::string nested = R"({"anyOf":[{"const":[1,{"k":"v"}]},{"enum":[{"e":[0]}]}]})";
  EXPECT_TRUE(kv::schema::violations(nested, R"([1,{"k":"v"}])").empty());
  EXPECT_TRUE(kv::schema::violations(nested, R"({"e":[0]})").empty());
  EXPECT_FALSE(kv::schema::violations(nested, R"({"e":[1]})").empty());
}

}  // namespace
