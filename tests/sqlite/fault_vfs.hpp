// Test helper: a VFS shim that forwards to the default VFS and, when armed,
// fails reads of the main database file at or past a byte offset with a
// chosen result code (e.g. SQLITE_IOERR_READ). Registered under the name
// "kv_fault" (never as the default) while a FaultVfs lives; open a
// connection through it with Db(path, FaultVfs::kName).
//
// Reads below the offset (the schema and the shadow tables' root pages of a
// small database) still work, so a test can make exactly the pages written
// later (e.g. a kvcolumn chunk's overflow pages) unreadable.
#pragma once

#include <sqlite3.h>

#include <cstdint>

namespace kvtest {

class FaultVfs {
 public:
  static constexpr const char* kName = "kv_fault";

  FaultVfs() {
    real_ = sqlite3_vfs_find(nullptr);
    vfs_ = *real_;  // every method but xOpen forwards as is
    vfs_.zName = kName;
    vfs_.szOsFile = static_cast<int>(sizeof(File)) + real_->szOsFile;
    vfs_.xOpen = open;
    vfs_.pNext = nullptr;
    vfs_.pAppData = this;
    sqlite3_vfs_register(&vfs_, 0);
  }
  ~FaultVfs() { sqlite3_vfs_unregister(&vfs_); }
  FaultVfs(const FaultVfs&) = delete;
  FaultVfs& operator=(const FaultVfs&) = delete;

  // Main-database reads at offsets >= from fail with code from now on.
  void fail_reads_from(sqlite3_int64 from, int code) {
    fail_from_ = from;
    fail_code_ = code;
  }
  void heal() { fail_code_ = SQLITE_OK; }
  int failed_reads() const { return failed_reads_; }

 private:
  struct File {
    sqlite3_file base;
    sqlite3_file* real;
    FaultVfs* vfs;
    bool main_db;
  };
  static File* file(sqlite3_file* f) { return reinterpret_cast<File*>(f); }
  static sqlite3_file* real(sqlite3_file* f) { return file(f)->real; }

  static int open(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags) {
    auto* self = static_cast<FaultVfs*>(vfs->pAppData);
    File* ff = file(f);
    ff->real = reinterpret_cast<sqlite3_file*>(ff + 1);
    ff->vfs = self;
    ff->main_db = (flags & SQLITE_OPEN_MAIN_DB) != 0;
    int rc = self->real_->xOpen(self->real_, name, ff->real, flags, out_flags);
    // SQLite calls xClose exactly when pMethods is set, so mirror the real file.
    ff->base.pMethods = ff->real->pMethods ? &kIo : nullptr;
    return rc;
  }
  static int close(sqlite3_file* f) { return real(f)->pMethods->xClose(real(f)); }
  static int read(sqlite3_file* f, void* p, int n, sqlite3_int64 off) {
    FaultVfs* self = file(f)->vfs;
    if (file(f)->main_db && self->fail_code_ != SQLITE_OK && off + n > self->fail_from_) {
      ++self->failed_reads_;
      return self->fail_code_;
    }
    return real(f)->pMethods->xRead(real(f), p, n, off);
  }
  static int write(sqlite3_file* f, const void* p, int n, sqlite3_int64 off) {
    return real(f)->pMethods->xWrite(real(f), p, n, off);
  }
  static int truncate(sqlite3_file* f, sqlite3_int64 size) { return real(f)->pMethods->xTruncate(real(f), size); }
  static int sync(sqlite3_file* f, int flags) { return real(f)->pMethods->xSync(real(f), flags); }
  static int file_size(sqlite3_file* f, sqlite3_int64* size) {
    return real(f)->pMethods->xFileSize(real(f), size);
  }
  static int lock(sqlite3_file* f, int level) { return real(f)->pMethods->xLock(real(f), level); }
  static int unlock(sqlite3_file* f, int level) { return real(f)->pMethods->xUnlock(real(f), level); }
  static int check_reserved(sqlite3_file* f, int* out) {
    return real(f)->pMethods->xCheckReservedLock(real(f), out);
  }
  static int file_control(sqlite3_file* f, int op, void* arg) {
    return real(f)->pMethods->xFileControl(real(f), op, arg);
  }
  static int sector_size(sqlite3_file* f) { return real(f)->pMethods->xSectorSize(real(f)); }
  static int device_characteristics(sqlite3_file* f) {
    return real(f)->pMethods->xDeviceCharacteristics(real(f));
  }
  static int shm_map(sqlite3_file* f, int page, int size, int extend, void volatile** out) {
    return real(f)->pMethods->xShmMap(real(f), page, size, extend, out);
  }
  static int shm_lock(sqlite3_file* f, int offset, int n, int flags) {
    return real(f)->pMethods->xShmLock(real(f), offset, n, flags);
  }
  static void shm_barrier(sqlite3_file* f) { real(f)->pMethods->xShmBarrier(real(f)); }
  static int shm_unmap(sqlite3_file* f, int del) { return real(f)->pMethods->xShmUnmap(real(f), del); }

  // Version 2: no xFetch/xUnfetch, so every page read goes through read().
  static constexpr sqlite3_io_methods kIo = {
      2,           close,     read,           write,        truncate,
      sync,        file_size, lock,           unlock,       check_reserved,
      file_control, sector_size, device_characteristics, shm_map, shm_lock,
      shm_barrier, shm_unmap, nullptr,        nullptr,
  };

  sqlite3_vfs* real_ = nullptr;
  sqlite3_vfs vfs_{};
  sqlite3_int64 fail_from_ = 0;
  int fail_code_ = SQLITE_OK;
  int failed_reads_ = 0;
};

}  // namespace kvtest
