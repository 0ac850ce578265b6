#include "common/build_info.hpp"

#include <cbor.h>
#include <msgpack.h>

#include <nlohmann/json.hpp>

namespace kv {

std::string library_versions() {
  std::string s;
  s += std::string("msgpack-c: ") + msgpack_version() + "\n";
  s += "libcbor: " + std::to_string(CBOR_MAJOR_VERSION) + "." + std::to_string(CBOR_MINOR_VERSION) + "." +
       std::to_string(CBOR_PATCH_VERSION) + "\n";
  s += "nlohmann_json: " + std::to_string(NLOHMANN_JSON_VERSION_MAJOR) + "." +
       std::to_string(NLOHMANN_JSON_VERSION_MINOR) + "." + std::to_string(NLOHMANN_JSON_VERSION_PATCH) + "\n";
  s += "compiler: " __VERSION__ "\n";
  return s;
}

}  // namespace kv
