// sqlite3_value <-> engine values (src/common/value.hpp), the one place that maps
// between them. Used by the DataPacker functions and the virtual tables.
//
//   to_view:   NULL/INTEGER/REAL/TEXT/BLOB -> ValueView of the same kind; the
//              view borrows the sqlite3_value's bytes, so use it before the
//              value changes (within the same callback).
//   set_result: Value -> sqlite3_result_*; Kind::json is TEXT with SQLite's
//              JSON subtype, so json_extract() and friends read it directly.
#pragma once

#include <string>

#include "common/sqlite.hpp"
#include "common/value.hpp"

namespace kvx {

kv::ValueView to_view(sqlite3_value* value);

void set_result(sqlite3_context* ctx, const kv::Value& value);

// TEXT with the JSON subtype.
void set_json_result(sqlite3_context* ctx, const std::string& json);
// A BLOB result (copied).
void set_blob_result(sqlite3_context* ctx, const std::string& bytes);

}  // namespace kvx
