// The DataPacker: one element of a dtype to bytes and back.
//
// Families live in their own files (codec/numeric.cpp, codec/string.cpp,
// codec/vec.cpp, codec/msgpack.cpp, codec/cbor.cpp, codec/auto_header.cpp); this is
// the dispatch every caller uses. Errors are kv::Error naming the value and
// the dtype: type_mismatch for a value of the wrong SQL type, out_of_range for
// a value the dtype cannot hold, too_big for a fixed-size overflow, corrupt
// for malformed bytes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "codec/dtype.hpp"
#include "common/value.hpp"

namespace kv {

// Appends the packed element to out. For fixed-size dtypes exactly
// elem_size() bytes are appended (zero-padded where the dtype pads).
void pack(const DType& dtype, const ValueView& value, std::string& out);

// Decodes one whole element: `element` must be exactly one element (for
// fixed-size dtypes exactly elem_size() bytes; for msgpack/cbor one item and
// nothing after it but, for :N forms, zero padding).
Value unpack(const DType& dtype, std::string_view element);

// The byte length of the element that starts at data[0]: elem_size() for
// fixed-size dtypes, one item for msgpack/cbor. Throws corrupt when data does
// not hold a whole element, invalid_argument for dtypes whose elements carry
// no length (bytes, str, vec:E, auto): those need offsets.
std::size_t element_length(const DType& dtype, std::string_view data);

// The JSON text a JSON Schema validates for a value of dtype (kv_pack's schema
// argument, a kvcolumn's schema option): TEXT (or JSON) is the JSON document
// itself for msgpack/cbor/vec and a JSON string for the other dtypes; numbers
// and NULL are their JSON form; a BLOB is type_mismatch.
std::string value_as_json(const DType& dtype, const ValueView& value);

}  // namespace kv
