// SQLite result codes -> kv::Error, keeping the code's class (the reverse of
// to_sqlite_code in firewall.hpp), for ext/ code that runs its own statements.
#pragma once

#include <string_view>

#include "common/sqlite.hpp"

namespace kvx {

// Throws for result code rc: NOMEM -> std::bad_alloc; BUSY/LOCKED -> busy;
// CORRUPT -> corrupt; IOERR/FULL -> io; CANTOPEN -> cant_open; TOOBIG ->
// too_big; CONSTRAINT -> constraint; MISMATCH -> type_mismatch; RANGE ->
// out_of_range; anything else -> invalid_argument. The message is
// "<context>: <the connection's error message>" (db may be null: then
// SQLite's generic text for rc).
[[noreturn]] void throw_sqlite_error(sqlite3* db, int rc, std::string_view context);

}  // namespace kvx
