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
