// See sqlite_error.hpp.
#include "common/sqlite_error.hpp"

#include <new>
#include <string>

#include "common/error.hpp"

namespace kvx {

namespace {

kv::Errc errc_for(int primary) {
  switch (primary) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return kv::Errc::busy;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return kv::Errc::corrupt;
    case SQLITE_IOERR: return kv::Errc::io;
    case SQLITE_FULL: return kv::Errc::full;
    case SQLITE_CANTOPEN: return kv::Errc::cant_open;
    case SQLITE_TOOBIG: return kv::Errc::too_big;
    case SQLITE_CONSTRAINT: return kv::Errc::constraint;
    case SQLITE_MISMATCH: return kv::Errc::type_mismatch;
    case SQLITE_RANGE: return kv::Errc::out_of_range;
    default: return kv::Errc::invalid_argument;
  }
}

[[noreturn]] void raise(int rc, int extended_rc, std::string_view context, std::string_view detail) {
  const int primary = rc & 0xFF;
  if (primary == SQLITE_NOMEM) throw std::bad_alloc();
  const int host_code = (extended_rc & 0xFF) == primary ? extended_rc : rc;
  std::string message(context);
  message += ": ";
  message += detail;
  throw kv::Error(errc_for(primary), message, host_code);
}

}  // namespace

void throw_sqlite_error(sqlite3* db, int rc, std::string_view context) {
  if ((rc & 0xFF) == SQLITE_NOMEM) throw std::bad_alloc();
  raise(rc, db ? sqlite3_extended_errcode(db) : rc, context, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
}

SqliteFailure SqliteFailure::capture(sqlite3* db, int rc) {
  if ((rc & 0xFF) == SQLITE_NOMEM) throw std::bad_alloc();
  return SqliteFailure{rc, db ? sqlite3_extended_errcode(db) : rc, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)};
}

void SqliteFailure::raise(std::string_view context) const { kvx::raise(rc, extended_rc, context, message); }

}  // namespace kvx
