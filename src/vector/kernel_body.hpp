// The distance kernels' one source. Internal: included only by the
// vector/kernel_<path>.cpp files, each of which instantiates run_block for its
// dispatch path (distance.hpp).
//
// Everything below `run_block` is always_inline, so each path function gets
// its own copy compiled for its target; GCC lowers the generic 64-byte
// vectors (v8d) to that target's registers (SSE2: 4 x xmm, AVX2:
// 2 x ymm, AVX-512: 1 x zmm). Loads go through memcpy: rows are unaligned.
//
// kernel_avx2.cpp and kernel_avx512.cpp include this file inside a
// `#pragma GCC target` region (so the f32 kernel can use the FMA intrinsics,
// see madd), after every header it needs: nothing here instantiates a
// library template or defines an inline function with external linkage (the
// scratch buffer lives in distance.cpp), so no code compiled for AVX2 or
// AVX-512 can be shared with (and picked by the linker for) another path.
#pragma once

#include <cstdint>
#include <cstring>
#include <type_traits>

#include "vector/distance.hpp"
#include "vector/kernel_paths.hpp"

#pragma GCC diagnostic ignored "-Wpsabi"  // 64-byte vectors never cross a non-inlined call

namespace kv::vector {

// Internal linkage on purpose: each kernel_<path>.cpp compiles its own copy for its
// target, so no inline function built for AVX2/AVX-512 can be shared with (and
// picked by the linker for) the baseline path.
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

// f32 elements: summed in f32 lanes, folded into double lanes per block (see
// distance.hpp, "Accumulation"). The arithmetic is defined on 32 logical f32
// lanes, whatever the path's register width W (16, 32 or 64 bytes):
//   step (32 dims j..j+31): lane l = madd(., ., lane l) in f32 (l2: of
//     t = x[j+l] - q[j+l] rounded to f32, t; dot: of x, q), or lane l +=
//     |x - q| (l1)
//   block end (every kFloatBlock = 256 dims, 512 for l2, the last block
//   shorter):
//     b[l] = lane[l] + lane[l+16] (f32, l < 16);
//     dbl[m] += (double)b[m] + (double)b[m+8] (m < 8); the f32 lanes restart
//   row end: main = ((dbl0 + dbl4) + (dbl2 + dbl6)) + ((dbl1 + dbl5) +
//     (dbl3 + dbl7)), then the last D mod 32 dims in double, one at a time
// W only decides how many registers hold the 32 lanes (W/4 lanes each), so
// the paths that fuse madd (avx2, avx512) give bit-identical sums, and so
// does every path that does not (baseline). A row whose sum is not finite
// (an f32 overflow, or a NaN) or below kTinySum in magnitude (products may
// have underflowed: elements near 1e-20 and below, or an all-zero row) is
// summed again in double, one element at a time, so f32 never overflows or
// underflows where float64 would not. Above kTinySum, underflowed products
// change the sum by less than D * 2^-149, far below the f32 bound. Cosine's
// |x|^2 is summed the same way (madd(x, x, lane), blocks of kNormBlock = 128
// dims) once for each row of the block (row_norms), shared by every query.
//
// Register tiling: a tile of R rows x G queries runs its R*G accumulator
// sets together, so each row register is loaded once per G queries and each
// query register once per R rows. Every pair takes the same operations in
// the same order for any R and G, so a query's distances are bit-identical
// alone or in a batch.
constexpr std::size_t kFloatStep = 32;    // logical f32 lanes: dims per step
// Dims summed in f32 lanes before folding into double: 8 terms per lane
// (16 for l2, whose square root halves the relative error), 4 for |x|^2.
template <Metric M>
constexpr std::size_t kFloatBlock = M == Metric::l2 ? 512 : 256;
constexpr std::size_t kNormBlock = 128;
constexpr double kTinySum = 0x1p-80;      // smaller row sums are recomputed in double

template <std::size_t W>
struct F32Regs {
  static constexpr std::size_t kLanes = W / sizeof(float);      // f32 lanes per register
  static constexpr std::size_t kPerStep = kFloatStep / kLanes;  // registers per accumulator set
  static constexpr std::size_t kDoubleRegs = 64 / W;            // registers of the 8 double lanes
  typedef float F __attribute__((vector_size(W)));
  typedef float Half __attribute__((vector_size(W / 2)));
  typedef double D __attribute__((vector_size(W)));
  static_assert(kFloatStep % kLanes == 0 && kLanes <= 16, "W is 16, 32 or 64 bytes");
};

// a * b + c on a register of f32 lanes: one fused multiply-add (one
// rounding) on the AVX2 and AVX-512 paths, a product and a sum (two
// roundings; -ffp-contract=off) on the baseline path.
template <std::size_t W, class F>
KV_AI F madd(F a, F b, F c) {
#ifdef KV_KERNEL_AVX  // defined by the AVX2 and AVX-512 files, inside their target region
  if constexpr (W == 64)
    return reinterpret_cast<F>(_mm512_fmadd_ps(reinterpret_cast<__m512>(a), reinterpret_cast<__m512>(b),
                                               reinterpret_cast<__m512>(c)));
  else if constexpr (W == 32)
    return reinterpret_cast<F>(_mm256_fmadd_ps(reinterpret_cast<__m256>(a), reinterpret_cast<__m256>(b),
                                               reinterpret_cast<__m256>(c)));
  else
#endif
    return a * b + c;
}

// One f32 step of metric P (l2, l1 or dot: cosine's dot part) into s.
template <Metric P, std::size_t W, class F>
KV_AI void f32_step(F x, F y, F& s) {
  if constexpr (P == Metric::l2) {
    const F t = x - y;
    s = madd<W>(t, t, s);
  } else if constexpr (P == Metric::l1) {
    const F t = x - y, zero = {};
    s += t < zero ? -t : t;
  } else {
    s = madd<W>(x, y, s);
  }
}

// Half `H` (0: low, 1: high) of a register of f32 lanes, as doubles (one
// register of the path's width).
template <std::size_t W, std::size_t H>
KV_AI typename F32Regs<W>::D half_to_double(typename F32Regs<W>::F f) {
  using R = F32Regs<W>;
  typename R::Half h;
  if constexpr (R::kLanes == 16)
    h = __builtin_shufflevector(f, f, 8 * H, 8 * H + 1, 8 * H + 2, 8 * H + 3, 8 * H + 4, 8 * H + 5, 8 * H + 6,
                                8 * H + 7);
  else if constexpr (R::kLanes == 8)
    h = __builtin_shufflevector(f, f, 4 * H, 4 * H + 1, 4 * H + 2, 4 * H + 3);
  else
    h = __builtin_shufflevector(f, f, 2 * H, 2 * H + 1);
  return __builtin_convertvector(h, typename R::D);
}

// Block end: the 32 f32 lanes in `lanes` folded into the 8 double lanes.
template <std::size_t W>
KV_AI void fold_block(const typename F32Regs<W>::F* lanes, typename F32Regs<W>::D* dbl) {
  using R = F32Regs<W>;
  typename R::F b[R::kPerStep / 2];  // b[l] = lane[l] + lane[l+16]
  for (std::size_t k = 0; k < R::kPerStep / 2; ++k) b[k] = lanes[k] + lanes[k + R::kPerStep / 2];
  if constexpr (R::kLanes == 16) {  // b's two halves are lanes 0..7 and 8..15
    // Converted whole: GCC lowers a 16-lane conversion to two vcvtps2pd zmm,
    // but an 8-lane one from a half to four xmm conversions.
    typedef double v16d __attribute__((vector_size(128)));
    const v16d c = __builtin_convertvector(b[0], v16d);
    dbl[0] += __builtin_shufflevector(c, c, 0, 1, 2, 3, 4, 5, 6, 7) +
              __builtin_shufflevector(c, c, 8, 9, 10, 11, 12, 13, 14, 15);
  } else {  // double register j holds lanes j*L/2 .. : from b[j/2] and b[j/2 + 8/L], half j%2
#pragma GCC unroll 4
    for (std::size_t j = 0; j < R::kDoubleRegs; j += 2) {
      dbl[j] += half_to_double<W, 0>(b[j / 2]) + half_to_double<W, 0>(b[j / 2 + 8 / R::kLanes]);
      dbl[j + 1] += half_to_double<W, 1>(b[j / 2]) + half_to_double<W, 1>(b[j / 2 + 8 / R::kLanes]);
    }
  }
}

typedef double v4d __attribute__((vector_size(32)));
typedef double v2d __attribute__((vector_size(16)));

// The 8 double lanes summed as a tree: ((d0 + d4) + (d2 + d6)) + ((d1 + d5) + (d3 + d7)),
// the same order whatever register width holds them.
template <std::size_t W>
KV_AI double sum_lanes(const typename F32Regs<W>::D* dbl) {
  v4d quad;  // d0 + d4, d1 + d5, d2 + d6, d3 + d7
  if constexpr (W == 64) {
    quad = __builtin_shufflevector(dbl[0], dbl[0], 0, 1, 2, 3) + __builtin_shufflevector(dbl[0], dbl[0], 4, 5, 6, 7);
  } else if constexpr (W == 32) {
    quad = dbl[0] + dbl[1];
  } else {
    const v2d a = dbl[0] + dbl[2], b = dbl[1] + dbl[3];
    quad = __builtin_shufflevector(a, b, 0, 1, 2, 3);
  }
  const v2d pair = __builtin_shufflevector(quad, quad, 0, 1) + __builtin_shufflevector(quad, quad, 2, 3);
  return pair[0] + pair[1];
}

// Eight pairs' 8 double lanes (AVX-512: one register each) summed at once,
// each in sum_lanes' tree order (a transposed tree: 14 two-register shuffles
// and 7 adds instead of 8 x 6 operations). Lane j of the result holds pair
// kSum8Pair[j].
constexpr std::size_t kSum8Pair[8] = {0, 4, 2, 6, 1, 5, 3, 7};

KV_AI v8d sum_lanes8(const v8d* p) {
  v8d half[4], quarter[2];  // lanes i + (i + 4); then (i) + (i + 2)
  for (std::size_t k = 0; k < 4; ++k)
    half[k] = __builtin_shufflevector(p[2 * k], p[2 * k + 1], 0, 1, 2, 3, 8, 9, 10, 11) +
              __builtin_shufflevector(p[2 * k], p[2 * k + 1], 4, 5, 6, 7, 12, 13, 14, 15);
  for (std::size_t k = 0; k < 2; ++k)
    quarter[k] = __builtin_shufflevector(half[2 * k], half[2 * k + 1], 0, 1, 8, 9, 4, 5, 12, 13) +
                 __builtin_shufflevector(half[2 * k], half[2 * k + 1], 2, 3, 10, 11, 6, 7, 14, 15);
  return __builtin_shufflevector(quarter[0], quarter[1], 0, 8, 2, 10, 4, 12, 6, 14) +
         __builtin_shufflevector(quarter[0], quarter[1], 1, 9, 3, 11, 5, 13, 7, 15);
}

// Square roots of n doubles in place (l2's finish): one vsqrtpd per 8 on
// AVX-512, per 4 on AVX2; correctly rounded, so equal to __builtin_sqrt.
template <std::size_t W, std::size_t N>
KV_AI void sqrt_all(double* v) {
#ifdef KV_KERNEL_AVX
  if constexpr (W == 64 && N % 8 == 0) {
    for (std::size_t k = 0; k < N; k += 8) {  // maskz: _mm512_sqrt_pd's undefined source trips -Wmaybe-uninitialized
      const v8d root = reinterpret_cast<v8d>(_mm512_maskz_sqrt_pd(0xFF, reinterpret_cast<__m512d>(load<v8d>(v + k))));
      std::memcpy(v + k, &root, sizeof root);
    }
    return;
  } else if constexpr (W == 32 && N % 4 == 0) {
    for (std::size_t k = 0; k < N; k += 4) {
      const v4d root = reinterpret_cast<v4d>(_mm256_sqrt_pd(reinterpret_cast<__m256d>(load<v4d>(v + k))));
      std::memcpy(v + k, &root, sizeof root);
    }
    return;
  }
#endif
  for (std::size_t k = 0; k < N; ++k) v[k] = __builtin_sqrt(v[k]);
}

KV_AI bool sum_kept(double sum) {
  const double a = __builtin_fabs(sum);
  return a >= kTinySum && a <= __DBL_MAX__;  // NaN fails both
}

// Sums of R stored rows x G queries (out[r * G + g], the metric's main sum;
// cosine's dot part), f32 lanes as above.
template <Metric M, std::size_t W, std::size_t R, std::size_t G, std::size_t kBlock = kFloatBlock<M>>
KV_AI void f32_tile(const unsigned char* const* x, const float* const* q, std::size_t d, double* out) {
  using Regs = F32Regs<W>;
  using F = typename Regs::F;
  using Dv = typename Regs::D;
  constexpr std::size_t L = Regs::kLanes, S = Regs::kPerStep;
  constexpr Metric P = M == Metric::cosine ? Metric::dot : M;  // the per-query part
  const std::size_t vec_end = d - d % kFloatStep;
  Dv main[R][G][Regs::kDoubleRegs] = {};
  for (std::size_t i = 0; i < vec_end; i += kBlock) {
    const std::size_t end = vec_end - i < kBlock ? vec_end : i + kBlock;
    F acc[R][G][S] = {};
    for (std::size_t j = i; j < end; j += kFloatStep) {
#pragma GCC unroll 8
      for (std::size_t k = 0; k < S; ++k) {
        F xv[R];
#pragma GCC unroll 4
        for (std::size_t r = 0; r < R; ++r) xv[r] = load<F>(x[r] + (j + k * L) * sizeof(float));
#pragma GCC unroll 8
        for (std::size_t g = 0; g < G; ++g) {
          F qv = load<F>(q[g] + j + k * L);
          // Held in a register for the R rows (GCC would load it again as
          // each row's memory operand: twice the loads, which bound the dot loop).
          if constexpr (W == 64)
            __asm__("" : "+v"(qv));
          else
            __asm__("" : "+x"(qv));
#pragma GCC unroll 4
          for (std::size_t r = 0; r < R; ++r) f32_step<P, W>(xv[r], qv, acc[r][g][k]);
        }
      }
    }
#pragma GCC unroll 4
    for (std::size_t r = 0; r < R; ++r)
#pragma GCC unroll 8
      for (std::size_t g = 0; g < G; ++g) fold_block<W>(acc[r][g], main[r][g]);
  }
  if constexpr (W == 64 && R * G == 8) {
    v8d pairs[8];
    for (std::size_t r = 0; r < R; ++r)
      for (std::size_t g = 0; g < G; ++g) pairs[r * G + g] = main[r][g][0];
    const v8d sums = sum_lanes8(pairs);
    for (std::size_t j = 0; j < 8; ++j) out[kSum8Pair[j]] = sums[j];
    // Usually no tail and every sum kept: one vector check for the 8 pairs.
    const v8d mag = reinterpret_cast<v8d>(reinterpret_cast<v8l>(sums) & 0x7fffffffffffffffll);
    const v8l kept = (mag >= kTinySum) & (mag <= __DBL_MAX__);  // NaN fails both
    bool all_kept = true;
    for (std::size_t j = 0; j < 8; ++j) all_kept &= kept[j] != 0;
    if (vec_end == d && all_kept) return;
  } else {
    for (std::size_t r = 0; r < R; ++r)
      for (std::size_t g = 0; g < G; ++g) out[r * G + g] = sum_lanes<W>(main[r][g]);
  }
  for (std::size_t r = 0; r < R; ++r)
    for (std::size_t g = 0; g < G; ++g) {
      Sums s{out[r * G + g], 0};
      if (vec_end < d) scalar_tail<P>(x[r], q[g], vec_end, d, s);
      if (!sum_kept(s.main)) {  // rare: summed again in double
        s = Sums{};
        scalar_tail<P>(x[r], q[g], 0, d, s);
      }
      out[r * G + g] = s.main;
    }
}

// |x|^2 of each of n f32 rows (cosine), shared by every query: the f32
// lanes as above with madd(x, x, lane) and blocks of kNormBlock = 128 dims
// (4 terms per lane), the last D mod 32 squares in double, summed again in
// double when not kept.
template <std::size_t W>
KV_AI void row_norms(const unsigned char* rows, std::size_t stride, std::size_t n, std::size_t d,
                     double* out) {
  using Regs = F32Regs<W>;
  using F = typename Regs::F;
  constexpr std::size_t L = Regs::kLanes, S = Regs::kPerStep;
  const std::size_t vec_end = d - d % kFloatStep;
  for (std::size_t r = 0; r < n; ++r) {
    const unsigned char* x = rows + r * stride;
    typename Regs::D dbl[Regs::kDoubleRegs] = {};
    for (std::size_t i = 0; i < vec_end; i += kNormBlock) {
      const std::size_t end = vec_end - i < kNormBlock ? vec_end : i + kNormBlock;
      F acc[S] = {};
      for (std::size_t j = i; j < end; j += kFloatStep)
#pragma GCC unroll 8
        for (std::size_t k = 0; k < S; ++k) {
          const F v = load<F>(x + (j + k * L) * sizeof(float));
          acc[k] = madd<W>(v, v, acc[k]);
        }
      fold_block<W>(acc, dbl);
    }
    double norm = sum_lanes<W>(dbl);
    const auto squares = [&](std::size_t from) {
      for (std::size_t i = from; i < d; ++i) {
        const double v = static_cast<double>(element<float>(x + i * sizeof(float)));
        norm += v * v;
      }
    };
    squares(vec_end);
    if (!sum_kept(norm)) {  // rare: summed again in double
      norm = 0;
      squares(0);
    }
    out[r] = norm;
  }
}

// The tile sizes of a path: G queries share a row load, R rows share a
// query load; sized so the accumulators stay in the path's registers
// (AVX-512: 32 x 64 bytes; AVX2 and SSE2: 16 registers).
template <std::size_t W>
struct F32Tile {
  static constexpr std::size_t kRows = W == 64 ? 2 : 1;
  static constexpr std::size_t kQueries = W == 64 ? 4 : W == 32 ? 2 : 1;
};

// Every query against rows [0, n): tiles of R rows x G queries, then the
// leftover rows one at a time. norms: the rows' |x|^2 (cosine only).
template <Metric M, std::size_t W, std::size_t R, std::size_t G>
KV_AI void f32_pass(const float* queries, std::size_t q_first, std::size_t q_end, std::size_t d,
                    const unsigned char* rows, std::size_t stride, std::size_t n, const double* norms,
                    double* out) {
  for (std::size_t q0 = q_first; q0 + G <= q_end; q0 += G) {
    const float* q[G];
    double qn[G];
    for (std::size_t g = 0; g < G; ++g) q[g] = queries + (q0 + g) * d, qn[g] = self_norm<M>(q[g], d);
    const auto put = [&](std::size_t r0, std::size_t rows_done, const double* sums) {
      for (std::size_t r = 0; r < rows_done; ++r)
        for (std::size_t g = 0; g < G; ++g)
          out[(q0 + g) * n + r0 + r] = finish<M>(Sums{sums[r * G + g], norms ? norms[r0 + r] : 0}, qn[g]);
    };
    std::size_t r0 = 0;
    for (; r0 + R <= n; r0 += R) {
      const unsigned char* x[R];
      for (std::size_t r = 0; r < R; ++r) x[r] = rows + (r0 + r) * stride;
      double sums[R * G];
      f32_tile<M, W, R, G>(x, q, d, sums);
      if constexpr (M == Metric::l2) {  // finish = sqrt, for the whole tile at once
        sqrt_all<W, R * G>(sums);
        for (std::size_t r = 0; r < R; ++r)
          for (std::size_t g = 0; g < G; ++g) out[(q0 + g) * n + r0 + r] = sums[r * G + g];
      } else {
        put(r0, R, sums);
      }
    }
    for (; r0 < n; ++r0) {
      const unsigned char* x = rows + r0 * stride;
      double sums[G];
      f32_tile<M, W, 1, G>(&x, q, d, sums);
      put(r0, 1, sums);
    }
  }
}

// l2 for a batch, with each query's bound (QuerySet::prune): a tile first
// computes dot(x, q) (one fused multiply-add per 16 dims and pair instead of
// a subtract and one) and estimates |x - q|^2 = |x|^2 + |q|^2 - 2 dot(x, q);
// only a pair whose estimate is not certainly above bound^2 gets its exact
// l2 sum (f32_tile<l2>, the arithmetic of a query alone), the others +inf.
// The dot products fold into double every kEstimateBlock dims (32 terms per
// lane: within 33u |x||q|), so the estimate errs by at most 38u (|x|^2 +
// |q|^2) (|x|^2 and |q|^2 within 5u, 2 dot within 33u (|x|^2 + |q|^2)) and
// the exact sum by 19u |x - q|^2 <= 38u (|x|^2 + |q|^2): a margin of
// kPruneSlack (|x|^2 + |q|^2) (plus D * 2^-120 for underflowed products)
// never drops a row that could enter the heap. A NaN or infinite estimate
// or bound never prunes.
constexpr std::size_t kEstimateBlock = 1024;
constexpr double kPruneSlack = 0x1p-17;  // 128u, more than the 76u needed

template <std::size_t W, std::size_t R, std::size_t G>
KV_AI void f32_pruned_pass(const float* queries, std::size_t q_end, std::size_t d, const unsigned char* rows,
                           std::size_t stride, std::size_t n, const double* norms, const double* query_norms,
                           const double* prune, double* out) {
  const double floor = static_cast<double>(d) * 0x1p-120;
  for (std::size_t q0 = 0; q0 + G <= q_end; q0 += G) {
    const float* q[G];
    double qn[G], bound2[G];
    for (std::size_t g = 0; g < G; ++g) {
      q[g] = queries + (q0 + g) * d;
      qn[g] = query_norms[q0 + g];
      bound2[g] = prune[q0 + g] * prune[q0 + g] * (1 + 0x1p-40);
    }
    const auto exact = [&](const unsigned char* x, std::size_t g) {
      double sum;
      f32_tile<Metric::l2, W, 1, 1>(&x, &q[g], d, &sum);
      return __builtin_sqrt(sum);
    };
    std::size_t r0 = 0;
    for (; r0 + R <= n; r0 += R) {
      const unsigned char* x[R];
      for (std::size_t r = 0; r < R; ++r) x[r] = rows + (r0 + r) * stride;
      double dots[R * G];
      f32_tile<Metric::dot, W, R, G, kEstimateBlock>(x, q, d, dots);
      for (std::size_t r = 0; r < R; ++r)
        for (std::size_t g = 0; g < G; ++g) {
          const double scale = norms[r0 + r] + qn[g];
          const double estimate = scale - 2 * dots[r * G + g];
          out[(q0 + g) * n + r0 + r] =
              estimate - (kPruneSlack * scale + floor) > bound2[g] ? __builtin_inf() : exact(x[r], g);
        }
    }
    for (; r0 < n; ++r0)
      for (std::size_t g = 0; g < G; ++g) out[(q0 + g) * n + r0] = exact(rows + r0 * stride, g);
  }
}

template <Metric M, std::size_t W>
KV_AI void f32_block(const float* queries, std::size_t count, std::size_t d, const unsigned char* rows,
                     std::size_t stride, std::size_t n, const double* prune, double* out) {
  constexpr std::size_t R = F32Tile<W>::kRows, G = F32Tile<W>::kQueries;
  const bool pruned = M == Metric::l2 && prune && G > 1 && count > 1;
  double* norms = nullptr;
  if (M == Metric::cosine || pruned) {
    norms = paths::scratch(n + count);
    row_norms<W>(rows, stride, n, d, norms);
  }
  const std::size_t grouped = count == 1 ? 0 : count - count % G;
  if (pruned) {
    double* query_norms = norms + n;  // like the rows' (within 5u: the margin allows for it)
    row_norms<W>(reinterpret_cast<const unsigned char*>(queries), d * sizeof(float), count, d, query_norms);
    f32_pruned_pass<W, R, G>(queries, grouped, d, rows, stride, n, norms, query_norms, prune, out);
  }
  else
    f32_pass<M, W, R, G>(queries, 0, grouped, d, rows, stride, n, norms, out);
  f32_pass<M, W, 1, 1>(queries, grouped, count, d, rows, stride, n, norms, out);
}

template <bool Scalar, Metric M, class T>
KV_AI Sums sums(const unsigned char* a, const T* q, std::size_t d) {
  if constexpr (Scalar) {
    Sums s;
    scalar_tail<M>(a, q, 0, d, s);
    return s;
  } else if constexpr (sizeof(T) == 1) {
    return byte_sums<M>(a, q, d);
  } else {
    return wide_sums<M>(a, q, d);
  }
}

template <bool Scalar, std::size_t W, class T, Metric M>
KV_AI void block(const QuerySet& qs, const unsigned char* rows, std::size_t stride, std::size_t n,
                 double* out) {
  const T* queries = static_cast<const T*>(qs.elements);
  const std::size_t d = qs.dim;
  if constexpr (!Scalar && std::is_same_v<T, float>) {
    f32_block<M, W>(queries, qs.count, d, rows, stride, n, qs.prune, out);
  } else {
    if (!Scalar && sizeof(T) > 1 && qs.count > 1) {
      // Several queries: convert the block's rows and the queries to double
      // once; every query then runs over the converted block while it is in
      // cache (one query converts as it loads instead: no extra pass).
      double* x = paths::scratch((n + qs.count) * d);
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
    for (std::size_t qi = 0; qi < qs.count; ++qi) {
      const T* q = queries + qi * d;
      const double qn = self_norm<M>(q, d);
      double* o = out + qi * n;
      for (std::size_t r = 0; r < n; ++r) o[r] = finish<M>(sums<Scalar, M>(rows + r * stride, q, d), qn);
    }
  }
}

template <bool Scalar, std::size_t W, class T>
KV_AI void by_metric(const QuerySet& qs, const unsigned char* rows, std::size_t stride, std::size_t n,
                     double* out) {
  switch (qs.metric) {
    case Metric::l2: return block<Scalar, W, T, Metric::l2>(qs, rows, stride, n, out);
    case Metric::cosine: return block<Scalar, W, T, Metric::cosine>(qs, rows, stride, n, out);
    case Metric::l1: return block<Scalar, W, T, Metric::l1>(qs, rows, stride, n, out);
    case Metric::dot: return block<Scalar, W, T, Metric::dot>(qs, rows, stride, n, out);
  }
}

// W: the path's vector register width in bytes (the f32 kernel's layout).
template <bool Scalar, std::size_t W>
KV_AI void run_block(const QuerySet& qs, const unsigned char* rows, std::size_t stride, std::size_t n,
                     double* out) {
  switch (qs.num) {
    case Num::i8: return by_metric<Scalar, W, std::int8_t>(qs, rows, stride, n, out);
    case Num::u8: return by_metric<Scalar, W, std::uint8_t>(qs, rows, stride, n, out);
    case Num::i16: return by_metric<Scalar, W, std::int16_t>(qs, rows, stride, n, out);
    case Num::u16: return by_metric<Scalar, W, std::uint16_t>(qs, rows, stride, n, out);
    case Num::i32: return by_metric<Scalar, W, std::int32_t>(qs, rows, stride, n, out);
    case Num::u32: return by_metric<Scalar, W, std::uint32_t>(qs, rows, stride, n, out);
    case Num::i64: return by_metric<Scalar, W, std::int64_t>(qs, rows, stride, n, out);
    case Num::u64: return by_metric<Scalar, W, std::uint64_t>(qs, rows, stride, n, out);
    case Num::f32: return by_metric<Scalar, W, float>(qs, rows, stride, n, out);
    case Num::f64: return by_metric<Scalar, W, double>(qs, rows, stride, n, out);
  }
}

}  // namespace

}  // namespace kv::vector
