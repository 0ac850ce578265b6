// kohakuvault_column over a file that the same connection writes while a scan
// is open (a copy of KohakuVault 0.6.0's columns.db in a temp dir): after an
// UPDATE of col_chunks every row the scan still returns matches the table as
// it is now, or the scan fails at once - it never serves bytes read before
// the write (it used to, for up to one read window: ~510 f64, then failed).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "kvdb.hpp"

namespace fs = std::filesystem;

namespace {

// f64_vals in columns.db: col_id 1, 5000 elements, 8184-byte chunks (1023 elements each).
constexpr int kPerChunk = 1023;
constexpr int kLength = 5000;

std::string raw_of(sqlite3_stmt* s) {
  const char* p = static_cast<const char*>(sqlite3_column_blob(s, 1));
  return std::string(p ? p : "", static_cast<std::size_t>(sqlite3_column_bytes(s, 1)));
}

// The bytes of one f64 -1.0, as raw returns them.
std::string minus_one() {
  double v = -1.0;
  return std::string(reinterpret_cast<const char*>(&v), 8);
}

class KvFilesWrites : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("kv_kvfiles_writes_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    path_ = (dir_ / "columns.db").string();
    fs::copy_file(fs::path(KV_TESTDATA_DIR) / "kohakuvault-0.6.0-files" / "columns.db", path_,
                  fs::copy_options::overwrite_existing);
    db_ = std::make_unique<kvtest::Db>(path_);
    sqlite3_stmt* s = prepare("SELECT idx, raw FROM kohakuvault_column('f64_vals') ORDER BY idx");
    while (sqlite3_step(s) == SQLITE_ROW) original_.push_back(raw_of(s));
    sqlite3_finalize(s);
    ASSERT_EQ(original_.size(), static_cast<std::size_t>(kLength));
  }
  void TearDown() override {
    db_.reset();
    fs::remove_all(dir_);
  }

  sqlite3_stmt* prepare(const std::string& sql) {
    sqlite3_stmt* s = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_->get(), sql.c_str(), -1, &s, nullptr), SQLITE_OK) << sqlite3_errmsg(db_->get());
    return s;
  }

  // Sets every element of chunk `chunk` of f64_vals to -1.0 (same size), on the scan's connection.
  void overwrite_chunk(int chunk) {
    const std::string size = db_->scalar("SELECT length(data) FROM col_chunks WHERE col_id = 1 AND chunk_idx = " +
                                         std::to_string(chunk));
    std::string bytes;
    for (int k = 0; k < std::stoi(size) / 8; ++k) bytes += minus_one();
    sqlite3_stmt* s = prepare("UPDATE col_chunks SET data = ?1 WHERE col_id = 1 AND chunk_idx = ?2");
    sqlite3_bind_blob(s, 1, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
    sqlite3_bind_int(s, 2, chunk);
    EXPECT_EQ(sqlite3_step(s), SQLITE_DONE) << sqlite3_errmsg(db_->get());
    sqlite3_finalize(s);
    EXPECT_EQ(sqlite3_changes(db_->get()), 1);
  }

  fs::path dir_;
  std::string path_;
  std::unique_ptr<kvtest::Db> db_;
  std::vector<std::string> original_;  // raw of every element before any write
};

TEST_F(KvFilesWrites, WriteToTheChunkBeingScannedFailsAtOnce) {
  for (const char* order : {"", " ORDER BY idx DESC"}) {
    SCOPED_TRACE(order);
    sqlite3_stmt* s = prepare(std::string("SELECT idx, raw FROM kohakuvault_column('f64_vals')") + order);
    const bool desc = *order != '\0';
    const int chunk = desc ? (kLength - 1) / kPerChunk : 0;
    for (int k = 0; k < 5; ++k) ASSERT_EQ(sqlite3_step(s), SQLITE_ROW);  // a window is filled
    overwrite_chunk(chunk);
    int rc = sqlite3_step(s);
    // Either the row as the chunk is now, or the error; never the old bytes.
    int stale = 0;
    while (rc == SQLITE_ROW) {
      const int idx = sqlite3_column_int(s, 0);
      if (idx / kPerChunk == chunk && raw_of(s) != minus_one()) ++stale;
      rc = sqlite3_step(s);
    }
    EXPECT_EQ(stale, 0);
    EXPECT_EQ(rc, SQLITE_BUSY);
    EXPECT_NE(std::string(sqlite3_errmsg(db_->get())).find("changed while it was read"), std::string::npos)
        << sqlite3_errmsg(db_->get());
    sqlite3_finalize(s);
  }
}

TEST_F(KvFilesWrites, WriteToAnotherChunkKeepsTheScanConsistent) {
  sqlite3_stmt* s = prepare("SELECT idx, raw FROM kohakuvault_column('f64_vals')");
  int seen = 0, rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    const int idx = sqlite3_column_int(s, 0);
    ASSERT_EQ(idx, seen);
    if (idx == 5) overwrite_chunk(2);           // ahead of the scan
    if (idx == kPerChunk + 5) overwrite_chunk(0);  // behind it
    const bool rewritten = idx / kPerChunk == 2;
    ASSERT_EQ(raw_of(s), rewritten ? minus_one() : original_[static_cast<std::size_t>(idx)]) << idx;
    ++seen;
  }
  EXPECT_EQ(rc, SQLITE_DONE) << sqlite3_errmsg(db_->get());
  EXPECT_EQ(seen, kLength);
  sqlite3_finalize(s);
}

}  // namespace
