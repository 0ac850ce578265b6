// sqlite3_value <-> engine values (src/common/value.hpp), the one place that maps
// between them. Used by the DataPacker functions and the virtual tables.
//
//   to_view:   NULL/INTEGER/REAL/TEXT/BLOB -> ValueView of the same kind; the
//              view borrows the sqlite3_value's bytes, so use it before the
//              value changes (within the same callback).
//   to_value:  the same, owned (copied): for values kept past the callback.
//   assign_value: to_value into an existing Value, reusing its string's
//              capacity (a cursor's search key: no allocation per statement).
//   to_dtype:  a dtype argument: TEXT parsed by kv::parse_dtype, anything
//              else kv::Error(invalid_argument) naming its SQL type.
//   pack_element: sqlite3_value -> one packed element of a dtype appended to
//              out, by kv::pack's rules (a REAL into f64 without the dispatch).
//   bind_value: Value -> sqlite3_bind_* (the bytes are bound SQLITE_STATIC:
//              keep the Value alive until the statement is reset).
//   set_result: Value -> sqlite3_result_*; Kind::json is TEXT with SQLite's
//              JSON subtype, so json_extract() and friends read it directly.
//              TEXT that is not valid UTF-8 comes back with \xHH escapes
//              (set_text_result: results kohakuvault decoded itself).
//   set_stored_result: a value a table stored, returned exactly as stored:
//              as set_result, but TEXT keeps its bytes whatever they are (a
//              plain table returns them so too).
//              A TEXT or BLOB longer than the connection's length limit
//              becomes SQLITE_TOOBIG with a kohakuvault: message naming both
//              sizes (not SQLite's bare "string or blob too big").
//   result_element: one packed element of a dtype -> sqlite3_result_*, from
//              its zero-copy view (kv::view_element: numbers, str in
//              utf8/ascii, bytes) or else from kv::unpack; bad bytes throw
//              kv::Error(corrupt) as kv::unpack does.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "codec/dtype.hpp"
#include "codec/element.hpp"
#include "common/sqlite.hpp"
#include "common/value.hpp"

namespace kvx {

kv::ValueView to_view(sqlite3_value* value);
kv::Value to_value(sqlite3_value* value);
// Strong: when copying the bytes fails (std::bad_alloc), out is unchanged.
void assign_value(kv::Value& out, sqlite3_value* value);
kv::DType to_dtype(sqlite3_value* value);
void pack_element(const kv::DType& dtype, sqlite3_value* value, std::string& out);
void bind_value(sqlite3_stmt* stmt, int i, const kv::Value& value);

// SQLite's name of a fundamental datatype code (SQLITE_INTEGER -> "INTEGER",
// ... SQLITE_NULL -> "NULL"), for messages naming a bad argument.
const char* sqlite_type_name(int type) noexcept;

// The connection's current SQLITE_LIMIT_LENGTH: the largest TEXT or BLOB a
// function may return. Producers check count x size against it first.
std::size_t length_limit(sqlite3_context* ctx);

void set_result(sqlite3_context* ctx, const kv::Value& value);
void set_stored_result(sqlite3_context* ctx, const kv::Value& value);
// An element's view (not Type::none); text and blob are copied by SQLite.
void set_result(sqlite3_context* ctx, const kv::ElementView& view);
void result_element(sqlite3_context* ctx, const kv::DType& dtype, std::string_view element);

// TEXT with the JSON subtype.
void set_json_result(sqlite3_context* ctx, const std::string& json);
// A TEXT result (copied); bytes of invalid UTF-8 are written \xHH.
void set_text_result(sqlite3_context* ctx, std::string_view text);
// A BLOB result (copied).
void set_blob_result(sqlite3_context* ctx, const std::string& bytes);

}  // namespace kvx
