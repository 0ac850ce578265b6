// See files.hpp for what each path kind does.
#include "kvault/files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

#include "common/error.hpp"

namespace kv::files {

namespace {

std::string errno_text(int e) { return std::strerror(e); }

#ifdef O_PATH
constexpr int kDirFlags = O_PATH | O_DIRECTORY | O_CLOEXEC;
#else
constexpr int kDirFlags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
#endif

// What a non-regular file is, for messages.
const char* kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISLNK(mode)) return "a symbolic link";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

// "<base>.kvault-XXXXXXXX" with 8 random characters; the base is cut so the
// name stays within NAME_MAX.
std::string temp_name(const std::string& base) {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::random_device rd;
  std::string name = base.substr(0, 200) + ".kvault-";
  for (int i = 0; i < 8; ++i) name += kAlphabet[rd() % (sizeof kAlphabet - 1)];
  return name;
}

}  // namespace

// ---- import ----------------------------------------------------------------------

ImportFile::ImportFile(const std::string& path) : path_(path) {
  if (path.find('\0') != std::string::npos)
    fail(Errc::cant_open, "cannot open '" + path.substr(0, path.find('\0')) +
                              "\\0...' for reading: the path contains a NUL byte");
  struct stat before;
  if (::stat(path.c_str(), &before) != 0)
    fail(Errc::cant_open, "cannot open '" + path + "' for reading: " + errno_text(errno));
  auto refuse_kind = [&](mode_t mode) {
    if (S_ISDIR(mode)) fail(Errc::cant_open, "cannot import '" + path + "': it is a directory");
    fail(Errc::cant_open, "cannot import '" + path + "': not a regular file (it is " + kind_of(mode) +
                              "; its size must be known before writing)");
  };
  if (!S_ISREG(before.st_mode)) refuse_kind(before.st_mode);
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd_ < 0) fail(Errc::cant_open, "cannot open '" + path + "' for reading: " + errno_text(errno));
  struct stat st;
  if (::fstat(fd_, &st) != 0) {
    const int e = errno;
    ::close(fd_);
    fd_ = -1;
    fail(Errc::cant_open, "cannot stat '" + path + "': " + errno_text(e));
  }
  if (!S_ISREG(st.st_mode) || st.st_dev != before.st_dev || st.st_ino != before.st_ino) {
    ::close(fd_);
    fd_ = -1;
    if (!S_ISREG(st.st_mode)) refuse_kind(st.st_mode);
    fail(Errc::cant_open, "cannot import '" + path + "': it was replaced while being opened");
  }
  size_ = st.st_size;
}

ImportFile::~ImportFile() {
  if (fd_ >= 0) ::close(fd_);
}

std::size_t ImportFile::read(char* buf, std::size_t n) {
  std::size_t got = 0;
  while (got < n) {
    const ssize_t r = ::read(fd_, buf + got, n - got);
    if (r == 0) break;
    if (r < 0) {
      if (errno == EINTR) continue;
      fail(Errc::io, "cannot read '" + path_ + "': " + errno_text(errno));
    }
    got += static_cast<std::size_t>(r);
  }
  return got;
}

// ---- export ----------------------------------------------------------------------

void ExportFile::refuse(const std::string& why) const {
  fail(Errc::cant_open, "cannot open '" + path_ + "' for writing: " + why);
}

ExportFile::ExportFile(const std::string& path) : path_(path) {
  try {
    open();
  } catch (...) {
    close_and_remove();  // the destructor does not run for a constructor that throws
    throw;
  }
}

void ExportFile::open() {
  const std::string& path = path_;
  if (path.empty()) refuse("the path is empty");
  if (path.find('\0') != std::string::npos) {
    path_ = path.substr(0, path.find('\0')) + "\\0...";  // the message stays text
    refuse("the path contains a NUL byte (the file system would see only the part before it)");
  }
  const std::size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  base_ = slash == std::string::npos ? path : path.substr(slash + 1);
  if (base_.empty() || base_ == "." || base_ == "..") refuse("it is a directory");

  dir_ = ::open(dir.c_str(), kDirFlags);
  if (dir_ < 0) {
    if (errno == ENOENT) refuse("its directory '" + dir + "' does not exist");
    refuse("cannot open its directory '" + dir + "': " + errno_text(errno));
  }
  struct stat st;
  if (::fstatat(dir_, base_.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
    if (S_ISLNK(st.st_mode))
      refuse("it is a symbolic link (kvault_export neither follows nor replaces links; give the target's path)");
    if (!S_ISREG(st.st_mode)) refuse(std::string("it is ") + kind_of(st.st_mode) + ", not a regular file");
    if (st.st_nlink > 1)
      refuse("it has " + std::to_string(st.st_nlink) +
             " hard links, which replacing it would split (export to a new path instead)");
    if (::faccessat(dir_, base_.c_str(), W_OK, AT_EACCESS) != 0)
      refuse("it is not writable: " + errno_text(errno));
    replacing_ = true;
    target_dev_ = st.st_dev;
    target_ino_ = st.st_ino;
  } else if (errno != ENOENT) {
    refuse(errno_text(errno));
  }

  for (int attempt = 0; fd_ < 0; ++attempt) {
    temp_ = temp_name(base_);
    // Replacing: 0600 until the old file's mode and owner are applied below.
    fd_ = ::openat(dir_, temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                   replacing_ ? 0600 : 0666);
    if (fd_ < 0 && (errno != EEXIST || attempt == 16)) {
      const int e = errno;
      temp_.clear();
      refuse("cannot create a temporary file in its directory: " + errno_text(e));
    }
  }
  if (replacing_) {
    struct stat mine;
    if (::fstat(fd_, &mine) != 0) refuse(errno_text(errno));
    if ((mine.st_uid != st.st_uid || mine.st_gid != st.st_gid) && ::fchown(fd_, st.st_uid, st.st_gid) != 0)
      refuse("cannot keep its owner and group (" + std::to_string(st.st_uid) + ":" + std::to_string(st.st_gid) +
             "): " + errno_text(errno));
    if (::fchmod(fd_, st.st_mode & 0777) != 0) refuse("cannot keep its mode: " + errno_text(errno));
  }
}

void ExportFile::close_and_remove() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!committed_ && !temp_.empty()) ::unlinkat(dir_, temp_.c_str(), 0);
  temp_.clear();
  if (dir_ >= 0) ::close(dir_);
  dir_ = -1;
}

ExportFile::~ExportFile() { close_and_remove(); }

void ExportFile::write(const char* data, std::size_t n) {
  std::size_t done = 0;
  while (done < n) {
    const ssize_t w = ::write(fd_, data + done, n - done);
    if (w < 0) {
      if (errno == EINTR) continue;
      fail(Errc::io, "cannot write '" + path_ + "': " + errno_text(errno));
    }
    done += static_cast<std::size_t>(w);
  }
}

void ExportFile::check_target_unchanged() const {
  struct stat st;
  if (::fstatat(dir_, base_.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT && !replacing_) return;
    refuse("it changed during the export (" + errno_text(errno) + "); left as it is");
  }
  if (!replacing_ || !S_ISREG(st.st_mode) || st.st_nlink != 1 || st.st_dev != target_dev_ ||
      st.st_ino != target_ino_)
    refuse("it changed during the export; left as it is");
}

void ExportFile::commit() {
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) fail(Errc::io, "cannot write '" + path_ + "': " + errno_text(errno));
  if (replacing_) {
    check_target_unchanged();
    if (::renameat(dir_, temp_.c_str(), dir_, base_.c_str()) != 0)
      fail(Errc::cant_open, "cannot write '" + path_ + "': " + errno_text(errno));
    committed_ = true;
    return;
  }
  // A new file: link(2) fails if anything appeared at the path meanwhile.
  if (::linkat(dir_, temp_.c_str(), dir_, base_.c_str(), 0) == 0) {
    committed_ = true;
    ::unlinkat(dir_, temp_.c_str(), 0);
    return;
  }
  if (errno == EEXIST) refuse("something was created at the path during the export; left as it is");
  if (errno != EPERM && errno != EXDEV && errno != EMLINK && errno != ENOSYS && errno != EOPNOTSUPP)
    fail(Errc::cant_open, "cannot write '" + path_ + "': " + errno_text(errno));
  check_target_unchanged();  // no hard links here: rename after a last look
  if (::renameat(dir_, temp_.c_str(), dir_, base_.c_str()) != 0)
    fail(Errc::cant_open, "cannot write '" + path_ + "': " + errno_text(errno));
  committed_ = true;
}

}  // namespace kv::files
