// Reach: what loading kohakuvault costs a connection, and the per-call
// overhead of a kohakuvault function, each next to plain SQLite doing the
// same job in the same run. Matters for hosts that load the extension on
// every connection (Go's SQLiteDriver{Extensions}, connection pools).
//
//   open+close            sqlite3_open(":memory:") + close          (both sides)
//   open+register+close   ... + sqlite3_kohakuvault_init (static library,
//                         what sqlite3_auto_extension does)
//   open+load_extension   ... + sqlite3_load_extension(kohakuvault.so)
//                         (module path: $KV_MODULE or <build>/kohakuvault),
//                         alone and with another connection keeping it loaded
//   scalar call           step "select kohakuvault_version()" vs "select sqlite_version()"
//
// Prints a table: ns per operation, ratio = plain / ours (>1: ours faster).
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>

#include "bench_util.hpp"
#include "kohakuvault.h"

namespace {

using kvbench::check;

// Best of 5 runs of `iterations` calls, in ns per call.
double time_ns(int iterations, const std::function<void()>& op) {
  double best = 1e300;
  for (int run = 0; run < 5; ++run) {
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < iterations; ++i) op();
    std::chrono::duration<double, std::nano> elapsed = std::chrono::steady_clock::now() - start;
    best = std::min(best, elapsed.count() / iterations);
  }
  return best;
}

sqlite3* open_memory() {
  sqlite3* db = nullptr;
  check(sqlite3_open(":memory:", &db), db, "open");
  return db;
}

std::string module_path() {
  if (const char* env = std::getenv("KV_MODULE")) return env;
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) return "./build/kohakuvault";
  std::string dir(exe, static_cast<size_t>(n));
  dir = dir.substr(0, dir.rfind('/'));                    // <build>/bench
  return dir.substr(0, dir.rfind('/')) + "/kohakuvault";  // <build>/kohakuvault
}

double step_ns(sqlite3* db, const char* sql, int iterations) {
  sqlite3_stmt* stmt = nullptr;
  check(sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr), db, sql);
  double ns = time_ns(iterations, [&] {
    check(sqlite3_step(stmt), db, sql);
    sqlite3_reset(stmt);
  });
  sqlite3_finalize(stmt);
  return ns;
}

void row(const char* workload, double plain, double ours) {
  std::printf("| %-34s | %12.0f | %12.0f | %6.2f |\n", workload, plain, ours, plain / ours);
}

}  // namespace

int main() {
  const std::string module = module_path();
  const int opens = 2000;

  double plain_open = time_ns(opens, [] { sqlite3_close(open_memory()); });
  double registered = time_ns(opens, [] {
    sqlite3* db = open_memory();
    char* err = nullptr;
    check(sqlite3_kohakuvault_init(db, &err, nullptr), db, "sqlite3_kohakuvault_init");
    sqlite3_close(db);
  });
  double loaded = time_ns(opens, [&] {
    sqlite3* db = open_memory();
    sqlite3_enable_load_extension(db, 1);
    char* err = nullptr;
    if (sqlite3_load_extension(db, module.c_str(), nullptr, &err) != SQLITE_OK) {
      std::fprintf(stderr, "load %s: %s\n", module.c_str(), err ? err : "?");
      std::exit(1);
    }
    sqlite3_close(db);
  });

  // SQLite dlclose()s the module when the connection that loaded it closes, so
  // the row above maps and relocates it every time. With another connection
  // keeping it loaded, a load costs about what registration costs.
  sqlite3* keeper = open_memory();
  sqlite3_enable_load_extension(keeper, 1);
  check(sqlite3_load_extension(keeper, module.c_str(), nullptr, nullptr), keeper, "load");
  double loaded_kept = time_ns(opens, [&] {
    sqlite3* db = open_memory();
    sqlite3_enable_load_extension(db, 1);
    check(sqlite3_load_extension(db, module.c_str(), nullptr, nullptr), db, "load");
    sqlite3_close(db);
  });
  sqlite3_close(keeper);

  sqlite3* db = open_memory();
  char* err = nullptr;
  check(sqlite3_kohakuvault_init(db, &err, nullptr), db, "init");
  const int calls = 200000;
  double plain_call = step_ns(db, "select sqlite_version()", calls);
  double our_call = step_ns(db, "select kohakuvault_version()", calls);
  sqlite3_close(db);

  std::printf("kohakuvault %s, SQLite %s, module %s.so\n", KOHAKUVAULT_VERSION, sqlite3_libversion(),
              module.c_str());
  std::printf("| %-34s | %12s | %12s | %6s |\n", "workload (ns per op)", "plain SQLite", "kohakuvault",
              "ratio");
  std::printf("|%s|%s|%s|%s|\n", std::string(36, '-').c_str(), std::string(14, '-').c_str(),
              std::string(14, '-').c_str(), std::string(8, '-').c_str());
  row("open+close vs open+register+close", plain_open, registered);
  row("open+close vs open+load_extension", plain_open, loaded);
  row("  same, module kept loaded", plain_open, loaded_kept);
  row("scalar call (version function)", plain_call, our_call);
  return 0;
}
