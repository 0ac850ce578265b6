// Byte-wise key ranges for kvault: a key prefix as a half-open range, and the
// bounds a set of comparison constraints leaves.
//
// Keys are byte strings ordered by memcmp (shorter first on a tie), which is
// how SQLite orders BLOBs, so a range answers prefix scans through the
// shadow table's key index. The upper bound of a prefix is the prefix with
// its trailing 0xFF bytes dropped and the last remaining byte incremented:
// "ab\xFF" -> ["ab\xFF", "ac"). A prefix of only 0xFF bytes (or the empty
// prefix) has no upper bound. (KohakuVault increments the last byte and so
// misses keys whose next byte is 0xFF.)
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace kv::key_range {

// A bound on keys: the key itself and whether it is included.
struct Bound {
  std::string key;
  bool inclusive = true;
};

// [lower, upper) style range; nullopt means unbounded on that side.
struct Range {
  std::optional<Bound> lower;
  std::optional<Bound> upper;
  bool empty = false;  // constraints that no key can satisfy

  // Narrows the range to keys >= / > key (keeps the tighter bound).
  void at_least(std::string_view key, bool inclusive);
  // Narrows the range to keys <= / < key.
  void at_most(std::string_view key, bool inclusive);
  // Narrows the range to keys starting with prefix.
  void with_prefix(std::string_view prefix);
  // True when key lies inside the range.
  bool contains(std::string_view key) const noexcept;
  // True when lower and upper are the same key, both inclusive.
  bool is_point() const noexcept;
};

// The smallest key greater than every key starting with prefix, or nullopt
// when there is none (prefix empty or all 0xFF).
std::optional<std::string> prefix_upper_bound(std::string_view prefix);

// Byte-wise comparison as SQLite compares BLOBs: <0, 0, >0.
int compare(std::string_view a, std::string_view b) noexcept;

// True when key starts with prefix.
inline bool has_prefix(std::string_view key, std::string_view prefix) noexcept {
  return key.substr(0, prefix.size()) == prefix;
}

}  // namespace kv::key_range
