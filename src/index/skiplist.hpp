// SkipList: an ordered map safe for any number of concurrent readers and
// writers (Harris-style lock-free linked levels, as in Herlihy & Shavit's
// LockFreeSkipList), with epoch-based reclamation (epoch.hpp).
//
//  * insert / insert_or_assign / erase / find are lock-free: a writer links a
//    node with CAS on its predecessors' next pointers; erase marks the low bit
//    of the node's next pointers (top level first, level 0 last: marking level
//    0 is the linearization point), then unlinks it. Any thread that meets a
//    marked node helps unlink it.
//  * Unlinked nodes and replaced values go to EpochDomain::retire and are freed
//    only when no reader can still hold them. A node is retired once both its
//    inserter and its deleter are done with it (a two-count reference), so a
//    node cannot be freed while its inserter is still linking upper levels.
//  * insert() on an existing key does NOT change it and returns false (the
//    caller is told; upstream silently kept the old value). insert_or_assign()
//    replaces the value atomically: a concurrent reader sees the old or the
//    new value, never a mix.
//
// What a concurrent reader sees: every read runs inside an EpochGuard. find()
// is linearizable. A range scan (first/lower_bound then next) returns keys in
// strictly increasing order, each at most once; a key present for the whole
// scan is returned; a key inserted or erased during the scan may or may not be
// returned. It is not a snapshot. Values are read atomically per key.
// Backward steps (prev) re-search from the top: O(log n) each.
//
// clear() and bulk_load() need exclusive access (no concurrent users).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "index/epoch.hpp"

namespace kv {

template <class Key, class T, class Compare = std::less<Key>>
class SkipList {
 public:
  static constexpr int kMaxLevel = 24;

  class Node {
   public:
    const Key& key() const { return key_; }
    // The current value; valid while the caller's EpochGuard lives.
    const T& value() const { return *val_.load(std::memory_order_acquire); }

   private:
    friend class SkipList;
    Node(const Key& k, T* v, int h) : key_(k), val_(v), height_(h) {}
    Key key_;
    std::atomic<T*> val_;
    std::atomic<int> refs_{2};  // the inserter and the (eventual) deleter
    int height_;
    std::atomic<std::uintptr_t>* next() { return reinterpret_cast<std::atomic<std::uintptr_t>*>(this + 1); }
    std::uintptr_t next_c(int l) const {
      return const_cast<Node*>(this)->next()[l].load(std::memory_order_acquire);
    }
  };

  explicit SkipList(Compare cmp = Compare()) : cmp_(cmp) { head_ = make_node(Key(), nullptr, kMaxLevel); }
  ~SkipList() {
    destroy_all();
    free_node(head_);
  }
  SkipList(const SkipList&) = delete;
  SkipList& operator=(const SkipList&) = delete;

  // Number of keys (exact when no writer is running).
  std::size_t size() const { return size_.load(); }
  bool empty() const { return size() == 0; }

  // Inserts (k, v) if k is absent; returns false and changes nothing otherwise.
  bool insert(const Key& k, const T& v) { return insert_impl(k, v, false); }
  // Inserts, or atomically replaces the value of an existing key; true when inserted.
  bool insert_or_assign(const Key& k, const T& v) { return insert_impl(k, v, true); }

  // Removes k; false when absent (or removed concurrently by another thread).
  bool erase(const Key& k) {
    EpochGuard guard;
    Node* preds[kMaxLevel];
    Node* succs[kMaxLevel];
    if (!find_nodes(k, preds, succs)) return false;
    Node* victim = succs[0];
    for (int l = victim->height_ - 1; l >= 1; --l) {
      std::uintptr_t s = victim->next()[l].load();
      while (!(s & 1)) victim->next()[l].compare_exchange_weak(s, s | 1);
    }
    std::uintptr_t s = victim->next()[0].load();
    while (true) {
      if (s & 1) return false;  // another thread erased it first
      if (victim->next()[0].compare_exchange_weak(s, s | 1)) break;
    }
    size_.fetch_sub(1);
    find_nodes(k, preds, succs);  // unlinks it from every level
    release(victim);
    return true;
  }

  // Copy of the value of k, if present.
  std::optional<T> get(const Key& k) const {
    EpochGuard guard;
    const Node* n = find_node(k);
    if (!n) return std::nullopt;
    return n->value();
  }
  bool contains(const Key& k) const {
    EpochGuard guard;
    return find_node(k) != nullptr;
  }

  // ---- node-level access: the caller holds an EpochGuard -----------------
  const Node* find_node(const Key& k) const {
    const Node* n = lower_bound(k);
    return (n && !cmp_(k, n->key_)) ? n : nullptr;
  }
  const Node* first() const { return next(head_); }
  // First node with key >= k (upper: > k).
  const Node* lower_bound(const Key& k) const { return seek(k, false); }
  const Node* upper_bound(const Key& k) const { return seek(k, true); }
  // Last node with key < k (or_equal: <= k); nullptr when none.
  const Node* last_below(const Key& k, bool or_equal = false) const {
    const Node* pred = head_;
    for (int l = kMaxLevel - 1; l >= 0; --l) {
      const Node* curr = ptr(pred->next_c(l));
      while (curr) {
        const std::uintptr_t s = curr->next_c(l);
        if (s & 1) {
          curr = ptr(s);
          continue;
        }
        const bool before = or_equal ? !cmp_(k, curr->key_) : cmp_(curr->key_, k);
        if (!before) break;
        pred = curr;
        curr = ptr(s);
      }
    }
    return pred == head_ ? nullptr : pred;
  }
  const Node* last() const {
    const Node* pred = head_;
    for (int l = kMaxLevel - 1; l >= 0; --l) {
      const Node* curr = ptr(pred->next_c(l));
      while (curr) {
        const std::uintptr_t s = curr->next_c(l);
        if (!(s & 1)) pred = curr;
        curr = ptr(s);
      }
    }
    return pred == head_ ? nullptr : pred;
  }
  // Next live node after n (n itself may have been erased meanwhile).
  const Node* next(const Node* n) const {
    const Node* p = ptr(n->next_c(0));
    while (p && (p->next_c(0) & 1)) p = ptr(p->next_c(0));
    return p;
  }
  const Node* prev(const Node* n) const { return last_below(n->key_); }

  // Removes everything. Exclusive access only.
  void clear() {
    destroy_all();
    for (int l = 0; l < kMaxLevel; ++l) head_->next()[l].store(0);
    size_.store(0);
  }

  // Replaces the contents with items sorted strictly increasing by key
  // (std::invalid_argument otherwise, leaving the list empty). Exclusive access only.
  void bulk_load(std::vector<std::pair<Key, T>>&& items) {
    clear();
    for (std::size_t i = 1; i < items.size(); ++i)
      if (!cmp_(items[i - 1].first, items[i].first))
        throw std::invalid_argument("skiplist bulk_load: keys not strictly increasing at position " +
                                    std::to_string(i));
    Node* tails[kMaxLevel];
    for (int l = 0; l < kMaxLevel; ++l) tails[l] = head_;
    for (auto& item : items) {
      const int h = random_height();
      Node* n = make_node(item.first, new T(std::move(item.second)), h);
      n->refs_.store(1);  // no inserter left to release it
      for (int l = 0; l < h; ++l) {
        tails[l]->next()[l].store(reinterpret_cast<std::uintptr_t>(n), std::memory_order_relaxed);
        tails[l] = n;
      }
    }
    size_.store(items.size());
    items.clear();
  }

 private:
  static const Node* ptr(std::uintptr_t v) { return reinterpret_cast<const Node*>(v & ~std::uintptr_t(1)); }
  static Node* mptr(std::uintptr_t v) { return reinterpret_cast<Node*>(v & ~std::uintptr_t(1)); }
  static std::uintptr_t bits(const Node* n) { return reinterpret_cast<std::uintptr_t>(n); }

  static Node* make_node(const Key& k, T* v, int h) {
    void* mem = ::operator new(sizeof(Node) + sizeof(std::atomic<std::uintptr_t>) * h);
    Node* n = new (mem) Node(k, v, h);
    for (int l = 0; l < h; ++l) new (&n->next()[l]) std::atomic<std::uintptr_t>(0);
    return n;
  }
  static void free_node(Node* n) {
    delete n->val_.load();
    n->~Node();
    ::operator delete(n);
  }
  static void free_node_erased(void* p) { free_node(static_cast<Node*>(p)); }
  static void free_value(void* p) { delete static_cast<T*>(p); }
  static void release(Node* n) {
    if (n->refs_.fetch_sub(1) == 1) EpochDomain::global().retire(n, &free_node_erased);
  }

  void destroy_all() {
    Node* n = mptr(head_->next()[0].load());
    while (n) {
      Node* nx = mptr(n->next()[0].load());
      free_node(n);
      n = nx;
    }
  }

  static int random_height() {
    thread_local std::uint64_t state = 0x9E3779B97F4A7C15ull ^ reinterpret_cast<std::uintptr_t>(&state);
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    std::uint64_t r = state;
    int h = 1;
    while (h < kMaxLevel && (r & 3) == 0) {  // p = 1/4 per level
      ++h;
      r >>= 2;
    }
    return h;
  }

  const Node* seek(const Key& k, bool upper) const {
    const Node* pred = head_;
    const Node* curr = nullptr;
    for (int l = kMaxLevel - 1; l >= 0; --l) {
      curr = ptr(pred->next_c(l));
      while (curr) {
        const std::uintptr_t s = curr->next_c(l);
        if (s & 1) {  // erased: step over it
          curr = ptr(s);
          continue;
        }
        const bool before = upper ? !cmp_(k, curr->key_) : cmp_(curr->key_, k);
        if (!before) break;
        pred = curr;
        curr = ptr(s);
      }
    }
    return curr;
  }

  // Fills preds/succs for k on every level, unlinking marked nodes on the way.
  // Returns whether succs[0] holds k. Caller holds an EpochGuard.
  bool find_nodes(const Key& k, Node** preds, Node** succs) {
  retry:
    Node* pred = head_;
    for (int l = kMaxLevel - 1; l >= 0; --l) {
      Node* curr = mptr(pred->next()[l].load());
      while (curr) {
        std::uintptr_t s = curr->next()[l].load();
        while (s & 1) {  // curr is erased: unlink it at this level
          std::uintptr_t expected = bits(curr);
          if (!pred->next()[l].compare_exchange_strong(expected, s & ~std::uintptr_t(1))) goto retry;
          curr = mptr(s);
          if (!curr) break;
          s = curr->next()[l].load();
        }
        if (!curr || !cmp_(curr->key_, k)) break;
        pred = curr;
        curr = mptr(s);
      }
      preds[l] = pred;
      succs[l] = curr;
    }
    return succs[0] && !cmp_(k, succs[0]->key_);
  }

  bool insert_impl(const Key& k, const T& v, bool assign) {
    EpochGuard guard;
    Node* preds[kMaxLevel];
    Node* succs[kMaxLevel];
    const int h = random_height();
    Node* node = nullptr;
    while (true) {
      if (find_nodes(k, preds, succs)) {
        if (node) free_node(node);  // never published
        if (assign) {
          T* old = succs[0]->val_.exchange(new T(v));
          EpochDomain::global().retire(old, &free_value);
        }
        return false;
      }
      if (!node) node = make_node(k, new T(v), h);
      for (int l = 0; l < h; ++l) node->next()[l].store(bits(succs[l]), std::memory_order_relaxed);
      std::uintptr_t expected = bits(succs[0]);
      if (preds[0]->next()[0].compare_exchange_strong(expected, bits(node))) break;
    }
    size_.fetch_add(1);
    for (int l = 1; l < h; ++l) {
      while (true) {
        std::uintptr_t cur = node->next()[l].load();
        if (cur & 1) goto done;  // being erased: stop linking
        if (cur != bits(succs[l]) && !node->next()[l].compare_exchange_strong(cur, bits(succs[l]))) goto done;
        std::uintptr_t expected = bits(succs[l]);
        if (preds[l]->next()[l].compare_exchange_strong(expected, bits(node))) break;
        find_nodes(k, preds, succs);
        if (succs[0] != node) goto done;  // erased meanwhile
      }
    }
  done:
    if (node->next()[0].load() & 1) find_nodes(k, preds, succs);  // unlink what we linked
    release(node);
    return true;
  }

  Node* head_;
  Compare cmp_;
  std::atomic<std::size_t> size_{0};
};

}  // namespace kv
