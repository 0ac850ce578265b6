// The scalar reference path: one element at a time, the order every other path is tested against.
#include "vector/kernel_body.hpp"
#include "vector/kernel_paths.hpp"

namespace kv::vector::paths {
void block_scalar(const QuerySet& qs, const unsigned char* rows, std::size_t stride,
                 std::size_t n, double* out) {
  run_block<true, 16>(qs, rows, stride, n, out);
}
}  // namespace kv::vector::paths
