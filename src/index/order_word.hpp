// Order words: one 64-bit summary per key that an ordered container keeps in
// a dense array and searches with plain unsigned comparisons, reading the keys
// themselves only where words tie (kv::CsbTree's nodes and leaves). Unlike an
// OrderHint (order_hint.hpp: a word AND a class byte, compared by the key
// order's compare_hints), a word compares as one unsigned integer, so a search
// over a node is a branch-free binary search over 8-byte slots, eight to a
// cache line.
//
// A key order offers words with
//   static std::uint64_t order_word(const Key&) noexcept;
// A word is a rank (bits 63..1) and an exact flag (bit 0) such that for all
// keys a, b:
//   (1) a before or equivalent to b  implies  rank(a) <= rank(b);
//       so rank(a) < rank(b) implies a before b, and equivalent keys have
//       equal ranks;
//   (2) rank(a) == rank(b) with both exact flags set implies a equivalent to b;
//   (3) equivalent keys have equal words (flag included): a stored key may be
//       replaced by an equivalent one (kvindex's REPLACE of 2 by 2.0) without
//       its word changing.
// Keys whose ranks tie and that are not both exact are compared in full.
// kv::SqlLess offers words (sql_value_order.hpp). Integral keys under
// std::less get bijective words (the key mapped to unsigned in the same order:
// all 64 bits are rank and every tie is an equal key). Any other order has no
// words (kHas false): a search compares keys only.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <type_traits>

namespace kv {

template <class Key, class Compare>
struct OrderWords {
  static constexpr bool kFromCompare = requires(const Key& k) {
    { Compare::order_word(k) } -> std::same_as<std::uint64_t>;
  };
  static constexpr bool kIntegral =
      std::is_integral_v<Key> && sizeof(Key) <= 8 && std::is_same_v<Compare, std::less<Key>>;
  static constexpr bool kHas = kFromCompare || kIntegral;
  // The whole word is rank, and equal words mean equal keys.
  static constexpr bool kBijective = !kFromCompare && kIntegral;

  static std::uint64_t of(const Key& k) noexcept {
    if constexpr (kFromCompare) {
      return Compare::order_word(k);
    } else if constexpr (kIntegral) {
      if constexpr (std::is_signed_v<Key>)
        return static_cast<std::uint64_t>(static_cast<std::int64_t>(k)) ^ (std::uint64_t{1} << 63);
      else
        return static_cast<std::uint64_t>(k);
    } else {
      return 0;
    }
  }
  // For a key with word w: a word x has a lower rank iff x < tie_low(w), a
  // higher one iff x > tie_high(w); in between the ranks tie.
  static constexpr std::uint64_t tie_low(std::uint64_t w) noexcept {
    return kBijective ? w : w & ~std::uint64_t{1};
  }
  static constexpr std::uint64_t tie_high(std::uint64_t w) noexcept { return kBijective ? w : w | 1; }
  // Two tying words that settle the keys as equivalent.
  static constexpr bool exact_tie(std::uint64_t a, std::uint64_t b) noexcept {
    return kBijective || (a & b & 1);
  }
  static constexpr std::uint64_t rank(std::uint64_t w) noexcept { return kBijective ? w : w >> 1; }
};

// The number of leading words of w[0, n) below x, when those form a prefix
// (words nondecreasing in rank, x = a tie_low()). A binary search without a
// data-dependent branch: the compiler turns the step into a conditional move,
// so a probe costs no misprediction, only its load.
[[gnu::always_inline]] inline std::size_t count_below(const std::uint64_t* w, std::size_t n,
                                                      std::uint64_t x) noexcept {
  if (n == 0) return 0;
  const std::uint64_t* base = w;
  while (n > 1) {
    const std::size_t half = n / 2;
    base = base[half] < x ? base + half : base;
    n -= half;
  }
  return static_cast<std::size_t>(base - w) + (*base < x ? 1 : 0);
}

}  // namespace kv
