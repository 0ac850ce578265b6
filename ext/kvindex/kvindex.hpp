// kvindex internals shared by the files of ext/kvindex/ (module.cpp: the
// module and its design notes; shadow.cpp: the shadow tables; options.cpp:
// the module arguments).
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "index/ordered_index.hpp"
#include "common/freshness.hpp"
#include "common/sqlite.hpp"
#include "common/statement.hpp"
#include "common/value_bridge.hpp"
#include "common/value.hpp"
#include "common/value_bridge.hpp"
#include "common/vtab_state.hpp"

namespace kvx::kvindex {

// _info format_version written by xCreate: 2 = snapshot + change log
// (_snap, _log). Version 1 tables (one _data row per key) still open and are
// kept in version 1 (shadow.cpp).
constexpr int kFormatVersion = 2;
constexpr int kFormatDataTable = 1;

struct Options {
  kv::IndexBackend backend = kv::IndexBackend::csbtree;
  std::size_t order = 63;
  bool durable = true;  // storage=disk (default) or storage=memory
};

// Parses the module arguments after the table name (argv[3..]); throws
// kv::Error(invalid_argument) naming an unknown backend or option.
Options parse_options(int argc, const char* const* argv);


// What ShadowTables::load/catch_up found in the shadow tables.
struct Loaded {
  int format = kFormatVersion;
  long long seq = 0;              // _info seq: the last committed change (format 2)
  std::size_t snap_entries = 0;   // pairs in _snap
  std::size_t log_entries = 0;    // entries in the _log records after the snapshot
};

// The shadow tables of one table (layouts in shadow.cpp):
//   "<table>_info"(k TEXT PRIMARY KEY, v) WITHOUT ROWID
//   format 2 (durable): "<table>_snap"(id INTEGER PRIMARY KEY, data BLOB)
//                       "<table>_log"(seq INTEGER PRIMARY KEY, data BLOB)
//   format 1 (durable): "<table>_data"(key PRIMARY KEY, value) WITHOUT ROWID
class ShadowTables {
 public:
  ShadowTables(sqlite3* db, std::string schema, std::string table)
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
  // Checks _info against opts and replaces the contents of index with the
  // stored ones (format 2: snapshot + the log records after it); throws
  // kv::Error(corrupt) naming the table on anything malformed.
  Loaded load(const Options& opts, kv::OrderedIndex& index);
  // Format 2: the _info seq and snap_seq rows.
  std::pair<long long, long long> seqs();
  // Format 2: applies the _log records after seq `after` to index; adds their
  // entries to got.log_entries and sets got.seq to the last one applied.
  void catch_up(long long after, kv::OrderedIndex& index, Loaded& got);
  // Format 2, inside the committing transaction: moves _info seq from
  // `expect` to `expect + 1` (throws busy when it is not `expect`: another
  // connection wrote the table) and appends one _log record under it: the
  // final state of every changed key (Journal::changes: sorted, distinct;
  // or Journal::recorded_changes followed by the packed appended puts).
  void append(long long expect, const std::vector<kv::Journal::Change>& changes,
              const kv::PackedPuts* appended = nullptr);
  // Format 2: the same seq move, then rewrites _snap from the whole index and
  // empties _log (snap_seq = the new seq). Returns the pairs written.
  std::size_t compact(long long expect, const kv::OrderedIndex& index);
  // The same from puts packed as snapshot runs that are the whole index
  // (Journal::packed_is_everything: a load into an empty table).
  std::size_t compact(long long expect, const kv::PackedPuts& everything);
  // Format 1: writes the final state of every changed key to _data.
  void flush(const std::vector<kv::Journal::Change>& changes);

 private:
  sqlite3_stmt* cached(Statement& slot, const char* sql_format);
  void step_done(sqlite3_stmt* s, const char* what);
  void move_seq(long long expect);
  void start_snapshot(long long expect);  // compact's seq moves, _snap and _log emptied
  std::string label(const char* what) const;  // "kvindex table 't': what" (error context)
  [[noreturn]] void corrupt(const std::string& what) const;

  sqlite3* db_;
  std::string schema_, table_;
  Statement upsert_, delete_, seqs_, log_after_, set_seq_, append_, set_snap_seq_, snap_put_;
  std::string buffer_;  // record being written
};

// The in-memory side of one table in one connection, shared by every
// sqlite3_vtab SQLite connects for it (common/vtab_state.hpp).
struct Cursor;
struct State {
  Options opts;
  std::unique_ptr<ShadowTables> shadow;  // the shadow tables (name follows xRename)
  std::unique_ptr<kv::OrderedIndex> index;
  kv::Journal journal;
  std::vector<Cursor*> cursors;  // open cursors of every sqlite3_vtab (module.cpp detach_cursors)
  std::string instance_id;       // the _info instance_id row ("" for tables created without one)
  bool loaded = false;           // durable: built from the shadow table
  TxnFanIn txn;                  // in_txn: between xBegin and xCommit/xRollback
  bool dropped = false;          // DROP TABLE ran: never write the shadow tables again
  // Cross-connection freshness (freshness.cpp ensure_fresh; common/freshness.hpp):
  Freshness freshness;           // SQLITE_FCNTL_DATA_VERSION at the last load/commit/check
  OthersVersion others;          // PRAGMA data_version (another connection committed)
  long long others_version = 0;  // its value at the last load/check
  Loaded stored;                 // what the shadow tables hold, as far as this state has applied
  long long written_seq = 0;     // format 2: the seq this transaction wrote at xSync (stored.seq before)
  std::size_t written_log = 0;   // format 2: log entries after this transaction's xSync
  std::size_t written_snap = 0;  // format 2: snapshot pairs after it (compacted) or stored.snap_entries
  bool synced = false;           // nothing changed since this transaction's xSync wrote it
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

}  // namespace kvx::kvindex
