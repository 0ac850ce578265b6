// The file-system side of kvault_import / kvault_export: which paths they
// accept and how they touch them (plain POSIX, no SQLite).
//
// Import (ImportFile): the path must name a regular file; symbolic links are
// followed (reading through one changes nothing). The type is checked with
// stat() before the file is opened, so a FIFO, device or socket is refused
// without being opened (opening one can block or have side effects), and
// checked again on the open descriptor (same device and inode), so a file
// swapped in between is refused too. Size is known before anything is read.
//
// Export (ExportFile): the value is written to a new temporary file in the
// target's directory ("<name>.kvault-XXXXXXXX"), which is renamed to the
// target only when everything was written, so a failed export never leaves a
// partial file. What is at the path decides:
//   nothing                 a new file, mode 0666 minus the umask (as any
//                           program creating a file); it is linked in with
//                           link(2), so a file or link created at the path in
//                           the meantime is not replaced (filesystems without
//                           hard links: rename(2) after a re-check)
//   a regular file with one link
//                           replaced; the new file gets the old one's
//                           permission bits (0777 part; set-id and sticky bits
//                           are dropped) and owner and group before any byte is
//                           written (created 0600 until then); when the owner
//                           or group cannot be kept (not permitted) the export
//                           fails and the file is untouched. Re-checked (same
//                           inode, one link) just before the rename
//   a symbolic link         refused: never followed, never replaced (only the
//                           last component: directories in the path may be
//                           links)
//   a regular file with more than one link (hard links)
//                           refused: replacing it would split the links
//   a directory, FIFO, character or block device, socket
//                           refused (/dev/null included)
//   a missing directory     refused
// A path containing a NUL byte is refused by both (the file system would see
// only the part before it).
// Refusals are Errc::cant_open naming the path and the reason; read/write
// failures Errc::io.
#pragma once

#include <cstdint>
#include <string>

namespace kv::files {

// A regular file opened for reading; closed on destruction.
class ImportFile {
 public:
  explicit ImportFile(const std::string& path);
  ~ImportFile();
  ImportFile(const ImportFile&) = delete;
  ImportFile& operator=(const ImportFile&) = delete;

  int fd() const { return fd_; }
  std::int64_t size() const { return size_; }  // at open time

  // Reads up to n bytes, retrying partial reads; fewer only at the end.
  std::size_t read(char* buf, std::size_t n);

 private:
  std::string path_;
  int fd_ = -1;
  std::int64_t size_ = 0;
};

// The temporary file of one export; commit() puts it at the path, the
// destructor removes it when commit() did not happen.
class ExportFile {
 public:
  explicit ExportFile(const std::string& path);
  ~ExportFile();
  ExportFile(const ExportFile&) = delete;
  ExportFile& operator=(const ExportFile&) = delete;

  void write(const char* data, std::size_t n);
  void commit();

 private:
  void open();
  void close_and_remove() noexcept;
  [[noreturn]] void refuse(const std::string& why) const;
  void check_target_unchanged() const;
  std::string path_, base_, temp_;
  int dir_ = -1, fd_ = -1;
  bool replacing_ = false, committed_ = false;
  std::uint64_t target_dev_ = 0, target_ino_ = 0;
};

}  // namespace kv::files
