// Regression tests for the defects the anomaly sweeps found, each aimed at one
// code path with every allocation failing in turn (the countdown of
// inject.hpp; this binary's allocator). The sweeps (test_fault.cpp) cover the
// same ground scenario by scenario; these name the defect and fail on its own.
//
//   ChunkReads.*   kvcolumn's chunk store held a bare sqlite3_blob* while the
//                  read buffer was resized: std::bad_alloc left the handle
//                  open, and sqlite3_close returned SQLITE_BUSY (the LSan-
//                  reported 176-byte SQLite leak was that connection).
//   JsonTree.* /   nlohmann::json's destructor allocates (std::terminate out
//   JsonSchema.*   of memory); valijson's allocators hand NULL to std
//                  containers (a segmentation fault) and report their own NULL
//                  checks as "invalid JSON Schema". Fixed by json::Tree
//                  (src/json/tree.hpp) and valijson.hpp.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdio>
#include <new>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "inject.hpp"
#include "json/schema.hpp"
#include "json/tree.hpp"
#include "kohakuvault.h"
#include "regression_util.hpp"

namespace kvfault {
namespace {

// Every statement that reads kvcolumn chunks, with allocation N failing
// (persistent: and every one after it), for every N until nothing fails: the
// statement succeeds or reports NOMEM, and the connection still closes.
void expect_chunk_reads_close(bool persistent) {
  TempDir dir;
  const std::string db_path = dir.path("c.db");
  {
    sqlite3* db = open_with_extension(db_path);
    ASSERT_NE(db, nullptr);
    ASSERT_EQ(exec(db,
                   "CREATE VIRTUAL TABLE c USING kvcolumn(i32, min_chunk_bytes=64, max_chunk_bytes=256);"
                   "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 199) "
                   "INSERT INTO c(c, value) SELECT 'append', kv_pack_many('i32', json_group_array(i)) FROM n;"),
              SQLITE_OK)
        << sqlite3_errmsg(db);
    ASSERT_EQ(sqlite3_close(db), SQLITE_OK);
  }
  // read_chunk (the UPDATE loads whole chunk images), read_range (a point read)
  // and read_pieces (a scan).
  const char* reads[] = {"UPDATE c SET value = value * 2 WHERE idx BETWEEN 10 AND 20",
                         "SELECT value FROM c WHERE idx = 150", "SELECT sum(value) FROM c WHERE idx >= 30"};
  for (const char* sql : reads) {
    const std::string txn = std::string("BEGIN; ") + sql + "; COMMIT";
    int failures = 0;
    for (int64_t n = 1;; n += point_stride(10)) {
      sqlite3* db = open_with_extension(db_path);
      ASSERT_NE(db, nullptr);
      ASSERT_EQ(exec(db, "SELECT count(*) FROM sqlite_schema"), SQLITE_OK);
      arm(Kind::oom, n, persistent);
      const int rc = exec(db, txn);
      const Counters c = disarm();
      if (rc != SQLITE_OK) {
        EXPECT_EQ(rc & 0xff, SQLITE_NOMEM) << sql << " N=" << n << ": " << sqlite3_errmsg(db);
        if (!sqlite3_get_autocommit(db)) exec(db, "ROLLBACK");
      }
      const int close_rc = sqlite3_close(db);
      if (close_rc != SQLITE_OK) {
        ++failures;
        while (sqlite3_stmt* st = sqlite3_next_stmt(db, nullptr)) sqlite3_finalize(st);
        sqlite3_close_v2(db);
      }
      if (c.injected == 0) break;
    }
    EXPECT_EQ(failures, 0) << sql << ": a handle was left open after an allocation failed (sqlite3_close BUSY)";
  }
}

TEST(ChunkReads, CloseTheirBlobWhenAnAllocationFailsTransient) { expect_chunk_reads_close(false); }
TEST(ChunkReads, CloseTheirBlobWhenAnAllocationFailsPersistent) { expect_chunk_reads_close(true); }

// Builds a tree the way the parser would: nested arrays and objects, each non-empty.
kv::json::Tree sample_tree() {
  return kv::json::parse_tree(
      R"({"a":[1,[2,[3,[4,{"b":[5,6,{"c":"d"}]}]]]],"e":{"f":{"g":[true,null,1.5]}},"h":"i"})", "doc");
}

TEST(JsonTree, FreesWithoutAllocating) {
  {
    kv::json::Tree t = sample_tree();
    arm(Kind::oom, 0, false);  // count only
    { kv::json::Tree gone = std::move(t); }
    EXPECT_EQ(disarm().calls, 0) << "destroying a json::Tree allocated";
  }
  // Why: a plain nlohmann::json of the same content allocates while it is destroyed.
  {
    auto* plain = new nlohmann::json(nlohmann::json::parse(sample_tree().get().dump()));
    arm(Kind::oom, 0, false);
    delete plain;
    EXPECT_GT(disarm().calls, 0) << "nlohmann::json's destructor no longer allocates: json::Tree may be unneeded";
  }
}

// Compiling and validating against a schema with frozen values (const, enum),
// the built-in meta-schema, patterns and in-place applicators, with allocation
// N failing for every N: only success or std::bad_alloc, never a crash, never
// another error.
void expect_schema_survives(bool persistent) {
  const std::string schema =
      R"({"type":"object","required":["id"],"properties":{)"
      R"("id":{"type":"integer","enum":[1,2,{"x":[1]}]},)"
      R"("tags":{"type":"array","items":{"type":"string","pattern":"^[a-z]+$"}},)"
      R"("kind":{"const":{"k":["v",{"w":null}]}},)"
      R"("meta":{"$ref":"http://json-schema.org/draft-07/schema#"},)"
      R"("any":{"anyOf":[{"type":"integer"},{"type":"string","minLength":2}]}}})";
  const std::string doc = R"({"id":2,"tags":["ab","c"],"kind":{"k":["v",{"w":null}]},)"
                          R"("meta":{"type":"string"},"any":"xy"})";
  ASSERT_TRUE(kv::schema::violations(schema, doc).empty());
  int64_t points = 0;
  const int64_t stride = point_stride(30);  // ~2900 points: the meta-schema compiles in each run
  for (int64_t n = 1;; n += stride, ++points) {
    kv::schema::clear_cache();
    arm(Kind::oom, n, persistent);
    std::string outcome;
    try {
      const std::vector<std::string> errors = kv::schema::violations(schema, doc);
      Pause p;
      if (!errors.empty()) outcome = "valid document reported invalid: " + errors.front();
    } catch (const std::bad_alloc&) {
    } catch (const kv::Error& e) {
      Pause p;
      outcome = std::string("out of memory reported as: ") + e.what();
    }
    const Counters c = disarm();
    EXPECT_EQ(outcome, "") << "N=" << n << (persistent ? " persistent" : " transient");
    if (c.injected == 0) break;
  }
  EXPECT_GT(points * stride, 100);
  std::printf("[regression] json schema %s: %lld injection points\n", persistent ? "persistent" : "transient", static_cast<long long>(points));
}

TEST(JsonSchema, SurvivesEveryAllocationFailureTransient) { expect_schema_survives(false); }
TEST(JsonSchema, SurvivesEveryAllocationFailurePersistent) { expect_schema_survives(true); }

}  // namespace
}  // namespace kvfault
