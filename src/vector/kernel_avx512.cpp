// The AVX-512 path (F, BW, DQ, VL), 64-byte registers.
#include "vector/kernel_body.hpp"
#include "vector/kernel_paths.hpp"

namespace kv::vector::paths {
#ifdef KV_HAVE_X86_PATHS
__attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,fma"))) void block_avx512(const QuerySet& qs, const unsigned char* rows, std::size_t stride,
                                                                                   std::size_t n, double* out) {
  run_block<false, 64>(qs, rows, stride, n, out);
}
#endif
}  // namespace kv::vector::paths
