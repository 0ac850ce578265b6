// The AVX2 path (with FMA), 32-byte registers.
// The kernel source is compiled inside a target region (after every header it
// uses, see kernel_body.hpp) so its f32 kernel can use fused multiply-adds.
#include <immintrin.h>

#include <cstdint>
#include <cstring>
#include <type_traits>

#include "vector/distance.hpp"
#include "vector/kernel_paths.hpp"

#ifdef KV_HAVE_X86_PATHS
KV_TARGET_BEGIN("avx2,fma")
#define KV_KERNEL_AVX 1  // madd() fuses, sqrt_all() uses vsqrtpd (kernel_body.hpp)
#include "vector/kernel_body.hpp"

namespace kv::vector::paths {
void block_avx2(const QuerySet& qs, const unsigned char* rows, std::size_t stride, std::size_t n, double* out) {
  run_block<false, 32>(qs, rows, stride, n, out);
}
}  // namespace kv::vector::paths
KV_TARGET_END
#endif
