// Helpers shared by the engine unit tests: dtype-level pack/unpack, hex
// conversion, catching kv::Error, the public test vectors' location, and an
// independent base64url for oracles.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <string_view>

#include "codec/codec.hpp"
#include "common/error.hpp"
#include "common/value.hpp"

namespace kvtest {

// "c4-02-00-ff" or "c40200ff" -> bytes.
inline std::string unhex(std::string_view hex) {
  std::string out;
  int hi = -1;
  for (char c : hex) {
    int v;
    if (c >= '0' && c <= '9')
      v = c - '0';
    else if (c >= 'a' && c <= 'f')
      v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      v = c - 'A' + 10;
    else
      continue;
    if (hi < 0) {
      hi = v;
    } else {
      out.push_back(static_cast<char>(hi * 16 + v));
      hi = -1;
    }
  }
  return out;
}

inline std::string hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

// Upper-case hex, as SQLite's hex() writes it.
inline std::string hex_upper(std::string_view bytes) {
  std::string out = hex(bytes);
  for (char& c : out) c = static_cast<char>(c >= 'a' ? c - 'a' + 'A' : c);
  return out;
}

// One element through the dtype dispatch (kv::pack / kv::unpack).
inline std::string pack(const char* dtype, const kv::ValueView& v) {
  std::string out;
  kv::pack(kv::parse_dtype(dtype), v, out);
  return out;
}
inline std::string pack_json(const char* dtype, const char* json) {
  return pack(dtype, kv::ValueView::text(json));
}
inline kv::Value unpack(const char* dtype, std::string_view bytes) {
  return kv::unpack(kv::parse_dtype(dtype), bytes);
}

// Runs f and returns the code and message of the kv::Error it throws.
template <class F>
std::pair<kv::Errc, std::string> error_of(F f) {
  try {
    f();
  } catch (const kv::Error& e) {
    return {e.code(), e.what()};
  }
  ADD_FAILURE() << "no error thrown";
  return {kv::Errc::internal, ""};
}

inline nlohmann::ordered_json load_testdata(const char* name) {
  std::string path = std::string(KV_TESTDATA_DIR) + "/" + name;
  std::ifstream in(path);
  if (!in) {
    ADD_FAILURE() << "cannot open test vectors " << path;
    return nlohmann::ordered_json();
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return nlohmann::ordered_json::parse(ss.str());
}

// Straightforward base64url (RFC 4648 §5, no padding), bit by bit.
inline std::string b64url(std::string_view bytes) {
  static constexpr char kAlpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  unsigned acc = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      out.push_back(kAlpha[(acc >> (bits - 6)) & 63]);
      bits -= 6;
    }
  }
  if (bits) out.push_back(kAlpha[(acc << (6 - bits)) & 63]);
  return out;
}

inline kv::Errc errc_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const kv::Error& e) {
    return e.code();
  }
  ADD_FAILURE() << "expected a kv::Error";
  return kv::Errc::internal;
}

// The test-side calls of one structured codec (kv::codec::msgpack or
// kv::codec::cbor): pack to a fresh string, unpack exactly one whole item.
// A structured codec under test (msgpack, cbor): test_msgpack.cpp and
// test_cbor.cpp call codec.pack / pack_json / unpack / unpack_error.
struct StructuredCodec {
  void (*pack_into)(const kv::ValueView&, std::string&);
  kv::Value (*unpack_one)(std::string_view, std::size_t&);

  std::string pack(const kv::ValueView& v) const {
    std::string out;
    pack_into(v, out);
    return out;
  }
  std::string pack_json(std::string_view text) const { return pack(kv::ValueView::text(text)); }
  kv::Value unpack(std::string_view bytes) const {
    std::size_t used = 0;
    kv::Value v = unpack_one(bytes, used);
    EXPECT_EQ(used, bytes.size()) << hex(bytes);
    return v;
  }
  kv::Errc unpack_error(std::string_view bytes) const {
    return errc_of([&] {
      std::size_t used;
      unpack_one(bytes, used);
    });
  }
};

// Texts nested deeper than simdjson's 1024 levels take the nlohmann SAX path
// (json/sax_writer.hpp): both parsers must produce the same bytes for the
// same content. `array_of_one` is the codec's head of a one-element array.
inline void expect_sax_path_matches_fast_path(const StructuredCodec& codec, char array_of_one) {
  std::string inner = R"({"z":1,"a":[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24],)"
                      R"("s":"str\u00e9\n","f":1.5,"e":-2.5e-300,"n":null,"t":true,"u":18446744073709551615,)"
                      R"("neg":-129,"min":-9223372036854775808,"o":{},"l":[],"k":{"a":1,"a":2}})";
  const int depth = 1100;
  std::string deep = std::string(depth, '[') + inner + std::string(depth, ']');
  std::string fast = codec.pack_json(inner);
  std::string slow = codec.pack_json(deep);
  EXPECT_EQ(hex(slow), hex(std::string(depth, array_of_one) + fast));
  EXPECT_EQ(codec.unpack(slow),
            kv::Value::json(std::string(depth, '[') + codec.unpack(fast).bytes + std::string(depth, ']')));
}

// The names the codec tests use everywhere: `using namespace kvtest::codec_test_names;`
// (hex stays each file's choice: lower case, or SQLite's upper case).
namespace codec_test_names {
using kv::Errc;
using kv::Kind;
using kv::Value;
using kv::ValueView;
using kvtest::error_of;
using kvtest::pack;
using kvtest::pack_json;
using kvtest::unhex;
using kvtest::unpack;
}  // namespace codec_test_names

}  // namespace kvtest
