// The replaced global allocation functions (alloc_hooks.hpp).
#include "alloc_hooks.hpp"

#include <cstdlib>
#include <new>

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

void* plain(std::size_t n) noexcept {
  if (fail_now()) return nullptr;
  return std::malloc(n ? n : 1);
}

void* aligned(std::size_t n, std::align_val_t al) noexcept {
  if (fail_now()) return nullptr;
  std::size_t a = static_cast<std::size_t>(al);
  if (a < sizeof(void*)) a = sizeof(void*);
  void* p = nullptr;
  return posix_memalign(&p, a, n ? n : 1) == 0 ? p : nullptr;
}

}  // namespace
}  // namespace kvtest

// GCC cannot see that these are malloc/free pairs.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t n) {
  if (void* p = kvtest::plain(n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
  if (void* p = kvtest::plain(n)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return kvtest::plain(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return kvtest::plain(n); }
void* operator new(std::size_t n, std::align_val_t al) {
  if (void* p = kvtest::aligned(n, al)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n, std::align_val_t al) {
  if (void* p = kvtest::aligned(n, al)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, std::align_val_t al, const std::nothrow_t&) noexcept {
  return kvtest::aligned(n, al);
}
void* operator new[](std::size_t n, std::align_val_t al, const std::nothrow_t&) noexcept {
  return kvtest::aligned(n, al);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
#pragma GCC diagnostic pop
