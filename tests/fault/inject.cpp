// The countdown itself (see inject.hpp). Tests are single-threaded; the
// atomics only keep a stray background thread from tearing the counters.
#include "inject.hpp"

#include <atomic>

namespace kvfault {

namespace {
std::atomic<bool> g_armed{false};
std::atomic<int> g_kind{0};
std::atomic<int64_t> g_target{0};
std::atomic<bool> g_persistent{false};
std::atomic<int64_t> g_calls{0};
std::atomic<int64_t> g_injected{0};
std::atomic<int> g_last_code{0};
std::atomic<int> g_paused{0};
std::atomic<uint64_t> g_code_bits{0};
}  // namespace

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::oom: return "oom";
    case Kind::io: return "ioerr";
    case Kind::full: return "full";
  }
  return "?";
}

void arm(Kind kind, int64_t target, bool persistent) {
  g_kind = static_cast<int>(kind);
  g_target = target;
  g_persistent = persistent;
  g_calls = 0;
  g_injected = 0;
  g_last_code = 0;
  g_code_bits = 0;
  g_armed = true;
}

Counters disarm() {
  g_armed = false;
  return Counters{g_calls.load(), g_injected.load(), g_last_code.load(), g_code_bits.load()};
}

int64_t armed_calls() { return g_calls.load(); }

bool should_fail(Kind kind) {
  if (!g_armed.load(std::memory_order_relaxed) || g_paused.load(std::memory_order_relaxed) > 0 ||
      g_kind.load(std::memory_order_relaxed) != static_cast<int>(kind))
    return false;
  const int64_t n = ++g_calls;
  const int64_t target = g_target.load();
  if (target <= 0) return false;
  if (n == target || (g_persistent.load() && n > target)) {
    ++g_injected;
    return true;
  }
  return false;
}

Pause::Pause() { ++g_paused; }
Pause::~Pause() { --g_paused; }

int code_bit(int code) { return code == 13 /* SQLITE_FULL */ ? 63 : ((code >> 8) % 63); }

void note_io_code(int code) {
  g_last_code = code;
  g_code_bits |= uint64_t{1} << code_bit(code);
}

}  // namespace kvfault
