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
//  * Leaves hold up to `order` key/value pairs (in two small arrays, so moving
//    a leaf inside its group moves three words per array). Leaf groups are
//    linked both ways, and leaves of one group are adjacent, so in-order
//    iteration in both directions never climbs the tree.
//  * Separator key k[i] of a node satisfies  child i  <  k[i]  <=  child i+1.
//
// Operations: find / lower_bound / upper_bound / bidirectional iterators;
// insert (keeps an existing value), insert_or_assign; erase with borrow from a
// sibling or merge, so nodes stay at least half full under churn; bulk_load
// from strictly increasing input builds a packed tree in one pass.
//
// Not thread safe (one writer, or many readers with no writer). Any
// modification invalidates all iterators.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <new>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace kv {

template <class Key, class T, class Compare = std::less<Key>>
class CsbTree {
  struct Leaf {
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
    // followed by `order` key slots at key_off_
  };
  struct IGroup {
    std::uint32_t count;  // nodes in use; nodes follow at kGroupHeader, stride_ apart
  };
  static constexpr std::size_t kGroupHeader = 64;  // keeps nodes cache-line aligned
  static constexpr std::size_t kAlign = 64;

 public:
  static constexpr std::size_t kDefaultOrder = 63;
  static constexpr std::size_t kMinOrder = 3;

  class iterator {
   public:
    iterator() = default;
    const Key& key() const { return g_->leaves[li_].keys[si_]; }
    T& value() const { return g_->leaves[li_].vals[si_]; }
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
      normalize_forward();
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
    const std::size_t ka = alignof(Key) > alignof(INode) ? alignof(Key) : alignof(INode);
    key_off_ = round_up(sizeof(INode), alignof(Key));
    stride_ = round_up(key_off_ + order_ * sizeof(Key), ka);
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

  void clear() {
    destroy();
    init_empty();
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
    LeafGroup* g;
    std::uint32_t li;
    descend(k, g, li);
    Leaf& lf = g->leaves[li];
    auto pos = std::lower_bound(lf.keys.begin(), lf.keys.end(), k, cmp_);
    if (pos == lf.keys.end() || cmp_(k, *pos)) return nullptr;
    return &lf.vals[pos - lf.keys.begin()];
  }
  bool contains(const Key& k) const { return find(k) != nullptr; }

  // Inserts (k, v) unless k is present. Returns the stored value and whether it
  // was inserted (false: the existing value is kept and returned).
  std::pair<T*, bool> insert(const Key& k, T v) { return insert_impl(k, std::move(v), false); }
  // Inserts, or replaces the value of an existing key. .second: inserted.
  std::pair<T*, bool> insert_or_assign(const Key& k, T v) { return insert_impl(k, std::move(v), true); }

  // Removes k; false when it was not present.
  bool erase(const Key& k) {
    bool erased;
    if (height_ == 0) {
      erased = leaf_erase(root_leaf_group()->leaves[0], k);
    } else {
      INode* r = node_at(root_igroup(), 0);
      erased = node_erase(r, height_, k);
      if (r->n == 0) collapse_root();
    }
    if (erased) --size_;
    return erased;
  }

  // Replaces the contents with items, which must be sorted strictly increasing
  // by key (throws std::invalid_argument naming the position otherwise, leaving
  // the tree empty). Leaves are filled to capacity, nodes spread evenly.
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
      for (std::size_t j = 0; j < take; ++j, ++at) {
        lf.keys.push_back(std::move(items[at].first));
        lf.vals.push_back(std::move(items[at].second));
      }
      mins.push_back(lf.keys.front());
    }
    items.clear();
    size_ = n;
    if (nleaves == 1) {
      root_leaf_group()->leaves[0] = std::move(leaves[0]);
      return;
    }
    free_leaf_group(root_leaf_group());
    root_ = nullptr;
    first_ = last_ = nullptr;
    // Level 1: nodes over leaf groups.
    std::vector<NodeBuf> level;
    std::vector<Key> level_mins;
    {
      const std::size_t parents = (nleaves + order_) / (order_ + 1);
      std::size_t li = 0;
      for (std::size_t p = 0; p < parents; ++p) {
        const std::size_t take = nleaves / parents + (p < nleaves % parents ? 1 : 0);
        auto* g = new_leaf_group();
        g->prev = last_;
        if (last_)
          last_->next = g;
        else
          first_ = g;
        last_ = g;
        NodeBuf nb(this);
        INode* node = nb.get();
        node->child = g;
        level_mins.push_back(mins[li]);
        for (std::size_t j = 0; j < take; ++j, ++li) {
          if (j > 0) new (key_at(node, node->n++)) Key(mins[li]);
          g->leaves.push_back(std::move(leaves[li]));
        }
        level.push_back(std::move(nb));
      }
    }
    height_ = 1;
    // Higher levels until one node remains.
    while (level.size() > 1) {
      const std::size_t count = level.size();
      const std::size_t parents = (count + order_) / (order_ + 1);
      std::vector<NodeBuf> up;
      std::vector<Key> up_mins;
      std::size_t ci = 0;
      for (std::size_t p = 0; p < parents; ++p) {
        const std::size_t take = count / parents + (p < count % parents ? 1 : 0);
        IGroup* g = new_igroup();
        NodeBuf nb(this);
        INode* node = nb.get();
        node->child = g;
        up_mins.push_back(level_mins[ci]);
        for (std::size_t j = 0; j < take; ++j, ++ci) {
          if (j > 0) new (key_at(node, node->n++)) Key(level_mins[ci]);
          move_node(node_at(g, g->count++), level[ci].get());
        }
        up.push_back(std::move(nb));
      }
      level = std::move(up);
      level_mins = std::move(up_mins);
      ++height_;
    }
    IGroup* rg = new_igroup();
    move_node(node_at(rg, rg->count++), level[0].get());
    root_ = rg;
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
    for (std::uint32_t i = 0; i < src->n; ++i) new (key_at(dst, i)) Key(std::move(*key_at(src, i)));
    destroy_keys(src);
  }
  void insert_key(INode* n, std::size_t pos, Key&& k) const {
    if (pos == n->n) {
      new (key_at(n, pos)) Key(std::move(k));
    } else {
      new (key_at(n, n->n)) Key(std::move(*key_at(n, n->n - 1)));
      for (std::size_t j = n->n - 1; j > pos; --j) *key_at(n, j) = std::move(*key_at(n, j - 1));
      *key_at(n, pos) = std::move(k);
    }
    ++n->n;
  }
  void erase_key(INode* n, std::size_t pos) const {
    for (std::size_t j = pos; j + 1 < n->n; ++j) *key_at(n, j) = std::move(*key_at(n, j + 1));
    key_at(n, n->n - 1)->~Key();
    --n->n;
  }
  std::size_t child_index(const INode* n, const Key& k) const {
    std::size_t lo = 0, hi = n->n;  // first key > k
    while (lo < hi) {
      const std::size_t mid = (lo + hi) / 2;
      if (cmp_(k, *key_at(n, mid)))
        hi = mid;
      else
        lo = mid + 1;
    }
    return lo;
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
    auto* g = new LeafGroup();
    g->leaves.reserve(order_ + 1);
    return g;
  }
  void free_leaf_group(LeafGroup* g) const { delete g; }
  Leaf new_leaf() const {
    Leaf l;
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

  void init_empty() {
    auto* g = new_leaf_group();
    g->leaves.push_back(new_leaf());
    root_ = g;
    first_ = last_ = g;
    height_ = 0;
    size_ = 0;
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

  // Finds the leaf whose range holds k.
  void descend(const Key& k, LeafGroup*& g, std::uint32_t& li) const {
    if (height_ == 0) {
      g = root_leaf_group();
      li = 0;
      return;
    }
    const INode* n = node_at(root_igroup(), 0);
    for (int level = height_; level > 1; --level)
      n = node_at(static_cast<const IGroup*>(n->child), child_index(n, k));
    g = static_cast<LeafGroup*>(n->child);
    li = static_cast<std::uint32_t>(child_index(n, k));
  }
  iterator bound(const Key& k, bool upper) const {
    LeafGroup* g;
    std::uint32_t li;
    descend(k, g, li);
    const Leaf& lf = g->leaves[li];
    auto pos = upper ? std::upper_bound(lf.keys.begin(), lf.keys.end(), k, cmp_)
                     : std::lower_bound(lf.keys.begin(), lf.keys.end(), k, cmp_);
    return iterator(this, g, li, static_cast<std::uint32_t>(pos - lf.keys.begin()));
  }

  // ---- insert ------------------------------------------------------------
  struct InsertState {
    const Key& key;
    T& val;
    bool assign;
    T* result = nullptr;
    bool inserted = false;
  };

  std::pair<T*, bool> insert_impl(const Key& k, T v, bool assign) {
    InsertState st{k, v, assign};
    if (height_ == 0) {
      LeafGroup* rg = root_leaf_group();
      Leaf right;
      if (leaf_insert(rg->leaves[0], st, right)) {
        Key sep = right.keys.front();
        rg->leaves.push_back(std::move(right));
        IGroup* root = new_igroup();
        INode* n = node_at(root, 0);
        n->n = 0;
        n->child = rg;
        root->count = 1;
        insert_key(n, 0, std::move(sep));
        root_ = root;
        height_ = 1;
      }
    } else {
      NodeBuf right(this);
      std::vector<Key> up;  // 0 or 1 separator
      INode* r = node_at(root_igroup(), 0);
      if (node_insert(r, height_, st, right, up)) {
        IGroup* g = new_igroup();
        move_node(node_at(g, 0), r);
        move_node(node_at(g, 1), right.get());
        g->count = 2;
        free_igroup(root_igroup());
        IGroup* root = new_igroup();
        INode* n = node_at(root, 0);
        n->n = 0;
        n->child = g;
        root->count = 1;
        insert_key(n, 0, std::move(up.front()));
        root_ = root;
        ++height_;
      }
    }
    if (st.inserted) ++size_;
    return {st.result, st.inserted};
  }

  // Inserts into a leaf; on overflow moves the upper half into `right` and
  // returns true (the caller places it after the leaf; separator = its first key).
  bool leaf_insert(Leaf& lf, InsertState& st, Leaf& right) {
    auto it = std::lower_bound(lf.keys.begin(), lf.keys.end(), st.key, cmp_);
    std::size_t pos = it - lf.keys.begin();
    if (it != lf.keys.end() && !cmp_(st.key, *it)) {
      if (st.assign) lf.vals[pos] = std::move(st.val);
      st.result = &lf.vals[pos];
      return false;
    }
    st.inserted = true;
    if (lf.keys.size() < order_) {
      lf.keys.insert(lf.keys.begin() + pos, st.key);
      lf.vals.insert(lf.vals.begin() + pos, std::move(st.val));
      st.result = &lf.vals[pos];
      return false;
    }
    const std::size_t keep = (order_ + 1) / 2;
    right = new_leaf();
    std::move(lf.keys.begin() + keep, lf.keys.end(), std::back_inserter(right.keys));
    std::move(lf.vals.begin() + keep, lf.vals.end(), std::back_inserter(right.vals));
    lf.keys.resize(keep);
    lf.vals.resize(keep);
    Leaf& dst = pos < keep ? lf : right;
    if (pos >= keep) pos -= keep;
    dst.keys.insert(dst.keys.begin() + pos, st.key);
    dst.vals.insert(dst.vals.begin() + pos, std::move(st.val));
    st.result = &dst.vals[pos];
    return true;
  }

  // Inserts into the subtree of node n (at `level` >= 1). When n itself must
  // split, its upper half goes to `right` (raw NodeBuf storage), the key that
  // moves up into `up`, and it returns true.
  bool node_insert(INode* n, int level, InsertState& st, NodeBuf& right_buf, std::vector<Key>& up) {
    const std::size_t i = child_index(n, st.key);
    if (level == 1) {
      auto* g = static_cast<LeafGroup*>(n->child);
      Leaf rleaf;
      if (!leaf_insert(g->leaves[i], st, rleaf)) return false;
      Key sep = rleaf.keys.front();
      if (n->n < order_) {
        g->leaves.insert(g->leaves.begin() + i + 1, std::move(rleaf));
        insert_key(n, i, std::move(sep));
        return false;
      }
      INode* right = right_buf.get();
      const std::size_t m = split_node(n, level, right, up);
      INode* half = i <= m ? n : right;
      const std::size_t at = i <= m ? i : i - (m + 1);
      auto* hg = static_cast<LeafGroup*>(half->child);
      hg->leaves.insert(hg->leaves.begin() + at + 1, std::move(rleaf));
      insert_key(half, at, std::move(sep));
      return true;
    }
    auto* g = static_cast<IGroup*>(n->child);
    NodeBuf cright(this);
    std::vector<Key> cup;
    if (!node_insert(node_at(g, i), level - 1, st, cright, cup)) return false;
    if (n->n < order_) {
      group_insert(g, i + 1, cright.get());
      insert_key(n, i, std::move(cup.front()));
      return false;
    }
    INode* right = right_buf.get();
    const std::size_t m = split_node(n, level, right, up);
    INode* half = i <= m ? n : right;
    const std::size_t at = i <= m ? i : i - (m + 1);
    group_insert(static_cast<IGroup*>(half->child), at + 1, cright.get());
    insert_key(half, at, std::move(cup.front()));
    return true;
  }

  // Splits a full node: keeps keys [0, m) and children [0, m], moves key m up,
  // and the rest with their children (in a new group) into right. Returns m.
  std::size_t split_node(INode* n, int level, INode* right, std::vector<Key>& up) {
    const std::size_t m = order_ / 2;
    right->n = 0;
    for (std::size_t j = m + 1; j < n->n; ++j) new (key_at(right, right->n++)) Key(std::move(*key_at(n, j)));
    up.push_back(std::move(*key_at(n, m)));
    for (std::size_t j = m; j < n->n; ++j) key_at(n, j)->~Key();
    n->n = static_cast<std::uint32_t>(m);
    if (level == 1) {
      auto* g = static_cast<LeafGroup*>(n->child);
      auto* ng = new_leaf_group();
      std::move(g->leaves.begin() + m + 1, g->leaves.end(), std::back_inserter(ng->leaves));
      g->leaves.erase(g->leaves.begin() + m + 1, g->leaves.end());
      link_after(g, ng);
      right->child = ng;
    } else {
      auto* g = static_cast<IGroup*>(n->child);
      IGroup* ng = new_igroup();
      for (std::size_t j = m + 1; j < g->count; ++j) move_node(node_at(ng, ng->count++), node_at(g, j));
      g->count = static_cast<std::uint32_t>(m + 1);
      right->child = ng;
    }
    return m;
  }

  // ---- erase -------------------------------------------------------------
  bool leaf_erase(Leaf& lf, const Key& k) {
    auto it = std::lower_bound(lf.keys.begin(), lf.keys.end(), k, cmp_);
    if (it == lf.keys.end() || cmp_(k, *it)) return false;
    const std::size_t pos = it - lf.keys.begin();
    lf.keys.erase(it);
    lf.vals.erase(lf.vals.begin() + pos);
    return true;
  }

  bool node_erase(INode* n, int level, const Key& k) {
    const std::size_t i = child_index(n, k);
    if (level == 1) {
      auto* g = static_cast<LeafGroup*>(n->child);
      if (!leaf_erase(g->leaves[i], k)) return false;
      if (g->leaves[i].keys.size() < min_leaf_) fix_leaf(n, g, i);
      return true;
    }
    auto* g = static_cast<IGroup*>(n->child);
    INode* c = node_at(g, i);
    if (!node_erase(c, level - 1, k)) return false;
    if (c->n < min_inode_) fix_node(n, g, i, level - 1);
    return true;
  }

  // Leaf i of parent n's group is below half full: borrow or merge.
  void fix_leaf(INode* n, LeafGroup* g, std::size_t i) {
    Leaf& lf = g->leaves[i];
    if (i > 0 && g->leaves[i - 1].keys.size() > min_leaf_) {
      Leaf& left = g->leaves[i - 1];
      lf.keys.insert(lf.keys.begin(), std::move(left.keys.back()));
      lf.vals.insert(lf.vals.begin(), std::move(left.vals.back()));
      left.keys.pop_back();
      left.vals.pop_back();
      *key_at(n, i - 1) = lf.keys.front();
    } else if (i < n->n && g->leaves[i + 1].keys.size() > min_leaf_) {
      Leaf& right = g->leaves[i + 1];
      lf.keys.push_back(std::move(right.keys.front()));
      lf.vals.push_back(std::move(right.vals.front()));
      right.keys.erase(right.keys.begin());
      right.vals.erase(right.vals.begin());
      *key_at(n, i) = right.keys.front();
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
      insert_key(c, 0, std::move(*key_at(n, i - 1)));
      *key_at(n, i - 1) = std::move(*key_at(left, left->n - 1));
      key_at(left, left->n - 1)->~Key();
      --left->n;
      move_child(left->child, child_count(left->child, level - 1) - 1, c->child, 0, level - 1);
    } else if (i < n->n && node_at(g, i + 1)->n > min_inode_) {  // rotate left
      INode* right = node_at(g, i + 1);
      insert_key(c, c->n, std::move(*key_at(n, i)));
      *key_at(n, i) = std::move(*key_at(right, 0));
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
    insert_key(left, left->n, std::move(*key_at(n, j)));
    for (std::uint32_t k = 0; k < right->n; ++k) insert_key(left, left->n, std::move(*key_at(right, k)));
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
  void check_leaf(const Leaf& lf, const Key* lo, const Key* hi, bool is_root) const {
    if (lf.keys.size() != lf.vals.size()) throw std::logic_error("leaf keys/vals size differ");
    if (lf.keys.size() > order_) throw std::logic_error("leaf overfull");
    if (!is_root && lf.keys.size() < min_leaf_) throw std::logic_error("leaf underfull");
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
