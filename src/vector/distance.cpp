// Distance kernels: one source instantiated per dispatch path (distance.hpp).
//
// Everything below `run_block` is always_inline, so each path function gets
// its own copy compiled for its target; GCC lowers the generic 64-byte
// vectors (v8d) to that target's registers (SSE2: 4 x xmm, AVX2:
// 2 x ymm, AVX-512: 1 x zmm). Loads go through memcpy: rows are unaligned.
#include "vector/distance.hpp"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <type_traits>
#include <vector>

#pragma GCC diagnostic ignored "-Wpsabi"  // 64-byte vectors never cross a non-inlined call

namespace kv::vector {

namespace {

#define KV_AI inline __attribute__((always_inline))

typedef double v8d __attribute__((vector_size(64)));
typedef float v8f __attribute__((vector_size(32)));
typedef float v16f __attribute__((vector_size(64)));
typedef std::int16_t v8s __attribute__((vector_size(16)));
typedef std::uint16_t v8us __attribute__((vector_size(16)));
typedef std::int32_t v8i __attribute__((vector_size(32)));
typedef std::uint32_t v8ui __attribute__((vector_size(32)));
typedef std::int64_t v8l __attribute__((vector_size(64)));
typedef std::uint64_t v8ul __attribute__((vector_size(64)));

template <class V>
KV_AI V load(const void* p) {
  V v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// Eight elements of T at p, as doubles.
// f32 has its own kernel (f32 lanes, see below); deleted so a float cannot
// silently take the double overload.
v8d widen8(const unsigned char* p, float) = delete;
KV_AI v8d widen8(const unsigned char* p, double) { return load<v8d>(p); }
KV_AI v8d widen8(const unsigned char* p, std::int16_t) { return __builtin_convertvector(load<v8s>(p), v8d); }
KV_AI v8d widen8(const unsigned char* p, std::uint16_t) {
  return __builtin_convertvector(load<v8us>(p), v8d);
}
KV_AI v8d widen8(const unsigned char* p, std::int32_t) { return __builtin_convertvector(load<v8i>(p), v8d); }
KV_AI v8d widen8(const unsigned char* p, std::uint32_t) {
  return __builtin_convertvector(load<v8ui>(p), v8d);
}
KV_AI v8d widen8(const unsigned char* p, std::int64_t) { return __builtin_convertvector(load<v8l>(p), v8d); }
KV_AI v8d widen8(const unsigned char* p, std::uint64_t) {
  return __builtin_convertvector(load<v8ul>(p), v8d);
}

// The running sums of a pair: `main` is sum (a-b)^2 (l2), sum |a-b| (l1) or
// dot(a, b) (cosine, dot); `norm` is |a|^2 (cosine only).
struct Sums {
  double main = 0, norm = 0;
};

template <Metric M, class V>
KV_AI void step(V x, V y, V& s, V& n) {
  if constexpr (M == Metric::l2) {
    V t = x - y;
    s += t * t;
  } else if constexpr (M == Metric::l1) {
    V t = x - y;
    V zero = {};
    s += t < zero ? -t : t;
  } else {
    s += x * y;
    if constexpr (M == Metric::cosine) n += x * x;
  }
}

template <class V>
KV_AI double hsum(V v) {
  double s = 0;
  for (unsigned k = 0; k < sizeof v / sizeof v[0]; ++k) s += static_cast<double>(v[k]);
  return s;
}

template <class T>
KV_AI T element(const unsigned char* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// One element at a time, in double: the reference, and every path's tail.
template <Metric M, class T>
KV_AI void scalar_tail(const unsigned char* a, const T* q, std::size_t from, std::size_t d, Sums& s) {
  for (std::size_t i = from; i < d; ++i) {
    const double x = static_cast<double>(element<T>(a + i * sizeof(T))), y = static_cast<double>(q[i]);
    if constexpr (M == Metric::l2) {
      s.main += (x - y) * (x - y);
    } else if constexpr (M == Metric::l1) {
      s.main += x > y ? x - y : y - x;
    } else {
      s.main += x * y;
      if constexpr (M == Metric::cosine) s.norm += x * x;
    }
  }
}

// Every double-lane kernel sums in the same order (one 8-lane accumulator,
// then the lanes, then the tail one element at a time), so a query gets
// bit-identical distances alone or in a batch.

// One query: each element converted to double as it is loaded.
template <Metric M, class T>
KV_AI Sums wide_sums(const unsigned char* a, const T* q, std::size_t d) {
  v8d s = {}, n = {};
  std::size_t i = 0;
  const auto* qb = reinterpret_cast<const unsigned char*>(q);
  for (; i + 8 <= d; i += 8) step<M>(widen8(a + i * sizeof(T), T{}), widen8(qb + i * sizeof(T), T{}), s, n);
  Sums out{hsum(s), hsum(n)};
  scalar_tail<M>(a, q, i, d, out);
  return out;
}

// Several queries: vectors already converted to double.
template <Metric M>
KV_AI Sums double_sums(const double* x, const double* y, std::size_t d) {
  v8d s = {}, n = {};
  std::size_t i = 0;
  for (; i + 8 <= d; i += 8) step<M>(load<v8d>(x + i), load<v8d>(y + i), s, n);
  Sums out{hsum(s), hsum(n)};
  scalar_tail<M>(reinterpret_cast<const unsigned char*>(x), y, i, d, out);
  return out;
}

// kGroup queries against one converted row: the row is loaded once per 8
// elements for all of them (one 8-lane accumulator per query, summed in the
// order double_sums uses; cosine's |x|^2 is shared).
constexpr std::size_t kGroup = 4;

template <Metric M>
KV_AI void group_sums(const double* x, const double* const* y, std::size_t d, Sums* out) {
  constexpr Metric P = M == Metric::cosine ? Metric::dot : M;  // the per-query part
  v8d s[kGroup] = {}, norm = {}, unused = {};
  std::size_t i = 0;
  for (; i + 8 <= d; i += 8) {
    const v8d xv = load<v8d>(x + i);
    if constexpr (M == Metric::cosine) norm += xv * xv;
    for (std::size_t g = 0; g < kGroup; ++g) step<P>(xv, load<v8d>(y[g] + i), s[g], unused);
  }
  const double shared_norm = hsum(norm);
  for (std::size_t g = 0; g < kGroup; ++g) {
    out[g] = Sums{hsum(s[g]), shared_norm};
    scalar_tail<M>(reinterpret_cast<const unsigned char*>(x), y[g], i, d, out[g]);
  }
}

// f32 elements: summed in f32 lanes, folded into double per block (see
// distance.hpp, "Accumulation"). Each block of kFloatBlock dims (the last one
// shorter, a multiple of kFloatStep) runs two independent 16-lane f32
// accumulators per query (elements j..j+15 into the first, j+16..j+31 into
// the second); the block's sum is the two added lane by lane in f32, then
// the 16 lanes in double. A block sum that is not finite (an f32 overflow) or
// below kTinyBlock in magnitude (products may have underflowed) is recomputed
// in double, one element at a time, so f32 never overflows or underflows
// where float64 would not. The dims past the last whole step are summed in
// double. G queries share each row load (cosine's |x|^2 is shared too), and
// every query's sums take the same operations in the same order for any G,
// so a query's distances are bit-identical alone or in a batch.
constexpr std::size_t kFloatStep = 32;    // floats per step: two 16-lane accumulators
constexpr std::size_t kFloatBlock = 128;  // dims summed in f32 lanes before folding into double
constexpr double kTinyBlock = 0x1p-80;    // smaller block sums are recomputed in double

KV_AI double fold(v16f a, v16f b) {
  const v16f s = a + b;
  v8f lo, hi;
  std::memcpy(&lo, &s, sizeof lo);
  std::memcpy(&hi, reinterpret_cast<const unsigned char*>(&s) + sizeof lo, sizeof hi);
  return hsum(__builtin_convertvector(lo, v8d) + __builtin_convertvector(hi, v8d));
}

KV_AI bool block_kept(double sum) {
  const double a = __builtin_fabs(sum);
  return a >= kTinyBlock && a <= __DBL_MAX__;  // NaN fails both
}

// sum x_i^2 over elements [from, to) of a stored f32 row, in double.
KV_AI double exact_norm(const unsigned char* x, std::size_t from, std::size_t to) {
  double s = 0;
  for (std::size_t i = from; i < to; ++i) {
    const double v = static_cast<double>(element<float>(x + i * sizeof(float)));
    s += v * v;
  }
  return s;
}

template <Metric M, std::size_t G>
KV_AI void float_sums(const unsigned char* x, const float* const* q, std::size_t d, Sums* out) {
  constexpr Metric P = M == Metric::cosine ? Metric::dot : M;  // the per-query part
  const std::size_t vec_end = d - d % kFloatStep;
  for (std::size_t g = 0; g < G; ++g) out[g] = Sums{};
  for (std::size_t i = 0; i < vec_end; i += kFloatBlock) {
    const std::size_t end = vec_end - i < kFloatBlock ? vec_end : i + kFloatBlock;
    v16f s0[G] = {}, s1[G] = {}, n0 = {}, n1 = {}, unused = {};
    for (std::size_t j = i; j < end; j += kFloatStep) {
      const v16f x0 = load<v16f>(x + j * sizeof(float)), x1 = load<v16f>(x + (j + 16) * sizeof(float));
      if constexpr (M == Metric::cosine) {
        n0 += x0 * x0;
        n1 += x1 * x1;
      }
      for (std::size_t g = 0; g < G; ++g) {
        step<P>(x0, load<v16f>(q[g] + j), s0[g], unused);
        step<P>(x1, load<v16f>(q[g] + j + 16), s1[g], unused);
      }
    }
    double norm = 0;
    if constexpr (M == Metric::cosine) {
      norm = fold(n0, n1);
      if (!block_kept(norm)) norm = exact_norm(x, i, end);
    }
    for (std::size_t g = 0; g < G; ++g) {
      double main = fold(s0[g], s1[g]);
      if (!block_kept(main)) {
        Sums exact;
        scalar_tail<P>(x, q[g], i, end, exact);
        main = exact.main;
      }
      out[g].main += main;
      out[g].norm += norm;
    }
  }
  for (std::size_t g = 0; g < G; ++g) scalar_tail<M>(x, q[g], vec_end, d, out[g]);
}

// |q|^2 for cosine (0 otherwise).
template <Metric M, class T>
KV_AI double self_norm(const T* q, std::size_t d) {
  if constexpr (M != Metric::cosine) {
    return 0;
  } else {
    Sums self;
    scalar_tail<Metric::cosine>(reinterpret_cast<const unsigned char*>(q), q, 0, d, self);
    return self.norm;
  }
}

// count vectors of d elements of T (at `stride` bytes apart) to doubles, back
// to back: a loop the vectorizer turns into wide conversions.
template <class T>
KV_AI void to_double(const unsigned char* src, std::size_t stride, std::size_t count, std::size_t d,
                     double* out) {
  for (std::size_t r = 0; r < count; ++r) {
    const unsigned char* p = src + r * stride;
    double* o = out + r * d;
    for (std::size_t i = 0; i < d; ++i) o[i] = static_cast<double>(element<T>(p + i * sizeof(T)));
  }
}

// Byte elements: exact int32 sums (|term| <= 65025) over blocks of kFlush
// elements, added into int64 totals so nothing can overflow. Plain loops:
// GCC's loop vectorizer widens bytes well (pmovsx / pmaddwd), where
// __builtin_convertvector from 16 bytes to 16 ints is scalarised.
template <Metric M, class T>
KV_AI Sums byte_sums(const unsigned char* a, const T* q, std::size_t d) {
  constexpr std::size_t kFlush = 1u << 14;     // 2^14 * 65025 < 2^31
  const T* x = reinterpret_cast<const T*>(a);  // 1-byte T: no alignment needed
  std::int64_t main = 0, norm = 0;
  for (std::size_t i = 0; i < d; i += kFlush) {
    const std::size_t n = d - i < kFlush ? d - i : kFlush;
    std::int32_t s = 0, nn = 0;
    for (std::size_t j = 0; j < n; ++j) {
      const std::int32_t u = x[i + j], v = q[i + j];
      if constexpr (M == Metric::l2) {
        s += (u - v) * (u - v);
      } else if constexpr (M == Metric::l1) {
        s += u > v ? u - v : v - u;
      } else {
        s += u * v;
        if constexpr (M == Metric::cosine) nn += u * u;
      }
    }
    main += s;
    norm += nn;
  }
  return Sums{static_cast<double>(main), static_cast<double>(norm)};
}

template <Metric M>
KV_AI double finish(const Sums& s, double query_norm) {
  if constexpr (M == Metric::l2) {
    return __builtin_sqrt(s.main);  // a sum of squares: >= 0 or NaN
  } else if constexpr (M == Metric::l1) {
    return s.main;
  } else if constexpr (M == Metric::dot) {
    return -s.main;
  } else {
    if (s.norm == 0 || query_norm == 0) return 1.0;  // a zero vector: similarity 0
    return 1.0 - s.main / (__builtin_sqrt(s.norm) * __builtin_sqrt(query_norm));
  }
}

// Per-thread scratch for converted rows and queries (reused between calls).
double* scratch(std::size_t doubles) {
  static thread_local std::vector<double> buffer;
  if (buffer.size() < doubles) buffer.resize(doubles);
  return buffer.data();
}

template <bool Scalar, Metric M, class T>
KV_AI Sums sums(const unsigned char* a, const T* q, std::size_t d) {
  if constexpr (Scalar) {
    Sums s;
    scalar_tail<M>(a, q, 0, d, s);
    return s;
  } else if constexpr (sizeof(T) == 1) {
    return byte_sums<M>(a, q, d);
  } else if constexpr (std::is_same_v<T, float>) {
    Sums s;
    float_sums<M, 1>(a, &q, d, &s);
    return s;
  } else {
    return wide_sums<M>(a, q, d);
  }
}

template <bool Scalar, class T, Metric M>
KV_AI void block(const QuerySet& qs, const unsigned char* rows, std::size_t stride, std::size_t n,
                 double* out) {
  const T* queries = static_cast<const T*>(qs.elements);
  const std::size_t d = qs.dim;
  std::size_t first = 0;  // queries before it are done
  if constexpr (!Scalar && std::is_same_v<T, float>) {
    if (qs.count > 1) {
      // Several f32 queries: kGroup queries per pass over each row of the
      // block (in cache); the rest one at a time below. Same sums as alone.
      for (; first + kGroup <= qs.count; first += kGroup) {
        const float* q[kGroup];
        double qn[kGroup];
        for (std::size_t g = 0; g < kGroup; ++g) q[g] = queries + (first + g) * d, qn[g] = self_norm<M>(q[g], d);
        for (std::size_t r = 0; r < n; ++r) {
          Sums s[kGroup];
          float_sums<M, kGroup>(rows + r * stride, q, d, s);
          for (std::size_t g = 0; g < kGroup; ++g) out[(first + g) * n + r] = finish<M>(s[g], qn[g]);
        }
      }
    }
  }
  if (!Scalar && sizeof(T) > 1 && !std::is_same_v<T, float> && qs.count > 1) {
    // Several queries: convert the block's rows and the queries to double
    // once; every query then runs over the converted block while it is in
    // cache (one query converts as it loads instead: no extra pass).
    double* x = scratch((n + qs.count) * d);
    double* y = x + n * d;
    to_double<T>(rows, stride, n, d, x);
    to_double<T>(reinterpret_cast<const unsigned char*>(queries), d * sizeof(T), qs.count, d, y);
    std::size_t qi = 0;
    for (; qi + kGroup <= qs.count; qi += kGroup) {  // kGroup queries per pass over a row
      const double* q[kGroup];
      double qn[kGroup];
      for (std::size_t g = 0; g < kGroup; ++g) q[g] = y + (qi + g) * d, qn[g] = self_norm<M>(q[g], d);
      for (std::size_t r = 0; r < n; ++r) {
        Sums s[kGroup];
        group_sums<M>(x + r * d, q, d, s);
        for (std::size_t g = 0; g < kGroup; ++g) out[(qi + g) * n + r] = finish<M>(s[g], qn[g]);
      }
    }
    for (; qi < qs.count; ++qi) {
      const double* q = y + qi * d;
      const double qn = self_norm<M>(q, d);
      double* o = out + qi * n;
      for (std::size_t r = 0; r < n; ++r) o[r] = finish<M>(double_sums<M>(x + r * d, q, d), qn);
    }
    return;
  }
  for (std::size_t qi = first; qi < qs.count; ++qi) {
    const T* q = queries + qi * d;
    const double qn = self_norm<M>(q, d);
    double* o = out + qi * n;
    for (std::size_t r = 0; r < n; ++r) o[r] = finish<M>(sums<Scalar, M>(rows + r * stride, q, d), qn);
  }
}

template <bool Scalar, class T>
KV_AI void by_metric(const QuerySet& qs, const unsigned char* rows, std::size_t stride, std::size_t n,
                     double* out) {
  switch (qs.metric) {
    case Metric::l2: return block<Scalar, T, Metric::l2>(qs, rows, stride, n, out);
    case Metric::cosine: return block<Scalar, T, Metric::cosine>(qs, rows, stride, n, out);
    case Metric::l1: return block<Scalar, T, Metric::l1>(qs, rows, stride, n, out);
    case Metric::dot: return block<Scalar, T, Metric::dot>(qs, rows, stride, n, out);
  }
}

template <bool Scalar>
KV_AI void run_block(const QuerySet& qs, const unsigned char* rows, std::size_t stride, std::size_t n,
                     double* out) {
  switch (qs.num) {
    case Num::i8: return by_metric<Scalar, std::int8_t>(qs, rows, stride, n, out);
    case Num::u8: return by_metric<Scalar, std::uint8_t>(qs, rows, stride, n, out);
    case Num::i16: return by_metric<Scalar, std::int16_t>(qs, rows, stride, n, out);
    case Num::u16: return by_metric<Scalar, std::uint16_t>(qs, rows, stride, n, out);
    case Num::i32: return by_metric<Scalar, std::int32_t>(qs, rows, stride, n, out);
    case Num::u32: return by_metric<Scalar, std::uint32_t>(qs, rows, stride, n, out);
    case Num::i64: return by_metric<Scalar, std::int64_t>(qs, rows, stride, n, out);
    case Num::u64: return by_metric<Scalar, std::uint64_t>(qs, rows, stride, n, out);
    case Num::f32: return by_metric<Scalar, float>(qs, rows, stride, n, out);
    case Num::f64: return by_metric<Scalar, double>(qs, rows, stride, n, out);
  }
}

void block_scalar(const QuerySet& qs, const unsigned char* rows, std::size_t stride, std::size_t n,
                  double* out) {
  run_block<true>(qs, rows, stride, n, out);
}
void block_baseline(const QuerySet& qs, const unsigned char* rows, std::size_t stride, std::size_t n,
                    double* out) {
  run_block<false>(qs, rows, stride, n, out);
}

#if defined(__x86_64__) || defined(__i386__)
#define KV_HAVE_X86_PATHS 1
__attribute__((target("avx2,fma"))) void block_avx2(const QuerySet& qs, const unsigned char* rows,
                                                    std::size_t stride, std::size_t n, double* out) {
  run_block<false>(qs, rows, stride, n, out);
}
__attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,fma"))) void block_avx512(
    const QuerySet& qs, const unsigned char* rows, std::size_t stride, std::size_t n, double* out) {
  run_block<false>(qs, rows, stride, n, out);
}
#endif

Path choose_path() noexcept {
  Path best = Path::baseline;
  if (path_available(Path::avx512))
    best = Path::avx512;
  else if (path_available(Path::avx2))
    best = Path::avx2;
  if (const char* forced = std::getenv("KOHAKUVAULT_KNN_KERNEL"))
    for (Path p : {Path::scalar, Path::baseline, Path::avx2, Path::avx512})
      if (std::strcmp(forced, path_name(p)) == 0 && path_available(p)) return p;
  return best;
}

}  // namespace

bool parse_metric(std::string_view text, Metric& out) noexcept {
  for (Metric m : {Metric::l2, Metric::cosine, Metric::l1, Metric::dot}) {
    std::string_view name = metric_name(m);
    if (text.size() != name.size()) continue;
    bool same = true;
    for (std::size_t k = 0; k < name.size(); ++k) same = same && (text[k] | 0x20) == name[k];
    if (same) {
      out = m;
      return true;
    }
  }
  return false;
}

const char* metric_name(Metric m) noexcept {
  switch (m) {
    case Metric::l2: return "l2";
    case Metric::cosine: return "cosine";
    case Metric::l1: return "l1";
    case Metric::dot: return "dot";
  }
  return "?";
}

const char* path_name(Path p) noexcept {
  switch (p) {
    case Path::scalar: return "scalar";
    case Path::baseline: return "baseline";
    case Path::avx2: return "avx2";
    case Path::avx512: return "avx512";
  }
  return "?";
}

bool path_available(Path p) noexcept {
  switch (p) {
    case Path::scalar:
    case Path::baseline: return true;
#ifdef KV_HAVE_X86_PATHS
    case Path::avx2: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case Path::avx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
#endif
    default: return false;
  }
}

BlockKernel kernel_for(Path p) noexcept {
  if (!path_available(p)) return nullptr;
  switch (p) {
    case Path::scalar: return block_scalar;
    case Path::baseline: return block_baseline;
#ifdef KV_HAVE_X86_PATHS
    case Path::avx2: return block_avx2;
    case Path::avx512: return block_avx512;
#endif
    default: return nullptr;
  }
}

Path active_path() noexcept {
  static const Path chosen = choose_path();
  return chosen;
}

}  // namespace kv::vector
