// SQL values as the engine sees them, with no SQLite types.
//
// ValueView borrows an input value (from sqlite3_value); Value owns a decoded
// result. ext/value_bridge maps both to and from SQLite.
//
// Mapping decisions shared by every codec:
//  * A u64 above 2^63-1 cannot be a SQLite INTEGER. It is returned as TEXT of
//    its exact decimal digits (Kind::text), and kv_pack of a u64 accepts such a
//    TEXT (only for values above 2^63-1), so the round trip is exact.
//  * Kind::json is TEXT holding a JSON document; SQLite gets it with the JSON
//    subtype so json_extract() and friends read it directly.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace kv {

enum class Kind : std::uint8_t { null, integer, real, text, blob, json };

const char* kind_name(Kind k) noexcept;  // "NULL", "INTEGER", "REAL", "TEXT", "BLOB", "JSON"

struct ValueView {
  Kind kind = Kind::null;
  std::int64_t i = 0;      // integer
  double r = 0;            // real
  std::string_view bytes;  // text (UTF-8), blob, json

  static ValueView null() { return {}; }
  static ValueView integer(std::int64_t v) { return {Kind::integer, v, 0, {}}; }
  static ValueView real(double v) { return {Kind::real, 0, v, {}}; }
  static ValueView text(std::string_view v) { return {Kind::text, 0, 0, v}; }
  static ValueView blob(std::string_view v) { return {Kind::blob, 0, 0, v}; }
};

struct Value {
  Kind kind = Kind::null;
  std::int64_t i = 0;
  double r = 0;
  std::string bytes;

  static Value null() { return {}; }
  static Value integer(std::int64_t v) { return {Kind::integer, v, 0, {}}; }
  static Value real(double v) { return {Kind::real, 0, v, {}}; }
  static Value text(std::string v) { return {Kind::text, 0, 0, std::move(v)}; }
  static Value blob(std::string v) { return {Kind::blob, 0, 0, std::move(v)}; }
  static Value json(std::string v) { return {Kind::json, 0, 0, std::move(v)}; }

  ValueView view() const { return {kind, i, r, bytes}; }
  bool operator==(const Value&) const = default;
};

}  // namespace kv
