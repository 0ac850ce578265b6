// kohakuvault — entry point and registration.
//
// sqlite3_kohakuvault_init() is the loadable extension's entry point (SQLite
// derives the name from the file name kohakuvault.so) and, in the static
// library, the function C/C++ programs pass to sqlite3_auto_extension(). It
// registers each component in turn; the first failure stops loading with a
// message naming what could not be registered.
#include "kohakuvault.h"

#include <cstdio>

#include "common/firewall.hpp"
#include "common/registry.hpp"
#include "common/sqlite.hpp"

SQLITE_EXTENSION_INIT1

namespace kvx {

const RuntimeFeatures& runtime_features() {
  static const RuntimeFeatures features = [] {
    RuntimeFeatures f{};
    f.libversion = sqlite3_libversion_number();
    f.result_subtype_flag = f.libversion >= 3045000;
    f.vtab_in = f.libversion >= 3038000;
    f.vtab_rhs_value = f.libversion >= 3038000;
#if SQLITE_VERSION_NUMBER >= 3039000
    f.db_name = f.libversion >= 3039000;
#else
    f.db_name = false;
#endif
    return f;
  }();
  return features;
}

int to_sqlite_code(kv::Errc code) noexcept {
  switch (code) {
    case kv::Errc::invalid_argument: return SQLITE_ERROR;
    case kv::Errc::type_mismatch: return SQLITE_MISMATCH;
    case kv::Errc::out_of_range: return SQLITE_RANGE;
    case kv::Errc::too_big: return SQLITE_TOOBIG;
    case kv::Errc::corrupt: return SQLITE_CORRUPT_VTAB;
    case kv::Errc::constraint: return SQLITE_CONSTRAINT;
    case kv::Errc::not_found: return SQLITE_NOTFOUND;
    case kv::Errc::io: return SQLITE_IOERR;
    case kv::Errc::full: return SQLITE_FULL;
    case kv::Errc::cant_open: return SQLITE_CANTOPEN;
    case kv::Errc::busy: return SQLITE_BUSY;
    case kv::Errc::internal: return SQLITE_INTERNAL;
  }
  return SQLITE_ERROR;
}

char* sqlite_message(const char* message) noexcept {
  try {
    return sqlite3_mprintf("%s", error_message(message).c_str());
  } catch (...) {
    return nullptr;
  }
}

int register_functions(sqlite3* db, std::span<const FunctionSpec> specs, char** err) {
  for (const FunctionSpec& s : specs) {
    int flags = s.flags;
    if (s.returns_json && runtime_features().result_subtype_flag) flags |= SQLITE_RESULT_SUBTYPE;
    int rc = s.final ? sqlite3_create_function_v2(db, s.name, s.nargs, flags, nullptr, nullptr, s.scalar,
                                                  s.final, nullptr)
                     : sqlite3_create_function_v2(db, s.name, s.nargs, flags, nullptr, s.scalar, nullptr,
                                                  nullptr, nullptr);
    if (rc != SQLITE_OK) {
      if (err)
        *err = sqlite3_mprintf("kohakuvault: cannot register function %s/%d: %s", s.name, s.nargs,
                               sqlite3_errstr(rc));
      return rc;
    }
  }
  return SQLITE_OK;
}

int register_module(sqlite3* db, const char* name, const sqlite3_module* module, char** err,
                    void* client_data, void (*destroy)(void*)) {
  int rc = sqlite3_create_module_v2(db, name, module, client_data, destroy);
  if (rc != SQLITE_OK && err)
    *err = sqlite3_mprintf("kohakuvault: cannot register module %s: %s", name, sqlite3_errstr(rc));
  return rc;
}

}  // namespace kvx

extern "C" __attribute__((visibility("default"))) int sqlite3_kohakuvault_init(
    sqlite3* db, char** pzErrMsg, const sqlite3_api_routines* pApi) {
  SQLITE_EXTENSION_INIT2(pApi);
  // Older hosts lack API routines the components call: refuse to load there.
  if (sqlite3_libversion_number() < KOHAKUVAULT_MIN_SQLITE_VERSION_NUMBER) {
    if (pzErrMsg)
      *pzErrMsg = sqlite3_mprintf("kohakuvault: needs SQLite " KOHAKUVAULT_MIN_SQLITE_VERSION
                                  " or newer, this host runs %s",
                                  sqlite3_libversion());
    return SQLITE_ERROR;
  }
  // Already registered on this connection (loaded twice, or an auto-extension
  // plus a load): nothing to do. Registering again would replace functions,
  // which SQLite refuses while a statement runs (SELECT load_extension(...)).
  sqlite3_stmt* probe = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT kohakuvault_version()", -1, &probe, nullptr) == SQLITE_OK) {
    sqlite3_finalize(probe);
    return SQLITE_OK;
  }
  // The failed probe left "no such function" as the connection's error, and
  // sqlite3_open() fails when an auto-extension leaves an error behind: a
  // successful prepare resets it.
  if (sqlite3_prepare_v2(db, "SELECT 1", -1, &probe, nullptr) == SQLITE_OK) sqlite3_finalize(probe);
  using Register = int (*)(sqlite3*, char**);
  static constexpr Register components[] = {
      kvx::register_core_functions, kvx::register_pack_functions, kvx::register_kvcolumn,
      kvx::register_kvindex,        kvx::register_kvault,        kvx::register_kvfiles,
  };
  return kvx::guard_status(pzErrMsg, [&] {
    for (Register component : components) {
      int rc = component(db, pzErrMsg);
      if (rc != SQLITE_OK) return rc;
    }
    return SQLITE_OK;
  });
}
