// vec:E (any shape) and vec:E:D1[:D2...] (fixed shape), KohakuVault's layout:
//
//   fixed:  type byte | prod(D) elements, little-endian, C order
//   any:    type byte | ndim (u8) | ndim x u32 LE dims | prod(dims) elements
//
// The type byte is kv::vec_type_byte(E) (f32 0x01 ... i16 0x0A). vec:f32:128 is
// 513 bytes; a 2x2 f32 any-shape vec is 01 02 02000000 02000000 + 16 bytes.
//
// Input: a JSON array (flat with exactly prod(D) numbers, or nested matching the
// shape; any-shape infers dims from rectangular nesting, a bare number is
// ndim 0), or a BLOB of raw little-endian elements (any-shape: 1-D). Elements
// follow the numeric rules (range checks; integral REALs fine; JSON null is NaN
// for float elements). Output: JSON array text nested per shape.
#pragma once

#include <string>
#include <string_view>

#include "codec/dtype.hpp"
#include "common/value.hpp"

namespace kv::codec::vec {

void pack(const DType& dtype, const ValueView& value, std::string& out);
// Returns Kind::json. Checks the type byte, ndim, dims and exact byte length.
Value unpack(const DType& dtype, std::string_view element);
// The validate-only check unpack() starts with (codec/element.hpp): the type
// byte, ndim, dims and exact byte length; corrupt naming what is wrong. Any
// bytes are valid numbers. Returns the elements' bytes (after the header).
std::string_view check(const DType& dtype, std::string_view element);

}  // namespace kv::codec::vec
