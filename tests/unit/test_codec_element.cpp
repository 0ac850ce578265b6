// The validate-only check (kv::check_element) and the zero-copy view
// (kv::view_element) against kv::unpack, their model: over every dtype family
// and adversarial bytes (truncated, padded, bad UTF-8 / UTF-16 / ASCII, wrong
// vec type bytes and headers, NaN payloads, trailing msgpack/cbor bytes), an
// element is accepted exactly when unpack decodes it, rejected with unpack's
// own code and message otherwise, and a view holds unpack's value, pointing
// into the element. Good elements of numbers, bytes, str and vec are checked
// and viewed without one heap allocation (counted by the replaced operator new, alloc_hooks.hpp).
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>
#include <random>
#include <string>
#include <vector>

#include "codec/codec.hpp"
#include "codec/element.hpp"
#include "common/error.hpp"
#include "alloc_hooks.hpp"
#include "test_helpers.hpp"

namespace {

using kv::DType;
using kv::ElementView;
using kv::Errc;
using kv::Kind;
using kv::Value;
using kvtest::unhex;

// What kv::unpack does with the bytes: its value, or its error.
struct Outcome {
  bool ok = false;
  Value value;
  Errc code = Errc::internal;
  std::string message;
};

template <class F>
Outcome outcome_of(F&& f) {
  Outcome o;
  try {
    o.value = f();
    o.ok = true;
  } catch (const kv::Error& e) {
    o.code = e.code();
    o.message = e.what();
  }
  return o;
}

// The view as the Value unpack() returns for it.
Value value_of(const ElementView& v) {
  switch (v.type) {
    case ElementView::Type::integer: return Value::integer(v.i);
    case ElementView::Type::uint64: return Value::text(std::to_string(v.u));
    case ElementView::Type::real: return Value::real(v.r);
    case ElementView::Type::text: return Value::text(std::string(v.bytes));
    case ElementView::Type::blob: return Value::blob(std::string(v.bytes));
    case ElementView::Type::null:
    case ElementView::Type::none: break;
  }
  return Value::null();
}

bool same_value(const Value& a, const Value& b) {
  if (a.kind == Kind::real && b.kind == Kind::real)  // NaN payloads too: the same bits
    return std::memcmp(&a.r, &b.r, sizeof a.r) == 0;
  return a == b;
}

// Checks check_element and view_element against unpack for one element.
void expect_agrees(const DType& d, std::string_view bytes) {
  SCOPED_TRACE(d.name() + " element " + kvtest::hex(bytes));
  const Outcome model = outcome_of([&] { return kv::unpack(d, bytes); });
  const Outcome checked = outcome_of([&] {
    kv::check_element(d, bytes);
    return Value::null();
  });
  EXPECT_EQ(checked.ok, model.ok) << model.message << " | " << checked.message;
  if (!model.ok && !checked.ok) {
    EXPECT_EQ(checked.code, model.code);
    EXPECT_EQ(checked.message, model.message);
  }
  ElementView view = ElementView::integer(0);
  const Outcome viewed = outcome_of([&] {
    view = kv::view_element(d, bytes);
    return Value::null();
  });
  if (!viewed.ok) {  // a view that fails fails as unpack does
    EXPECT_FALSE(model.ok);
    EXPECT_EQ(viewed.code, model.code);
    EXPECT_EQ(viewed.message, model.message);
    return;
  }
  if (view.type == ElementView::Type::none) return;  // no view: unpack decodes it
  ASSERT_TRUE(model.ok) << "viewed bytes unpack rejects: " << model.message;
  EXPECT_TRUE(same_value(value_of(view), model.value));
  if (view.type == ElementView::Type::text || view.type == ElementView::Type::blob) {
    EXPECT_GE(view.bytes.data(), bytes.data());  // zero copy: inside the element
    EXPECT_LE(view.bytes.data() + view.bytes.size(), bytes.data() + bytes.size());
  }
}

std::string packed(const char* dtype, const kv::ValueView& v) { return kvtest::pack(dtype, v); }
std::string packed_json(const char* dtype, const char* json) { return kvtest::pack_json(dtype, json); }

// Every way to cut or pad an element by a byte or two.
std::vector<std::string> mutations(const std::string& good) {
  std::vector<std::string> out = {good, good + std::string(1, '\0'), good + "x", good + "\xFF"};
  if (!good.empty()) {
    out.push_back(good.substr(0, good.size() - 1));
    out.push_back(good.substr(1));
    std::string flipped = good;
    flipped[0] = static_cast<char>(flipped[0] ^ 0x80);
    out.push_back(flipped);
    flipped = good;
    flipped.back() = static_cast<char>(flipped.back() ^ 0xC0);
    out.push_back(flipped);
  }
  if (good.size() > 1) out.push_back(good.substr(0, good.size() - 2));
  out.push_back("");
  return out;
}

struct Case {
  const char* dtype;
  std::vector<std::string> good;  // packed elements
};

std::vector<Case> cases() {
  using VV = kv::ValueView;
  return {
      {"i8", {packed("i8", VV::integer(-128)), packed("i8", VV::integer(127))}},
      {"u8", {packed("u8", VV::integer(255))}},
      {"i16", {packed("i16", VV::integer(-32768))}},
      {"u16", {packed("u16", VV::integer(65535))}},
      {"i32", {packed("i32", VV::integer(INT32_MIN))}},
      {"u32", {packed("u32", VV::integer(4294967295LL))}},
      {"i64", {packed("i64", VV::integer(INT64_MIN)), packed("i64", VV::integer(INT64_MAX))}},
      {"u64", {packed("u64", VV::integer(INT64_MAX)), packed("u64", VV::text("18446744073709551615")),
               packed("u64", VV::text("9223372036854775808"))}},
      {"f32",
       {packed("f32", VV::real(1.5)), packed("f32", VV::real(-0.0)), unhex("0000C07F") /* quiet NaN */,
        unhex("0100807F") /* signalling NaN payload 1 */, unhex("FFFFFFFF") /* negative NaN, all payload bits */,
        unhex("0000807F") /* +inf */}},
      {"f64",
       {packed("f64", VV::real(3.25)), unhex("000000000000F87F"), unhex("0100000000F0FF7F"),
        unhex("FFFFFFFFFFFFFFFF"), unhex("000000000000F0FF") /* -inf */, unhex("0100000000000000") /* subnormal */}},
      {"bytes", {"", std::string("\x00\xFF", 2), "abc"}},
      {"bytes:4", {packed("bytes:4", VV::blob("ab")), std::string(4, '\0'), "\xFF\xFF\xFF\xFF"}},
      {"str", {"", "h\xC3\xA9llo", "\xF0\x9F\x98\x80", "\xFF", "\xC0\x80", "\xED\xA0\x80" /* surrogate */,
               "\xF4\x90\x80\x80" /* above U+10FFFF */, "ab\xE2\x82"}},
      {"str:6", {packed("str:6", VV::text("ab")), packed("str:6", VV::text("h\xC3\xA9llo")), std::string(6, '\0'),
                 std::string("a\xFF\0\0\0\0", 6), std::string("\xC3\0\0\0\0\0", 6)}},
      {"str:ascii", {"plain", "caf\xC3\xA9", "\x7F"}},
      {"str:4:ascii", {std::string("ab\0\0", 4), std::string("a\x80\0\0", 4)}},
      {"str:latin1", {"caf\xE9", "", "\xFF"}},
      {"str:utf16le",
       {packed("str:utf16le", VV::text("h\xC3\xA9\xF0\x9F\x98\x80")), std::string("\x3D\xD8", 2),
        std::string("\x00\xDC", 2), std::string("\x3D\xD8\x61\x00", 4), "abc"}},
      {"str:8:utf16be",
       {packed("str:8:utf16be", VV::text("ab")), std::string("\xD8\x3D\0\0\0\0\0\0", 8),
        std::string("\0a\0b\0c\0d", 8)}},
      {"vec:f32:2", {packed_json("vec:f32:2", "[1, 2]"), unhex("020000803F00000040"), unhex("01FFFFFFFF0000C07F")}},
      {"vec:i16:2:2", {packed_json("vec:i16:2:2", "[[1,2],[3,4]]")}},
      {"vec:u8",
       {packed_json("vec:u8", "[[1,2],[3,4]]"), packed_json("vec:u8", "7"), packed_json("vec:u8", "[]"),
        unhex("05"), unhex("0503010000000100"), unhex("050102000000AA"), unhex("050102000000AABBCC"),
        unhex("0502FFFFFFFF00000000"), unhex("05020000000002000000"), unhex("05020000000002000000AA"),
        unhex("0501FFFFFFFF") /* dims need more bytes than present */, unhex("0600")}},
      {"vec:f64", {packed_json("vec:f64", "[1.5, null]"), unhex("0201010000000000000000F87F")}},
      {"msgpack", {packed_json("msgpack", "{\"a\":[1,2]}"), unhex("C1"), unhex("0102"), unhex("92"), unhex("A3616263")}},
      {"msgpack:4", {packed_json("msgpack:4", "1"), unhex("01000001")}},
      {"cbor", {packed_json("cbor", "[1,\"x\"]"), unhex("FF"), unhex("0101"), unhex("82")}},
      {"cbor:3", {packed_json("cbor:3", "true"), unhex("F50001")}},
      {"auto", {packed("auto", VV::integer(5)), packed("auto", VV::text("hi")), "raw bytes"}},
  };
}

TEST(CodecElement, CheckAndViewAgreeWithUnpackOnEveryFamily) {
  for (const Case& c : cases()) {
    const DType d = kv::parse_dtype(c.dtype);
    for (const std::string& good : c.good)
      for (const std::string& bytes : mutations(good)) expect_agrees(d, bytes);
  }
}

TEST(CodecElement, RandomBytesAgreeWithUnpack) {
  std::mt19937 rng(12);
  for (const Case& c : cases()) {
    const DType d = kv::parse_dtype(c.dtype);
    for (int k = 0; k < 400; ++k) {
      std::string bytes(rng() % 24, '\0');
      for (char& b : bytes) b = static_cast<char>(rng() % 4 == 0 ? rng() % 256 : 'a' + rng() % 3);
      if (k % 3 == 0 && d.elem_size()) bytes.resize(d.elem_size(), '\0');   // the right size, odd contents
      if (k % 5 == 0 && !c.good.empty()) bytes = c.good[0].substr(0, 1) + bytes;  // a plausible header byte
      expect_agrees(d, bytes);
    }
  }
}

TEST(CodecElement, ViewsTheValuesUnpackReturns) {
  const DType u64 = kv::parse_dtype("u64");
  ElementView big = kv::view_element(u64, packed("u64", kv::ValueView::text("18446744073709551615")));
  EXPECT_EQ(big.type, ElementView::Type::uint64);
  EXPECT_EQ(big.u, UINT64_MAX);
  EXPECT_EQ(kv::view_element(u64, packed("u64", kv::ValueView::integer(7))).i, 7);

  const std::string nan_bits = unhex("0100807F");  // f32 signalling NaN with payload 1
  ElementView nan = kv::view_element(kv::parse_dtype("f32"), nan_bits);
  EXPECT_EQ(nan.type, ElementView::Type::real);
  EXPECT_TRUE(std::isnan(nan.r));

  const std::string padded = packed("str:6", kv::ValueView::text("ab"));
  ElementView text = kv::view_element(kv::parse_dtype("str:6"), padded);
  EXPECT_EQ(text.type, ElementView::Type::text);
  EXPECT_EQ(text.bytes, "ab");
  EXPECT_EQ(text.bytes.data(), padded.data());

  const std::string blob = packed("bytes:4", kv::ValueView::blob("ab"));
  ElementView b = kv::view_element(kv::parse_dtype("bytes:4"), blob);
  EXPECT_EQ(b.type, ElementView::Type::blob);
  EXPECT_EQ(b.bytes, std::string_view(blob));  // padding included, as unpack returns it

  for (const char* transcoded : {"str:latin1", "str:utf16le", "vec:f32", "msgpack", "cbor", "auto"})
    EXPECT_EQ(kv::view_element(kv::parse_dtype(transcoded), "").type, ElementView::Type::none) << transcoded;
}

TEST(CodecElement, MessagesNameTheFault) {
  auto message = [](const char* dtype, std::string_view bytes) {
    return kvtest::error_of([&] { kv::check_element(kv::parse_dtype(dtype), bytes); });
  };
  EXPECT_EQ(message("f64", "abc"), std::make_pair(Errc::corrupt, std::string("expected 8 bytes for f64, got 3")));
  EXPECT_EQ(message("str", "a\xFF").second, "cannot decode str:utf8: bytes are not valid UTF-8");
  EXPECT_EQ(message("str:ascii", "a\x80").second, "cannot decode str:ascii: byte 128 at offset 1 is not ASCII");
  EXPECT_EQ(message("str:utf16le", std::string("a\0\0\xDC", 4)).second,
            "cannot decode str:utf16le: lone low surrogate at offset 2");
  EXPECT_EQ(message("str:4", "ab").second, "expected 4 bytes for str:4:utf8, got 2");
  EXPECT_EQ(message("vec:f32:1", unhex("020000803F")).second,
            "malformed vec:f32:1 value: element type byte 0x02 (f64) does not match f32 (0x01)");
  EXPECT_EQ(message("vec:u8", unhex("05")).second, "malformed vec:u8 value: 1 bytes, shorter than its 2-byte header");
  EXPECT_EQ(message("vec:u8", unhex("0503010000000100")).second,
            "malformed vec:u8 value: header claims 3 dims but only 8 bytes are present");
  EXPECT_EQ(message("vec:u8", unhex("050102000000AABBCC")).second,
            "malformed vec:u8 value: dims [2] need 2 bytes of elements, found 3");
  EXPECT_EQ(message("vec:u8", unhex("0502000000000200000001")).second,
            "malformed vec:u8 value: dims [0,2] hold no elements, found 1 bytes");
  EXPECT_EQ(message("msgpack", unhex("0102")).second, "1 bytes after the msgpack item: expected exactly one item");
}

// No heap allocation for a good element of the families the check reads in place.
TEST(CodecElement, GoodElementsAllocateNothing) {
  struct Good {
    const char* dtype;
    std::string bytes;
  };
  const std::vector<Good> goods = {
      {"i8", "\x80"},
      {"u64", std::string(8, '\xFF')},
      {"f32", unhex("0100807F")},
      {"f64", packed("f64", kv::ValueView::real(2.5))},
      {"bytes", "any bytes \xFF"},
      {"bytes:4", std::string("ab\0\0", 4)},
      {"str", std::string(200, 'x') + "h\xC3\xA9llo"},
      {"str:8", std::string("ab\0\0\0\0\0\0", 8)},
      {"str:ascii", "ascii"},
      {"str:latin1", "caf\xE9"},
      {"str:utf16le", packed("str:utf16le", kv::ValueView::text("h\xC3\xA9\xF0\x9F\x98\x80"))},
      {"vec:f32:2", packed_json("vec:f32:2", "[1, 2]")},
      {"vec:i16", packed_json("vec:i16", "[[1,2,3],[4,5,6]]")},
      {"vec:u8", packed_json("vec:u8", "[[],[]]")},
  };
  for (const Good& g : goods) {
    const DType d = kv::parse_dtype(g.dtype);
    kvtest::alloc_count = 0;
    kvtest::alloc_counting = true;
    kv::check_element(d, g.bytes);
    const ElementView v = kv::view_element(d, g.bytes);
    kvtest::alloc_counting = false;
    EXPECT_EQ(kvtest::alloc_count, 0u) << g.dtype;
    (void)v;
  }
  // The counter counts: a decode that builds a string allocates.
  kvtest::alloc_count = 0;
  kvtest::alloc_counting = true;
  Value v = kv::unpack(kv::parse_dtype("str"), std::string(200, 'x'));
  kvtest::alloc_counting = false;
  EXPECT_GT(kvtest::alloc_count, 0u);
}

}  // namespace
