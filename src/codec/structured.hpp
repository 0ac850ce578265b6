// MessagePack and CBOR codecs (codec/msgpack.cpp, codec/cbor.cpp) and JSON
// Schema validation (json/schema.cpp), as called by the dtype dispatch in
// codec.cpp and by the SQL functions.
//
// Value mapping (SQL_INTERFACE.md §2): NULL -> nil/null, INTEGER -> integer,
// REAL -> float64, TEXT -> parsed as a JSON document, BLOB -> bin/byte string.
// Decoding returns INTEGER/REAL/NULL/BLOB for top-level scalars and JSON text
// (Kind::json) for strings, booleans, arrays and maps.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/value.hpp"

namespace kv {

namespace msgpack_codec {
// Appends one MessagePack item, byte-identical to Python msgpack.packb.
void pack(const ValueView& value, std::string& out);
// Decodes the first item of data; sets consumed to its length.
Value unpack_one(std::string_view data, std::size_t& consumed);
}  // namespace msgpack_codec

namespace cbor_codec {
void pack(const ValueView& value, std::string& out);
Value unpack_one(std::string_view data, std::size_t& consumed);
}  // namespace cbor_codec

namespace schema {
// Validates JSON text against a JSON Schema (draft 7). Returns the violation
// messages, at most max_errors of them; empty when valid. Compiled schemas are
// cached by schema text. A schema or document that is not valid JSON is
// kv::Error(invalid_argument).
std::vector<std::string> violations(std::string_view schema_text, std::string_view json_text,
                                    std::size_t max_errors = 64);
// Throws kv::Error(constraint) quoting the first violation when invalid.
void require_valid(std::string_view schema_text, std::string_view json_text);
}  // namespace schema

}  // namespace kv
