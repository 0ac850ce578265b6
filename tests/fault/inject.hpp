// The fault countdown shared by the allocator (alloc.cpp) and the I/O shim
// VFS (vfs.cpp), SQLite's faultsim model: while armed, every call of the
// selected kind is counted; call number `target` fails, and with `persistent`
// every later call fails too (transient = that one call only). Nothing is
// counted while disarmed, so setup and checks run without faults.
#pragma once

#include <cstdint>
#include <string>

namespace kvfault {

enum class Kind { oom, io, full };  // allocations; the Nth I/O call -> IOERR_*; the Nth write -> FULL

const char* kind_name(Kind k);

struct Counters {
  int64_t calls = 0;       // calls of the armed kind seen while armed
  int64_t injected = 0;    // how many of them were failed
  int last_code = 0;       // the SQLite code of the last I/O fault injected (0 for oom)
  uint64_t code_bits = 0;  // every I/O code injected: bit code_bit(code)
};
// A bit per injected I/O code: SQLITE_FULL is bit 63, SQLITE_IOERR_x bit (x >> 8).
int code_bit(int code);

// Starts counting calls of `kind`; call `target` (1-based) fails, and every
// later one too when `persistent`. target <= 0 counts without failing.
void arm(Kind kind, int64_t target, bool persistent);
// Stops counting; returns what happened since arm().
Counters disarm();

// Calls counted since arm() so far (a test marks where a code path starts).
int64_t armed_calls();
// For the injection points: true when this call must fail.
bool should_fail(Kind kind);
// While a Pause is alive nothing is counted or failed: the harness's own
// bookkeeping (copying result rows) runs inside the armed window.
struct Pause {
  Pause();
  ~Pause();
  Pause(const Pause&) = delete;
  Pause& operator=(const Pause&) = delete;
};
// Records the SQLite code an I/O fault returned (for the report and the checks).
void note_io_code(int code);

// Installs the counting allocator into SQLite (sqlite3_shutdown, then
// SQLITE_CONFIG_MALLOC, then sqlite3_initialize) and registers the shim VFS
// as the default over "unix". Call once, before any connection opens.
void install();

}  // namespace kvfault
