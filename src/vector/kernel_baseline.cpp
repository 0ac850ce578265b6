// The baseline path: the build's own flags (SSE2 on x86-64), 16-byte registers.
#include "vector/kernel_body.hpp"
#include "vector/kernel_paths.hpp"

namespace kv::vector::paths {
void block_baseline(const QuerySet& qs, const unsigned char* rows, std::size_t stride,
                   std::size_t n, double* out) {
  run_block<false, 16>(qs, rows, stride, n, out);
}
}  // namespace kv::vector::paths
