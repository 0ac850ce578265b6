// The AVX-512 path (F, BW, DQ, VL, with FMA), 64-byte registers.
// The kernel source is compiled inside a target region (after every header it
// uses, see kernel_body.hpp) so its f32 kernel can use fused multiply-adds.
#include <immintrin.h>

#include <cstdint>
#include <cstring>
#include <type_traits>

#include "vector/distance.hpp"
#include "vector/kernel_paths.hpp"

#ifdef KV_HAVE_X86_PATHS
KV_TARGET_BEGIN("avx512f,avx512bw,avx512dq,avx512vl,fma")
#define KV_KERNEL_AVX 1  // madd() fuses, sqrt_all() uses vsqrtpd (kernel_body.hpp)
#include "vector/kernel_body.hpp"

namespace kv::vector::paths {
void block_avx512(const QuerySet& qs, const unsigned char* rows, std::size_t stride, std::size_t n, double* out) {
  run_block<false, 64>(qs, rows, stride, n, out);
}
}  // namespace kv::vector::paths
KV_TARGET_END
#endif
