// kvindex: process-wide counters (counters.hpp).
#include "kvindex/counters.hpp"

#include <atomic>
#include <cstdint>

namespace kvx::kvindex {

namespace {
std::atomic<std::uint64_t> full_loads{0}, catch_ups{0};
}  // namespace

void count_full_load() { full_loads.fetch_add(1, std::memory_order_relaxed); }
void count_catch_up() { catch_ups.fetch_add(1, std::memory_order_relaxed); }

std::string counters_text() {
  return "kvindex_full_loads: " + std::to_string(full_loads.load(std::memory_order_relaxed)) +
         "\nkvindex_catch_ups: " + std::to_string(catch_ups.load(std::memory_order_relaxed)) + "\n";
}

}  // namespace kvx::kvindex
