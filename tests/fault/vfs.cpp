// I/O-fault injection: a shim VFS named "faultsim", registered as the default
// over "unix". Every file it opens wraps the real one (allocated right after
// the shim's header in the same sqlite3_file block) and forwards each call;
// while armed (inject.hpp) these calls count and the selected one fails:
//   Kind::io   xRead/xWrite/xSync/xTruncate/xFileSize/xLock/xShmMap, each with
//              its own extended code (IOERR_READ, _WRITE, _FSYNC, _TRUNCATE,
//              _FSTAT, _LOCK, _SHMMAP);
//   Kind::full xWrite only, with SQLITE_FULL (a full disk).
// The VFS-level calls (xOpen, xDelete, xAccess, ...) are forwarded unchanged;
// xSync is counted but never reaches the disk (see shim_sync).
#include <sqlite3.h>

#include <cstring>

#include "inject.hpp"

namespace {

struct ShimFile {
  sqlite3_file base;
  sqlite3_file* real;  // points just past this struct, inside the same block
};

sqlite3_vfs* g_real = nullptr;
sqlite3_vfs g_shim{};

sqlite3_file* real_of(sqlite3_file* f) { return reinterpret_cast<ShimFile*>(f)->real; }

// An I/O fault of Kind::io with `code`, or 0 when this call goes through.
int io_fault(int code) {
  if (!kvfault::should_fail(kvfault::Kind::io)) return 0;
  kvfault::note_io_code(code);
  return code;
}

int shim_close(sqlite3_file* f) {
  sqlite3_file* r = real_of(f);
  return r->pMethods ? r->pMethods->xClose(r) : SQLITE_OK;
}
int shim_read(sqlite3_file* f, void* buf, int n, sqlite3_int64 off) {
  if (int rc = io_fault(SQLITE_IOERR_READ)) return rc;
  return real_of(f)->pMethods->xRead(real_of(f), buf, n, off);
}
int shim_write(sqlite3_file* f, const void* buf, int n, sqlite3_int64 off) {
  if (int rc = io_fault(SQLITE_IOERR_WRITE)) return rc;
  if (kvfault::should_fail(kvfault::Kind::full)) {
    kvfault::note_io_code(SQLITE_FULL);
    return SQLITE_FULL;
  }
  return real_of(f)->pMethods->xWrite(real_of(f), buf, n, off);
}
int shim_truncate(sqlite3_file* f, sqlite3_int64 size) {
  if (int rc = io_fault(SQLITE_IOERR_TRUNCATE)) return rc;
  return real_of(f)->pMethods->xTruncate(real_of(f), size);
}
// The real fsync is skipped: every check reopens the files in this same
// process, so what a power loss would keep is not what these tests measure,
// and thousands of fsyncs would dominate their run time.
int shim_sync(sqlite3_file*, int) { return io_fault(SQLITE_IOERR_FSYNC); }
int shim_file_size(sqlite3_file* f, sqlite3_int64* size) {
  if (int rc = io_fault(SQLITE_IOERR_FSTAT)) return rc;
  return real_of(f)->pMethods->xFileSize(real_of(f), size);
}
int shim_lock(sqlite3_file* f, int level) {
  if (int rc = io_fault(SQLITE_IOERR_LOCK)) return rc;
  return real_of(f)->pMethods->xLock(real_of(f), level);
}
int shim_unlock(sqlite3_file* f, int level) { return real_of(f)->pMethods->xUnlock(real_of(f), level); }
int shim_check_reserved(sqlite3_file* f, int* out) {
  return real_of(f)->pMethods->xCheckReservedLock(real_of(f), out);
}
int shim_file_control(sqlite3_file* f, int op, void* arg) {
  return real_of(f)->pMethods->xFileControl(real_of(f), op, arg);
}
int shim_sector_size(sqlite3_file* f) { return real_of(f)->pMethods->xSectorSize(real_of(f)); }
int shim_device(sqlite3_file* f) { return real_of(f)->pMethods->xDeviceCharacteristics(real_of(f)); }
int shim_shm_map(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  if (int rc = io_fault(SQLITE_IOERR_SHMMAP)) return rc;
  return real_of(f)->pMethods->xShmMap(real_of(f), region, size, extend, out);
}
int shim_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  return real_of(f)->pMethods->xShmLock(real_of(f), offset, n, flags);
}
void shim_shm_barrier(sqlite3_file* f) { real_of(f)->pMethods->xShmBarrier(real_of(f)); }
int shim_shm_unmap(sqlite3_file* f, int del) { return real_of(f)->pMethods->xShmUnmap(real_of(f), del); }
int shim_fetch(sqlite3_file* f, sqlite3_int64 off, int n, void** out) {
  return real_of(f)->pMethods->xFetch(real_of(f), off, n, out);
}
int shim_unfetch(sqlite3_file* f, sqlite3_int64 off, void* p) {
  return real_of(f)->pMethods->xUnfetch(real_of(f), off, p);
}

// One method table per io_methods version the real file reports (1..3):
// SQLite checks iVersion before calling the shm and fetch methods.
sqlite3_io_methods make_methods(int version) {
  sqlite3_io_methods m{};
  m.iVersion = version;
  m.xClose = shim_close;
  m.xRead = shim_read;
  m.xWrite = shim_write;
  m.xTruncate = shim_truncate;
  m.xSync = shim_sync;
  m.xFileSize = shim_file_size;
  m.xLock = shim_lock;
  m.xUnlock = shim_unlock;
  m.xCheckReservedLock = shim_check_reserved;
  m.xFileControl = shim_file_control;
  m.xSectorSize = shim_sector_size;
  m.xDeviceCharacteristics = shim_device;
  if (version >= 2) {
    m.xShmMap = shim_shm_map;
    m.xShmLock = shim_shm_lock;
    m.xShmBarrier = shim_shm_barrier;
    m.xShmUnmap = shim_shm_unmap;
  }
  if (version >= 3) {
    m.xFetch = shim_fetch;
    m.xUnfetch = shim_unfetch;
  }
  return m;
}
const sqlite3_io_methods g_methods[3] = {make_methods(1), make_methods(2), make_methods(3)};

int shim_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags) {
  auto* shim = reinterpret_cast<ShimFile*>(f);
  shim->real = reinterpret_cast<sqlite3_file*>(shim + 1);
  std::memset(shim->real, 0, static_cast<size_t>(g_real->szOsFile));
  const int rc = g_real->xOpen(g_real, name, shim->real, flags, out_flags);
  const sqlite3_io_methods* real_methods = shim->real->pMethods;
  if (!real_methods) {
    f->pMethods = nullptr;
    return rc;
  }
  int v = real_methods->iVersion;
  v = v < 1 ? 1 : (v > 3 ? 3 : v);
  f->pMethods = &g_methods[v - 1];
  return rc;
}

}  // namespace

namespace kvfault {
void install_allocator();

void install() {
  install_allocator();
  sqlite3_initialize();
  g_real = sqlite3_vfs_find("unix");
  g_shim = *g_real;  // every VFS-level method forwards: same pAppData, same functions
  g_shim.pNext = nullptr;
  g_shim.zName = "faultsim";
  g_shim.szOsFile = static_cast<int>(sizeof(ShimFile)) + g_real->szOsFile;
  g_shim.xOpen = shim_open;
  sqlite3_vfs_register(&g_shim, 1);
}
}  // namespace kvfault
