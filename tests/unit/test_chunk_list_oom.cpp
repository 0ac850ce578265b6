// ChunkedSkipList (src/index/chunk_list.hpp) out of memory, SQLite's faultsim
// loop in miniature (as test_ordered_index_oom.cpp does for the CSB+-tree):
// for N = 1, 2, ... the N-th allocation fails (transient: that one;
// persistent: every one from it on), until a run makes no allocation fail.
// After each run every write either happened or left the list exactly as it
// was (equal to a std::map model, structurally valid), the list is still
// usable, and nothing leaks (LeakSanitizer in the ASan build). Writes split
// and absorb every few keys (chunk sizes 2 and 4). Keys and values are longer
// than std::string's inline buffer, so every copy allocates.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <map>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "alloc_hooks.hpp"
#include "chunk_list_model.hpp"
#include "index/chunk_list.hpp"

namespace {

using StrList = kv::ChunkedSkipList<std::string, std::string>;
using Model = std::map<std::string, std::string>;

std::string long_key(int i) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "key-%05d-padded-beyond-small-string-buffer", i);
  return buf;
}

struct Op {
  enum { insert, assign, erase } what;
  int key;
};

// Inserts in scattered order (splits), replacements, erases that empty and
// thin chunks (absorbs), then appends at the end.
std::vector<Op> script() {
  std::vector<Op> ops;
  for (int i = 0; i < 40; ++i) ops.push_back({Op::insert, (i * 7) % 40});
  for (int i = 0; i < 10; ++i) ops.push_back({Op::assign, i * 4});
  for (int i = 0; i < 40; i += 2) ops.push_back({Op::erase, (i * 3) % 40});
  for (int i = 10; i < 30; ++i) ops.push_back({Op::erase, i});
  for (int i = 40; i < 50; ++i) ops.push_back({Op::insert, i});
  return ops;
}

void apply(StrList& l, const Op& op, int serial) {
  switch (op.what) {
    case Op::insert: l.insert(long_key(op.key), long_key(serial)); break;
    case Op::assign: l.insert_or_assign(long_key(op.key), long_key(serial)); break;
    case Op::erase: l.erase(long_key(op.key)); break;
  }
}

void apply(Model& m, const Op& op, int serial) {
  switch (op.what) {
    case Op::insert: m.emplace(long_key(op.key), long_key(serial)); break;
    case Op::assign: m.insert_or_assign(long_key(op.key), long_key(serial)); break;
    case Op::erase: m.erase(long_key(op.key)); break;
  }
}

class ChunkListOom : public ::testing::TestWithParam<std::uint32_t> {};

TEST_P(ChunkListOom, EveryWriteHappensWhollyOrNotAtAll) {
  const auto ops = script();
  for (bool persistent : {false, true}) {
    std::int64_t failing_runs = 0;
    for (std::int64_t n = 1;; ++n) {
      const std::string where = std::string(persistent ? "persistent" : "transient") + " N=" + std::to_string(n);
      StrList l(GetParam());
      std::vector<char> happened(ops.size(), 0);
      kvtest::AllocFailures f;
      {
        kvtest::AllocFailureScope armed(n, persistent);
        for (std::size_t i = 0; i < ops.size(); ++i) {
          try {
            apply(l, ops[i], static_cast<int>(i));
            happened[i] = 1;
          } catch (const std::bad_alloc&) {
            // this write did not happen: the model skips it too
          }
        }
        f = kvtest::disarm_alloc_failure();
      }
      Model m;
      for (std::size_t i = 0; i < ops.size(); ++i)
        if (happened[i]) apply(m, ops[i], static_cast<int>(i));
      ASSERT_NO_FATAL_FAILURE(kvtest::expect_chunks_match_model(l, m)) << where;
      // Still usable: every key can be written and erased afterwards.
      for (int k = 0; k < 50; ++k) {
        l.insert_or_assign(long_key(k), "v");
        m[long_key(k)] = "v";
      }
      ASSERT_NO_FATAL_FAILURE(kvtest::expect_chunks_match_model(l, m)) << where << " then written";
      for (int k = 0; k < 50; k += 2) {
        l.erase(long_key(k));
        m.erase(long_key(k));
      }
      ASSERT_NO_FATAL_FAILURE(kvtest::expect_chunks_match_model(l, m)) << where << " then erased";
      if (f.failed == 0) break;  // no allocation failed: past the last one
      ++failing_runs;
    }
    EXPECT_GT(failing_runs, 100) << "the script allocates: every point must have been tried";
  }
}

// bulk_load under OOM: all of it or an empty list.
TEST_P(ChunkListOom, BulkLoadWhollyOrEmpty) {
  for (std::int64_t n = 1;; ++n) {
    StrList l(GetParam());
    l.insert(long_key(999), "old");
    std::vector<std::pair<std::string, std::string>> items;
    Model m;
    for (int i = 0; i < 30; ++i) {
      items.emplace_back(long_key(i), long_key(-i));
      m.emplace(long_key(i), long_key(-i));
    }
    bool threw = false;
    kvtest::AllocFailures f;
    {
      kvtest::AllocFailureScope armed(n, false);
      try {
        l.bulk_load(std::move(items));
      } catch (const std::bad_alloc&) {
        threw = true;
      }
      f = kvtest::disarm_alloc_failure();
    }
    ASSERT_NO_FATAL_FAILURE(kvtest::expect_chunks_match_model(l, threw ? Model{} : m)) << "N=" << n;
    if (f.failed == 0) break;
  }
}

INSTANTIATE_TEST_SUITE_P(ChunkSizes, ChunkListOom, ::testing::Values(2u, 4u));

}  // namespace
