// The ordered structures on their own (Google Benchmark), same run:
// kv::CsbTree (order 63), kv::SkipList, kv::ChunkedSkipList (chunk 32; the
// skip list behind kvindex(skiplist)), std::map and absl::btree_map with
// N random 64-bit keys (N = 1M by default; KV_BENCH_KEYS=10000000 for 10M):
//   insert  N keys into an empty structure
//   find    N lookups of present keys in random order
//   range   N/100 scans of 100 consecutive keys from a random start
// and the skip lists' concurrent reads: the same lookups split over 1 and 2
// threads (real time). After the Google Benchmark output, a table of ratios:
// std::map time / structure time (> 1 = faster than std::map), the CSB+-tree
// against absl::btree_map, and the skip list's 2-thread speedup.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#ifdef KV_HAVE_ABSL
#include <absl/container/btree_map.h>
#endif

#include "index/chunk_list.hpp"
#include "index/csbtree.hpp"
#include "index/skiplist.hpp"

namespace {

std::size_t key_count() {
  const char* env = std::getenv("KV_BENCH_KEYS");
  return env ? static_cast<std::size_t>(std::strtoull(env, nullptr, 10)) : 1000000;
}

const std::vector<std::uint64_t>& keys() {
  static const std::vector<std::uint64_t> k = [] {
    std::vector<std::uint64_t> v(key_count());
    std::mt19937_64 rng(42);
    for (auto& x : v) x = rng();
    return v;
  }();
  return k;
}

const std::vector<std::uint64_t>& probes() {
  static const std::vector<std::uint64_t> p = [] {
    std::vector<std::uint64_t> v = keys();
    std::shuffle(v.begin(), v.end(), std::mt19937_64(7));
    return v;
  }();
  return p;
}

// Uniform adapters.
struct TreeAdapter {
  kv::CsbTree<std::uint64_t, std::uint64_t> m{63};
  void insert(std::uint64_t k) { m.insert(k, k); }
  bool find(std::uint64_t k) const { return m.find(k) != nullptr; }
  std::uint64_t range(std::uint64_t from, int n) const {
    std::uint64_t sum = 0;
    auto it = m.lower_bound(from);
    for (int i = 0; i < n && it != m.end(); ++i, ++it) sum += it.value();
    return sum;
  }
};

struct ListAdapter {
  kv::SkipList<std::uint64_t, std::uint64_t> m;
  void insert(std::uint64_t k) { m.insert(k, k); }
  bool find(std::uint64_t k) const {
    kv::EpochGuard g;
    return m.find_node(k) != nullptr;
  }
  std::uint64_t range(std::uint64_t from, int n) const {
    kv::EpochGuard g;
    std::uint64_t sum = 0;
    const auto* node = m.lower_bound(from);
    for (int i = 0; i < n && node; ++i, node = m.next(node)) sum += node->value();
    return sum;
  }
};

struct ChunkAdapter {
  kv::ChunkedSkipList<std::uint64_t, std::uint64_t> m;
  void insert(std::uint64_t k) { m.insert(k, k); }
  bool find(std::uint64_t k) const {
    kv::EpochGuard g;
    return static_cast<bool>(m.find(k));
  }
  std::uint64_t range(std::uint64_t from, int n) const {
    kv::EpochGuard g;
    std::uint64_t sum = 0;
    auto p = m.lower_bound(from);
    for (int i = 0; i < n && p; ++i, p = m.next(p)) sum += p.value();
    return sum;
  }
};

template <class Map>
struct StdAdapter {
  Map m;
  void insert(std::uint64_t k) { m.emplace(k, k); }
  bool find(std::uint64_t k) const { return m.find(k) != m.end(); }
  std::uint64_t range(std::uint64_t from, int n) const {
    std::uint64_t sum = 0;
    auto it = m.lower_bound(from);
    for (int i = 0; i < n && it != m.end(); ++i, ++it) sum += it->second;
    return sum;
  }
};

template <class A>
A& filled() {
  static A* a = [] {
    auto* x = new A();
    for (auto k : keys()) x->insert(k);
    return x;
  }();
  return *a;
}

template <class A>
void BM_Insert(benchmark::State& state) {
  for (auto _ : state) {
    auto* a = new A();
    for (auto k : keys()) a->insert(k);
    benchmark::DoNotOptimize(a);
    state.PauseTiming();
    delete a;
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * keys().size()));
}

template <class A>
void BM_Find(benchmark::State& state) {
  const A& a = filled<A>();
  for (auto _ : state) {
    std::size_t hits = 0;
    for (auto k : probes()) hits += a.find(k);
    if (hits != probes().size()) state.SkipWithError("lookup missed a key");
    benchmark::DoNotOptimize(hits);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * probes().size()));
}

template <class A>
void BM_Range100(benchmark::State& state) {
  const A& a = filled<A>();
  const std::size_t scans = keys().size() / 100;
  for (auto _ : state) {
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < scans; ++i) sum += a.range(probes()[i], 100);
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * scans));
}

// The same total lookups, split over state.threads() threads.
template <class Adapter>
void BM_ConcurrentReads(benchmark::State& state) {
  const Adapter& a = filled<Adapter>();
  const auto& p = probes();
  const std::size_t per = p.size() / static_cast<std::size_t>(state.threads());
  const std::size_t begin = per * static_cast<std::size_t>(state.thread_index());
  for (auto _ : state) {
    std::size_t hits = 0;
    for (std::size_t i = begin; i < begin + per; ++i) hits += a.find(p[i]);
    benchmark::DoNotOptimize(hits);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * per));
}

using StdMap = StdAdapter<std::map<std::uint64_t, std::uint64_t>>;
#ifdef KV_HAVE_ABSL
using AbslMap = StdAdapter<absl::btree_map<std::uint64_t, std::uint64_t>>;
#endif

#define KV_REGISTER_ALL(BM)                                                                  \
  BENCHMARK_TEMPLATE(BM, TreeAdapter)->Name(#BM "/csbtree")->Unit(benchmark::kMillisecond);  \
  BENCHMARK_TEMPLATE(BM, ListAdapter)->Name(#BM "/skiplist")->Unit(benchmark::kMillisecond); \
  BENCHMARK_TEMPLATE(BM, ChunkAdapter)->Name(#BM "/chunked")->Unit(benchmark::kMillisecond); \
  BENCHMARK_TEMPLATE(BM, StdMap)->Name(#BM "/std_map")->Unit(benchmark::kMillisecond);

KV_REGISTER_ALL(BM_Insert)
KV_REGISTER_ALL(BM_Find)
KV_REGISTER_ALL(BM_Range100)
#ifdef KV_HAVE_ABSL
BENCHMARK_TEMPLATE(BM_Insert, AbslMap)->Name("BM_Insert/absl_btree")->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(BM_Find, AbslMap)->Name("BM_Find/absl_btree")->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(BM_Range100, AbslMap)->Name("BM_Range100/absl_btree")->Unit(benchmark::kMillisecond);
#endif
BENCHMARK_TEMPLATE(BM_ConcurrentReads, ListAdapter)
    ->Name("BM_SkipListReads")
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(BM_ConcurrentReads, ChunkAdapter)
    ->Name("BM_ChunkedReads")
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// Collects per-benchmark real time per item for the ratio table.
class Collector : public benchmark::ConsoleReporter {
 public:
  std::map<std::string, double> ns_per_item;
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& r : runs) {
      if (r.run_type != Run::RT_Iteration || r.error_occurred) continue;
      auto it = r.counters.find("items_per_second");
      if (it != r.counters.end() && it->second.value > 0)
        ns_per_item[r.benchmark_name()] = 1e9 / it->second.value;
    }
  }
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  std::printf("keys: %zu random u64\n", key_count());
  Collector c;
  benchmark::RunSpecifiedBenchmarks(&c);
  auto get = [&](const std::string& name) {
    for (const auto& [k, v] : c.ns_per_item)
      if (k.rfind(name, 0) == 0) return v;
    return 0.0;
  };
  std::printf("\n%-28s %10s %10s %10s %10s %10s\n", "ratio vs std::map", "csbtree", "skiplist", "chunked", "absl",
              "csb/absl");
  for (const char* op : {"BM_Insert", "BM_Find", "BM_Range100"}) {
    const std::string o = op;
    const double base = get(o + "/std_map"), csb = get(o + "/csbtree"), sl = get(o + "/skiplist"),
                 ch = get(o + "/chunked"), ab = get(o + "/absl_btree");
    std::printf("%-28s %9.2fx %9.2fx %9.2fx %9.2fx %9.2fx\n", op, csb > 0 ? base / csb : 0, sl > 0 ? base / sl : 0,
                ch > 0 ? base / ch : 0, ab > 0 ? base / ab : 0, csb > 0 && ab > 0 ? ab / csb : 0);
  }
  const double t1 = get("BM_SkipListReads/real_time/threads:1"),
               t2 = get("BM_SkipListReads/real_time/threads:2");
  // items/s counts per-thread work summed, so ns/item already reflects total throughput.
  if (t1 > 0 && t2 > 0) std::printf("skiplist reads, 2 threads vs 1: %.2fx throughput\n", t1 / t2);
  const double c1 = get("BM_ChunkedReads/real_time/threads:1"), c2 = get("BM_ChunkedReads/real_time/threads:2");
  if (c1 > 0 && c2 > 0) std::printf("chunked skip list reads, 2 threads vs 1: %.2fx throughput\n", c1 / c2);
  std::printf(
      "targets: csbtree find >= 4x std::map, csbtree within 1.3x of absl (csb/absl >= 0.77), "
      "skip lists' 2-thread reads >= 1.7x\n");
  benchmark::Shutdown();
  return 0;
}
