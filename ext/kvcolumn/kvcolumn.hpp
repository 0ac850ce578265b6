// Shared declarations of the kvcolumn virtual table (see module.cpp for
// the design). Files:
//   module.cpp      module table, xCreate/xConnect/xBestIndex/xRename/xDestroy, registration
//   shadow.cpp     SqliteChunkStore: the shadow tables through cached statements and blob I/O
//   shadow_info.cpp ShadowInfo: the "<table>_info" rows, read, validated, written
//   cursor.cpp    xOpen/xFilter/xNext/xColumn..., constraint values -> idx ranges
//   write.cpp     xUpdate and the transaction methods
//   admin.cpp      the kvcolumns eponymous table and kvcolumn_check()
//   set_access.cpp     a set function's table argument -> the connection's live Table
//   set_functions.cpp  kvcolumn_slice, kvcolumn_stats, kvcolumn_buckets (src/column/scan.hpp)
//   knn.cpp            kvcolumn_knn (src/vector/)
//   write_slice.cpp    the 'write' command (slice assignment)
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "codec/dtype.hpp"
#include "column/chunk_layout.hpp"
#include "column/fixed.hpp"
#include "column/label.hpp"
#include "column/var.hpp"
#include "common/blob.hpp"
#include "common/freshness.hpp"
#include "common/idx_walk.hpp"
#include "common/range_plan.hpp"
#include "common/sql_text.hpp"
#include "common/sqlite.hpp"
#include "common/sqlite_error.hpp"
#include "common/statement.hpp"
#include "common/vtab_state.hpp"

namespace kvx::kvcolumn {

// "<table>_info" format_version: 1 for fixed-size dtypes; 2 for
// variable-size ones, the 7-byte index entry layout (format 1 variable-size
// tables, with 16-byte entries, are refused rather than misread).
inline int format_version(bool varsize) { return varsize ? 2 : 1; }

// Shadow tables, by suffix (xCreate creates and xRename renames the ones a
// table has, xDestroy drops all four, xShadowName claims all four,
// kvcolumn_check and kvcolumns read them):
//   "<table>_info"    key/value rows (shadow_info.hpp)
//   "<table>_chunks"  fixed-size dtypes: the element chunks
//   "<table>_idx"     variable-size dtypes: the 7-byte index entries
//   "<table>_data"    variable-size dtypes: the record stream
inline constexpr const char* kInfoSuffix = "info";
inline constexpr const char* kChunksSuffix = "chunks";
inline constexpr const char* kIdxSuffix = "idx";
inline constexpr const char* kDataSuffix = "data";

// Every suffix xShadowName claims. It sees only the suffix, not the table, so
// it claims the union: a fixed-size table "t" also owns the names t_idx and
// t_data (and a variable-size one t_chunks). The suffix names are part of the
// SQL contract (SQL_INTERFACE.md §3) and of existing files, so they cannot be
// made disjoint per dtype; instead xCreate and xRename refuse a name whose
// claimed tables already exist (check_table_name), and SQLite refuses to
// create them later in defensive mode.
inline constexpr std::array<const char*, 4> kShadowSuffixes = {kInfoSuffix, kChunksSuffix, kIdxSuffix,
                                                               kDataSuffix};

// The chunk tables of a table: "chunks", or "idx" and "data".
std::vector<const char*> chunk_suffixes(bool varsize);
// The shadow tables a table has: its chunk tables and "info".
std::vector<const char*> owned_suffixes(bool varsize);

inline constexpr std::uint64_t kDefaultCacheBytes = 64ull * 1024 * 1024;
// The per-connection read LRU of stored chunks (filled only by what is read):
// max(cache_bytes, kReadCacheBytes), or max(cache_bytes, kVectorReadCacheBytes)
// for a vec:E:D column, which every kvcolumn_knn call scans whole (so a column
// of up to 256 MiB is searched from memory after the first call).
inline constexpr std::uint64_t kReadCacheBytes = 64ull * 1024 * 1024;
inline constexpr std::uint64_t kVectorReadCacheBytes = 256ull * 1024 * 1024;
inline constexpr std::uint64_t kDefaultVarMaxChunkBytes = 256ull * 1024;  // variable-size dtypes

// Visible columns, the hidden command column (named like the table) and the
// hidden raw column (the packed bytes of the element).
enum Col { kIdx = 0, kValue = 1, kCommand = 2, kRaw = 3 };

// idxNum of the query plan: the shared range plan's bits (kRangeEq ...,
// common/range_plan.hpp) and one bit of our own (see the comment above
// kvcolumnBestIndex): every column is used (an UPDATE), so value and raw
// honour sqlite3_vtab_nochange.
inline constexpr int kPlanAllColumns = kRangeModuleBit;

struct Options {
  kv::DType dtype;
  std::uint64_t min_chunk_bytes = kv::kDefaultMinChunkBytes;
  std::uint64_t max_chunk_bytes = kv::kDefaultMaxChunkBytes;
  std::uint64_t cache_bytes = kDefaultCacheBytes;
  std::string schema;  // JSON Schema every written value must satisfy (msgpack/cbor); empty = none
  std::string instance_id;  // the _info instance_id row (empty for tables created without one)
};

// Parses the module arguments (argv[3..] of xCreate/xConnect).
Options parse_options(int argc, const char* const* argv);

// The read LRU size of a fixed-size column with these options (see kReadCacheBytes).
inline std::uint64_t read_cache_bytes(const Options& o) {
  const bool knn_searchable = o.dtype.family == kv::Family::vec && o.dtype.dims.size() == 1;  // vec:E:D
  return std::max(knn_searchable ? kVectorReadCacheBytes : kReadCacheBytes, o.cache_bytes);
}

class SqliteChunkStore final : public kv::ChunkStore {
 public:
  // The chunks live in "<table>_<chunks_suffix>", the length in the
  // "<table>_info" row named length_key.
  SqliteChunkStore(sqlite3* db, std::string schema, std::string table, const char* chunks_suffix = kChunksSuffix,
                   const char* length_key = "length");
  void rename(const std::string& table);

  std::uint64_t load_length() override;
  void save_length(std::uint64_t length) override;
  std::optional<std::uint64_t> chunk_size(std::uint64_t chunk) override;
  bool read_chunk(std::uint64_t chunk, std::string& out) override;
  std::optional<std::uint64_t> read_range(std::uint64_t chunk, std::uint64_t offset, std::uint64_t n,
                                          std::string& out) override;
  // One blob handle for the whole range (a handle per piece would walk the
  // overflow-page chain again for each piece).
  std::optional<std::uint64_t> read_pieces(std::uint64_t chunk, std::uint64_t offset, std::uint64_t n,
                                           std::uint64_t piece, std::string& buf, const PieceSink& sink) override;
  void write_in_place(std::uint64_t chunk, std::uint64_t offset, std::string_view data) override;
  void put_chunk(std::uint64_t chunk, std::string_view bytes) override;
  void delete_chunks_from(std::uint64_t first) override;
  void finish_writes() override;
  std::optional<std::uint64_t> load_counter(const std::string& key) override;
  void save_counter(const std::string& key, std::uint64_t value) override;
  ~SqliteChunkStore() override { finish_writes(); }

 private:
  // Chunk's blob opened for reading; empty when its row is missing or not a
  // BLOB; other failures throw with SQLite's code.
  Blob open_for_read(std::uint64_t chunk);
  void read_into(Blob& blob, std::uint64_t chunk, std::uint64_t offset, std::uint64_t n, std::string& out);
  std::string context(const std::string& what) const;  // "kvcolumn 't': what"
  [[noreturn]] void corrupt(const std::string& what) const;
  sqlite3* db_;
  const char* suffix_;
  std::string length_key_;
  std::string schema_, table_, info_, chunks_, chunks_table_;
  CachedStatement get_length_, set_length_, size_, put_, delete_from_, get_counter_, set_counter_;
  // One writable blob handle reused (sqlite3_blob_reopen) across the in-place
  // writes of a flush; closed by finish_writes() and before statements that
  // modify the chunk rows.
  Blob write_blob_;
};

// A table's column, of the kind its dtype needs (kv::DType::is_varsize()):
// a FixedColumn over "<table>_chunks", or a VarColumn over "<table>_idx" and
// "<table>_data". Both are a kv::Column, and everything the two kinds share
// (reads, element writes, transactions, flush, rename) goes through that
// interface; what only one kind has is reached through the alternative that
// holds it: FixedColumn's element windows (the cursor, inlined on the final
// class) and slice write ('write'), VarColumn's append_many ('append' of a
// list) and compact ('compact').
using ColumnKind = std::variant<std::unique_ptr<kv::FixedColumn>, std::unique_ptr<kv::VarColumn>>;

// The state of one table in one connection, shared by every sqlite3_vtab
// SQLite connects for it (common/vtab_state.hpp): the column with its
// write-back buffer and savepoint snapshots, the shadow-table stores, the
// transaction bookkeeping and the data version the caches belong to.
struct Shared {
  // Fixed-size dtypes: store = "<table>_chunks". Variable-size dtypes:
  // store = "<table>_idx", data_store = "<table>_data".
  std::unique_ptr<SqliteChunkStore> store, data_store;
  ColumnKind kind;               // declared after the stores it writes through
  kv::Column* column = nullptr;  // the column of kind, as the interface both kinds share
  TxnFanIn txn;               // in_txn: between xBegin and xCommit/xRollback
  bool dropped = false;       // DROP TABLE ran: never write the (name's) shadow tables again
  Freshness freshness;        // the data version the caches belong to
};

using Registry = StateRegistry<Shared>;

struct Table;

// Every live kvcolumn Table (sqlite3_vtab) of one connection, so the
// set-based functions reach the instance holding this connection's buffered
// writes instead of opening a second reader (set_access.hpp). Tables add
// themselves in xCreate/xConnect and leave in their destructor; SQLite
// disconnects every table before it destroys the module's client data.
struct LiveTables {
  std::vector<Table*> tables;  // registration order; the newest instance of a name wins
};

// The kvcolumn module's client data, one per connection.
struct Connection {
  Registry registry;
  LiveTables live;
};

struct Table : sqlite3_vtab {
  Table() = default;
  Table(const Table&) = delete;
  Table& operator=(const Table&) = delete;
  ~Table();
  LiveTables* live = nullptr;  // where this instance is registered
  sqlite3* db = nullptr;
  std::string schema, name;
  Options options;
  std::shared_ptr<Shared> shared;
  Registry* registry = nullptr;  // the module's (per connection)
  // Shortcuts into *shared.
  SqliteChunkStore* store = nullptr;
  SqliteChunkStore* data_store = nullptr;
  kv::Column* column = nullptr;
  // The column as its kind (ColumnKind), or nullptr when it is the other kind.
  kv::FixedColumn* fixed_column() const {
    const auto* c = std::get_if<std::unique_ptr<kv::FixedColumn>>(&shared->kind);
    return c ? c->get() : nullptr;
  }
  kv::VarColumn* var_column() const {
    const auto* c = std::get_if<std::unique_ptr<kv::VarColumn>>(&shared->kind);
    return c ? c->get() : nullptr;
  }
  bool joining = false;  // joined a transaction the table was already in (TxnFanIn)
  std::string scratch;   // packing buffer

  // Outside our own write transaction: drops cached length/chunks when the
  // database changed since we last looked (another connection committed).
  void revalidate();
  void remember_version();
};

struct Cursor : sqlite3_vtab_cursor {
  Table* table() const { return static_cast<Table*>(pVtab); }
  IdxWalk walk;  // the idx values of the plan (common/idx_walk.hpp)
  // The table's column when it is fixed-size (Table::fixed_column(), looked
  // up once per xFilter: the kind of a table's column never changes).
  kv::FixedColumn* fixed = nullptr;
  // A window of element bytes from Column::read_run: elements
  // [run_first, run_end) start at run_data, valid while the column's epoch is run_epoch.
  const char* run_data = nullptr;
  std::uint64_t run_first = 0, run_end = 0, run_epoch = 0;
  bool in_update = false;  // kPlanAllColumns: an UPDATE may read its rows here (see kvcolumnColumn)
};

// Module methods defined in the split files.
int kvcolumnFilter(sqlite3_vtab_cursor*, int, const char*, int, sqlite3_value**);
int kvcolumnNext(sqlite3_vtab_cursor*);
int kvcolumnEof(sqlite3_vtab_cursor*);
int kvcolumnColumn(sqlite3_vtab_cursor*, sqlite3_context*, int);
int kvcolumnRowid(sqlite3_vtab_cursor*, sqlite3_int64*);
int kvcolumnUpdate(sqlite3_vtab*, int, sqlite3_value**, sqlite3_int64*);
int kvcolumnBegin(sqlite3_vtab*);
int kvcolumnSync(sqlite3_vtab*);
int kvcolumnCommit(sqlite3_vtab*);
int kvcolumnRollback(sqlite3_vtab*);
int kvcolumnSavepoint(sqlite3_vtab*, int);
int kvcolumnRelease(sqlite3_vtab*, int);
int kvcolumnRollbackTo(sqlite3_vtab*, int);

int register_list(sqlite3* db, char** err);  // kvcolumns + kvcolumn_check
// kvcolumn_slice, kvcolumn_stats, kvcolumn_buckets over the tables in live.
int register_set_functions(sqlite3* db, LiveTables* live, char** err);
// kvcolumn_knn over the tables in live (knn.cpp).
int register_knn(sqlite3* db, LiveTables* live, char** err);

// Checks that `elem` is one packed element of the table's dtype (write.cpp);
// `what` (and `index`, unless kNoIndex) name it in errors.
inline constexpr std::size_t kNoIndex = SIZE_MAX;
void check_element(const Table* t, std::string_view elem, std::string_view what, std::size_t index = kNoIndex);
// check_element on each element of `packed`, a whole number of fixed-size
// elements back to back ('append' and 'write' of a fixed-size column); numbers
// and bytes without a schema need no look at all.
void check_packed_elements(const Table* t, std::string_view packed, std::string_view what);

// The 'write' command: INSERT INTO t(t, idx, value) VALUES ('write', start, blob).
void write_slice(Table* t, sqlite3_value* start, sqlite3_value* blob);

}  // namespace kvx::kvcolumn
