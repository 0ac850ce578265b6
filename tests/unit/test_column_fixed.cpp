// FixedColumn over an in-memory ChunkStore, checked against a std::vector
// model: appends, insert-at, updates, lazily applied deletes, flushes (also
// forced by a tiny cache), savepoints and rollback.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <random>

#include "column/fixed.hpp"
#include "common/error.hpp"
#include "mem_chunk_store.hpp"

namespace {

using MemStore = kvtest::MemChunkStore;

std::string elem(std::uint32_t v) { return std::string(reinterpret_cast<const char*>(&v), 4); }

std::vector<std::uint32_t> contents(kv::Column& col) {
  col.settle();
  std::vector<std::uint32_t> out;
  for (std::uint64_t i = 0; i < col.length();) {
    std::string_view run = col.read_run(i, 1000);
    for (std::size_t o = 0; o < run.size(); o += 4) {
      std::uint32_t v;
      std::memcpy(&v, run.data() + o, 4);
      out.push_back(v);
    }
    i += run.size() / 4;
  }
  return out;
}

struct Fixture {
  MemStore store;
  kv::FixedColumn col;
  explicit Fixture(std::uint64_t cache = 1 << 20)
      : col(store, kv::ChunkLayout(4, 8, 20), "t", cache, 64) {}  // 5 elements per chunk
};

}  // namespace

TEST(ColumnFixed, AppendReadFlushReopen) {
  Fixture f;
  std::string packed;
  for (std::uint32_t i = 0; i < 23; ++i) packed += elem(i);
  f.col.append_packed(packed);
  EXPECT_EQ(f.col.length(), 23u);
  EXPECT_EQ(f.store.chunks.size(), 0u);  // buffered
  f.col.flush();
  EXPECT_EQ(f.store.length, 23u);
  EXPECT_EQ(f.store.chunks.size(), 5u);
  EXPECT_EQ(f.store.chunks[0].size(), 20u);
  kv::FixedColumn again(f.store, kv::ChunkLayout(4, 8, 20), "t", 1 << 20, 64);
  auto v = contents(again);
  ASSERT_EQ(v.size(), 23u);
  for (std::uint32_t i = 0; i < 23; ++i) EXPECT_EQ(v[i], i);
}

TEST(ColumnFixed, PointUpdateIsAnInPlaceWrite) {
  Fixture f;
  std::string packed;
  for (std::uint32_t i = 0; i < 20; ++i) packed += elem(i);
  f.col.append_packed(packed);
  f.col.flush();
  int puts = f.store.put_writes;
  f.store.bytes_written = 0;
  f.col.update(7, elem(700));
  f.col.flush();
  EXPECT_EQ(f.store.put_writes, puts);
  EXPECT_EQ(f.store.bytes_written, 4u);
  EXPECT_EQ(contents(f.col)[7], 700u);
}

TEST(ColumnFixed, DeletesAreAppliedLazilyInOriginalNumbering) {
  Fixture f;
  std::string packed;
  for (std::uint32_t i = 0; i < 12; ++i) packed += elem(i);
  f.col.append_packed(packed);
  for (std::uint64_t i : {0, 3, 6, 9}) f.col.mark_deleted(i);  // like DELETE WHERE idx % 3 = 0
  EXPECT_EQ(f.col.pending_deletes(), 4u);
  EXPECT_EQ(contents(f.col), (std::vector<std::uint32_t>{1, 2, 4, 5, 7, 8, 10, 11}));
  EXPECT_EQ(f.col.length(), 8u);
}

TEST(ColumnFixed, OutOfRangeIsAnError) {
  Fixture f;
  f.col.append_packed(elem(1));
  EXPECT_THROW(f.col.update(1, elem(2)), kv::Error);
  EXPECT_THROW(f.col.insert(2, elem(2)), kv::Error);
  EXPECT_THROW(f.col.mark_deleted(5), kv::Error);
  EXPECT_THROW(f.col.append_packed("abc"), kv::Error);
}

TEST(ColumnFixed, CorruptChunkIsReported) {
  Fixture f;
  std::string packed;
  for (std::uint32_t i = 0; i < 12; ++i) packed += elem(i);
  f.col.append_packed(packed);
  f.col.flush();
  f.store.chunks[1] = "xyz";
  f.col.invalidate();
  try {
    f.col.read_run(6, 1);
    FAIL() << "no error";
  } catch (const kv::Error& e) {
    EXPECT_EQ(e.code(), kv::Errc::corrupt);
    EXPECT_NE(std::string(e.what()).find("'t'"), std::string::npos);
  }
  f.store.chunks.erase(1);
  f.col.invalidate();
  EXPECT_THROW(f.col.read_run(6, 1), kv::Error);
}

TEST(ColumnFixed, SavepointsRestoreExactly) {
  Fixture f;
  f.col.append_packed(elem(1) + elem(2) + elem(3));
  f.col.begin_transaction();
  f.col.savepoint(0);
  f.col.update(0, elem(10));
  f.col.insert(1, elem(20));
  f.col.savepoint(1);
  f.col.mark_deleted(0);
  f.col.append_packed(elem(30));
  EXPECT_EQ(contents(f.col), (std::vector<std::uint32_t>{20, 2, 3, 30}));
  f.col.rollback_to(1);
  EXPECT_EQ(contents(f.col), (std::vector<std::uint32_t>{10, 20, 2, 3}));
  f.col.rollback_to(0);
  EXPECT_EQ(contents(f.col), (std::vector<std::uint32_t>{1, 2, 3}));
}

TEST(ColumnFixed, RollbackToASavepointOpenedBeforeJoining) {
  Fixture f;
  f.col.append_packed(elem(1) + elem(2));
  f.col.flush();
  f.col.begin_transaction();  // SAVEPOINT s0 happened before the first write
  f.col.savepoint(1);         // the statement savepoint SQLite opens at join
  f.col.mark_deleted(0);
  f.col.release(1);
  f.col.append_packed(elem(3));
  EXPECT_EQ(contents(f.col), (std::vector<std::uint32_t>{2, 3}));
  f.col.rollback_to(0);  // ROLLBACK TO s0
  EXPECT_EQ(contents(f.col), (std::vector<std::uint32_t>{1, 2}));
}

TEST(ColumnFixed, RandomOpsMatchAVectorModel) {
  for (std::uint64_t cache : {1ull << 20, 24ull}) {
    for (int seed = 1; seed <= 20; ++seed) {
      Fixture f(cache);
      std::vector<std::uint32_t> model, committed;
      // Savepoints remember the store too: SQLite rolls back flushed chunks itself.
      struct Save {
        int level;
        std::vector<std::uint32_t> model;
        std::map<std::uint64_t, std::string> chunks;
        std::uint64_t length;
      };
      std::vector<Save> saves;
      std::map<std::uint64_t, std::string> committed_chunks;
      std::uint64_t committed_length = 0;
      std::mt19937 rng(seed);
      int level = 0;
      f.col.begin_transaction();
      for (int step = 0; step < 400; ++step) {
        int op = rng() % 12;
        std::uint32_t v = rng() % 100000;
        if (op <= 2) {
          int n = 1 + rng() % 7;
          std::string packed;
          for (int j = 0; j < n; ++j) packed += elem(v + j), model.push_back(v + j);
          f.col.append_packed(packed);
        } else if (op == 3) {
          std::uint64_t i = rng() % (model.size() + 1);
          f.col.insert(i, elem(v));
          model.insert(model.begin() + i, v);
        } else if (op == 4 && !model.empty()) {
          std::uint64_t i = rng() % model.size();
          f.col.update(i, elem(v));
          model[i] = v;
        } else if (op == 5 && !model.empty()) {  // a multi-row DELETE in original numbering
          f.col.settle();                        // its scan (xFilter) settles earlier deletes
          std::vector<std::uint32_t> kept;
          int mod = 2 + rng() % 4;
          for (std::uint64_t i = 0; i < model.size(); ++i) {
            if (i % mod == 0)
              f.col.mark_deleted(i);
            else
              kept.push_back(model[i]);
          }
          model = kept;
        } else if (op == 6) {
          f.col.flush();
        } else if (op == 7) {
          f.col.savepoint(level);
          saves.push_back({level++, model, f.store.chunks, f.store.length});
        } else if (op == 8 && !saves.empty()) {
          int pick = rng() % saves.size();
          f.store.chunks = saves[pick].chunks;
          f.store.length = saves[pick].length;
          f.col.rollback_to(saves[pick].level);
          model = saves[pick].model;
          saves.resize(pick + 1);
          level = saves.back().level + 1;
        } else if (op == 9 && !saves.empty()) {
          int pick = rng() % saves.size();
          f.col.release(saves[pick].level);
          level = saves[pick].level;
          saves.resize(pick);
        } else if (op == 10) {  // commit
          f.col.flush();
          f.col.end_transaction();
          saves.clear();
          level = 0;
          committed = model;
          committed_chunks = f.store.chunks;
          committed_length = f.store.length;
          f.col.begin_transaction();
        } else if (op == 11 && rng() % 4 == 0) {  // rollback
          f.col.discard();
          saves.clear();
          level = 0;
          model = committed;
          f.store.chunks = committed_chunks;  // SQLite reverts the store
          f.store.length = committed_length;
          f.col.begin_transaction();
        }
        if (step % 20 == 0) {
          ASSERT_EQ(contents(f.col), model) << "seed " << seed << " step " << step;
        }
      }
      ASSERT_EQ(contents(f.col), model) << "seed " << seed;
      f.col.flush();
      kv::FixedColumn reopened(f.store, kv::ChunkLayout(4, 8, 20), "t", cache, 64);
      ASSERT_EQ(contents(reopened), model) << "seed " << seed;
    }
  }
}

TEST(ColumnFixed, ScatteredUpdatesStayInPlaceWrites) {
  MemStore store;
  kv::FixedColumn col(store, kv::ChunkLayout(4, 64, 4096), "t", 1 << 20, 1 << 20);  // 1024 per chunk
  std::string packed;
  for (std::uint32_t i = 0; i < 2048; ++i) packed += elem(i);
  col.append_packed(packed);
  col.flush();
  const int puts = store.put_writes;
  std::vector<std::uint32_t> model(2048);
  for (std::uint32_t i = 0; i < 2048; ++i) model[i] = i;
  for (std::uint32_t i = 0; i < 2048; i += 7) {  // enough patches to switch to a full in-memory copy
    col.update(i, elem(i + 100000));
    model[i] = i + 100000;
  }
  EXPECT_EQ(contents(col), model);
  col.flush();
  EXPECT_EQ(store.put_writes, puts);  // never a chunk rewrite
  kv::FixedColumn again(store, kv::ChunkLayout(4, 64, 4096), "t", 1 << 20, 1 << 20);
  EXPECT_EQ(contents(again), model);
}
