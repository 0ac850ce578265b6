// The engine behind the kvindex virtual table, with no SQLite types:
//
//  * OrderedIndex: one interface over the two backends (CsbTree, SkipList),
//    keyed by kv::Value in SQLite's value order (sql_value_order.hpp).
//  * IndexCursor: a position in an OrderedIndex, moving both ways. Any write to
//    the index invalidates cursors (the virtual table re-seeks them by key).
//    run() hands out the rows stored next to each other around the position
//    (a CSB+-tree leaf), so a scan makes one virtual call per block of rows
//    instead of several per row; a backend without blocks gives the row alone.
//    An OrderedIndex has one owner at a time (kvindex: one connection); the
//    skip list's cursors rely on it and take no epoch guard (ordered_index.cpp).
//  * Journal: the undo log of one transaction, with nested savepoint levels,
//    so ROLLBACK / ROLLBACK TO restore the index exactly; it also lists the
//    keys a transaction touched, which is what gets written to storage.
#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/value.hpp"
#include "index/change_batch.hpp"

namespace kv {

enum class IndexBackend { csbtree, skiplist };

const char* backend_name(IndexBackend b) noexcept;

class IndexCursor {
 public:
  virtual ~IndexCursor() = default;
  virtual void seek_first() = 0;
  virtual void seek_last() = 0;
  virtual void seek_ge(const Value& k) = 0;  // first key >= k
  virtual void seek_gt(const Value& k) = 0;
  virtual void seek_le(const Value& k) = 0;  // last key <= k
  virtual void seek_lt(const Value& k) = 0;
  virtual bool valid() const = 0;
  virtual void next() = 0;
  virtual void prev() = 0;
  virtual const Value& key() const = 0;
  virtual const Value& value() const = 0;

  // The rows stored next to each other around the current one: row i
  // (i < size) has its key at `key` + i * stride bytes and its value at
  // `value` + i * stride bytes; the current row is row `pos`. size 0: the
  // cursor is not valid(). A reader may walk the rows itself; next_run() /
  // prev_run() move to the first row after / the last row before the block
  // (wherever in it the cursor is) and return that row's run. Valid until
  // the index changes. None of the three throws (kvindex calls them outside
  // its exception guard, on its hot path).
  struct Run {
    const Value* key = nullptr;
    const Value* value = nullptr;
    std::size_t pos = 0, size = 0;
    std::size_t stride = sizeof(Value);
  };
  // Default: the current row alone (the backend has no blocks).
  virtual Run run() const noexcept {
    if (!valid()) return {};
    return {&key(), &value(), 0, 1};
  }
  virtual Run next_run() noexcept {
    next();
    return run();
  }
  virtual Run prev_run() noexcept {
    prev();
    return run();
  }
};

class OrderedIndex {
 public:
  // order: CSB+-tree node order (ignored by the skip list).
  static std::unique_ptr<OrderedIndex> make(IndexBackend backend, std::size_t order);
  virtual ~OrderedIndex() = default;

  virtual std::size_t size() const = 0;
  // The value stored under k (valid until the next write), or nullptr.
  virtual const Value* find(const Value& k) const = 0;
  // The stored key equal to k in the ordering (e.g. 2 for 2.0), or nullptr.
  virtual const Value* find_key(const Value& k) const = 0;
  // Both in one search: {stored key, value}, or {nullptr, nullptr}.
  struct Found {
    const Value* key = nullptr;
    const Value* value = nullptr;
  };
  virtual Found lookup(const Value& k) const = 0;
  // Inserts k, known to be absent (one search).
  virtual void insert_absent(const Value& k, const Value& v) = 0;
  // Inserts k unless it is present: true when inserted, false (nothing
  // changed) when present. One search (a plain INSERT's path).
  virtual bool insert_new(const Value& k, Value&& v) = 0;
  // Inserts or replaces; the stored key takes k's exact representation (as an
  // SQLite REPLACE would). Returns true when k was absent.
  virtual bool put(const Value& k, const Value& v) = 0;
  // Removes k; false when absent.
  virtual bool erase(const Value& k) = 0;
  // Replaces everything with items sorted strictly increasing (throws
  // kv::Error(corrupt) naming the first pair out of order).
  virtual void bulk_load(std::vector<std::pair<Value, Value>>&& items) = 0;
  virtual void clear() = 0;
  virtual std::unique_ptr<IndexCursor> cursor() const = 0;
};

// Undo log for one transaction. Levels follow SQLite's savepoint numbering:
// savepoint(n) opens level n (dropping levels >= n), release(n) drops levels
// >= n, rollback_to(n) undoes everything since savepoint(n) and keeps level n.
//
// Appends. An insert of a key past every key in the index (sorted loads: an
// append) records no key: consecutive appends share one entry, a count, whose
// undo erases the index's last key that many times (undo runs newest first,
// so each appended key is the last one again when its turn comes). Whether a
// key is an append is one comparison with bound_, an upper bound of the
// index's keys kept by the journal (it only ever grows while the journal
// changes the index; learned from the index when unknown). The keys appended
// since clear() are all keys above appended_above_ (the bound at the first
// append): changes() lists them by walking the index there.
//
// Failures (out of memory). A journaled write records its undo entry before
// it changes the index: when the entry cannot be made, nothing changed; when
// the change itself throws, the entry stays (undo restores the state before
// it, whatever part of the change happened). An append counts itself once
// the index holds the key (its undo erases the last key, which must be it).
// Undoing is a sequence of index writes, newest first, each of which either
// happens or not; a rollback that throws leaves the index consistent
// somewhere on the way, with the rest of the undo pending: undo_pending()
// tells, settle() finishes it (throwing again while it still cannot), and
// every journaled write settles first.
//
// Every change to the index while the journal is in use must go through it;
// after any other change (a reload, another connection's changes replayed)
// call clear() before the next journaled write.
class Journal {
 public:
  // Removes k; false when absent (nothing recorded).
  bool erase(OrderedIndex& index, const Value& k);
  // Inserts k unless present: false (nothing changed or recorded) when present.
  bool insert_new(OrderedIndex& index, const Value& k, Value&& v);
  // Stores (k, v) as OrderedIndex::put; `found` is what index.lookup(k) returns now.
  void put(OrderedIndex& index, const Value& k, const Value& v, const OrderedIndex::Found& found);
  // True when k is past every key in the index: insert_new(k) is an append
  // (no search needed to know k is absent). One comparison; the first call
  // after clear() asks the index for its last key.
  bool past_end(const OrderedIndex& index, const Value& k);

  void savepoint(int level);
  void release(int level);
  void rollback_to(int level, OrderedIndex& index);
  void rollback_all(OrderedIndex& index);
  bool undo_pending() const { return pending_.has_value(); }
  void settle(OrderedIndex& index);
  void clear();  // forgets everything, a pending undo included
  bool empty() const { return log_.empty(); }
  // Changes journaled since clear() (each appended key counts).
  std::size_t size() const { return changes_; }
  // Every key changed since clear(), sorted and distinct, with its state in
  // the index now (value nullptr: erased). Pointers into the journal and the
  // index, valid until either changes.
  struct Change {
    const Value* key;
    const Value* value;
  };
  std::vector<Change> changes(const OrderedIndex& index) const;
  // The appended keys' puts, packed as they came (change_batch.hpp: what the
  // commit writes, packed while the rows were at hand), while that is still
  // exactly their final state: nullptr once a rollback reached an append, a
  // key above the first append's bound was recorded, or packing failed (out
  // of memory: the writes go on, unpacked).
  const PackedPuts* packed_appends() const { return has_appends_ && packed_ok_ ? &packed_ : nullptr; }
  // Whether appends are packed at all (off by default: only a table whose
  // commit writes them wants the work); read at the first append after clear().
  void pack_appends(bool on) { pack_ = on; }
  // packed_appends() is the whole index (it was empty at the first append).
  bool packed_is_everything() const { return packed_appends() != nullptr && appended_all_; }
  // With packed_appends(): changes() without the appended keys (these sort
  // after every one of them).
  std::vector<Change> recorded_changes(const OrderedIndex& index) const;

 private:
  struct Entry {
    // The key changed; NULL (keys never are) marks a run of key.i appends.
    Value key;
    // What k held before (key representation, value); null when it was
    // absent: an INSERT's entry is one Value.
    std::unique_ptr<std::pair<Value, Value>> old;
    bool is_run() const { return key.kind == Kind::null; }
  };
  // Call before changing key k. old_key/old_value: what is stored under k now
  // (both nullptr when absent); undo restores exactly that representation.
  void record(const Value& key, const Value* old_key, const Value* old_value);
  // The keys recorded one by one since clear() (not the appended ones),
  // sorted and distinct: pointers into the journal.
  std::vector<const Value*> touched_keys() const;
  bool append(OrderedIndex& index, const Value& k, Value&& v);  // false: k was present
  void undo_to(std::size_t mark, OrderedIndex& index);
  void drop_packed() noexcept;
  std::deque<Entry> log_;  // a deque: growing never moves the entries' strings
  std::vector<std::size_t> marks_;  // marks_[n]: log size at savepoint(n)
  std::optional<std::size_t> pending_;  // an interrupted rollback's target log size
  std::size_t changes_ = 0;
  // bound_: >= every key in the index (when bound_known_; nothing to bound
  // when bound_empty_: the index was empty). appended_above_: bound_ at the
  // first append since clear() (has_appends_; appended_all_: the index was
  // empty then, every key is appended).
  Value bound_, appended_above_;
  bool bound_known_ = false, bound_empty_ = false;
  bool has_appends_ = false, appended_all_ = false;
  bool run_open_ = false;  // log_.back() is a run the next append may extend
  PackedPuts packed_;
  bool pack_ = false, packed_ok_ = false;
};

}  // namespace kv
