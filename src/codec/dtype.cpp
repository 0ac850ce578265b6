#include "codec/dtype.hpp"

#include <algorithm>
#include <array>
#include <charconv>

#include "common/error.hpp"

namespace kv {
namespace {

struct NumInfo {
  Num num;
  const char* name;
  std::size_t size;
  bool is_signed;
  bool is_float;
  std::uint8_t vec_byte;
};

constexpr std::array<NumInfo, 10> kNums{{
    {Num::i8, "i8", 1, true, false, 0x09},
    {Num::i16, "i16", 2, true, false, 0x0A},
    {Num::i32, "i32", 4, true, false, 0x03},
    {Num::i64, "i64", 8, true, false, 0x04},
    {Num::u8, "u8", 1, false, false, 0x05},
    {Num::u16, "u16", 2, false, false, 0x06},
    {Num::u32, "u32", 4, false, false, 0x07},
    {Num::u64, "u64", 8, false, false, 0x08},
    {Num::f32, "f32", 4, true, true, 0x01},
    {Num::f64, "f64", 8, true, true, 0x02},
}};

const NumInfo& info(Num n) noexcept { return kNums[static_cast<std::size_t>(n)]; }

bool parse_num(std::string_view s, Num& out) {
  for (const NumInfo& i : kNums)
    if (s == i.name) {
      out = i.num;
      return true;
    }
  return false;
}

bool parse_encoding(std::string_view s, Encoding& out) {
  struct Alias {
    const char* name;
    Encoding enc;
  };
  static constexpr Alias kAliases[] = {
      {"utf8", Encoding::utf8},        {"utf-8", Encoding::utf8},        {"utf16le", Encoding::utf16le},
      {"utf-16le", Encoding::utf16le}, {"utf16be", Encoding::utf16be},   {"utf-16be", Encoding::utf16be},
      {"latin1", Encoding::latin1},    {"iso-8859-1", Encoding::latin1}, {"ascii", Encoding::ascii},
  };
  for (const Alias& a : kAliases)
    if (s == a.name) {
      out = a.enc;
      return true;
    }
  return false;
}

bool is_number(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::vector<std::string_view> split(std::string_view s) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (;;) {
    std::size_t colon = s.find(':', start);
    parts.push_back(
        s.substr(start, colon == std::string_view::npos ? std::string_view::npos : colon - start));
    if (colon == std::string_view::npos) return parts;
    start = colon + 1;
  }
}

[[noreturn]] void bad(std::string_view text, const std::string& expected) {
  fail(Errc::invalid_argument, "unknown dtype '" + std::string(text) + "': expected " + expected);
}

// A size N or dimension: decimal, 1 .. kMaxElementBytes.
std::size_t parse_size(std::string_view text, std::string_view part, const char* what) {
  std::size_t value = 0;
  auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
  if (!is_number(part) || ec != std::errc() || end != part.data() + part.size() || value == 0 ||
      value > kMaxElementBytes)
    bad(text, std::string(what) + " as a whole number from 1 to " + std::to_string(kMaxElementBytes) +
                  ", got '" + std::string(part) + "'");
  return value;
}

}  // namespace

std::size_t num_size(Num n) noexcept { return info(n).size; }
bool num_is_signed(Num n) noexcept { return info(n).is_signed; }
bool num_is_float(Num n) noexcept { return info(n).is_float; }
const char* num_name(Num n) noexcept { return info(n).name; }
std::uint8_t vec_type_byte(Num n) noexcept { return info(n).vec_byte; }

bool num_from_vec_type_byte(std::uint8_t byte, Num& out) noexcept {
  for (const NumInfo& i : kNums)
    if (i.vec_byte == byte) {
      out = i.num;
      return true;
    }
  return false;
}

const char* encoding_name(Encoding e) noexcept {
  switch (e) {
    case Encoding::utf8: return "utf8";
    case Encoding::utf16le: return "utf16le";
    case Encoding::utf16be: return "utf16be";
    case Encoding::latin1: return "latin1";
    case Encoding::ascii: return "ascii";
  }
  return "?";
}

std::size_t DType::vec_count() const noexcept {
  std::size_t n = 1;
  for (std::uint32_t d : dims) n *= d;
  return n;
}

std::size_t DType::elem_size() const noexcept {
  switch (family) {
    case Family::integer:
    case Family::floating: return num_size(num);
    case Family::bytes:
    case Family::str:
    case Family::msgpack:
    case Family::cbor: return fixed_size;
    case Family::vec: return dims.empty() ? 0 : 1 + vec_count() * num_size(num);
    case Family::auto_header: return 0;
  }
  return 0;
}

std::string DType::name() const {
  std::string n;
  switch (family) {
    case Family::integer:
    case Family::floating: return num_name(num);
    case Family::bytes: n = "bytes"; break;
    case Family::msgpack: n = "msgpack"; break;
    case Family::cbor: n = "cbor"; break;
    case Family::auto_header: return "auto";
    case Family::str:
      n = "str";
      if (fixed_size) n += ":" + std::to_string(fixed_size);
      return n + ":" + encoding_name(encoding);
    case Family::vec:
      n = std::string("vec:") + num_name(num);
      for (std::uint32_t d : dims) n += ":" + std::to_string(d);
      return n;
  }
  if (fixed_size) n += ":" + std::to_string(fixed_size);
  return n;
}

DType parse_dtype(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
  const std::vector<std::string_view> parts = split(lower);
  const std::string_view head = parts[0];
  DType d;

  if (parse_num(head, d.num)) {
    if (parts.size() != 1) bad(text, std::string("'") + num_name(d.num) + "' with no suffix");
    d.family = num_is_float(d.num) ? Family::floating : Family::integer;
    return d;
  }
  if (head == "auto") {
    if (parts.size() != 1) bad(text, "'auto' with no suffix");
    d.family = Family::auto_header;
    return d;
  }
  if (head == "bytes" || head == "msgpack" || head == "cbor") {
    d.family = head == "bytes" ? Family::bytes : head == "msgpack" ? Family::msgpack : Family::cbor;
    if (parts.size() > 2) bad(text, std::string(head) + " or " + std::string(head) + ":N");
    if (parts.size() == 2) d.fixed_size = parse_size(text, parts[1], "a size N");
    return d;
  }
  if (head == "str") {
    d.family = Family::str;
    // str | str:ENC | str:N | str:N:ENC
    std::size_t i = 1;
    if (i < parts.size() && is_number(parts[i])) d.fixed_size = parse_size(text, parts[i++], "a size N");
    if (i < parts.size() && !parse_encoding(parts[i++], d.encoding))
      bad(text,
          "an encoding (utf8, utf16le, utf16be, latin1, ascii), got '" + std::string(parts[i - 1]) + "'");
    if (i != parts.size()) bad(text, "str, str:ENC, str:N or str:N:ENC");
    if (d.fixed_size && (d.encoding == Encoding::utf16le || d.encoding == Encoding::utf16be) &&
        d.fixed_size % 2 != 0)
      bad(text, "an even size N for a UTF-16 encoding");
    return d;
  }
  if (head == "vec") {
    d.family = Family::vec;
    if (parts.size() < 2 || !parse_num(parts[1], d.num))
      bad(text, "vec:E or vec:E:D1[:D2...] with E one of i8 i16 i32 i64 u8 u16 u32 u64 f32 f64");
    if (parts.size() - 2 > 255) bad(text, "at most 255 dimensions");
    std::size_t bytes = num_size(d.num);
    for (std::size_t i = 2; i < parts.size(); ++i) {
      std::size_t dim = parse_size(text, parts[i], "a dimension");
      if (bytes > (kMaxElementBytes - 1) / dim)
        bad(text, "a shape of at most " + std::to_string(kMaxElementBytes) + " bytes");
      bytes *= dim;
      d.dims.push_back(static_cast<std::uint32_t>(dim));
    }
    return d;
  }
  bad(text,
      "one of i8 i16 i32 i64 u8 u16 u32 u64 f32 f64, bytes[:N], str[:N][:ENC], msgpack[:N], cbor[:N], "
      "vec:E[:D1...], auto");
}

}  // namespace kv
