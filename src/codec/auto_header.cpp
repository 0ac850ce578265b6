// KohakuVault's auto-pack value header (see auto_header.hpp for the layout).
//
// pack(), per SQL type — never guessing a type that is not recorded:
//   NULL     -> header 0x04 + MessagePack nil        (KohakuVault reads None)
//   INTEGER  -> header 0x04 + MessagePack integer    (KohakuVault reads int)
//   REAL     -> header 0x04 + MessagePack float64    (KohakuVault reads float;
//               0.0, -0.0, NaN and infinities survive, unlike the 8-byte
//               DataPacker form whose i64/f64 type is not recorded)
//   TEXT     -> header 0x06 + the UTF-8 bytes        (KohakuVault reads str)
//   JSON     -> header 0x03 + the JSON text          (KohakuVault reads the
//               parsed dict/list; TEXT with SQLite's JSON subtype)
//   BLOB     -> the bytes unchanged, no header       (KohakuVault reads bytes)
//               ...unless the bytes themselves start like a header: then
//               header 0x04 + MessagePack bin, so unpack gives the same BLOB
//               back instead of misreading it (KohakuVault also reads bytes).
//
// unpack(): a value shorter than 10 bytes or whose magics do not match is raw
// and comes back unchanged as a BLOB. Otherwise version must be 01 and flags
// and reserved bytes zero (anything else: corrupt), then per encoding id:
//   0x01 pickle      -> error: never unpickled (executing a pickle runs code);
//                       the payload is substr(value, 11)
//   0x02 DataPacker  -> an any-shape vec decodes to a (nested) JSON array; an
//                       8-byte payload is an i64 or an f64 and the header does
//                       not say which, so it is an error that names both
//                       explicit reads instead of a guess that can be wrong
//   0x03 JSON        -> JSON text (validated)
//   0x04 MessagePack -> as kv_unpack('msgpack', ...): exactly one item
//   0x05 CBOR        -> as kv_unpack('cbor', ...): exactly one item
//   0x06 UTF-8       -> TEXT (validated)
//   other            -> corrupt
#include "codec/auto_header.hpp"

#include <array>
#include <bit>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "codec/msgpack.hpp"
#include "codec/cbor.hpp"
#include "codec/dtype.hpp"
#include "common/error.hpp"
#include "json/text.hpp"

namespace kv::codec::auto_header {

namespace {

constexpr std::size_t kHeaderSize = 10;
constexpr std::size_t kMaxEmptyCells = 65536;

enum Encoding : std::uint8_t {
  kPickle = 0x01,
  kDataPacker = 0x02,
  kJson = 0x03,
  kMsgpack = 0x04,
  kCbor = 0x05,
  kUtf8 = 0x06,
};

bool has_magics(std::string_view data) noexcept {
  return data.size() >= kHeaderSize && static_cast<std::uint8_t>(data[0]) == 0x89 && data[1] == 0x4B &&
         data[8] == 0x56 && data[9] == 0x4B;
}

void append_header(std::string& out, std::uint8_t encoding) {
  const char header[kHeaderSize] = {'\x89', 0x4B, 0x01, static_cast<char>(encoding), 0, 0, 0, 0, 0x56, 0x4B};
  out.append(header, kHeaderSize);
}

void append_be(std::string& out, std::uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

// MessagePack scalars in the most compact form, byte-identical to Python's
// msgpack.packb (so KohakuVault writes the same bytes for the same value).
void msgpack_int(std::string& out, std::int64_t v) {
  if (v >= 0) {
    auto u = static_cast<std::uint64_t>(v);
    if (u < 0x80) {
      out.push_back(static_cast<char>(u));
    } else if (u <= 0xFF) {
      out.push_back('\xCC');
      append_be(out, u, 1);
    } else if (u <= 0xFFFF) {
      out.push_back('\xCD');
      append_be(out, u, 2);
    } else if (u <= 0xFFFFFFFFu) {
      out.push_back('\xCE');
      append_be(out, u, 4);
    } else {
      out.push_back('\xCF');
      append_be(out, u, 8);
    }
  } else if (v >= -32) {
    out.push_back(static_cast<char>(v));
  } else if (v >= INT8_MIN) {
    out.push_back('\xD0');
    append_be(out, static_cast<std::uint64_t>(v), 1);
  } else if (v >= INT16_MIN) {
    out.push_back('\xD1');
    append_be(out, static_cast<std::uint64_t>(v), 2);
  } else if (v >= INT32_MIN) {
    out.push_back('\xD2');
    append_be(out, static_cast<std::uint64_t>(v), 4);
  } else {
    out.push_back('\xD3');
    append_be(out, static_cast<std::uint64_t>(v), 8);
  }
}

void msgpack_float64(std::string& out, double v) {
  out.push_back('\xCB');
  append_be(out, std::bit_cast<std::uint64_t>(v), 8);
}

void msgpack_bin(std::string& out, std::string_view bytes) {
  const std::size_t n = bytes.size();
  if (n <= 0xFF) {
    out.push_back('\xC4');
    append_be(out, n, 1);
  } else if (n <= 0xFFFF) {
    out.push_back('\xC5');
    append_be(out, n, 2);
  } else if (n <= 0xFFFFFFFFu) {
    out.push_back('\xC6');
    append_be(out, n, 4);
  } else {
    fail(Errc::too_big,
         "auto: a BLOB of " + std::to_string(n) + " bytes is larger than MessagePack bin allows");
  }
  out.append(bytes);
}

template <class T>
T load_le(const char* p) {
  std::uint64_t u = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) u |= std::uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
  return static_cast<T>(u);
}

void append_element(std::string& out, Num num, const char* p) {
  switch (num) {
    case Num::i8: json::append_int(out, load_le<std::int8_t>(p)); break;
    case Num::i16: json::append_int(out, load_le<std::int16_t>(p)); break;
    case Num::i32: json::append_int(out, load_le<std::int32_t>(p)); break;
    case Num::i64: json::append_int(out, load_le<std::int64_t>(p)); break;
    case Num::u8: json::append_uint(out, load_le<std::uint8_t>(p)); break;
    case Num::u16: json::append_uint(out, load_le<std::uint16_t>(p)); break;
    case Num::u32: json::append_uint(out, load_le<std::uint32_t>(p)); break;
    case Num::u64: json::append_uint(out, load_le<std::uint64_t>(p)); break;
    case Num::f32: json::append_float(out, std::bit_cast<float>(load_le<std::uint32_t>(p))); break;
    case Num::f64: json::append_double(out, std::bit_cast<double>(load_le<std::uint64_t>(p))); break;
  }
}

// Writes dims[level..] of the elements starting at *p as nested JSON arrays.
void append_nested(std::string& out, Num num, const std::vector<std::uint32_t>& dims, std::size_t level,
                   const char*& p) {
  if (level == dims.size()) {
    append_element(out, num, p);
    p += num_size(num);
    return;
  }
  out.push_back('[');
  for (std::uint32_t i = 0; i < dims[level]; ++i) {
    if (i) out.push_back(',');
    append_nested(out, num, dims, level + 1, p);
  }
  out.push_back(']');
}

// DataPacker payload of an any-shape vec: type byte, ndim, ndim x u32 LE
// dims, then the elements.
Value unpack_datapacker(std::string_view payload) {
  if (payload.size() == 8)
    fail(Errc::invalid_argument,
         "auto: this value holds an 8-byte DataPacker number (header encoding 0x02) and KohakuVault does not "
         "record whether it is an i64 or an f64; read it with kv_unpack('i64', substr(value, 11)) or "
         "kv_unpack('f64', substr(value, 11))");
  if (payload.size() < 2)
    fail(Errc::corrupt, "auto: DataPacker payload of " + std::to_string(payload.size()) +
                            " bytes is too short for a vec (expected type byte and ndim)");
  Num num;
  const auto type = static_cast<std::uint8_t>(payload[0]);
  if (!num_from_vec_type_byte(type, num))
    fail(Errc::corrupt, "auto: DataPacker vec has unknown element type byte " + std::to_string(type));
  const std::size_t ndim = static_cast<std::uint8_t>(payload[1]);
  if (payload.size() < 2 + 4 * ndim)
    fail(Errc::corrupt, "auto: DataPacker vec declares " + std::to_string(ndim) +
                            " dimensions but has only " + std::to_string(payload.size()) + " bytes");
  std::vector<std::uint32_t> dims(ndim);
  const std::size_t body = payload.size() - 2 - 4 * ndim;
  const std::size_t elem = num_size(num);
  const std::size_t max_count = body / elem;
  // Element count, saturating at max_count + 1 (no overflow). An empty shape
  // prints one "[]" per cell before its first zero dim: bound those too, so
  // a tiny payload cannot ask for billions of empty arrays.
  std::size_t count = 1, cells = 1;
  bool has_zero_dim = false;
  for (std::size_t d = 0; d < ndim; ++d) {
    dims[d] = load_le<std::uint32_t>(payload.data() + 2 + 4 * d);
    if (has_zero_dim) continue;
    if (dims[d] == 0) {
      has_zero_dim = true;
      count = 0;
      continue;
    }
    cells = cells > kMaxEmptyCells / dims[d] ? kMaxEmptyCells + 1 : cells * dims[d];
    count = count > max_count / dims[d] ? max_count + 1 : count * dims[d];
  }
  if (has_zero_dim && cells > kMaxEmptyCells)
    fail(Errc::corrupt, "auto: DataPacker vec has an empty shape with more than " +
                            std::to_string(kMaxEmptyCells) + " empty sub-arrays");
  if (count * elem != body)
    fail(Errc::corrupt, "auto: DataPacker vec shape needs a different number of bytes than the " +
                            std::to_string(body) + " bytes of elements present");
  std::string out;
  out.reserve(body * 3);
  const char* p = payload.data() + 2 + 4 * ndim;
  append_nested(out, num, dims, 0, p);
  return Value::json(std::move(out));
}

template <class Unpack>
Value unpack_one_item(std::string_view payload, const char* what, Unpack unpack_one) {
  std::size_t consumed = 0;
  Value v = unpack_one(payload, consumed);
  if (consumed != payload.size())
    fail(Errc::corrupt, std::string("auto: ") + what + " payload has " +
                            std::to_string(payload.size() - consumed) + " bytes after its item");
  return v;
}

}  // namespace

void pack(const ValueView& value, std::string& out) {
  switch (value.kind) {
    case Kind::null:
      append_header(out, kMsgpack);
      out.push_back('\xC0');
      return;
    case Kind::integer:
      append_header(out, kMsgpack);
      msgpack_int(out, value.i);
      return;
    case Kind::real:
      append_header(out, kMsgpack);
      msgpack_float64(out, value.r);
      return;
    case Kind::text:
      if (!json::is_valid_utf8(value.bytes)) fail(Errc::invalid_argument, "auto: TEXT is not valid UTF-8");
      append_header(out, kUtf8);
      out.append(value.bytes);
      return;
    case Kind::json:
      append_header(out, kJson);
      out.append(value.bytes);
      return;
    case Kind::blob:
      if (has_magics(value.bytes)) {
        append_header(out, kMsgpack);
        msgpack_bin(out, value.bytes);
      } else {
        out.append(value.bytes);
      }
      return;
  }
}

Value unpack(std::string_view data) {
  if (!has_magics(data)) return Value::blob(std::string(data));
  const auto version = static_cast<std::uint8_t>(data[2]);
  if (version != 0x01)
    fail(Errc::corrupt, "auto: header version " + std::to_string(version) + " is not supported (expected 1)");
  if (data[4] || data[5] || data[6] || data[7])
    fail(Errc::corrupt, "auto: header flags/reserved bytes are not zero (unsupported header features)");
  const std::string_view payload = data.substr(kHeaderSize);
  switch (static_cast<std::uint8_t>(data[3])) {
    case kPickle:
      fail(Errc::invalid_argument,
           "auto: this value is a Python pickle (header encoding 0x01); pickles are never executed, the raw "
           "payload is substr(value, 11)");
    case kDataPacker: return unpack_datapacker(payload);
    case kJson:
      if (!nlohmann::json::accept(payload))
        fail(Errc::corrupt, "auto: JSON payload (encoding 0x03) is not valid JSON");
      return Value::json(std::string(payload));
    case kMsgpack: return unpack_one_item(payload, "MessagePack", codec::msgpack::unpack_one);
    case kCbor: return unpack_one_item(payload, "CBOR", codec::cbor::unpack_one);
    case kUtf8:
      if (!json::is_valid_utf8(payload))
        fail(Errc::corrupt, "auto: UTF-8 payload (encoding 0x06) is not valid UTF-8");
      return Value::text(std::string(payload));
    default:
      fail(Errc::corrupt,
           "auto: unknown header encoding id " + std::to_string(static_cast<std::uint8_t>(data[3])));
  }
}

std::optional<std::string_view> encoding_name(std::string_view data) noexcept {
  if (!has_magics(data)) return std::nullopt;
  if (data[2] != 0x01) return "unknown";
  switch (static_cast<std::uint8_t>(data[3])) {
    case kPickle: return "pickle";
    case kDataPacker: return "datapacker";
    case kJson: return "json";
    case kMsgpack: return "msgpack";
    case kCbor: return "cbor";
    case kUtf8: return "utf8";
    default: return "unknown";
  }
}

}  // namespace kv::codec::auto_header
