// The test binaries' one replacement of the global allocation functions
// (global_new.cpp): every form of operator new/new[] (plain, nothrow, aligned)
// allocates with malloc/posix_memalign and fails when the binary's countdown
// says so (std::bad_alloc, or nullptr for the nothrow forms); operator delete
// frees, so ASan sees malloc/free pairs. A binary that links global_new.cpp
// defines the one hook below:
//   kv_unit_tests   tests/unit/alloc_hooks.cpp (fail the N-th, count allocations)
//   kv_fault_tests  tests/fault/alloc.cpp (the harness's countdown, inject.hpp)
#pragma once

namespace kvtest {
// Called once per C++ allocation; true when this allocation must fail.
bool allocation_should_fail() noexcept;
}  // namespace kvtest
