// An owned incremental-BLOB handle (sqlite3_blob), the blob counterpart of
// Statement (common/statement.hpp): closed on destruction, also when the scope
// ends by an exception. A handle left open makes sqlite3_close return
// SQLITE_BUSY and keeps the row's read transaction pinned, so ext/ code never
// holds a bare sqlite3_blob* across anything that may throw (a std::string
// resize, a sink callback, throw_sqlite_error).
//
//   Blob b;                                  // empty
//   int rc = sqlite3_blob_open(..., b.out()); // b owns whatever SQLite hands back
//   b.close();                               // explicit close; the destructor does it otherwise
//
// sqlite3_blob_close resets the connection's error: read a failure off the
// connection first (SqliteFailure::capture, common/sqlite_error.hpp), then close.
#pragma once

#include <utility>

#include "common/sqlite.hpp"

namespace kvx {

class Blob {
 public:
  Blob() = default;
  ~Blob() { close(); }
  Blob(Blob&& other) noexcept : blob_(std::exchange(other.blob_, nullptr)) {}
  Blob& operator=(Blob&& other) noexcept {
    if (this != &other) {
      close();
      blob_ = std::exchange(other.blob_, nullptr);
    }
    return *this;
  }
  Blob(const Blob&) = delete;
  Blob& operator=(const Blob&) = delete;

  // Where sqlite3_blob_open stores the handle; closes the one held first.
  sqlite3_blob** out() noexcept {
    close();
    return &blob_;
  }
  sqlite3_blob* get() const noexcept { return blob_; }
  explicit operator bool() const noexcept { return blob_ != nullptr; }
  // Closes the handle (a no-op when empty); returns sqlite3_blob_close's code.
  int close() noexcept {
    const int rc = blob_ ? sqlite3_blob_close(blob_) : SQLITE_OK;
    blob_ = nullptr;
    return rc;
  }

 private:
  sqlite3_blob* blob_ = nullptr;
};

}  // namespace kvx
