// sqlite3_value <-> engine values (src/common/value.hpp), the one place that maps
// between them. Used by the DataPacker functions and the virtual tables.
//
//   to_view:   NULL/INTEGER/REAL/TEXT/BLOB -> ValueView of the same kind; the
//              view borrows the sqlite3_value's bytes, so use it before the
//              value changes (within the same callback).
//   set_result: Value -> sqlite3_result_*; Kind::json is TEXT with SQLite's
//              JSON subtype, so json_extract() and friends read it directly.
//              A TEXT or BLOB longer than the connection's length limit
//              becomes SQLITE_TOOBIG with a kohakuvault: message naming both
//              sizes (not SQLite's bare "string or blob too big").
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/sqlite.hpp"
#include "common/value.hpp"

namespace kvx {

kv::ValueView to_view(sqlite3_value* value);

// SQLite's name of a fundamental datatype code (SQLITE_INTEGER -> "INTEGER",
// ... SQLITE_NULL -> "NULL"), for messages naming a bad argument.
const char* sqlite_type_name(int type) noexcept;

// The connection's current SQLITE_LIMIT_LENGTH: the largest TEXT or BLOB a
// function may return. Producers check count x size against it first.
std::size_t length_limit(sqlite3_context* ctx);

void set_result(sqlite3_context* ctx, const kv::Value& value);

// TEXT with the JSON subtype.
void set_json_result(sqlite3_context* ctx, const std::string& json);
// A TEXT result (copied); bytes of invalid UTF-8 are written \xHH.
void set_text_result(sqlite3_context* ctx, std::string_view text);
// A BLOB result (copied).
void set_blob_result(sqlite3_context* ctx, const std::string& bytes);

}  // namespace kvx
