#include "common/value.hpp"

namespace kv {

const char* kind_name(Kind k) noexcept {
  switch (k) {
    case Kind::null: return "NULL";
    case Kind::integer: return "INTEGER";
    case Kind::real: return "REAL";
    case Kind::text: return "TEXT";
    case Kind::blob: return "BLOB";
    case Kind::json: return "JSON";
  }
  return "?";
}

}  // namespace kv
