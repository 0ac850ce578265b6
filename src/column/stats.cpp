// Kernels of summarize() (see stats.hpp for the semantics).
//
// Plan: scan_runs() hands runs of contiguous elements (up to a chunk); each
// run is cut into blocks of kBlock elements, copied into an aligned local
// buffer (little-endian -> native) so every later pass reads L1. Per block:
//   pass 1  lanes: count, min, max and the sum (integers: wrapping int64
//           lanes, exact when no running sum can leave int64, else element
//           by element; floats: KBN lanes);
//   pass 2  lanes: sum((x - block mean)^2), merged into the running
//           (count, mean, M2) with Chan's formula;
//   argmin/argmax: only when a block improves the min/max, the first index
//           holding it is searched (so ties keep the first in idx order).
// Lane loops are plain fixed-width loops over arrays that the compiler
// vectorises for the baseline target (no intrinsics, no fast-math).
#include "column/stats.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <type_traits>
#include <vector>

#include "column/scan.hpp"
#include "common/error.hpp"

namespace kv {

namespace {

constexpr std::size_t kBlock = 2048;
constexpr int kLanes = 8;
#if defined(__GNUC__)
// 16-byte vectors: native on the baseline x86-64 (SSE2) and on ARM NEON.
typedef double V2d __attribute__((vector_size(16)));
typedef long long V2l __attribute__((vector_size(16)));
#endif

template <class T>
void load_block(T* dst, const char* src, std::size_t n) {
  std::memcpy(dst, src, n * sizeof(T));
  if constexpr (std::endian::native == std::endian::big && sizeof(T) > 1) {
    for (std::size_t k = 0; k < n; ++k) {
      std::make_unsigned_t<std::conditional_t<std::is_floating_point_v<T>,
                                              std::conditional_t<sizeof(T) == 4, std::int32_t, std::int64_t>, T>>
          bits;
      std::memcpy(&bits, dst + k, sizeof(T));
      bits = sizeof(T) == 2 ? __builtin_bswap16(bits) : sizeof(T) == 4 ? __builtin_bswap32(bits) : __builtin_bswap64(bits);
      std::memcpy(dst + k, &bits, sizeof(T));
    }
  }
}

// Kahan-Babuska-Neumaier accumulator (SQLite's kahanBabuskaNeumaierStep).
struct Kbn {
  double s = 0, c = 0;
  void add(double x) {
    const double t = s + x;
    c += std::fabs(s) > std::fabs(x) ? (s - t) + x : (x - t) + s;
    s = t;
  }
  double value() const { return std::isfinite(c) ? s + c : s; }
};

template <class T>
NumValue num_value(T x) {
  NumValue v;
  if constexpr (std::is_floating_point_v<T>) {
    if (x == x) {
      v.kind = NumValue::Kind::real;
      v.r = static_cast<double>(x);
    }
  } else if constexpr (std::is_same_v<T, std::uint64_t>) {
    if (x > static_cast<std::uint64_t>(INT64_MAX)) {
      v.kind = NumValue::Kind::big_unsigned;
      v.u = x;
    } else {
      v.kind = NumValue::Kind::integer;
      v.i = static_cast<std::int64_t>(x);
    }
  } else {
    v.kind = NumValue::Kind::integer;
    v.i = static_cast<std::int64_t>(x);
  }
  return v;
}

template <class T>
class Summarizer {
 public:
  explicit Summarizer(std::uint64_t start, std::uint64_t stop) : start_(start), stop_(stop) {}

  // Starts over for another range (keeps the block buffer).
  void restart(std::uint64_t start, std::uint64_t stop) {
    start_ = start;
    stop_ = stop;
    count_ = 0;
    min_ = max_ = T{};
    argmin_ = argmax_ = 0;
    first_ = last_ = NumValue{};
    kbn_ = Kbn{};
    isum_ = 0;
    overflow_ = approx_ = false;
    mean_ = m2_ = 0;
  }

  void run(const char* bytes, std::uint64_t first, std::uint64_t count) {
    for (std::uint64_t done = 0; done < count;) {
      const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(kBlock, count - done));
      load_block(buf_, bytes + done * sizeof(T), n);
      block(n, first + done);
      done += n;
    }
  }

  RangeSummary finish() {
    RangeSummary r;
    r.count = count_;
    r.first = first_;
    r.last = last_;
    if (count_ == 0) return r;
    r.min = num_value(min_);
    r.max = num_value(max_);
    r.argmin = argmin_;
    r.argmax = argmax_;
    if constexpr (std::is_floating_point_v<T>) {
      r.real_sum = true;
      r.sum = kbn_.value();
    } else {
      r.overflow = overflow_;
      r.real_sum = approx_;
      r.int_sum = isum_;
      r.sum = approx_ ? kbn_.value() : static_cast<double>(isum_);
    }
    r.mean = r.sum / static_cast<double>(count_);
    r.stddev = std::sqrt(m2_ / static_cast<double>(count_));
    return r;
  }

 private:
  static constexpr bool kFloat = std::is_floating_point_v<T>;

  void block(std::size_t n, std::uint64_t first) {
    if (first == start_) first_ = num_value(buf_[0]);
    if (first + n == stop_) last_ = num_value(buf_[n - 1]);
    const T* x = buf_;
    // ---- pass 1: count, min, max, sum. Every select below picks between
    // values already computed, so the loops vectorise without fast-math.
    T mn[kLanes], mx[kLanes];
    for (int j = 0; j < kLanes; ++j) {
      mn[j] = kFloat ? std::numeric_limits<T>::infinity() : std::numeric_limits<T>::max();
      mx[j] = kFloat ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::lowest();
    }
    std::uint64_t bcount = n;
    double bsum = 0;  // the block's sum, for its mean
    std::size_t i = 0;
    if constexpr (kFloat) {
      double s[kLanes] = {}, c[kLanes] = {}, cnt[kLanes] = {};
#if defined(__GNUC__)
      // GCC/Clang vector types: the same lanes, written so the compiler
      // cannot fall back to scalar code (it does for the array form, which
      // it will not if-convert under the default -ftrapping-math).
      {
        const double inf = std::numeric_limits<double>::infinity();
        const V2l abs_mask = {INT64_MAX, INT64_MAX};
        const V2d zero = {0, 0};
        V2d vs[2] = {zero, zero}, vc[2] = {zero, zero}, vmn[2] = {{inf, inf}, {inf, inf}},
            vmx[2] = {{-inf, -inf}, {-inf, -inf}};
        V2l vcnt[2] = {{0, 0}, {0, 0}};
        for (; i + 4 <= n; i += 4) {
          for (int h = 0; h < 2; ++h) {
            const V2d xv = {static_cast<double>(x[i + 2 * h]), static_cast<double>(x[i + 2 * h + 1])};
            const V2l ok = xv == xv;
            const V2d v = ok ? xv : zero;
            vcnt[h] -= ok;
            const V2d t = vs[h] + v;
            const V2l s_bigger = (V2d)((V2l)vs[h] & abs_mask) > (V2d)((V2l)v & abs_mask);
            vc[h] += s_bigger ? (vs[h] - t) + v : (v - t) + vs[h];
            vs[h] = t;
            vmn[h] = xv < vmn[h] ? xv : vmn[h];
            vmx[h] = xv > vmx[h] ? xv : vmx[h];
          }
        }
        for (int j = 0; j < 4; ++j) {
          s[j] = vs[j / 2][j % 2];
          c[j] = vc[j / 2][j % 2];
          cnt[j] = static_cast<double>(vcnt[j / 2][j % 2]);
          mn[j] = static_cast<T>(vmn[j / 2][j % 2]);  // exact: each is one of the T values (or +-inf)
          mx[j] = static_cast<T>(vmx[j / 2][j % 2]);
        }
      }
#endif
      for (; i + kLanes <= n; i += kLanes) {
        for (int j = 0; j < kLanes; ++j) {
          const T xv = x[i + j];
          const bool ok = xv == xv;
          const double v = ok ? static_cast<double>(xv) : 0.0;
          cnt[j] += ok ? 1.0 : 0.0;
          const double t = s[j] + v;
          const double keep_s = (s[j] - t) + v, keep_v = (v - t) + s[j];
          c[j] += std::fabs(s[j]) > std::fabs(v) ? keep_s : keep_v;
          s[j] = t;
          mn[j] = xv < mn[j] ? xv : mn[j];
          mx[j] = xv > mx[j] ? xv : mx[j];
        }
      }
      double counted = 0;
      for (int j = 0; j < kLanes; ++j) counted += cnt[j];
      bcount = static_cast<std::uint64_t>(counted);
      for (; i < n; ++i) {
        const T xv = x[i];
        if (xv != xv) continue;
        ++bcount;
        const double v = static_cast<double>(xv), t = s[0] + v;
        c[0] += std::fabs(s[0]) > std::fabs(v) ? (s[0] - t) + v : (v - t) + s[0];
        s[0] = t;
        mn[0] = xv < mn[0] ? xv : mn[0];
        mx[0] = xv > mx[0] ? xv : mx[0];
      }
      for (int j = 0; j < kLanes; ++j) {
        kbn_.add(s[j]);
        kbn_.c += c[j];
        bsum += s[j] + c[j];
      }
    } else {
      // wrapping int64 lanes: exact whenever no running sum can leave int64
      // (checked below from the block's min and max)
      std::uint64_t lanes[kLanes] = {};
      for (; i + kLanes <= n; i += kLanes)
        for (int j = 0; j < kLanes; ++j) {
          const T xv = x[i + j];
          mn[j] = xv < mn[j] ? xv : mn[j];
          mx[j] = xv > mx[j] ? xv : mx[j];
          lanes[j] += static_cast<std::uint64_t>(static_cast<std::int64_t>(xv));
        }
      for (; i < n; ++i) {
        mn[0] = x[i] < mn[0] ? x[i] : mn[0];
        mx[0] = x[i] > mx[0] ? x[i] : mx[0];
        lanes[0] += static_cast<std::uint64_t>(static_cast<std::int64_t>(x[i]));
      }
      std::uint64_t wrapped = 0;
      for (int j = 0; j < kLanes; ++j) wrapped += lanes[j];
      T lo = mn[0], hi = mx[0];
      for (int j = 1; j < kLanes; ++j) {
        lo = mn[j] < lo ? mn[j] : lo;
        hi = mx[j] > hi ? mx[j] : hi;
      }
      bsum = int_sum(n, lo, hi, wrapped);
    }
    T bmin = mn[0], bmax = mx[0];
    for (int j = 1; j < kLanes; ++j) {
      bmin = mn[j] < bmin ? mn[j] : bmin;
      bmax = mx[j] > bmax ? mx[j] : bmax;
    }
    if (bcount == 0) return;  // only NaN
    // argmin/argmax: the first index of the block's extreme, when it is new
    if (count_ == 0 || bmin < min_) {
      std::size_t k = 0;
      while (!(x[k] == bmin)) ++k;
      min_ = x[k];
      argmin_ = first + k;
    }
    if (count_ == 0 || bmax > max_) {
      std::size_t k = 0;
      while (!(x[k] == bmax)) ++k;
      max_ = x[k];
      argmax_ = first + k;
    }
    // ---- pass 2: M2 around the block mean, merged (Chan et al.)
    const double bmean = bsum / static_cast<double>(bcount);
    double q[kLanes] = {};
    i = 0;
#if defined(__GNUC__)
    {
      const V2d zero = {0, 0}, vm = {bmean, bmean};
      V2d vq[2] = {zero, zero};
      for (; i + 4 <= n; i += 4)
        for (int h = 0; h < 2; ++h) {
          const V2d xv = {static_cast<double>(x[i + 2 * h]), static_cast<double>(x[i + 2 * h + 1])};
          const V2d d = xv - vm;
          vq[h] += xv == xv ? d * d : zero;
        }
      for (int j = 0; j < 4; ++j) q[j] = vq[j / 2][j % 2];
    }
#endif
    for (; i + kLanes <= n; i += kLanes)
      for (int j = 0; j < kLanes; ++j) {
        const double xv = static_cast<double>(x[i + j]), v = xv - bmean;
        q[j] += xv == xv ? v * v : 0.0;  // NaN elements are skipped; inf makes M2 NaN (NULL)
      }
    for (; i < n; ++i) {
      const double xv = static_cast<double>(x[i]), v = xv - bmean;
      q[0] += xv == xv ? v * v : 0.0;
    }
    double bm2 = 0;
    for (int j = 0; j < kLanes; ++j) bm2 += q[j];
    if (count_ == 0) {
      mean_ = bmean;
      m2_ = bm2;
    } else {
      const double na = static_cast<double>(count_), nb = static_cast<double>(bcount), nt = na + nb;
      const double delta = bmean - mean_;
      mean_ += delta * (nb / nt);
      m2_ += bm2 + delta * delta * (na * nb / nt);
    }
    count_ += bcount;
  }

  // Adds one block to the exact integer sum, in idx order as sum() sees it,
  // and returns the block's sum as a double (for its mean). `wrapped` is the
  // block's sum modulo 2^64: exact when every prefix provably stays inside
  // int64 (|running sum| + n * max|x| <= INT64_MAX); any other block goes
  // element by element (int_sum_slow).
  double int_sum(std::size_t n, T bmin, T bmax, std::uint64_t wrapped) {
    auto magnitude = [](std::int64_t v) {
      return v < 0 ? static_cast<std::uint64_t>(-(v + 1)) + 1 : static_cast<std::uint64_t>(v);
    };
    bool safe = !overflow_ && !approx_;
    if constexpr (std::is_same_v<T, std::uint64_t>) safe = safe && bmax <= static_cast<std::uint64_t>(INT64_MAX);
    std::uint64_t bound = 0;
    if (safe) {
      const std::uint64_t mag =
          std::max(magnitude(static_cast<std::int64_t>(bmin)), magnitude(static_cast<std::int64_t>(bmax)));
      safe = !__builtin_mul_overflow(mag, static_cast<std::uint64_t>(n), &bound) &&
             bound <= static_cast<std::uint64_t>(INT64_MAX) &&
             magnitude(isum_) <= static_cast<std::uint64_t>(INT64_MAX) - bound;
    }
    if (safe) {
      isum_ = static_cast<std::int64_t>(static_cast<std::uint64_t>(isum_) + wrapped);
      return static_cast<double>(static_cast<std::int64_t>(wrapped));
    }
    int_sum_slow(n);
    double d = 0;
    for (std::size_t i = 0; i < n; ++i) d += static_cast<double>(buf_[i]);
    return d;
  }

  void int_sum_slow(std::size_t n) {
    for (std::size_t i = 0; i < n && !overflow_; ++i) {
      const T v = buf_[i];
      if (approx_) {
        kbn_.add(static_cast<double>(v));
        continue;
      }
      if constexpr (std::is_same_v<T, std::uint64_t>) {
        if (v > static_cast<std::uint64_t>(INT64_MAX)) {  // TEXT to sum(): REAL from here on
          approx_ = true;
          kbn_ = Kbn{static_cast<double>(isum_), 0};
          kbn_.add(static_cast<double>(v));
          continue;
        }
      }
      if (__builtin_add_overflow(isum_, static_cast<std::int64_t>(v), &isum_)) overflow_ = true;
    }
  }

  std::uint64_t start_, stop_;
  alignas(64) T buf_[kBlock];
  std::uint64_t count_ = 0;
  T min_{}, max_{};
  std::uint64_t argmin_ = 0, argmax_ = 0;
  NumValue first_, last_;
  Kbn kbn_;
  std::int64_t isum_ = 0;
  bool overflow_ = false, approx_ = false;
  double mean_ = 0, m2_ = 0;
};

template <class T>
std::vector<RangeSummary> summarize_each_as(Column& column, const std::vector<std::uint64_t>& bounds) {
  if (column.elem_size() != sizeof(T))
    fail(Errc::internal, "summarize: the column's elements are not " + std::to_string(sizeof(T)) + " bytes");
  std::vector<RangeSummary> out;
  if (bounds.size() < 2) return out;
  for (std::size_t k = 1; k < bounds.size(); ++k)
    if (bounds[k] < bounds[k - 1]) fail(Errc::internal, "summarize_each: bounds are not ascending");
  out.reserve(bounds.size() - 1);
  auto s = std::make_unique<Summarizer<T>>(bounds[0], bounds[1]);  // the block buffer stays off the stack
  std::size_t r = 0;  // current range [bounds[r], bounds[r + 1])
  scan_runs(column, bounds.front(), bounds.back(),
            [&](std::string_view bytes, std::uint64_t first, std::uint64_t count) {
              while (count > 0) {
                while (first >= bounds[r + 1]) {
                  out.push_back(s->finish());
                  ++r;
                  s->restart(bounds[r], bounds[r + 1]);
                }
                const std::uint64_t take = std::min(count, bounds[r + 1] - first);
                s->run(bytes.data(), first, take);
                bytes.remove_prefix(static_cast<std::size_t>(take * sizeof(T)));
                first += take;
                count -= take;
              }
            });
  out.push_back(s->finish());
  while (++r + 1 < bounds.size()) {  // empty ranges at the end
    s->restart(bounds[r], bounds[r + 1]);
    out.push_back(s->finish());
  }
  return out;
}

}  // namespace

bool summarizable(const DType& dtype) noexcept {
  return dtype.family == Family::integer || dtype.family == Family::floating;
}

std::vector<RangeSummary> summarize_each(Column& column, Num num, const std::vector<std::uint64_t>& bounds) {
  switch (num) {
    case Num::i8: return summarize_each_as<std::int8_t>(column, bounds);
    case Num::i16: return summarize_each_as<std::int16_t>(column, bounds);
    case Num::i32: return summarize_each_as<std::int32_t>(column, bounds);
    case Num::i64: return summarize_each_as<std::int64_t>(column, bounds);
    case Num::u8: return summarize_each_as<std::uint8_t>(column, bounds);
    case Num::u16: return summarize_each_as<std::uint16_t>(column, bounds);
    case Num::u32: return summarize_each_as<std::uint32_t>(column, bounds);
    case Num::u64: return summarize_each_as<std::uint64_t>(column, bounds);
    case Num::f32: return summarize_each_as<float>(column, bounds);
    case Num::f64: return summarize_each_as<double>(column, bounds);
  }
  fail(Errc::internal, "summarize: unknown numeric type");
}

RangeSummary summarize(Column& column, Num num, std::uint64_t start, std::uint64_t stop) {
  return summarize_each(column, num, {start, std::max(start, stop)}).front();
}

}  // namespace kv
