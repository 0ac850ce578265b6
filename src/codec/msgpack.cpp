// MessagePack codec: kv_pack('msgpack', v) / kv_unpack('msgpack', b).
//
// Packing uses msgpack-c's packer (msgpack_pack_*) with a callback that appends
// to the output string, so integers take their most compact encoding (uint
// formats for non-negative values), floats are float64, strings use str8..32
// and blobs bin8..32: byte for byte what Python's msgpack.packb writes with its
// defaults. TEXT is parsed as JSON (simdjson, nlohmann's SAX parser for what
// simdjson declines) straight into the packer (json_sax_writer.hpp).
//
// Unpacking is a streaming decoder over the bytes in this file rather than
// msgpack_unpack_next: msgpack-c builds a zone tree whose allocations are sized
// by the counts the data claims (a 10-byte blob claiming 2^32 array items asks
// for 2^32 objects) and its fixed nesting stack (MSGPACK_EMBED_STACK_SIZE = 32)
// rejects legitimate deep data. Here every length is checked against the bytes
// left before it is used, nothing is allocated from a claimed count (output
// grows only as items are actually read), and nesting is an explicit stack
// capped at kMaxNesting. JSON text is written while decoding.
//
// Mapping of what JSON cannot show directly:
//  * top level: nil -> NULL, integers -> INTEGER (uint64 above 2^63-1 -> JSON
//    text of the exact number), float32/64 -> REAL, bin -> BLOB; everything
//    else -> JSON text.
//  * nested bin -> base64url string without padding (as RFC 8949 §6.1 does for CBOR).
//  * float NaN -> null, +-Infinity -> 9e999 / -9e999 (json/text.hpp).
//  * non-string map keys -> the JSON string of their JSON text ({1:2} -> {"1":2}).
//  * timestamp extension (type -1) -> RFC 3339 string "2018-01-02T03:04:05.678901234Z"
//    (UTC; fraction only when non-zero, trailing zeros dropped; years outside
//    0000-9999 keep their sign and digits).
//  * other extension types -> {"ext":TYPE,"data":"<base64url>"}.
#include <msgpack/pack.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "codec/base64url.hpp"
#include "codec/deferred_headers.hpp"
#include "codec/msgpack.hpp"
#include "common/error.hpp"
#include "json/sax_writer.hpp"
#include "json/text.hpp"
#include "json/tree_out.hpp"

namespace kv::codec::msgpack {
namespace {

int append_to_string(void* data, const char* buf, size_t len) {
  static_cast<std::string*>(data)->append(buf, len);
  return 0;
}

class MsgpackWriter : public DeferredHeaders<MsgpackWriter> {
 public:
  explicit MsgpackWriter(std::string& out) : DeferredHeaders(out, {16, 0x90, 0x80}) {
    msgpack_packer_init(&pk_, &out_, &append_to_string);
  }
  void nil() { msgpack_pack_nil(&pk_); }
  void boolean(bool v) { v ? msgpack_pack_true(&pk_) : msgpack_pack_false(&pk_); }
  void int64(std::int64_t v) { msgpack_pack_int64(&pk_, v); }
  void uint64(std::uint64_t v) { msgpack_pack_uint64(&pk_, v); }
  void float64(double v) { msgpack_pack_double(&pk_, v); }
  void str(std::string_view s) {
    check_length(s.size(), "string");
    msgpack_pack_str(&pk_, s.size());
    msgpack_pack_str_body(&pk_, s.data(), s.size());
  }
  void bin(std::string_view b) {
    check_length(b.size(), "BLOB");
    msgpack_pack_bin(&pk_, b.size());
    msgpack_pack_bin_body(&pk_, b.data(), b.size());
  }
  void array_header(std::size_t n) {
    check_length(n, "array");
    msgpack_pack_array(&pk_, n);
  }
  void map_header(std::size_t n) {
    check_length(n, "map");
    msgpack_pack_map(&pk_, n);
  }
  std::string long_header(std::uint64_t n, bool is_map) {
    check_length(n, is_map ? "map" : "array");
    std::string header;
    msgpack_packer hp;
    msgpack_packer_init(&hp, &header, &append_to_string);
    is_map ? msgpack_pack_map(&hp, n) : msgpack_pack_array(&hp, n);
    return header;
  }

 private:
  static void check_length(std::uint64_t n, const char* what) {
    if (n > 0xFFFFFFFFu)
      fail(Errc::too_big, std::string("msgpack cannot hold a ") + what + " of " + std::to_string(n) +
                              " items/bytes (at most 2^32-1)");
  }
  msgpack_packer pk_;
};

// ---------------------------------------------------------------------------
// Decoding

// Days since 1970-01-01 -> civil date (proleptic Gregorian); H. Hinnant's algorithm.
void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
}

void append_padded(std::string& out, std::uint64_t v, int width) {
  char buf[24];
  int n = 0;
  do {
    buf[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v);
  for (int k = n; k < width; ++k) out.push_back('0');
  while (n) out.push_back(buf[--n]);
}

void append_timestamp(std::string& out, std::int64_t sec, std::uint32_t nsec) {
  std::int64_t days = sec / 86400, rem = sec % 86400;
  if (rem < 0) rem += 86400, --days;
  std::int64_t y;
  unsigned mo, d;
  civil_from_days(days, y, mo, d);
  out.push_back('"');
  if (y < 0) out.push_back('-');
  append_padded(out, static_cast<std::uint64_t>(y < 0 ? -y : y), 4);
  out.push_back('-');
  append_padded(out, mo, 2);
  out.push_back('-');
  append_padded(out, d, 2);
  out.push_back('T');
  append_padded(out, static_cast<std::uint64_t>(rem / 3600), 2);
  out.push_back(':');
  append_padded(out, static_cast<std::uint64_t>(rem / 60 % 60), 2);
  out.push_back(':');
  append_padded(out, static_cast<std::uint64_t>(rem % 60), 2);
  if (nsec) {
    std::string frac;
    append_padded(frac, nsec, 9);
    while (frac.back() == '0') frac.pop_back();
    out.push_back('.');
    out += frac;
  }
  out += "Z\"";
}

class Reader {
 public:
  explicit Reader(std::string_view data)
      : p_(reinterpret_cast<const unsigned char*>(data.data())), begin_(p_), end_(p_ + data.size()) {}

  std::size_t offset() const { return static_cast<std::size_t>(p_ - begin_); }
  bool at_end() const { return p_ == end_; }

  std::uint8_t byte() {
    need(1);
    return *p_++;
  }
  std::uint64_t be(int n) {
    need(static_cast<std::size_t>(n));
    std::uint64_t v = 0;
    for (int k = 0; k < n; ++k) v = (v << 8) | p_[k];
    p_ += n;
    return v;
  }
  std::string_view bytes(std::uint64_t n) {
    need(n);
    std::string_view s(reinterpret_cast<const char*>(p_), static_cast<std::size_t>(n));
    p_ += n;
    return s;
  }

 private:
  void need(std::uint64_t n) const {
    if (n > static_cast<std::uint64_t>(end_ - p_)) truncated(n);
  }

 public:
  // An array or map head at byte `head` declaring n items (each at least
  // per_item bytes) that cannot fit in what is left: says what it declares.
  void require_count(std::uint64_t n, unsigned per_item, std::size_t head, const char* what) const {
    const auto left = static_cast<std::uint64_t>(end_ - p_);
    if (n <= left / per_item) return;
    fail(Errc::corrupt, "msgpack data is truncated: the " + std::string(what) + " at byte " + std::to_string(head) +
                            " declares " + std::to_string(n) + (per_item == 2 ? " pairs" : " items") +
                            ", but only " + std::to_string(left) + " bytes follow");
  }

 private:
  [[noreturn, gnu::cold, gnu::noinline]] void truncated(std::uint64_t n) const {
    fail(Errc::corrupt, "msgpack data is truncated: " + std::to_string(n) + " bytes are declared from byte " +
                            std::to_string(offset()) + ", but only " + std::to_string(end_ - p_) + " follow");
  }

  const unsigned char* p_;
  const unsigned char* begin_;
  const unsigned char* end_;
};

float float_from_bits(std::uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}
double double_from_bits(std::uint64_t bits) {
  double d;
  std::memcpy(&d, &bits, 8);
  return d;
}

// Writes an extension item as JSON; returns true when the text is a JSON string.
bool append_ext(std::string& out, std::int8_t type, std::string_view data) {
  if (type == -1) {
    std::int64_t sec;
    std::uint32_t nsec = 0;
    const auto* b = reinterpret_cast<const unsigned char*>(data.data());
    auto be = [&](std::size_t at, int n) {
      std::uint64_t v = 0;
      for (int k = 0; k < n; ++k) v = (v << 8) | b[at + k];
      return v;
    };
    if (data.size() == 4) {
      sec = static_cast<std::int64_t>(be(0, 4));
    } else if (data.size() == 8) {
      std::uint64_t v = be(0, 8);
      nsec = static_cast<std::uint32_t>(v >> 34);
      sec = static_cast<std::int64_t>(v & 0x3FFFFFFFFull);
    } else if (data.size() == 12) {
      nsec = static_cast<std::uint32_t>(be(0, 4));
      sec = static_cast<std::int64_t>(be(4, 8));
    } else {
      fail(Errc::corrupt,
           "msgpack timestamp has " + std::to_string(data.size()) + " data bytes; expected 4, 8 or 12");
    }
    if (nsec > 999999999)
      fail(Errc::corrupt,
           "msgpack timestamp has " + std::to_string(nsec) + " nanoseconds; expected at most 999999999");
    append_timestamp(out, sec, nsec);
    return true;
  }
  out += "{\"ext\":";
  json::append_int(out, type);
  out += ",\"data\":\"";
  append_base64url(out, data);
  out += "\"}";
  return false;
}

// Decodes the item at the reader's position, which is known to be inside JSON
// text (not a top-level scalar), writing it and everything it contains to tree.
void decode_json(Reader& in, JsonTreeOut& tree) {
  std::string& out = tree.out;
  do {
    tree.before_item();
    const std::uint8_t c = in.byte();
    bool is_string = false;
    if (c <= 0x7f) {
      json::append_uint(out, c);
    } else if (c >= 0xe0) {
      json::append_int(out, static_cast<std::int8_t>(c));
    } else if (c <= 0x8f || c == 0xde || c == 0xdf) {
      const std::size_t head = in.offset() - 1;
      std::uint64_t n = c <= 0x8f ? c & 0x0f : in.be(c == 0xde ? 2 : 4);
      in.require_count(n, 2, head, "map");
      tree.open(true, false, n);
      tree.close_finished();
      continue;
    } else if (c <= 0x9f || c == 0xdc || c == 0xdd) {
      const std::size_t head = in.offset() - 1;
      std::uint64_t n = c <= 0x9f ? c & 0x0f : in.be(c == 0xdc ? 2 : 4);
      in.require_count(n, 1, head, "array");
      tree.open(false, false, n);
      tree.close_finished();
      continue;
    } else if (c <= 0xbf || (c >= 0xd9 && c <= 0xdb)) {
      std::uint64_t n = c <= 0xbf ? c & 0x1f : in.be(1 << (c - 0xd9));
      tree.append_string(in.bytes(n));
      is_string = true;
    } else {
      switch (c) {
        case 0xc0: out += "null"; break;
        case 0xc2: out += "false"; break;
        case 0xc3: out += "true"; break;
        case 0xc4:
        case 0xc5:
        case 0xc6: {
          std::string_view b = in.bytes(in.be(1 << (c - 0xc4)));
          out.push_back('"');
          append_base64url(out, b);
          out.push_back('"');
          is_string = true;
          break;
        }
        case 0xc7:
        case 0xc8:
        case 0xc9: {
          std::uint64_t n = in.be(1 << (c - 0xc7));
          auto type = static_cast<std::int8_t>(in.byte());
          is_string = append_ext(out, type, in.bytes(n));
          break;
        }
        case 0xca: json::append_float(out, float_from_bits(static_cast<std::uint32_t>(in.be(4)))); break;
        case 0xcb: json::append_double(out, double_from_bits(in.be(8))); break;
        case 0xcc: json::append_uint(out, in.be(1)); break;
        case 0xcd: json::append_uint(out, in.be(2)); break;
        case 0xce: json::append_uint(out, in.be(4)); break;
        case 0xcf: json::append_uint(out, in.be(8)); break;
        case 0xd0: json::append_int(out, static_cast<std::int8_t>(in.be(1))); break;
        case 0xd1: json::append_int(out, static_cast<std::int16_t>(in.be(2))); break;
        case 0xd2: json::append_int(out, static_cast<std::int32_t>(in.be(4))); break;
        case 0xd3: json::append_int(out, static_cast<std::int64_t>(in.be(8))); break;
        case 0xd4:
        case 0xd5:
        case 0xd6:
        case 0xd7:
        case 0xd8: {
          auto type = static_cast<std::int8_t>(in.byte());
          is_string = append_ext(out, type, in.bytes(1u << (c - 0xd4)));
          break;
        }
        default:  // 0xc1
          fail(Errc::corrupt,
               "msgpack data has the never-used type byte 0xc1 at byte " + std::to_string(in.offset() - 1));
      }
    }
    tree.after_item(is_string);
    tree.close_finished();
  } while (!tree.empty());
}

}  // namespace

void pack(const ValueView& value, std::string& out) { pack_sql_value<MsgpackWriter>(value, out, "msgpack"); }

Value unpack_one(std::string_view data, std::size_t& consumed) {
  if (data.empty()) fail(Errc::corrupt, "msgpack data is empty; expected one item");
  Reader in(data);
  const auto c = static_cast<std::uint8_t>(data[0]);
  Value v;
  bool scalar = true;
  if (c <= 0x7f) {
    in.byte();
    v = Value::integer(c);
  } else if (c >= 0xe0) {
    in.byte();
    v = Value::integer(static_cast<std::int8_t>(c));
  } else {
    switch (c) {
      case 0xc0:
        in.byte();
        v = Value::null();
        break;
      case 0xc4:
      case 0xc5:
      case 0xc6:
        in.byte();
        v = Value::blob(std::string(in.bytes(in.be(1 << (c - 0xc4)))));
        break;
      case 0xca:
        in.byte();
        v = Value::real(float_from_bits(static_cast<std::uint32_t>(in.be(4))));
        break;
      case 0xcb:
        in.byte();
        v = Value::real(double_from_bits(in.be(8)));
        break;
      case 0xcc:
      case 0xcd:
      case 0xce:
      case 0xcf: {
        in.byte();
        std::uint64_t u = in.be(1 << (c - 0xcc));
        if (u <= static_cast<std::uint64_t>(INT64_MAX)) {
          v = Value::integer(static_cast<std::int64_t>(u));
        } else {
          std::string text;
          json::append_uint(text, u);
          v = Value::json(std::move(text));
        }
        break;
      }
      case 0xd0:
        in.byte();
        v = Value::integer(static_cast<std::int8_t>(in.be(1)));
        break;
      case 0xd1:
        in.byte();
        v = Value::integer(static_cast<std::int16_t>(in.be(2)));
        break;
      case 0xd2:
        in.byte();
        v = Value::integer(static_cast<std::int32_t>(in.be(4)));
        break;
      case 0xd3:
        in.byte();
        v = Value::integer(static_cast<std::int64_t>(in.be(8)));
        break;
      default: scalar = false;
    }
  }
  if (!scalar) {
    JsonTreeOut tree("msgpack");
    tree.out.reserve(2 * data.size() + 16);  // typical JSON size; grows if needed
    decode_json(in, tree);
    v = Value::json(std::move(tree.out));
  }
  consumed = in.offset();
  return v;
}

}  // namespace kv::codec::msgpack
