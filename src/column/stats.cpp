// Kernels of summarize() (see stats.hpp for the semantics).
//
// Plan: scan_runs() hands runs of contiguous elements (up to a chunk); each
// run is cut into blocks of kBlock elements, copied into an aligned local
// buffer (little-endian -> native) so every later pass reads L1. Per block:
//   pass 1  lanes: count, min, max and the sum (integers: int64 or wrapping
//           lanes when no running sum can leave int64; floats: KBN lanes);
//   pass 2  lanes: the block mean, then sum((x - mean)^2), merged into the
//           running (count, mean, M2) with Chan's formula;
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

#include "column/scan.hpp"
#include "common/error.hpp"

namespace kv {

namespace {

constexpr std::size_t kBlock = 2048;
constexpr int kLanes = 8;

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
    // ---- pass 1: count, min, max, sum
    T mn[kLanes], mx[kLanes];
    for (int j = 0; j < kLanes; ++j) {
      mn[j] = kFloat ? std::numeric_limits<T>::infinity() : std::numeric_limits<T>::max();
      mx[j] = kFloat ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::lowest();
    }
    std::uint64_t bcount = n;
    double s[kLanes] = {}, c[kLanes] = {};
    std::size_t i = 0;
    if constexpr (kFloat) {
      std::uint64_t cnt[kLanes] = {};
      for (; i + kLanes <= n; i += kLanes) {
        for (int j = 0; j < kLanes; ++j) {
          const T xv = x[i + j];
          const bool ok = xv == xv;
          const double v = ok ? static_cast<double>(xv) : 0.0;
          cnt[j] += ok;
          const double t = s[j] + v;
          c[j] += std::fabs(s[j]) > std::fabs(v) ? (s[j] - t) + v : (v - t) + s[j];
          s[j] = t;
          mn[j] = xv < mn[j] ? xv : mn[j];
          mx[j] = xv > mx[j] ? xv : mx[j];
        }
      }
      bcount = 0;
      for (int j = 0; j < kLanes; ++j) bcount += cnt[j];
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
      }
    } else {
      for (; i + kLanes <= n; i += kLanes)
        for (int j = 0; j < kLanes; ++j) {
          mn[j] = x[i + j] < mn[j] ? x[i + j] : mn[j];
          mx[j] = x[i + j] > mx[j] ? x[i + j] : mx[j];
        }
      for (; i < n; ++i) {
        mn[0] = x[i] < mn[0] ? x[i] : mn[0];
        mx[0] = x[i] > mx[0] ? x[i] : mx[0];
      }
    }
    T bmin = mn[0], bmax = mx[0];
    for (int j = 1; j < kLanes; ++j) {
      bmin = mn[j] < bmin ? mn[j] : bmin;
      bmax = mx[j] > bmax ? mx[j] : bmax;
    }
    if (bcount == 0) return;  // only NaN
    if constexpr (!kFloat) int_sum(n, bmin, bmax);
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
    // ---- pass 2: block mean and M2, merged (Chan et al.)
    double ds[kLanes] = {};
    i = 0;
    for (; i + kLanes <= n; i += kLanes)
      for (int j = 0; j < kLanes; ++j) {
        const double v = static_cast<double>(x[i + j]);
        ds[j] += v == v ? v : 0.0;
      }
    for (; i < n; ++i) {
      const double v = static_cast<double>(x[i]);
      ds[0] += v == v ? v : 0.0;
    }
    double dsum = 0;
    for (int j = 0; j < kLanes; ++j) dsum += ds[j];
    const double bmean = dsum / static_cast<double>(bcount);
    double q[kLanes] = {};
    i = 0;
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

  // Exact integer sum of one block, in idx order as sum() sees it: a block
  // whose every prefix provably stays inside int64 is summed in wrapping
  // lanes (exact then), any other block element by element.
  void int_sum(std::size_t n, T bmin, T bmax) {
    if (overflow_) return;  // the result is the error; the sum no longer matters
    if constexpr (std::is_same_v<T, std::uint64_t>) {
      if (bmax > static_cast<std::uint64_t>(INT64_MAX) || approx_) return int_sum_slow(n);
    }
    if (approx_) return int_sum_slow(n);
    auto magnitude = [](std::int64_t v) {
      return v < 0 ? static_cast<std::uint64_t>(-(v + 1)) + 1 : static_cast<std::uint64_t>(v);
    };
    const std::uint64_t mag = std::max(magnitude(static_cast<std::int64_t>(bmin)), magnitude(static_cast<std::int64_t>(bmax)));
    std::uint64_t bound = 0;
    if (__builtin_mul_overflow(mag, static_cast<std::uint64_t>(n), &bound) ||
        magnitude(isum_) > static_cast<std::uint64_t>(INT64_MAX) - std::min<std::uint64_t>(bound, INT64_MAX) ||
        bound > static_cast<std::uint64_t>(INT64_MAX))
      return int_sum_slow(n);
    std::uint64_t lanes[kLanes] = {};
    std::size_t i = 0;
    for (; i + kLanes <= n; i += kLanes)
      for (int j = 0; j < kLanes; ++j) lanes[j] += static_cast<std::uint64_t>(static_cast<std::int64_t>(buf_[i + j]));
    for (; i < n; ++i) lanes[0] += static_cast<std::uint64_t>(static_cast<std::int64_t>(buf_[i]));
    std::uint64_t total = static_cast<std::uint64_t>(isum_);
    for (int j = 0; j < kLanes; ++j) total += lanes[j];
    isum_ = static_cast<std::int64_t>(total);
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
RangeSummary summarize_as(Column& column, std::uint64_t start, std::uint64_t stop) {
  if (column.elem_size() != sizeof(T))
    fail(Errc::internal, "summarize: the column's elements are not " + std::to_string(sizeof(T)) + " bytes");
  auto s = std::make_unique<Summarizer<T>>(start, stop);  // the block buffer stays off the stack
  scan_runs(column, start, stop,
            [&](std::string_view bytes, std::uint64_t first, std::uint64_t count) { s->run(bytes.data(), first, count); });
  return s->finish();
}

}  // namespace

bool summarizable(const DType& dtype) noexcept {
  return dtype.family == Family::integer || dtype.family == Family::floating;
}

RangeSummary summarize(Column& column, Num num, std::uint64_t start, std::uint64_t stop) {
  switch (num) {
    case Num::i8: return summarize_as<std::int8_t>(column, start, stop);
    case Num::i16: return summarize_as<std::int16_t>(column, start, stop);
    case Num::i32: return summarize_as<std::int32_t>(column, start, stop);
    case Num::i64: return summarize_as<std::int64_t>(column, start, stop);
    case Num::u8: return summarize_as<std::uint8_t>(column, start, stop);
    case Num::u16: return summarize_as<std::uint16_t>(column, start, stop);
    case Num::u32: return summarize_as<std::uint32_t>(column, start, stop);
    case Num::u64: return summarize_as<std::uint64_t>(column, start, stop);
    case Num::f32: return summarize_as<float>(column, start, stop);
    case Num::f64: return summarize_as<double>(column, start, stop);
  }
  fail(Errc::internal, "summarize: unknown numeric type");
}

}  // namespace kv
