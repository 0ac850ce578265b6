// The kvcolumns eponymous table and kvcolumn_check().
//
//   SELECT * FROM kvcolumns;
//     schema, name, dtype, elem_size, length, chunks, bytes (blob bytes stored),
//     min_chunk_bytes, max_chunk_bytes — one row per kvcolumn table in every
//     attached database, read from the shadow tables (the committed state plus
//     anything this connection has flushed).
//
//   SELECT kvcolumn_check('t');          -- or kvcolumn_check('aux.t'), kvcolumn_check('aux', 't')
//     't' is found as SQLite finds a table (temp, main, attached databases in
//     order; common/resolve_table.hpp).
//     'ok', or one line per problem: _info rows (format, dtype, element size,
//     chunk sizes, length) against the chunk rows (indexes 0..n-1, BLOBs of
//     whole elements, full chunks exactly max, the last large enough).
#include <algorithm>
#include <cctype>
#include <cstring>
#include <optional>
#include <set>
#include <vector>

#include "common/error.hpp"
#include "common/firewall.hpp"
#include "common/listing_vtab.hpp"
#include "common/registry.hpp"
#include "common/resolve_table.hpp"
#include "common/value_bridge.hpp"
#include "common/vtab_cursor.hpp"
#include "kvcolumn/kvcolumn.hpp"
#include "kvcolumn/shadow_info.hpp"

namespace kvx::kvcolumn {

namespace {

// Runs a query and returns every row as optional texts.
using Row = std::vector<std::optional<std::string>>;
std::vector<Row> query(sqlite3* db, const std::string& sql) {
  Statement s(db, sql, "kvcolumn");
  std::vector<Row> rows;
  while (s.step("kvcolumn")) {
    Row r;
    for (int i = 0; i < sqlite3_column_count(s.get()); ++i) {
      const unsigned char* t = sqlite3_column_text(s.get(), i);
      if (t)
        r.emplace_back(reinterpret_cast<const char*>(t));
      else
        r.emplace_back(std::nullopt);
    }
    rows.push_back(std::move(r));
  }
  return rows;
}

struct Listed {
  std::string schema, name;
  std::optional<ShadowInfo> info;  // none when "<name>_info" does not exist
  std::optional<std::string> chunks, bytes;
  std::optional<std::string> text(const char* key) const { return info ? info->text(key) : std::nullopt; }
};

std::string ascii_lower(std::string s) {
  for (char& ch : s)
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  return s;
}

// Every kvcolumn table of every attached database with its "_info" rows and
// chunk count/bytes. A table whose shadow tables are missing (damaged) is
// still listed, with NULLs where they would be (kvcolumn_check says what is
// wrong); any failure to read (I/O, locking, memory) is an error, never a row.
std::vector<Listed> list_tables(sqlite3* db) {
  std::vector<Listed> out;
  for (const Row& dbrow : query(db, "PRAGMA database_list")) {
    if (!dbrow[1]) continue;
    const std::string schema = *dbrow[1];
    const auto tables = query(
        db, mprintf("SELECT name, sql LIKE 'create virtual table%%', sql FROM \"%w\".sqlite_schema "
                    "WHERE type = 'table' ORDER BY name",
                    schema.c_str()));
    std::set<std::string> names;  // ASCII-lowercased, as SQLite compares names
    for (const Row& t : tables)
      if (t[0]) names.insert(ascii_lower(*t[0]));
    auto exists = [&](const std::string& name, const char* suffix) {
      return names.count(ascii_lower(name + "_" + suffix)) > 0;
    };
    for (const Row& t : tables) {
      if (!t[0] || !t[1] || *t[1] != "1" || !t[2] || !uses_module(*t[2], "kvcolumn")) continue;
      Listed l{schema, *t[0], std::nullopt, std::nullopt, std::nullopt};
      if (exists(l.name, kInfoSuffix)) {
        l.info = ShadowInfo::read(db, schema, l.name);
        const bool varsize = l.text("elem_size") == std::optional<std::string>("0");
        const std::vector<const char*> suffixes = chunk_suffixes(varsize);
        bool all_exist = true;
        std::string from;
        for (const char* suffix : suffixes) {
          all_exist = all_exist && exists(l.name, suffix);
          from += std::string(from.empty() ? "" : " UNION ALL ") + "SELECT data FROM " +
                  shadow_name(schema, l.name, suffix);
        }
        if (all_exist) {
          auto agg = query(db, "SELECT count(*), sum(length(data)) FROM (" + from + ")");
          l.chunks = agg[0][0];
          l.bytes = agg[0][1] ? agg[0][1] : std::optional<std::string>("0");
        }
      }
      out.push_back(std::move(l));
    }
  }
  return out;
}

// ---- kvcolumns ----------------------------------------------------------------

// live_bytes: element bytes in storage (variable-size: the data-stream
// records elements use); dead_bytes: data-stream records left by updates and
// deletes until compaction (always 0 for fixed-size columns).
enum ListCol {
  kSchema,
  kName,
  kDtype,
  kElemSize,
  kLength,
  kChunks,
  kBytes,
  kMinChunk,
  kMaxChunk,
  kLive,
  kDead
};

struct ListCursor : RowsCursor<Listed> {};

int listConnect(sqlite3* db, void*, int, const char* const*, sqlite3_vtab** out, char** err) {
  return connect_table<ConnectionTable>(
      db,
      "CREATE TABLE x(schema TEXT, name TEXT, dtype TEXT, elem_size INTEGER, length "
      "INTEGER, chunks INTEGER, bytes INTEGER, min_chunk_bytes INTEGER, max_chunk_bytes "
      "INTEGER, live_bytes INTEGER, dead_bytes INTEGER)",
      "kvcolumns", out, err);
}
int listBestIndex(sqlite3_vtab*, sqlite3_index_info* info) {
  info->estimatedCost = 100;
  return SQLITE_OK;
}
int listFilter(sqlite3_vtab_cursor* cur, int, const char*, int, sqlite3_value**) {
  auto* c = static_cast<ListCursor*>(cur);
  return guard_status(&cur->pVtab->zErrMsg, [&] {
    c->rows = list_tables(c->db());
    c->pos = 0;
    return SQLITE_OK;
  });
}
int listColumn(sqlite3_vtab_cursor* cur, sqlite3_context* ctx, int col) {
  auto* c = static_cast<ListCursor*>(cur);
  return guard_status(&cur->pVtab->zErrMsg, [&] {
    const Listed& l = c->rows[c->pos];
    auto text = [&](const std::string& s) { set_text_result(ctx, s); };  // corrupt rows: \xHH, valid UTF-8
    auto number = [&](const std::optional<std::string>& s) {
      if (s) sqlite3_result_int64(ctx, std::strtoll(s->c_str(), nullptr, 10));
    };
    auto info = [&](const char* key) { return l.text(key); };
    switch (col) {
      case kSchema: text(l.schema); break;
      case kName: text(l.name); break;
      case kDtype:
        if (auto d = info("dtype")) text(*d);
        break;
      case kElemSize: number(info("elem_size")); break;
      case kLength: number(info("length")); break;
      case kChunks: number(l.chunks); break;
      case kBytes: number(l.bytes); break;
      case kMinChunk: number(info("min_chunk_bytes")); break;
      case kMaxChunk: number(info("max_chunk_bytes")); break;
      case kLive:
      case kDead: {
        auto as_int = [](const std::optional<std::string>& v) -> std::int64_t {
          return v ? std::strtoll(v->c_str(), nullptr, 10) : 0;
        };
        const std::int64_t elem = as_int(info("elem_size"));
        const std::int64_t dead = elem == 0 ? as_int(info("dead_bytes")) : 0;
        const std::int64_t live =
            elem == 0 ? as_int(info("data_length")) - dead : elem * as_int(info("length"));
        sqlite3_result_int64(ctx, col == kLive ? live : dead);
        break;
      }
    }
    return SQLITE_OK;
  });
}

const sqlite3_module kListModule = {
    /* iVersion      */ 0,
    /* xCreate       */ nullptr,  // eponymous only
    /* xConnect      */ listConnect,
    /* xBestIndex    */ listBestIndex,
    /* xDisconnect   */ disconnect_table<ConnectionTable>,
    /* xDestroy      */ disconnect_table<ConnectionTable>,
    /* xOpen         */ open_cursor<ListCursor>,
    /* xClose        */ close_cursor<ListCursor>,
    /* xFilter       */ listFilter,
    /* xNext         */ rows_next<ListCursor>,
    /* xEof          */ rows_eof<ListCursor>,
    /* xColumn       */ listColumn,
    /* xRowid        */ rows_rowid<ListCursor>,
    /* xUpdate       */ nullptr,  // read-only
    /* xBegin        */ nullptr,
    /* xSync         */ nullptr,
    /* xCommit       */ nullptr,
    /* xRollback     */ nullptr,
    /* xFindFunction */ nullptr,
    /* xRename       */ nullptr,
    /* xSavepoint    */ nullptr,
    /* xRelease      */ nullptr,
    /* xRollbackTo   */ nullptr,
    /* xShadowName   */ nullptr,
};

// ---- kvcolumn_check -----------------------------------------------------------

// The rows of "<name>_<suffix>" against a layout and element count: indexes
// 0..n-1, BLOBs of whole elements, full chunks exactly max, the last large enough.
void check_chunks(sqlite3* db, const std::string& schema, const std::string& name, const char* suffix,
                  const kv::ChunkLayout& layout, std::uint64_t n, std::vector<std::string>& problems) {
  const std::string where = std::string_view(suffix) == kChunksSuffix ? "" : std::string(" of ") + name + "_" + suffix;
  const std::uint64_t expected = layout.chunk_count(n);
  auto chunks = query(db, "SELECT chunk_idx, typeof(data), length(data) FROM " +
                              shadow_name(schema, name, suffix) + " ORDER BY chunk_idx");
  std::uint64_t next = 0;
  for (const Row& c : chunks) {
    std::int64_t idx = std::strtoll(c[0]->c_str(), nullptr, 10);
    if (idx < 0 || static_cast<std::uint64_t>(idx) >= expected) {
      problems.push_back("chunk " + std::to_string(idx) + where + " is outside 0.." +
                         std::to_string(static_cast<std::int64_t>(expected) - 1) + " for length " +
                         std::to_string(n));
      continue;
    }
    if (static_cast<std::uint64_t>(idx) != next)
      problems.push_back("chunk " + std::to_string(next) + where + " is missing");
    next = static_cast<std::uint64_t>(idx) + 1;
    if (*c[1] != "blob") {
      problems.push_back("chunk " + std::to_string(idx) + where + " is " + *c[1] + ", not a BLOB");
      continue;
    }
    std::uint64_t size = std::strtoull(c[2]->c_str(), nullptr, 10);
    std::uint64_t elems = layout.elems_in_chunk(static_cast<std::uint64_t>(idx), n);
    if (!layout.valid_blob_size(size, elems))
      problems.push_back("chunk " + std::to_string(idx) + where + " has " + std::to_string(size) +
                         " bytes, expected room for " + std::to_string(elems) + " elements of " +
                         std::to_string(layout.elem_size()) + " bytes" +
                         (elems == layout.elems_per_chunk()
                              ? " (exactly " + std::to_string(layout.full_chunk_bytes()) + ")"
                              : ""));
  }
  if (next < expected)
    problems.push_back("chunks " + std::to_string(next) + ".." + std::to_string(expected - 1) + where +
                       " are missing for length " + std::to_string(n));
}

// Checks the kvcolumn table found by resolve_table.
std::string check_table(sqlite3* db, const ResolvedTable& table) {
  const std::string& schema = table.schema;
  const std::string& name = table.table;
  std::vector<std::string> problems;
  const ShadowInfo info = ShadowInfo::read(db, schema, name);
  auto number = [&](const char* key) -> std::optional<std::int64_t> {
    const std::optional<std::string> text = info.text(key);
    if (!text) {
      problems.push_back(std::string(name) + "_info has no " + key);
      return std::nullopt;
    }
    const std::string& s = *text;
    char* end = nullptr;
    long long v = std::strtoll(s.c_str(), &end, 10);
    if (s.empty() || *end || v < 0) {
      problems.push_back(std::string(key) + " '" + s + "' is not a non-negative integer");
      return std::nullopt;
    }
    return v;
  };
  auto version = number("format_version");
  auto elem = number("elem_size"), min_b = number("min_chunk_bytes"), max_b = number("max_chunk_bytes");
  const int expected_version = format_version(elem && *elem == 0);
  if (version && *version != expected_version)
    problems.push_back("format_version " + std::to_string(*version) + " is not " +
                       std::to_string(expected_version));
  auto length = number("length");
  const std::optional<std::string> dt = info.text("dtype");
  if (!dt) {
    problems.push_back(name + "_info has no dtype");
  } else {
    try {
      kv::DType d = kv::parse_dtype(*dt);
      if (elem && d.elem_size() != static_cast<std::uint64_t>(*elem))
        problems.push_back("elem_size " + std::to_string(*elem) + " does not match dtype '" + *dt +
                           "' (" + std::to_string(d.elem_size()) + " bytes)");
    } catch (const kv::Error& e) {
      problems.push_back(std::string("dtype: ") + e.what());
    }
  }
  const bool varsize = elem && *elem == 0;
  auto data_length = varsize ? number("data_length") : std::optional<std::int64_t>(0);
  if (elem && min_b && max_b && length && data_length && problems.empty()) {
    try {
      auto n = [](std::int64_t v) { return static_cast<std::uint64_t>(v); };
      if (varsize) {
        check_chunks(db, schema, name, kIdxSuffix, kv::ChunkLayout(kv::kVarIndexEntryBytes, n(*min_b), n(*max_b)),
                     n(*length), problems);
        check_chunks(db, schema, name, kDataSuffix, kv::ChunkLayout(1, n(*min_b), n(*max_b)), n(*data_length),
                     problems);
        if (problems.empty()) {  // the rows are sound: now every entry against the stream
          SqliteChunkStore index(db, schema, name, kIdxSuffix, "length"),
              data(db, schema, name, kDataSuffix, "data_length");
          kv::VarColumn column(index, data, n(*min_b), n(*max_b), name, 1 << 20, 1 << 24);
          for (auto& p : column.verify()) problems.push_back(std::move(p));
        }
      } else {
        check_chunks(db, schema, name, kChunksSuffix, kv::ChunkLayout(n(*elem), n(*min_b), n(*max_b)), n(*length),
                     problems);
      }
    } catch (const kv::Error& e) {
      if (e.code() != kv::Errc::invalid_argument) throw;
      problems.push_back(std::string("chunk sizes: ") + e.what());
    }
  }
  if (problems.empty()) return "ok";
  std::string out;
  for (const auto& p : problems) out += (out.empty() ? "" : "\n") + p;
  return out;
}

// kvcolumn_check(table) or kvcolumn_check(schema, table) -> 'ok' or the
// problems found, one per line. table is 'name' or 'schema.name', found as
// SQLite finds a table (common/resolve_table.hpp); the two-argument form
// searches only the given database.
void kvcolumn_check_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  guard_function(ctx, [&] {
    auto text = [&](int i) {
      const unsigned char* t = sqlite3_value_text(argv[i]);
      if (!t) kv::fail(kv::Errc::invalid_argument, "kvcolumn_check: expected a table name, got NULL");
      return std::string(reinterpret_cast<const char*>(t), static_cast<std::size_t>(sqlite3_value_bytes(argv[i])));
    };
    sqlite3* db = sqlite3_context_db_handle(ctx);
    const ResolvedTable table = argc == 2 ? resolve_table_in(db, text(0), text(1), "kvcolumn", "kvcolumn_check")
                                          : resolve_table(db, text(0), "kvcolumn", "kvcolumn_check");
    std::string result = check_table(db, table);
    set_text_result(ctx, result);  // quotes stored bytes: \xHH keeps it valid UTF-8
  });
}

constexpr FunctionSpec kCheckFunctions[] = {
    // Reads the database: neither deterministic nor innocuous.
    {"kvcolumn_check", 1, SQLITE_UTF8, false, kvcolumn_check_fn, nullptr},
    {"kvcolumn_check", 2, SQLITE_UTF8, false, kvcolumn_check_fn, nullptr},
};

}  // namespace

int register_list(sqlite3* db, char** err) {
  int rc = register_module(db, "kvcolumns", &kListModule, err);
  if (rc == SQLITE_OK) rc = register_functions(db, kCheckFunctions, err);
  return rc;
}

}  // namespace kvx::kvcolumn
