/*
** Preloaded into a host (LD_PRELOAD) to make its SQLite report an older
** version: sqlite3_libversion() and sqlite3_libversion_number() return
** $KV_FAKE_SQLITE_VERSION (e.g. "3.37.2"). The extension reads both through
** the host's API table, which calls these interposed definitions, so its
** run-time checks (kvx::runtime_features(), the minimum-version refusal) take
** the paths they would take on that version. Everything else is the real
** library, so this tests the guards and fallbacks, not a real old SQLite's
** behaviour (tests/tools/check_sqlite_api.py covers which routines exist).
*/
#include <stdio.h>
#include <stdlib.h>

const char* sqlite3_libversion(void);
int sqlite3_libversion_number(void);

const char* sqlite3_libversion(void) {
  const char* v = getenv("KV_FAKE_SQLITE_VERSION");
  return v ? v : "3.37.2";
}

int sqlite3_libversion_number(void) {
  int major = 0, minor = 0, patch = 0;
  if (sscanf(sqlite3_libversion(), "%d.%d.%d", &major, &minor, &patch) != 3) return 0;
  return major * 1000000 + minor * 1000 + patch;
}
