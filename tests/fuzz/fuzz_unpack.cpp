// libFuzzer target over kv::unpack / kv::element_length for every dtype family.
//
// Input: byte 0 selects a dtype from kDtypes (mod its size), the rest is the
// element. Properties checked beyond "no crash, no sanitizer report":
//  * the only exception is kv::Error (never std::bad_alloc or anything else);
//  * JSON results are valid JSON, TEXT results are valid UTF-8;
//  * msgpack/cbor: element_length agrees with what unpack accepted;
//  * kv::check_element accepts exactly what unpack accepts, with unpack's
//    message otherwise, and kv::view_element (when it gives a view) holds
//    unpack's value (codec/element.hpp).
// Build: cmake -DKV_FUZZ=ON with clang (target fuzz_unpack); `make test-fuzz`
// runs it for a bounded time, `make fuzz` for longer.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include <cstring>

#include "codec/codec.hpp"
#include "codec/dtype.hpp"
#include "codec/element.hpp"
#include "common/error.hpp"
#include "json/text.hpp"

namespace {

constexpr const char* kDtypes[] = {
    "i8",
    "i16",
    "i32",
    "i64",
    "u8",
    "u16",
    "u32",
    "u64",
    "f32",
    "f64",
    "bytes",
    "bytes:7",
    "str",
    "str:utf16le",
    "str:utf16be",
    "str:latin1",
    "str:ascii",
    "str:12:utf8",
    "str:10:utf16le",
    "msgpack",
    "cbor",
    "msgpack:16",
    "cbor:16",
    "vec:f32",
    "vec:i16",
    "vec:f64:2:3",
    "vec:u8:4",
    "vec:u64",
    "auto",
};
constexpr std::size_t kCount = sizeof kDtypes / sizeof kDtypes[0];

[[noreturn]] void bug(const char* what, std::string_view detail) {
  std::fprintf(stderr, "fuzz_unpack: %s: %.*s\n", what, static_cast<int>(detail.size()), detail.data());
  std::abort();
}

// True when text is JSON as SQLite reads it: nlohmann's grammar without its
// double-range limit, which rejects 9e999 / -9e999 (how infinities are
// written) and integers too long for a double (CBOR bignums are written with
// every digit). Outside strings, digit runs are cut to 15 digits (a run
// stays a run, so the grammar is unchanged) and 9e999 becomes 0.0e0.
bool is_sqlite_json(const std::string& text) {
  std::string copy;
  copy.reserve(text.size());
  bool in_string = false, escaped = false;
  std::size_t digits = 0;
  for (char c : text) {
    if (in_string) {
      copy += c;
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    in_string = c == '"';
    digits = c >= '0' && c <= '9' ? digits + 1 : 0;
    if (digits <= 15) copy += c;
  }
  for (std::size_t at = 0; (at = copy.find("9e999", at)) != std::string::npos;) copy.replace(at, 5, "0.0e0");
  return nlohmann::json::accept(copy);
}

void check_value(const kv::Value& v) {
  if (v.kind == kv::Kind::json && !is_sqlite_json(v.bytes)) bug("unpack returned invalid JSON", v.bytes);
  if (v.kind == kv::Kind::text && !kv::json::is_valid_utf8(v.bytes))
    bug("unpack returned invalid UTF-8 text", v.bytes);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const auto dtypes = [] {
    std::vector<kv::DType> all;
    for (const char* name : kDtypes) all.push_back(kv::parse_dtype(name));
    return all;
  }();
  const kv::DType& dtype = dtypes[data[0] % kCount];
  std::string_view element(reinterpret_cast<const char*>(data + 1), size - 1);
  std::string unpack_error;
  kv::Value value;
  bool unpacked = false;
  try {
    value = kv::unpack(dtype, element);
    unpacked = true;
    check_value(value);
  } catch (const kv::Error& e) {
    unpack_error = e.what();  // malformed input: a clean error is the expected outcome
  } catch (const std::exception& e) {
    bug("unexpected exception", e.what());
  }
  try {
    kv::check_element(dtype, element);
    if (!unpacked) bug("check_element accepted what unpack rejects", unpack_error);
  } catch (const kv::Error& e) {
    if (unpacked) bug("check_element rejected what unpack accepts", e.what());
    if (unpack_error != e.what()) bug("check_element's message differs from unpack's", e.what());
  }
  try {
    const kv::ElementView view = kv::view_element(dtype, element);
    if (view.type != kv::ElementView::Type::none) {
      if (!unpacked) bug("view_element viewed what unpack rejects", unpack_error);
      const bool same =
          view.type == kv::ElementView::Type::integer  ? value.kind == kv::Kind::integer && value.i == view.i
          : view.type == kv::ElementView::Type::uint64 ? value.kind == kv::Kind::text && value.bytes == std::to_string(view.u)
          : view.type == kv::ElementView::Type::real
              ? value.kind == kv::Kind::real && std::memcmp(&value.r, &view.r, sizeof view.r) == 0
          : view.type == kv::ElementView::Type::text ? value.kind == kv::Kind::text && value.bytes == view.bytes
          : view.type == kv::ElementView::Type::blob ? value.kind == kv::Kind::blob && value.bytes == view.bytes
                                                     : false;
      if (!same) bug("view_element's value differs from unpack's", value.bytes);
    }
  } catch (const kv::Error& e) {
    if (unpacked) bug("view_element rejected what unpack accepts", e.what());
  }
  try {
    if (dtype.family == kv::Family::msgpack || dtype.family == kv::Family::cbor) {
      std::size_t n = kv::element_length(dtype, element);
      if (n > element.size()) bug("element_length past the end", "");
    }
  } catch (const kv::Error&) {
  } catch (const std::exception& e) {
    bug("unexpected exception from element_length", e.what());
  }
  return 0;
}
