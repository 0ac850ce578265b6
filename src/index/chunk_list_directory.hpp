// SlotDirectory: the read-mostly upper level of kv::ChunkedSkipList
// (chunk_list.hpp): an immutable sorted array of (lo hint, Slot*) over the
// list's slots, built from the chain and republished whole (copy-on-write)
// when enough slots came or went since the last build. A search reads a
// small summary that stays cached, then ONE line of hints and one line of
// slot pointers, instead of a skip-list tower per level (a cache miss each).
// Only a shortcut, like the skip-list index: the list checks every slot it
// starts from (DEAD: the entry before it; live: walk right while k >= hi),
// so a stale directory costs speed only. chunk_list.hpp documents when a
// slot named here may be freed (never while a directory that names it can
// still be read).
//
// Layout (one allocation, immutable once published):
//
//   header                 n (entries), cap_blocks (room for blocks), padding to 64 bytes
//   Block[blocks]          64-byte aligned pairs of lines:
//     line 1: words[7] (8-byte hint words) cls[7] (hint classes) 1 spare byte
//     line 2: slots[7] (Slot*) 8 spare bytes
//   summary words[blocks]  the first hint word of each block
//   summary cls[blocks]    the first hint class of each block
//
// Entry j is block j / 7, position j % 7; entries are in strictly
// increasing lo order. A search binary-searches the summary (a few KiB for
// tens of thousands of slots, so its lines stay cached while lookups run),
// then scans the 7 hints of one block: two lines touched outside the summary.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>

#include "index/order_hint.hpp"

namespace kv::chunk_list_detail {

template <class Slot>
class SlotDirectory {
 public:
  static constexpr std::uint32_t kPerBlock = 7;
  static constexpr std::size_t kAlign = 64;

  struct alignas(kAlign) Block {
    std::uint64_t words[kPerBlock];
    std::uint8_t cls[kPerBlock];
    std::uint8_t spare = 0;
    Slot* slots[kPerBlock];
  };
  static_assert(sizeof(Block) == 128, "a block is two cache lines");

  // An empty directory with room for n entries (throws std::bad_alloc).
  static SlotDirectory* make(std::uint32_t n) {
    const std::uint32_t blocks = (n + kPerBlock - 1) / kPerBlock;
    void* mem = ::operator new(bytes(blocks), std::align_val_t{kAlign});
    return ::new (mem) SlotDirectory(blocks);
  }
  static void destroy(const SlotDirectory* d) noexcept {
    if (!d) return;
    ::operator delete(const_cast<SlotDirectory*>(d), std::align_val_t{kAlign});
  }
  static void destroy_erased(void* p) noexcept { destroy(static_cast<const SlotDirectory*>(p)); }

  // Appends the next entry (lo strictly above the previous one's). Building only.
  void push(OrderHint lo, Slot* s) noexcept {
    Block& b = blocks()[n_ / kPerBlock];
    const std::uint32_t j = n_ % kPerBlock;
    b.words[j] = lo.word;
    b.cls[j] = lo.cls;
    b.slots[j] = s;
    if (j == 0) {
      summary_words()[n_ / kPerBlock] = lo.word;
      summary_cls()[n_ / kPerBlock] = lo.cls;
    }
    ++n_;
  }

  std::uint32_t size() const noexcept { return n_; }
  Slot* slot(std::uint32_t j) const noexcept { return blocks()[j / kPerBlock].slots[j % kPerBlock]; }
  OrderHint hint(std::uint32_t j) const noexcept {
    const Block& b = blocks()[j / kPerBlock];
    return {b.words[j % kPerBlock], b.cls[j % kPerBlock]};
  }

  // How many entries lie at or below the key (strict: below it), i.e. the
  // index of the last such entry plus one; 0 when none does. `above(hint,
  // j)` tells whether entry j (with that hint) lies above the searched key
  // (strict: at or above it); it compares hints and reads the slot's lo key
  // only when they do not decide.
  template <class Above>
  std::uint32_t count_at_or_below(Above&& above) const {
    // The first block whose first entry lies above the key.
    std::uint32_t lo = 0, hi = blocks_used();
    const std::uint64_t* sw = summary_words();
    const std::uint8_t* sc = summary_cls();
    while (lo < hi) {
      const std::uint32_t mid = (lo + hi) / 2;
      if (above(OrderHint{sw[mid], sc[mid]}, mid * kPerBlock))
        hi = mid;
      else
        lo = mid + 1;
    }
    if (lo == 0) return 0;
    const std::uint32_t b = lo - 1;  // its first entry is at or below the key
    const Block& blk = blocks()[b];
    __builtin_prefetch(&blk.slots[0]);  // the line the caller reads next
    const std::uint32_t first = b * kPerBlock;
    const std::uint32_t in_block = n_ - first < kPerBlock ? n_ - first : kPerBlock;
    std::uint32_t j = 1;
    while (j < in_block && !above(OrderHint{blk.words[j], blk.cls[j]}, first + j)) ++j;
    return first + j;
  }

 private:
  explicit SlotDirectory(std::uint32_t blocks) : cap_blocks_(blocks) {}

  static std::size_t bytes(std::uint32_t blocks) {
    return sizeof(SlotDirectory) + std::size_t{blocks} * (sizeof(Block) + sizeof(std::uint64_t) + 1);
  }
  std::uint32_t blocks_used() const noexcept { return (n_ + kPerBlock - 1) / kPerBlock; }
  Block* blocks() noexcept { return reinterpret_cast<Block*>(this + 1); }
  const Block* blocks() const noexcept { return reinterpret_cast<const Block*>(this + 1); }
  std::uint64_t* summary_words() noexcept { return reinterpret_cast<std::uint64_t*>(blocks() + cap_blocks_); }
  const std::uint64_t* summary_words() const noexcept {
    return reinterpret_cast<const std::uint64_t*>(blocks() + cap_blocks_);
  }
  std::uint8_t* summary_cls() noexcept { return reinterpret_cast<std::uint8_t*>(summary_words() + cap_blocks_); }
  const std::uint8_t* summary_cls() const noexcept {
    return reinterpret_cast<const std::uint8_t*>(summary_words() + cap_blocks_);
  }

  std::uint32_t n_ = 0;
  std::uint32_t cap_blocks_;
  char pad_[kAlign - 2 * sizeof(std::uint32_t)] = {};  // blocks start on a line
};

}  // namespace kv::chunk_list_detail
