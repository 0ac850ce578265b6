// Out of memory inside the ordered indexes and their undo journal (the engine
// behind kvindex), SQLite's faultsim loop in miniature: for N = 1, 2, ... the
// N-th allocation fails (transient: that one; persistent: every one from it
// on; alloc_hooks.hpp), until a run makes no allocation fail. After each run:
//   * CsbTree: every write either happened or left the tree exactly as it
//     was (equal to a std::map model, structurally valid); nothing leaks
//     (LeakSanitizer in the ASan build);
//   * OrderedIndex + Journal, kvindex's statement: a failed statement is
//     rolled back to its savepoint (while allocations still fail, so the undo
//     itself may be interrupted and left pending); once allocations work
//     again the index equals the state before the statement, never a mixture,
//     and a statement that succeeded leaves exactly the state after it.
// Keys and values are longer than std::string's inline buffer, so every copy
// allocates.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <map>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "alloc_hooks.hpp"
#include "common/value.hpp"
#include "index/csbtree.hpp"
#include "index/ordered_index.hpp"
#include "index/sql_value_order.hpp"
#include "statement_under_oom.hpp"

namespace {

using kv::Value;
using StrTree = kv::CsbTree<std::string, std::string>;
using Model = std::map<std::string, std::string>;

std::string long_key(int i) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "key-%05d-padded-beyond-small-string-buffer", i);
  return buf;
}

void expect_tree_equals(const StrTree& t, const Model& m, const std::string& where) {
  ASSERT_NO_THROW(t.check_invariants()) << where;
  ASSERT_EQ(t.size(), m.size()) << where;
  auto it = t.begin();
  for (const auto& [k, v] : m) {
    ASSERT_EQ(it.key(), k) << where;
    ASSERT_EQ(it.value(), v) << where;
    ++it;
  }
}

// One write of the script: insert, insert_or_assign or erase of key i.
struct TreeOp {
  enum { insert, assign, erase } what;
  int key;
};

// Writes that split leaves and nodes up to a new root, then borrow and merge
// back down (order 3 and 4: every few keys).
std::vector<TreeOp> tree_script() {
  std::vector<TreeOp> ops;
  for (int i = 0; i < 40; ++i) ops.push_back({TreeOp::insert, (i * 7) % 40});
  for (int i = 0; i < 10; ++i) ops.push_back({TreeOp::assign, i * 4});
  for (int i = 0; i < 40; i += 2) ops.push_back({TreeOp::erase, (i * 3) % 40});
  for (int i = 40; i < 50; ++i) ops.push_back({TreeOp::insert, i});
  return ops;
}

void apply(StrTree& t, const TreeOp& op, int serial) {
  switch (op.what) {
    case TreeOp::insert: t.insert(long_key(op.key), long_key(serial)); break;
    case TreeOp::assign: t.insert_or_assign(long_key(op.key), long_key(serial)); break;
    case TreeOp::erase: t.erase(long_key(op.key)); break;
  }
}

void apply(Model& m, const TreeOp& op, int serial) {
  switch (op.what) {
    case TreeOp::insert: m.emplace(long_key(op.key), long_key(serial)); break;
    case TreeOp::assign: m[long_key(op.key)] = long_key(serial); break;
    case TreeOp::erase: m.erase(long_key(op.key)); break;
  }
}

class CsbTreeOom : public ::testing::TestWithParam<std::size_t> {};

// The regression test for the tree's writes under OOM: a split used to lose a
// leaf's upper half (the separator copy threw after the leaf was divided), a
// root split could stop half-built, a borrow copied its separator after
// moving a key, and new_leaf_group/init_empty leaked their group.
TEST_P(CsbTreeOom, EveryWriteHappensWhollyOrNotAtAll) {
  const auto script = tree_script();
  for (bool persistent : {false, true}) {
    std::int64_t failing_runs = 0;
    for (std::int64_t n = 1;; ++n) {
      const std::string where = std::string(persistent ? "persistent" : "transient") + " N=" + std::to_string(n);
      StrTree t(GetParam());
      std::vector<char> happened(script.size(), 0);  // written while armed: no allocation
      kvtest::AllocFailures f;
      {
        kvtest::AllocFailureScope armed(n, persistent);
        for (std::size_t i = 0; i < script.size(); ++i) {
          try {
            apply(t, script[i], static_cast<int>(i));
            happened[i] = 1;
          } catch (const std::bad_alloc&) {
            // this write did not happen: the model skips it too
          }
        }
        f = kvtest::disarm_alloc_failure();
      }
      Model m;
      for (std::size_t i = 0; i < script.size(); ++i)
        if (happened[i]) apply(m, script[i], static_cast<int>(i));
      expect_tree_equals(t, m, where);
      if (HasFatalFailure()) return;
      // Still usable: every key of the script can be written afterwards.
      for (int k = 0; k < 50; ++k) {
        t.insert_or_assign(long_key(k), "v");
        m[long_key(k)] = "v";
      }
      expect_tree_equals(t, m, where + " then written");
      if (HasFatalFailure()) return;
      if (f.failed == 0) break;  // no allocation failed: past the last one
      ++failing_runs;
    }
    EXPECT_GT(failing_runs, 100) << "the script allocates: every point must have been tried";
  }
}

INSTANTIATE_TEST_SUITE_P(Orders, CsbTreeOom, ::testing::Values(3, 4, 7));

// ---- OrderedIndex + Journal ---------------------------------------------------------

Value text_key(int i) { return Value::text(long_key(i)); }

using Contents = std::vector<std::pair<Value, Value>>;

Contents contents(const kv::OrderedIndex& index) {
  Contents out;
  auto c = index.cursor();
  for (c->seek_first(); c->valid(); c->next()) out.emplace_back(c->key(), c->value());
  return out;
}

// kvindex's statements, as xUpdate runs them: inserts, OR REPLACE over
// present keys (a new key representation too: 2.0 for 2), updates that move
// a key, and a range delete.
void statement(kv::OrderedIndex& index, kv::Journal& j) {
  for (int i = 100; i < 130; ++i) {
    if (!j.insert_new(index, text_key(i), Value::text(long_key(-i)))) FAIL() << "key " << i << " present";
  }
  for (int i = 0; i < 60; i += 3) j.put(index, text_key(i), Value::blob(long_key(i + 1)), index.lookup(text_key(i)));
  j.put(index, Value::real(2.0), Value::text(long_key(7)), index.lookup(Value::real(2.0)));
  for (int i = 1; i < 40; i += 4) {
    j.erase(index, text_key(i));
    j.put(index, text_key(i + 500), Value::integer(i), index.lookup(text_key(i + 500)));
  }
  for (int i = 60; i < 90; ++i) j.erase(index, text_key(i));
}

class JournalOom : public ::testing::TestWithParam<kv::IndexBackend> {};

// The regression test for kvindex's atomicity under OOM: after a failed
// statement and its ROLLBACK TO (itself under OOM), the index holds the state
// before the statement; before the fix a failed undo was dropped and the
// half-undone index served.
TEST_P(JournalOom, FailedStatementRollsBackExactly) {
  for (bool persistent : {false, true}) {
    std::int64_t failing_runs = 0, pending_seen = 0;
    for (std::int64_t n = 1;; ++n) {
      const std::string where = std::string(persistent ? "persistent" : "transient") + " N=" + std::to_string(n);
      auto index = kv::OrderedIndex::make(GetParam(), 3);
      kv::Journal j;
      for (int i = 0; i < 90; ++i) index->insert_absent(text_key(i), Value::integer(i));
      index->insert_absent(Value::integer(2), Value::null());
      const Contents before = contents(*index);
      const auto [failed, f] = kvtest::run_statement_under_oom(*index, j, n, persistent, statement);
      if (j.undo_pending()) ++pending_seen;
      j.settle(*index);  // allocations work again: any pending undo finishes
      EXPECT_FALSE(j.undo_pending()) << where;
      if (failed) {
        EXPECT_EQ(contents(*index), before) << where << ": not the state before the statement";
        ++failing_runs;
      } else {
        auto model = kv::OrderedIndex::make(GetParam(), 3);
        kv::Journal mj;
        for (int i = 0; i < 90; ++i) model->insert_absent(text_key(i), Value::integer(i));
        model->insert_absent(Value::integer(2), Value::null());
        statement(*model, mj);
        EXPECT_EQ(contents(*index), contents(*model)) << where << ": not the state after the statement";
        // The transaction's rollback restores the start exactly.
        j.rollback_all(*index);
        EXPECT_EQ(contents(*index), before) << where;
      }
      if (HasFailure()) return;
      if (f.failed == 0) break;
    }
    EXPECT_GT(failing_runs, 100) << (persistent ? "persistent" : "transient");
    if (persistent) {
      EXPECT_GT(pending_seen, 0) << "some rollback must have been interrupted and settled later";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, JournalOom,
                         ::testing::Values(kv::IndexBackend::csbtree, kv::IndexBackend::skiplist),
                         [](const auto& p) { return std::string(kv::backend_name(p.param)); });

}  // namespace
