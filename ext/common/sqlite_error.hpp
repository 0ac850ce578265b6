// SQLite result codes -> kv::Error, keeping the code's class (the reverse of
// to_sqlite_code in firewall.hpp), for ext/ code that runs its own statements.
//
// The one rc map of the extension. The thrown kv::Error carries the extended
// result code as its host code (common/error.hpp), and the firewall reports
// that code, so SQLITE_FULL, SQLITE_BUSY, SQLITE_IOERR_* ... reach the caller
// exactly as SQLite gave them (primary code from sqlite3_step, extended code
// from sqlite3_extended_errcode).
#pragma once

#include <string>
#include <string_view>

#include "common/sqlite.hpp"

namespace kvx {

// Throws for result code rc: NOMEM -> std::bad_alloc; otherwise a kv::Error
// whose Errc names the class (BUSY/LOCKED -> busy; CORRUPT/NOTADB -> corrupt;
// IOERR -> io; FULL -> full; CANTOPEN -> cant_open; TOOBIG -> too_big;
// CONSTRAINT -> constraint; MISMATCH -> type_mismatch; RANGE -> out_of_range;
// anything else -> invalid_argument) and whose host code is the extended code:
// sqlite3_extended_errcode(db) when it is of rc's primary class, else rc.
// The message is "<context>: <the connection's error message>" (db may be
// null: then SQLite's generic text for rc).
[[noreturn]] void throw_sqlite_error(sqlite3* db, int rc, std::string_view context);

// A failure read off the connection at once and thrown later, for callers
// that must first close a handle whose release resets the connection's error
// (sqlite3_blob_close).
struct SqliteFailure {
  int rc = SQLITE_ERROR;
  int extended_rc = SQLITE_ERROR;
  std::string message;
  static SqliteFailure capture(sqlite3* db, int rc);
  [[noreturn]] void raise(std::string_view context) const;
};

}  // namespace kvx
