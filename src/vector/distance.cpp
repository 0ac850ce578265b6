// Distance kernels: the run-time choice of dispatch path (distance.hpp).
//
// The kernels themselves are one source, vector/kernel_body.hpp, compiled once
// per path in vector/kernel_<path>.cpp (scalar, baseline, avx2, avx512): every
// function below `run_block` is always_inline, so each path function gets its own
// copy compiled for its target. One file per path lets the four compile in parallel.
#include "vector/distance.hpp"

#include <cstdlib>
#include <cstring>
#include <vector>

#include "vector/kernel_paths.hpp"

namespace kv::vector {

namespace {

Path choose_path() noexcept {
  Path best = Path::baseline;
  if (path_available(Path::avx512))
    best = Path::avx512;
  else if (path_available(Path::avx2))
    best = Path::avx2;
  if (const char* forced = std::getenv("KOHAKUVAULT_KNN_KERNEL"))
    for (Path p : {Path::scalar, Path::baseline, Path::avx2, Path::avx512})
      if (std::strcmp(forced, path_name(p)) == 0 && path_available(p)) return p;
  return best;
}

}  // namespace

namespace paths {
double* scratch(std::size_t doubles) {
  static thread_local std::vector<double> buffer;
  if (buffer.size() < doubles) buffer.resize(doubles);
  return buffer.data();
}
}  // namespace paths

bool parse_metric(std::string_view text, Metric& out) noexcept {
  for (Metric m : {Metric::l2, Metric::cosine, Metric::l1, Metric::dot}) {
    std::string_view name = metric_name(m);
    if (text.size() != name.size()) continue;
    bool same = true;
    for (std::size_t k = 0; k < name.size(); ++k) same = same && (text[k] | 0x20) == name[k];
    if (same) {
      out = m;
      return true;
    }
  }
  return false;
}

const char* metric_name(Metric m) noexcept {
  switch (m) {
    case Metric::l2: return "l2";
    case Metric::cosine: return "cosine";
    case Metric::l1: return "l1";
    case Metric::dot: return "dot";
  }
  return "?";
}

const char* path_name(Path p) noexcept {
  switch (p) {
    case Path::scalar: return "scalar";
    case Path::baseline: return "baseline";
    case Path::avx2: return "avx2";
    case Path::avx512: return "avx512";
  }
  return "?";
}

bool path_available(Path p) noexcept {
  switch (p) {
    case Path::scalar:
    case Path::baseline: return true;
#ifdef KV_HAVE_X86_PATHS
    case Path::avx2: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case Path::avx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
#endif
    default: return false;
  }
}

BlockKernel kernel_for(Path p) noexcept {
  if (!path_available(p)) return nullptr;
  switch (p) {
    case Path::scalar: return paths::block_scalar;
    case Path::baseline: return paths::block_baseline;
#ifdef KV_HAVE_X86_PATHS
    case Path::avx2: return paths::block_avx2;
    case Path::avx512: return paths::block_avx512;
#endif
    default: return nullptr;
  }
}

Path active_path() noexcept {
  static const Path chosen = choose_path();
  return chosen;
}

}  // namespace kv::vector
