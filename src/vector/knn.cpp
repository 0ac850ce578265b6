// Exact k-NN over a column through the chunk-scan engine (see knn.hpp).
#include "vector/knn.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

#include "column/scan.hpp"
#include "common/error.hpp"

namespace kv::vector {

namespace {
constexpr std::size_t kQueryAlign = 64;  // a cache line
}  // namespace

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
  // The queries copied to a cache-line-aligned buffer: the kernels load each
  // query vector once per tile of rows, and a load across two lines costs two.
  const std::size_t query_bytes = queries.count * queries.dim * num_size(queries.num);
  std::vector<unsigned char> aligned_storage(query_bytes + kQueryAlign);
  unsigned char* aligned = aligned_storage.data() + (kQueryAlign - reinterpret_cast<std::uintptr_t>(
                                                                       aligned_storage.data()) % kQueryAlign);
  std::memcpy(aligned, queries.elements, query_bytes);
  QuerySet set = queries;
  set.elements = aligned;
  const std::size_t stride = static_cast<std::size_t>(column.elem_size());
  const std::size_t block_rows = std::max<std::size_t>(1, kBlockBytes / stride);
  std::vector<double> dist(block_rows * queries.count);
  // Each query's heap worst at the start of a block (+inf until full): the
  // kernel may skip rows certainly farther (QuerySet::prune).
  std::vector<double> worst(queries.count, HUGE_VAL);
  set.prune = worst.data();
  scan_runs(column, start, stop, [&](std::string_view run, std::uint64_t first, std::uint64_t count) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(run.data());
    for (std::uint64_t b = 0; b < count; b += block_rows) {
      const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(block_rows, count - b));
      for (std::size_t q = 0; q < queries.count; ++q)
        worst[q] = heaps[q].size() == keep ? heaps[q].front().distance : HUGE_VAL;
      kernel(set, bytes + b * stride + 1, stride, n, dist.data());
      for (std::size_t q = 0; q < queries.count; ++q) {
        std::vector<Neighbor>& h = heaps[q];
        const double* d = dist.data() + q * n;
        // Rows arrive in idx order, so an equal distance never displaces a
        // kept row (ties go to the smaller idx) and a NaN never displaces
        // anything: once the heap is full only a number below its worst
        // (`gate`), or any number over a NaN worst, enters; most rows cost
        // one comparison.
        bool full = h.size() == keep, nan_worst = full && std::isnan(h.front().distance);
        double gate = !full ? 0 : nan_worst ? HUGE_VAL : h.front().distance;
        for (std::size_t r = 0; r < n; ++r) {
          const double v = d[r];
          if (full && !(v < gate) && (!nan_worst || std::isnan(v))) continue;
          const Neighbor cand{first + b + r, v};
          if (!full) {
            h.push_back(cand);
            std::push_heap(h.begin(), h.end(), nearer);
            full = h.size() == keep;
          } else {
            std::pop_heap(h.begin(), h.end(), nearer);
            h.back() = cand;
            std::push_heap(h.begin(), h.end(), nearer);
          }
          if (full) {
            nan_worst = std::isnan(h.front().distance);
            gate = nan_worst ? HUGE_VAL : h.front().distance;
          }
        }
      }
    }
  });
  for (auto& h : heaps) std::sort_heap(h.begin(), h.end(), nearer);
  return heaps;
}

}  // namespace kv::vector
