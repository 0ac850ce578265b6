// The one header ext/ files include to speak to SQLite.
//
// In the loadable module (no SQLITE_CORE) sqlite3ext.h turns every sqlite3_*
// call into a call through the sqlite3_api pointer that the entry point
// receives; SQLITE_EXTENSION_INIT3 declares that pointer here, and
// common/entry.cpp defines it. In the static library (SQLITE_CORE) the same
// calls go straight to the linked SQLite.
#pragma once

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3

// Newer SQLite flags, defined here when the headers predate them. They are only
// passed to SQLite after a run-time version check (see runtime_features()).
#ifndef SQLITE_RESULT_SUBTYPE
#define SQLITE_RESULT_SUBTYPE 0x001000000
#endif

namespace kvx {

// JSON subtype understood by SQLite's json functions ('J').
constexpr unsigned kJsonSubtype = 74;

struct RuntimeFeatures {
  int libversion = 0;        // sqlite3_libversion_number() of the host
  bool result_subtype_flag;  // SQLITE_RESULT_SUBTYPE accepted (>= 3.45.0)
  bool vtab_in;              // sqlite3_vtab_in (>= 3.38.0)
  bool vtab_rhs_value;       // sqlite3_vtab_rhs_value, LIMIT/OFFSET constraints (>= 3.38.0)
  bool db_name;              // sqlite3_db_name (>= 3.39.0, and headers that declare it)
};

// What the running SQLite supports; computed once at registration.
const RuntimeFeatures& runtime_features();

}  // namespace kvx
