// SQLite value ordering; see sql_value_order.hpp.
#include "index/sql_value_order.hpp"

#include <cmath>
#include <cstdio>
#include <cstring>

#include "codec/util.hpp"

namespace kv {
namespace {

// Storage class rank: NULL, numeric, text, blob.
int rank(Kind k) noexcept {
  switch (k) {
    case Kind::null: return 0;
    case Kind::integer:
    case Kind::real: return 1;
    case Kind::text:
    case Kind::json: return 2;
    case Kind::blob: return 3;
  }
  return 0;
}

int compare_bytes(std::string_view a, std::string_view b) noexcept {
  const std::size_t n = a.size() < b.size() ? a.size() : b.size();
  if (n > 0) {
    const int c = std::memcmp(a.data(), b.data(), n);
    if (c != 0) return c < 0 ? -1 : 1;
  }
  if (a.size() == b.size()) return 0;
  return a.size() < b.size() ? -1 : 1;
}

int compare_real(double a, double b) noexcept {
  const bool na = std::isnan(a), nb = std::isnan(b);
  if (na || nb) return na == nb ? 0 : (na ? -1 : 1);
  return a < b ? -1 : (a > b ? 1 : 0);
}

}  // namespace

int compare_int_real(std::int64_t i, double r) noexcept {
  if (std::isnan(r)) return 1;
  // Doubles outside the int64 range compare by range alone.
  if (r < -9223372036854775808.0) return 1;
  if (r >= 9223372036854775808.0) return -1;
  // r is now within range: compare the integral part exactly, then the fraction.
  const double t = std::trunc(r);
  const auto y = static_cast<std::int64_t>(t);
  if (i < y) return -1;
  if (i > y) return 1;
  if (t < r) return -1;  // i == trunc(r) and r has a positive fraction
  if (t > r) return 1;   // negative fraction
  return 0;
}

int sql_compare_slow(const ValueView& a, const ValueView& b) noexcept {
  const int ra = rank(a.kind), rb = rank(b.kind);
  if (ra != rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case 0: return 0;
    case 1:
      if (a.kind == Kind::integer && b.kind == Kind::integer) return a.i < b.i ? -1 : (a.i > b.i ? 1 : 0);
      if (a.kind == Kind::real && b.kind == Kind::real) return compare_real(a.r, b.r);
      if (a.kind == Kind::integer) return compare_int_real(a.i, b.r);
      return -compare_int_real(b.i, a.r);
    default: return compare_bytes(a.bytes, b.bytes);
  }
}

int sql_compare_slow(const Value& a, const Value& b) noexcept { return sql_compare_slow(a.view(), b.view()); }

std::string describe_value(const ValueView& v) {
  char buf[64];
  auto quoted = [](std::string_view s, char open) {
    constexpr std::size_t kMax = 40;
    std::string out(1, open);
    out += open == 'X' ? "'" : "";
    out.append(s.substr(0, kMax));
    if (s.size() > kMax) out += "...";
    out += "'";
    return out;
  };
  switch (v.kind) {
    case Kind::null: return "NULL";
    case Kind::integer: std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v.i)); return buf;
    case Kind::real: return detail::format_double(v.r);  // -0.0 stays -0.0, not "-0" (an integer)
    case Kind::text:
    case Kind::json: return quoted(v.bytes, '\'');
    case Kind::blob: {
      static const char* hex = "0123456789ABCDEF";
      std::string h;
      for (unsigned char c : v.bytes.substr(0, 20)) {
        h += hex[c >> 4];
        h += hex[c & 15];
      }
      if (v.bytes.size() > 20) h += "...";
      return "X'" + h + "'";
    }
  }
  return "?";
}

}  // namespace kv
