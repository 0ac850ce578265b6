// The exception firewall: every SQLite callback and SQL function of this
// extension runs its body through one of these guards, so no C++ exception ever
// unwinds into SQLite. Errors become SQLite result codes whose messages start
// with "kohakuvault: " and are valid UTF-8: bytes of invalid UTF-8 that a
// message quotes (a corrupt row, nlohmann's "last read" text) are written
// \xHH here, the one place that sets messages (json/text.hpp).
//
//   std::bad_alloc       -> SQLITE_NOMEM
//   kv::Error            -> its host code when set (the extended SQLite code of a
//                           failure that came from SQLite, common/sqlite_error.hpp),
//                           else its Errc (see to_sqlite_code); and its message
//   std::exception       -> SQLITE_ERROR with what()
//   anything else        -> SQLITE_ERROR
#pragma once

#include <exception>
#include <new>
#include <string>

#include "common/error.hpp"
#include "common/sqlite.hpp"
#include "json/text.hpp"

namespace kvx {

// The SQLite result code for an engine error code.
int to_sqlite_code(kv::Errc code) noexcept;

// The SQLite result code an error is reported with: its host code when set
// (an extended SQLite code, kept end to end), else the code for its Errc.
inline int to_sqlite_code(const kv::Error& e) noexcept {
  return e.host_code() != 0 ? e.host_code() : to_sqlite_code(e.code());
}

// "kohakuvault: " + message (invalid UTF-8 escaped), allocated with
// sqlite3_malloc (NULL on OOM).
char* sqlite_message(const char* message) noexcept;

// "kohakuvault: " + message, valid UTF-8.
inline std::string error_message(const char* message) {
  return "kohakuvault: " + kv::json::escape_invalid_utf8(message);
}

// Runs body(); on an exception, reports it on the function context.
template <class Body>
void guard_function(sqlite3_context* ctx, Body&& body) noexcept {
  try {
    body();
  } catch (const std::bad_alloc&) {
    sqlite3_result_error_nomem(ctx);
  } catch (const kv::Error& e) {
    try {
      sqlite3_result_error(ctx, error_message(e.what()).c_str(), -1);
      sqlite3_result_error_code(ctx, to_sqlite_code(e));
    } catch (...) {
      sqlite3_result_error_nomem(ctx);
    }
  } catch (const std::exception& e) {
    try {
      sqlite3_result_error(ctx, error_message(e.what()).c_str(), -1);
    } catch (...) {
      sqlite3_result_error_nomem(ctx);
    }
  } catch (...) {
    sqlite3_result_error(ctx, "kohakuvault: unknown internal error", -1);
  }
}

// Runs body() (which returns an SQLite result code); on an exception, stores
// the message in *err_slot (an sqlite3_malloc'd string, e.g. &vtab->zErrMsg;
// the previous message is freed) and returns the matching code.
template <class Body>
int guard_status(char** err_slot, Body&& body) noexcept {
  const char* message = "unknown internal error";
  int code = SQLITE_ERROR;
  std::string holder;
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return SQLITE_NOMEM;
  } catch (const kv::Error& e) {
    try {
      holder = e.what();
      message = holder.c_str();
    } catch (...) {
      return SQLITE_NOMEM;
    }
    code = to_sqlite_code(e);
  } catch (const std::exception& e) {
    try {
      holder = e.what();
      message = holder.c_str();
    } catch (...) {
      return SQLITE_NOMEM;
    }
  } catch (...) {
  }
  if (err_slot) {
    sqlite3_free(*err_slot);
    *err_slot = sqlite_message(message);
  }
  return code;
}

}  // namespace kvx
