#include "kvault/key_range.hpp"

#include <cstring>

namespace kv::key_range {

int compare(std::string_view a, std::string_view b) noexcept {
  const std::size_t n = a.size() < b.size() ? a.size() : b.size();
  const int c = n ? std::memcmp(a.data(), b.data(), n) : 0;
  if (c != 0) return c;
  return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

std::optional<std::string> prefix_upper_bound(std::string_view prefix) {
  std::string upper(prefix);
  while (!upper.empty() && static_cast<unsigned char>(upper.back()) == 0xFF) upper.pop_back();
  if (upper.empty()) return std::nullopt;
  upper.back() = static_cast<char>(static_cast<unsigned char>(upper.back()) + 1);
  return upper;
}

void Range::at_least(std::string_view key, bool inclusive) {
  if (lower) {
    const int c = compare(key, lower->key);
    if (c < 0 || (c == 0 && (inclusive || !lower->inclusive))) return;  // current bound is as tight
  }
  lower = Bound{std::string(key), inclusive};
}

void Range::at_most(std::string_view key, bool inclusive) {
  if (upper) {
    const int c = compare(key, upper->key);
    if (c > 0 || (c == 0 && (inclusive || !upper->inclusive))) return;
  }
  upper = Bound{std::string(key), inclusive};
}

void Range::with_prefix(std::string_view prefix) {
  at_least(prefix, true);
  if (auto up = prefix_upper_bound(prefix)) at_most(*up, false);
}

bool Range::contains(std::string_view key) const noexcept {
  if (empty) return false;
  if (lower) {
    const int c = compare(key, lower->key);
    if (c < 0 || (c == 0 && !lower->inclusive)) return false;
  }
  if (upper) {
    const int c = compare(key, upper->key);
    if (c > 0 || (c == 0 && !upper->inclusive)) return false;
  }
  return true;
}

bool Range::is_point() const noexcept {
  return lower && upper && lower->inclusive && upper->inclusive && lower->key == upper->key;
}

}  // namespace kv::key_range
