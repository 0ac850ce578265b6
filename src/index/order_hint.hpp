// OrderHint: a fixed-size summary of a key that decides most comparisons
// without reading the key itself. A container stores it next to its links
// (the skip list: in the node header, beside the tower), so a search compares
// keys on the cache line it already reads for the links.
//
// A key order that offers hints (e.g. kv::SqlLess) provides
//   static OrderHint hint(const Key&) noexcept;
//   static int compare_hints(OrderHint a, OrderHint b) noexcept;
// compare_hints returns -1, 0 or 1 when the hints decide how the keys compare
// (a before, equivalent to, after b) and kHintUndecided otherwise; then the
// container compares the keys themselves.
#pragma once

#include <concepts>
#include <cstdint>
#include <functional>
#include <type_traits>

namespace kv {

struct OrderHint {
  std::uint64_t word = 0;  // meaning defined by the key order
  std::uint8_t cls = 0;    // key class (e.g. SQL storage class)
};

inline constexpr int kHintUndecided = 2;

// A key order with hints: the Compare's own (kv::SqlLess), exact ones for
// integral keys under std::less, none otherwise (every comparison reads keys).
template <class Key, class Compare>
struct HintedOrder {
  static constexpr bool kCompareHints = requires(const Key& k, OrderHint a) {
    { Compare::hint(k) } -> std::same_as<OrderHint>;
    { Compare::compare_hints(a, a) } -> std::same_as<int>;
  };
  static constexpr bool kThreeWay = requires(const Key& k) {
    { Compare::three_way(k, k) } -> std::convertible_to<int>;
  };
  static constexpr bool kIntegralKey = std::is_integral_v<Key> && std::is_same_v<Compare, std::less<Key>>;

  static OrderHint hint(const Key& k) noexcept {
    if constexpr (kCompareHints) {
      return Compare::hint(k);
    } else if constexpr (kIntegralKey) {
      return {static_cast<std::uint64_t>(k), 0};
    } else {
      return {};
    }
  }
  // -1, 0, 1 as a is before, equivalent to, after b. `b_key` is called only
  // when the hints do not decide (so the caller's key memory is not touched).
  template <class KeyOf>
  static int compare(const Compare& cmp, const Key& a, OrderHint ha, OrderHint hb, KeyOf&& b_key) {
    if constexpr (kCompareHints) {
      const int c = Compare::compare_hints(ha, hb);
      if (c != kHintUndecided) return c;
    } else if constexpr (kIntegralKey) {
      const Key x = static_cast<Key>(ha.word), y = static_cast<Key>(hb.word);
      return x < y ? -1 : (y < x ? 1 : 0);
    }
    const Key& b = b_key();
    if constexpr (kThreeWay) {
      const int c = Compare::three_way(a, b);
      return c < 0 ? -1 : (c > 0 ? 1 : 0);
    } else {
      return cmp(a, b) ? -1 : (cmp(b, a) ? 1 : 0);
    }
  }
};

}  // namespace kv
