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

}  // namespace kvtest
