// The undo Journal's appends (ordered_index.hpp): inserts of a key past every
// key record no key, only a count, and Journal::changes() lists the appended
// keys by walking the index. Against a model (std::map in SQLite's order,
// keeping the stored key's representation) with random savepoints:
//   * after every write and every ROLLBACK TO / rollback the index equals the
//     model, key representations (2 vs 2.0) included;
//   * changes() is sorted and distinct, each entry's value is the key's state
//     in the index now (nullptr: absent), and replaying it over the state at
//     clear() gives the current state (what the commit's _log record must do);
//   * keys equal to the last one (also as 2.0 for 2) are duplicates, never
//     appends;
//   * out of memory at every allocation in turn, during a statement of
//     appends and during its undo: the index ends at the state before the
//     statement or after it, never between, and nothing leaks (ASan build).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <iterator>
#include <map>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "alloc_hooks.hpp"
#include "common/value.hpp"
#include "index/change_batch.hpp"
#include "index/ordered_index.hpp"
#include "index/sql_value_order.hpp"
#include "statement_under_oom.hpp"

namespace {

using kv::Value;
using Model = std::map<Value, Value, kv::SqlLess>;

struct Param {
  kv::IndexBackend backend;
  std::size_t order;
};

Model contents(const kv::OrderedIndex& index) {
  Model out;
  auto c = index.cursor();
  for (c->seek_first(); c->valid(); c->next()) out.emplace(c->key(), c->value());
  return out;
}

// Exact equality: the stored key's kind too (2 and 2.0 are one key).
void expect_same(const Model& a, const Model& b, const std::string& where) {
  ASSERT_EQ(a.size(), b.size()) << where;
  auto j = b.begin();
  for (auto i = a.begin(); i != a.end(); ++i, ++j) {
    ASSERT_TRUE(i->first == j->first) << where << ": key " << kv::describe_value(i->first.view()) << " vs "
                                      << kv::describe_value(j->first.view());
    ASSERT_TRUE(i->second == j->second) << where << ": value of " << kv::describe_value(i->first.view());
  }
}

// changes() checked against the index and against the state at clear().
void expect_changes_replay(const kv::Journal& j, const kv::OrderedIndex& index, const Model& at_clear,
                           const std::string& where) {
  const auto changes = j.changes(index);
  Model replayed = at_clear;
  for (std::size_t i = 0; i < changes.size(); ++i) {
    const auto& c = changes[i];
    if (i > 0) {
      ASSERT_LT(kv::sql_compare(*changes[i - 1].key, *c.key), 0) << where << ": not sorted/distinct";
    }
    const auto found = index.lookup(*c.key);
    if (c.value) {
      ASSERT_NE(found.key, nullptr) << where;
      ASSERT_TRUE(*found.key == *c.key && *found.value == *c.value) << where << ": not the state now";
      replayed.erase(*c.key);
      replayed.emplace(*c.key, *c.value);
    } else {
      ASSERT_EQ(found.key, nullptr) << where << ": an erase of a present key";
      replayed.erase(*c.key);
    }
  }
  expect_same(replayed, contents(index), where + ": replaying changes()");
  // The packed form the commit writes when it is still exact: the recorded
  // changes, then the appended puts (each piece a whole batch, a snapshot run).
  const kv::PackedPuts* packed = j.packed_appends();
  if (!packed) return;
  Model replayed_packed = at_clear;
  std::vector<Value> recorded_keys;  // the record's first part: none of them may be packed too
  for (const auto& c : j.recorded_changes(index)) {
    recorded_keys.push_back(*c.key);
    replayed_packed.erase(*c.key);
    if (c.value) replayed_packed.emplace(*c.key, *c.value);
  }
  Model appended;
  std::size_t entries = 0;
  for (std::size_t p = 0; p < packed->pieces(); ++p) {
    kv::BatchReader r(packed->piece(p));
    Value k, v;
    bool erase = false;
    std::size_t in_piece = 0;
    while (r.next(k, v, erase)) {
      ASSERT_FALSE(erase) << where;
      ASSERT_TRUE(appended.empty() || kv::sql_compare(appended.rbegin()->first, k) < 0) << where;
      for (const Value& rk : recorded_keys)
        ASSERT_LT(kv::sql_compare(rk, k), 0) << where << ": a recorded key not before every packed one";
      appended.emplace(k, v);
      ++in_piece;
    }
    ASSERT_GT(in_piece, 0u) << where;
    ASSERT_LE(in_piece, kv::kSnapshotRunEntries) << where;
    entries += in_piece;
  }
  ASSERT_EQ(entries, packed->entries()) << where;
  for (const auto& [k, v] : appended) {
    ASSERT_TRUE(replayed_packed.empty() || kv::sql_compare(replayed_packed.rbegin()->first, k) < 0 ||
                !at_clear.count(k))
        << where;
    replayed_packed.erase(k);
    replayed_packed.emplace(k, v);
  }
  expect_same(replayed_packed, contents(index), where + ": replaying recorded changes + packed appends");
  if (j.packed_is_everything()) expect_same(appended, contents(index), where + ": packed puts are not the index");
}

class JournalAppends : public ::testing::TestWithParam<Param> {};

// Random writes, mostly appends, with savepoints, against the model.
TEST_P(JournalAppends, MatchModelAndChangesReplay) {
  std::mt19937 rng(17 + static_cast<unsigned>(GetParam().order));
  for (int round = 0; round < 6; ++round) {
    auto index = kv::OrderedIndex::make(GetParam().backend, GetParam().order);
    kv::Journal j;
    j.pack_appends(true);
    Model model;
    std::int64_t top = 0;
    // Committed transactions, then one that ends in a rollback.
    for (int tx = 0; tx < 5; ++tx) {
      j.clear();
      const Model at_clear = model;
      std::vector<Model> levels;  // levels[n]: the model at savepoint(n)
      for (int step = 0; step < 300; ++step) {
        const std::string where = "round " + std::to_string(round) + " tx " + std::to_string(tx) + " step " +
                                  std::to_string(step);
        const unsigned r = rng() % 100;
        const Value last = model.empty() ? Value::integer(0) : model.rbegin()->first;
        if (r < 40) {  // append
          top += 1 + rng() % 3;
          const Value k = Value::integer(top), v = Value::integer(step);
          ASSERT_TRUE(j.past_end(*index, k) || !model.empty()) << where;
          const bool inserted = j.insert_new(*index, k, Value(v));
          ASSERT_EQ(inserted, model.emplace(k, v).second) << where;
        } else if (r < 48) {  // the last key again (as REAL half the time): a duplicate
          const Value k = last.kind == kv::Kind::integer && rng() % 2 ? Value::real(static_cast<double>(last.i)) : last;
          ASSERT_FALSE(!model.empty() && j.past_end(*index, k)) << where;
          ASSERT_EQ(j.insert_new(*index, k, Value::text("dup")), model.empty() || !model.count(k)) << where;
          if (model.empty()) model.emplace(k, Value::text("dup"));
        } else if (r < 58) {  // put: a new last key (append through put) or an existing one as REAL
          Value k = rng() % 2 ? Value::integer(++top) : last;
          if (k.kind == kv::Kind::integer && rng() % 2) k = Value::real(static_cast<double>(k.i));
          const Value v = Value::text("p" + std::to_string(step));
          j.put(*index, k, v, index->lookup(k));
          model.erase(k);
          model.emplace(k, v);
        } else if (r < 66 && !model.empty()) {  // erase the last key: later appends start below the bound
          j.erase(*index, last);
          model.erase(last);
        } else if (r < 72) {  // a key below the end
          const Value k = Value::integer(static_cast<std::int64_t>(rng() % static_cast<unsigned>(top + 1)));
          const bool inserted = j.insert_new(*index, k, Value::integer(-1));
          ASSERT_EQ(inserted, model.emplace(k, Value::integer(-1)).second) << where;
        } else if (r < 76 && !model.empty()) {  // erase a random key
          auto it = model.begin();
          std::advance(it, static_cast<long>(rng() % model.size()));
          const Value k = it->first;
          j.erase(*index, k);
          model.erase(k);
        } else if (r < 84) {
          const int level = static_cast<int>(levels.size());
          j.savepoint(level);
          levels.push_back(model);
        } else if (r < 90 && !levels.empty()) {
          const int level = static_cast<int>(rng() % levels.size());
          j.rollback_to(level, *index);
          model = levels[static_cast<std::size_t>(level)];
          levels.resize(static_cast<std::size_t>(level) + 1);
        } else if (r < 94 && !levels.empty()) {
          const int level = static_cast<int>(rng() % levels.size());
          j.release(level);
          levels.resize(static_cast<std::size_t>(level));
        } else {
          continue;
        }
        expect_same(contents(*index), model, where);
        if (step % 25 == 0) expect_changes_replay(j, *index, at_clear, where);
        if (HasFailure()) return;
      }
      expect_changes_replay(j, *index, at_clear, "end of tx " + std::to_string(tx));
      if (tx == 4) {
        j.rollback_all(*index);
        expect_same(contents(*index), at_clear, "rollback_all");
        model = at_clear;
      }
    }
  }
}

// A journal must be cleared after the index changed behind it (kvindex: a
// reload, another connection's changes replayed): the bound is learned again.
TEST_P(JournalAppends, ClearForgetsTheBound) {
  auto index = kv::OrderedIndex::make(GetParam().backend, GetParam().order);
  kv::Journal j;
  j.pack_appends(true);
  ASSERT_TRUE(j.insert_new(*index, Value::integer(5), Value::null()));
  index->insert_absent(Value::integer(9), Value::null());  // behind the journal's back
  j.clear();
  EXPECT_FALSE(j.past_end(*index, Value::integer(9)));
  EXPECT_FALSE(j.insert_new(*index, Value::integer(9), Value::null()));
  EXPECT_TRUE(j.past_end(*index, Value::text("")));  // text sorts after every number
}

// The transaction's first write erases the last key, then that key and one
// past it are inserted: the bound is the erased key (learned before the
// erase), so the re-insert is recorded, not appended, and each key is listed
// (and packed) once.
TEST_P(JournalAppends, EraseOfTheLastKeyThenReinsertListsEachKeyOnce) {
  auto index = kv::OrderedIndex::make(GetParam().backend, GetParam().order);
  index->insert_absent(Value::integer(1), Value::null());
  index->insert_absent(Value::integer(10), Value::null());
  const Model at_clear = contents(*index);
  kv::Journal j;
  j.pack_appends(true);
  ASSERT_TRUE(j.erase(*index, Value::integer(10)));
  ASSERT_TRUE(j.insert_new(*index, Value::integer(10), Value::text("new")));
  ASSERT_TRUE(j.insert_new(*index, Value::integer(11), Value::text("n")));
  EXPECT_EQ(j.changes(*index).size(), 2u);
  expect_changes_replay(j, *index, at_clear, "erase of the last key, re-insert, append");
}

// The packed appends (what a commit writes without walking the index): kept
// while only keys at or below the first append's bound are recorded, cut into
// snapshot-run pieces by count and by size, dropped by a rollback that
// reaches an append and by a change above the bound.
TEST_P(JournalAppends, PackedAppendsStayExactOrAreDropped) {
  for (const bool big_values : {false, true}) {
    auto index = kv::OrderedIndex::make(GetParam().backend, GetParam().order);
    kv::Journal j;
    j.pack_appends(true);
    // A load into the empty table: the packed puts are the whole index.
    const auto value = [&](int i) { return big_values ? Value::blob(std::string(1000, static_cast<char>(i))) : Value::integer(i); };
    for (int i = 0; i < 100; ++i) ASSERT_TRUE(j.insert_new(*index, Value::integer(i), value(i)));
    ASSERT_TRUE(j.packed_is_everything());
    expect_changes_replay(j, *index, Model(), "load");
    j.clear();
    const Model at_clear = contents(*index);
    // Changes at or below the end, then appends past it: still packed.
    j.erase(*index, Value::integer(5));
    j.put(*index, Value::real(7.0), Value::text("seven"), index->lookup(Value::real(7.0)));
    j.put(*index, Value::integer(99), Value::text("last"), index->lookup(Value::integer(99)));
    for (int i = 100; i < 10100; ++i) ASSERT_TRUE(j.insert_new(*index, Value::integer(i), value(i)));
    j.erase(*index, Value::integer(50));  // below the bound of the first append: still packed
    ASSERT_NE(j.packed_appends(), nullptr);
    EXPECT_FALSE(j.packed_is_everything());
    EXPECT_EQ(j.packed_appends()->entries(), 10000u);
    EXPECT_GE(j.packed_appends()->pieces(), big_values ? 150u : 3u);
    expect_changes_replay(j, *index, at_clear, big_values ? "big values" : "numbers");
    // A savepoint, more appends, rolled back: the packed puts are dropped, changes() still exact.
    j.savepoint(0);
    for (int i = 10100; i < 10110; ++i) ASSERT_TRUE(j.insert_new(*index, Value::integer(i), value(i)));
    j.rollback_to(0, *index);
    EXPECT_EQ(j.packed_appends(), nullptr);
    expect_changes_replay(j, *index, at_clear, "after the rollback");
    // A new transaction: packed again until a change above the bound touches an appended key.
    j.clear();
    const Model again = contents(*index);
    for (int i = 20000; i < 20010; ++i) ASSERT_TRUE(j.insert_new(*index, Value::integer(i), value(i)));
    ASSERT_NE(j.packed_appends(), nullptr);
    j.put(*index, Value::integer(20003), Value::null(), index->lookup(Value::integer(20003)));
    EXPECT_EQ(j.packed_appends(), nullptr);
    expect_changes_replay(j, *index, again, "after a change to an appended key");
    if (HasFailure()) return;
  }
}

// Packing is asked for (kvindex: durable format-2 tables); without it the
// appends are still journaled as counts and listed by changes().
TEST_P(JournalAppends, NoPackingUnlessAsked) {
  auto index = kv::OrderedIndex::make(GetParam().backend, GetParam().order);
  kv::Journal j;
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(j.insert_new(*index, Value::integer(i), Value::integer(-i)));
  EXPECT_EQ(j.packed_appends(), nullptr);
  EXPECT_FALSE(j.packed_is_everything());
  EXPECT_EQ(j.size(), 50u);
  expect_changes_replay(j, *index, Model(), "unpacked");
}

INSTANTIATE_TEST_SUITE_P(Backends, JournalAppends,
                         ::testing::Values(Param{kv::IndexBackend::csbtree, 3}, Param{kv::IndexBackend::csbtree, 63},
                                           Param{kv::IndexBackend::skiplist, 0}),
                         [](const auto& p) {
                           return std::string(kv::backend_name(p.param.backend)) + std::to_string(p.param.order);
                         });

// ---- out of memory ------------------------------------------------------------------

std::string long_text(const char* prefix, int i) {
  char buf[80];
  std::snprintf(buf, sizeof buf, "%s-%05d-padded-beyond-the-small-string-buffer", prefix, i);
  return buf;
}

// A statement of appends (text keys longer than the small-string buffer, so
// every copy allocates), a duplicate of the last key, appends through put,
// an erase of the last key and appends after it.
void append_statement(kv::OrderedIndex& index, kv::Journal& j) {
  for (int i = 0; i < 40; ++i)
    if (!j.insert_new(index, Value::text(long_text("k", 100 + i)), Value::text(long_text("v", i))))
      throw std::logic_error("append refused");
  if (j.insert_new(index, Value::text(long_text("k", 139)), Value::null())) throw std::logic_error("duplicate taken");
  for (int i = 140; i < 150; ++i)
    j.put(index, Value::text(long_text("k", i)), Value::blob(long_text("b", i)), index.lookup(Value::text(long_text("k", i))));
  j.erase(index, Value::text(long_text("k", 149)));
  for (int i = 150; i < 160; ++i) j.insert_new(index, Value::text(long_text("k", i)), Value::integer(i));
}

class JournalAppendsOom : public ::testing::TestWithParam<kv::IndexBackend> {};

TEST_P(JournalAppendsOom, FailedStatementOfAppendsRollsBackExactly) {
  for (bool persistent : {false, true}) {
    std::int64_t failing_runs = 0;
    for (std::int64_t n = 1;; ++n) {
      const std::string where = std::string(persistent ? "persistent" : "transient") + " N=" + std::to_string(n);
      auto index = kv::OrderedIndex::make(GetParam(), 3);
      kv::Journal j;
      j.pack_appends(true);
      for (int i = 0; i < 60; ++i) index->insert_absent(Value::text(long_text("k", i)), Value::integer(i));
      const Model before = contents(*index);
      const auto [failed, f] = kvtest::run_statement_under_oom(*index, j, n, persistent, append_statement);
      j.settle(*index);
      EXPECT_FALSE(j.undo_pending()) << where;
      if (failed) {
        expect_same(contents(*index), before, where + ": not the state before the statement");
        ++failing_runs;
      } else {
        auto model = kv::OrderedIndex::make(GetParam(), 3);
        kv::Journal mj;
        for (int i = 0; i < 60; ++i) model->insert_absent(Value::text(long_text("k", i)), Value::integer(i));
        append_statement(*model, mj);
        expect_same(contents(*index), contents(*model), where + ": not the state after the statement");
        expect_changes_replay(j, *index, before, where);
        j.rollback_all(*index);
        expect_same(contents(*index), before, where + ": rollback_all");
      }
      if (HasFailure()) return;
      if (f.failed == 0) break;
    }
    EXPECT_GT(failing_runs, 50) << (persistent ? "persistent" : "transient");
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, JournalAppendsOom,
                         ::testing::Values(kv::IndexBackend::csbtree, kv::IndexBackend::skiplist),
                         [](const auto& p) { return std::string(kv::backend_name(p.param)); });

}  // namespace
