// kvindex internals shared by ext/kvindex/module.cpp (the module) and
// ext/kvindex/shadow.cpp (shadow tables). See kvindex/module.cpp for the design.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "index/ordered_index.hpp"
#include "common/sqlite.hpp"
#include "common/value.hpp"

namespace kvx::kvindex {

constexpr int kFormatVersion = 1;

struct Options {
  kv::IndexBackend backend = kv::IndexBackend::csbtree;
  std::size_t order = 63;
  bool durable = true;  // storage=disk (default) or storage=memory
};

// Parses the module arguments after the table name (argv[3..]); throws
// kv::Error(invalid_argument) naming an unknown backend or option.
Options parse_options(int argc, const char* const* argv);

// The in-memory side of one table in one connection.
struct State {
  Options opts;
  std::unique_ptr<kv::OrderedIndex> index;
  kv::Journal journal;
  bool loaded = false;           // durable: built from the shadow table
  bool in_write = false;         // between xBegin and xCommit/xRollback
  unsigned data_version = 0;     // SQLITE_FCNTL_DATA_VERSION at the last load/commit/check
  long long others_version = 0;  // PRAGMA data_version at the last load/check
};

// Memory-only tables of one connection, keyed by schema + table name, so their
// contents survive xDisconnect/xConnect (schema reparse, VACUUM, ALTER).
// Owned by the module's client data: freed when the connection closes.
struct Registry {
  std::map<std::string, std::shared_ptr<State>> tables;
  static std::string key(const std::string& schema, const std::string& table);
};

class Stmt {
 public:
  Stmt() = default;
  explicit Stmt(sqlite3_stmt* s) : s_(s) {}
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt(Stmt&& o) noexcept : s_(o.s_) { o.s_ = nullptr; }
  Stmt& operator=(Stmt&& o) noexcept {
    std::swap(s_, o.s_);
    return *this;
  }
  sqlite3_stmt* get() const { return s_; }
  explicit operator bool() const { return s_ != nullptr; }

 private:
  sqlite3_stmt* s_ = nullptr;
};

// The shadow tables of one durable (or memory) table:
//   "<table>_info"(k TEXT PRIMARY KEY, v) WITHOUT ROWID
//   "<table>_data"(key PRIMARY KEY, value) WITHOUT ROWID   (durable only)
class Storage {
 public:
  Storage(sqlite3* db, std::string schema, std::string table)
      : db_(db), schema_(std::move(schema)), table_(std::move(table)) {}
  const std::string& table() const { return table_; }
  const std::string& schema() const { return schema_; }

  void create(const Options& opts);  // xCreate
  void drop();                       // xDestroy
  void rename(const std::string& new_name);
  // Checks _info against opts and returns every row of _data in key order;
  // throws kv::Error(corrupt) naming the table on anything malformed.
  std::vector<std::pair<kv::Value, kv::Value>> load(const Options& opts);
  // Writes the current state of `keys` (sorted) from index to _data.
  void flush(const std::vector<kv::Value>& keys, const kv::OrderedIndex& index);
  // SQLITE_FCNTL_DATA_VERSION: changes on every commit, ours included (cheap).
  unsigned data_version() const;
  // PRAGMA data_version: changes only when another connection committed.
  long long others_version();

 private:
  void exec(const std::string& sql);
  sqlite3_stmt* cached(Stmt& slot, const char* sql_format);
  [[noreturn]] void fail_sqlite(int rc, const char* what) const;
  [[noreturn]] void corrupt(const std::string& what) const;

  sqlite3* db_;
  std::string schema_, table_;
  Stmt upsert_, delete_, version_;
};

// sqlite3_value -> owned kv::Value.
kv::Value to_value(sqlite3_value* v);

}  // namespace kvx::kvindex
