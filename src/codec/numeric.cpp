#include "codec/numeric.hpp"

#include <algorithm>
#include <cfloat>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#include "codec/util.hpp"
#include "common/error.hpp"
#include "json/text.hpp"

namespace kv::codec::numeric {
namespace {

using detail::load_le;
using detail::store_le;

constexpr double kTwo63 = 9223372036854775808.0;   // 2^63
constexpr double kTwo64 = 18446744073709551616.0;  // 2^64

struct Range {
  std::int64_t lo;
  std::uint64_t hi;
  const char* text;
};

Range int_range(Num n) {
  switch (n) {
    case Num::i8: return {-128, 127, "-128..127"};
    case Num::i16: return {-32768, 32767, "-32768..32767"};
    case Num::i32: return {INT32_MIN, INT32_MAX, "-2147483648..2147483647"};
    case Num::i64: return {INT64_MIN, INT64_MAX, "-9223372036854775808..9223372036854775807"};
    case Num::u8: return {0, 255, "0..255"};
    case Num::u16: return {0, 65535, "0..65535"};
    case Num::u32: return {0, UINT32_MAX, "0..4294967295"};
    case Num::u64: return {0, UINT64_MAX, "0..18446744073709551615"};
    default: return {0, 0, ""};
  }
}

[[noreturn]] void out_of_range(Num n, const std::string& shown) {
  Range r = int_range(n);
  fail(Errc::out_of_range, shown + " is out of range for " + num_name(n) + " (" + r.text + ")");
}

[[noreturn]] void not_exact(Num n, const std::string& shown) {
  fail(Errc::out_of_range, shown + " cannot be represented exactly in " + std::string(num_name(n)) +
                               " (no silent rounding of integers)");
}

// Stores an integer already known to be within n's range.
void store_int(Num n, std::int64_t v, char* dst) {
  switch (n) {
    case Num::i8: store_le(dst, static_cast<std::int8_t>(v)); return;
    case Num::i16: store_le(dst, static_cast<std::int16_t>(v)); return;
    case Num::i32: store_le(dst, static_cast<std::int32_t>(v)); return;
    case Num::i64: store_le(dst, v); return;
    case Num::u8: store_le(dst, static_cast<std::uint8_t>(v)); return;
    case Num::u16: store_le(dst, static_cast<std::uint16_t>(v)); return;
    case Num::u32: store_le(dst, static_cast<std::uint32_t>(v)); return;
    case Num::u64: store_le(dst, static_cast<std::uint64_t>(v)); return;
    default: return;
  }
}

// Parses the canonical decimal TEXT that u64 accepts (values above 2^63-1).
std::uint64_t parse_u64_text(std::string_view t) {
  const std::string shown = "TEXT '" + detail::truncate_for_message(t) + "'";
  bool digits = !t.empty() && t.size() <= 40 && (t[0] != '0' || t.size() == 1);
  for (char c : t) digits = digits && c >= '0' && c <= '9';
  if (!digits)
    fail(Errc::type_mismatch,
         "u64 expects an INTEGER (or, above 9223372036854775807, its decimal digits as TEXT), got " + shown);
  std::uint64_t v = 0;
  for (char c : t) {
    unsigned d = static_cast<unsigned>(c - '0');
    if (v > (UINT64_MAX - d) / 10) out_of_range(Num::u64, std::string(detail::truncate_for_message(t)));
    v = v * 10 + d;
  }
  if (v <= static_cast<std::uint64_t>(INT64_MAX))
    fail(Errc::type_mismatch,
         "u64 accepts TEXT only for values above 9223372036854775807 (smaller values are INTEGER), got " +
             shown);
  return v;
}

}  // namespace

void pack_int(Num n, std::int64_t v, char* dst) {
  if (n == Num::f64) {
    double d = static_cast<double>(v);
    if (d >= kTwo63 || static_cast<std::int64_t>(d) != v) not_exact(n, std::to_string(v));
    store_le(dst, d);
    return;
  }
  if (n == Num::f32) {
    float f = static_cast<float>(v);
    double d = static_cast<double>(f);
    if (d >= kTwo63 || static_cast<std::int64_t>(d) != v) not_exact(n, std::to_string(v));
    store_le(dst, f);
    return;
  }
  Range r = int_range(n);
  if (v < r.lo || (v > 0 && static_cast<std::uint64_t>(v) > r.hi)) out_of_range(n, std::to_string(v));
  store_int(n, v, dst);
}

void pack_uint(Num n, std::uint64_t v, char* dst) {
  if (v <= static_cast<std::uint64_t>(INT64_MAX)) return pack_int(n, static_cast<std::int64_t>(v), dst);
  switch (n) {
    case Num::u64: store_le(dst, v); return;
    case Num::f64: {
      double d = static_cast<double>(v);
      if (d >= kTwo64 || static_cast<std::uint64_t>(d) != v) not_exact(n, std::to_string(v));
      store_le(dst, d);
      return;
    }
    case Num::f32: {
      float f = static_cast<float>(v);
      double d = static_cast<double>(f);
      if (d >= kTwo64 || static_cast<std::uint64_t>(d) != v) not_exact(n, std::to_string(v));
      store_le(dst, f);
      return;
    }
    default: out_of_range(n, std::to_string(v));
  }
}

void pack_real(Num n, double v, char* dst) {
  if (n == Num::f64) return store_le(dst, v);
  if (n == Num::f32) {
    // Round to nearest: everything below FLT_MAX + half an ulp (2^128 - 2^103)
    // rounds to FLT_MAX, so the shortest text printed for FLT_MAX
    // (3.4028235e+38, just above it) packs back to the same bits.
    constexpr double kF32RoundsToInfinity = 0x1.ffffffp127;
    if (std::isfinite(v) && std::fabs(v) >= kF32RoundsToInfinity)
      fail(Errc::out_of_range, detail::format_double(v) + " is out of range for f32: it rounds to infinity (the largest f32 is " +
                                   detail::format_double(static_cast<double>(FLT_MAX)) + "; values below " +
                                   detail::format_double(kF32RoundsToInfinity) + " round to it)");
    if (std::isfinite(v) && std::fabs(v) > static_cast<double>(FLT_MAX))
      return store_le(dst, std::copysign(FLT_MAX, static_cast<float>(v < 0 ? -1 : 1)));  // no out-of-range cast
    return store_le(dst, static_cast<float>(v));
  }
  if (!std::isfinite(v) || std::trunc(v) != v)
    fail(Errc::out_of_range, detail::format_double(v) + " is out of range for " + std::string(num_name(n)) +
                                 ": not a whole number");
  if (v >= -kTwo63 && v < kTwo63) {
    std::int64_t i = static_cast<std::int64_t>(v);
    Range r = int_range(n);
    if (i < r.lo || (i > 0 && static_cast<std::uint64_t>(i) > r.hi))
      out_of_range(n, detail::format_double(v));
    return store_int(n, i, dst);
  }
  if (n == Num::u64 && v >= 0 && v < kTwo64) return store_le(dst, static_cast<std::uint64_t>(v));
  out_of_range(n, detail::format_double(v));
}

void pack(Num n, const ValueView& value, char* dst) {
  switch (value.kind) {
    case Kind::integer: return pack_int(n, value.i, dst);
    case Kind::real: return pack_real(n, value.r, dst);
    case Kind::text:
    case Kind::json:
      if (n == Num::u64) return store_le(dst, parse_u64_text(value.bytes));
      break;
    default: break;
  }
  fail(Errc::type_mismatch, std::string(num_name(n)) +
                                (num_is_float(n) ? " expects an INTEGER or REAL, got "
                                                 : " expects an INTEGER (or an integral REAL), got ") +
                                detail::describe(value));
}

Value unpack(Num n, const char* src) {
  switch (n) {
    case Num::i8: return Value::integer(load_le<std::int8_t>(src));
    case Num::i16: return Value::integer(load_le<std::int16_t>(src));
    case Num::i32: return Value::integer(load_le<std::int32_t>(src));
    case Num::i64: return Value::integer(load_le<std::int64_t>(src));
    case Num::u8: return Value::integer(load_le<std::uint8_t>(src));
    case Num::u16: return Value::integer(load_le<std::uint16_t>(src));
    case Num::u32: return Value::integer(load_le<std::uint32_t>(src));
    case Num::u64: {
      std::uint64_t v = load_le<std::uint64_t>(src);
      if (v <= static_cast<std::uint64_t>(INT64_MAX)) return Value::integer(static_cast<std::int64_t>(v));
      return Value::text(std::to_string(v));
    }
    case Num::f32: return Value::real(static_cast<double>(load_le<float>(src)));
    case Num::f64: return Value::real(load_le<double>(src));
  }
  return Value::null();
}

namespace {

// One element as JSON text at p (at most kMaxChars); the same text as
// json::append_int/append_uint/append_double/append_float write.
constexpr std::size_t kMaxChars = 32;

template <class T>
char* write_json(char* p, T v) {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(v)) {
      std::memcpy(p, "null", 4);
      return p + 4;
    }
    if (std::isinf(v)) {
      const char* text = v > 0 ? "9e999" : "-9e999";
      std::size_t n = v > 0 ? 5 : 6;
      std::memcpy(p, text, n);
      return p + n;
    }
    char* start = p;
    p = std::to_chars(p, p + kMaxChars, v).ptr;
    for (char* q = start; q < p; ++q)
      if (*q == '.' || *q == 'e') return p;
    *p++ = '.';  // reads back as a float: "1.0", not "1"
    *p++ = '0';
    return p;
  } else {
    return std::to_chars(p, p + kMaxChars, v).ptr;
  }
}

// The batch loop: formats straight into out's buffer, a chunk at a time.
template <class T>
void list_loop(const char* src, std::size_t count, std::string& out) {
  constexpr std::size_t kChunk = 4096;
  for (std::size_t done = 0; done < count;) {
    const std::size_t n = std::min(kChunk, count - done);
    const std::size_t at = out.size();
    out.resize(at + n * (kMaxChars + 1));
    char* p = out.data() + at;
    for (std::size_t k = 0; k < n; ++k) {
      if (done + k) *p++ = ',';
      p = write_json(p, load_le<T>(src + (done + k) * sizeof(T)));
    }
    out.resize(static_cast<std::size_t>(p - out.data()));
    done += n;
  }
}

}  // namespace

void append_json_list(Num n, const char* src, std::size_t count, std::string& out) {
  switch (n) {
    case Num::i8: return list_loop<std::int8_t>(src, count, out);
    case Num::i16: return list_loop<std::int16_t>(src, count, out);
    case Num::i32: return list_loop<std::int32_t>(src, count, out);
    case Num::i64: return list_loop<std::int64_t>(src, count, out);
    case Num::u8: return list_loop<std::uint8_t>(src, count, out);
    case Num::u16: return list_loop<std::uint16_t>(src, count, out);
    case Num::u32: return list_loop<std::uint32_t>(src, count, out);
    case Num::u64: return list_loop<std::uint64_t>(src, count, out);
    case Num::f32: return list_loop<float>(src, count, out);
    case Num::f64: return list_loop<double>(src, count, out);
  }
}

void append_json(Num n, const char* src, std::string& out) { append_json_list(n, src, 1, out); }

}  // namespace kv::codec::numeric
