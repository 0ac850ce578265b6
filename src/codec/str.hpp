// bytes, bytes:N and str[:N]:ENC.
//
//  * bytes: BLOB in (TEXT is taken as its UTF-8 bytes), BLOB out. bytes:N
//    zero-pads to N; a longer value is too_big. Unpack of bytes:N returns all N
//    stored bytes (padding included: bytes carry no length).
//  * str: TEXT in (valid UTF-8), TEXT out, stored in ENC: utf8, utf16le /
//    utf16be (surrogate pairs, no BOM), latin1 (U+0000..U+00FF), ascii
//    (U+0000..U+007F). An unencodable character is out_of_range naming the
//    character and its index. str:N zero-pads the encoded bytes to N (longer
//    is too_big); text ending in U+0000 cannot be told from padding there, so
//    it is rejected. Unpack of str:N strips trailing zero code units; bytes
//    that do not decode are corrupt.
#pragma once

#include <string>
#include <string_view>

#include "codec/dtype.hpp"
#include "common/value.hpp"

namespace kv::codec::str {

void pack_bytes(const DType& dtype, const ValueView& value, std::string& out);
Value unpack_bytes(const DType& dtype, std::string_view element);

void pack_str(const DType& dtype, const ValueView& value, std::string& out);
Value unpack_str(const DType& dtype, std::string_view element);

// UTF-8 text -> bytes in enc (errors name the dtype; its name is only built
// for an error, these are per-element hot paths).
void encode(Encoding enc, std::string_view utf8, std::string& out, const DType& dtype);
// Bytes in enc -> UTF-8 (corrupt when undecodable).
std::string decode(Encoding enc, std::string_view data, const DType& dtype);

// The validate-only checks (codec/element.hpp): corrupt when unpack would
// fail, and nothing allocated when it would not.
// bytes:N: exactly N bytes (any bytes are a value).
void check_bytes(const DType& dtype, std::string_view element);
// str: the element's encoded text (str:N: exactly N bytes, the trailing zero
// code units stripped) when it decodes in the dtype's encoding. For utf8 and
// ascii that text is the UTF-8 the element unpacks to.
std::string_view check_str(const DType& dtype, std::string_view element);
// str:N's encoded text without its zero padding (size checked); str's element itself.
std::string_view stored_text(const DType& dtype, std::string_view element);

}  // namespace kv::codec::str
