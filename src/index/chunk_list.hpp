// ChunkedSkipList: a lock-free ordered map whose keys live in small immutable
// sorted chunks (an "unrolled" skip list), so a search reads a small sorted
// directory of the chunks' slots and one chunk instead of ~20 separately
// allocated one-key nodes.
// Concurrent readers and writers, no locks (EpochDomain's retire list is the
// only mutex, as for kv::SkipList), epoch-based reclamation (epoch.hpp).
//
// Layout
//   Entry  one allocation per key: atomic value pointer, inline value, key.
//          Shared by every chunk version that holds the key (never copied).
//   Chunk  (chunk_list_detail.hpp) immutable once published: count, right
//          (the next Slot), the hint of hi (its fence: right's lo, +inf when
//          right is null), then hint words, Entry pointers, hint classes.
//   Slot   atomic word = Chunk* | DEAD bit, an immutable lo key (the head
//          slot: -inf, never dies). A slot covers [lo, chunk->hi).
//   Directory  (chunk_list_directory.hpp) the first level of every search:
//          an immutable sorted array of (lo hint, Slot*) of the live slots
//          (the head is not in it), in two-line blocks of 7 under a summary
//          of the blocks' first hints. Rebuilt whole from the chain and
//          republished (copy-on-write, the old one retired) once the slots
//          split off or released since the last build reach 1/8 of its
//          entries: O(1) amortized per split, and most searches land on
//          their slot or a step left of it.
//   Index  a kv::SkipList<Key, Slot*> keyed by lo (the head is not in it),
//          kept exact by splitters and absorbers: the fallback when a walk
//          from the directory's slot takes more than kLongWalk steps (many
//          splits in one place since the last rebuild).
//          Both are only shortcuts: every search checks hi and moves right
//          (B-link rule), so a missing, late or stale entry costs speed only.
//
// The list: following `right` from the head through each slot's chunk gives
// the slots in key order. A slot stays in that list until it is absorbed; a
// live slot always is; a DEAD slot is in it until its predecessor absorbs it.
// Fact used by every reader: a chunk read from a slot that was in the list at
// that moment holds exactly the keys of the slot's range at that moment
// (a DEAD slot's chunk is final and nothing can enter its range until the
// absorb, which needs the freeze first).
//
// Protocols (linearization points in brackets)
//  * Find(k): slot = the directory's last entry with lo <= k, or the head; if
//    that slot is DEAD (it may have been absorbed: the directory cannot tell)
//    take the entry before it; then walk right while k >= hi (after
//    kLongWalk steps: once to index.last_below(k) when that is further right;
//    a DEAD slot from the index: search the index strictly below its lo).
//    Slots reached through `right` are in the list (even DEAD ones: their
//    final chunk is read), so no retry is needed there. Binary search of the
//    chunk: hints first, the key on ties. [the load of the chunk's slot word]
//  * insert / erase: build the new chunk version, CAS the slot's word old ->
//    new [the CAS]; on failure re-locate and retry. A writer that needs a DEAD
//    slot's range helps absorb it first. The winner retires the old chunk
//    (and, for erase, the Entry).
//  * insert_or_assign on a present key swaps the Entry's value pointer [the
//    exchange]; the old value is retired.
//  * split (the chunk is full): ONE CAS replaces C by C1 {lower part,
//    right = S2} where S2 is a new slot holding C2 {upper part, C's right}.
//    Complete after that CAS; the splitter then adds (S2.lo -> S2) to the
//    index. Appending past the last key of the last chunk keeps the full chunk
//    whole and starts a new one (sorted loads fill chunks).
//  * absorb (erase left a chunk empty or small enough for its predecessor):
//    freeze S (CAS word C -> C|DEAD; C is final), then the predecessor P whose
//    chunk has right == S is CASed to P' {P's entries + C's, right = C.right}.
//    Any writer meeting a DEAD slot does the same (idempotent: when P's chunk
//    no longer has right == S it is done; a DEAD P is absorbed first).
//  * Directory rebuild: by the writer whose split or release reaches the
//    threshold; one thread at a time (dir_building_ is a try-flag: a writer
//    that finds it taken skips the rebuild, nobody waits; readers never
//    touch it). [the exchange of dir_]
//  * Appends: tail_ names the last slot as its splitter (or bulk_load) left
//    it; a writer whose key is >= its lo and finds it live with right == null
//    uses it without searching the index. The absorber of that slot (or its
//    splitter, when it died meanwhile) clears tail_ before the slot can be
//    released, so tail_ never names a freed slot.
//  * Reclamation: chunks, entries, values and replaced directories via
//    EpochDomain. A Slot (with its final chunk) is released only after BOTH
//    its creator (the splitter, after its index insert, erasing that entry
//    again if the slot died meanwhile) and its absorber (after unlinking and
//    erasing its index entry) let go of it: no index entry can point at a
//    freed slot. A released slot is parked (unlinked_), not retired: the
//    next directory rebuild takes the parked list BEFORE it walks the chain
//    (so its directory cannot name them: they were unlinked before), publishes,
//    then retires the old directory and the parked slots together. A reader
//    that found a parked slot in an older directory holds a guard older than
//    that retirement; no directory can point at a freed slot either.
//
// What a reader sees (every read runs inside an EpochGuard): find/get/
// contains are linearizable. A scan (first/lower_bound/upper_bound then next)
// returns keys strictly increasing, each at most once; a key present for the
// whole scan is returned (next() leaves a chunk through its `right`, whose
// range starts at that chunk's hi). Not a snapshot. Values are read
// atomically per key. prev() steps inside the chunk, else re-searches below
// it. A Pos stays readable while the caller's guard lives.
//
// clear() and bulk_load() need exclusive access (no concurrent users).
//
// Out of memory: a writer builds its entry and chunk versions and takes its
// EpochDomain::Reservation before its CAS; a failed allocation changes
// nothing. Work after the CAS that could allocate is optional: the index
// insert after a split (skipped: speed only), the directory rebuild (skipped;
// the parked slots wait for the next one, or the list's end), the absorb after an erase (the
// slot stays DEAD until a later writer absorbs it), the index erase of an
// absorbed slot (a spare reservation is released just before it so it does
// not allocate; if it still fails the slot is kept: never retired, so the
// entry stays valid, and listed in kept_, freed with the list). bulk_load leaves the list empty when it throws.
#pragma once

#include <algorithm>
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

#include "index/chunk_list_detail.hpp"
#include "index/chunk_list_directory.hpp"
#include "index/epoch.hpp"
#include "index/map_writes.hpp"
#include "index/order_hint.hpp"
#include "index/skiplist.hpp"

namespace kv {

template <class Key, class T, class Compare = std::less<Key>>
class ChunkedSkipList : public MapWrites<ChunkedSkipList<Key, T, Compare>, Key, T> {
  friend class MapWrites<ChunkedSkipList, Key, T>;

 public:
  static constexpr std::uint32_t kDefaultChunkSize = 64;

  class Entry {
   public:
    const Key& key() const { return key_; }
    // The current value; valid while the caller's EpochGuard lives.
    const T& value() const { return *val_.load(std::memory_order_acquire); }

   private:
    friend class ChunkedSkipList;
    template <class K, class V>
    Entry(K&& k, V&& v) : inline_value_(std::forward<V>(v)), key_(std::forward<K>(k)) {
      val_.store(&inline_value_, std::memory_order_relaxed);
    }
    std::atomic<T*> val_;
    T inline_value_;
    Key key_;
  };

 private:
  struct Slot;
  using Chunk = chunk_list_detail::Chunk<Entry, Slot>;
  using Order = chunk_list_detail::HintedOrder<Key, Compare>;
  using Index = SkipList<Key, Slot*, Compare>;
  using Directory = chunk_list_detail::SlotDirectory<Slot>;

 public:
  // A position: a chunk version and an index in it. Readable while the
  // caller's EpochGuard lives (or, single owner, until its next write).
  class Pos {
   public:
    Pos() = default;
    explicit operator bool() const { return chunk_ != nullptr; }
    bool operator==(const Pos& o) const = default;
    const Entry& entry() const { return *chunk_->entries()[i_]; }
    const Key& key() const { return entry().key(); }
    const T& value() const { return entry().value(); }

   private:
    friend class ChunkedSkipList;
    Pos(const Chunk* c, std::uint32_t i) : chunk_(c), i_(i) {}
    const Chunk* chunk_ = nullptr;
    std::uint32_t i_ = 0;
  };

  // chunk_size: B, the most keys a chunk takes before it splits (>= 2).
  explicit ChunkedSkipList(std::uint32_t chunk_size = kDefaultChunkSize, Compare cmp = Compare())
      : b_(chunk_size), cmp_(cmp), index_(cmp) {
    if (chunk_size < 2) throw std::invalid_argument("chunked skip list: chunk size must be at least 2");
    head_ = new Slot(Key{}, OrderHint{});
    head_->word.store(bits(&empty_chunk_), std::memory_order_relaxed);
  }
  ~ChunkedSkipList() {
    destroy_all();
    delete head_;
  }
  ChunkedSkipList(const ChunkedSkipList&) = delete;
  ChunkedSkipList& operator=(const ChunkedSkipList&) = delete;

  std::uint32_t chunk_size() const { return b_; }
  // size, empty, insert, insert_or_assign: MapWrites (map_writes.hpp).
  using MapWrites<ChunkedSkipList<Key, T, Compare>, Key, T>::size;

  // Removes k; false when absent (or removed concurrently by another thread).
  bool erase(const Key& k) {
    EpochGuard guard;
    const OrderHint hk = Order::hint(k);
    while (true) {
      const Located at = locate_live(k, hk);
      const std::uint32_t i = search(at.chunk, k, hk, false);
      if (i == at.chunk->count || cmp_at(k, hk, at.chunk, i) != 0) return false;
      EpochDomain::Reservation room(2);  // the old chunk and the entry
      Chunk* fresh = Chunk::make(at.chunk->count - 1, at.chunk->right, at.chunk->hi_hint());
      fresh->push_range(at.chunk, 0, i);
      fresh->push_range(at.chunk, i + 1, at.chunk->count);
      std::uintptr_t expected = at.word;
      if (!at.slot->word.compare_exchange_strong(expected, bits(fresh))) {
        free_chunk(fresh);
        continue;
      }
      room.retire(const_cast<Chunk*>(at.chunk), &free_chunk_erased);
      room.retire(at.chunk->entries()[i], &free_entry_erased);
      size_.fetch_sub(1);
      if (at.slot != head_) maybe_absorb(at.slot, fresh);
      return true;
    }
  }

  std::optional<T> get(const Key& k) const {
    EpochGuard guard;
    const Pos p = find(k);
    if (!p) return std::nullopt;
    return p.value();
  }
  bool contains(const Key& k) const {
    EpochGuard guard;
    return static_cast<bool>(find(k));
  }

  // ---- positions: the caller holds an EpochGuard --------------------------
  Pos find(const Key& k) const {
    const OrderHint hk = Order::hint(k);
    const Located at = locate(k, hk, false);
    const std::uint32_t i = search(at.chunk, k, hk, false);
    if (i < at.chunk->count && cmp_at(k, hk, at.chunk, i) == 0) {
      prefetch(at.chunk->entries()[i]);  // the caller reads its key and value next
      return {at.chunk, i};
    }
    return {};
  }
  Pos first() const { return first_from(head_); }
  // First key >= k (upper: > k).
  Pos lower_bound(const Key& k) const { return bound(k, false); }
  Pos upper_bound(const Key& k) const { return bound(k, true); }
  // Last key < k (or_equal: <= k); empty when none.
  Pos last_below(const Key& k, bool or_equal = false) const {
    const Key* b = &k;
    OrderHint hb = Order::hint(k);
    bool strict = !or_equal;
    while (true) {
      const Located at = locate(*b, hb, strict);
      const std::uint32_t i = search(at.chunk, *b, hb, !strict);
      if (i > 0) return {at.chunk, i - 1};
      if (at.slot == head_) return {};
      b = &at.slot->lo;  // nothing below *b in this slot: go below its range
      hb = at.slot->lo_hint;
      strict = true;
    }
  }
  Pos last() const {
    auto [s, w] = live_from_index(index_.last());
    const Chunk* c = chunk_of(w);
    while (c->right) {
      s = c->right;
      c = chunk_of(s->word.load(std::memory_order_acquire));
    }
    if (c->count) return {c, c->count - 1};
    return s == head_ ? Pos{} : last_below(s->lo);
  }
  // The key after p (p's key may have been erased meanwhile). Asks for the
  // entry kPrefetchAhead rows ahead, and near the chunk's end for the next
  // slot and its chunk, so a scan overlaps the misses of several rows.
  Pos next(Pos p) const {
    const Chunk* c = p.chunk_;
    const std::uint32_t i = p.i_ + 1;
    if (i < c->count) {
      const std::uint32_t ahead = i + kPrefetchAhead;
      if (ahead < c->count) {
        prefetch(c->entries()[ahead]);
      } else if (c->right) {
        if (ahead == c->count) {
          __builtin_prefetch(c->right);
        } else if (ahead == c->count + 1) {
          const Chunk* n = chunk_of(c->right->word.load(std::memory_order_acquire));
          __builtin_prefetch(n);
          __builtin_prefetch(reinterpret_cast<const char*>(n) + 64);
        }
      }
      return {c, i};
    }
    return first_from(c->right);  // its range starts at c's hi > p's key
  }
  Pos prev(Pos p) const {
    if (p.i_ > 0) return {p.chunk_, p.i_ - 1};
    return last_below(p.key());
  }

  // Removes everything. Exclusive access only.
  void clear() noexcept {
    tail_.store(nullptr);
    destroy_all();
    index_.clear();
    size_.store(0);
  }

  // Replaces the contents with items sorted strictly increasing by key
  // (std::invalid_argument otherwise; out of memory: std::bad_alloc; both
  // leave the list empty). Chunks are filled to ~3/4 B. Exclusive access only.
  void bulk_load(std::vector<std::pair<Key, T>>&& items) {
    clear();
    for (std::size_t i = 1; i < items.size(); ++i)
      if (!cmp_(items[i - 1].first, items[i].first))
        throw std::invalid_argument("chunked skip list bulk_load: keys not strictly increasing at position " +
                                    std::to_string(i));
    const std::size_t fill = std::max<std::size_t>(1, b_ * 3 / 4);
    try {
      std::vector<std::pair<Key, Slot*>> lows;
      lows.reserve(items.size() / fill + 1);
      Chunk* tail = nullptr;
      Slot* last = head_;
      for (std::size_t start = 0; start < items.size(); start += fill) {
        const auto n = static_cast<std::uint32_t>(std::min(fill, items.size() - start));
        Slot* s = head_;
        if (start > 0) {
          const Key& lo = items[start].first;
          lows.emplace_back(lo, nullptr);
          s = new Slot(lo, Order::hint(lo));
          s->refs.store(1, std::memory_order_relaxed);  // no creator left to release it
          s->word.store(bits(&empty_chunk_), std::memory_order_relaxed);
          lows.back().second = s;
          tail->right = s;  // unpublished: exclusive access
          tail->hi_word = s->lo_hint.word;
          tail->hi_cls = s->lo_hint.cls;
        }
        Chunk* c = Chunk::make(n, nullptr, OrderHint{});
        s->word.store(bits(c), std::memory_order_relaxed);  // linked before it fills: clear() frees it all
        tail = c;
        last = s;
        for (std::uint32_t j = 0; j < n; ++j) {
          auto& item = items[start + j];
          Entry* e = new Entry(std::move(item.first), std::move(item.second));
          c->push(e, Order::hint(e->key()));
        }
      }
      dir_changes_.store(static_cast<std::uint32_t>(lows.size()));
      index_.bulk_load(std::move(lows));
      if (last != head_) tail_.store(last);
      rebuild_directory();  // speed only: skipped when out of memory
    } catch (...) {
      clear();
      throw;
    }
    size_.store(items.size());
    items.clear();
  }

  // For tests: the chain is sorted, every chunk's keys lie in its slot's
  // range, no slot is DEAD, the size matches, every index entry names a slot
  // of the chain (or a kept one) with its lo. Exclusive access only.
  bool well_formed() const {
    EpochGuard guard;
    std::size_t n = 0;
    const Key* prev = nullptr;
    std::vector<const Slot*> chain;
    for (const Slot* s = head_; s;) {
      const std::uintptr_t w = s->word.load();
      if (w & kDead) return false;
      chain.push_back(s);
      const Chunk* c = chunk_of(w);
      if (c->count > c->cap) return false;
      for (std::uint32_t i = 0; i < c->count; ++i) {
        const Key& k = c->entries()[i]->key();
        const OrderHint h = Order::hint(k);
        if (h.word != c->words()[i] || h.cls != c->cls()[i]) return false;
        if (prev && !cmp_(*prev, k)) return false;
        if (s != head_ && cmp_(k, s->lo)) return false;
        if (c->right && !cmp_(k, c->right->lo)) return false;
        prev = &k;
        ++n;
      }
      if (c->right && (c->hi_word != c->right->lo_hint.word || c->hi_cls != c->right->lo_hint.cls)) return false;
      s = c->right;
    }
    if (n != size()) return false;
    for (const auto* node = index_.first(); node; node = index_.next(node)) {
      const Slot* s = node->value();
      if (std::find(chain.begin(), chain.end(), s) == chain.end() && !is_kept(s)) return false;
      if (cmp_(node->key(), s->lo) || cmp_(s->lo, node->key())) return false;
    }
    // The directory: lo strictly increasing, each entry with its slot's lo
    // hint, naming a slot of the chain, a parked or a kept one (never a freed
    // one); no more slots of the chain missing from it than changes counted
    // since it was built.
    std::size_t named = 0;
    std::vector<const Slot*> slots(chain.begin() + 1, chain.end());
    std::sort(slots.begin(), slots.end());
    if (const Directory* d = dir_.load()) {
      for (std::uint32_t j = 0; j < d->size(); ++j) {
        const Slot* s = d->slot(j);
        if (d->hint(j).word != s->lo_hint.word || d->hint(j).cls != s->lo_hint.cls) return false;
        if (j > 0 && !cmp_(d->slot(j - 1)->lo, s->lo)) return false;
        if (std::binary_search(slots.begin(), slots.end(), s))
          ++named;
        else if (!is_parked(s) && !is_kept(s))
          return false;
      }
    }
    return chain.size() - 1 - named <= dir_changes_.load();
  }
  // For tests: slots in the chain (the head included). Exclusive access only.
  std::size_t chunk_count() const {
    std::size_t n = 0;
    for (const Slot* s = head_; s; s = chunk_of(s->word.load())->right) ++n;
    return n;
  }

 private:
  // Test seam, defined only in tests/unit/test_chunk_list_states.cpp: runs the
  // private protocol steps one at a time (freeze, absorb CAS, index erase) so
  // a test can stop between them and check readers and writers in the states
  // only races reach (a DEAD slot still linked, an absorbed slot still in the
  // index, tail_ naming a DEAD slot). Not used by the engine.
  friend struct ChunkListTestAccess;

  static constexpr std::uintptr_t kDead = 1;
  static constexpr std::uint32_t kPrefetchAhead = 3;
  // Steps right from the directory's slot before the index is asked instead.
  static constexpr std::uint32_t kLongWalk = 3;

  struct Slot {
    Slot(const Key& k, OrderHint h) : lo_hint(h), lo(k) {}
    std::atomic<std::uintptr_t> word{0};  // Chunk* | kDead
    std::atomic<std::uint32_t> refs{2};   // the creator and the (eventual) absorber
    OrderHint lo_hint;
    Key lo;  // immutable; the head's is unused (-infinity)
    Slot* next_kept = nullptr;          // in kept_ (see unindex)
    std::atomic<bool> is_kept{false};   // pushed on kept_ (once: both its splitter and absorber may fail)
    Slot* next_unlinked = nullptr;  // in unlinked_ (see release)
  };
  struct Located {
    Slot* slot;
    std::uintptr_t word;  // the slot's word as read
    const Chunk* chunk;   // chunk_of(word)
  };

  static std::uintptr_t bits(const Chunk* c) { return reinterpret_cast<std::uintptr_t>(c); }
  static const Chunk* chunk_of(std::uintptr_t w) { return reinterpret_cast<const Chunk*>(w & ~kDead); }

  // ---- comparisons ----------------------------------------------------------
  int cmp_at(const Key& k, OrderHint hk, const Chunk* c, std::uint32_t i) const {
    return Order::compare(cmp_, k, hk, c->hint(i), [&]() -> const Key& { return c->entries()[i]->key(); });
  }
  // Whether k lies at or past c's fence (strict: past it). c->right is set.
  bool beyond(const Key& k, OrderHint hk, const Chunk* c, bool strict) const {
    const int r = Order::compare(cmp_, k, hk, c->hi_hint(), [&]() -> const Key& { return c->right->lo; });
    return strict ? r > 0 : r >= 0;
  }
  // First index whose key is >= k (upper: > k). Hints first; once the
  // range fits a line of Entry pointers, that line is asked for (the caller
  // reads the entry next), overlapping its miss with the last probes.
  std::uint32_t search(const Chunk* c, const Key& k, OrderHint hk, bool upper) const {
    std::uint32_t lo = 0, hi = c->count;
    bool asked = false;
    while (lo < hi) {
      if (!asked && hi - lo <= 8) {
        __builtin_prefetch(&c->entries()[lo]);
        asked = true;
      }
      const std::uint32_t mid = (lo + hi) / 2;
      const int r = cmp_at(k, hk, c, mid);
      if (upper ? r >= 0 : r > 0)
        lo = mid + 1;
      else
        hi = mid;
    }
    return lo;
  }

  // Every line of an entry (its key and inline value).
  static void prefetch(const Entry* e) {
    const char* p = reinterpret_cast<const char*>(e);
    for (std::size_t off = 0; off < sizeof(Entry); off += 64) __builtin_prefetch(p + off);
    __builtin_prefetch(p + sizeof(Entry) - 1);
  }

  // ---- search ----------------------------------------------------------------
  // The slot an index node names (the head for none) and its word, going
  // below any DEAD one: a DEAD slot from the index may have been absorbed
  // already, so its final chunk is not the truth for its range.
  std::pair<Slot*, std::uintptr_t> live_from_index(const typename Index::Node* n) const {
    Slot* s = n ? n->value() : head_;
    std::uintptr_t w = s->word.load(std::memory_order_acquire);
    while (w & kDead) {
      n = index_.last_below(s->lo);
      s = n ? n->value() : head_;
      w = s->word.load(std::memory_order_acquire);
    }
    return {s, w};
  }
  // The slot whose range holds k (strict: holds the keys just below k, i.e.
  // lo < k <= hi), with its chunk as read. The slot may be DEAD when it was
  // reached through a `right` link (its final chunk is then the truth).
  // Starts from the directory; a walk longer than kLongWalk (the directory
  // is stale there) jumps once to where the skip-list index leads, when that
  // is further right.
  Located locate(const Key& k, OrderHint hk, bool strict) const {
    const Directory* d = dir_.load(std::memory_order_acquire);
    auto [s, w] = d ? live_from_directory(d, k, hk, strict) : live_from_index(index_.last_below(k, !strict));
    const Chunk* c = chunk_of(w);
    std::uint32_t steps = 0;
    while (c->right && beyond(k, hk, c, strict)) {
      if (++steps == kLongWalk && d) {
        auto [t, tw] = live_from_index(index_.last_below(k, !strict));
        if (t != head_ && (s == head_ || cmp_(s->lo, t->lo))) {
          s = t;
          w = tw;
          c = chunk_of(w);
          continue;
        }
      }
      s = c->right;
      w = s->word.load(std::memory_order_acquire);
      c = chunk_of(w);
    }
    return {s, w, c};
  }
  // The last live slot the directory names at or below k (strict: below k),
  // or the head. A DEAD one may have been absorbed already: the entry before
  // it is taken instead (every slot d names is still allocated: see
  // rebuild_directory).
  std::pair<Slot*, std::uintptr_t> live_from_directory(const Directory* d, const Key& k, OrderHint hk,
                                                       bool strict) const {
    std::uint32_t j = d->count_at_or_below([&](OrderHint h, std::uint32_t e) {
      const int r = Order::compare(cmp_, k, hk, h, [&]() -> const Key& { return d->slot(e)->lo; });
      return strict ? r <= 0 : r < 0;  // the entry's lo is above k (strict: at or above)
    });
    for (; j > 0; --j) {
      Slot* s = d->slot(j - 1);
      const std::uintptr_t w = s->word.load(std::memory_order_acquire);
      if (!(w & kDead)) return {s, w};
    }
    return {head_, head_->word.load(std::memory_order_acquire)};
  }
  // The same, helping absorb until the slot is live (writers). Keys at or
  // past the last slot's lo go straight to it (sorted appends skip the index).
  Located locate_live(const Key& k, OrderHint hk) {
    if (Slot* t = tail_.load(std::memory_order_acquire)) {
      const std::uintptr_t w = t->word.load(std::memory_order_acquire);
      const Chunk* c = chunk_of(w);
      if (!(w & kDead) && !c->right &&
          Order::compare(cmp_, k, hk, t->lo_hint, [&]() -> const Key& { return t->lo; }) >= 0)
        return {t, w, c};
    }
    while (true) {
      const Located at = locate(k, hk, false);
      if (!(at.word & kDead)) return at;
      absorb(at.slot);
    }
  }
  Pos first_from(const Slot* s) const {
    while (s) {
      const Chunk* c = chunk_of(s->word.load(std::memory_order_acquire));
      if (c->count) {
        const std::uint32_t n = std::min(c->count, kPrefetchAhead + 1);
        for (std::uint32_t j = 0; j < n; ++j) prefetch(c->entries()[j]);
        return {c, 0};
      }
      s = c->right;
    }
    return {};
  }
  Pos bound(const Key& k, bool upper) const {
    const OrderHint hk = Order::hint(k);
    const Located at = locate(k, hk, false);
    const std::uint32_t i = search(at.chunk, k, hk, upper);
    if (i < at.chunk->count) {
      prefetch(at.chunk->entries()[i]);  // the caller reads its key and value next
      return {at.chunk, i};
    }
    return first_from(at.chunk->right);
  }

  // ---- writes ----------------------------------------------------------------
  template <bool Assign, class V>
  bool insert_impl(const Key& k, V&& v) {
    EpochGuard guard;
    const OrderHint hk = Order::hint(k);
    Entry* entry = nullptr;  // ours until a CAS publishes it
    try {
      while (true) {
        const Located at = locate_live(k, hk);
        const Chunk* c = at.chunk;
        const std::uint32_t i = search(c, k, hk, false);
        if (i < c->count && cmp_at(k, hk, c, i) == 0) {
          delete entry;
          entry = nullptr;
          if constexpr (Assign) {
            EpochDomain::Reservation room(1);
            Entry* e = c->entries()[i];
            T* fresh = new T(v);  // may throw: nothing changed yet
            T* old = e->val_.exchange(fresh);
            if (old != &e->inline_value_) room.retire(old, &free_value);
          }
          return false;
        }
        if (!entry) entry = new Entry(k, std::forward<V>(v));
        if (c->count >= b_ ? split(at, i, entry, hk) : put_into(at, i, entry, hk)) {
          size_.fetch_add(1);
          return true;
        }
      }
    } catch (...) {
      delete entry;  // never published
      throw;
    }
  }

  // c with entry at position i, CASed in; false when the slot changed.
  bool put_into(const Located& at, std::uint32_t i, Entry* entry, OrderHint he) {
    const Chunk* c = at.chunk;
    EpochDomain::Reservation room(1);  // the old chunk
    Chunk* fresh = Chunk::make(c->count + 1, c->right, c->hi_hint());
    fresh->push_range(c, 0, i);
    fresh->push(entry, he);
    fresh->push_range(c, i, c->count);
    std::uintptr_t expected = at.word;
    if (!at.slot->word.compare_exchange_strong(expected, bits(fresh))) {
      free_chunk(fresh);
      return false;
    }
    room.retire(const_cast<Chunk*>(c), &free_chunk_erased);
    return true;
  }

  // c plus entry (at i) split over c's slot and a new slot, in one CAS.
  bool split(const Located& at, std::uint32_t i, Entry* entry, OrderHint he) {
    const Chunk* c = at.chunk;
    const std::uint32_t n = c->count + 1;
    // Appending past the end of the last chunk: keep it whole, start a new one.
    const std::uint32_t left = (!c->right && i == c->count) ? c->count : n / 2;
    auto item = [&](std::uint32_t j, Chunk* dst) {
      if (j < i)
        dst->push_from(c, j);
      else if (j == i)
        dst->push(entry, he);
      else
        dst->push_from(c, j - 1);
    };
    auto key_at = [&](std::uint32_t j) -> const Key& { return j == i ? entry->key() : c->entries()[j < i ? j : j - 1]->key(); };
    auto hint_at = [&](std::uint32_t j) { return j == i ? he : c->hint(j < i ? j : j - 1); };

    EpochDomain::Reservation room(1);  // the old chunk
    std::optional<EpochDomain::Reservation> spare(std::in_place, 1);  // for the index's erase
    auto* s2 = new Slot(key_at(left), hint_at(left));
    Chunk* c2 = nullptr;
    Chunk* c1 = nullptr;
    try {
      c2 = Chunk::make(n - left, c->right, c->hi_hint());
      c1 = Chunk::make(left, s2, s2->lo_hint);
    } catch (...) {
      if (c2) free_chunk(c2);
      delete s2;
      throw;
    }
    for (std::uint32_t j = left; j < n; ++j) item(j, c2);
    for (std::uint32_t j = 0; j < left; ++j) item(j, c1);
    s2->word.store(bits(c2), std::memory_order_relaxed);
    std::uintptr_t expected = at.word;
    if (!at.slot->word.compare_exchange_strong(expected, bits(c1))) {
      free_chunk(c1);
      free_chunk(c2);
      delete s2;
      return false;
    }
    room.retire(const_cast<Chunk*>(c), &free_chunk_erased);
    // The list is complete; the tail and index entries are shortcuts.
    // seq_cst, not release: the load of s2->word below must not be ordered
    // before this store, or an absorber's forget_tail could run unseen and
    // leave tail_ naming s2 after it is released.
    if (!c->right) tail_.store(s2);
    bool indexed = false;
    try {
      indexed = index_.insert(s2->lo, s2);
    } catch (const std::bad_alloc&) {
    }
    if (s2->word.load() & kDead) {  // absorbed meanwhile: its absorber may have missed our entries
      forget_tail(s2);
      if (indexed) {
        spare.reset();
        if (!unindex(s2)) {  // the entry stays: never free s2
          note_slot_change();
          return true;
        }
      }
    }
    release(s2);
    note_slot_change();
    return true;
  }

  // After an erase left `fresh` in slot s: freeze and absorb s when it is
  // empty, or small enough to join its predecessor. Optional work: gives up
  // on any conflict or allocation failure. Everything the absorb allocates
  // is allocated before the freeze, so without a race it cannot leave s DEAD.
  void maybe_absorb(Slot* s, const Chunk* fresh) noexcept {
    const std::uint32_t n = fresh->count;
    if (n > b_ / 4) return;
    try {
      const Located pred = locate(s->lo, s->lo_hint, true);
      if (pred.chunk->right != s || (pred.word & kDead)) return;
      if (n > 0 && pred.chunk->count + n > b_ * 3 / 4) return;
      EpochDomain::Reservation room(1);  // pred's chunk
      std::optional<EpochDomain::Reservation> spare(std::in_place, 1);  // for the index's erase
      Chunk* merged = make_merged(pred.chunk, fresh);
      std::uintptr_t expected = bits(fresh);
      if (!s->word.compare_exchange_strong(expected, bits(fresh) | kDead)) {
        free_chunk(merged);
        return;
      }
      if (!finish_absorb(pred, s, merged, room, spare)) {
        free_chunk(merged);
        absorb(s);  // pred changed meanwhile
      }
    } catch (const std::bad_alloc&) {
    }
  }

  // Makes the DEAD slot x part of its predecessor (absorbing DEAD
  // predecessors first). Returns when x is no longer in the list. Throws
  // std::bad_alloc having changed nothing of its own (earlier absorbs stay).
  void absorb(Slot* x) {
    Slot* target = x;
    while (true) {
      const Located pred = locate(target->lo, target->lo_hint, true);
      if (pred.chunk->right != target) {  // already absorbed
        if (target == x) return;
        target = x;
        continue;
      }
      if (pred.word & kDead) {  // its predecessor must go first
        target = pred.slot;
        continue;
      }
      EpochDomain::Reservation room(1);  // pred's chunk
      std::optional<EpochDomain::Reservation> spare(std::in_place, 1);  // for the index's erase
      Chunk* merged = make_merged(pred.chunk, chunk_of(target->word.load(std::memory_order_acquire)));
      if (!finish_absorb(pred, target, merged, room, spare)) {
        free_chunk(merged);
        continue;
      }
      if (target == x) return;
      target = x;
    }
  }

  // pred's entries then the DEAD target's final ones, with target's fence.
  static Chunk* make_merged(const Chunk* p, const Chunk* t) {
    Chunk* merged = Chunk::make(p->count + t->count, t->right, t->hi_hint());
    merged->push_range(p, 0, p->count);
    merged->push_range(t, 0, t->count);
    return merged;
  }
  // The absorb's CAS (pred's chunk -> merged), then the unlinked target's
  // index entry and release. False (nothing changed) when pred changed.
  bool finish_absorb(const Located& pred, Slot* target, Chunk* merged, EpochDomain::Reservation& room,
                     std::optional<EpochDomain::Reservation>& spare) {
    std::uintptr_t expected = pred.word;
    if (!pred.slot->word.compare_exchange_strong(expected, bits(merged))) return false;
    room.retire(const_cast<Chunk*>(pred.chunk), &free_chunk_erased);
    forget_tail(target);
    spare.reset();  // so the index's erase finds its room without allocating
    if (unindex(target)) release(target);
    note_slot_change();
    return true;
  }
  // The tail shortcut must not outlive s: cleared (if it still names s)
  // before s can be released.
  void forget_tail(Slot* s) noexcept {
    Slot* expected = s;
    tail_.compare_exchange_strong(expected, nullptr);
  }

  // Erases the index entry at s's lo; false when that failed (out of memory):
  // the entry stays, so s must never be retired; it is kept (kept_) and freed
  // with the list.
  bool unindex(Slot* s) noexcept {
    try {
      index_.erase(s->lo);
      return true;
    } catch (const std::bad_alloc&) {
      keep(s);
      return false;
    }
  }
  // Once per slot: its absorber's unindex and its splitter's may both run
  // out of memory, and a second push would link s twice (a loop, or a
  // double free in destroy_all).
  void keep(Slot* s) noexcept {
    if (s->is_kept.exchange(true)) return;
    Slot* head = kept_.load(std::memory_order_relaxed);
    do {
      s->next_kept = head;
    } while (!kept_.compare_exchange_weak(head, s, std::memory_order_release, std::memory_order_relaxed));
  }
  bool is_parked(const Slot* s) const noexcept {
    for (const Slot* p = unlinked_.load(std::memory_order_acquire); p; p = p->next_unlinked)
      if (p == s) return true;
    return false;
  }
  bool is_kept(const Slot* s) const noexcept {
    for (const Slot* k = kept_.load(std::memory_order_acquire); k; k = k->next_kept)
      if (k == s) return true;
    return false;
  }

  // Drops one of s's two references; the last one parks s (unlinked_) until
  // a directory built after its unlink replaces every one that may name it.
  void release(Slot* s) noexcept {
    if (s->refs.fetch_sub(1) == 1) park(s);
  }
  void park(Slot* s) noexcept {
    Slot* head = unlinked_.load(std::memory_order_relaxed);
    do {
      s->next_unlinked = head;
    } while (!unlinked_.compare_exchange_weak(head, s, std::memory_order_release, std::memory_order_relaxed));
  }

  // ---- the directory (chunk_list_directory.hpp) -------------------------------
  // A slot was split off or unlinked: counted, and the directory is rebuilt
  // once the changes reach an eighth of its entries (at least one), so
  // rebuilding costs O(1) amortized per split and a stale directory sends
  // few searches more than a step right. Optional work: gives up when another
  // thread is rebuilding (it or the next change's writer builds) or memory
  // runs out (the next change tries again).
  void note_slot_change() noexcept {
    const std::uint32_t changes = dir_changes_.fetch_add(1) + 1;
    const Directory* d = dir_.load(std::memory_order_acquire);
    if (d && changes < std::max<std::uint32_t>(1, d->size() / 8)) return;
    if (dir_building_.exchange(true, std::memory_order_acquire)) return;
    rebuild_directory();
    dir_building_.store(false, std::memory_order_release);
  }
  // Builds a directory of the live slots of the chain and publishes it; then
  // retires the replaced one and the slots parked in unlinked_ before the
  // walk. Those were unlinked before it began, so the new directory does not
  // name them, and a reader that found one in an older directory holds an
  // epoch guard older than their retirement. Caller: dir_building_ held,
  // inside an EpochGuard (or exclusive access). On out of memory nothing
  // changes (the parked slots go back).
  void rebuild_directory() noexcept {
    Slot* parked = unlinked_.exchange(nullptr, std::memory_order_acquire);
    std::size_t n_parked = 0;
    for (Slot* p = parked; p; p = p->next_unlinked) ++n_parked;
    const std::uint32_t changes = dir_changes_.exchange(0);
    Directory* fresh = nullptr;
    try {
      EpochDomain::Reservation room(n_parked + 1);
      dir_scratch_.clear();
      const Chunk* c = chunk_of(head_->word.load(std::memory_order_acquire));
      while (Slot* s = c->right) {
        const std::uintptr_t w = s->word.load(std::memory_order_acquire);
        if (!(w & kDead)) dir_scratch_.push_back(s);
        c = chunk_of(w);
      }
      fresh = Directory::make(static_cast<std::uint32_t>(dir_scratch_.size()));
      for (Slot* s : dir_scratch_) fresh->push(s->lo_hint, s);
      if (const Directory* old = dir_.exchange(fresh, std::memory_order_acq_rel))
        room.retire(const_cast<Directory*>(old), &Directory::destroy_erased);
      while (parked) {
        Slot* next = parked->next_unlinked;
        room.retire(parked, &free_slot_erased);
        parked = next;
      }
    } catch (const std::bad_alloc&) {
      Directory::destroy(fresh);
      dir_changes_.fetch_add(changes);
      while (parked) {  // back to unlinked_ (the first reference was dropped already)
        Slot* next = parked->next_unlinked;
        park(parked);
        parked = next;
      }
    }
  }

  // ---- memory ------------------------------------------------------------------
  static void free_chunk(Chunk* c) {
    if (c == &empty_chunk_) return;
    c->~Chunk();
    ::operator delete(c);
  }
  static void free_chunk_erased(void* p) { free_chunk(static_cast<Chunk*>(p)); }
  static void free_entry(Entry* e) {
    T* v = e->val_.load();
    if (v != &e->inline_value_) delete v;
    delete e;
  }
  static void free_entry_erased(void* p) { free_entry(static_cast<Entry*>(p)); }
  static void free_value(void* p) { delete static_cast<T*>(p); }
  // A slot and its final chunk (whose entries live on in the absorbing chunk).
  static void free_slot_erased(void* p) {
    auto* s = static_cast<Slot*>(p);
    free_chunk(const_cast<Chunk*>(chunk_of(s->word.load())));
    delete s;
  }

  // Frees every entry, chunk and slot of the chain and the kept slots (with
  // their final chunks; their entries are in the chain); the head is left empty.
  void destroy_all() noexcept {
    for (Slot* k = kept_.exchange(nullptr); k;) {
      Slot* next = k->next_kept;
      free_slot_erased(k);
      k = next;
    }
    for (Slot* p = unlinked_.exchange(nullptr); p;) {
      Slot* next = p->next_unlinked;
      free_slot_erased(p);
      p = next;
    }
    Directory::destroy(dir_.exchange(nullptr));
    dir_changes_.store(0);
    Slot* s = head_;
    while (s) {
      auto* c = const_cast<Chunk*>(chunk_of(s->word.load()));
      for (std::uint32_t i = 0; i < c->count; ++i) free_entry(c->entries()[i]);
      Slot* next = c->right;
      free_chunk(c);
      if (s != head_) delete s;
      s = next;
    }
    head_->word.store(bits(&empty_chunk_));
  }

  static inline Chunk empty_chunk_{};  // the head's chunk when the list is empty; never freed

  const std::uint32_t b_;
  Compare cmp_;
  Slot* head_;
  Index index_;
  std::atomic<std::size_t> size_{0};
  // The last slot (never the head) as its splitter left it, or null: a
  // shortcut for appends. Cleared before that slot can be released.
  std::atomic<Slot*> tail_{nullptr};
  // The read-mostly upper level (chunk_list_directory.hpp); null until the
  // first split or bulk_load. Replaced whole, retired through the epoch domain.
  std::atomic<const Directory*> dir_{nullptr};
  // Slots split off or unlinked since the directory was built.
  std::atomic<std::uint32_t> dir_changes_{0};
  // Held by the one thread rebuilding the directory (it owns dir_scratch_).
  std::atomic<bool> dir_building_{false};
  std::vector<Slot*> dir_scratch_;
  // Released slots (both references dropped) that a directory may still name:
  // retired by the next rebuild_directory, freed with the list otherwise.
  std::atomic<Slot*> unlinked_{nullptr};
  // Absorbed slots whose index entry could not be erased (unindex): never
  // retired while the list lives (the entry may still lead a reader to them).
  std::atomic<Slot*> kept_{nullptr};
};

}  // namespace kv
