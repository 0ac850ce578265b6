// base64url without padding (RFC 4648 §5), base64 and base16: how the MessagePack
// and CBOR decoders show nested binary data inside JSON text (RFC 8949 §6.1).
#pragma once

#include <string>
#include <string_view>

namespace kv {

void append_base64url(std::string& out, std::string_view bytes);  // no '=' padding
void append_base64(std::string& out, std::string_view bytes);     // with '=' padding
void append_base16(std::string& out, std::string_view bytes);     // lower-case hex

}  // namespace kv
