// OrderedIndex over the CSB+-tree and the skip list, and the undo Journal.
#include "index/ordered_index.hpp"

#include <algorithm>
#include <stdexcept>

#include "index/csbtree.hpp"
#include "common/error.hpp"
#include "index/chunk_list.hpp"
#include "index/sql_value_order.hpp"

namespace kv {

const char* backend_name(IndexBackend b) noexcept {
  return b == IndexBackend::csbtree ? "csbtree" : "skiplist";
}

namespace {

bool same_representation(const Value& a, const Value& b) { return a == b; }

// Names the first adjacent pair of items that is not strictly increasing.
void check_sorted(const std::vector<std::pair<Value, Value>>& items) {
  for (std::size_t i = 1; i < items.size(); ++i)
    if (sql_compare(items[i - 1].first, items[i].first) >= 0)
      fail(Errc::corrupt, "keys out of order or duplicated: " + describe_value(items[i - 1].first.view()) +
                              " then " + describe_value(items[i].first.view()));
}

// ---- CSB+-tree -------------------------------------------------------------
using Tree = CsbTree<Value, Value, SqlLess>;

class TreeCursor final : public IndexCursor {
 public:
  explicit TreeCursor(const Tree& t) : t_(t), it_(t.end()) {}
  void seek_first() override { it_ = t_.begin(); }
  void seek_last() override { it_ = t_.empty() ? t_.end() : --t_.end(); }
  void seek_ge(const Value& k) override { it_ = t_.lower_bound(k); }
  void seek_gt(const Value& k) override { it_ = t_.upper_bound(k); }
  void seek_le(const Value& k) override { before(t_.upper_bound(k)); }
  void seek_lt(const Value& k) override { before(t_.lower_bound(k)); }
  bool valid() const override { return it_ != t_.end(); }
  void next() override { ++it_; }
  void prev() override { before(it_); }
  const Value& key() const override { return it_.key(); }
  const Value& value() const override { return it_.value(); }
  // A run is the current leaf (keys and values are two arrays).
  Run run() const noexcept override {
    if (it_ == t_.end()) return {};
    return {it_.leaf_keys(), it_.leaf_values(), it_.leaf_pos(), it_.leaf_size()};
  }
  Run next_run() noexcept override {
    it_.to_leaf_end();
    ++it_;
    return run();
  }
  Run prev_run() noexcept override {
    it_.to_leaf_start();
    before(it_);
    return run();
  }

 private:
  void before(Tree::iterator it) {
    if (it == t_.begin()) {
      it_ = t_.end();
    } else {
      it_ = --it;
    }
  }
  const Tree& t_;
  Tree::iterator it_;
};

class TreeIndex final : public OrderedIndex {
 public:
  explicit TreeIndex(std::size_t order) : t_(order) {}
  std::size_t size() const override { return t_.size(); }
  const Value* find(const Value& k) const override { return t_.find(k); }
  const Value* find_key(const Value& k) const override {
    auto it = t_.find_iter(k);
    return it == t_.end() ? nullptr : &it.key();
  }
  Found lookup(const Value& k) const override {
    auto it = t_.find_iter(k);
    if (it == t_.end()) return {};
    return {&it.key(), &it.value()};
  }
  void insert_absent(const Value& k, const Value& v) override { t_.insert(k, v); }
  bool insert_new(const Value& k, Value&& v) override { return t_.insert(k, std::move(v)).second; }
  bool put(const Value& k, const Value& v) override {
    auto it = t_.find_iter(k);
    if (it == t_.end()) {
      t_.insert(k, v);
      return true;
    }
    // The copies first, then moves: a failed allocation changes nothing.
    Value value(v);
    // Same position in the order, so rewriting the key in place keeps the tree valid.
    if (!same_representation(it.key(), k)) const_cast<Value&>(it.key()) = Value(k);
    it.value() = std::move(value);
    return false;
  }
  bool erase(const Value& k) override { return t_.erase(k); }
  void bulk_load(std::vector<std::pair<Value, Value>>&& items) override {
    check_sorted(items);
    t_.bulk_load(std::move(items));
  }
  void clear() override { t_.clear(); }
  std::unique_ptr<IndexCursor> cursor() const override { return std::make_unique<TreeCursor>(t_); }

 private:
  Tree t_;
};

// ---- skip list -------------------------------------------------------------
// kvindex(skiplist) is the chunked lock-free skip list (chunk_list.hpp): keys
// in small sorted chunks under a kv::SkipList index, ~log(n/64) index nodes
// and one chunk per search instead of ~20 one-key nodes.
using List = ChunkedSkipList<Value, Value, SqlLess>;

// An OrderedIndex has one owner at a time (kvindex: one SQLite connection,
// whose calls SQLite serializes), and its owner re-seeks cursors by key after
// every write. So a chunk a cursor holds is never retired while held, and a
// cursor step needs no epoch guard: entering one (two sequentially consistent
// stores and a thread-local lookup) cost more than the search of a point
// lookup, and a range scan paid it on every row. The list's own writes still
// retire chunks and entries through the epoch domain.
class ListCursor final : public IndexCursor {
 public:
  explicit ListCursor(const List& l) : l_(l) {}
  void seek_first() override { p_ = l_.first(); }
  void seek_last() override { p_ = l_.last(); }
  void seek_ge(const Value& k) override { p_ = l_.lower_bound(k); }
  void seek_gt(const Value& k) override { p_ = l_.upper_bound(k); }
  void seek_le(const Value& k) override { p_ = l_.last_below(k, true); }
  void seek_lt(const Value& k) override { p_ = l_.last_below(k); }
  bool valid() const override { return static_cast<bool>(p_); }
  void next() override { p_ = l_.next(p_); }
  void prev() override { p_ = l_.prev(p_); }
  const Value& key() const override { return p_.key(); }
  const Value& value() const override { return p_.value(); }
  // The row alone (entries are separate allocations), without the three
  // virtual calls of the default.
  Run run() const noexcept override {
    if (!p_) return {};
    const auto& e = p_.entry();
    return {&e.key(), &e.value(), 0, 1};
  }

 private:
  const List& l_;
  List::Pos p_;
};

class ListIndex final : public OrderedIndex {
 public:
  std::size_t size() const override { return l_.size(); }
  const Value* find(const Value& k) const override {
    EpochGuard g;
    const auto p = l_.find(k);
    return p ? &p.value() : nullptr;
  }
  const Value* find_key(const Value& k) const override {
    EpochGuard g;
    const auto p = l_.find(k);
    return p ? &p.key() : nullptr;
  }
  Found lookup(const Value& k) const override {
    EpochGuard g;
    const auto p = l_.find(k);
    if (!p) return {};
    return {&p.key(), &p.value()};
  }
  void insert_absent(const Value& k, const Value& v) override { l_.insert(k, v); }
  bool insert_new(const Value& k, Value&& v) override { return l_.insert(k, std::move(v)); }
  bool put(const Value& k, const Value& v) override {
    const Value* stored = find_key(k);
    if (stored && !same_representation(*stored, k)) l_.erase(k);  // the key itself changes form
    return l_.insert_or_assign(k, v) && !stored;
  }
  bool erase(const Value& k) override { return l_.erase(k); }
  void bulk_load(std::vector<std::pair<Value, Value>>&& items) override {
    check_sorted(items);
    l_.bulk_load(std::move(items));
  }
  void clear() override { l_.clear(); }
  std::unique_ptr<IndexCursor> cursor() const override { return std::make_unique<ListCursor>(l_); }

 private:
  List l_;
};

}  // namespace

std::unique_ptr<OrderedIndex> OrderedIndex::make(IndexBackend backend, std::size_t order) {
  if (backend == IndexBackend::skiplist) return std::make_unique<ListIndex>();
  try {
    return std::make_unique<TreeIndex>(order);
  } catch (const std::invalid_argument& e) {
    fail(Errc::invalid_argument, e.what());
  }
}

// ---- Journal -----------------------------------------------------------------
void Journal::record(const Value& key, const Value* old_key, const Value* old_value) {
  std::unique_ptr<std::pair<Value, Value>> old;
  if (old_key != nullptr && old_value != nullptr) old = std::make_unique<std::pair<Value, Value>>(*old_key, *old_value);
  log_.push_back({key, std::move(old)});
}

bool Journal::erase(OrderedIndex& index, const Value& k) {
  settle(index);
  const auto found = index.lookup(k);
  if (!found.key) return false;
  record(k, found.key, found.value);
  index.erase(k);
  return true;
}

bool Journal::insert_new(OrderedIndex& index, const Value& k, Value&& v) {
  settle(index);
  record(k, nullptr, nullptr);
  // A throw keeps the entry: its undo (erase k) is right whether or not k went in.
  const bool inserted = index.insert_new(k, std::move(v));
  if (!inserted) log_.pop_back();  // present: nothing changed
  return inserted;
}

void Journal::put(OrderedIndex& index, const Value& k, const Value& v, const OrderedIndex::Found& found) {
  settle(index);
  record(k, found.key, found.value);
  if (found.key)
    index.put(k, v);
  else
    index.insert_absent(k, v);
}

void Journal::savepoint(int level) {
  if (level < 0) return;
  marks_.resize(static_cast<std::size_t>(level) + 1, log_.size());
  marks_[static_cast<std::size_t>(level)] = log_.size();
}

void Journal::release(int level) {
  if (level >= 0 && static_cast<std::size_t>(level) < marks_.size())
    marks_.resize(static_cast<std::size_t>(level));
}

void Journal::rollback_to(int level, OrderedIndex& index) {
  // SQLite numbers savepoints from the start of its transaction. A level below
  // 0, or one we never saw (opened before this table joined the transaction),
  // predates every change we logged: undo everything.
  if (level < 0 || static_cast<std::size_t>(level) >= marks_.size()) {
    pending_ = 0;  // set before anything that can throw: settle() finishes it
    marks_.assign(level < 0 ? 0 : static_cast<std::size_t>(level) + 1, 0);
    undo_to(0, index);
    return;
  }
  undo_to(marks_[static_cast<std::size_t>(level)], index);
  marks_.resize(static_cast<std::size_t>(level) + 1);
}

void Journal::rollback_all(OrderedIndex& index) {
  marks_.clear();
  undo_to(0, index);
}

void Journal::settle(OrderedIndex& index) {
  if (pending_) undo_to(*pending_, index);
}

void Journal::clear() {
  log_.clear();
  marks_.clear();
  pending_.reset();
}

// Undoes entries down to log size `mark` (or an earlier pending target). An
// entry goes only once its undo happened, so a throw leaves the rest pending.
void Journal::undo_to(std::size_t mark, OrderedIndex& index) {
  pending_ = pending_ ? std::min(*pending_, mark) : mark;
  while (log_.size() > *pending_) {
    Entry& e = log_.back();
    if (e.old) {
      index.put(e.old->first, e.old->second);
    } else {
      index.erase(e.key);
    }
    log_.pop_back();
  }
  pending_.reset();
}

std::vector<const Value*> Journal::touched_keys() const {
  std::vector<const Value*> keys;
  keys.reserve(log_.size());
  for (const auto& e : log_) keys.push_back(&e.key);
  std::stable_sort(keys.begin(), keys.end(), [](const Value* a, const Value* b) { return sql_compare(*a, *b) < 0; });
  keys.erase(std::unique(keys.begin(), keys.end(),
                         [](const Value* a, const Value* b) { return sql_compare(*a, *b) == 0; }),
             keys.end());
  return keys;
}

}  // namespace kv
