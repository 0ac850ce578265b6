// Out-of-memory injection. Two routes into one countdown (inject.hpp):
//   - SQLite's allocator: SQLITE_CONFIG_MALLOC with methods that wrap the
//     default ones and return NULL when the countdown says so;
//   - C++ allocations: this binary replaces the global operator new/new[]
//     (every variant) with malloc-based ones that throw std::bad_alloc (or
//     return nullptr for the nothrow forms) when the countdown says so, so the
//     engine's containers, the JSON and codec libraries fail too.
// operator delete is replaced to match (free), so ASan sees malloc/free pairs.
#include <sqlite3.h>

#include <cstdlib>
#include <new>

#include "inject.hpp"

namespace {

sqlite3_mem_methods g_default{};

void* fault_malloc(int n) {
  if (kvfault::should_fail(kvfault::Kind::oom)) return nullptr;
  return g_default.xMalloc(n);
}
void* fault_realloc(void* p, int n) {
  if (kvfault::should_fail(kvfault::Kind::oom)) return nullptr;
  return g_default.xRealloc(p, n);
}
void fault_free(void* p) { g_default.xFree(p); }
int fault_size(void* p) { return g_default.xSize(p); }
int fault_roundup(int n) { return g_default.xRoundup(n); }
int fault_init(void* a) { return g_default.xInit(a); }
void fault_shutdown(void* a) { g_default.xShutdown(a); }

void* cxx_alloc(std::size_t n) {
  if (kvfault::should_fail(kvfault::Kind::oom)) return nullptr;
  return std::malloc(n ? n : 1);
}
void* cxx_aligned_alloc(std::size_t n, std::align_val_t al) {
  if (kvfault::should_fail(kvfault::Kind::oom)) return nullptr;
  void* p = nullptr;
  std::size_t a = static_cast<std::size_t>(al);
  if (a < sizeof(void*)) a = sizeof(void*);
  if (posix_memalign(&p, a, n ? n : 1) != 0) return nullptr;
  return p;
}

}  // namespace

namespace kvfault {
void install_allocator() {
  sqlite3_shutdown();
  sqlite3_config(SQLITE_CONFIG_GETMALLOC, &g_default);
  sqlite3_mem_methods m = g_default;
  m.xMalloc = fault_malloc;
  m.xFree = fault_free;
  m.xRealloc = fault_realloc;
  m.xSize = fault_size;
  m.xRoundup = fault_roundup;
  m.xInit = fault_init;
  m.xShutdown = fault_shutdown;
  sqlite3_config(SQLITE_CONFIG_MALLOC, &m);
}
}  // namespace kvfault

void* operator new(std::size_t n) {
  if (void* p = cxx_alloc(n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
  if (void* p = cxx_alloc(n)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return cxx_alloc(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return cxx_alloc(n); }
void* operator new(std::size_t n, std::align_val_t al) {
  if (void* p = cxx_aligned_alloc(n, al)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n, std::align_val_t al) {
  if (void* p = cxx_aligned_alloc(n, al)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, std::align_val_t al, const std::nothrow_t&) noexcept {
  return cxx_aligned_alloc(n, al);
}
void* operator new[](std::size_t n, std::align_val_t al, const std::nothrow_t&) noexcept {
  return cxx_aligned_alloc(n, al);
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
