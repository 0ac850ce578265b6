// kvindex internals shared by ext/kvindex/module.cpp (the module) and
// ext/kvindex/shadow.cpp (shadow tables). See kvindex/module.cpp for the design.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "index/ordered_index.hpp"
#include "common/sqlite.hpp"
#include "common/value.hpp"
#include "common/vtab_state.hpp"

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

  void create(const Options& opts, const std::string& instance_id);  // xCreate
  // The _info instance_id row, "" when absent; nullopt when _info cannot be
  // read (the table is gone).
  std::optional<std::string> instance_id();
  void drop();                       // xDestroy
  void rename(const std::string& new_name);
  // The shadow tables are already named after new_name (a rename was rolled back).
  void follow_name(const std::string& new_name);
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

// The in-memory side of one table in one connection, shared by every
// sqlite3_vtab SQLite connects for it (common/vtab_state.hpp).
struct Cursor;
struct State {
  Options opts;
  std::unique_ptr<Storage> storage;  // the shadow tables (name follows xRename)
  std::unique_ptr<kv::OrderedIndex> index;
  kv::Journal journal;
  std::vector<Cursor*> cursors;  // open cursors of every sqlite3_vtab (module.cpp detach_cursors)
  std::string instance_id;       // the _info instance_id row ("" for tables created without one)
  bool loaded = false;           // durable: built from the shadow table
  TxnFanIn txn;                  // in_txn: between xBegin and xCommit/xRollback
  bool dropped = false;          // DROP TABLE ran: never write the shadow tables again
  unsigned data_version = 0;     // SQLITE_FCNTL_DATA_VERSION at the last load/commit/check
  long long others_version = 0;  // PRAGMA data_version at the last load/check
};

// The table states of one connection (module client data, freed when the
// connection closes), keyed by schema and instance id (schema and name for
// tables created without an instance id):
//  * memory tables: held here, so their contents survive xDisconnect/xConnect
//    (schema reparse, VACUUM, ALTER); a dropped one waits in `dropped` until
//    its DROP is known to be committed (then it is freed) or rolled back (then
//    xConnect takes it back): see module.cpp collect_dropped();
//  * durable tables: held by their sqlite3_vtabs, found here by the next one.
struct Registry {
  std::map<std::string, std::shared_ptr<State>> tables;
  StateRegistry<State> live;
  struct Dropped {
    std::string key, schema, table;  // table: its name when dropped
    std::shared_ptr<State> state;
  };
  std::vector<Dropped> dropped;
  static std::string key(const std::string& schema, const std::string& table);
  static std::string id_key(const std::string& schema, const std::string& instance_id);
};

// sqlite3_value -> owned kv::Value.
kv::Value to_value(sqlite3_value* v);

}  // namespace kvx::kvindex
