// See sqlite_error.hpp.
#include "common/sqlite_error.hpp"

#include <new>
#include <string>

#include "common/error.hpp"

namespace kvx {

void throw_sqlite_error(sqlite3* db, int rc, std::string_view context) {
  const std::string message = std::string(context) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (rc & 0xFF) {
    case SQLITE_NOMEM: throw std::bad_alloc();
    case SQLITE_BUSY:
    case SQLITE_LOCKED: kv::fail(kv::Errc::busy, message);
    case SQLITE_CORRUPT: kv::fail(kv::Errc::corrupt, message);
    case SQLITE_IOERR:
    case SQLITE_FULL: kv::fail(kv::Errc::io, message);
    case SQLITE_CANTOPEN: kv::fail(kv::Errc::cant_open, message);
    case SQLITE_TOOBIG: kv::fail(kv::Errc::too_big, message);
    case SQLITE_CONSTRAINT: kv::fail(kv::Errc::constraint, message);
    case SQLITE_MISMATCH: kv::fail(kv::Errc::type_mismatch, message);
    case SQLITE_RANGE: kv::fail(kv::Errc::out_of_range, message);
    default: kv::fail(kv::Errc::invalid_argument, message);
  }
}

}  // namespace kvx
