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

#include <cstdint>

namespace kv {

struct OrderHint {
  std::uint64_t word = 0;  // meaning defined by the key order
  std::uint8_t cls = 0;    // key class (e.g. SQL storage class)
};

inline constexpr int kHintUndecided = 2;

}  // namespace kv
