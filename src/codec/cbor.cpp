// CBOR codec (RFC 8949): kv_pack('cbor', v) / kv_unpack('cbor', b).
//
// Packing uses libcbor's encoders (cbor_encode_*): shortest integer heads,
// float64 for every REAL and JSON fraction, definite lengths, text strings for
// JSON strings and byte strings for BLOBs: the same bytes Python's cbor2.dumps
// writes for those values. TEXT is parsed as JSON (simdjson; nlohmann's SAX
// parser for what simdjson declines) straight into the encoder
// (json_sax_writer.hpp).
//
// Unpacking drives libcbor's streaming decoder (cbor_stream_decode): one call
// per item head, callbacks with no allocation; strings are handed over in
// place after libcbor checked their length against the bytes left. Nesting is
// an explicit stack (json_tree_out.hpp) capped at kMaxNesting, nothing is
// sized from a claimed count. libcbor 0.8 reports some well-formed heads as
// errors (tags 6-20 in the initial byte, simple values 0-19 and simple(n) in
// 0xf8 nn), so those few heads are read here before reaching libcbor.
//
// Mapping of what JSON cannot show (RFC 8949 §6.1 where it speaks):
//  * top level: null/undefined/simple -> NULL, integers -> INTEGER (outside
//    int64 -> JSON text of the exact number), floats (half/single/double) ->
//    REAL, byte strings -> BLOB; text strings, booleans, arrays, maps -> JSON.
//  * nested byte strings -> base64url without padding; inside tag 22 -> base64,
//    tag 23 -> base16 (the tag applies to a directly enclosed byte string).
//  * bignums (tags 2 and 3) -> the exact integer as a JSON number (an INTEGER
//    at top level when it fits int64); over 256 bytes of magnitude -> the
//    RFC's base64url string ("~" prefix for negative).
//  * other tags -> the enclosed item.  undefined and simple values -> null.
//  * NaN -> null, +-Infinity -> 9e999 / -9e999 (json/text.hpp).
//  * non-string map keys -> the JSON string of their JSON text ({1:2} -> {"1":2}).
//  * indefinite-length strings, arrays and maps are accepted; their chunks must
//    be definite strings of the same major type.
#include <cbor.h>

#include <cstdint>
#include <exception>
#include <string>
#include <string_view>

#include "codec/base64url.hpp"
#include "codec/cbor.hpp"
#include "codec/deferred_headers.hpp"
#include "common/error.hpp"
#include "json/sax_writer.hpp"
#include "json/text.hpp"
#include "json/tree_out.hpp"

namespace kv::codec::cbor {
namespace {

class CborWriter : public DeferredHeaders<CborWriter> {
 public:
  explicit CborWriter(std::string& out) : DeferredHeaders(out, {24, 0x80, 0xa0}) {}
  void nil() { put(cbor_encode_null(buf_, sizeof buf_)); }
  void boolean(bool v) { put(cbor_encode_bool(v, buf_, sizeof buf_)); }
  void int64(std::int64_t v) {
    if (v >= 0)
      put(cbor_encode_uint(static_cast<std::uint64_t>(v), buf_, sizeof buf_));
    else  // -1 - n
      put(cbor_encode_negint(static_cast<std::uint64_t>(-(v + 1)), buf_, sizeof buf_));
  }
  void uint64(std::uint64_t v) { put(cbor_encode_uint(v, buf_, sizeof buf_)); }
  void float64(double v) { put(cbor_encode_double(v, buf_, sizeof buf_)); }
  void str(std::string_view s) {
    put(cbor_encode_string_start(s.size(), buf_, sizeof buf_));
    out_.append(s);
  }
  void bin(std::string_view b) {
    put(cbor_encode_bytestring_start(b.size(), buf_, sizeof buf_));
    out_.append(b);
  }
  void array_header(std::size_t n) { put(cbor_encode_array_start(n, buf_, sizeof buf_)); }
  void map_header(std::size_t n) { put(cbor_encode_map_start(n, buf_, sizeof buf_)); }
  std::string long_header(std::uint64_t n, bool is_map) {
    std::size_t len =
        is_map ? cbor_encode_map_start(n, buf_, sizeof buf_) : cbor_encode_array_start(n, buf_, sizeof buf_);
    return std::string(reinterpret_cast<const char*>(buf_), len);
  }

 private:
  void put(std::size_t n) {
    if (n == 0) fail(Errc::internal, "CBOR head did not fit its buffer");
    out_.append(reinterpret_cast<const char*>(buf_), n);
  }
  unsigned char buf_[16];
};

// ---------------------------------------------------------------------------
// Decoding

constexpr std::uint64_t kNoTag = ~std::uint64_t{0};
constexpr std::size_t kMaxBignumBytes = 256;

// Decimal digits of a big-endian magnitude (schoolbook division by 10^9).
std::string decimal_of_magnitude(std::string_view be) {
  std::basic_string<std::uint32_t> limbs;  // little-endian base 2^32
  for (std::size_t end = be.size(); end > 0;) {
    std::uint32_t limb = 0;
    std::size_t start = end >= 4 ? end - 4 : 0;
    for (std::size_t k = start; k < end; ++k) limb = (limb << 8) | static_cast<unsigned char>(be[k]);
    limbs.push_back(limb);
    end = start;
  }
  while (!limbs.empty() && limbs.back() == 0) limbs.pop_back();
  if (limbs.empty()) return "0";
  std::string chunks;  // base 10^9 groups, least significant first, 9 digits each
  while (!limbs.empty()) {
    std::uint64_t rem = 0;
    for (std::size_t k = limbs.size(); k-- > 0;) {
      std::uint64_t cur = (rem << 32) | limbs[k];
      limbs[k] = static_cast<std::uint32_t>(cur / 1000000000u);
      rem = cur % 1000000000u;
    }
    while (!limbs.empty() && limbs.back() == 0) limbs.pop_back();
    for (int d = 0; d < 9; ++d, rem /= 10) chunks.push_back(static_cast<char>('0' + rem % 10));
  }
  while (chunks.size() > 1 && chunks.back() == '0') chunks.pop_back();
  return std::string(chunks.rbegin(), chunks.rend());
}

// Adds one to a decimal string (for -1 - n with n = 2^64-1 and bignums).
std::string decimal_plus_one(std::string s) {
  for (std::size_t k = s.size(); k-- > 0;) {
    if (s[k] != '9') {
      ++s[k];
      return s;
    }
    s[k] = '0';
  }
  return "1" + s;
}

// A definite length or count in an item's head that cannot fit in the bytes
// that follow: reported as what it declares (libcbor would report only the
// few header bytes it still wants). Strings need `length` bytes, arrays and
// maps at least one byte per item. Indefinite lengths and short heads are
// left to libcbor.
void check_declared_size(const unsigned char* bytes, std::size_t pos, std::size_t size) {
  const unsigned major = bytes[pos] >> 5, info = bytes[pos] & 31;
  if (major < 2 || major > 5 || info > 27) return;
  std::size_t head = info < 24 ? 1 : 1 + (std::size_t{1} << (info - 24));
  if (pos + head > size) return;
  std::uint64_t n = info;
  if (info >= 24) {
    n = 0;
    for (std::size_t k = 1; k < head; ++k) n = (n << 8) | bytes[pos + k];
  }
  const std::uint64_t left = size - pos - head;
  std::uint64_t needed = major == 5 ? (n > UINT64_MAX / 2 ? UINT64_MAX : 2 * n) : n;
  if (needed <= left) return;
  static constexpr const char* kWhat[] = {"", "", "byte string", "text string", "array", "map"};
  const char* unit = major <= 3 ? " bytes" : major == 4 ? " items" : " pairs";
  fail(Errc::corrupt, std::string("cbor data is truncated: the ") + kWhat[major] + " at byte " + std::to_string(pos) +
                          " declares " + std::to_string(n) + unit + ", but only " + std::to_string(left) +
                          " bytes follow");
}

class Decoder {
 public:
  Decoder() : tree_("cbor") {}

  Value run(std::string_view data, std::size_t& consumed) {
    tree_.out.reserve(2 * data.size() + 16);  // typical JSON size; grows if needed
    const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
    std::size_t pos = 0;
    while (!done_) {
      if (pos >= data.size())
        fail(Errc::corrupt, pos == 0 ? std::string("cbor data is empty; expected one item")
                                     : "cbor data is truncated after " + std::to_string(pos) +
                                           " bytes: the item is incomplete");
      const unsigned char c = bytes[pos];
      at_ = pos;
      if (c >= 0xc6 && c <= 0xd4) {  // tags 6..20
        on_tag(c - 0xc0u);
        pos += 1;
      } else if (c >= 0xe0 && c <= 0xf3) {  // simple(0..19)
        on_null();
        pos += 1;
      } else if (c == 0xf8) {  // simple(n): RFC 7049 lists simple(24) this way
        if (pos + 1 >= data.size())
          fail(Errc::corrupt,
               "cbor data is truncated: simple value at byte " + std::to_string(pos) + " needs 1 more byte");
        if (bytes[pos + 1] < 24)
          fail(Errc::corrupt, "cbor simple value " + std::to_string(bytes[pos + 1]) + " at byte " +
                                  std::to_string(pos) + " must use the one-byte form");
        on_null();
        pos += 2;
      } else {
        check_declared_size(bytes, pos, data.size());
        cbor_decoder_result r = cbor_stream_decode(bytes + pos, data.size() - pos, &kCallbacks, this);
        if (r.status == CBOR_DECODER_NEDATA)
          fail(Errc::corrupt, "cbor data is truncated: the item at byte " + std::to_string(pos) + " needs " +
                                  std::to_string(r.required) + " bytes, " +
                                  std::to_string(data.size() - pos) + " left");
        if (r.status != CBOR_DECODER_FINISHED)
          fail(Errc::corrupt, "cbor data is malformed at byte " + std::to_string(pos) + ": initial byte 0x" +
                                  hex(c) + " is reserved or invalid");
        pos += r.read;
      }
      if (pending_) std::rethrow_exception(pending_);
      if (!error_.empty()) fail(Errc::corrupt, error_);
    }
    consumed = pos;
    if (!have_result_) result_ = Value::json(std::move(tree_.out));
    return std::move(result_);
  }

 private:
  static std::string hex(unsigned c) {
    static constexpr char kHex[] = "0123456789abcdef";
    return {kHex[c >> 4], kHex[c & 15]};
  }
  void set_error(const std::string& what) {
    if (error_.empty()) error_ = "cbor data is malformed at byte " + std::to_string(at_) + ": " + what;
  }
  bool top() const { return tree_.empty(); }
  std::uint64_t take_tag() {
    std::uint64_t t = tag_;
    tag_ = kNoTag;
    return t;
  }
  // False (and an error recorded) when an item arrives inside an indefinite string.
  bool item_allowed() {
    if (in_string_) {
      set_error("an indefinite-length string may only hold definite strings of its own type");
      return false;
    }
    return true;
  }
  void complete(bool is_json_string) {
    if (tree_.empty()) {
      done_ = true;
      return;
    }
    tree_.after_item(is_json_string);
    tree_.close_finished();
    if (tree_.empty()) done_ = true;
  }
  void scalar_value(Value v) {
    result_ = std::move(v);
    have_result_ = true;
    done_ = true;
  }

  // --- events ---------------------------------------------------------------
  void on_uint(std::uint64_t u) {
    if (!item_allowed()) return;
    take_tag();
    if (top()) {
      if (u <= static_cast<std::uint64_t>(INT64_MAX))
        return scalar_value(Value::integer(static_cast<std::int64_t>(u)));
      std::string text;
      json::append_uint(text, u);
      return scalar_value(Value::json(std::move(text)));
    }
    tree_.before_item();
    json::append_uint(tree_.out, u);
    complete(false);
  }
  void on_negint(std::uint64_t n) {  // the value is -1 - n
    if (!item_allowed()) return;
    take_tag();
    std::string text;
    if (n <= static_cast<std::uint64_t>(INT64_MAX)) {
      std::int64_t v = -1 - static_cast<std::int64_t>(n);
      if (top()) return scalar_value(Value::integer(v));
      json::append_int(text, v);
    } else {
      std::string digits;
      json::append_uint(digits, n);
      text = "-" + decimal_plus_one(digits);
      if (top()) return scalar_value(Value::json(std::move(text)));
    }
    tree_.before_item();
    tree_.out += text;
    complete(false);
  }
  void on_float(double v, bool single) {
    if (!item_allowed()) return;
    take_tag();
    if (top()) return scalar_value(Value::real(v));
    tree_.before_item();
    if (single)
      json::append_float(tree_.out, static_cast<float>(v));
    else
      json::append_double(tree_.out, v);
    complete(false);
  }
  void on_bool(bool b) {
    if (!item_allowed()) return;
    take_tag();
    tree_.before_item();
    tree_.out += b ? "true" : "false";
    complete(false);
  }
  void on_null() {
    if (!item_allowed()) return;
    take_tag();
    if (top()) return scalar_value(Value::null());
    tree_.before_item();
    tree_.out += "null";
    complete(false);
  }
  void on_tag(std::uint64_t t) {
    if (!item_allowed()) return;
    tag_ = t;  // the innermost tag is the one that shapes the enclosed item
  }
  void on_string(std::string_view s, bool is_text) {
    if (in_string_) {
      if (is_text != string_is_text_) {
        set_error("an indefinite-length string may only hold definite strings of its own type");
        return;
      }
      chunks_.append(s);
      return;
    }
    emit_string(s, is_text, take_tag());
  }
  void on_string_start(bool is_text) {
    if (!item_allowed()) return;
    in_string_ = true;
    string_is_text_ = is_text;
    string_tag_ = take_tag();
    chunks_.clear();
  }
  void emit_string(std::string_view s, bool is_text, std::uint64_t tag) {
    if (is_text) {
      tree_.before_item();
      tree_.append_string(s);  // validates UTF-8
      complete(true);
      return;
    }
    if (tag == 2 || tag == 3) return emit_bignum(s, tag == 3);
    if (top()) return scalar_value(Value::blob(std::string(s)));
    tree_.before_item();
    std::string& out = tree_.out;
    out.push_back('"');
    if (tag == 22)
      append_base64(out, s);
    else if (tag == 23)
      append_base16(out, s);
    else
      append_base64url(out, s);
    out.push_back('"');
    complete(true);
  }
  void emit_bignum(std::string_view magnitude, bool negative) {
    std::size_t skip = 0;
    while (skip < magnitude.size() && magnitude[skip] == 0) ++skip;
    magnitude.remove_prefix(skip);
    if (magnitude.size() <= 8) {  // fits a uint64 n: the value is n or -1 - n
      std::uint64_t n = 0;
      for (unsigned char b : magnitude) n = (n << 8) | b;
      if (negative) return on_negint(n);
      return on_uint(n);
    }
    std::string text;
    if (magnitude.size() > kMaxBignumBytes) {
      text = negative ? "\"~" : "\"";
      append_base64url(text, magnitude);
      text.push_back('"');
    } else {
      std::string digits = decimal_of_magnitude(magnitude);
      text = negative ? "-" + decimal_plus_one(std::move(digits)) : std::move(digits);
    }
    if (top()) return scalar_value(Value::json(std::move(text)));
    tree_.before_item();
    tree_.out += text;
    complete(text[0] == '"');
  }
  void on_container(bool is_map, bool indefinite, std::uint64_t count) {
    if (!item_allowed()) return;
    take_tag();
    tree_.before_item();
    tree_.open(is_map, indefinite, count);
    tree_.close_finished();
    if (tree_.empty()) done_ = true;
  }
  void on_break() {
    if (in_string_) {
      in_string_ = false;
      emit_string(chunks_, string_is_text_, string_tag_);
      return;
    }
    if (tag_ != kNoTag) return set_error("a tag must enclose an item, not a break");
    if (tree_.empty() || !tree_.top().indefinite)
      return set_error("break (0xff) outside an indefinite-length item");
    if (tree_.top().is_map && !tree_.top().expect_key)
      return set_error("indefinite-length map ends after a key with no value");
    tree_.close();
    tree_.close_finished();
    if (tree_.empty()) done_ = true;
  }

  // --- libcbor callbacks --------------------------------------------------------
  // Exceptions must not unwind through libcbor's C frames: park them here and
  // rethrow once cbor_stream_decode has returned.
  template <class F>
  static void guarded(void* ctx, F&& f) {
    Decoder& d = *static_cast<Decoder*>(ctx);
    try {
      f(d);
    } catch (...) {
      if (!d.pending_) d.pending_ = std::current_exception();
    }
  }
  static void cb_uint8(void* c, std::uint8_t v) {
    guarded(c, [&](Decoder& dec) { dec.on_uint(v); });
  }
  static void cb_uint16(void* c, std::uint16_t v) {
    guarded(c, [&](Decoder& dec) { dec.on_uint(v); });
  }
  static void cb_uint32(void* c, std::uint32_t v) {
    guarded(c, [&](Decoder& dec) { dec.on_uint(v); });
  }
  static void cb_uint64(void* c, std::uint64_t v) {
    guarded(c, [&](Decoder& dec) { dec.on_uint(v); });
  }
  static void cb_neg8(void* c, std::uint8_t v) {
    guarded(c, [&](Decoder& dec) { dec.on_negint(v); });
  }
  static void cb_neg16(void* c, std::uint16_t v) {
    guarded(c, [&](Decoder& dec) { dec.on_negint(v); });
  }
  static void cb_neg32(void* c, std::uint32_t v) {
    guarded(c, [&](Decoder& dec) { dec.on_negint(v); });
  }
  static void cb_neg64(void* c, std::uint64_t v) {
    guarded(c, [&](Decoder& dec) { dec.on_negint(v); });
  }
  static void cb_bytes(void* c, cbor_data d, size_t n) {
    guarded(c, [&](Decoder& dec) { dec.on_string({reinterpret_cast<const char*>(d), n}, false); });
  }
  static void cb_text(void* c, cbor_data d, size_t n) {
    guarded(c, [&](Decoder& dec) { dec.on_string({reinterpret_cast<const char*>(d), n}, true); });
  }
  static void cb_bytes_start(void* c) {
    guarded(c, [&](Decoder& dec) { dec.on_string_start(false); });
  }
  static void cb_text_start(void* c) {
    guarded(c, [&](Decoder& dec) { dec.on_string_start(true); });
  }
  static void cb_array(void* c, size_t n) {
    guarded(c, [&](Decoder& dec) { dec.on_container(false, false, n); });
  }
  static void cb_indef_array(void* c) {
    guarded(c, [&](Decoder& dec) { dec.on_container(false, true, 0); });
  }
  static void cb_map(void* c, size_t n) {
    guarded(c, [&](Decoder& dec) { dec.on_container(true, false, n); });
  }
  static void cb_indef_map(void* c) {
    guarded(c, [&](Decoder& dec) { dec.on_container(true, true, 0); });
  }
  static void cb_tag(void* c, std::uint64_t t) {
    guarded(c, [&](Decoder& dec) { dec.on_tag(t); });
  }
  static void cb_float2(void* c, float v) {
    guarded(c, [&](Decoder& dec) { dec.on_float(v, true); });
  }
  static void cb_float4(void* c, float v) {
    guarded(c, [&](Decoder& dec) { dec.on_float(v, true); });
  }
  static void cb_float8(void* c, double v) {
    guarded(c, [&](Decoder& dec) { dec.on_float(v, false); });
  }
  static void cb_null(void* c) {
    guarded(c, [&](Decoder& dec) { dec.on_null(); });
  }
  static void cb_bool(void* c, bool v) {
    guarded(c, [&](Decoder& dec) { dec.on_bool(v); });
  }
  static void cb_break(void* c) {
    guarded(c, [&](Decoder& dec) { dec.on_break(); });
  }

  static constexpr cbor_callbacks kCallbacks = {
      /* uint8 */ cb_uint8,
      /* uint16 */ cb_uint16,
      /* uint32 */ cb_uint32,
      /* uint64 */ cb_uint64,
      /* negint64 */ cb_neg64,
      /* negint32 */ cb_neg32,
      /* negint16 */ cb_neg16,
      /* negint8 */ cb_neg8,
      /* byte_string_start */ cb_bytes_start,
      /* byte_string */ cb_bytes,
      /* string */ cb_text,
      /* string_start */ cb_text_start,
      /* indef_array_start */ cb_indef_array,
      /* array_start */ cb_array,
      /* indef_map_start */ cb_indef_map,
      /* map_start */ cb_map,
      /* tag */ cb_tag,
      /* float2 */ cb_float2,
      /* float4 */ cb_float4,
      /* float8 */ cb_float8,
      /* undefined */ cb_null,
      /* null */ cb_null,
      /* boolean */ cb_bool,
      /* indef_break */ cb_break,
  };

  JsonTreeOut tree_;
  std::string error_;
  std::size_t at_ = 0;
  bool done_ = false;
  bool have_result_ = false;
  Value result_;
  std::uint64_t tag_ = kNoTag;
  bool in_string_ = false;  // inside an indefinite-length string
  bool string_is_text_ = false;
  std::uint64_t string_tag_ = kNoTag;
  std::string chunks_;
  std::exception_ptr pending_;
};

}  // namespace

void pack(const ValueView& value, std::string& out) { pack_sql_value<CborWriter>(value, out, "cbor"); }

Value unpack_one(std::string_view data, std::size_t& consumed) {
  Decoder d;
  return d.run(data, consumed);
}

}  // namespace kv::codec::cbor
