// One stored element of a dtype, checked or seen in place, with no copy: what
// kvcolumn's cursor and write path, the batch functions and kv_unpack share
// with unpack() (codec/codec.hpp), so that what makes bytes a valid element is
// written once, per family, in the family's codec.
//
//   check_element(dtype, bytes)   validate-only. Returns when `bytes` are one
//       element unpack() would decode; otherwise throws kv::Error(corrupt)
//       with unpack()'s own message (the size, the UTF-8 / UTF-16 / ASCII
//       fault and its offset, the vec type byte or header). Nothing is
//       allocated for a good element of a number, bytes, str or vec dtype;
//       msgpack, cbor and auto items are checked by decoding them (their rules
//       live in one decoder each).
//   view_element(dtype, bytes)    zero-copy decode. The element's value as a
//       small tagged view: INTEGER (i8..u64), u64 above 2^63-1 (SQL sees its
//       decimal digits, as unpack() returns them), REAL (f32 widened, f64),
//       TEXT pointing into `bytes` (str in utf8 or ascii, :N padding
//       stripped) or BLOB pointing into `bytes` (bytes, bytes:N with its
//       padding, as unpack() returns it). Checked as check_element() checks.
//       Elements that must be transcoded or formatted (vec, msgpack, cbor,
//       auto, str in utf16le/utf16be/latin1) have no view: Type::none, go to
//       unpack().
//
// The view borrows `bytes`: use it before they change.
#pragma once

#include <bit>
#include <cstdint>
#include <string_view>

#include "codec/dtype.hpp"
#include "codec/util.hpp"

namespace kv {

struct ElementView {
  enum class Type : std::uint8_t { none, null, integer, uint64, real, text, blob };
  Type type = Type::none;
  std::int64_t i = 0;      // integer
  std::uint64_t u = 0;     // uint64: a u64 value above 2^63-1
  double r = 0;            // real
  std::string_view bytes;  // text (valid UTF-8) or blob, inside the element

  static ElementView integer(std::int64_t v) { return {Type::integer, v, 0, 0, {}}; }
  static ElementView real(double v) { return {Type::real, 0, 0, v, {}}; }
};

void check_element(const DType& dtype, std::string_view bytes);

namespace detail {
// The fixed-size numbers: exactly num_size(n) bytes, any bytes a value.
[[noreturn]] void wrong_element_size(const DType& dtype, std::size_t got);
ElementView view_other(const DType& dtype, std::string_view bytes);
}  // namespace detail

// Numbers are decoded inline: this is per row on every kvcolumn scan.
inline ElementView view_element(const DType& dtype, std::string_view bytes) {
  if (dtype.family != Family::integer && dtype.family != Family::floating)
    return detail::view_other(dtype, bytes);
  if (bytes.size() != num_size(dtype.num)) detail::wrong_element_size(dtype, bytes.size());
  const char* p = bytes.data();
  switch (dtype.num) {
    case Num::i8: return ElementView::integer(static_cast<std::int8_t>(p[0]));
    case Num::u8: return ElementView::integer(static_cast<std::uint8_t>(p[0]));
    case Num::i16: return ElementView::integer(detail::load_le<std::int16_t>(p));
    case Num::u16: return ElementView::integer(detail::load_le<std::uint16_t>(p));
    case Num::i32: return ElementView::integer(detail::load_le<std::int32_t>(p));
    case Num::u32: return ElementView::integer(detail::load_le<std::uint32_t>(p));
    case Num::i64: return ElementView::integer(detail::load_le<std::int64_t>(p));
    case Num::u64: {
      const std::uint64_t v = detail::load_le<std::uint64_t>(p);
      if (v <= static_cast<std::uint64_t>(INT64_MAX)) return ElementView::integer(static_cast<std::int64_t>(v));
      return {ElementView::Type::uint64, 0, v, 0, {}};
    }
    case Num::f32: return ElementView::real(static_cast<double>(detail::load_le<float>(p)));
    case Num::f64: return ElementView::real(detail::load_le<double>(p));
  }
  return {};
}

}  // namespace kv
