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

// KV_TARGET_BEGIN("avx2,fma") ... KV_TARGET_END: a region whose functions are
// compiled for that target (the AVX files put the kernel source inside one, so
// its intrinsics and fused multiply-adds are allowed). GCC spells it as target
// pragmas; clang ignores those and takes the same region as an attribute.
#define KV_PRAGMA(text) _Pragma(#text)
#if defined(__clang__)
#define KV_TARGET_BEGIN(spec) KV_PRAGMA(clang attribute push(__attribute__((target(spec))), apply_to = function))
#define KV_TARGET_END KV_PRAGMA(clang attribute pop)
#else
#define KV_TARGET_BEGIN(spec) KV_PRAGMA(GCC push_options) KV_PRAGMA(GCC target(spec))
#define KV_TARGET_END KV_PRAGMA(GCC pop_options)
#endif
void block_avx2(const QuerySet& qs, const unsigned char* rows, std::size_t stride, std::size_t n,
                double* out);
void block_avx512(const QuerySet& qs, const unsigned char* rows, std::size_t stride, std::size_t n,
                  double* out);
#endif
}  // namespace kv::vector::paths
