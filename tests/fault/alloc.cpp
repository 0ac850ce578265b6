// Out-of-memory injection. Two routes into one countdown (inject.hpp):
//   - SQLite's allocator: SQLITE_CONFIG_MALLOC with methods that wrap the
//     default ones and return NULL when the countdown says so;
//   - C++ allocations: the global operator new/new[] (every variant) are
//     replaced by tests/common/global_new.cpp, whose hook asks the same
//     countdown, so the engine's containers, the JSON and codec libraries fail too.
#include <sqlite3.h>

#include <cstdlib>
#include <new>

#include "global_new.hpp"
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

bool kvtest::allocation_should_fail() noexcept { return kvfault::should_fail(kvfault::Kind::oom); }
