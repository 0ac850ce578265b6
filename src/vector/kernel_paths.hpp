// The four dispatch paths' block kernels (vector/kernel_<path>.cpp), each the one
// kernel source (kernel_body.hpp) compiled for its target; distance.cpp picks one
// at run time (kernel_for). Split into one file per path so they compile in parallel.
#pragma once

#include <cstddef>

#include "vector/distance.hpp"

namespace kv::vector::paths {
// Per-thread scratch for converted rows and queries (reused between calls;
// distance.cpp): outside the kernel source, which is compiled per target.
double* scratch(std::size_t doubles);

void block_scalar(const QuerySet& qs, const unsigned char* rows, std::size_t stride, std::size_t n,
                  double* out);
void block_baseline(const QuerySet& qs, const unsigned char* rows, std::size_t stride, std::size_t n,
                    double* out);
#if defined(__x86_64__) || defined(__i386__)
#define KV_HAVE_X86_PATHS 1
void block_avx2(const QuerySet& qs, const unsigned char* rows, std::size_t stride, std::size_t n,
                double* out);
void block_avx512(const QuerySet& qs, const unsigned char* rows, std::size_t stride, std::size_t n,
                  double* out);
#endif
}  // namespace kv::vector::paths
