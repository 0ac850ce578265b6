// The validate-only check and the zero-copy view (codec/element.hpp): a
// dispatch onto the families' own checks (codec::str::check_str, codec::vec::check,
// the msgpack/cbor/auto decoders), the same ones unpack() runs first.
#include "codec/element.hpp"

#include "codec/auto_header.hpp"
#include "codec/codec.hpp"
#include "codec/str.hpp"
#include "codec/vec.hpp"
#include "common/error.hpp"

namespace kv {

namespace detail {

void wrong_element_size(const DType& dtype, std::size_t got) {
  fail(Errc::corrupt, "expected " + std::to_string(dtype.elem_size()) + " bytes for " + dtype.name() +
                          ", got " + std::to_string(got));
}

ElementView view_other(const DType& dtype, std::string_view bytes) {
  switch (dtype.family) {
    case Family::bytes:
      codec::str::check_bytes(dtype, bytes);
      return {ElementView::Type::blob, 0, 0, 0, bytes};
    case Family::str:
      if (dtype.encoding != Encoding::utf8 && dtype.encoding != Encoding::ascii) return {};
      return {ElementView::Type::text, 0, 0, 0, codec::str::check_str(dtype, bytes)};
    default: return {};  // transcoded or formatted: unpack()
  }
}

}  // namespace detail

void check_element(const DType& dtype, std::string_view bytes) {
  switch (dtype.family) {
    case Family::integer:
    case Family::floating:
      if (bytes.size() != num_size(dtype.num)) detail::wrong_element_size(dtype, bytes.size());
      return;
    case Family::bytes: return codec::str::check_bytes(dtype, bytes);
    case Family::str: codec::str::check_str(dtype, bytes); return;
    case Family::vec: codec::vec::check(dtype, bytes); return;
    case Family::msgpack:
    case Family::cbor:
    case Family::auto_header: unpack(dtype, bytes); return;  // the decoder is the check
  }
}

}  // namespace kv
