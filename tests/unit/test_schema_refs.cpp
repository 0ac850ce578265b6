// JSON Schema references: RFC 3986 resolution (json/uri.hpp), "$id" scopes
// and anchors, the built-in draft-07 meta-schema, and every other URI refused
// without being fetched (json/schema_refs.hpp), through kv::schema::violations.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "json/schema.hpp"
#include "common/error.hpp"
#include "json/schema_meta.hpp"
#include "json/schema_refs.hpp"
#include "json/uri.hpp"
#include "test_helpers.hpp"

namespace sc = kv::schema;
using kv::Errc;
using kvtest::error_of;

namespace {

bool valid(const std::string& schema, const std::string& doc) { return sc::violations(schema, doc).empty(); }

const std::string kMeta = R"({"$ref":"http://json-schema.org/draft-07/schema#"})";

}  // namespace

// RFC 3986 section 5.4.1 (normal) and 5.4.2 (abnormal) examples.
TEST(SchemaUri, Rfc3986ExamplesResolve) {
  const char* base = "http://a/b/c/d;p?q";
  const std::pair<const char*, const char*> cases[] = {
      {"g:h", "g:h"},           {"g", "http://a/b/c/g"},       {"./g", "http://a/b/c/g"},
      {"g/", "http://a/b/c/g/"}, {"/g", "http://a/g"},          {"//g", "http://g"},
      {"?y", "http://a/b/c/d;p?y"}, {"g?y", "http://a/b/c/g?y"}, {"#s", "http://a/b/c/d;p?q#s"},
      {"g#s", "http://a/b/c/g#s"}, {"g?y#s", "http://a/b/c/g?y#s"}, {";x", "http://a/b/c/;x"},
      {"g;x", "http://a/b/c/g;x"}, {"", "http://a/b/c/d;p?q"},   {".", "http://a/b/c/"},
      {"./", "http://a/b/c/"},   {"..", "http://a/b/"},         {"../", "http://a/b/"},
      {"../g", "http://a/b/g"},  {"../..", "http://a/"},        {"../../", "http://a/"},
      {"../../g", "http://a/g"}, {"../../../g", "http://a/g"},  {"../../../../g", "http://a/g"},
      {"/./g", "http://a/g"},    {"/../g", "http://a/g"},       {"g.", "http://a/b/c/g."},
      {".g", "http://a/b/c/.g"}, {"g..", "http://a/b/c/g.."},   {"..g", "http://a/b/c/..g"},
      {"./../g", "http://a/b/g"}, {"./g/.", "http://a/b/c/g/"}, {"g/./h", "http://a/b/c/g/h"},
      {"g/../h", "http://a/b/c/h"}, {"g;x=1/./y", "http://a/b/c/g;x=1/y"}, {"g;x=1/../y", "http://a/b/c/y"},
      {"g?y/./x", "http://a/b/c/g?y/./x"}, {"g#s/../x", "http://a/b/c/g#s/../x"}, {"http:g", "http:g"},
  };
  for (const auto& [ref, want] : cases) EXPECT_EQ(kv::json::resolve_uri(base, ref), want) << ref;
}

TEST(SchemaUri, EmptyBaseLeavesReferencesRelative) {
  EXPECT_EQ(kv::json::resolve_uri("", "#/definitions/a"), "#/definitions/a");
  EXPECT_EQ(kv::json::resolve_uri("", "node"), "node");
  EXPECT_EQ(kv::json::resolve_uri("http://localhost:1234/tree", "node"), "http://localhost:1234/node");
  EXPECT_EQ(kv::json::resolve_uri("urn:example:root", "#/a"), "urn:example:root#/a");
  EXPECT_EQ(kv::json::uri_without_fragment("http://x/y#/a"), "http://x/y");
  EXPECT_EQ(kv::json::uri_fragment("http://x/y#/a"), "/a");
  EXPECT_EQ(kv::json::uri_fragment("http://x/y"), "");
}

TEST(SchemaMetaSchema, IsBuiltInWithAndWithoutTheHash) {
  for (const std::string& schema : {kMeta, std::string(R"({"$ref":"http://json-schema.org/draft-07/schema"})")}) {
    EXPECT_TRUE(valid(schema, R"({"type":"string","minLength":1})")) << schema;
    EXPECT_TRUE(valid(schema, "true"));
    EXPECT_TRUE(valid(schema, R"({"properties":{"a":{"items":[{"type":"integer"}]}},"definitions":{"x":false}})"));
    EXPECT_FALSE(valid(schema, R"({"type":"strin"})"));
    EXPECT_FALSE(valid(schema, R"({"minLength":-1})"));
    EXPECT_FALSE(valid(schema, R"({"enum":[]})"));
    EXPECT_FALSE(valid(schema, R"({"properties":{"a":{"required":"x"}}})"));  // nested: via "$ref": "#"
    EXPECT_FALSE(valid(schema, R"({"allOf":[]})"));
    EXPECT_FALSE(valid(schema, "12"));
  }
}

TEST(SchemaMetaSchema, ValidatesItself) {
  const std::string meta(sc::draft07_meta_schema());
  EXPECT_TRUE(valid(kMeta, meta));
  // The document claims its own $id, so it is used as the schema directly too.
  EXPECT_TRUE(valid(meta, meta));
  EXPECT_TRUE(valid(meta, R"({"type":["string","null"]})"));
  EXPECT_FALSE(valid(meta, R"({"type":["string","string"]})"));
}

TEST(SchemaMetaSchema, PointersIntoItAndUserNamesDoNotCollide) {
  const std::string nonneg = R"({"$ref":"http://json-schema.org/draft-07/schema#/definitions/nonNegativeInteger"})";
  EXPECT_TRUE(valid(nonneg, "3"));
  EXPECT_FALSE(valid(nonneg, "-3"));
  // The user's own "schemaArray" and "properties/maxLength" are not the meta-schema's.
  const std::string mixed = R"({"definitions":{"schemaArray":{"type":"string"}},)"
                            R"("properties":{"maxLength":{"type":"string"},"a":{"$ref":"#/definitions/schemaArray"},)"
                            R"("s":{"$ref":"http://json-schema.org/draft-07/schema#"}}})";
  EXPECT_TRUE(valid(mixed, R"({"a":"x","maxLength":"y","s":{"allOf":[{"maxLength":2}]}})"));
  EXPECT_FALSE(valid(mixed, R"({"a":[{}]})"));
  EXPECT_FALSE(valid(mixed, R"({"maxLength":2})"));
  EXPECT_FALSE(valid(mixed, R"({"s":{"allOf":{}}})"));
  EXPECT_FALSE(valid(mixed, R"({"s":{"allOf":[{"maxLength":"2"}]}})"));
}

TEST(SchemaMetaSchema, ReservedMemberIsAClearError) {
  std::string schema = R"({"$ref":"http://json-schema.org/draft-07/schema","$kohakuvault:draft-07-meta-schema":1})";
  auto e = error_of([&] { sc::violations(schema, "1"); });
  EXPECT_EQ(e.first, Errc::invalid_argument);
  EXPECT_NE(e.second.find("already has"), std::string::npos) << e.second;
}

TEST(SchemaRefs, IdScopesResolveInsideTheDocument) {
  // Relative "$ref"s against "$id" base URIs, recursion between two resources.
  const std::string tree = R"({"$id":"http://example.com/root.json","type":"object",)"
                           R"("properties":{"kids":{"type":"array","items":{"$ref":"item.json"}}},)"
                           R"("definitions":{"item":{"$id":"item.json","type":"object","required":["v"],)"
                           R"("properties":{"v":{"type":"integer"},"sub":{"$ref":"root.json"}}}}})";
  EXPECT_TRUE(valid(tree, R"({"kids":[{"v":1,"sub":{"kids":[{"v":2}]}}]})"));
  EXPECT_FALSE(valid(tree, R"({"kids":[{"v":1,"sub":{"kids":[{"v":"x"}]}}]})"));
  // "#/..." inside a resource is a pointer from that resource, not from the root.
  const std::string inner = R"({"definitions":{"r":{"$id":"http://x/r","definitions":{"n":{"type":"integer"}},)"
                            R"("items":{"$ref":"#/definitions/n"}}},"$ref":"http://x/r"})";
  EXPECT_TRUE(valid(inner, "[1,2]"));
  EXPECT_FALSE(valid(inner, R"(["a"])"));
  // A plain-name fragment "$id" (location-independent identifier).
  const std::string anchor = R"({"definitions":{"a":{"$id":"#int","type":"integer"}},"items":{"$ref":"#int"}})";
  EXPECT_TRUE(valid(anchor, "[1]"));
  EXPECT_FALSE(valid(anchor, "[1.5]"));
  // Member names that need escaping in the generated pointer.
  const std::string escaped = R"({"definitions":{"a/b~c%d":{"$id":"http://x/e","type":"string"}},)"
                              R"("items":{"$ref":"http://x/e"}})";
  EXPECT_TRUE(valid(escaped, R"(["s"])"));
  EXPECT_FALSE(valid(escaped, "[1]"));
}

TEST(SchemaRefs, IdBesideRefAndInsideDataIsNotAnIdentifier) {
  // draft 7: beside "$ref" every other member is ignored, "$id" included.
  const std::string beside = R"({"definitions":{"a":{"$id":"http://x/a","$ref":"#/definitions/b"},)"
                             R"("b":{"type":"integer"}},"items":{"$ref":"http://x/a"}})";
  EXPECT_EQ(error_of([&] { sc::violations(beside, "[1]"); }).first, Errc::invalid_argument);
  const std::string in_enum = R"({"enum":[{"$id":"http://x/e","type":"null"}],"items":{"$ref":"http://x/e"}})";
  EXPECT_EQ(error_of([&] { sc::violations(in_enum, "[1]"); }).first, Errc::invalid_argument);
}

TEST(SchemaRefs, OtherUrisAreRefusedNamingTheRef) {
  for (const char* schema :
       {R"({"$ref":"http://127.0.0.1:9/x.json"})", R"({"$ref":"file:///etc/passwd"})",
        R"({"$ref":"https://json-schema.org/draft-07/schema#"})", R"({"$ref":"node"})",
        R"({"items":{"$ref":"http://json-schema.org/draft-06/schema#"}})",
        R"({"$id":"http://x/","items":{"$ref":"y"}})"}) {
    auto e = error_of([&] { sc::violations(schema, "[1]"); });
    EXPECT_EQ(e.first, Errc::invalid_argument) << schema;
    EXPECT_NE(e.second.find("references are never fetched"), std::string::npos) << e.second;
  }
  auto e = error_of([&] { sc::violations(R"({"items":{"$ref":"#nowhere"}})", "[1]"); });
  EXPECT_EQ(e.first, Errc::invalid_argument);
  EXPECT_NE(e.second.find("no \"$id\" in this schema defines"), std::string::npos) << e.second;
  e = error_of([&] {
    sc::violations(R"({"definitions":{"a":{"$id":"http://x/a"},"b":{"$id":"http://x/a"}}})", "1");
  });
  EXPECT_EQ(e.first, Errc::invalid_argument);
  EXPECT_NE(e.second.find("another subschema"), std::string::npos) << e.second;
}

TEST(SchemaRefs, CyclesThroughIdsAreStillFound) {
  const std::string cycle = R"({"definitions":{"a":{"$id":"http://x/a","allOf":[{"$ref":"http://x/a"}]}},)"
                            R"("$ref":"#/definitions/a"})";
  auto e = error_of([&] { sc::violations(cycle, "1"); });
  EXPECT_EQ(e.first, Errc::invalid_argument);
  EXPECT_NE(e.second.find("in-place subschema"), std::string::npos) << e.second;
  const std::string two = R"({"definitions":{"a":{"$id":"http://x/a","not":{"$ref":"http://x/b"}},)"
                          R"("b":{"$id":"http://x/b","anyOf":[{"$ref":"a"}]}},"$ref":"#/definitions/a"})";
  e = error_of([&] { sc::violations(two, "1"); });
  EXPECT_EQ(e.first, Errc::invalid_argument);
  EXPECT_NE(e.second.find("in-place subschema"), std::string::npos) << e.second;
}

TEST(SchemaRefs, RewritesOnlyWhatItMust) {
  nlohmann::json doc = nlohmann::json::parse(
      R"({"$id":"http://x/root","definitions":{"a":{"$id":"a","type":"integer"}},)"
      R"("properties":{"p":{"$ref":"#/definitions/a"},"q":{"$ref":"a"},"r":{"$ref":"http://x/a#/type"}}})");
  sc::resolve_refs(doc);
  EXPECT_EQ(doc["properties"]["p"]["$ref"], "#/definitions/a");
  EXPECT_EQ(doc["properties"]["q"]["$ref"], "#/definitions/a");
  EXPECT_EQ(doc["properties"]["r"]["$ref"], "#/definitions/a/type");
  EXPECT_FALSE(doc.contains(std::string(sc::kEmbeddedMetaSchemaKey)));
}
