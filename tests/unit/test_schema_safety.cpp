// JSON Schema safety (issue #11 items 7, 8): cycles that consume no input are
// invalid schemas, validation depth is bounded, regular expressions run on RE2
// with an ECMA-262 -> RE2 translation and a work budget.
#include <gtest/gtest.h>

#include <string>

#include "json/schema.hpp"
#include "common/error.hpp"
#include "json/schema_regex.hpp"
#include "test_helpers.hpp"

namespace sc = kv::schema;
using kv::Errc;
using kvtest::error_of;

namespace {

std::pair<Errc, std::string> schema_error(const std::string& schema, const std::string& doc = "1") {
  return error_of([&] { sc::violations(schema, doc); });
}

TEST(SchemaSafety, RefCyclesThatConsumeNoInputAreInvalid) {
  for (const char* schema : {R"({"$ref":"#"})", R"({"$ref":"#/"})",
                             R"({"definitions":{"a":{"$ref":"#/definitions/b"},"b":{"$ref":"#/definitions/a"}},)"
                             R"("$ref":"#/definitions/a"})",
                             R"({"properties":{"x":{"$ref":"#/properties/x"}}})"}) {
    auto e = schema_error(schema);
    EXPECT_EQ(e.first, Errc::invalid_argument) << schema;
    EXPECT_NE(e.second.find("refers back to itself without consuming any input"), std::string::npos) << e.second;
  }
}

TEST(SchemaSafety, InPlaceApplicatorCyclesAreInvalid) {
  for (const char* schema :
       {R"({"allOf":[{"$ref":"#"}]})", R"({"anyOf":[{"$ref":"#"}]})", R"({"oneOf":[{"$ref":"#"}]})",
        R"({"not":{"$ref":"#"}})", R"({"if":{"$ref":"#"}})", R"({"if":true,"else":{"$ref":"#"}})",
        R"({"dependencies":{"a":{"$ref":"#"}}})",
        R"({"definitions":{"a":{"not":{"$ref":"#/definitions/b"}},"b":{"allOf":[{"$ref":"#/definitions/a"}]}},)"
        R"("properties":{"p":{"$ref":"#/definitions/a"}}})"}) {
    auto e = schema_error(schema);
    EXPECT_EQ(e.first, Errc::invalid_argument) << schema;
    EXPECT_NE(e.second.find("in-place subschema"), std::string::npos) << e.second;
  }
}

TEST(SchemaSafety, RecursionThatConsumesInputIsValid) {
  const std::string tree = R"({"type":["array","integer"],"items":{"$ref":"#"}})";
  EXPECT_TRUE(sc::violations(tree, "[1,[2,[3,[]]]]").empty());
  EXPECT_FALSE(sc::violations(tree, "[1,[2,[\"x\"]]]").empty());
  std::string deep(998, '[');
  deep += std::string(998, ']');
  EXPECT_TRUE(sc::violations(R"({"items":{"$ref":"#"}})", deep).empty());
}

TEST(SchemaSafety, DepthTimesInPlaceChainIsBounded) {
  std::string deep(900, '[');
  deep += std::string(900, ']');
  auto e = error_of([&] { sc::violations(R"({"items":{"allOf":[{"allOf":[{"$ref":"#"}]}]}})", deep); });
  EXPECT_EQ(e.first, Errc::too_big);
  EXPECT_NE(e.second.find("(limit 2000)"), std::string::npos) << e.second;
}

TEST(SchemaSafety, EcmaPatternsTranslateToRe2) {
  EXPECT_EQ(sc::ecma_to_re2(R"(^\u00e9+$)"), R"(^\x{00e9}+$)");
  EXPECT_EQ(sc::ecma_to_re2(R"((?<year>\d{4}))"), R"((?P<year>\d{4}))");
  EXPECT_EQ(sc::ecma_to_re2("[^]"), "(?s:.)");
  EXPECT_EQ(sc::ecma_to_re2(R"(a\0)"), R"(a\x00)");
  EXPECT_EQ(sc::ecma_to_re2(R"(\cJ)"), R"(\x0A)");
  EXPECT_EQ(sc::ecma_to_re2(R"([(?=])"), R"([(?=])");  // inside a class: literals
  EXPECT_EQ(sc::ecma_to_re2(R"(\(?=)"), R"(\(?=)");    // escaped paren: not a group
}

TEST(SchemaSafety, ConstructsRe2CannotRunAreNamed) {
  auto lookahead = error_of([] { sc::ecma_to_re2("a(?=b)"); });
  EXPECT_EQ(lookahead.first, Errc::invalid_argument);
  EXPECT_NE(lookahead.second.find("lookahead"), std::string::npos);
  EXPECT_NE(error_of([] { sc::ecma_to_re2("(?<!a)b"); }).second.find("lookbehind"), std::string::npos);
  EXPECT_NE(error_of([] { sc::ecma_to_re2(R"((a)\1)"); }).second.find("backreference (\\1)"), std::string::npos);
  EXPECT_NE(error_of([] { sc::ecma_to_re2(R"((?<n>a)\k<n>)"); }).second.find("named backreference"),
            std::string::npos);
}

TEST(SchemaSafety, PatternsMatchLongStringsInLinearTime) {
  std::string long_a = "\"" + std::string(40000, 'a') + "\"";
  EXPECT_TRUE(sc::violations(R"({"pattern":"^[a-z]+$"})", long_a).empty());
  std::string catastrophic = "\"" + std::string(28, 'a') + "b\"";
  EXPECT_FALSE(sc::violations(R"({"pattern":"^(a+)+$"})", catastrophic).empty());
  EXPECT_TRUE(sc::violations(R"({"format":"date"})", "\"" + std::string(100000, '1') + "\"").size() == 1);
}

TEST(SchemaSafety, RegexWorkHasABudgetPerValidation) {
  std::string many = "[";
  for (int k = 0; k < 20; ++k) many += (k ? ",\"" : "\"") + std::string(1000000, 'a') + "\"";
  many += "]";
  auto e = error_of([&] { sc::violations(R"({"items":{"pattern":"^(a|b|c|d|e|f|g|h)*[a-h]{20}$"}})", many); });
  EXPECT_EQ(e.first, Errc::too_big);
  EXPECT_NE(e.second.find("regular-expression work budget"), std::string::npos) << e.second;
  // The budget is per validation: the next one starts afresh.
  EXPECT_TRUE(sc::violations(R"({"pattern":"^a*$"})", "\"" + std::string(1000000, 'a') + "\"").empty());
}

}  // namespace
