// Core functions: what a support question needs to know, answerable in SQL.
//
//   kohakuvault_version()  -> TEXT, e.g. '0.1.0'
//   kohakuvault_debug()    -> TEXT, one 'key: value' per line: version, build
//                             type, SQLite compiled against / running in, and
//                             the library versions linked in, kvindex's
//                             load counters (kvindex/counters.hpp).
#include <string>

#include "common/build_info.hpp"
#include "vector/distance.hpp"
#include "common/firewall.hpp"
#include "kohakuvault.h"
#include "kvindex/counters.hpp"
#include "common/registry.hpp"

namespace kvx {
namespace {

void kohakuvault_version(sqlite3_context* ctx, int, sqlite3_value**) {
  sqlite3_result_text(ctx, KV_VERSION, -1, SQLITE_STATIC);
}

std::string debug_text() {
  std::string s;
  s += "version: " KV_VERSION "\n";
#ifdef NDEBUG
  s += "build: release\n";
#else
  s += "build: debug\n";
#endif
#ifdef SQLITE_CORE
  s += "linkage: static (SQLITE_CORE)\n";
#else
  s += "linkage: loadable module\n";
#endif
  s += "sqlite_compiled: " SQLITE_VERSION "\n";
  s += std::string("sqlite_running: ") + sqlite3_libversion() + "\n";
  s += kv::library_versions();
  s += std::string("knn_kernel: ") + kv::vector::path_name(kv::vector::active_path()) + "\n";
  s += kvindex::counters_text();
  return s;
}

void kohakuvault_debug(sqlite3_context* ctx, int, sqlite3_value**) {
  guard_function(ctx, [&] {
    std::string s = debug_text();
    sqlite3_result_text(ctx, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
  });
}

constexpr FunctionSpec kCoreFunctions[] = {
    {"kohakuvault_version", 0, kPure, false, kohakuvault_version, nullptr},
    // Not deterministic: the running SQLite version can differ between loads.
    {"kohakuvault_debug", 0, SQLITE_UTF8 | SQLITE_INNOCUOUS, false, kohakuvault_debug, nullptr},
};

}  // namespace

int register_core_functions(sqlite3* db, char** err) { return register_functions(db, kCoreFunctions, err); }

}  // namespace kvx
