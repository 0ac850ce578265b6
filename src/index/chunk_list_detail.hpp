// Building blocks of kv::ChunkedSkipList (chunk_list.hpp): how two keys
// compare through their order hints (order_hint.hpp), and the immutable
// sorted Chunk with its allocation. Nothing here is shared between threads by
// itself; chunk_list.hpp documents the protocols.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <new>
#include <type_traits>

#include "index/order_hint.hpp"

namespace kv::chunk_list_detail {

// How keys compare through their hints: kv::HintedOrder (order_hint.hpp).
template <class Key, class Compare>
using HintedOrder = kv::HintedOrder<Key, Compare>;

// An immutable sorted run of entries once published. One allocation:
//
//   header (32 bytes): count, capacity, right (next slot), hi fence hint
//   words[cap]    8-byte hint words      (a binary search reads 1-4 lines)
//   entries[cap]  Entry* in key order
//   cls[cap]      hint classes
//
// hi (the exclusive upper bound of the chunk's range) is right's lo key;
// its hint is copied here so most fence checks read no other line.
template <class Entry, class Slot>
struct Chunk {
  std::uint32_t count = 0;
  std::uint32_t cap = 0;
  Slot* right = nullptr;  // next slot in key order; nullptr: hi is +infinity
  std::uint64_t hi_word = 0;
  std::uint8_t hi_cls = 0;

  std::uint64_t* words() { return reinterpret_cast<std::uint64_t*>(this + 1); }
  const std::uint64_t* words() const { return reinterpret_cast<const std::uint64_t*>(this + 1); }
  Entry** entries() { return reinterpret_cast<Entry**>(words() + cap); }
  Entry* const* entries() const { return reinterpret_cast<Entry* const*>(words() + cap); }
  std::uint8_t* cls() { return reinterpret_cast<std::uint8_t*>(entries() + cap); }
  const std::uint8_t* cls() const { return reinterpret_cast<const std::uint8_t*>(entries() + cap); }
  OrderHint hint(std::uint32_t i) const { return {words()[i], cls()[i]}; }
  OrderHint hi_hint() const { return {hi_word, hi_cls}; }

  // Uninitialised arrays of `cap` items, count 0 (throws std::bad_alloc).
  static Chunk* make(std::uint32_t cap, Slot* right, OrderHint hi) {
    void* mem = ::operator new(sizeof(Chunk) + std::size_t{cap} * (sizeof(std::uint64_t) + sizeof(Entry*) + 1));
    auto* c = ::new (mem) Chunk();
    c->cap = cap;
    c->right = right;
    c->hi_word = hi.word;
    c->hi_cls = hi.cls;
    return c;
  }
  void push(Entry* e, OrderHint h) {
    words()[count] = h.word;
    cls()[count] = h.cls;
    entries()[count] = e;
    ++count;
  }
  void push_from(const Chunk* src, std::uint32_t i) {
    words()[count] = src->words()[i];
    cls()[count] = src->cls()[i];
    entries()[count] = src->entries()[i];
    ++count;
  }
  void push_range(const Chunk* src, std::uint32_t from, std::uint32_t to) {
    if (from >= to) return;
    const std::size_t n = to - from;
    std::memcpy(words() + count, src->words() + from, n * sizeof(std::uint64_t));
    std::memcpy(entries() + count, src->entries() + from, n * sizeof(Entry*));
    std::memcpy(cls() + count, src->cls() + from, n);
    count += static_cast<std::uint32_t>(n);
  }
};

}  // namespace kv::chunk_list_detail
