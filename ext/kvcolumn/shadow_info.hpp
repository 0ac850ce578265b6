// The "<table>_info" rows of a kvcolumn table, read, validated and written
// by one type (xCreate, xConnect, kvcolumns, kvcolumn_check). The shadow
// tables' names are in kvcolumn.hpp (kShadowSuffixes).
//
// "<table>_info" rows: format_version (1 fixed-size, 2 variable-size), dtype
// (normalised), elem_size (0 for variable-size), min_chunk_bytes,
// max_chunk_bytes, length, data_length and dead_bytes (variable-size),
// schema (msgpack/cbor with the schema option), instance_id.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/sqlite.hpp"
#include "kvcolumn/kvcolumn.hpp"

namespace kvx::kvcolumn {

// One "<table>_info" value as stored.
struct InfoValue {
  int type = SQLITE_NULL;
  sqlite3_int64 integer = 0;
  std::string text;  // sqlite3_column_text of the value ("" for NULL)
};

class ShadowInfo {
 public:
  // Reads every row of "<schema>"."<table>_info". A failure to read is the
  // failure SQLite reports (I/O, locking, memory), never "corrupt".
  static ShadowInfo read(sqlite3* db, const std::string& schema, const std::string& table);

  // Creates "<table>_info" and its chunk tables and writes the rows of a new table.
  static void create(sqlite3* db, const std::string& schema, const std::string& table, const Options& options);

  // The value of key, or null when there is no such row.
  const InfoValue* find(std::string_view key) const;
  // The value as text, nullopt when the row is missing or NULL (the listing).
  std::optional<std::string> text(std::string_view key) const;

  // The options the table was created with (they describe the stored bytes,
  // so they win over the re-parsed module arguments in `declared`, which
  // supply only cache_bytes, and schema for tables created before it was
  // stored). Missing or invalid rows, or a format_version this build does not
  // read, are Error(corrupt) naming the table.
  Options options(const std::string& table, Options declared) const;

 private:
  std::map<std::string, InfoValue, std::less<>> rows_;
};

}  // namespace kvx::kvcolumn
