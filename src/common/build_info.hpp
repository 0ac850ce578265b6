// Versions of the libraries the engine was built with, for kohakuvault_debug().
#pragma once

#include <string>

namespace kv {

// One "name: version" line per library (msgpack-c, libcbor, nlohmann_json, compiler).
std::string library_versions();

}  // namespace kv
