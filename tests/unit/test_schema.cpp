// JSON Schema (draft 7) validation: violations with their paths, errors for
// bad schemas / documents, no remote fetching, the compiled-schema cache under
// concurrent use.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "json/schema.hpp"
#include "common/error.hpp"
#include "test_helpers.hpp"

namespace sc = kv::schema;
using kv::Errc;

namespace {
const char* kUser = R"({
  "type": "object",
  "required": ["name", "age"],
  "properties": {
    "name": {"type": "string", "minLength": 1},
    "age": {"type": "integer", "minimum": 0},
    "tags": {"type": "array", "items": {"type": "string"}}
  },
  "additionalProperties": false
})";
}  // namespace

TEST(Schema, ValidDocumentHasNoViolations) {
  EXPECT_TRUE(sc::violations(kUser, R"({"name":"x","age":3,"tags":["a"]})").empty());
  EXPECT_NO_THROW(sc::require_valid(kUser, R"({"name":"x","age":3})"));
  EXPECT_TRUE(sc::violations("true", "[1,2]").empty());
  EXPECT_TRUE(sc::violations("{}", "null").empty());
}

TEST(Schema, FalseSchemaRejectsEverythingWithAMessage) {
  auto v = sc::violations("false", "1");
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0], "$: the schema accepts no value (false)");
  EXPECT_FALSE(sc::violations(R"({"properties":{"a":false}})", R"({"a":1})").empty());
  EXPECT_TRUE(sc::violations(R"({"properties":{"a":false}})", R"({"b":1})").empty());
}

TEST(Schema, ViolationsNameThePath) {
  auto v = sc::violations(kUser, R"({"name":"x","age":-1,"tags":["a",7]})");
  ASSERT_GE(v.size(), 2u);
  std::string all;
  for (const auto& m : v) all += m + "\n";
  EXPECT_NE(all.find("$.age"), std::string::npos) << all;
  EXPECT_NE(all.find("$.tags[1]"), std::string::npos) << all;
}

TEST(Schema, RequireValidQuotesTheFirstViolation) {
  try {
    sc::require_valid(kUser, R"({"name":"x"})");
    FAIL() << "expected a constraint error";
  } catch (const kv::Error& e) {
    EXPECT_EQ(e.code(), Errc::constraint);
    std::string what = e.what();
    EXPECT_EQ(what.rfind("value does not match schema: $", 0), 0u) << what;
    EXPECT_NE(what.find("age"), std::string::npos) << what;
  }
  EXPECT_EQ(kvtest::errc_of([] { sc::require_valid(R"({"type":"string"})", "1"); }), Errc::constraint);
}

TEST(Schema, MaxErrorsBoundsTheList) {
  auto v = sc::violations(R"({"items":{"type":"string"}})", "[1,2,3,4,5,6]", 3);
  EXPECT_EQ(v.size(), 3u);
}

TEST(Schema, BadSchemaOrDocumentIsInvalidArgument) {
  EXPECT_EQ(kvtest::errc_of([] { sc::violations("{", "1"); }), Errc::invalid_argument);
  EXPECT_EQ(kvtest::errc_of([] { sc::violations("{}", "[1,"); }), Errc::invalid_argument);
  EXPECT_EQ(kvtest::errc_of([] { sc::violations(R"({"type":12})", "1"); }), Errc::invalid_argument);
  EXPECT_EQ(kvtest::errc_of([] { sc::violations(R"({"minimum":"x"})", "1"); }), Errc::invalid_argument);
}

TEST(Schema, RemoteRefIsNeverFetched) {
  EXPECT_EQ(kvtest::errc_of([] { sc::violations(R"({"$ref":"http://127.0.0.1:9/x.json"})", "1"); }),
            Errc::invalid_argument);
  EXPECT_EQ(kvtest::errc_of([] { sc::violations(R"({"$ref":"file:///etc/passwd"})", "1"); }),
            Errc::invalid_argument);
  // local references work
  const char* local = R"({"definitions":{"n":{"type":"integer"}},"items":{"$ref":"#/definitions/n"}})";
  EXPECT_TRUE(sc::violations(local, "[1,2]").empty());
  auto v = sc::violations(local, "[1,\"x\"]");  // the leaf first, then its container
  ASSERT_FALSE(v.empty());
  EXPECT_EQ(v.front().rfind("$[1]: ", 0), 0u) << v.front();
}

TEST(Schema, DeepDocumentsAreRefusedNotOverflowed) {
  std::string deep = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_EQ(kvtest::errc_of([&] { sc::violations(R"({"items":{"$ref":"#"}})", deep); }), Errc::too_big);
  EXPECT_EQ(kvtest::errc_of([&] { sc::violations(deep, "1"); }), Errc::too_big);
}

TEST(Schema, CacheIsSafeAcrossThreadsAndManySchemas) {
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &failures] {
      for (int k = 0; k < 200; ++k) {
        // more distinct schemas than the cache holds, so entries are evicted
        std::string schema = R"({"type":"integer","maximum":)" + std::to_string((k * 7 + t) % 100) + "}";
        bool valid = sc::violations(schema, "50").empty();
        if (valid != ((k * 7 + t) % 100 >= 50)) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
}
