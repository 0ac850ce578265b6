// KohakuVault's auto-pack value header (KOHAKUVAULT_FORMATS.md): 10 bytes
//   89 4B | version 01 | encoding id | flags 00 | 00 00 00 | 56 4B
// before the payload. Used by the `auto` dtype of kv_pack/kv_unpack and by
// kvault's encoding column.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/value.hpp"

namespace kv::codec::auto_header {

// Packs a value in headed form (see codec/auto_header.cpp for the choice per type).
void pack(const ValueView& value, std::string& out);
// Decodes a headed value; returns a raw (unheaded) value unchanged as BLOB.
Value unpack(std::string_view data);
// The encoding name of a headed value ("msgpack", "cbor", "json", "utf8",
// "datapacker", "pickle", ...), or nullopt for raw bytes.
std::optional<std::string_view> encoding_name(std::string_view data) noexcept;

}  // namespace kv::codec::auto_header
