// Fixed-size numbers: i8 i16 i32 i64 u8 u16 u32 u64 f32 f64, little-endian.
//
// Value mapping (docs/datapacker.md):
//  * integer dtypes take INTEGER, or a REAL whose value is exactly integral and
//    in range; anything out of range or fractional is out_of_range, never a wrap.
//    u64 values above 2^63-1 unpack as TEXT of their decimal digits, and pack
//    accepts exactly such a canonical decimal TEXT (no sign, no leading zeros,
//    2^63 .. 2^64-1), so the round trip is exact.
//  * f32/f64 take INTEGER or REAL. An INTEGER the float type cannot hold
//    exactly (2^53+1 in f64) is out_of_range; a REAL is rounded to the nearest
//    f32, but a finite REAL beyond f32's range is out_of_range. Infinities and
//    NaN pass through.
//  * TEXT (other than the u64 case), BLOB and NULL are type_mismatch.
// Also used element by element by the vec codec and the batch paths, so every
// entry point writes straight to a caller's buffer.
#pragma once

#include <cstdint>
#include <string>

#include "codec/dtype.hpp"
#include "common/value.hpp"

namespace kv::codec::numeric {

// Packs value into exactly num_size(n) bytes at dst.
void pack(Num n, const ValueView& value, char* dst);
// Typed entry points used by the JSON parsers (same rules as pack()).
void pack_int(Num n, std::int64_t v, char* dst);
void pack_uint(Num n, std::uint64_t v, char* dst);
void pack_real(Num n, double v, char* dst);

// Decodes num_size(n) bytes at src.
Value unpack(Num n, const char* src);

// Appends the element at src as a JSON number (u64 exact, f32 as the shortest
// text that reads back as the same float, NaN as null, infinities as +-9e999).
void append_json(Num n, const char* src, std::string& out);
// The same for count consecutive elements, comma separated (a tight loop for
// the batch paths).
void append_json_list(Num n, const char* src, std::size_t count, std::string& out);

}  // namespace kv::codec::numeric
