// The unit test binary's allocation countdown, the hook of the replaced global
// operator new/delete (tests/common/global_new.cpp: every form, malloc/free
// underneath so sanitizers still see each pair), shared by
// the tests that count heap allocations (test_codec_element.cpp) and the ones
// that make an allocation fail (test_ordered_index_oom.cpp). Both are per
// thread and off by default.
#pragma once

#include <cstddef>
#include <cstdint>

namespace kvtest {

// While alloc_counting is true, each allocation of this thread adds 1 to alloc_count.
extern thread_local bool alloc_counting;
extern thread_local std::size_t alloc_count;

// Out-of-memory injection, SQLite's faultsim model: after arm_alloc_failure(n,
// persistent) this thread's n-th allocation (1-based) fails — operator new
// throws std::bad_alloc, the nothrow forms return nullptr — and with
// `persistent` every later one too, until disarm_alloc_failure().
void arm_alloc_failure(std::int64_t n, bool persistent);
struct AllocFailures {
  std::int64_t seen = 0;    // allocations made while armed
  std::int64_t failed = 0;  // how many of them failed
};
AllocFailures disarm_alloc_failure();

// Arms for its lifetime (so a test's own bookkeeping after it runs unarmed).
class AllocFailureScope {
 public:
  AllocFailureScope(std::int64_t n, bool persistent) { arm_alloc_failure(n, persistent); }
  ~AllocFailureScope() { disarm_alloc_failure(); }
  AllocFailureScope(const AllocFailureScope&) = delete;
  AllocFailureScope& operator=(const AllocFailureScope&) = delete;
};

}  // namespace kvtest
