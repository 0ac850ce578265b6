// VarColumn over two in-memory ChunkStores, checked against a
// std::vector<std::string> model: appends, insert-at, growing and shrinking
// updates, lazily applied deletes, flushes (also forced by a tiny cache),
// savepoints, rollback, reopen, elements larger than a chunk, the 7-byte
// index entries, dead-byte counting, compaction and corrupt entries.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <random>

#include "column/var.hpp"
#include "common/error.hpp"
#include "mem_chunk_store.hpp"

namespace {

using MemStore = kvtest::MemChunkStore;

struct Fixture {
  MemStore index, data;
  std::unique_ptr<kv::VarColumn> col;
  explicit Fixture(std::uint64_t cache = 1 << 20) { reopen(cache); }
  void reopen(std::uint64_t cache = 1 << 20) {
    col = std::make_unique<kv::VarColumn>(index, data, 16, 48, "t", cache, 256);  // 48-byte chunks
  }
};

std::vector<std::string> contents(kv::Column& col) {
  col.settle();
  std::vector<std::string> out;
  for (std::uint64_t i = 0; i < col.length(); ++i) out.emplace_back(col.read_run(i, 100));
  return out;
}

std::string random_elem(std::mt19937& r) {
  std::uniform_int_distribution<int> len_pick(0, 9), byte(0, 255);
  int len = len_pick(r) < 7 ? len_pick(r) * 3 : 30 + len_pick(r) * 20;  // some span several chunks
  std::string s(static_cast<std::size_t>(len), '\0');
  for (char& c : s) c = static_cast<char>(byte(r));
  return s;
}

}  // namespace

TEST(ColumnVar, AppendReadFlushReopen) {
  Fixture f;
  std::vector<std::string> model = {"", "a", std::string(200, 'x'), "hello"};
  for (const auto& e : model) f.col->append_packed(e);
  EXPECT_EQ(contents(*f.col), model);
  EXPECT_EQ(f.col->elem_size(), 0u);
  f.col->flush();
  f.reopen();
  EXPECT_EQ(contents(*f.col), model);
  EXPECT_EQ(f.index.length, 4u);
  EXPECT_EQ(f.data.length, 206u);
  EXPECT_EQ(f.data.chunks.size(), 5u);  // the 200-byte element spans chunks
}

TEST(ColumnVar, IndexEntriesAre48BitOffsetAndLengthByte) {
  Fixture f;
  f.col->append_packed("abc");
  f.col->append_packed("de");
  f.col->append_packed(std::string(300, 'L'));  // a long record: [u32 300][bytes]
  f.col->append_packed("f");
  f.col->flush();
  const std::string& idx = f.index.chunks.at(0);
  ASSERT_GE(idx.size(), 28u);
  const unsigned char expected[28] = {0, 0, 0, 0, 0, 0, 3,   3,  0, 0, 0, 0, 0, 2,
                                      5, 0, 0, 0, 0, 0, 255, 53, 1, 0, 0, 0, 0, 1};
  EXPECT_EQ(std::memcmp(idx.data(), expected, 28), 0);
  EXPECT_EQ(f.data.length, 3u + 2u + 4u + 300u + 1u);
  const std::string& data0 = f.data.chunks.at(0);
  const unsigned char header[4] = {44, 1, 0, 0};  // 300 little-endian, at stream offset 5
  EXPECT_EQ(std::memcmp(data0.data() + 5, header, 4), 0);
  EXPECT_EQ(contents(*f.col)[2], std::string(300, 'L'));
}

TEST(ColumnVar, OffsetsAbove4GiBAreNotTruncated) {
  Fixture f;
  f.col->append_packed("x");
  f.col->flush();
  // Claim a 5 GiB stream and an entry at offset 4 GiB + 7: reading it must
  // look for that offset (chunk 4GiB/48), not a wrapped 32-bit one.
  f.data.length = 5ull << 30;
  std::string& idx = f.index.chunks.at(0);
  const std::uint64_t off = (4ull << 30) + 7;
  for (int b = 0; b < 6; ++b) idx[static_cast<std::size_t>(b)] = static_cast<char>((off >> (8 * b)) & 0xff);
  f.reopen();
  try {
    f.col->read_run(0, 1);
    FAIL() << "expected a missing-chunk error";
  } catch (const kv::Error& e) {
    EXPECT_EQ(e.code(), kv::Errc::corrupt);
    EXPECT_NE(std::string(e.what()).find(std::to_string(off / 48)), std::string::npos) << e.what();
  }
}

TEST(ColumnVar, CorruptEntryNamesTheTable) {
  for (int damage = 0; damage < 3; ++damage) {
    Fixture f;
    f.col->append_packed(damage == 2 ? std::string(300, 'x') : "hello");
    f.col->flush();
    std::string& idx = f.index.chunks.at(0);
    if (damage == 0) idx[6] = 6;                                       // length 6 > 5-byte stream
    if (damage == 1) idx[0] = 1;                                       // offset 1 + 5 bytes > 5-byte stream
    if (damage == 2) f.data.chunks.at(0)[0] = static_cast<char>(200);  // long record claiming 200 bytes
    f.reopen();
    try {
      f.col->read_run(0, 1);
      FAIL() << "expected corrupt, damage " << damage;
    } catch (const kv::Error& e) {
      EXPECT_EQ(e.code(), kv::Errc::corrupt);
      EXPECT_NE(std::string(e.what()).find("'t'"), std::string::npos) << e.what();
    }
  }
}

TEST(ColumnVar, UpdateTouchesOnlyTheNewBytes) {
  Fixture f;
  for (int i = 0; i < 50; ++i) f.col->append_packed(std::string(10, static_cast<char>('a' + i % 26)));
  f.col->flush();
  const std::string first_chunk = f.data.chunks.at(0);
  f.col->update(3, std::string(100, 'Z'));  // grows
  f.col->update(7, "q");                    // shrinks
  f.col->flush();
  EXPECT_EQ(f.data.chunks.at(0), first_chunk);  // earlier chunks are never rewritten
  auto got = contents(*f.col);
  EXPECT_EQ(got[3], std::string(100, 'Z'));
  EXPECT_EQ(got[7], "q");
  EXPECT_EQ(got[8], std::string(10, 'i'));
}

TEST(ColumnVar, RandomOpsAgainstModel) {
  for (std::uint64_t cache : {std::uint64_t{1} << 20, std::uint64_t{40}}) {
    Fixture f(cache);
    std::mt19937 r(static_cast<unsigned>(cache));
    std::vector<std::string> model, committed;
    std::vector<std::vector<std::string>> saves;
    f.col->begin_transaction();
    for (int step = 0; step < 600; ++step) {
      int op = static_cast<int>(r() % 10);
      SCOPED_TRACE("cache " + std::to_string(cache) + " step " + std::to_string(step) + " op " +
                   std::to_string(op));
      if (op <= 2) {
        std::string e = random_elem(r);
        f.col->append_packed(e);
        model.push_back(e);
      } else if (op == 3) {
        std::uint64_t i = r() % (model.size() + 1);
        std::string e = random_elem(r);
        f.col->insert(i, e);
        model.insert(model.begin() + static_cast<long>(i), e);
      } else if (op == 4 && !model.empty()) {
        std::uint64_t i = r() % model.size();
        std::string e = random_elem(r);
        f.col->update(i, e);
        model[i] = e;
      } else if (op == 5 && !model.empty()) {
        // A multi-row delete in the original numbering.
        std::vector<std::uint64_t> del;
        for (std::uint64_t i = 0; i < model.size(); ++i)
          if (r() % 4 == 0) del.push_back(i);
        for (auto i : del) f.col->mark_deleted(i);
        for (auto it = del.rbegin(); it != del.rend(); ++it)
          model.erase(model.begin() + static_cast<long>(*it));
        f.col->settle();
      } else if (op == 6 && cache > 40) {
        // (Savepoints only with the large cache: a flush inside a savepoint is
        // undone by SQLite's journal, which these in-memory stores do not have.)
        f.col->savepoint(static_cast<int>(saves.size()));
        saves.push_back(model);
      } else if (op == 7 && !saves.empty()) {
        int level = static_cast<int>(r() % saves.size());
        f.col->rollback_to(level);
        model = saves[static_cast<std::size_t>(level)];
        saves.resize(static_cast<std::size_t>(level) + 1);
      } else if (op == 8) {
        f.col->flush();
        f.col->end_transaction();
        committed = model;
        saves.clear();
        if (r() % 2) f.reopen(cache);
        f.col->begin_transaction();
      } else if (op == 9 && r() % 4 == 0) {
        f.col->compact();
      } else if (op == 9 && !model.empty()) {
        std::uint64_t i = r() % model.size();
        ASSERT_EQ(f.col->read_run(i, 1), model[i]);
      }
      ASSERT_NO_THROW(contents(*f.col));
      ASSERT_EQ(contents(*f.col), model) << "cache " << cache << " step " << step << " op " << op;
    }
  }
}

TEST(ColumnVar, InsertOutOfRangeChangesNothing) {
  Fixture f;
  f.col->append_packed("a");
  EXPECT_THROW(f.col->insert(5, "x"), kv::Error);
  EXPECT_THROW(f.col->update(1, "x"), kv::Error);
  EXPECT_EQ(contents(*f.col), std::vector<std::string>{"a"});
  f.col->flush();
  EXPECT_EQ(f.data.length, 1u);
}

TEST(ColumnVar, DeadBytesAreCountedAndSaved) {
  MemStore index, data;
  auto open = [&] { return std::make_unique<kv::VarColumn>(index, data, 16, 4096, "t", 1 << 20, 1 << 16); };
  auto col = open();
  for (int i = 0; i < 20; ++i) col->append_packed(std::string(10, static_cast<char>('a' + i)));
  col->update(0, std::string(12, 'A'));   // grows: the old 10 bytes are dead
  col->update(1, std::string(10, 'B'));   // same size: in place, nothing dead
  col->update(2, std::string(300, 'C'));  // long record: 10 dead
  col->update(2, std::string(301, 'D'));  // 304 dead
  col->mark_deleted(5);                   // 10 dead
  col->mark_deleted(5);                   // the same row twice counts once
  EXPECT_EQ(col->dead_bytes(), 10u + 10u + 304u + 10u);
  EXPECT_EQ(col->stream_bytes(), 200u + 12u + 304u + 305u);
  col->flush();
  EXPECT_EQ(index.counters.at("dead_bytes"), 334u);
  col = open();
  EXPECT_EQ(col->dead_bytes(), 334u);
  // Rollback restores the count.
  col->begin_transaction();
  col->savepoint(0);
  col->update(3, "");
  EXPECT_EQ(col->dead_bytes(), 344u);
  col->rollback_to(0);
  EXPECT_EQ(col->dead_bytes(), 334u);
  col->end_transaction();
  col->compact();
  EXPECT_EQ(col->dead_bytes(), 0u);
  EXPECT_EQ(col->stream_bytes(), 17u * 10u + 12u + 305u);
  col->flush();
  EXPECT_EQ(index.counters.at("dead_bytes"), 0u);
}

TEST(ColumnVar, CompactKeepsLiveBytesOnly) {
  Fixture f(1 << 20);
  f.col = std::make_unique<kv::VarColumn>(f.index, f.data, 16, 4096, "t", 1 << 20,
                                          1 << 16);  // no auto compaction
  for (int i = 0; i < 20; ++i) f.col->append_packed(std::string(10, static_cast<char>('a' + i)));
  for (int round = 0; round < 3; ++round)
    for (std::uint64_t i = 0; i < 20; ++i)
      f.col->update(i, std::string(12 + static_cast<std::size_t>(round), static_cast<char>('A' + i)));
  f.col->mark_deleted(0);
  f.col->flush();
  EXPECT_EQ(f.data.length, 200u + 20u * (12 + 13 + 14));
  auto before = contents(*f.col);
  f.col->compact();
  f.col->flush();
  EXPECT_EQ(f.data.length, 19u * 14u);
  EXPECT_EQ(contents(*f.col), before);
  f.col = std::make_unique<kv::VarColumn>(f.index, f.data, 16, 4096, "t", 1 << 20, 1 << 16);
  EXPECT_EQ(contents(*f.col), before);
  for (std::uint64_t i = 0; i < 19; ++i) f.col->mark_deleted(i);
  f.col->flush();  // an empty column drops its stream
  EXPECT_EQ(f.data.length, 0u);
  EXPECT_TRUE(f.data.chunks.empty());
}

TEST(ColumnVar, AutomaticCompactionStartsAtTheFirstFragmentedChunk) {
  Fixture f;  // 48-byte chunks
  for (int i = 0; i < 40; ++i) f.col->append_packed(std::string(6, static_cast<char>('a' + i % 26)));
  f.col->flush();
  const std::string chunk0 = f.data.chunks.at(0), chunk1 = f.data.chunks.at(1);
  // Grow every element from idx 16 on (chunks 2.. hold them): their old
  // records die, half the stream and more.
  for (std::uint64_t i = 16; i < 40; ++i) f.col->update(i, std::string(7, 'Z'));
  for (std::uint64_t i = 16; i < 40; ++i) f.col->update(i, std::string(8, 'Y'));
  auto before = contents(*f.col);
  f.col->flush();
  EXPECT_EQ(f.col->dead_bytes(), 0u);
  EXPECT_EQ(f.data.length, 16u * 6u + 24u * 8u);
  EXPECT_EQ(f.data.chunks.at(0), chunk0);  // chunks before the first fragmented one stay as they were
  EXPECT_EQ(f.data.chunks.at(1), chunk1);
  f.reopen();
  EXPECT_EQ(contents(*f.col), before);
}

TEST(ColumnVar, AppendWritesOnlyTheNewBytes) {
  Fixture f;
  f.col = std::make_unique<kv::VarColumn>(f.index, f.data, 1024, 1 << 20, "t", 1 << 22, 1 << 22);
  for (int i = 0; i < 20000; ++i) f.col->append_packed(std::string(40, static_cast<char>('a' + i % 26)));
  f.col->flush();
  const std::uint64_t before = f.data.bytes_written + f.index.bytes_written;
  const int puts = f.data.put_writes + f.index.put_writes;
  for (int i = 0; i < 100; ++i) {
    f.col->append_packed("tail");
    f.col->flush();
  }
  // Upstream rewrites the whole chunk per append; here the last chunk's spare
  // room takes them as in-place writes (a rare regrow rewrites it once).
  EXPECT_LE(f.data.put_writes + f.index.put_writes - puts, 2);
  EXPECT_LT(f.data.bytes_written + f.index.bytes_written - before, 100u * (4 + 7) + 2u * (1 << 20));
  EXPECT_EQ(contents(*f.col).back(), "tail");
}

TEST(ColumnVar, RollbackToUndoesCompact) {
  Fixture f;
  f.col->begin_transaction();
  for (int i = 0; i < 10; ++i) f.col->append_packed(std::string(static_cast<std::size_t>(i), 'x'));
  f.col->update(3, "longer than before");
  auto before = contents(*f.col);
  f.col->savepoint(0);
  f.col->compact();
  f.col->update(0, "changed");
  f.col->rollback_to(0);
  EXPECT_EQ(contents(*f.col), before);
  EXPECT_EQ(f.col->stream_bytes(), 45u + 18u);
  EXPECT_EQ(f.col->dead_bytes(), 3u);
}

TEST(ColumnVar, AppendManyStoresWhatOneByOneAppendsStore) {
  std::mt19937 r(7);
  std::string buffer;  // elements back to back, plus some elsewhere
  std::vector<std::string> model, elsewhere;
  std::vector<std::size_t> ends;
  for (int k = 0; k < 500; ++k) {
    std::string e = k % 50 == 7 ? std::string(300 + k, 'L') : random_elem(r);
    model.push_back(e);
    buffer += e;
    ends.push_back(buffer.size());
  }
  std::vector<std::string_view> views;
  for (std::size_t k = 0, start = 0; k < ends.size(); start = ends[k], ++k) {
    if (k % 97 == 3) {  // a few views that are not contiguous with their neighbours
      elsewhere.push_back(model[k]);
      views.emplace_back();
      continue;
    }
    views.emplace_back(buffer.data() + start, ends[k] - start);
  }
  for (std::size_t k = 0, j = 0; k < views.size(); ++k)
    if (k % 97 == 3) views[k] = elsewhere[j++];
  Fixture bulk, single;
  bulk.col->append_packed("first");
  single.col->append_packed("first");
  bulk.col->append_many(views);
  for (const auto& e : model) single.col->append_packed(e);
  model.insert(model.begin(), "first");
  EXPECT_EQ(contents(*bulk.col), model);
  bulk.col->flush();
  single.col->flush();
  EXPECT_EQ(bulk.index.chunks, single.index.chunks);
  EXPECT_EQ(bulk.data.chunks, single.data.chunks);
  bulk.reopen();
  EXPECT_EQ(contents(*bulk.col), model);
}

TEST(ColumnVar, StreamPast48BitsIsTooBigAndWritesNothing) {
  Fixture f;
  f.col->append_packed("x");
  f.col->flush();
  f.data.length = (1ull << 48) - 3;  // claim a stream 3 bytes short of the 48-bit offset space
  f.reopen();
  try {
    f.col->append_packed("four");
    FAIL() << "expected too_big";
  } catch (const kv::Error& e) {
    EXPECT_EQ(e.code(), kv::Errc::too_big);
    EXPECT_NE(std::string(e.what()).find("2^48"), std::string::npos) << e.what();
  }
  // The bulk path checks the same bound (short elements go to the stream in one piece).
  const std::string two = "ab", more = "cd";
  EXPECT_THROW(f.col->append_many({two, more}), kv::Error);
  EXPECT_EQ(f.col->length(), 1u);
  EXPECT_EQ(f.col->stream_bytes(), (1ull << 48) - 3);
}

TEST(ColumnVar, AutomaticCompactionMovesAtMostItsLimit) {
  Fixture f(40);  // 48-byte chunks; automatic compaction moves at most max(40, 4 * 48) = 192 bytes
  std::vector<std::string> model;
  for (int i = 0; i < 40; ++i) model.push_back(std::string(6, static_cast<char>('a' + i % 26)));
  for (const auto& e : model) f.col->append_packed(e);
  f.col->flush();
  const std::string chunk0 = f.data.chunks.at(0);
  for (std::uint64_t i = 0; i < 30; ++i) f.col->mark_deleted(i);  // 180 of the 240 bytes die
  model.erase(model.begin(), model.begin() + 30);
  f.col->flush();
  // The tail from chunk 1 on (within 192 bytes of the end) was compacted;
  // chunk 0, further back, kept its 48 dead bytes and was not rewritten.
  EXPECT_EQ(f.col->stream_bytes(), 48u + 60u);
  EXPECT_EQ(f.col->dead_bytes(), 48u);
  EXPECT_EQ(f.data.chunks.at(0), chunk0);
  EXPECT_EQ(contents(*f.col), model);
  f.col->compact();  // the command has no limit
  f.col->flush();
  EXPECT_EQ(f.col->stream_bytes(), 60u);
  EXPECT_EQ(f.col->dead_bytes(), 0u);
  f.reopen(40);
  EXPECT_EQ(contents(*f.col), model);
}
