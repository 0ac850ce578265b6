/*
** kohakuvault — KohakuVault's storage engine as a SQLite extension.
**
** Programs that link SQLite themselves link libkohakuvault_static.a and either
** call sqlite3_kohakuvault_init(db, &err, NULL) on a connection, or register it
** for every new connection:
**
**     sqlite3_auto_extension((void (*)(void))sqlite3_kohakuvault_init);
*/
#ifndef KOHAKUVAULT_H
#define KOHAKUVAULT_H

#include <sqlite3.h>

#define KOHAKUVAULT_VERSION_MAJOR 0
#define KOHAKUVAULT_VERSION_MINOR 1
#define KOHAKUVAULT_VERSION_PATCH 0
#define KOHAKUVAULT_VERSION "0.1.0"
#define KOHAKUVAULT_VERSION_NUMBER 1000 /* major * 1000000 + minor * 1000 + patch */

/* The oldest SQLite the extension runs in. Loading it into an older host fails
** with "kohakuvault: needs SQLite 3.37.0 or newer ..." instead of calling
** routines that host doesn't have; features of newer SQLite versions are used
** only after a run-time version check. */
#define KOHAKUVAULT_MIN_SQLITE_VERSION "3.37.0"
#define KOHAKUVAULT_MIN_SQLITE_VERSION_NUMBER 3037000

#ifdef __cplusplus
extern "C" {
#endif

struct sqlite3_api_routines;

/* Registers every kohakuvault function and module on db. Returns SQLITE_OK or
** an error code with *pzErrMsg set (sqlite3_malloc'd). */
int sqlite3_kohakuvault_init(sqlite3 *db, char **pzErrMsg, const struct sqlite3_api_routines *pApi);

#ifdef __cplusplus
}
#endif
#endif
