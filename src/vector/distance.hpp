// Distance kernels for vector search (kvcolumn_knn), no SQLite types.
//
// A kernel computes the distances between Q query vectors and a block of
// rows of a `vec:E:D` column, for one element type E and one metric:
//
//   rows:  n_rows stored elements, `stride` bytes apart; row r's D elements
//          start at rows + r * stride (any alignment: the stored elements
//          carry a one-byte type prefix, so the caller passes rows + 1)
//   queries: Q * D elements of E back to back (same type as the column)
//   out[q * n_rows + r] = distance(query q, row r), as double
//
// Metrics (a, b the two vectors, sums over the D elements):
//   l2      sqrt(sum (a_i - b_i)^2)
//   cosine  1 - dot(a, b) / sqrt(|a|^2 |b|^2); 1 (orthogonal) when either
//           vector is all zeros (the similarity of a zero vector is taken
//           as 0, never NaN)
//   l1      sum |a_i - b_i|
//   dot     -dot(a, b) (negated so that smaller is nearer)
// NaN elements give a NaN distance (the caller ranks those last).
//
// Accumulation: i8 and u8 exactly, in int32 sums flushed into int64 every
// 2^14 elements (vectorised loops). f32: 32 logical f32 lanes (x - y and
// products in f32; on the avx2 and avx512 paths each product and its sum
// are one fused multiply-add), every block of 256 dims (512 for l2) folded
// into 8 double lanes, the lanes added as a fixed tree at the row's end, the
// last D mod 32 elements in double; cosine's |x|^2 the same way in blocks of
// 128 dims, once per row for all the queries; a row whose
// sum is not finite or below 2^-80 (an f32 overflow or possible underflow,
// e.g. elements near 1e20 and above or 1e-20 and below) is summed again in
// double, so f32 never overflows or underflows where float64 would not
// (1e30^2 is fine). Error <= 19u (l2's sum of squares: 9.5u after the
// square root) or 9u (l1, dot) of the sum of |terms| (u = 2^-24;
// docs/vector_search.md, Accuracy). The 32 lanes live in 8, 4 or 2
// registers (SSE2, AVX2, AVX-512) with the same arithmetic, so the two FMA
// paths (avx2, avx512) agree bit for bit; baseline (SSE2, no FMA) rounds
// each product and may differ from them in the last bits. Every other type
// (f64, i16, u16, i32, u32, i64, u64) converted to double and summed in one
// fixed order, never fused: one 8-lane accumulator, then the lanes, then
// the tail element by element. Each path sums a query in one order whatever
// the batch, so a query's distances are bit-identical alone or in a batch
// (f32 batches run tiles of rows x queries: 2 x 4 on AVX-512, 1 x 2 on
// AVX2, each row register loaded once per tile; other wide types convert
// the block and the queries to double once and run 4 queries per pass).
// The scalar path sums everything in double, one element at a time, and is
// the reference the tests compare the others with.
//
// Run-time dispatch: one source (GCC vector extensions, which the compiler
// lowers to the instruction set of the function they are inlined into) is
// instantiated in four functions: `scalar` (plain loops), `baseline` (the
// build's own flags: SSE2 on x86-64; 16-byte f32 registers), `avx2` (target
// avx2,fma; 32-byte) and `avx512` (target avx512f/bw/dq/vl,fma; 64-byte; the
// two compiled inside a `#pragma GCC target` region so the f32 kernel can
// call the FMA and vsqrtpd intrinsics). No
// Highway: the register width is a template parameter of the f32 kernel.
// The module itself is built with the baseline flags, so it loads on any
// x86-64; __builtin_cpu_supports picks the best path the CPU has at first
// use. KOHAKUVAULT_KNN_KERNEL=scalar|baseline|avx2|avx512 in the
// environment forces a path (tests use it; an unavailable one is ignored). Chosen over Highway (a new dependency) and
// target_clones (which cannot clone the templates the element types need).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "codec/dtype.hpp"

namespace kv::vector {

enum class Metric : unsigned char { l2, cosine, l1, dot };
enum class Path : unsigned char { scalar, baseline, avx2, avx512 };

// Parses 'l2' / 'cosine' / 'l1' / 'dot' (case-insensitive); false otherwise.
bool parse_metric(std::string_view text, Metric& out) noexcept;
const char* metric_name(Metric m) noexcept;
const char* path_name(Path p) noexcept;

struct QuerySet {
  Num num = Num::f32;
  Metric metric = Metric::l2;
  std::size_t dim = 0;
  const void* elements = nullptr;  // count * dim elements of num, naturally aligned
  std::size_t count = 0;
  // Optional (count entries; knn_search passes each full heap's worst
  // distance, +inf before it is full): for l2 over f32, a batch kernel may
  // put +inf instead of the distance of a row that is certainly farther
  // from query q than prune[q] (vector/kernel_body.hpp, f32_pruned_pass).
  // Every distance it does put is exact, and the same alone or in a batch.
  const double* prune = nullptr;
};

using BlockKernel = void (*)(const QuerySet& queries, const unsigned char* rows, std::size_t stride,
                             std::size_t n_rows, double* out);

// Whether this CPU (and build) can run the path.
bool path_available(Path p) noexcept;
// The kernel of one path (nullptr when not available): tests call each.
BlockKernel kernel_for(Path p) noexcept;
// The path used by knn_search: the environment's choice if available, else
// the best the CPU has. Decided once.
Path active_path() noexcept;

}  // namespace kv::vector
