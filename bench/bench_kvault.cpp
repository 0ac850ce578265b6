// kvault vs plain SQLite, same run, same machine. Prints a ratio table:
// ratio = plain time / kvault time (> 1 means kvault is faster).
//
//   write  20k 16 KiB values in one transaction
//          kvault:  INSERT INTO media(key, value) VALUES (?, ?)
//          plain:   INSERT INTO kv(key, value) VALUES (?, ?)  on
//                   CREATE TABLE kv(key BLOB PRIMARY KEY, value BLOB NOT NULL)
//   read   20k random point reads of those values (SELECT value ... WHERE key = ?)
//   stream 256 MiB file in and out through the real sqlite3 shell:
//          kvault_import / kvault_export (chunked, bounded memory) vs the
//          shell's readfile() / writefile() (whole file in memory)
// Each workload runs a few times alternating the two sides (and which side
// goes first); the best time of each side counts. Databases and files live in a temporary directory.
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "kohakuvault.h"

namespace {

using kvbench::check;
using kvbench::exec;

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

constexpr int kRows = 20000;
constexpr int kValueBytes = 16 * 1024;
constexpr std::size_t kStreamBytes = 256u << 20;
constexpr int kRounds = 3;

sqlite3* open_db(const fs::path& path) {
  sqlite3* db = nullptr;
  check(sqlite3_open(path.c_str(), &db), db, "open");
  exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL");
  return db;
}

std::string key_of(int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "key:%08d", i);
  return buf;
}

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

double write_rows(const fs::path& path, bool kvault, const std::string& value) {
  fs::remove(path);
  fs::remove(path.string() + "-wal");
  fs::remove(path.string() + "-shm");
  sqlite3* db = open_db(path);
  exec(db, kvault ? "CREATE VIRTUAL TABLE media USING kvault"
                  : "CREATE TABLE kv(key BLOB PRIMARY KEY, value BLOB NOT NULL)");
  sqlite3_stmt* ins = nullptr;
  check(sqlite3_prepare_v2(db,
                           kvault ? "INSERT INTO media(key, value) VALUES (?1, ?2)"
                                  : "INSERT INTO kv(key, value) VALUES (?1, ?2)",
                           -1, &ins, nullptr),
        db, "prepare insert");
  const auto t0 = Clock::now();
  exec(db, "BEGIN");
  for (int i = 0; i < kRows; ++i) {
    const std::string k = key_of(i);
    sqlite3_bind_blob(ins, 1, k.data(), static_cast<int>(k.size()), SQLITE_STATIC);
    sqlite3_bind_blob(ins, 2, value.data(), static_cast<int>(value.size()), SQLITE_STATIC);
    check(sqlite3_step(ins), db, "insert");
    sqlite3_reset(ins);
  }
  exec(db, "COMMIT");
  const double t = seconds_since(t0);
  sqlite3_finalize(ins);
  sqlite3_close(db);
  return t;
}

double read_rows(const fs::path& path, bool kvault, const std::vector<int>& order) {
  sqlite3* db = open_db(path);
  sqlite3_stmt* sel = nullptr;
  check(sqlite3_prepare_v2(
            db, kvault ? "SELECT value FROM media WHERE key = ?1" : "SELECT value FROM kv WHERE key = ?1", -1,
            &sel, nullptr),
        db, "prepare select");
  std::size_t total = 0;
  const auto t0 = Clock::now();
  for (int i : order) {
    const std::string k = key_of(i);
    sqlite3_bind_blob(sel, 1, k.data(), static_cast<int>(k.size()), SQLITE_STATIC);
    if (sqlite3_step(sel) != SQLITE_ROW) throw std::runtime_error("missing key " + k);
    total += static_cast<std::size_t>(sqlite3_column_bytes(sel, 0));
    sqlite3_reset(sel);
  }
  const double t = seconds_since(t0);
  if (total != order.size() * kValueBytes) throw std::runtime_error("short reads");
  sqlite3_finalize(sel);
  sqlite3_close(db);
  return t;
}

// Runs SQL through the sqlite3 shell with the module loaded; returns seconds.
double shell(const std::string& module, const fs::path& db, const std::string& sql) {
  const fs::path script = db.parent_path() / "script.sql";
  if (FILE* f = std::fopen(script.c_str(), "w")) {
    std::fputs(sql.c_str(), f);
    std::fclose(f);
  }
  const std::string cmd = "sqlite3 -batch -cmd '.load " + module + "' '" + db.string() + "' < '" +
                          script.string() + "' > /dev/null";
  const auto t0 = Clock::now();
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("sqlite3 shell failed: " + cmd);
  return seconds_since(t0);
}

void make_stream_file(const fs::path& path) {
  std::vector<char> buf(1 << 20);
  std::mt19937_64 rng(42);
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) throw std::runtime_error("cannot create " + path.string());
  for (std::size_t done = 0; done < kStreamBytes; done += buf.size()) {
    for (std::size_t i = 0; i + 8 <= buf.size(); i += 8) {
      const auto v = rng();
      std::memcpy(buf.data() + i, &v, 8);
    }
    std::fwrite(buf.data(), 1, buf.size(), f);
  }
  std::fclose(f);
}

struct Row {
  const char* name;
  double ours, plain;
};

void print(const std::vector<Row>& rows) {
  std::printf("%-44s %12s %12s %8s\n", "workload", "kvault s", "plain s", "ratio");
  for (const Row& r : rows)
    std::printf("%-44s %12.4f %12.4f %7.2fx\n", r.name, r.ours, r.plain, r.plain / r.ours);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const fs::path dir = fs::temp_directory_path() / ("bench_kvault." + std::to_string(::getpid()));
    fs::create_directories(dir);
    sqlite3_auto_extension(reinterpret_cast<void (*)()>(sqlite3_kohakuvault_init));
    // The shell loads the module built next to this program (build/bench/.. -> build/kohakuvault).
    std::string module =
        fs::absolute(fs::path(argv[0]).parent_path() / ".." / "kohakuvault").lexically_normal();
    if (argc > 1) module = argv[1];

    const std::string value(kValueBytes, 'v');
    std::vector<int> order(kRows);
    for (int i = 0; i < kRows; ++i) order[i] = i;
    std::shuffle(order.begin(), order.end(), std::mt19937(7));

    std::vector<Row> rows;
    Row w{"write 20k x 16 KiB, one transaction", 1e9, 1e9};
    Row r{"read 20k random keys (16 KiB values)", 1e9, 1e9};
    for (int round = 0; round < kRounds; ++round) {
      for (int side = 0; side < 2; ++side) {
        const bool ours = (side == 0) == (round % 2 == 0);  // alternate who goes first
        double& t = ours ? w.ours : w.plain;
        t = std::min(t, write_rows(dir / (ours ? "kvault.db" : "plain.db"), ours, value));
      }
      for (int side = 0; side < 2; ++side) {
        const bool ours = (side == 0) == (round % 2 == 0);
        double& t = ours ? r.ours : r.plain;
        t = std::min(t, read_rows(dir / (ours ? "kvault.db" : "plain.db"), ours, order));
      }
    }
    rows.push_back(w);
    rows.push_back(r);

    const fs::path src = dir / "in.bin", out = dir / "out.bin";
    make_stream_file(src);
    Row in{"stream 256 MiB in (import vs readfile)", 1e9, 1e9};
    Row outr{"stream 256 MiB out (export vs writefile)", 1e9, 1e9};
    for (int round = 0; round < kRounds; ++round) {
      for (int side = 0; side < 2; ++side) {
        const bool ours = (side == 0) == (round % 2 == 0);  // alternate who goes first
        const fs::path db = dir / (ours ? "s_kvault.db" : "s_plain.db");
        fs::remove(db);
        shell(module, db,
              ours ? "CREATE VIRTUAL TABLE media USING kvault;"
                   : "CREATE TABLE kv(key BLOB PRIMARY KEY, value BLOB NOT NULL);");
        const double t_in =
            shell(module, db,
                  ours ? "SELECT kvault_import('media', 'big', '" + src.string() + "');"
                       : "INSERT INTO kv(key, value) VALUES ('big', readfile('" + src.string() + "'));");
        fs::remove(out);
        const double t_out =
            shell(module, db,
                  ours ? "SELECT kvault_export('media', 'big', '" + out.string() + "');"
                       : "SELECT writefile('" + out.string() + "', value) FROM kv WHERE key = 'big';");
        if (fs::file_size(out) != kStreamBytes) throw std::runtime_error("stream output has the wrong size");
        (ours ? in.ours : in.plain) = std::min(ours ? in.ours : in.plain, t_in);
        (ours ? outr.ours : outr.plain) = std::min(ours ? outr.ours : outr.plain, t_out);
      }
    }
    rows.push_back(in);
    rows.push_back(outr);
    print(rows);
    fs::remove_all(dir);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_kvault: %s\n", e.what());
    return 1;
  }
  return 0;
}
