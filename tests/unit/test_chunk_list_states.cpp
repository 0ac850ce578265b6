// ChunkedSkipList (src/index/chunk_list.hpp) in the intermediate states only
// races reach, built deterministically in one thread through the test seam
// kv::ChunkListTestAccess (declared a friend in the class, defined here). It
// runs an absorber's steps one at a time, as maybe_absorb() does them:
//   freeze      the slot's word gets the DEAD bit (its chunk is final);
//   absorb_cas  the predecessor's chunk -> merged (the slot leaves the chain);
//   finish      forget the tail, erase the slot's index entry, release it
//               (or, when the predecessor changed meanwhile, absorb() as the
//               real absorber then does).
// States checked, each against a std::map model:
//   1. FrozenSlot*: DEAD, still in the chain and in the index;
//   2. AbsorbedStillIndexed* / AbsorbedReindexed*: out of the chain, its index
//      entry still there (between the absorb CAS and the index erase; the
//      OOM path's "kept" slot; a late splitter's index insert after writes
//      went into the absorbed range);
//   3. Tail*: tail_ names a DEAD slot (frozen, or absorbed before the absorber
//      cleared tail_).
// From each state: find/get/contains, lower/upper_bound, last_below (strict
// and inclusive) of every key below, inside and above the dead range, first
// and last, whole scans forwards (next) and backwards (prev); then writes in
// and around the range (writers must help finish the absorb, or route around
// the stale entry), then finish and the structure check. Leaks: the ASan build.
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "chunk_list_model.hpp"
#include "index/chunk_list.hpp"

namespace kv {

struct ChunkListTestAccess {
  using List = ChunkedSkipList<std::int64_t, std::int64_t>;
  using Slot = List::Slot;
  using Chunk = List::Chunk;
  using Located = List::Located;
  using Directory = List::Directory;

  // An absorber stopped after its freeze (maybe_absorb's state: the
  // predecessor as located and the merged chunk built before the freeze).
  struct PendingAbsorb {
    PendingAbsorb(List& list, Slot* slot, Located p, Chunk* m) : l(list), s(slot), pred(p), merged(m) {}
    List& l;
    Slot* s;
    Located pred;
    Chunk* merged;
    EpochDomain::Reservation room{1};  // pred's chunk
    std::optional<EpochDomain::Reservation> spare{std::in_place, 1};
    bool unlinked = false;
  };

  // Slots of the chain, the head first.
  static std::vector<Slot*> chain(const List& l) {
    std::vector<Slot*> out;
    for (Slot* s = l.head_; s; s = List::chunk_of(s->word.load())->right) out.push_back(s);
    return out;
  }
  static Slot* slot_with_lo(const List& l, std::int64_t lo) {
    for (Slot* s : chain(l))
      if (s != l.head_ && s->lo == lo) return s;
    return nullptr;
  }
  static bool in_chain(const List& l, const Slot* s) {
    for (Slot* c : chain(l))
      if (c == s) return true;
    return false;
  }
  static bool dead(const Slot* s) { return (s->word.load() & List::kDead) != 0; }
  static bool indexed(const List& l, const Slot* s) {
    const auto* n = l.index_.find_node(s->lo);
    return n && n->value() == s;
  }
  static const Slot* tail(const List& l) { return l.tail_.load(); }

  // Step 1: freeze s (its predecessor must be live and link it).
  static std::unique_ptr<PendingAbsorb> freeze(List& l, Slot* s) {
    const Located pred = l.locate(s->lo, s->lo_hint, true);
    EXPECT_EQ(pred.chunk->right, s);
    EXPECT_FALSE(pred.word & List::kDead);
    std::uintptr_t w = s->word.load();
    auto p = std::make_unique<PendingAbsorb>(l, s, pred, List::make_merged(pred.chunk, List::chunk_of(w)));
    EXPECT_TRUE(s->word.compare_exchange_strong(w, w | List::kDead));
    return p;
  }
  // Step 2: the absorb CAS; s leaves the chain, tail_ and the index untouched.
  static void absorb_cas(PendingAbsorb& p) {
    std::uintptr_t expected = p.pred.word;
    ASSERT_TRUE(p.pred.slot->word.compare_exchange_strong(expected, List::bits(p.merged)));
    p.room.retire(const_cast<Chunk*>(p.pred.chunk), &List::free_chunk_erased);
    p.unlinked = true;
  }
  // The end of an absorb whose index erase ran out of memory (unindex): s is
  // kept (never retired, its entry stays), to be freed with the list.
  static void keep(PendingAbsorb& p) {
    ASSERT_TRUE(p.unlinked);
    p.l.forget_tail(p.s);
    p.spare.reset();
    p.l.keep(p.s);
  }
  static bool kept(const List& l, const Slot* s) { return l.is_kept(s); }
  // A late splitter whose own unindex of s also ran out of memory keeps s again.
  static void keep_again(PendingAbsorb& p) { p.l.keep(p.s); }
  // How often s is linked in kept_ (a walk bounded, so a loop shows as a count).
  static int times_kept(const List& l, const Slot* s) {
    int n = 0, steps = 0;
    for (const Slot* k = l.kept_.load(); k && steps < 1000; k = k->next_kept, ++steps) n += k == s;
    return n;
  }
  // The index entry of s alone (erased by its absorber; inserted by a late splitter).
  static void unindex(PendingAbsorb& p) { ASSERT_TRUE(p.l.index_.erase(p.s->lo)); }
  static void reindex(PendingAbsorb& p) { ASSERT_TRUE(p.l.index_.insert(p.s->lo, p.s)); }
  // Steps 2 (unless done) and 3, as maybe_absorb finishes.
  static void finish(PendingAbsorb& p) {
    if (!p.unlinked) {
      std::uintptr_t expected = p.pred.word;
      if (!p.pred.slot->word.compare_exchange_strong(expected, List::bits(p.merged))) {
        List::free_chunk(p.merged);  // a writer changed pred (perhaps by absorbing s)
        p.l.absorb(p.s);
        return;
      }
      p.room.retire(const_cast<Chunk*>(p.pred.chunk), &List::free_chunk_erased);
      p.unlinked = true;
    }
    p.l.forget_tail(p.s);
    p.spare.reset();
    p.l.index_.erase(p.s->lo);  // may already be gone (unindex above)
    p.l.release(p.s);
    p.l.note_slot_change();
  }

  // ---- the directory (chunk_list_directory.hpp) ----------------------------
  // finish() without the rebuild its change may start: s is released and
  // parked while the directory still names it.
  static void finish_parked(PendingAbsorb& p) {
    ASSERT_TRUE(p.unlinked);
    p.l.forget_tail(p.s);
    p.spare.reset();
    ASSERT_TRUE(p.l.index_.erase(p.s->lo));
    p.l.release(p.s);
  }
  static bool parked(const List& l, const Slot* s) { return l.is_parked(s); }
  static bool named(const List& l, const Slot* s) {
    const Directory* d = l.dir_.load();
    for (std::uint32_t j = 0; d && j < d->size(); ++j)
      if (d->slot(j) == s) return true;
    return false;
  }
  static void rebuild(List& l) { l.rebuild_directory(); }
  using Entries = std::vector<std::pair<OrderHint, Slot*>>;
  // The entries a fresh directory has: every slot of the chain but the head.
  static Entries fresh_entries(const List& l) {
    Entries e;
    for (Slot* s : chain(l))
      if (s != l.head_) e.emplace_back(s->lo_hint, s);
    return e;
  }
  // Publishes a directory of exactly these entries and sets the count of
  // changes since it was built (what a buggy writer could leave behind).
  static void publish(List& l, const Entries& entries, std::uint32_t changes) {
    Directory* d = Directory::make(static_cast<std::uint32_t>(entries.size()));
    for (const auto& [h, s] : entries) d->push(h, s);
    EpochDomain::Reservation room(1);
    if (const Directory* old = l.dir_.exchange(d)) room.retire(const_cast<Directory*>(old), &Directory::destroy_erased);
    l.dir_changes_.store(changes);
  }
  // A slot of no list (its word names no chunk: for the check only, never read).
  static std::unique_ptr<Slot> foreign_slot(std::int64_t lo) {
    return std::make_unique<Slot>(lo, OrderHint{static_cast<std::uint64_t>(lo), 0});
  }
};

}  // namespace kv

namespace {

using List = kv::ChunkedSkipList<std::int64_t, std::int64_t>;
using Model = std::map<std::int64_t, std::int64_t>;
using Access = kv::ChunkListTestAccess;

constexpr std::uint32_t kB = 8;  // bulk_load fills 6; a slot of 2 keys is absorbed only into a thin predecessor
constexpr std::int64_t kTop = 420;

// Keys 0, 10, ..., 350 bulk-loaded into six slots with lo 0 (head), 60, 120,
// 180, 240, 300 (the tail), then thinned to two keys in slots 60, 120 and 300
// (their predecessors are too full for the erase to absorb them):
//   head {0..50} | 60 {70,100} | 120 {130,150} | 180 {180..230} | 240 {..} | 300 {310,340}
void build(List& l, Model& m) {
  std::vector<std::pair<std::int64_t, std::int64_t>> items;
  for (std::int64_t k = 0; k <= 350; k += 10) {
    items.emplace_back(k, k * 7);
    m[k] = k * 7;
  }
  l.bulk_load(std::move(items));
  for (std::int64_t k : {120, 140, 160, 170, 300, 320, 330, 350, 60, 80, 90, 110}) {
    ASSERT_TRUE(l.erase(k));
    m.erase(k);
  }
  ASSERT_EQ(Access::chain(l).size(), 6u);
  ASSERT_NO_FATAL_FAILURE(kvtest::expect_chunks_match_model(l, m));
  ASSERT_EQ(Access::tail(l), Access::slot_with_lo(l, 300));
}

// The upper end of the range of the slot with lo `lo` in build()'s list.
std::int64_t range_end(std::int64_t lo) { return lo == 300 ? kTop : lo + 60; }

// Every read of every key from below the first to above the last, then whole
// scans both ways. No structure check: a DEAD slot may be in the chain.
void expect_reads_match(const List& l, const Model& m) {
  kv::EpochGuard g;
  for (std::int64_t k = -5; k <= kTop; ++k) {
    SCOPED_TRACE("key " + std::to_string(k));
    ASSERT_NO_FATAL_FAILURE(kvtest::expect_chunk_bounds_match(l, m, k));
    const auto v = l.get(k);
    const auto it = m.find(k);
    ASSERT_EQ(v.has_value(), it != m.end());
    if (v) {
      ASSERT_EQ(*v, it->second);
    }
    ASSERT_EQ(l.contains(k), it != m.end());
  }
  ASSERT_EQ(l.size(), m.size());
  auto p = l.first();
  for (const auto& [k, v] : m) {
    ASSERT_TRUE(p) << "forward scan ended before " << k;
    ASSERT_EQ(p.key(), k);
    ASSERT_EQ(p.value(), v);
    p = l.next(p);
  }
  ASSERT_FALSE(p) << "forward scan has extra key " << p.key();
  p = l.last();
  for (auto it = m.rbegin(); it != m.rend(); ++it) {
    ASSERT_TRUE(p) << "backward scan ended before " << it->first;
    ASSERT_EQ(p.key(), it->first);
    ASSERT_EQ(p.value(), it->second);
    p = l.prev(p);
  }
  ASSERT_FALSE(p) << "backward scan has extra key " << p.key();
}

struct Write {
  enum { insert, assign, erase } what;
  std::int64_t key;
};
std::string describe(const Write& w) {
  const char* names[] = {"insert", "insert_or_assign", "erase"};
  return std::string(names[w.what]) + " " + std::to_string(w.key);
}
void apply(List& l, Model& m, const Write& w, std::int64_t value) {
  SCOPED_TRACE(describe(w));
  switch (w.what) {
    case Write::insert: ASSERT_EQ(l.insert(w.key, value), m.emplace(w.key, value).second); break;
    case Write::assign: {
      const bool absent = m.count(w.key) == 0;
      m[w.key] = value;
      ASSERT_EQ(l.insert_or_assign(w.key, value), absent);
      break;
    }
    case Write::erase: ASSERT_EQ(l.erase(w.key), m.erase(w.key) == 1); break;
  }
}

// Writes in and around the range [lo, end) of the dead slot: inside (absent
// and present keys, its lo), just below it (the predecessor), above it.
std::vector<Write> writes_around(const Model& m, std::int64_t lo) {
  const std::int64_t end = range_end(lo);
  std::int64_t first_inside = -1, last_inside = -1;
  for (auto it = m.lower_bound(lo); it != m.end() && it->first < end; ++it) {
    if (first_inside < 0) first_inside = it->first;
    last_inside = it->first;
  }
  return {{Write::insert, lo + 5},       {Write::erase, first_inside},   {Write::assign, last_inside},
          {Write::assign, lo},           {Write::insert, lo - 5},        {Write::insert, end + 5},
          {Write::insert, end - 1},      {Write::erase, lo - 10},        {Write::insert, first_inside},
          {Write::erase, last_inside},   {Write::erase, end - 1},        {Write::insert, lo + 1}};
}

const std::vector<std::int64_t> kTargets = {60, 120, 300};  // after the head, in the middle, the tail

enum class Stop { frozen, unlinked };

// For each slot lo of `targets`: build()'s list with that slot's absorber
// stopped after its freeze (unlinked: after its absorb CAS too), then
// body(l, m, lo, s, p) under one epoch guard (s: the slot, p: the absorber).
void for_each_stopped_absorb(
    Stop stop, const std::vector<std::int64_t>& targets,
    const std::function<void(List&, Model&, std::int64_t, Access::Slot*, Access::PendingAbsorb&)>& body) {
  for (std::int64_t lo : targets) {
    SCOPED_TRACE("slot " + std::to_string(lo));
    List l(kB);
    Model m;
    ASSERT_NO_FATAL_FAILURE(build(l, m));
    kv::EpochGuard g;
    Access::Slot* s = Access::slot_with_lo(l, lo);
    auto p = Access::freeze(l, s);
    if (stop == Stop::unlinked) {
      ASSERT_NO_FATAL_FAILURE(Access::absorb_cas(*p));
    }
    ASSERT_NO_FATAL_FAILURE(body(l, m, lo, s, *p));
  }
}

// Every write in and around lo's range (values serial+1, ...), all reads
// checked against the model after each, then after_each.
void writes_checking_reads(List& l, Model& m, std::int64_t lo, std::int64_t serial,
                           const std::function<void()>& after_each = [] {}) {
  for (const Write& w : writes_around(m, lo)) {
    SCOPED_TRACE(describe(w));
    ASSERT_NO_FATAL_FAILURE(apply(l, m, w, ++serial));
    ASSERT_NO_FATAL_FAILURE(expect_reads_match(l, m));
    ASSERT_NO_FATAL_FAILURE(after_each());
  }
}

}  // namespace

// State 1: DEAD but still linked and indexed. Readers use its final chunk;
// then the stopped absorber finishes.
TEST(ChunkListStates, FrozenSlotReads) {
  for_each_stopped_absorb(Stop::frozen, kTargets, [](List& l, Model& m, std::int64_t, Access::Slot* s, auto& p) {
    ASSERT_NO_FATAL_FAILURE(expect_reads_match(l, m));
    EXPECT_TRUE(Access::dead(s));  // reads help nobody
    EXPECT_TRUE(Access::in_chain(l, s));
    ASSERT_NO_FATAL_FAILURE(Access::finish(p));
    EXPECT_FALSE(Access::in_chain(l, s));
    ASSERT_NO_FATAL_FAILURE(kvtest::expect_chunks_match_model(l, m));
    EXPECT_EQ(Access::chain(l).size(), 5u);
  });
}

// State 1, then one write: a write whose key falls in the frozen range helps
// absorb the slot first; then the stopped absorber resumes (its CAS fails
// when pred changed, and it absorbs or finds the job done).
TEST(ChunkListStates, FrozenSlotWrites) {
  for (std::int64_t lo : kTargets) {
    Model base;
    {
      List l(kB);
      ASSERT_NO_FATAL_FAILURE(build(l, base));
    }
    for (const Write& w : writes_around(base, lo)) {
      SCOPED_TRACE(describe(w));
      for_each_stopped_absorb(Stop::frozen, {lo}, [&w, lo](List& l, Model& m, std::int64_t, Access::Slot* s, auto& p) {
        ASSERT_NO_FATAL_FAILURE(apply(l, m, w, 1000 + w.key));
        if (w.key >= lo && w.key < range_end(lo)) {  // it needed the range: helped
          EXPECT_FALSE(Access::in_chain(l, s));
          EXPECT_FALSE(Access::indexed(l, s));
        }
        ASSERT_NO_FATAL_FAILURE(expect_reads_match(l, m));
        ASSERT_NO_FATAL_FAILURE(Access::finish(p));
        EXPECT_FALSE(Access::in_chain(l, s));
        ASSERT_NO_FATAL_FAILURE(kvtest::expect_chunks_match_model(l, m));
        ASSERT_NO_FATAL_FAILURE(apply(l, m, {Write::insert, lo + 2}, 7));  // the list goes on
        ASSERT_NO_FATAL_FAILURE(kvtest::expect_chunks_match_model(l, m));
      });
    }
  }
}

// State 2: absorbed (out of the chain), index entry not yet erased (the
// absorber stopped after its CAS, or the OOM path kept the slot). Reads, then
// every write in and around the range, reads after each; the stale entry
// must be routed around; then the absorber finishes.
TEST(ChunkListStates, AbsorbedStillIndexedReadsAndWrites) {
  for_each_stopped_absorb(Stop::unlinked, kTargets, [](List& l, Model& m, std::int64_t lo, Access::Slot* s, auto& p) {
    ASSERT_FALSE(Access::in_chain(l, s));
    ASSERT_TRUE(Access::indexed(l, s));
    ASSERT_NO_FATAL_FAILURE(expect_reads_match(l, m));
    ASSERT_NO_FATAL_FAILURE(writes_checking_reads(l, m, lo, 5000, [&] {
      ASSERT_TRUE(Access::indexed(l, s));  // only its absorber erases it
    }));
    ASSERT_NO_FATAL_FAILURE(Access::finish(p));
    ASSERT_NO_FATAL_FAILURE(kvtest::expect_chunks_match_model(l, m));
  });
}

// State 2 for good: the absorber's index erase failed (out of memory), so the
// slot is kept with its entry. Reads and writes route around it, the list
// stays well formed, and the list frees the slot when it goes (the ASan
// build's leak check fails otherwise).
TEST(ChunkListStates, KeptSlotRoutedAroundAndFreedWithTheList) {
  for_each_stopped_absorb(Stop::unlinked, kTargets, [](List& l, Model& m, std::int64_t lo, Access::Slot* s, auto& p) {
    ASSERT_NO_FATAL_FAILURE(Access::keep(p));
    ASSERT_TRUE(Access::kept(l, s));
    ASSERT_TRUE(Access::indexed(l, s));
    ASSERT_NE(Access::tail(l), s);
    ASSERT_NO_FATAL_FAILURE(expect_reads_match(l, m));
    ASSERT_NO_FATAL_FAILURE(writes_checking_reads(l, m, lo, 7000));
    ASSERT_NO_FATAL_FAILURE(kvtest::expect_chunks_match_model(l, m));
  });
}

// Both sides of a slot's retirement fail to unindex it (the absorber's erase,
// then the late splitter's, each out of memory): the slot is kept once, not
// linked twice (a loop in kept_, or a double free when the list goes).
TEST(ChunkListStates, SlotKeptByAbsorberAndSplitterIsKeptOnce) {
  for_each_stopped_absorb(Stop::unlinked, kTargets, [](List& l, Model& m, std::int64_t lo, Access::Slot* s, auto& p) {
    ASSERT_NO_FATAL_FAILURE(Access::keep(p));
    Access::keep_again(p);
    ASSERT_EQ(Access::times_kept(l, s), 1);
    ASSERT_NO_FATAL_FAILURE(writes_checking_reads(l, m, lo, 7500));
    ASSERT_NO_FATAL_FAILURE(kvtest::expect_chunks_match_model(l, m));
  });
}

// State 2 with a stale final chunk: absorbed and unindexed, writes change the
// absorbed range, then the entry reappears (a splitter's index insert that
// lost the race with the absorb, before it sees the slot DEAD). A reader
// that trusted the entry would read the slot's final chunk, now wrong.
TEST(ChunkListStates, AbsorbedReindexedReads) {
  for_each_stopped_absorb(Stop::unlinked, kTargets, [](List& l, Model& m, std::int64_t lo, Access::Slot*, auto& p) {
    ASSERT_NO_FATAL_FAILURE(Access::unindex(p));
    std::int64_t serial = 9000;
    for (const Write& w : writes_around(m, lo)) ASSERT_NO_FATAL_FAILURE(apply(l, m, w, ++serial));
    ASSERT_NO_FATAL_FAILURE(Access::reindex(p));
    ASSERT_NO_FATAL_FAILURE(expect_reads_match(l, m));
    ASSERT_NO_FATAL_FAILURE(Access::finish(p));
    ASSERT_NO_FATAL_FAILURE(kvtest::expect_chunks_match_model(l, m));
  });
}

// State 3a: tail_ names the frozen last slot. Appends (keys >= its lo) must
// not use it: they help absorb it, then the stopped absorber resumes.
TEST(ChunkListStates, TailNamesFrozenSlot) {
  for (const Write& w : std::vector<Write>{{Write::insert, 400}, {Write::insert, 305}, {Write::assign, 310},
                                           {Write::erase, 340}, {Write::insert, 300}}) {
    SCOPED_TRACE(describe(w));
    for_each_stopped_absorb(Stop::frozen, {300}, [&w](List& l, Model& m, std::int64_t, Access::Slot* s, auto& p) {
      ASSERT_EQ(Access::tail(l), s);
      ASSERT_NO_FATAL_FAILURE(apply(l, m, w, 77));
      EXPECT_FALSE(Access::in_chain(l, s));
      EXPECT_NE(Access::tail(l), s);
      ASSERT_NO_FATAL_FAILURE(expect_reads_match(l, m));
      ASSERT_NO_FATAL_FAILURE(Access::finish(p));
      ASSERT_NO_FATAL_FAILURE(kvtest::expect_chunks_match_model(l, m));
      for (std::int64_t k = 401; k < 420; ++k) ASSERT_NO_FATAL_FAILURE(apply(l, m, {Write::insert, k}, k));
      ASSERT_NO_FATAL_FAILURE(kvtest::expect_chunks_match_model(l, m));
    });
  }
}

// State 3b: the last slot absorbed, tail_ not yet cleared (and its index
// entry not yet erased). Its final chunk still says right == null, so only
// the DEAD bit stops an append from writing into the unlinked slot.
TEST(ChunkListStates, TailNamesAbsorbedSlot) {
  for_each_stopped_absorb(Stop::unlinked, {300}, [](List& l, Model& m, std::int64_t, Access::Slot* s, auto& p) {
    ASSERT_EQ(Access::tail(l), s);
    ASSERT_NO_FATAL_FAILURE(expect_reads_match(l, m));
    std::int64_t serial = 0;
    for (std::int64_t k : {400, 401, 305, 300, 402, 403, 404, 405, 406, 407, 408}) {
      ASSERT_NO_FATAL_FAILURE(apply(l, m, {Write::insert, k}, ++serial));
      ASSERT_NO_FATAL_FAILURE(expect_reads_match(l, m));
    }
    ASSERT_NO_FATAL_FAILURE(apply(l, m, {Write::erase, 340}, 0));
    ASSERT_NO_FATAL_FAILURE(apply(l, m, {Write::assign, 310}, 99));
    ASSERT_NO_FATAL_FAILURE(expect_reads_match(l, m));
    ASSERT_NO_FATAL_FAILURE(Access::finish(p));
    EXPECT_NE(Access::tail(l), s);
    ASSERT_NO_FATAL_FAILURE(kvtest::expect_chunks_match_model(l, m));
  });
}

// ---- the directory ------------------------------------------------------------

// A directory that misses slots is allowed only when the misses are counted
// as changes since it was built (then a rebuild is due); the checker rejects
// one left stale without the count, and reads through either stay exact (it
// is a shortcut: searches walk right from where it leads).
TEST(ChunkListDirectory, LeftStaleWithoutItsCountFailsTheCheck) {
  List l(kB);
  Model m;
  ASSERT_NO_FATAL_FAILURE(build(l, m));
  ASSERT_TRUE(l.well_formed());
  Access::Entries all = Access::fresh_entries(l);
  ASSERT_EQ(all.size(), 5u);
  Access::Entries stale(all.begin(), all.begin() + 2);  // slots 180, 240, 300 missing
  Access::publish(l, stale, 0);
  EXPECT_FALSE(l.well_formed());
  ASSERT_NO_FATAL_FAILURE(expect_reads_match(l, m));
  Access::publish(l, stale, 3);
  EXPECT_TRUE(l.well_formed());
  Access::publish(l, {}, 4);  // an empty one (everything from the head) missing 5
  EXPECT_FALSE(l.well_formed());
  ASSERT_NO_FATAL_FAILURE(expect_reads_match(l, m));
  Access::rebuild(l);
  EXPECT_TRUE(l.well_formed());
  ASSERT_NO_FATAL_FAILURE(writes_checking_reads(l, m, 180, 9000, [&] { ASSERT_TRUE(l.well_formed()); }));
}

// Entries out of order, with a hint that is not their slot's, or naming a
// slot that is neither in the chain nor parked nor kept (it could be freed)
// fail the check.
TEST(ChunkListDirectory, WrongEntriesFailTheCheck) {
  List l(kB);
  Model m;
  ASSERT_NO_FATAL_FAILURE(build(l, m));
  const Access::Entries all = Access::fresh_entries(l);
  Access::Entries swapped = all;
  std::swap(swapped[1], swapped[2]);
  Access::publish(l, swapped, 5);
  EXPECT_FALSE(l.well_formed());
  Access::Entries wrong_hint = all;
  wrong_hint[3].first.word += 1;
  Access::publish(l, wrong_hint, 5);
  EXPECT_FALSE(l.well_formed());
  auto foreign = Access::foreign_slot(90);
  Access::Entries with_foreign = all;
  with_foreign.insert(with_foreign.begin() + 1, {kv::OrderHint{90, 0}, foreign.get()});
  Access::publish(l, with_foreign, 5);
  EXPECT_FALSE(l.well_formed());
  Access::publish(l, all, 0);
  EXPECT_TRUE(l.well_formed());
  ASSERT_NO_FATAL_FAILURE(expect_reads_match(l, m));
}

// An absorbed slot released while the directory still names it is parked,
// not freed: reads that the directory sends to it see DEAD and start from
// the entry before it; the next rebuild drops it from the directory and
// retires it (never rebuilt: the list frees it; the ASan build's leak check).
TEST(ChunkListDirectory, ParkedSlotStillNamedReadsAndWrites) {
  for (const bool rebuild : {true, false}) {
    SCOPED_TRACE(rebuild ? "rebuilt" : "freed with the list");
    for_each_stopped_absorb(Stop::unlinked, kTargets, [&](List& l, Model& m, std::int64_t lo, Access::Slot* s, auto& p) {
      ASSERT_NO_FATAL_FAILURE(Access::finish_parked(p));
      ASSERT_TRUE(Access::parked(l, s));
      ASSERT_TRUE(Access::named(l, s));
      ASSERT_TRUE(l.well_formed());
      ASSERT_NO_FATAL_FAILURE(expect_reads_match(l, m));
      if (!rebuild) return;
      Access::rebuild(l);
      ASSERT_FALSE(Access::named(l, s));
      ASSERT_TRUE(l.well_formed());
      ASSERT_NO_FATAL_FAILURE(expect_reads_match(l, m));
      ASSERT_NO_FATAL_FAILURE(writes_checking_reads(l, m, lo, 11000));
      ASSERT_NO_FATAL_FAILURE(kvtest::expect_chunks_match_model(l, m));
    });
  }
}
