// Engine errors. The engine (src/) throws kv::Error with one of these codes and
// a message naming the bad value and what was expected; ext/common/firewall.hpp turns
// them into SQLite result codes at the boundary.
//
// An Error may also carry an opaque "host code": the exact code of a failure
// that came from the host the engine runs in. The engine never sets or reads
// it (it stays SQLite-free); ext/common/sqlite_error.cpp stores SQLite's
// extended result code there (SQLITE_IOERR_WRITE, SQLITE_FULL, ...) and the
// firewall reports it unchanged, so a host failure reaches the caller with the
// code SQLite gave it even when it crossed the engine on the way.
#pragma once

#include <stdexcept>
#include <string>

namespace kv {

enum class Errc {
  invalid_argument,  // bad dtype, option or argument   -> SQLITE_ERROR
  type_mismatch,     // value of the wrong SQL type      -> SQLITE_MISMATCH
  out_of_range,      // value outside the dtype / index  -> SQLITE_RANGE
  too_big,           // over a size limit                 -> SQLITE_TOOBIG
  corrupt,           // malformed stored data             -> SQLITE_CORRUPT
  constraint,        // duplicate key and the like        -> SQLITE_CONSTRAINT
  not_found,         // missing key or table              -> SQLITE_NOTFOUND
  io,                // read/write failure                -> SQLITE_IOERR
  full,              // the disk or database is full     -> SQLITE_FULL
  cant_open,         // file cannot be opened             -> SQLITE_CANTOPEN
  busy,              // locked by another connection      -> SQLITE_BUSY
  internal,          // a bug                             -> SQLITE_INTERNAL
};

class Error : public std::runtime_error {
 public:
  Error(Errc code, const std::string& message, int host_code = 0)
      : std::runtime_error(message), code_(code), host_code_(host_code) {}
  // The same failure (code and host code) with a new message, for callers
  // that add context: throw kv::Error(e, "table 't': " + std::string(e.what())).
  Error(const Error& cause, const std::string& message)
      : std::runtime_error(message), code_(cause.code_), host_code_(cause.host_code_) {}
  Errc code() const noexcept { return code_; }
  // The host's own code for this failure, 0 when there is none (see above).
  int host_code() const noexcept { return host_code_; }

 private:
  Errc code_;
  int host_code_;
};

[[noreturn]] inline void fail(Errc code, const std::string& message) { throw Error(code, message); }

}  // namespace kv
