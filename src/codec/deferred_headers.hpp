// Container headers written when the container ends, for the MessagePack and
// CBOR writers (MsgpackWriter in codec/msgpack.cpp, CborWriter in
// codec/cbor.cpp) driven by a SAX pass (json/sax_writer.hpp), which learns an
// array's or map's count only at its end:
//
//   open_container()        one placeholder byte at the header's place
//   close_array(pos, n)     the one-byte "fix" header (fix.array | n) when
//   close_map(pos, n)       n < fix.limit, else Writer::long_header(n, is_map)
//                           replaces the placeholder (the bytes move up)
//
// A writer derives from DeferredHeaders<itself> (it supplies long_header, the
// full header its encoder writes for a count, and its fix header bytes) and
// appends to the protected out_.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace kv::codec {

template <class Writer>
class DeferredHeaders {
 public:
  std::size_t open_container() {
    out_.push_back('\0');
    return out_.size() - 1;
  }
  void close_array(std::size_t pos, std::uint64_t n) { close(pos, n, false); }
  void close_map(std::size_t pos, std::uint64_t n) { close(pos, n, true); }

 protected:
  // The one-byte headers: counts below `limit`, or'ed into `array` / `map`.
  struct FixHeaders {
    std::uint64_t limit;
    unsigned char array, map;
  };
  DeferredHeaders(std::string& out, FixHeaders fix) : out_(out), fix_(fix) {}

  std::string& out_;

 private:
  void close(std::size_t pos, std::uint64_t n, bool is_map) {
    if (n < fix_.limit) {
      out_[pos] = static_cast<char>((is_map ? fix_.map : fix_.array) | n);
      return;
    }
    out_.replace(pos, 1, static_cast<Writer*>(this)->long_header(n, is_map));
  }

  FixHeaders fix_;
};

}  // namespace kv::codec
