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
  run_open_ = false;
  ++changes_;
  // A change above the first append's bound may touch an appended key.
  if (packed_ok_ && has_appends_ && (appended_all_ || sql_compare(key, appended_above_) > 0)) drop_packed();
}

void Journal::drop_packed() noexcept {
  packed_ok_ = false;
  packed_.clear();
}

bool Journal::past_end(const OrderedIndex& index, const Value& k) {
  if (!bound_known_) {
    auto c = index.cursor();
    c->seek_last();
    bound_empty_ = !c->valid();
    if (!bound_empty_) bound_ = c->key();
    bound_known_ = true;
  }
  return bound_empty_ || sql_compare(bound_, k) < 0;
}

bool Journal::erase(OrderedIndex& index, const Value& k) {
  settle(index);
  // The bound is learned before the first erase: learned after an erase of
  // the last key, it would make a re-insert of that key an append, listed
  // (and packed) next to its recorded erase.
  (void)past_end(index, k);
  const auto found = index.lookup(k);
  if (!found.key) return false;
  record(k, found.key, found.value);
  index.erase(k);
  return true;
}

bool Journal::insert_new(OrderedIndex& index, const Value& k, Value&& v) {
  settle(index);
  if (past_end(index, k)) return append(index, k, std::move(v));
  record(k, nullptr, nullptr);
  // A throw keeps the entry: its undo (erase k) is right whether or not k went in.
  const bool inserted = index.insert_new(k, std::move(v));
  if (!inserted) {  // present: nothing changed
    log_.pop_back();
    --changes_;
  }
  return inserted;
}

// k is past every key (past_end): counted in the open run once the index
// holds it. Everything that can fail before the insert happens first.
bool Journal::append(OrderedIndex& index, const Value& k, Value&& v) {
  if (!has_appends_) {
    if (!bound_empty_) appended_above_ = bound_;
    appended_all_ = bound_empty_;
    has_appends_ = true;  // a superset of the appended keys from here on: harmless
    packed_ok_ = pack_;
  }
  if (!run_open_ || log_.empty() || !log_.back().is_run()) {
    log_.emplace_back();  // key NULL: a run of key.i = 0 appends
    run_open_ = true;
  }
  Entry& run = log_.back();
  const auto counted = [&]() noexcept {
    ++run.key.i;
    ++changes_;
    try {
      if (k.bytes.empty())
        bound_.bytes.clear();  // numbers: no call into the string
      else
        bound_.bytes = k.bytes;
      bound_.kind = k.kind;
      bound_.i = k.i;
      bound_.r = k.r;
      bound_empty_ = false;
    } catch (...) {
      bound_known_ = false;  // learned from the index again next time
    }
  };
  const auto drop_if_empty = [&]() noexcept {
    if (run.key.i > 0) return;
    log_.pop_back();
    run_open_ = false;
  };
  if (packed_ok_) {
    try {
      packed_.put(k, v);  // v before it moves into the index
    } catch (...) {
      drop_packed();  // optional: the commit walks the index instead
    }
  }
  const std::size_t before = index.size();
  bool inserted = false;
  try {
    inserted = index.insert_new(k, std::move(v));
  } catch (...) {
    drop_packed();  // its last entry may not be in the index
    if (index.size() != before) counted();  // it went in: its undo must erase it
    drop_if_empty();
    throw;
  }
  if (inserted) {
    counted();
    return true;
  }
  // Cannot happen while bound_ bounds the index; if it ever did, k was
  // present and nothing changed: report the duplicate, relearn the bound.
  bound_known_ = false;
  drop_packed();
  drop_if_empty();
  return false;
}

void Journal::put(OrderedIndex& index, const Value& k, const Value& v, const OrderedIndex::Found& found) {
  settle(index);
  if (!found.key && past_end(index, k)) {
    if (append(index, k, Value(v))) return;
    put(index, k, v, index.lookup(k));  // (never: the bound was wrong, k is present)
    return;
  }
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
  run_open_ = false;  // appends after the mark start their own run
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
  changes_ = 0;
  bound_known_ = false;
  has_appends_ = false;
  run_open_ = false;
  drop_packed();
}

// Undoes entries down to log size `mark` (or an earlier pending target). An
// entry goes only once its undo happened (a run: one append at a time), so a
// throw leaves the rest pending.
void Journal::undo_to(std::size_t mark, OrderedIndex& index) {
  pending_ = pending_ ? std::min(*pending_, mark) : mark;
  run_open_ = false;
  std::unique_ptr<IndexCursor> last;  // for runs: one cursor, sought again per key
  while (log_.size() > *pending_) {
    Entry& e = log_.back();
    if (e.is_run()) {
      drop_packed();  // appended keys go: the packed puts no longer match
      if (!last) last = index.cursor();
      while (e.key.i > 0) {
        last->seek_last();
        if (!last->valid()) fail(Errc::internal, "undo journal: an appended key is missing from the index");
        const Value k = last->key();  // erase must not be handed its own stored key
        index.erase(k);
        --e.key.i;
        --changes_;
      }
    } else if (e.old) {
      index.put(e.old->first, e.old->second);
      --changes_;
    } else {
      index.erase(e.key);
      --changes_;
    }
    log_.pop_back();
  }
  pending_.reset();
}

std::vector<const Value*> Journal::touched_keys() const {
  std::vector<const Value*> keys;
  keys.reserve(log_.size());
  for (const auto& e : log_)
    if (!e.is_run()) keys.push_back(&e.key);
  std::stable_sort(keys.begin(), keys.end(), [](const Value* a, const Value* b) { return sql_compare(*a, *b) < 0; });
  keys.erase(std::unique(keys.begin(), keys.end(),
                         [](const Value* a, const Value* b) { return sql_compare(*a, *b) == 0; }),
             keys.end());
  return keys;
}

namespace {
const Value& row_at(const Value* base, std::size_t i, std::size_t stride) {
  return *reinterpret_cast<const Value*>(reinterpret_cast<const char*>(base) + i * stride);
}
}  // namespace

std::vector<Journal::Change> Journal::recorded_changes(const OrderedIndex& index) const {
  const std::vector<const Value*> keys = touched_keys();
  std::vector<Change> out;
  out.reserve(keys.size());
  for (const Value* k : keys) {
    const auto found = index.lookup(*k);
    out.push_back(found.key ? Change{found.key, found.value} : Change{k, nullptr});
  }
  return out;
}

// The keys recorded one by one (their state looked up) merged with the keys
// above appended_above_ (walked in the index: every one of them was appended
// or recorded since clear(), since the bound was above all keys then).
std::vector<Journal::Change> Journal::changes(const OrderedIndex& index) const {
  const std::vector<const Value*> keys = touched_keys();
  std::vector<Change> out;
  out.reserve(keys.size() + (has_appends_ ? changes_ - std::min(changes_, keys.size()) : 0));
  std::unique_ptr<IndexCursor> c;
  IndexCursor::Run run;
  std::size_t i = 0;
  if (has_appends_) {
    c = index.cursor();
    if (appended_all_)
      c->seek_first();
    else
      c->seek_gt(appended_above_);
    run = c->run();
    i = run.pos;
  }
  // The next appended row, or nullptr.
  const auto head = [&]() -> const Value* { return run.size > 0 ? &row_at(run.key, i, run.stride) : nullptr; };
  const auto take = [&] {
    out.push_back({&row_at(run.key, i, run.stride), &row_at(run.value, i, run.stride)});
    if (++i == run.size) {
      run = c->next_run();
      i = run.pos;
    }
  };
  for (const Value* k : keys) {
    while (head() && sql_compare(*head(), *k) < 0) take();
    if (head() && sql_compare(*head(), *k) == 0) {
      take();
      continue;
    }
    const auto found = index.lookup(*k);
    out.push_back(found.key ? Change{found.key, found.value} : Change{k, nullptr});
  }
  while (head()) take();
  return out;
}

}  // namespace kv
