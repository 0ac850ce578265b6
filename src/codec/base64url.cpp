#include "codec/base64url.hpp"

#include <cstddef>

namespace kv {
namespace {

void append_base64_alphabet(std::string& out, std::string_view bytes, const char* alphabet, bool pad) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const std::size_t n = bytes.size();
  out.reserve(out.size() + (n + 2) / 3 * 4);
  std::size_t k = 0;
  for (; k + 3 <= n; k += 3) {
    unsigned v = (p[k] << 16) | (p[k + 1] << 8) | p[k + 2];
    out.push_back(alphabet[v >> 18]);
    out.push_back(alphabet[(v >> 12) & 63]);
    out.push_back(alphabet[(v >> 6) & 63]);
    out.push_back(alphabet[v & 63]);
  }
  if (n - k == 1) {
    unsigned v = p[k] << 16;
    out.push_back(alphabet[v >> 18]);
    out.push_back(alphabet[(v >> 12) & 63]);
    if (pad) out += "==";
  } else if (n - k == 2) {
    unsigned v = (p[k] << 16) | (p[k + 1] << 8);
    out.push_back(alphabet[v >> 18]);
    out.push_back(alphabet[(v >> 12) & 63]);
    out.push_back(alphabet[(v >> 6) & 63]);
    if (pad) out.push_back('=');
  }
}

}  // namespace

void append_base64url(std::string& out, std::string_view bytes) {
  append_base64_alphabet(out, bytes, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
                         false);
}

void append_base64(std::string& out, std::string_view bytes) {
  append_base64_alphabet(out, bytes, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
                         true);
}

void append_base16(std::string& out, std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.reserve(out.size() + bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
}

}  // namespace kv
