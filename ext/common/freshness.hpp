// "Did the database change since this cache was filled?" — the one check for
// every module that caches what it read from its shadow tables (kvcolumn's
// chunk cache; kvindex's in-memory index).
//
//   file_data_version   SQLITE_FCNTL_DATA_VERSION: changes on every commit
//                       to the database, this connection's own included; a
//                       file control, no statement (cheap enough per xFilter).
//   OthersVersion       PRAGMA "<schema>".data_version, prepared once:
//                       changes only when another connection committed.
//   Freshness           remembers a file data version and says whether it
//                       changed (or cannot be read: then it never trusts).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/sqlite.hpp"
#include "common/statement.hpp"

namespace kvx {

// SQLITE_FCNTL_DATA_VERSION of database `schema`; nullopt when the VFS cannot
// tell. Inline: kvindex asks at every xFilter. "main" is passed as a null
// name (SQLite's own spelling of main), which skips SQLite's lookup of the
// name among the attached databases (~80 instructions of a ~250 call).
inline std::optional<unsigned> file_data_version(sqlite3* db, const std::string& schema) {
  unsigned v = 0;
  const char* name = schema == "main" ? nullptr : schema.c_str();
  if (sqlite3_file_control(db, name, SQLITE_FCNTL_DATA_VERSION, &v) != SQLITE_OK) return std::nullopt;
  return v;
}

// PRAGMA "<schema>".data_version through a statement prepared on first use;
// a failure is thrown with `context` (naming the table that asked).
class OthersVersion {
 public:
  long long read(sqlite3* db, const std::string& schema, std::string_view context = "reading the data version");
  void finalize() noexcept { stmt_.finalize(); }  // e.g. the schema name changed

 private:
  CachedStatement stmt_;
};

class Freshness {
 public:
  // True when the database may have changed since the version remembered
  // last (it differs, none was remembered, or it cannot be read); remembers
  // the current one.
  bool changed(sqlite3* db, const std::string& schema) {
    const std::optional<unsigned> now = file_data_version(db, schema);
    if (now && version_ && *now == *version_) return false;
    version_ = now;
    return true;
  }
  // Remembers the current version (after our own commit, for example).
  void remember(sqlite3* db, const std::string& schema) { version_ = file_data_version(db, schema); }
  // Forgets it: the next changed() is true.
  void forget() noexcept { version_.reset(); }

 private:
  std::optional<unsigned> version_;
};

}  // namespace kvx
