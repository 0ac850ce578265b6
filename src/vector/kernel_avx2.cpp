// The AVX2 path (+FMA flag; no fused multiply-adds: -ffp-contract=off), 32-byte registers.
#include "vector/kernel_body.hpp"
#include "vector/kernel_paths.hpp"

namespace kv::vector::paths {
#ifdef KV_HAVE_X86_PATHS
__attribute__((target("avx2,fma"))) void block_avx2(const QuerySet& qs, const unsigned char* rows, std::size_t stride,
                                                   std::size_t n, double* out) {
  run_block<false, 32>(qs, rows, stride, n, out);
}
#endif
}  // namespace kv::vector::paths
