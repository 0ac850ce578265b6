// Output size limits: the SQL glue passes the connection's SQLITE_LIMIT_LENGTH
// down, and producers check count x size against it BEFORE allocating, so a
// request such as kv_pack('bytes:1000000000', x'00') fails at once instead of
// building a gigabyte that SQLite then refuses.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>

#include "common/error.hpp"

namespace kv {

constexpr std::size_t kNoOutputLimit = std::numeric_limits<std::size_t>::max();

// The message of an output over the length limit.
inline std::string output_too_big_message(const std::string& what, std::uint64_t bytes, std::uint64_t limit) {
  return what + " would be " + std::to_string(bytes) + " bytes, over the connection's length limit of " +
         std::to_string(limit) + " bytes (SQLITE_LIMIT_LENGTH)";
}

// Errc::too_big when an output of `bytes` bytes would exceed `limit`.
inline void require_output_room(const std::string& what, std::uint64_t bytes, std::uint64_t limit) {
  if (bytes > limit) fail(Errc::too_big, output_too_big_message(what, bytes, limit));
}

}  // namespace kv
