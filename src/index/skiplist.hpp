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
//  * Sorted inserts: a thread whose insert appended at the end links its next,
//    larger key after the predecessors it remembers (its Finger) without a
//    search, by the same CASes; it falls back to the full search when another
//    thread appended meanwhile, and uses the finger only while no erase has
//    started since it was taken (so no remembered node can have been freed).
//
// What a concurrent reader sees: every read runs inside an EpochGuard. find()
// is linearizable. A range scan (first/lower_bound then next) returns keys in
// strictly increasing order, each at most once; a key present for the whole
// scan is returned; a key inserted or erased during the scan may or may not be
// returned. It is not a snapshot. Values are read atomically per key.
// Backward steps (prev) re-search from the top: O(log n) each.
//
// clear() and bulk_load() need exclusive access (no concurrent users).
//
// Node layout: ONE allocation per key, laid out for the search, which touches
// many nodes but reads only their header and link on each:
//
//   offset 0        hint word (8 bytes), hint class, height, refs   16 bytes
//   offset 16       next[0 .. height-1]: marked links               8 each
//   then (Body)     val (T*, atomic), the value inline, the key
//
// The hint (order_hint.hpp) decides most comparisons from the header alone:
// the Compare's own hints when it has them (kv::SqlLess: integers exactly,
// reals, text/blob by their first 8 bytes), integral keys under std::less
// exactly; otherwise every comparison reads the key. A node of height 1-6 has
// header and tower in 24-64 bytes, and a point lookup reads the key and value
// (next to each other) of the one node it returns. The value starts inline;
// insert_or_assign swaps `val` to a heap copy (the inline one stays until the
// node is freed), so readers still see the old or the new value atomically.
// Searches start at the tallest height ever linked, not at kMaxLevel; next()
// prefetches the node after the one it returns (range scans overlap the
// memory latency of one row with the work on the previous one).
//
// Out of memory: a node (key and value copied in) is built completely before
// it is linked, and freed if copying throws; writers take their
// EpochDomain::Reservation before changing anything, so nothing is lost or
// half-done when an allocation fails. bulk_load leaves the list empty when
// it throws.
#pragma once

#include <algorithm>
#include <atomic>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "index/epoch.hpp"
#include "index/map_writes.hpp"
#include "index/order_hint.hpp"

namespace kv {

template <class Key, class T, class Compare = std::less<Key>>
class SkipList : public MapWrites<SkipList<Key, T, Compare>, Key, T> {
  friend class MapWrites<SkipList, Key, T>;
  struct Body;

 public:
  static constexpr int kMaxLevel = 24;

  class Node {
   public:
    const Key& key() const { return body()->key; }
    // The current value; valid while the caller's EpochGuard lives.
    const T& value() const { return *body()->val.load(std::memory_order_acquire); }

   private:
    friend class SkipList;
    explicit Node(int h) : height_(static_cast<std::uint8_t>(h)) {}
    std::uint64_t hint_word_ = 0;
    std::uint8_t hint_cls_ = 0;
    std::uint8_t height_;
    std::atomic<std::uint32_t> refs_{2};  // the inserter and the (eventual) deleter
    std::atomic<std::uintptr_t>* next() { return reinterpret_cast<std::atomic<std::uintptr_t>*>(this + 1); }
    std::uintptr_t next_c(int l) const {
      return const_cast<Node*>(this)->next()[l].load(std::memory_order_acquire);
    }
    OrderHint hint() const { return {hint_word_, hint_cls_}; }
    Body* body() const {
      return reinterpret_cast<Body*>(reinterpret_cast<std::uintptr_t>(this) + body_offset(height_));
    }
  };

  explicit SkipList(Compare cmp = Compare()) : cmp_(cmp), id_(++next_id_) { head_ = make_head(); }
  ~SkipList() {
    destroy_all();
    head_->~Node();
    ::operator delete(head_);
  }
  SkipList(const SkipList&) = delete;
  SkipList& operator=(const SkipList&) = delete;

  // size, empty, insert, insert_or_assign: MapWrites (map_writes.hpp).
  using MapWrites<SkipList<Key, T, Compare>, Key, T>::size;

  // Removes k; false when absent (or removed concurrently by another thread).
  bool erase(const Key& k) {
    EpochGuard guard;
    EpochDomain::Reservation room(1);  // before anything changes
    Node* preds[kMaxLevel];
    Node* succs[kMaxLevel];
    if (!find_nodes(k, preds, succs)) return false;
    Node* victim = succs[0];
    const EraseInProgress counting(*this);  // before the first mark: see Finger
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
    release(victim, room);
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
    const OrderHint hk = hint_of(k);
    const Node* n = seek(k, hk, false);
    return (n && compare(k, hk, n) == 0) ? n : nullptr;
  }
  const Node* first() const { return next(head_); }
  // First node with key >= k (upper: > k).
  const Node* lower_bound(const Key& k) const { return seek(k, hint_of(k), false); }
  const Node* upper_bound(const Key& k) const { return seek(k, hint_of(k), true); }
  // Last node with key < k (or_equal: <= k); nullptr when none.
  const Node* last_below(const Key& k, bool or_equal = false) const {
    const OrderHint hk = hint_of(k);
    const Node* pred = head_;
    for (int l = top_level() - 1; l >= 0; --l) {
      const Node* curr = ptr(pred->next_c(l));
      while (curr) {
        const std::uintptr_t s = curr->next_c(l);
        if (s & 1) {
          curr = ptr(s);
          continue;
        }
        const int c = compare(k, hk, curr);  // k vs curr
        if (or_equal ? c < 0 : c <= 0) break;
        pred = curr;
        curr = ptr(s);
      }
    }
    return pred == head_ ? nullptr : pred;
  }
  const Node* last() const {
    const Node* pred = head_;
    for (int l = top_level() - 1; l >= 0; --l) {
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
    std::uintptr_t s = p ? p->next_c(0) : 0;
    while (s & 1) {
      p = ptr(s);
      s = p ? p->next_c(0) : 0;
    }
    if (const Node* after = ptr(s)) prefetch(after);  // the row after this one
    return p;
  }
  const Node* prev(const Node* n) const { return last_below(n->key()); }

  // Removes everything. Exclusive access only.
  void clear() {
    erases_started_.fetch_add(1);  // every finger is void (exclusive access: no erase runs)
    erases_done_.fetch_add(1);
    destroy_all();
    for (int l = 0; l < kMaxLevel; ++l) head_->next()[l].store(0);
    size_.store(0);
    top_.store(1);
  }

  // Replaces the contents with items sorted strictly increasing by key
  // (std::invalid_argument otherwise, leaving the list empty; out of memory:
  // std::bad_alloc, leaving it empty). Exclusive access only. Nodes are
  // allocated in key order, so a scan of a freshly loaded list walks memory
  // forward.
  void bulk_load(std::vector<std::pair<Key, T>>&& items) {
    clear();
    for (std::size_t i = 1; i < items.size(); ++i)
      if (!cmp_(items[i - 1].first, items[i].first))
        throw std::invalid_argument("skiplist bulk_load: keys not strictly increasing at position " +
                                    std::to_string(i));
    Node* tails[kMaxLevel];
    for (int l = 0; l < kMaxLevel; ++l) tails[l] = head_;
    int top = 1;
    try {
      for (auto& item : items) {
        const int h = random_height();
        Node* n = make_node(std::move(item.first), std::move(item.second), h);
        n->refs_.store(1);  // no inserter left to release it
        if (h > top) top = h;
        for (int l = 0; l < h; ++l) {
          tails[l]->next()[l].store(reinterpret_cast<std::uintptr_t>(n), std::memory_order_relaxed);
          tails[l] = n;
        }
      }
    } catch (...) {
      clear();  // every node made so far is linked at level 0
      throw;
    }
    top_.store(top);
    size_.store(items.size());
    items.clear();
  }

 private:
  // What follows the tower: the value pointer, the inline value, the key.
  struct Body {
    template <class K, class V>
    Body(K&& k, V&& v) : inline_value(std::forward<V>(v)), key(std::forward<K>(k)) {
      val.store(&inline_value, std::memory_order_relaxed);
    }
    std::atomic<T*> val;
    T inline_value;
    Key key;
  };
  static_assert(alignof(Body) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__, "over-aligned key or value");
  static_assert(sizeof(Node) == 16, "node header is 16 bytes");

  static constexpr std::size_t body_offset(int h) {
    const std::size_t end = sizeof(Node) + sizeof(std::atomic<std::uintptr_t>) * static_cast<std::size_t>(h);
    return (end + alignof(Body) - 1) / alignof(Body) * alignof(Body);
  }

  // ---- order hints (order_hint.hpp) --------------------------------------
  using Order = HintedOrder<Key, Compare>;
  static OrderHint hint_of(const Key& k) noexcept { return Order::hint(k); }
  // How k (with hint hk) compares with n's key: -1, 0, 1.
  int compare(const Key& k, OrderHint hk, const Node* n) const {
    return Order::compare(cmp_, k, hk, n->hint(), [n]() -> const Key& { return n->key(); });
  }

  // Asks for the lines of a short node (header, tower, body) without reading
  // it: its height is not known yet, and reading it would wait for the miss.
  static void prefetch(const Node* n) {
    const char* p = reinterpret_cast<const char*>(n);
    __builtin_prefetch(p);
    __builtin_prefetch(p + 64);
    __builtin_prefetch(p + body_offset(1) + sizeof(Body) - 1);
  }

  static const Node* ptr(std::uintptr_t v) { return reinterpret_cast<const Node*>(v & ~std::uintptr_t(1)); }
  static Node* mptr(std::uintptr_t v) { return reinterpret_cast<Node*>(v & ~std::uintptr_t(1)); }
  static std::uintptr_t bits(const Node* n) { return reinterpret_cast<std::uintptr_t>(n); }

  // The head: a header and a full tower, no body.
  static Node* make_head() {
    void* mem = ::operator new(sizeof(Node) + sizeof(std::atomic<std::uintptr_t>) * kMaxLevel);
    Node* n = ::new (mem) Node(kMaxLevel);
    for (int l = 0; l < kMaxLevel; ++l) ::new (&n->next()[l]) std::atomic<std::uintptr_t>(0);
    return n;
  }
  // A complete, unlinked node; if copying the key or value throws, nothing is left behind.
  template <class K, class V>
  static Node* make_node(K&& k, V&& v, int h) {
    void* mem = ::operator new(body_offset(h) + sizeof(Body));
    Node* n = ::new (mem) Node(h);
    for (int l = 0; l < h; ++l) ::new (&n->next()[l]) std::atomic<std::uintptr_t>(0);
    try {
      ::new (static_cast<void*>(n->body())) Body(std::forward<K>(k), std::forward<V>(v));
    } catch (...) {
      n->~Node();
      ::operator delete(mem);
      throw;
    }
    const OrderHint hk = hint_of(n->body()->key);
    n->hint_word_ = hk.word;
    n->hint_cls_ = hk.cls;
    return n;
  }
  static void free_node(Node* n) {
    Body* b = n->body();
    T* v = b->val.load();
    if (v != &b->inline_value) delete v;
    b->~Body();
    n->~Node();
    ::operator delete(n);
  }
  static void free_node_erased(void* p) { free_node(static_cast<Node*>(p)); }
  static void free_value(void* p) { delete static_cast<T*>(p); }
  static void release(Node* n, EpochDomain::Reservation& room) {
    if (n->refs_.fetch_sub(1) == 1) room.retire(n, &free_node_erased);
  }

  void destroy_all() {
    Node* n = mptr(head_->next()[0].load());
    while (n) {
      Node* nx = mptr(n->next()[0].load());
      free_node(n);
      n = nx;
    }
  }

  // Levels 0 .. top_level()-1 hold every link: top_ is raised before a node
  // that tall is linked, and never lowered while the list is shared.
  int top_level() const { return top_.load(std::memory_order_acquire); }
  void raise_top(int h) {
    int t = top_.load();
    while (t < h && !top_.compare_exchange_weak(t, h)) {
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

  const Node* seek(const Key& k, OrderHint hk, bool upper) const {
    const Node* pred = head_;
    const Node* curr = nullptr;
    for (int l = top_level() - 1; l >= 0; --l) {
      curr = ptr(pred->next_c(l));
      while (curr) {
        const std::uintptr_t s = curr->next_c(l);
        if (s & 1) {  // erased: step over it
          curr = ptr(s);
          continue;
        }
        const int c = compare(k, hk, curr);  // k vs curr
        if (upper ? c < 0 : c <= 0) break;   // curr is not before the target
        pred = curr;
        curr = ptr(s);
        // The search goes on right (curr) or down from pred: ask for both lines at once.
        if (l > 0) __builtin_prefetch(ptr(pred->next_c(l - 1)));
      }
    }
    return curr;
  }

  // Fills preds/succs for k on every level below top_level() (head / null
  // above it), unlinking marked nodes on the way. Returns whether succs[0]
  // holds k. Caller holds an EpochGuard.
  bool find_nodes(const Key& k, Node** preds, Node** succs) {
    const OrderHint hk = hint_of(k);
  retry:
    const int top = top_level();
    for (int l = kMaxLevel - 1; l >= top; --l) {  // not used: callers raise top_ first
      preds[l] = head_;
      succs[l] = nullptr;
    }
    Node* pred = head_;
    for (int l = top - 1; l >= 0; --l) {
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
        if (!curr || compare(k, hk, curr) <= 0) break;
        pred = curr;
        curr = mptr(s);
      }
      preds[l] = pred;
      succs[l] = curr;
    }
    return succs[0] && compare(k, hk, succs[0]) == 0;
  }

  // ---- the right-edge fast path (sorted inserts) --------------------------
  //
  // A thread whose insert appended at the end of the list remembers that
  // insert's predecessors on every level (its Finger; the new node on the
  // levels it was linked at). Its next insert of a larger key links after
  // them without a search, each link by the normal CAS expecting "null" (so a
  // node appended meanwhile by another thread makes it fall back to the full
  // search). Safety: the remembered nodes must not have been freed. Every
  // erase counts itself in erases_started_ before it marks anything and in
  // erases_done_ when it is done; a finger is taken only when no erase was in
  // progress before its search (started == done, read in that order) and used
  // only while erases_started_ still has that value: then no node has been
  // marked since before that search, so every remembered node is still linked
  // and unretired (an erase that starts after the check retires them only
  // after this insert's EpochGuard began, so they stay readable for it).
  struct Finger {
    std::uint64_t list = 0;   // the id_ of the list it belongs to; 0: none
    std::uint64_t stamp = 0;  // erases_started_ before the search
    int top = 0;              // preds[l] for l >= top are the head
    Node* preds[kMaxLevel];
  };
  static Finger& finger() {
    thread_local Finger f;
    return f;
  }
  static constexpr std::uint64_t kNoStamp = ~std::uint64_t{0};
  // erases_started_ when no erase is in progress, else kNoStamp.
  std::uint64_t quiet_stamp() const {
    const std::uint64_t started = erases_started_.load();
    return erases_done_.load() == started ? started : kNoStamp;
  }
  struct EraseInProgress {
    explicit EraseInProgress(SkipList& l) : list(l) { list.erases_started_.fetch_add(1); }
    ~EraseInProgress() { list.erases_done_.fetch_add(1); }
    SkipList& list;
  };
  // Fills preds/succs of levels below h from f when k goes after the last
  // key it remembers and that node is still the last one; false otherwise.
  bool preds_from_finger(const Finger& f, const Key& k, OrderHint hk, int h, Node** preds, Node** succs) const {
    if (f.list != id_ || f.stamp != erases_started_.load()) return false;
    Node* last = f.preds[0];
    if (compare(k, hk, last) <= 0) return false;
    if (last->next()[0].load() != 0) return false;  // no longer the end (or being erased)
    for (int l = 0; l < h; ++l) {
      preds[l] = l < f.top ? f.preds[l] : head_;
      succs[l] = nullptr;
    }
    return true;
  }
  // After an insert that appended `node` (height h): f remembers node on the
  // levels below h and, above them, the preds of the last search (or keeps
  // its own when the insert made none: `searched` false).
  void remember_append(Finger& f, std::uint64_t stamp, Node* node, int h, Node* const* preds, bool searched) const {
    if (stamp == kNoStamp || erases_started_.load() != stamp) {
      f.list = 0;
      return;
    }
    int top = std::max(searched ? top_level() : f.top, h);
    for (int l = 0; l < top; ++l) {
      if (l < h) {
        f.preds[l] = node;
      } else if (searched) {
        f.preds[l] = preds[l];
      }
    }
    f.top = top;
    f.stamp = stamp;
    f.list = id_;
  }

  template <bool Assign, class V>
  bool insert_impl(const Key& k, V&& v) {
    EpochGuard guard;
    EpochDomain::Reservation room(1);  // before anything changes
    Node* preds[kMaxLevel];
    Node* succs[kMaxLevel];
    const int h = random_height();
    raise_top(h);  // levels below h are searched and linked from now on
    const std::uint64_t stamp = quiet_stamp();  // before any search: see Finger
    const OrderHint hk = hint_of(k);
    Node* node = nullptr;
    Finger& f = finger();
    bool use_finger = preds_from_finger(f, k, hk, h, preds, succs);
    bool searched = false;  // preds/succs hold a search's result on every level
    while (true) {
      if (!use_finger) {
        searched = true;
        if (find_nodes(k, preds, succs)) {
          if (node) free_node(node);  // never published
          if constexpr (Assign) {
            T* fresh = new T(v);  // may throw: nothing changed yet
            T* old = succs[0]->body()->val.exchange(fresh);
            if (old != &succs[0]->body()->inline_value) room.retire(old, &free_value);
          }
          return false;
        }
      }
      use_finger = false;  // a failed CAS below searches
      if (!node) node = make_node(k, std::forward<V>(v), h);  // may throw: nothing changed yet
      for (int l = 0; l < h; ++l) node->next()[l].store(bits(succs[l]), std::memory_order_relaxed);
      std::uintptr_t expected = bits(succs[0]);
      if (preds[0]->next()[0].compare_exchange_strong(expected, bits(node))) break;
    }
    size_.fetch_add(1);
    const bool appended = succs[0] == nullptr;
    for (int l = 1; l < h; ++l) {
      while (true) {
        std::uintptr_t cur = node->next()[l].load();
        if (cur & 1) goto done;  // being erased: stop linking
        if (cur != bits(succs[l]) && !node->next()[l].compare_exchange_strong(cur, bits(succs[l]))) goto done;
        std::uintptr_t expected = bits(succs[l]);
        if (preds[l]->next()[l].compare_exchange_strong(expected, bits(node))) break;
        find_nodes(k, preds, succs);
        searched = true;
        if (succs[0] != node) goto done;  // erased meanwhile
      }
    }
  done:
    if (node->next()[0].load() & 1) {
      find_nodes(k, preds, succs);  // unlink what we linked
    } else if (appended) {
      remember_append(f, stamp, node, h, preds, searched);
    }
    release(node, room);
    return true;
  }

  Node* head_;
  Compare cmp_;
  std::atomic<std::size_t> size_{0};
  std::atomic<int> top_{1};
  static inline std::atomic<std::uint64_t> next_id_{0};
  const std::uint64_t id_;  // names the list in threads' fingers
  std::atomic<std::uint64_t> erases_started_{0};
  std::atomic<std::uint64_t> erases_done_{0};
};

}  // namespace kv
