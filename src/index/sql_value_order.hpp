// SQLite's ordering of values, over kv::Value / kv::ValueView, with no SQLite
// types. This is the order of a column with no affinity and BINARY collation:
//
//   NULL  <  numbers (INTEGER and REAL interleaved by numeric value)
//         <  TEXT (memcmp of the UTF-8 bytes, shorter prefix first)
//         <  BLOB (memcmp, shorter prefix first)
//
// INTEGER vs REAL compares exactly, without converting the integer to double:
// 2 == 2.0, and 9007199254740993 > 9007199254740992.0 even though both round
// to the same double. Kind::json orders as TEXT. A NaN REAL (SQLite never
// stores one; it becomes NULL) orders below every other number so the order
// stays a strict weak ordering.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "common/value.hpp"
#include "index/order_hint.hpp"

namespace kv {

// <0, 0, >0 as a is before, equal to, after b. Two integers compare inline
// (forced: a tree search makes ~15 comparisons, and an outlined call cost
// more than the comparison); anything else calls the slow path.
int sql_compare_slow(const ValueView& a, const ValueView& b) noexcept;
int sql_compare_slow(const Value& a, const Value& b) noexcept;
[[gnu::always_inline]] inline int sql_compare(const ValueView& a, const ValueView& b) noexcept {
  if (a.kind == Kind::integer && b.kind == Kind::integer) return a.i < b.i ? -1 : (a.i > b.i ? 1 : 0);
  return sql_compare_slow(a, b);
}
[[gnu::always_inline]] inline int sql_compare(const Value& a, const Value& b) noexcept {
  if (a.kind == Kind::integer && b.kind == Kind::integer) return a.i < b.i ? -1 : (a.i > b.i ? 1 : 0);
  return sql_compare_slow(a, b);
}

// Exact comparison of an integer with a double (-1, 0, 1); NaN is below all.
int compare_int_real(std::int64_t i, double r) noexcept;

// Strict weak "less" for ordered containers keyed by kv::Value.
struct SqlLess {
  bool operator()(const Value& a, const Value& b) const noexcept { return sql_compare(a, b) < 0; }
  bool operator()(const ValueView& a, const ValueView& b) const noexcept { return sql_compare(a, b) < 0; }

  // Order hints (order_hint.hpp), so the skip list compares most keys in its
  // node header. cls: 0 NULL, 1 INTEGER (word = the integer), 2 REAL (word =
  // the double mapped to an unsigned integer of the same order: NaN lowest,
  // -0.0 as 0.0), 3 TEXT/JSON, 4 BLOB (word = the first 8 bytes, big-endian,
  // zero-padded). Decided: different storage classes, two integers, two
  // reals, and text/blob whose first 8 bytes differ; undecided: INTEGER vs
  // REAL and equal 8-byte prefixes.
  static OrderHint hint(const Value& v) noexcept {
    switch (v.kind) {
      case Kind::null: return {0, 0};
      case Kind::integer: return {static_cast<std::uint64_t>(v.i), 1};
      case Kind::real: return {std::isnan(v.r) ? 0 : double_rank(v.r), 2};
      case Kind::text:
      case Kind::json:
      case Kind::blob: return {prefix_rank(v.bytes), static_cast<std::uint8_t>(v.kind == Kind::blob ? 4 : 3)};
    }
    return {0, 0};
  }
  static int three_way(const Value& a, const Value& b) noexcept { return sql_compare(a, b); }
  static int compare_hints(OrderHint a, OrderHint b) noexcept {
    if (a.cls == b.cls) {
      if (a.cls == 1) {
        const auto x = static_cast<std::int64_t>(a.word), y = static_cast<std::int64_t>(b.word);
        return x < y ? -1 : (x > y ? 1 : 0);
      }
      if (a.word != b.word) return a.word < b.word ? -1 : 1;
      return a.cls >= 3 ? kHintUndecided : 0;  // NULLs and reals are decided by the word
    }
    static constexpr std::uint8_t kRank[5] = {0, 1, 1, 2, 3};
    if (kRank[a.cls] != kRank[b.cls]) return kRank[a.cls] < kRank[b.cls] ? -1 : 1;
    return kHintUndecided;  // INTEGER vs REAL
  }

  // Order words (order_word.hpp), the CSB+-tree's search arrays. Bits 63..62:
  // storage class (0 NULL, 1 number, 2 TEXT/JSON, 3 BLOB); bits 61..1: the
  // rank within the class with its 3 lowest bits dropped — for a number, its
  // double in double_rank's order (an INTEGER rounds to the nearest double:
  // rounding is monotone, so INTEGER and REAL stay interleaved, and integers
  // beyond 2^53 that share a double tie), for TEXT/BLOB prefix_rank. Bit 0
  // (exact): NULL, and a number equal to its double whose 3 dropped bits are
  // zero (every integer of magnitude below 2^50, and reals like 0.5 or 1e6):
  // an equivalent key (2 and 2.0) has the same double, so the same word.
  // TEXT and BLOB are never exact (a word cannot tell "a" from "a\0").
  // (An INTEGER's word inline: a tree search computes one per lookup.)
  [[gnu::always_inline]] static std::uint64_t order_word(const Value& v) noexcept {
    if (v.kind == Kind::integer) return integer_word(v.i);
    return order_word_other(v);
  }
  static std::uint64_t integer_word(std::int64_t i) noexcept {
    const double d = static_cast<double>(i);
    return number_word(d, d < 9223372036854775808.0 && static_cast<std::int64_t>(d) == i);
  }
  [[gnu::noinline]] static std::uint64_t order_word_other(const Value& v) noexcept {
    constexpr int kClassShift = 62;
    switch (v.kind) {
      case Kind::null: return 1;
      case Kind::integer: return integer_word(v.i);
      case Kind::real: return std::isnan(v.r) ? std::uint64_t{1} << kClassShift : number_word(v.r, true);
      case Kind::text:
      case Kind::json: return (std::uint64_t{2} << kClassShift) | ((prefix_rank(v.bytes) >> 3) << 1);
      case Kind::blob: return (std::uint64_t{3} << kClassShift) | ((prefix_rank(v.bytes) >> 3) << 1);
    }
    return 1;
  }

  // A non-NaN double as an unsigned integer of the same order (-0.0 as 0.0).
  static std::uint64_t double_rank(double d) noexcept {
    const auto bits = std::bit_cast<std::uint64_t>(d == 0 ? 0.0 : d);
    return (bits >> 63) ? ~bits : bits | (std::uint64_t{1} << 63);
  }
  // The first 8 bytes, big-endian, zero-padded: memcmp's order, weakly.
  static std::uint64_t prefix_rank(std::string_view bytes) noexcept {
    unsigned char b[8] = {};
    std::memcpy(b, bytes.data(), bytes.size() < 8 ? bytes.size() : 8);
    std::uint64_t w = 0;
    for (unsigned char c : b) w = (w << 8) | c;
    return w;
  }

 private:
  // A number's word from its double d (not NaN); equal: the number is d exactly.
  static std::uint64_t number_word(double d, bool equal) noexcept {
    const bool exact = equal && (std::bit_cast<std::uint64_t>(d) & 7) == 0;
    return (std::uint64_t{1} << 62) | ((double_rank(d) >> 3) << 1) | (exact ? 1 : 0);
  }
};

// A short human-readable rendering of a value for error messages
// (integers and reals as numbers, text quoted, blobs as X'..', long ones cut).
std::string describe_value(const ValueView& v);

}  // namespace kv
