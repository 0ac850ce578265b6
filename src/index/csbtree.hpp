// CsbTree: an ordered map as a cache-sensitive B+-tree (Rao & Ross, "Making
// B+-Trees Cache Conscious in Main Memory", SIGMOD 2000), "full CSB+-tree"
// variant. Plain C++, no SQLite types; the kvindex virtual table uses it with
// kv::Value keys and kv::SqlLess.
//
// Layout
//  * Every internal node stores up to `order` keys inline and ONE pointer: to
//    its child *node group*, the node's n+1 children stored contiguously. The
//    i-th child is found by arithmetic, so a node spends its cache lines on
//    keys rather than child pointers. Groups are allocated with room for
//    order+1 nodes (the "full" variant), so a child split only shifts nodes
//    inside the group; a group is divided only when its parent node splits.
//    A node is [n, child | words[order] | keys[order]], 64-byte aligned.
//  * Leaves hold up to `order` key/value pairs in three small arrays: order
//    words, keys, values (so moving a leaf inside its group moves three words
//    per array). Leaf groups are linked both ways, and leaves of one group are
//    adjacent, so in-order iteration in both directions never climbs the tree.
//  * Separator key k[i] of a node satisfies  child i  <  k[i]  <=  child i+1.
//  * Order words (order_word.hpp): beside every key, in a node and in a leaf,
//    its 8-byte order word, words[i] == OrderWords::of(keys[i]) always. A
//    search computes the sought key's word once and binary-searches the word
//    array (branch-free, 8 words a cache line; a leaf's word lines are
//    prefetched together once the leaf is known, and the found row's key and
//    value lines together after it); it reads a key only where the words tie
//    and are not exact (kv::SqlLess: an INTEGER vs a REAL of the same double,
//    integers beyond 2^50 or texts sharing their first 8 bytes). For integer
//    keys a lookup touches the word arrays on its path and then the one key
//    and value it returns. Without words (an order that offers none) the
//    arrays hold zeros and a search compares keys only.
//
// Operations: find / lower_bound / upper_bound / bidirectional iterators;
// insert (keeps an existing value), insert_or_assign; erase with borrow from a
// sibling or merge, so nodes stay at least half full under churn; bulk_load
// from strictly increasing input builds a packed tree in one pass.
//
// Failures: insert, insert_or_assign and erase either complete or leave the
// tree exactly as it was (strong guarantee): everything they allocate (the
// stored key, a split's new leaf, nodes and groups, a separator copy) is made
// before the first change, and what follows only moves (Key and T must move
// without throwing). clear() and bulk_load() leave an empty tree when they
// fail. Nothing leaks: allocations are owned until the tree links them.
//
// Not thread safe (one writer, or many readers with no writer). Any
// modification invalidates all iterators.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <memory>
#include <new>
#include <optional>
#include <type_traits>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "index/order_word.hpp"

namespace kv {

template <class Key, class T, class Compare = std::less<Key>>
class CsbTree {
  struct Leaf {
    std::vector<std::uint64_t> words;  // words[i] == Words::of(keys[i])
    std::vector<Key> keys;
    std::vector<T> vals;
  };
  struct LeafGroup {
    std::vector<Leaf> leaves;  // capacity order+1, never reallocated
    LeafGroup* prev = nullptr;
    LeafGroup* next = nullptr;
  };
  struct INode {
    std::uint32_t n;  // number of keys; n+1 children
    void* child;      // IGroup* above level 1, LeafGroup* at level 1
    // followed by `order` words, then `order` key slots at key_off_
  };
  using Words = OrderWords<Key, Compare>;
  struct IGroup {
    std::uint32_t count;  // nodes in use; nodes follow at kGroupHeader, stride_ apart
  };
  static constexpr std::size_t kGroupHeader = 64;  // keeps nodes cache-line aligned
  static constexpr std::size_t kAlign = 64;
  static constexpr int kMaxHeight = 64;  // internal levels; >= 2 children per node bounds it
  static_assert(std::is_nothrow_move_constructible_v<Key> && std::is_nothrow_move_assignable_v<Key> &&
                    std::is_nothrow_move_constructible_v<T> && std::is_nothrow_move_assignable_v<T>,
                "the tree's changes after their allocations are moves that must not throw");

 public:
  static constexpr std::size_t kDefaultOrder = 63;
  static constexpr std::size_t kMinOrder = 3;

  class iterator {
   public:
    iterator() = default;
    const Key& key() const { return g_->leaves[li_].keys[si_]; }
    T& value() const { return g_->leaves[li_].vals[si_]; }
    // The leaf holding the current element: its keys and values are arrays
    // of leaf_size() elements, the current one at leaf_pos(), so a reader can
    // walk them without an iterator step each (kvindex's cursors).
    const Key* leaf_keys() const { return g_->leaves[li_].keys.data(); }
    T* leaf_values() const { return g_->leaves[li_].vals.data(); }
    std::size_t leaf_size() const { return g_->leaves[li_].keys.size(); }
    std::size_t leaf_pos() const { return si_; }
    // To the first / last element of the current leaf.
    void to_leaf_start() { si_ = 0; }
    void to_leaf_end() { si_ = static_cast<std::uint32_t>(g_->leaves[li_].keys.size() - 1); }
    bool operator==(const iterator& o) const { return g_ == o.g_ && li_ == o.li_ && si_ == o.si_; }
    iterator& operator++() {
      if (++si_ >= g_->leaves[li_].keys.size()) {
        si_ = 0;
        ++li_;
        normalize_forward();
      }
      return *this;
    }
    iterator& operator--() {  // --end() is the last element
      if (!g_) {
        g_ = tree_->last_;
        li_ = g_ ? static_cast<std::uint32_t>(g_->leaves.size()) : 0;
        si_ = 0;
      }
      while (si_ == 0) {
        if (li_ == 0) {
          g_ = g_->prev;
          li_ = static_cast<std::uint32_t>(g_->leaves.size());
          continue;
        }
        --li_;
        si_ = static_cast<std::uint32_t>(g_->leaves[li_].keys.size());
      }
      --si_;
      return *this;
    }

   private:
    friend class CsbTree;
    iterator(const CsbTree* t, LeafGroup* g, std::uint32_t li, std::uint32_t si)
        : tree_(t), g_(g), li_(li), si_(si) {
      if (!g_ || li_ >= g_->leaves.size() || si_ >= g_->leaves[li_].keys.size()) normalize_forward();
    }
    // Moves past empty leaves / the end of a group; g_ == nullptr is end().
    void normalize_forward() {
      while (g_) {
        if (li_ >= g_->leaves.size()) {
          g_ = g_->next;
          li_ = 0;
          si_ = 0;
        } else if (si_ >= g_->leaves[li_].keys.size()) {
          ++li_;
          si_ = 0;
        } else {
          return;
        }
      }
      li_ = si_ = 0;
    }
    const CsbTree* tree_ = nullptr;
    LeafGroup* g_ = nullptr;
    std::uint32_t li_ = 0, si_ = 0;
  };

  explicit CsbTree(std::size_t order = kDefaultOrder, Compare cmp = Compare()) : order_(order), cmp_(cmp) {
    if (order < kMinOrder || order > 4096)
      throw std::invalid_argument("csbtree order must be between 3 and 4096, got " + std::to_string(order));
    min_leaf_ = order_ / 2;
    min_inode_ = (order_ - 1) / 2;
    static_assert(alignof(Key) <= kAlign && sizeof(INode) % alignof(std::uint64_t) == 0);
    key_off_ = round_up(sizeof(INode) + order_ * sizeof(std::uint64_t), alignof(Key));
    stride_ = round_up(key_off_ + order_ * sizeof(Key), kAlign);  // every node starts a cache line
    group_bytes_ = kGroupHeader + (order_ + 1) * stride_;
    init_empty();
  }
  ~CsbTree() { destroy(); }
  CsbTree(const CsbTree&) = delete;
  CsbTree& operator=(const CsbTree&) = delete;

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::size_t order() const { return order_; }
  int height() const { return height_; }  // internal levels above the leaves

  // Empties the tree. The new empty root is allocated first: on failure the
  // contents are untouched.
  void clear() {
    std::unique_ptr<LeafGroup> empty = empty_root();
    destroy();
    install_empty(empty.release());
  }

  iterator begin() const { return iterator(this, first_, 0, 0); }
  iterator end() const { return iterator(this, nullptr, 0, 0); }

  // First element with key >= k / key > k.
  iterator lower_bound(const Key& k) const { return bound(k, false); }
  iterator upper_bound(const Key& k) const { return bound(k, true); }
  iterator find_iter(const Key& k) const {
    iterator it = lower_bound(k);
    return (it != end() && !cmp_(k, it.key())) ? it : end();
  }
  T* find(const Key& k) const {
    const std::uint64_t wk = Words::of(k);
    LeafGroup* g;
    std::uint32_t li;
    descend(k, wk, g, li);
    Leaf& lf = g->leaves[li];
    const std::size_t pos = leaf_find(lf, k, wk);
    return pos == kAbsent ? nullptr : &lf.vals[pos];
  }
  bool contains(const Key& k) const { return find(k) != nullptr; }

  // Inserts (k, v) unless k is present. Returns the stored value and whether it
  // was inserted (false: the existing value is kept and returned).
  std::pair<T*, bool> insert(const Key& k, T v) { return insert_impl(k, std::move(v), false); }
  // Inserts, or replaces the value of an existing key. .second: inserted.
  std::pair<T*, bool> insert_or_assign(const Key& k, T v) { return insert_impl(k, std::move(v), true); }

  // Removes k; false when it was not present.
  bool erase(const Key& k) {
    const std::uint64_t wk = Words::of(k);
    bool erased;
    if (height_ == 0) {
      erased = leaf_erase(root_leaf_group()->leaves[0], k, wk);
    } else {
      INode* r = node_at(root_igroup(), 0);
      erased = node_erase(r, height_, k, wk);
      if (r->n == 0) collapse_root();
    }
    if (erased) --size_;
    return erased;
  }

  // Replaces the contents with items, which must be sorted strictly increasing
  // by key (throws std::invalid_argument naming the position otherwise, leaving
  // the tree empty). Leaves are filled to capacity, nodes spread evenly. The
  // new tree is built aside (every piece owned by `b` until the end), so a
  // failed allocation leaves the tree empty and leaks nothing.
  void bulk_load(std::vector<std::pair<Key, T>>&& items) {
    clear();
    for (std::size_t i = 1; i < items.size(); ++i)
      if (!cmp_(items[i - 1].first, items[i].first))
        throw std::invalid_argument("csbtree bulk_load: keys not strictly increasing at position " +
                                    std::to_string(i));
    const std::size_t n = items.size();
    if (n == 0) return;
    // Leaves.
    const std::size_t nleaves = (n + order_ - 1) / order_;
    std::vector<Leaf> leaves(nleaves);
    std::vector<Key> mins;
    mins.reserve(nleaves);
    std::size_t at = 0;
    for (std::size_t l = 0; l < nleaves; ++l) {
      const std::size_t take = n / nleaves + (l < n % nleaves ? 1 : 0);
      Leaf& lf = leaves[l];
      lf.keys.reserve(order_);
      lf.vals.reserve(order_);
      lf.words.reserve(order_);
      for (std::size_t j = 0; j < take; ++j, ++at) {
        lf.words.push_back(Words::of(items[at].first));
        lf.keys.push_back(std::move(items[at].first));
        lf.vals.push_back(std::move(items[at].second));
      }
      mins.push_back(lf.keys.front());
    }
    items.clear();
    if (nleaves == 1) {
      root_leaf_group()->leaves[0] = std::move(leaves[0]);
      size_ = n;
      return;
    }
    BuildOwner b(this);
    // Level 1: nodes over leaf groups.
    std::vector<NodeBuf> level;
    std::vector<Key> level_mins;
    {
      const std::size_t parents = (nleaves + order_) / (order_ + 1);
      b.leaf_groups.reserve(parents);
      level.reserve(parents);
      level_mins.reserve(parents);
      std::size_t li = 0;
      for (std::size_t p = 0; p < parents; ++p) {
        const std::size_t take = nleaves / parents + (p < nleaves % parents ? 1 : 0);
        b.leaf_groups.emplace_back(new_leaf_group());
        LeafGroup* g = b.leaf_groups.back().get();
        level.emplace_back(this);
        INode* node = level.back().get();
        node->child = g;
        level_mins.push_back(mins[li]);
        for (std::size_t j = 0; j < take; ++j, ++li) {
          if (j > 0) add_key(node, mins[li]);
          g->leaves.push_back(std::move(leaves[li]));
        }
      }
    }
    int height = 1;
    // Higher levels until one node remains.
    while (level.size() > 1) {
      const std::size_t count = level.size();
      const std::size_t parents = (count + order_) / (order_ + 1);
      std::vector<NodeBuf> up;
      std::vector<Key> up_mins;
      up.reserve(parents);
      up_mins.reserve(parents);
      b.igroups.reserve(b.igroups.size() + parents);
      std::size_t ci = 0;
      for (std::size_t p = 0; p < parents; ++p) {
        const std::size_t take = count / parents + (p < count % parents ? 1 : 0);
        IGroup* g = new_igroup();
        b.igroups.push_back(g);  // reserved: cannot throw
        up.emplace_back(this);
        INode* node = up.back().get();
        node->child = g;
        up_mins.push_back(level_mins[ci]);
        for (std::size_t j = 0; j < take; ++j, ++ci) {
          if (j > 0) add_key(node, level_mins[ci]);
          move_node(node_at(g, g->count++), level[ci].get());
        }
      }
      level = std::move(up);
      level_mins = std::move(up_mins);
      ++height;
    }
    b.igroups.reserve(b.igroups.size() + 1);
    IGroup* rg = new_igroup();
    b.igroups.push_back(rg);
    move_node(node_at(rg, rg->count++), level[0].get());
    // Built: nothing below throws. The empty root goes, the new tree comes in.
    free_leaf_group(root_leaf_group());
    first_ = last_ = nullptr;
    for (auto& g : b.leaf_groups) {
      LeafGroup* lg = g.release();
      lg->prev = last_;
      if (last_)
        last_->next = lg;
      else
        first_ = lg;
      last_ = lg;
    }
    b.igroups.clear();  // now owned by the tree
    root_ = rg;
    height_ = height;
    size_ = n;
  }

  // Verifies every structural invariant; throws std::logic_error on a violation.
  // For tests.
  void check_invariants() const {
    std::size_t counted = 0;
    const LeafGroup* prev_group = nullptr;
    if (height_ == 0) {
      const LeafGroup* g = root_leaf_group();
      if (g->leaves.size() != 1 || first_ != g || last_ != g) throw std::logic_error("bad root leaf group");
      check_leaf(g->leaves[0], nullptr, nullptr, true);
      counted = g->leaves[0].keys.size();
    } else {
      const IGroup* rg = root_igroup();
      if (rg->count != 1) throw std::logic_error("root group count != 1");
      check_node(node_at(rg, 0), height_, nullptr, nullptr, true, counted, prev_group);
      if (prev_group != last_) throw std::logic_error("leaf group chain does not end at last_");
    }
    if (counted != size_) throw std::logic_error("size mismatch");
  }

 private:
  // A standalone internal node (for splits and bulk load), freed with its keys.
  // Allocated on the first get(): an insert prepares one per level for a
  // split that rarely happens, and an aligned allocation costs more than the
  // rest of the insert.
  class NodeBuf {
   public:
    explicit NodeBuf(const CsbTree* t) : t_(t) {}
    NodeBuf(NodeBuf&& o) noexcept : t_(o.t_), p_(o.p_) { o.p_ = nullptr; }
    NodeBuf& operator=(NodeBuf&&) = delete;
    ~NodeBuf() {
      if (!p_) return;
      t_->destroy_keys(p_);
      ::operator delete(p_, std::align_val_t(kAlign));
    }
    INode* get() {
      if (!p_) {
        p_ = static_cast<INode*>(::operator new(t_->stride_, std::align_val_t(kAlign)));
        p_->n = 0;
        p_->child = nullptr;
      }
      return p_;
    }

   private:
    const CsbTree* t_;
    INode* p_ = nullptr;
  };

  static std::size_t round_up(std::size_t v, std::size_t a) { return (v + a - 1) / a * a; }

  std::uint64_t* words_of(INode* n) const { return reinterpret_cast<std::uint64_t*>(n + 1); }
  const std::uint64_t* words_of(const INode* n) const {
    return reinterpret_cast<const std::uint64_t*>(n + 1);
  }
  Key* key_at(INode* n, std::size_t i) const {
    return std::launder(reinterpret_cast<Key*>(reinterpret_cast<char*>(n) + key_off_) + i);
  }
  const Key* key_at(const INode* n, std::size_t i) const { return key_at(const_cast<INode*>(n), i); }
  INode* node_at(IGroup* g, std::size_t i) const {
    return reinterpret_cast<INode*>(reinterpret_cast<char*>(g) + kGroupHeader + i * stride_);
  }
  const INode* node_at(const IGroup* g, std::size_t i) const { return node_at(const_cast<IGroup*>(g), i); }
  LeafGroup* root_leaf_group() const { return static_cast<LeafGroup*>(root_); }
  IGroup* root_igroup() const { return static_cast<IGroup*>(root_); }

  void destroy_keys(INode* n) const {
    for (std::uint32_t i = 0; i < n->n; ++i) key_at(n, i)->~Key();
    n->n = 0;
  }
  // dst is raw storage; src is left with no keys.
  void move_node(INode* dst, INode* src) const {
    dst->n = src->n;
    dst->child = src->child;
    std::copy_n(words_of(src), src->n, words_of(dst));
    for (std::uint32_t i = 0; i < src->n; ++i) new (key_at(dst, i)) Key(std::move(*key_at(src, i)));
    destroy_keys(src);
  }
  // Inserts key k with its word w at pos of n (which has room).
  void insert_key(INode* n, std::size_t pos, Key&& k, std::uint64_t w) const {
    std::uint64_t* words = words_of(n);
    std::copy_backward(words + pos, words + n->n, words + n->n + 1);
    words[pos] = w;
    if (pos == n->n) {
      new (key_at(n, pos)) Key(std::move(k));
    } else {
      new (key_at(n, n->n)) Key(std::move(*key_at(n, n->n - 1)));
      for (std::size_t j = n->n - 1; j > pos; --j) *key_at(n, j) = std::move(*key_at(n, j - 1));
      *key_at(n, pos) = std::move(k);
    }
    ++n->n;
  }
  // Moves key i of `from` (and its word) into key j of n: a separator changes.
  void set_key(INode* n, std::size_t j, INode* from, std::size_t i) const {
    *key_at(n, j) = std::move(*key_at(from, i));
    words_of(n)[j] = words_of(from)[i];
  }
  void erase_key(INode* n, std::size_t pos) const {
    std::uint64_t* words = words_of(n);
    std::copy(words + pos + 1, words + n->n, words + pos);
    for (std::size_t j = pos; j + 1 < n->n; ++j) *key_at(n, j) = std::move(*key_at(n, j + 1));
    key_at(n, n->n - 1)->~Key();
    --n->n;
  }

  // ---- search --------------------------------------------------------------
  static constexpr std::size_t kAbsent = ~std::size_t{0};
  // The first of n keys that is > k (upper) or >= k (lower); wk = Words::of(k),
  // key(i) reads key i. Words decide where they differ in rank or tie exactly;
  // only a non-exact tie compares keys, by binary search over the tied run.
  template <class KeyAt>
  [[gnu::always_inline]] std::size_t search(const std::uint64_t* words, std::size_t n, const Key& k,
                                            std::uint64_t wk, bool upper, KeyAt&& key) const {
    std::size_t lo = 0, hi = n;
    if constexpr (Words::kHas) {
      lo = count_below(words, n, Words::tie_low(wk));
      if (lo == n || words[lo] > Words::tie_high(wk)) return lo;
      if (Words::exact_tie(words[lo], wk)) return upper ? lo + 1 : lo;
      hi = lo + 1;
      while (hi < n && words[hi] <= Words::tie_high(wk)) ++hi;
    }
    while (lo < hi) {
      const std::size_t mid = (lo + hi) / 2;
      if (upper ? !cmp_(k, key(mid)) : cmp_(key(mid), k))
        lo = mid + 1;
      else
        hi = mid;
    }
    return lo;
  }
  // The child of n whose range holds k: the first separator > k.
  [[gnu::always_inline]] std::size_t child_index(const INode* n, const Key& k, std::uint64_t wk) const {
    return search(words_of(n), n->n, k, wk, true, [&](std::size_t i) -> const Key& { return *key_at(n, i); });
  }
  [[gnu::always_inline]] std::size_t leaf_search(const Leaf& lf, const Key& k, std::uint64_t wk,
                                                 bool upper) const {
    return search(lf.words.data(), lf.keys.size(), k, wk, upper,
                  [&](std::size_t i) -> const Key& { return lf.keys[i]; });
  }
  // k's position in the leaf, or kAbsent.
  std::size_t leaf_find(const Leaf& lf, const Key& k, std::uint64_t wk) const {
    const std::size_t pos = leaf_search(lf, k, wk, false);
    if (pos == lf.keys.size()) return kAbsent;
    if constexpr (Words::kHas)
      if (lf.words[pos] > Words::tie_high(wk)) return kAbsent;  // ranks differ: k is absent
    if (!(Words::kHas && Words::exact_tie(lf.words[pos], wk)) && cmp_(k, lf.keys[pos])) return kAbsent;
    return pos;
  }
  // Asks for every line of a word array of up to order_ words at once (a
  // binary search reads several, each depending on the one before). Done
  // for leaves only: the nodes above them are few and stay cached (200k
  // keys: ~110 level-1 nodes), and prefetching their lines measured slower.
  // Only the words in use (a large order's empty tail is not fetched).
  void prefetch_words(const std::vector<std::uint64_t>& words) const {
    if constexpr (Words::kHas) {
      const char* p = reinterpret_cast<const char*>(words.data());
      const std::size_t bytes = words.size() * sizeof(std::uint64_t);
      for (std::size_t off = 0; off < bytes; off += 64) __builtin_prefetch(p + off);
    }
  }

  IGroup* new_igroup() const {
    auto* g = static_cast<IGroup*>(::operator new(group_bytes_, std::align_val_t(kAlign)));
    g->count = 0;
    return g;
  }
  void free_igroup(IGroup* g) const { ::operator delete(g, std::align_val_t(kAlign)); }
  // Inserts the node moved from src at position pos of g (shifting the rest).
  void group_insert(IGroup* g, std::size_t pos, INode* src) const {
    for (std::size_t j = g->count; j > pos; --j) move_node(node_at(g, j), node_at(g, j - 1));
    move_node(node_at(g, pos), src);
    ++g->count;
  }
  // Removes the (key-less) node at pos of g.
  void group_erase(IGroup* g, std::size_t pos) const {
    for (std::size_t j = pos; j + 1 < g->count; ++j) move_node(node_at(g, j), node_at(g, j + 1));
    --g->count;
  }
  LeafGroup* new_leaf_group() const {
    std::unique_ptr<LeafGroup> g(new LeafGroup());  // owned until reserve() succeeded
    g->leaves.reserve(order_ + 1);
    return g.release();
  }
  void free_leaf_group(LeafGroup* g) const { delete g; }
  Leaf new_leaf() const {
    Leaf l;
    l.words.reserve(order_);
    l.keys.reserve(order_);
    l.vals.reserve(order_);
    return l;
  }
  void link_after(LeafGroup* g, LeafGroup* ng) {
    ng->prev = g;
    ng->next = g->next;
    if (g->next)
      g->next->prev = ng;
    else
      last_ = ng;
    g->next = ng;
  }
  void unlink(LeafGroup* g) {
    if (g->prev)
      g->prev->next = g->next;
    else
      first_ = g->next;
    if (g->next)
      g->next->prev = g->prev;
    else
      last_ = g->prev;
  }

  // A root leaf group holding one empty leaf: an empty tree's root.
  std::unique_ptr<LeafGroup> empty_root() const {
    Leaf leaf = new_leaf();
    std::unique_ptr<LeafGroup> g(new_leaf_group());
    g->leaves.push_back(std::move(leaf));  // capacity reserved: no allocation
    return g;
  }
  void install_empty(LeafGroup* g) noexcept {
    root_ = g;
    first_ = last_ = g;
    height_ = 0;
    size_ = 0;
  }
  void init_empty() { install_empty(empty_root().release()); }

  // Owns what bulk_load builds until the tree takes it: leaf groups, and
  // internal groups with the keys of their nodes (not their children).
  struct BuildOwner {
    explicit BuildOwner(const CsbTree* tree) : t(tree) {}
    BuildOwner(const BuildOwner&) = delete;
    BuildOwner& operator=(const BuildOwner&) = delete;
    ~BuildOwner() {
      for (IGroup* g : igroups) {
        for (std::uint32_t i = 0; i < g->count; ++i) t->destroy_keys(t->node_at(g, i));
        t->free_igroup(g);
      }
    }
    const CsbTree* t;
    std::vector<std::unique_ptr<LeafGroup>> leaf_groups;
    std::vector<IGroup*> igroups;
  };
  // Appends a copy of k to node n (n->n counts it only once it exists).
  void add_key(INode* n, const Key& k) const {
    new (key_at(n, n->n)) Key(k);
    words_of(n)[n->n] = Words::of(k);
    ++n->n;
  }
  void destroy() {
    if (!root_) return;
    if (height_ == 0) {
      free_leaf_group(root_leaf_group());
    } else {
      destroy_subtree(node_at(root_igroup(), 0), height_);
      free_igroup(root_igroup());
    }
    root_ = nullptr;
    first_ = last_ = nullptr;
  }
  void destroy_subtree(INode* n, int level) {
    if (level == 1) {
      free_leaf_group(static_cast<LeafGroup*>(n->child));
    } else {
      auto* g = static_cast<IGroup*>(n->child);
      for (std::uint32_t i = 0; i < g->count; ++i) destroy_subtree(node_at(g, i), level - 1);
      free_igroup(g);
    }
    destroy_keys(n);
  }

  // Finds the leaf whose range holds k (wk = Words::of(k)), asking for the
  // leaf's words as soon as it is known.
  void descend(const Key& k, std::uint64_t wk, LeafGroup*& g, std::uint32_t& li) const {
    if (height_ == 0) {
      g = root_leaf_group();
      li = 0;
      return;
    }
    const INode* n = node_at(root_igroup(), 0);
    for (int level = height_; level > 1; --level) {
      n = node_at(static_cast<const IGroup*>(n->child), child_index(n, k, wk));
    }
    g = static_cast<LeafGroup*>(n->child);
    li = static_cast<std::uint32_t>(child_index(n, k, wk));
    prefetch_words(g->leaves[li].words);
  }
  iterator bound(const Key& k, bool upper) const {
    const std::uint64_t wk = Words::of(k);
    LeafGroup* g;
    std::uint32_t li;
    descend(k, wk, g, li);
    const Leaf& lf = g->leaves[li];
    const std::size_t pos = leaf_search(lf, k, wk, upper);
    if (pos < lf.keys.size()) prefetch_row(lf, pos);
    return iterator(this, g, li, static_cast<std::uint32_t>(pos));
  }
  // Asks for the lines of row pos's key and value together: the caller reads
  // both next (kvindex: the key to check an EQ match, the value for xColumn),
  // and two misses in flight cost about one.
  static void prefetch_row(const Leaf& lf, std::size_t pos) {
    const char* k = reinterpret_cast<const char*>(&lf.keys[pos]);
    const char* v = reinterpret_cast<const char*>(&lf.vals[pos]);
    __builtin_prefetch(k);
    __builtin_prefetch(k + sizeof(Key) - 1);
    __builtin_prefetch(v);
    __builtin_prefetch(v + sizeof(T) - 1);
  }

  // ---- insert ------------------------------------------------------------
  // The path from the root to a leaf: node[l] is the node at level l (1: just
  // above the leaves) and idx[l] the child taken there.
  struct Path {
    INode* node[kMaxHeight + 1];
    std::size_t idx[kMaxHeight + 1];
    LeafGroup* group = nullptr;  // the leaf's group
    std::size_t leaf = 0;        // its index there
  };
  void find_path(const Key& k, std::uint64_t wk, Path& p) const {
    if (height_ == 0) {
      p.group = root_leaf_group();
      p.leaf = 0;
      return;
    }
    INode* n = node_at(root_igroup(), 0);
    for (int level = height_; level >= 1; --level) {
      p.node[level] = n;
      const std::size_t i = child_index(n, k, wk);
      p.idx[level] = i;
      if (level > 1) {
        n = node_at(static_cast<IGroup*>(n->child), i);
      } else {
        p.group = static_cast<LeafGroup*>(n->child);
        p.leaf = i;
        prefetch_words(p.group->leaves[i].words);
      }
    }
  }

  // What an insert into a full leaf allocates, made before the tree changes;
  // whatever the insert did not take is freed with it.
  struct SplitReserve {
    explicit SplitReserve(const CsbTree* tree) : t(tree) {}
    SplitReserve(const SplitReserve&) = delete;
    SplitReserve& operator=(const SplitReserve&) = delete;
    ~SplitReserve() {
      for (std::size_t l = 0; l < groups.size(); ++l) {
        if (!groups[l]) continue;
        if (l == 0)
          t->free_leaf_group(static_cast<LeafGroup*>(groups[l]));
        else
          t->free_igroup(static_cast<IGroup*>(groups[l]));
      }
      if (root) t->free_igroup(root);
    }
    const CsbTree* t;
    Leaf leaf;                // the full leaf's new right half
    std::optional<Key> sep;   // its first key: the separator the parent gains
    std::vector<NodeBuf> nodes;  // nodes[l-1]: the new right half of the node at level l
    std::vector<void*> groups;   // groups[l-1]: its child group (LeafGroup* at level 1, else IGroup*)
    IGroup* root = nullptr;      // the group the root's halves move into when the root splits
  };

  std::pair<T*, bool> insert_impl(const Key& k, T v, bool assign) {
    const std::uint64_t wk = Words::of(k);
    Path p;
    find_path(k, wk, p);
    Leaf& lf = p.group->leaves[p.leaf];
    std::size_t pos = leaf_search(lf, k, wk, false);
    if (pos < lf.keys.size() && !cmp_(k, lf.keys[pos])) {
      if (assign) lf.vals[pos] = std::move(v);
      return {&lf.vals[pos], false};
    }
    Key stored(k);  // may throw: nothing has changed yet
    if (lf.keys.size() < order_) {  // capacity is reserved: only moves from here
      lf.words.insert(lf.words.begin() + static_cast<std::ptrdiff_t>(pos), wk);
      lf.keys.insert(lf.keys.begin() + static_cast<std::ptrdiff_t>(pos), std::move(stored));
      lf.vals.insert(lf.vals.begin() + static_cast<std::ptrdiff_t>(pos), std::move(v));
      ++size_;
      return {&lf.vals[pos], true};
    }
    // The leaf is full: it splits, and so does every full node above it.
    int splits = 0;  // internal levels that split, from level 1 up
    while (splits < height_ && p.node[splits + 1]->n >= order_) ++splits;
    const std::size_t keep = (order_ + 1) / 2;  // keys the left half keeps
    SplitReserve r(this);
    r.leaf = new_leaf();
    r.sep.emplace(pos == keep ? stored : lf.keys[keep]);
    std::uint64_t sep_word = pos == keep ? wk : lf.words[keep];
    r.nodes.reserve(static_cast<std::size_t>(splits));
    r.groups.reserve(static_cast<std::size_t>(splits));
    for (int level = 1; level <= splits; ++level) {
      r.nodes.emplace_back(this);
      r.nodes.back().get();
      r.groups.push_back(nullptr);
      r.groups.back() = level == 1 ? static_cast<void*>(new_leaf_group()) : static_cast<void*>(new_igroup());
    }
    if (splits == height_) r.root = new_igroup();
    // ---- from here on nothing allocates or throws ----
    Leaf& right = r.leaf;
    const auto from = static_cast<std::ptrdiff_t>(keep);
    right.words.insert(right.words.end(), lf.words.begin() + from, lf.words.end());
    std::move(lf.keys.begin() + from, lf.keys.end(), std::back_inserter(right.keys));
    std::move(lf.vals.begin() + from, lf.vals.end(), std::back_inserter(right.vals));
    lf.words.erase(lf.words.begin() + from, lf.words.end());
    lf.keys.erase(lf.keys.begin() + from, lf.keys.end());
    lf.vals.erase(lf.vals.begin() + from, lf.vals.end());
    Leaf& dst = pos < keep ? lf : right;
    if (pos >= keep) pos -= keep;
    dst.words.insert(dst.words.begin() + static_cast<std::ptrdiff_t>(pos), wk);
    dst.keys.insert(dst.keys.begin() + static_cast<std::ptrdiff_t>(pos), std::move(stored));
    dst.vals.insert(dst.vals.begin() + static_cast<std::ptrdiff_t>(pos), std::move(v));
    T* result = &dst.vals[pos];  // the vector's buffer moves with the leaf
    ++size_;
    Key sep = std::move(*r.sep);
    if (height_ == 0) {  // the root leaf split: a root node over the two leaves
      LeafGroup* rg = root_leaf_group();
      rg->leaves.push_back(std::move(right));
      IGroup* root = r.root;
      r.root = nullptr;
      INode* n = node_at(root, 0);
      n->n = 0;
      n->child = rg;
      root->count = 1;
      insert_key(n, 0, std::move(sep), sep_word);
      root_ = root;
      height_ = 1;
      return {result, true};
    }
    // Carry the new child (the right leaf, then right nodes) and its separator up.
    INode* child = nullptr;
    for (int level = 1; level <= height_; ++level) {
      INode* n = p.node[level];
      const std::size_t i = p.idx[level];
      if (level > splits) {  // this node has room
        place_child(n, level, i, right, child);
        insert_key(n, i, std::move(sep), sep_word);
        return {result, true};
      }
      INode* half_right = r.nodes[static_cast<std::size_t>(level - 1)].get();
      void* group = r.groups[static_cast<std::size_t>(level - 1)];
      r.groups[static_cast<std::size_t>(level - 1)] = nullptr;
      std::optional<Key> up;
      std::uint64_t up_word = 0;
      const std::size_t m = split_node(n, level, half_right, up, up_word, group);
      INode* half = i <= m ? n : half_right;
      const std::size_t at = i <= m ? i : i - (m + 1);
      place_child(half, level, at, right, child);
      insert_key(half, at, std::move(sep), sep_word);
      sep = std::move(*up);
      sep_word = up_word;
      child = half_right;
    }
    // The root split: its halves move into a new group under it.
    IGroup* g = r.root;
    r.root = nullptr;
    INode* root = node_at(root_igroup(), 0);
    move_node(node_at(g, 0), root);
    move_node(node_at(g, 1), child);
    g->count = 2;
    root->n = 0;
    root->child = g;
    insert_key(root, 0, std::move(sep), sep_word);
    ++height_;
    return {result, true};
  }

  // Puts the new child after child i of n: `leaf` when n is at level 1, else `node`.
  void place_child(INode* n, int level, std::size_t i, Leaf& leaf, INode* node) const {
    if (level == 1) {
      auto* g = static_cast<LeafGroup*>(n->child);
      g->leaves.insert(g->leaves.begin() + static_cast<std::ptrdiff_t>(i + 1), std::move(leaf));
    } else {
      group_insert(static_cast<IGroup*>(n->child), i + 1, node);
    }
  }

  // Splits a full node: keeps keys [0, m) and children [0, m], moves key m
  // into `up`, and the rest with their children (in new_group, allocated by
  // the caller) into right. Returns m. Moves only.
  std::size_t split_node(INode* n, int level, INode* right, std::optional<Key>& up, std::uint64_t& up_word,
                         void* new_group) {
    const std::size_t m = order_ / 2;
    right->n = 0;
    std::copy(words_of(n) + m + 1, words_of(n) + n->n, words_of(right));
    for (std::size_t j = m + 1; j < n->n; ++j) new (key_at(right, right->n++)) Key(std::move(*key_at(n, j)));
    up.emplace(std::move(*key_at(n, m)));
    up_word = words_of(n)[m];
    for (std::size_t j = m; j < n->n; ++j) key_at(n, j)->~Key();
    n->n = static_cast<std::uint32_t>(m);
    if (level == 1) {
      auto* g = static_cast<LeafGroup*>(n->child);
      auto* ng = static_cast<LeafGroup*>(new_group);
      std::move(g->leaves.begin() + static_cast<std::ptrdiff_t>(m + 1), g->leaves.end(),
                std::back_inserter(ng->leaves));
      g->leaves.erase(g->leaves.begin() + static_cast<std::ptrdiff_t>(m + 1), g->leaves.end());
      link_after(g, ng);
      right->child = ng;
    } else {
      auto* g = static_cast<IGroup*>(n->child);
      auto* ng = static_cast<IGroup*>(new_group);
      for (std::size_t j = m + 1; j < g->count; ++j) move_node(node_at(ng, ng->count++), node_at(g, j));
      g->count = static_cast<std::uint32_t>(m + 1);
      right->child = ng;
    }
    return m;
  }

  // ---- erase -------------------------------------------------------------
  static void leaf_remove(Leaf& lf, std::size_t pos) {
    const auto at = static_cast<std::ptrdiff_t>(pos);
    lf.words.erase(lf.words.begin() + at);
    lf.keys.erase(lf.keys.begin() + at);
    lf.vals.erase(lf.vals.begin() + at);
  }
  bool leaf_erase(Leaf& lf, const Key& k, std::uint64_t wk) {
    const std::size_t pos = leaf_find(lf, k, wk);
    if (pos == kAbsent) return false;
    leaf_remove(lf, pos);
    return true;
  }

  bool node_erase(INode* n, int level, const Key& k, std::uint64_t wk) {
    const std::size_t i = child_index(n, k, wk);
    if (level == 1) {
      auto* g = static_cast<LeafGroup*>(n->child);
      Leaf& lf = g->leaves[i];
      const std::size_t pos = leaf_find(lf, k, wk);
      if (pos == kAbsent) return false;
      // A borrow from a sibling needs a copy of a key as the new separator: the
      // one allocation of an erase, made before anything changes.
      std::optional<Key> sep;
      if (lf.keys.size() - 1 < min_leaf_) sep = borrow_separator(n, g, i);
      leaf_remove(lf, pos);
      if (lf.keys.size() < min_leaf_) fix_leaf(n, g, i, sep);
      return true;
    }
    auto* g = static_cast<IGroup*>(n->child);
    INode* c = node_at(g, i);
    if (!node_erase(c, level - 1, k, wk)) return false;
    if (c->n < min_inode_) fix_node(n, g, i, level - 1);
    return true;
  }

  // The separator fix_leaf will need if leaf i of n's group borrows from a
  // sibling (the same choice fix_leaf makes), or none when it will merge.
  std::optional<Key> borrow_separator(const INode* n, const LeafGroup* g, std::size_t i) const {
    if (i > 0 && g->leaves[i - 1].keys.size() > min_leaf_) return g->leaves[i - 1].keys.back();
    if (i < n->n && g->leaves[i + 1].keys.size() > min_leaf_) return g->leaves[i + 1].keys[1];
    return std::nullopt;
  }

  // Leaf i of parent n's group is below half full: borrow (taking the new
  // separator from `sep`, see borrow_separator) or merge. Moves only.
  void fix_leaf(INode* n, LeafGroup* g, std::size_t i, std::optional<Key>& sep) {
    Leaf& lf = g->leaves[i];
    if (i > 0 && g->leaves[i - 1].keys.size() > min_leaf_) {
      Leaf& left = g->leaves[i - 1];
      lf.words.insert(lf.words.begin(), left.words.back());
      lf.keys.insert(lf.keys.begin(), std::move(left.keys.back()));
      lf.vals.insert(lf.vals.begin(), std::move(left.vals.back()));
      left.words.pop_back();
      left.keys.pop_back();
      left.vals.pop_back();
      *key_at(n, i - 1) = std::move(*sep);  // a copy of lf's new first key
      words_of(n)[i - 1] = lf.words.front();
    } else if (i < n->n && g->leaves[i + 1].keys.size() > min_leaf_) {
      Leaf& right = g->leaves[i + 1];
      lf.words.push_back(right.words.front());
      lf.keys.push_back(std::move(right.keys.front()));
      lf.vals.push_back(std::move(right.vals.front()));
      leaf_remove(right, 0);
      *key_at(n, i) = std::move(*sep);  // a copy of right's new first key
      words_of(n)[i] = right.words.front();
    } else if (i > 0) {
      merge_leaves(g->leaves[i - 1], lf);
      g->leaves.erase(g->leaves.begin() + i);
      erase_key(n, i - 1);
    } else if (i < n->n) {
      merge_leaves(lf, g->leaves[i + 1]);
      g->leaves.erase(g->leaves.begin() + i + 1);
      erase_key(n, i);
    }
  }
  static void merge_leaves(Leaf& into, Leaf& from) {
    into.words.insert(into.words.end(), from.words.begin(), from.words.end());
    std::move(from.keys.begin(), from.keys.end(), std::back_inserter(into.keys));
    std::move(from.vals.begin(), from.vals.end(), std::back_inserter(into.vals));
  }

  // Moves child `from_pos` of one node's group to position `to_pos` of another
  // node's group (children at child_level: 0 = leaves).
  void move_child(void* from, std::size_t from_pos, void* to, std::size_t to_pos, int child_level) {
    if (child_level == 0) {
      auto* fg = static_cast<LeafGroup*>(from);
      auto* tg = static_cast<LeafGroup*>(to);
      tg->leaves.insert(tg->leaves.begin() + to_pos, std::move(fg->leaves[from_pos]));
      fg->leaves.erase(fg->leaves.begin() + from_pos);
    } else {
      auto* fg = static_cast<IGroup*>(from);
      group_insert(static_cast<IGroup*>(to), to_pos, node_at(fg, from_pos));
      group_erase(fg, from_pos);
    }
  }
  std::size_t child_count(void* group, int child_level) const {
    return child_level == 0 ? static_cast<LeafGroup*>(group)->leaves.size()
                            : static_cast<IGroup*>(group)->count;
  }

  // Node i of parent n's group g (nodes at `level`) is below half full.
  void fix_node(INode* n, IGroup* g, std::size_t i, int level) {
    INode* c = node_at(g, i);
    if (i > 0 && node_at(g, i - 1)->n > min_inode_) {  // rotate right through the parent
      INode* left = node_at(g, i - 1);
      insert_key(c, 0, std::move(*key_at(n, i - 1)), words_of(n)[i - 1]);
      set_key(n, i - 1, left, left->n - 1);
      key_at(left, left->n - 1)->~Key();
      --left->n;
      move_child(left->child, child_count(left->child, level - 1) - 1, c->child, 0, level - 1);
    } else if (i < n->n && node_at(g, i + 1)->n > min_inode_) {  // rotate left
      INode* right = node_at(g, i + 1);
      insert_key(c, c->n, std::move(*key_at(n, i)), words_of(n)[i]);
      set_key(n, i, right, 0);
      erase_key(right, 0);
      move_child(right->child, 0, c->child, child_count(c->child, level - 1), level - 1);
    } else if (i > 0) {
      merge_nodes(n, g, i - 1, level);
    } else if (i < n->n) {
      merge_nodes(n, g, i, level);
    }
  }
  // Merges node j+1 of g into node j, pulling separator j of n down.
  void merge_nodes(INode* n, IGroup* g, std::size_t j, int level) {
    INode* left = node_at(g, j);
    INode* right = node_at(g, j + 1);
    insert_key(left, left->n, std::move(*key_at(n, j)), words_of(n)[j]);
    for (std::uint32_t k = 0; k < right->n; ++k)
      insert_key(left, left->n, std::move(*key_at(right, k)), words_of(right)[k]);
    destroy_keys(right);
    if (level == 1) {
      auto* lg = static_cast<LeafGroup*>(left->child);
      auto* rg = static_cast<LeafGroup*>(right->child);
      std::move(rg->leaves.begin(), rg->leaves.end(), std::back_inserter(lg->leaves));
      unlink(rg);
      free_leaf_group(rg);
    } else {
      auto* lg = static_cast<IGroup*>(left->child);
      auto* rg = static_cast<IGroup*>(right->child);
      for (std::uint32_t k = 0; k < rg->count; ++k) move_node(node_at(lg, lg->count++), node_at(rg, k));
      free_igroup(rg);
    }
    erase_key(n, j);
    group_erase(g, j + 1);
  }

  // The root node has no keys left: its only child becomes the root.
  void collapse_root() {
    IGroup* old = root_igroup();
    INode* r = node_at(old, 0);
    if (height_ == 1) {
      root_ = r->child;  // a leaf group holding one leaf
    } else {
      root_ = r->child;  // an internal group holding one node
    }
    free_igroup(old);
    --height_;
  }

  // ---- invariant checks ---------------------------------------------------
  // Each word is its key's, and the order word contract holds between
  // neighbours (a < b: rank(a) <= rank(b), not an exact tie).
  template <class KeyAt>
  static void check_words(const std::uint64_t* words, std::size_t n, KeyAt&& key) {
    for (std::size_t i = 0; i < n; ++i) {
      if (words[i] != Words::of(key(i))) throw std::logic_error("order word differs from its key's");
      if (i > 0 && Words::kHas &&
          (Words::rank(words[i - 1]) > Words::rank(words[i]) ||
           (Words::rank(words[i - 1]) == Words::rank(words[i]) && Words::exact_tie(words[i - 1], words[i]))))
        throw std::logic_error("order words of increasing keys out of order or tied exactly");
    }
  }
  void check_leaf(const Leaf& lf, const Key* lo, const Key* hi, bool is_root) const {
    if (lf.keys.size() != lf.vals.size()) throw std::logic_error("leaf keys/vals size differ");
    if (lf.words.size() != lf.keys.size()) throw std::logic_error("leaf words/keys size differ");
    if (lf.words.capacity() < order_ || lf.keys.capacity() < order_ || lf.vals.capacity() < order_)
      throw std::logic_error("leaf capacity below order (an insert would allocate)");
    if (lf.keys.size() > order_) throw std::logic_error("leaf overfull");
    if (!is_root && lf.keys.size() < min_leaf_) throw std::logic_error("leaf underfull");
    check_words(lf.words.data(), lf.keys.size(), [&](std::size_t i) -> const Key& { return lf.keys[i]; });
    for (std::size_t i = 0; i < lf.keys.size(); ++i) {
      if (i > 0 && !cmp_(lf.keys[i - 1], lf.keys[i])) throw std::logic_error("leaf keys not increasing");
      if (lo && cmp_(lf.keys[i], *lo)) throw std::logic_error("leaf key below separator");
      if (hi && !cmp_(lf.keys[i], *hi)) throw std::logic_error("leaf key not below separator");
    }
  }
  void check_node(const INode* n, int level, const Key* lo, const Key* hi, bool is_root, std::size_t& counted,
                  const LeafGroup*& prev_group) const {
    if (n->n > order_) throw std::logic_error("node overfull");
    if (is_root ? n->n < 1 : n->n < min_inode_) throw std::logic_error("node underfull");
    for (std::uint32_t i = 1; i < n->n; ++i)
      if (!cmp_(*key_at(n, i - 1), *key_at(n, i))) throw std::logic_error("node keys not increasing");
    check_words(words_of(n), n->n, [&](std::size_t i) -> const Key& { return *key_at(n, i); });
    for (std::uint32_t i = 0; i <= n->n; ++i) {
      const Key* clo = i == 0 ? lo : key_at(n, i - 1);
      const Key* chi = i == n->n ? hi : key_at(n, i);
      if (level == 1) {
        auto* g = static_cast<const LeafGroup*>(n->child);
        if (g->leaves.size() != n->n + 1u) throw std::logic_error("leaf group count != keys+1");
        if (i == 0) {
          if (g->prev != prev_group) throw std::logic_error("leaf group prev link broken");
          if (prev_group ? prev_group->next != g : first_ != g)
            throw std::logic_error("leaf group next link broken");
          prev_group = g;
        }
        check_leaf(g->leaves[i], clo, chi, false);
        counted += g->leaves[i].keys.size();
      } else {
        auto* g = static_cast<const IGroup*>(n->child);
        if (g->count != n->n + 1u) throw std::logic_error("node group count != keys+1");
        check_node(node_at(g, i), level - 1, clo, chi, false, counted, prev_group);
      }
    }
  }

  std::size_t order_;
  Compare cmp_;
  std::size_t min_leaf_ = 0, min_inode_ = 0;
  std::size_t key_off_ = 0, stride_ = 0, group_bytes_ = 0;
  void* root_ = nullptr;  // LeafGroup* (one leaf) when height_ == 0, else IGroup* (one node)
  int height_ = 0;
  std::size_t size_ = 0;
  LeafGroup* first_ = nullptr;
  LeafGroup* last_ = nullptr;
};

}  // namespace kv
