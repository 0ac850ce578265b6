// The dtype dispatch: routes each element to its family's codec and checks the
// element framing (exact fixed sizes, trailing bytes, :N padding) in one place.
#include "codec/codec.hpp"

#include "codec/auto_header.hpp"
#include "codec/element.hpp"
#include "codec/numeric.hpp"
#include "codec/str.hpp"
#include "codec/msgpack.hpp"
#include "codec/cbor.hpp"
#include "codec/vec.hpp"
#include "common/error.hpp"
#include "json/text.hpp"

namespace kv {
namespace {

// msgpack[:N] / cbor[:N]: one item, zero-padded to N for the fixed forms.
void pack_structured(const DType& dtype, const ValueView& value, std::string& out) {
  const std::size_t start = out.size();
  if (dtype.family == Family::msgpack) {
    codec::msgpack::pack(value, out);
  } else {
    codec::cbor::pack(value, out);
  }
  if (!dtype.fixed_size) return;
  const std::size_t n = out.size() - start;
  if (n > dtype.fixed_size) {
    out.resize(start);
    fail(Errc::too_big, "value packs to " + std::to_string(n) + " bytes, too big for " + dtype.name() +
                            " (at most " + std::to_string(dtype.fixed_size) +
                            " bytes; no silent truncation)");
  }
  out.append(dtype.fixed_size - n, '\0');
}

Value unpack_structured(const DType& dtype, std::string_view element) {
  if (dtype.fixed_size && element.size() != dtype.fixed_size) detail::wrong_element_size(dtype, element.size());
  if (element.empty()) fail(Errc::corrupt, "empty " + dtype.name() + " element");
  std::size_t used = 0;
  Value v = dtype.family == Family::msgpack ? codec::msgpack::unpack_one(element, used)
                                            : codec::cbor::unpack_one(element, used);
  std::string_view rest = element.substr(used);
  if (dtype.fixed_size ? rest.find_first_not_of('\0') != std::string_view::npos : !rest.empty())
    fail(Errc::corrupt, std::to_string(rest.size()) + " bytes after the " + dtype.name() + " item" +
                            (dtype.fixed_size ? " are not zero padding" : ": expected exactly one item"));
  return v;
}

}  // namespace

void pack(const DType& dtype, const ValueView& value, std::string& out) {
  switch (dtype.family) {
    case Family::integer:
    case Family::floating: {
      char buf[8];
      codec::numeric::pack(dtype.num, value, buf);
      out.append(buf, num_size(dtype.num));
      return;
    }
    case Family::bytes: return codec::str::pack_bytes(dtype, value, out);
    case Family::str: return codec::str::pack_str(dtype, value, out);
    case Family::vec: return codec::vec::pack(dtype, value, out);
    case Family::msgpack:
    case Family::cbor: return pack_structured(dtype, value, out);
    case Family::auto_header: return codec::auto_header::pack(value, out);
  }
  fail(Errc::internal, "unknown dtype family");
}

Value unpack(const DType& dtype, std::string_view element) {
  switch (dtype.family) {
    case Family::integer:
    case Family::floating:
      if (element.size() != num_size(dtype.num)) detail::wrong_element_size(dtype, element.size());
      return codec::numeric::unpack(dtype.num, element.data());
    case Family::bytes: return codec::str::unpack_bytes(dtype, element);
    case Family::str: return codec::str::unpack_str(dtype, element);
    case Family::vec: return codec::vec::unpack(dtype, element);
    case Family::msgpack:
    case Family::cbor: return unpack_structured(dtype, element);
    case Family::auto_header: return codec::auto_header::unpack(element);
  }
  fail(Errc::internal, "unknown dtype family");
}

std::size_t element_length(const DType& dtype, std::string_view data) {
  if (std::size_t n = dtype.elem_size()) {
    if (data.size() < n)
      fail(Errc::corrupt, "truncated " + dtype.name() + " element: expected " + std::to_string(n) +
                              " bytes, only " + std::to_string(data.size()) + " left");
    return n;
  }
  if (dtype.family == Family::msgpack || dtype.family == Family::cbor) {
    if (data.empty()) fail(Errc::corrupt, "truncated " + dtype.name() + " element: no bytes left");
    std::size_t used = 0;
    if (dtype.family == Family::msgpack) {
      codec::msgpack::unpack_one(data, used);
    } else {
      codec::cbor::unpack_one(data, used);
    }
    return used;
  }
  fail(Errc::invalid_argument, dtype.name() + " elements carry no length: give their byte offsets");
}

std::string value_as_json(const DType& dtype, const ValueView& value) {
  std::string j;
  switch (value.kind) {
    case Kind::null: return "null";
    case Kind::integer: json::append_int(j, value.i); return j;
    case Kind::real: json::append_double(j, value.r); return j;
    case Kind::text:
    case Kind::json:
      if (dtype.family == Family::msgpack || dtype.family == Family::cbor || dtype.family == Family::vec)
        return std::string(value.bytes);
      json::append_string(j, value.bytes);
      return j;
    case Kind::blob: break;
  }
  fail(Errc::type_mismatch, "a BLOB cannot be validated against a JSON Schema");
}

}  // namespace kv
