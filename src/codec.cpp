// The dtype dispatch: routes each element to its family's codec and checks the
// element framing (exact fixed sizes, trailing bytes, :N padding) in one place.
#include "codec.hpp"

#include "codec_numeric.hpp"
#include "codec_string.hpp"
#include "codec_vec.hpp"
#include "error.hpp"

namespace kv {
namespace {

[[noreturn]] void wrong_size(const DType& dtype, std::size_t got) {
  fail(Errc::corrupt, "expected " + std::to_string(dtype.elem_size()) + " bytes for " + dtype.name() +
                          ", got " + std::to_string(got));
}

[[noreturn]] void unsupported(const DType& dtype) {
  fail(Errc::invalid_argument, "dtype " + dtype.name() + " is not available in this build");
}

}  // namespace

void pack(const DType& dtype, const ValueView& value, std::string& out) {
  switch (dtype.family) {
    case Family::integer:
    case Family::floating: {
      char buf[8];
      numeric::pack(dtype.num, value, buf);
      out.append(buf, num_size(dtype.num));
      return;
    }
    case Family::bytes: return strcodec::pack_bytes(dtype, value, out);
    case Family::str: return strcodec::pack_str(dtype, value, out);
    case Family::vec: return veccodec::pack(dtype, value, out);
    default: unsupported(dtype);
  }
}

Value unpack(const DType& dtype, std::string_view element) {
  switch (dtype.family) {
    case Family::integer:
    case Family::floating:
      if (element.size() != num_size(dtype.num)) wrong_size(dtype, element.size());
      return numeric::unpack(dtype.num, element.data());
    case Family::bytes: return strcodec::unpack_bytes(dtype, element);
    case Family::str: return strcodec::unpack_str(dtype, element);
    case Family::vec: return veccodec::unpack(dtype, element);
    default: unsupported(dtype);
  }
}

std::size_t element_length(const DType& dtype, std::string_view data) {
  if (std::size_t n = dtype.elem_size()) {
    if (data.size() < n)
      fail(Errc::corrupt, "truncated " + dtype.name() + " element: expected " + std::to_string(n) +
                              " bytes, only " + std::to_string(data.size()) + " left");
    return n;
  }
  fail(Errc::invalid_argument, dtype.name() + " elements carry no length: give their byte offsets");
}

}  // namespace kv
