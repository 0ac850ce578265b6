// Exact k-NN over a column through the chunk-scan engine (see knn.hpp).
#include "vector/knn.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "column/scan.hpp"
#include "common/error.hpp"

namespace kv::vector {

bool nearer(const Neighbor& a, const Neighbor& b) noexcept {
  const bool an = std::isnan(a.distance), bn = std::isnan(b.distance);
  if (an != bn) return bn;
  if (!an && a.distance != b.distance) return a.distance < b.distance;
  return a.idx < b.idx;
}

std::vector<std::vector<Neighbor>> knn_search(Column& column, const QuerySet& queries, std::uint64_t k,
                                              std::uint64_t start, std::uint64_t stop, BlockKernel kernel) {
  if (!kernel) kernel = kernel_for(active_path());
  const std::uint64_t range = stop > start ? stop - start : 0;
  const std::uint64_t keep = std::min(k, range);
  if (queries.count && keep > kMaxResults / queries.count)
    fail(Errc::too_big, std::to_string(queries.count) + " queries x k = " + std::to_string(keep) +
                            " neighbours is more than " + std::to_string(kMaxResults) +
                            " results in one call: ask for a smaller k or fewer queries at once");
  std::vector<std::vector<Neighbor>> heaps(queries.count);
  if (keep == 0) return heaps;
  for (auto& h : heaps) h.reserve(static_cast<std::size_t>(keep));
  const std::size_t stride = static_cast<std::size_t>(column.elem_size());
  const std::size_t block_rows = std::max<std::size_t>(1, kBlockBytes / stride);
  std::vector<double> dist(block_rows * queries.count);
  scan_runs(column, start, stop, [&](std::string_view run, std::uint64_t first, std::uint64_t count) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(run.data());
    for (std::uint64_t b = 0; b < count; b += block_rows) {
      const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(block_rows, count - b));
      kernel(queries, bytes + b * stride + 1, stride, n, dist.data());
      for (std::size_t q = 0; q < queries.count; ++q) {
        std::vector<Neighbor>& h = heaps[q];
        const double* d = dist.data() + q * n;
        for (std::size_t r = 0; r < n; ++r) {
          const Neighbor cand{first + b + r, d[r]};
          if (h.size() < keep) {
            h.push_back(cand);
            std::push_heap(h.begin(), h.end(), nearer);
          } else if (nearer(cand, h.front())) {
            std::pop_heap(h.begin(), h.end(), nearer);
            h.back() = cand;
            std::push_heap(h.begin(), h.end(), nearer);
          }
        }
      }
    }
  });
  for (auto& h : heaps) std::sort_heap(h.begin(), h.end(), nearer);
  return heaps;
}

}  // namespace kv::vector
