// Function registration from tables: each component lists its SQL functions as
// FunctionSpec rows and registers them with register_functions(), which checks
// every return code and names the function that failed.
#pragma once

#include <span>
#include <string>

#include "common/sqlite.hpp"

namespace kvx {

using ScalarFn = void (*)(sqlite3_context*, int, sqlite3_value**);
using FinalFn = void (*)(sqlite3_context*);

// Flag sets with their reasons.
// Pure: same inputs, same output, no side effects -> safe anywhere, even in
// indexes, views and triggers of untrusted schemas.
constexpr int kPure = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
// Touches the file system or other outside state -> only callable from
// top-level SQL, never from views/triggers of a schema someone else wrote.
constexpr int kDirectOnly = SQLITE_UTF8 | SQLITE_DIRECTONLY;

struct FunctionSpec {
  const char* name;
  int nargs;          // -1 for any
  int flags;          // kPure, kDirectOnly, ...
  bool returns_json;  // adds SQLITE_RESULT_SUBTYPE where the host knows it
  ScalarFn scalar;    // scalar function, or the step of an aggregate
  FinalFn final;      // aggregate final, or nullptr for scalar functions
};

// Registers every spec on db. On failure sets *err (sqlite3_malloc'd) and
// returns the SQLite code.
int register_functions(sqlite3* db, std::span<const FunctionSpec> specs, char** err);

// Registers a module, with the same error reporting. client_data reaches
// xCreate/xConnect; SQLite calls destroy(client_data) when the module is
// replaced or the connection closes — also when registration fails.
int register_module(sqlite3* db, const char* name, const sqlite3_module* module, char** err,
                    void* client_data = nullptr, void (*destroy)(void*) = nullptr);

// The components. Each registers its functions and modules on db.
int register_core_functions(sqlite3* db, char** err);  // ext/functions/core.cpp
int register_pack_functions(sqlite3* db, char** err);  // ext/functions/pack.cpp
int register_kvcolumn(sqlite3* db, char** err);        // ext/kvcolumn/module.cpp
int register_kvindex(sqlite3* db, char** err);         // ext/kvindex/module.cpp
int register_kvault(sqlite3* db, char** err);          // ext/kvault/module.cpp
int register_kvfiles(sqlite3* db, char** err);         // ext/kvfiles/ (KohakuVault's own files)

}  // namespace kvx
