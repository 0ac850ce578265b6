/*
** A C program that links SQLite and kohakuvault's static library and registers
** the extension for every connection it opens. Build against an installed
** kohakuvault (cmake --install build --prefix P):
**
**   cc main.c $(PKG_CONFIG_PATH=P/lib/pkgconfig pkg-config --cflags --libs kohakuvault) -o kv_example
**   cmake -S . -B out -DCMAKE_PREFIX_PATH=P && cmake --build out     (find_package)
*/
#include <kohakuvault.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

int main(void) {
  /* Every connection opened from now on gets kohakuvault's functions and tables. */
  sqlite3_auto_extension((void (*)(void))sqlite3_kohakuvault_init);

  sqlite3* db = NULL;
  if (sqlite3_open(":memory:", &db) != SQLITE_OK) {
    fprintf(stderr, "open: %s\n", sqlite3_errmsg(db));
    return 1;
  }
  sqlite3_stmt* stmt = NULL;
  const char* sql =
      "select kohakuvault_version(), hex(kv_pack('i32', 7)), kv_unpack('i32', kv_pack('i32', 7))";
  if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK || sqlite3_step(stmt) != SQLITE_ROW) {
    fprintf(stderr, "query: %s\n", sqlite3_errmsg(db));
    return 1;
  }
  const char* version = (const char*)sqlite3_column_text(stmt, 0);
  printf("kohakuvault %s (header %s), sqlite %s\n", version, KOHAKUVAULT_VERSION, sqlite3_libversion());
  printf("kv_pack('i32', 7) = X'%s', unpacked back: %d\n", sqlite3_column_text(stmt, 1),
         sqlite3_column_int(stmt, 2));
  int ok = strcmp(version, KOHAKUVAULT_VERSION) == 0 && sqlite3_column_int(stmt, 2) == 7;
  sqlite3_finalize(stmt);

  /* Errors from kohakuvault start with "kohakuvault:". */
  int rc = sqlite3_exec(db, "select kv_pack('i8', 300)", NULL, NULL, NULL);
  printf("kv_pack('i8', 300) -> error %d: %s\n", rc, sqlite3_errmsg(db));
  if (rc == SQLITE_OK || strncmp(sqlite3_errmsg(db), "kohakuvault:", 12) != 0) ok = 0;

  sqlite3_close(db);
  return ok ? 0 : 1;
}
