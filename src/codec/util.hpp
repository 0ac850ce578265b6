// Small helpers shared by the codec families (not a public contract):
// little-endian loads/stores and the value descriptions used in messages.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "common/value.hpp"

namespace kv::detail {

// Stores v at dst as little-endian bytes.
template <class T>
inline void store_le(char* dst, T v) noexcept {
  if constexpr (std::endian::native == std::endian::big) {
    unsigned char b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    for (std::size_t i = 0; i < sizeof(T); ++i) dst[i] = static_cast<char>(b[sizeof(T) - 1 - i]);
  } else {
    std::memcpy(dst, &v, sizeof(T));
  }
}

// Loads a little-endian T from src.
template <class T>
inline T load_le(const char* src) noexcept {
  T v;
  if constexpr (std::endian::native == std::endian::big) {
    unsigned char b[sizeof(T)];
    for (std::size_t i = 0; i < sizeof(T); ++i) b[i] = static_cast<unsigned char>(src[sizeof(T) - 1 - i]);
    std::memcpy(&v, b, sizeof(T));
  } else {
    std::memcpy(&v, src, sizeof(T));
  }
  return v;
}

// At most ~40 characters of text for an error message ("…" marks a cut,
// never inside a UTF-8 sequence).
std::string truncate_for_message(std::string_view text);

// A value as error messages show it: 300, 1.5, TEXT 'abc', BLOB of 3 bytes, NULL.
std::string describe(const ValueView& v);

// A double as messages show it (shortest round-trip text).
std::string format_double(double d);

}  // namespace kv::detail
