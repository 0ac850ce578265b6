// dtype strings: parsing, normalisation and element sizes.
//
//   i8 i16 i32 i64 u8 u16 u32 u64 f32 f64      fixed, 1-8 bytes little-endian
//   bytes | bytes:N                            raw bytes, variable | N zero-padded
//   str[:ENC] | str:N[:ENC]                    text in ENC (default utf8)
//   msgpack[:N] | cbor[:N]                     one MessagePack / CBOR item
//   vec:E | vec:E:D1[:D2...]                   any-shape | fixed-shape array of E
//   auto                                       KohakuVault's headed values
//                                              (kv_pack/kv_unpack only)
//
// ENC is utf8, utf16le, utf16be, latin1 or ascii (aliases utf-8, utf-16le,
// utf-16be, iso-8859-1). Names are case-insensitive; DType::name() gives the
// normalised spelling. N and every Di are decimal, >= 1, and an element is at
// most kMaxElementBytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kv {

// The largest element a dtype may describe: SQLite's default blob limit.
inline constexpr std::size_t kMaxElementBytes = 1000000000;

enum class Family : std::uint8_t { integer, floating, bytes, str, msgpack, cbor, vec, auto_header };

// Numeric element types. Their order is not the vec type-byte order: use
// vec_type_byte() for that.
enum class Num : std::uint8_t { i8, i16, i32, i64, u8, u16, u32, u64, f32, f64 };

enum class Encoding : std::uint8_t { utf8, utf16le, utf16be, latin1, ascii };

std::size_t num_size(Num n) noexcept;
bool num_is_signed(Num n) noexcept;  // true for i* (and floats)
bool num_is_float(Num n) noexcept;
const char* num_name(Num n) noexcept;
const char* encoding_name(Encoding e) noexcept;

// KohakuVault's vector element type byte (f32 0x01 ... i16 0x0A), and back.
std::uint8_t vec_type_byte(Num n) noexcept;
bool num_from_vec_type_byte(std::uint8_t byte, Num& out) noexcept;

struct DType {
  Family family = Family::bytes;
  Num num = Num::i64;                  // integer, floating, vec
  Encoding encoding = Encoding::utf8;  // str
  std::size_t fixed_size = 0;          // N of bytes:N, str:N, msgpack:N, cbor:N
  std::vector<std::uint32_t> dims;     // vec fixed shape; empty for any shape

  // Bytes per element, or 0 for variable-size dtypes.
  std::size_t elem_size() const noexcept;
  bool is_varsize() const noexcept { return elem_size() == 0; }
  // Number of numeric elements in a fixed-shape vec (product of dims).
  std::size_t vec_count() const noexcept;
  // Normalised dtype string, e.g. "str:32:utf8", "vec:f32:2:3".
  std::string name() const;

  bool operator==(const DType&) const = default;
};

// Parses a dtype string; throws kv::Error(invalid_argument) naming the dtype
// and what was expected.
DType parse_dtype(std::string_view text);

}  // namespace kv
