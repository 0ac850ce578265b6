// Test helper: a database file of its own for one test. The path is
// <tmp>/kv_<name>_<pid>_<n>.db (n counts the TempDbs of this process, so two
// with the same name never share a file); the file and its -journal, -wal and
// -shm companions are removed when the TempDb is made and when it goes away.
//
//   kvtest::TempDb file("two_connections");
//   kvtest::Db a(file.path), b(file.path);
#pragma once

#include <unistd.h>

#include <filesystem>
#include <string>

namespace kvtest {

struct TempDb {
  explicit TempDb(const std::string& name)
      : path((std::filesystem::temp_directory_path() /
              ("kv_" + name + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++) + ".db"))
                 .string()) {
    remove();
  }
  ~TempDb() { remove(); }
  TempDb(const TempDb&) = delete;
  TempDb& operator=(const TempDb&) = delete;

  void remove() const {
    for (const char* suffix : {"", "-journal", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  }

  const std::string path;

 private:
  static inline int counter_ = 0;
};

}  // namespace kvtest
