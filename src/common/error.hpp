// Engine errors. The engine (src/) throws kv::Error with one of these codes and
// a message naming the bad value and what was expected; ext/common/firewall.hpp turns
// them into SQLite result codes at the boundary.
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
  cant_open,         // file cannot be opened             -> SQLITE_CANTOPEN
  busy,              // locked by another connection      -> SQLITE_BUSY
  internal,          // a bug                             -> SQLITE_INTERNAL
};

class Error : public std::runtime_error {
 public:
  Error(Errc code, const std::string& message) : std::runtime_error(message), code_(code) {}
  Errc code() const noexcept { return code_; }

 private:
  Errc code_;
};

[[noreturn]] inline void fail(Errc code, const std::string& message) { throw Error(code, message); }

}  // namespace kv
