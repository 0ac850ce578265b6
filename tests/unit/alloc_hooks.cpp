// The unit binary's allocation countdown (alloc_hooks.hpp), hooked into the
// replaced operator new (tests/common/global_new.cpp).
#include "alloc_hooks.hpp"

#include "global_new.hpp"

namespace kvtest {

thread_local bool alloc_counting = false;
thread_local std::size_t alloc_count = 0;

namespace {
thread_local bool g_armed = false;
thread_local bool g_persistent = false;
thread_local std::int64_t g_target = 0;
thread_local AllocFailures g_failures;
}  // namespace

void arm_alloc_failure(std::int64_t n, bool persistent) {
  g_failures = {};
  g_target = n;
  g_persistent = persistent;
  g_armed = true;
}

AllocFailures disarm_alloc_failure() {
  g_armed = false;
  return g_failures;
}

namespace {

// True when this allocation must fail.
bool fail_now() {
  if (alloc_counting) ++alloc_count;
  if (!g_armed) return false;
  const std::int64_t n = ++g_failures.seen;
  if (n == g_target || (g_persistent && n > g_target)) {
    ++g_failures.failed;
    return true;
  }
  return false;
}

}  // namespace
}  // namespace kvtest

bool kvtest::allocation_should_fail() noexcept { return fail_now(); }
