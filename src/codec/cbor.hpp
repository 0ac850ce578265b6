// CBOR codec (codec/cbor.cpp, RFC 8949), as called by the dtype dispatch in
// codec.cpp and by the SQL functions.
//
// Value mapping (SQL_INTERFACE.md §2): NULL -> null, INTEGER -> integer,
// REAL -> float64, TEXT -> parsed as a JSON document, BLOB -> byte string.
// Decoding returns INTEGER/REAL/NULL/BLOB for top-level scalars and JSON text
// (Kind::json) for strings, booleans, arrays and maps.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/value.hpp"

namespace kv::codec::cbor {
// Appends one CBOR item: shortest integer heads, float64 for REAL, definite lengths.
void pack(const ValueView& value, std::string& out);
// Decodes the first item of data; sets consumed to its length.
Value unpack_one(std::string_view data, std::size_t& consumed);
}  // namespace kv::codec::cbor
