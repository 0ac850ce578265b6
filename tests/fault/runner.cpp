// The sweep loop and its checks (runner.hpp has the plan).
#include "runner.hpp"

#include <sqlite3.h>
#include <stdlib.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "json/schema.hpp"
#include "kohakuvault.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

namespace fs = std::filesystem;

namespace kvfault {

namespace {

struct Exec {
  int rc = SQLITE_OK;  // extended code of the first failure
  std::string msg;
  std::vector<std::string> rows;  // "a|b|c" per row, every statement's rows in order
};

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
  return s;
}

// Runs every statement of `sql`, stopping at the first failure. The result
// bookkeeping runs under a Pause: only SQLite and kohakuvault see faults.
Exec exec(sqlite3* db, const std::string& sql) {
  Exec e;
  const char* tail = sql.c_str();
  while (*tail) {
    sqlite3_stmt* st = nullptr;
    const char* next = nullptr;
    int rc = sqlite3_prepare_v2(db, tail, -1, &st, &next);
    if (rc != SQLITE_OK) {
      Pause p;
      e.rc = sqlite3_extended_errcode(db);
      e.msg = sqlite3_errmsg(db);
      if (e.rc == SQLITE_OK) e.rc = rc;
      return e;
    }
    tail = next;
    if (!st) continue;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      Pause p;
      std::string row;
      for (int i = 0; i < sqlite3_column_count(st); ++i) {
        const unsigned char* t = sqlite3_column_text(st, i);
        if (i) row += '|';
        row += t ? reinterpret_cast<const char*>(t) : "NULL";
      }
      e.rows.push_back(std::move(row));
    }
    if (rc != SQLITE_DONE) {
      Pause p;
      e.rc = sqlite3_extended_errcode(db);
      e.msg = sqlite3_errmsg(db);
      if (e.rc == SQLITE_OK) e.rc = rc;
      sqlite3_finalize(st);
      return e;
    }
    sqlite3_finalize(st);
  }
  return e;
}

sqlite3* open_db(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return nullptr;
  }
  char* err = nullptr;
  sqlite3_kohakuvault_init(db, &err, nullptr);
  sqlite3_free(err);
  sqlite3_busy_timeout(db, 2000);
  return db;
}

std::string code_name(int rc) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s (%d)", sqlite3_errstr(rc), rc);
  return buf;
}

// Is rc the class of error that `kind` injects? IOERR must keep the extended
// code SQLite's VFS returned when the kohakuvault layer passes it on.
bool expected_class(Kind kind, int rc) {
  switch (kind) {
    case Kind::oom: return (rc & 0xff) == SQLITE_NOMEM;
    case Kind::io: return (rc & 0xff) == SQLITE_IOERR;
    case Kind::full: return rc == SQLITE_FULL;
  }
  return false;
}

void remove_db_files(const std::string& path) {
  for (const char* suffix : {"", "-journal", "-wal", "-shm"}) fs::remove(path + suffix);
}

class Sweeper {
 public:
  Sweeper(const Scenario& s, const Mode& m, const std::vector<KnownFailure>& known)
      : s_(s), m_(m), known_(known) {
    char tmpl[] = "/tmp/kvfault-XXXXXX";
    const char* base = getenv("TMPDIR");
    std::string pattern = std::string(base && *base ? base : "/tmp") + "/kvfault-XXXXXX";
    std::vector<char> buf(pattern.begin(), pattern.end());
    buf.push_back('\0');
    const char* made = mkdtemp(buf.data());
    dir_ = made ? made : mkdtemp(tmpl);
    template_ = dir_ + "/template.db";
    run_ = dir_ + "/run.db";
  }
  ~Sweeper() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  SweepResult run() {
    SweepResult r;
    if (!build_template(r)) return r;
    before_ = dump_fresh(template_, r, "template");
    // The fault-free run: reference rows, the state after, the call count.
    Outcome ref = run_once(0, r);
    if (!ref.all_ok) {
      r.violations.push_back(prefix(0) + "the transaction fails without faults: " + ref.first_error);
      return r;
    }
    ref_rows_ = ref.rows;
    ref_autocommit_ = ref.autocommit;
    after_ = ref.dump;
    have_ref_ = true;
    r.calls = ref.counters.calls;
#if defined(__SANITIZE_ADDRESS__)
    // Under ASan the every-point scenarios run bounded too: their OOM points include the known
    // shadow_name leak, which the fast unwinder cannot attribute (test_fault.cpp).
    const bool every_point = false;
#else
    const bool every_point = s_.every_point;
#endif
    const bool full = every_point || (getenv("KV_FAULT_FULL") && std::string(getenv("KV_FAULT_FULL")) == "1");
    if (full) {
      const int64_t limit = 4 * r.calls + 100;
      for (int64_t n = 1; n <= limit; ++n) {
        Outcome o = run_once(n, r);
        ++r.points;
        if (o.counters.injected == 0) break;
      }
    } else {
      for (int64_t n : bounded(r.calls)) {
        run_once(n, r);
        ++r.points;
      }
    }
#if defined(__SANITIZE_ADDRESS__)
    // A leak stays reported by every later check in this process: only the first sweep counts it.
    static bool leaked_before = false;
    if (!leaked_before && __lsan_do_recoverable_leak_check()) {
      leaked_before = true;
      ++r.leaks;
      r.violations.push_back(prefix(-1) + "LeakSanitizer found leaks (report above)");
    }
#endif
    return r;
  }

 private:
  struct Outcome {
    Counters counters;
    bool all_ok = true;
    std::string first_error;
    std::vector<std::vector<std::string>> rows;  // per step
    std::vector<bool> autocommit;                // per step: its connection's state after it
    std::string dump;
  };

  std::string prefix(int64_t n) const {
    std::string p = s_.name + " " + mode_name(m_);
    if (n >= 0) p += " N=" + std::to_string(n);
    return p + ": ";
  }

  void violation(SweepResult& r, int64_t n, const std::string& what) {
    for (const KnownFailure& k : known_) {
      if (!k.aborts && (k.scenario == "*" || k.scenario == s_.name) &&
          (k.kind == "*" || k.kind == kind_name(m_.kind)) && what.find(k.match) != std::string::npos) {
        if (r.known.size() < 5)
          r.known.push_back(prefix(n) + what + "  [known: " + k.note + "]");
        else
          r.known.push_back("");
        return;
      }
    }
    r.violations.push_back(prefix(n) + what);
  }

  std::string sql(const std::string& text) const { return replace_all(text, "@DIR@", dir_); }

  bool build_template(SweepResult& r) {
    remove_db_files(template_);
    sqlite3* db = open_db(template_);
    if (!db) {
      r.violations.push_back(prefix(-1) + "cannot open " + template_);
      return false;
    }
    Exec e = exec(db, m_.wal ? "PRAGMA journal_mode=WAL" : "PRAGMA journal_mode=DELETE");
    if (e.rc == SQLITE_OK) e = exec(db, sql(s_.setup));
    const int close_rc = sqlite3_close(db);
    if (e.rc != SQLITE_OK || close_rc != SQLITE_OK) {
      r.violations.push_back(prefix(-1) + "setup failed: " + e.msg + " / close " + code_name(close_rc));
      return false;
    }
    return true;
  }

  // The content model as text; "" with a violation when a query fails.
  std::string dump(sqlite3* db, SweepResult& r, int64_t n, const char* where) {
    std::string out;
    for (const std::string& q : s_.model) {
      Exec e = exec(db, sql(q));
      if (e.rc != SQLITE_OK) {
        violation(r, n, std::string(where) + ": model query fails: " + code_name(e.rc) + " " + e.msg);
        return "";
      }
      out += q + "\n";
      for (const std::string& row : e.rows) out += "  " + row + "\n";
    }
    return out;
  }

  std::string dump_fresh(const std::string& path, SweepResult& r, const char* where) {
    sqlite3* db = open_db(path);
    std::string d = dump(db, r, -1, where);
    sqlite3_close(db);
    return d;
  }

  // Each kvindex as this connection answers it against the same table as a
  // fresh connection rebuilds it from the shadow tables (_snap + _log, or
  // _data for format 1): the in-memory tree must equal what is stored.
  void check_kvindexes(sqlite3* db, SweepResult& r, int64_t n, const char* where) {
    if (s_.kvindexes.empty()) return;
    sqlite3* fresh = open_db(run_);
    for (const std::string& t : s_.kvindexes) {
      const std::string scan = "SELECT quote(key), quote(value) FROM \"" + t + "\" ORDER BY key";
      Exec a = exec(db, scan);
      Exec b = exec(fresh, scan);
      if (a.rc != SQLITE_OK || b.rc != SQLITE_OK)
        violation(r, n,
                  std::string(where) + ": kvindex " + t + " scan fails: " + code_name(a.rc) + " " + a.msg +
                      " / rebuilt " + code_name(b.rc) + " " + b.msg);
      else if (a.rows != b.rows)
        violation(r, n,
                  std::string(where) + ": kvindex " + t + " differs from its stored state (" +
                      std::to_string(a.rows.size()) + " vs " + std::to_string(b.rows.size()) + " rows)");
    }
    sqlite3_close(fresh);
  }

  void check_storage(sqlite3* db, SweepResult& r, int64_t n) {
    Exec ic = exec(db, "PRAGMA integrity_check");
    if (ic.rc != SQLITE_OK || ic.rows != std::vector<std::string>{"ok"})
      violation(r, n, "reopened: integrity_check: " + (ic.rows.empty() ? ic.msg : ic.rows[0]));
    Exec cols = exec(db, "SELECT name FROM kvcolumns ORDER BY name");
    if (cols.rc != SQLITE_OK) violation(r, n, "reopened: kvcolumns fails: " + cols.msg);
    for (const std::string& c : cols.rows) {
      Exec ck = exec(db, "SELECT kvcolumn_check(" + quote(c) + ")");
      if (ck.rc != SQLITE_OK || ck.rows != std::vector<std::string>{"ok"})
        violation(r, n, "reopened: kvcolumn_check(" + c + "): " + (ck.rows.empty() ? ck.msg : ck.rows[0]));
    }
    check_kvindexes(db, r, n, "reopened");
  }

  static std::string quote(const std::string& s) { return "'" + replace_all(s, "'", "''") + "'"; }

  // One run with call n failing (n = 0: no fault, the reference run).
  Outcome run_once(int64_t n, SweepResult& r) {
    Outcome o;
    remove_db_files(run_);
    fs::copy_file(template_, run_, fs::copy_options::overwrite_existing);
    std::vector<sqlite3*> conns;
    for (int i = 0; i < s_.connections; ++i) {
      sqlite3* db = open_db(run_);
      Exec w = exec(db, sql(s_.warm));
      if (w.rc != SQLITE_OK) violation(r, n, "warm-up fails without faults: " + w.msg);
      conns.push_back(db);
    }
    std::vector<std::string> steps;
    for (const Step& st : s_.txn) steps.push_back(sql(st.sql));

    if (getenv("KV_FAULT_TRACE"))
      std::fprintf(stderr, "[trace] %s N=%lld\n", prefix(n).c_str(), static_cast<long long>(n));
    // Process-wide caches start cold: each run compiles its JSON Schemas under the faults.
    kv::schema::clear_cache();
    arm(m_.kind, n, m_.persistent);
    size_t i = 0;
    int failed_rc = SQLITE_OK;
    std::string failed_msg;
    for (; i < steps.size(); ++i) {
      Exec e;
      try {
        e = exec(conns[static_cast<size_t>(s_.txn[i].conn)], steps[i]);
      } catch (const std::exception& ex) {
        // Only the extension's code can throw: an exception went through SQLite's frames.
        Pause p;
        violation(r, n,
                  "step " + std::to_string(i + 1) + " [" + steps[i].substr(0, 60) +
                      "]: a C++ exception crossed into SQLite: " + ex.what());
        failed_rc = SQLITE_INTERNAL;
        failed_msg = ex.what();
        break;
      }
      Pause p;
      if (e.rc != SQLITE_OK) {
        failed_rc = e.rc;
        failed_msg = e.msg;
        break;
      }
      o.rows.push_back(std::move(e.rows));
      o.autocommit.push_back(sqlite3_get_autocommit(conns[static_cast<size_t>(s_.txn[i].conn)]) != 0);
    }
    o.counters = disarm();

    if (failed_rc != SQLITE_OK) {
      o.all_ok = false;
      o.first_error = code_name(failed_rc) + " " + failed_msg;
      if (getenv("KV_FAULT_TRACE"))
        std::fprintf(stderr, "[trace]   step %zu failed: %s\n", i + 1, o.first_error.c_str());
      ++r.surfaced;
      const std::string at = "step " + std::to_string(i + 1) + " [" + steps[i].substr(0, 60) + "] ";
      if (o.counters.injected == 0 && n > 0)
        violation(r, n, at + "failed without an injected fault: " + o.first_error);
      else if (n > 0 && !expected_class(m_.kind, failed_rc))
        violation(r, n, at + "returned " + o.first_error + ", expected the injected " + kind_name(m_.kind));
      else if (n > 0 && m_.kind == Kind::io && !(o.counters.code_bits >> code_bit(failed_rc) & 1))
        violation(r, n, at + "extended code lost: returned " + o.first_error);
    } else if (o.counters.injected > 0) {
      ++r.absorbed;
    }
    if (have_ref_) {
      for (size_t k = 0; k < o.autocommit.size(); ++k)
        if (o.autocommit[k] && !ref_autocommit_[k]) {
          violation(r, n,
                    "step " + std::to_string(k + 1) + " [" + steps[k].substr(0, 60) +
                        "] returned OK but its transaction is gone (SQLite rolled it back: an error was "
                        "swallowed)");
          break;
        }
      for (size_t k = 0; k < o.rows.size(); ++k)
        if (o.rows[k] != ref_rows_[k])
          violation(r, n,
                    "step " + std::to_string(k + 1) +
                        " succeeded with rows differing from the fault-free run (" +
                        std::to_string(o.rows[k].size()) + " vs " + std::to_string(ref_rows_[k].size()) +
                        " rows): " + (o.rows[k].empty() ? "" : o.rows[k][0].substr(0, 80)));
    }

    // Faults off: the same connections keep working.
    for (sqlite3* db : conns) {
      if (!sqlite3_get_autocommit(db)) {
        Exec rb = exec(db, "ROLLBACK");
        if (rb.rc != SQLITE_OK)
          violation(r, n, "ROLLBACK after the fault fails: " + code_name(rb.rc) + " " + rb.msg);
      }
    }
    o.dump = dump(conns[0], r, n, "same connection");
    if (have_ref_ && !o.dump.empty()) {
      if (o.all_ok && o.dump != after_)
        violation(r, n, "every statement succeeded but the content is not the state after the transaction");
      else if (o.dump != before_ && o.dump != after_)
        violation(r, n, "content is neither the state before nor after the transaction (a mixture)");
    }
    check_kvindexes(conns[0], r, n, "same connection");
    for (sqlite3* db : conns) {
      const int rc = sqlite3_close(db);
      if (rc != SQLITE_OK) {
        std::string open_sql;
        for (sqlite3_stmt* st = sqlite3_next_stmt(db, nullptr); st; st = sqlite3_next_stmt(db, st))
          open_sql += std::string(" [") + (sqlite3_sql(st) ? sqlite3_sql(st) : "?") + "]";
        violation(r, n, "close fails (a statement or blob handle left open): " + code_name(rc) + open_sql);
        // Finalize what was left so the connection (and LeakSanitizer's count) is clean.
        while (sqlite3_stmt* st = sqlite3_next_stmt(db, nullptr)) sqlite3_finalize(st);
        sqlite3_close_v2(db);
      }
    }

    // Reopened from disk: recovery, then the storage checks and the model.
    sqlite3* db = open_db(run_);
    check_storage(db, r, n);
    std::string reopened = dump(db, r, n, "reopened");
    if (!reopened.empty() && !o.dump.empty() && reopened != o.dump)
      violation(r, n,
                "reopened content differs from what the connection saw (lost commit or undone rollback)");
    sqlite3_close(db);
    return o;
  }

  std::vector<int64_t> bounded(int64_t calls) const {
    std::vector<int64_t> out;
    const int64_t cap = bounded_points();
    if (calls <= cap) {
      for (int64_t n = 1; n <= calls; ++n) out.push_back(n);
      return out;
    }
    for (int64_t k = 0; k < cap; ++k) out.push_back(1 + k * (calls - 1) / (cap - 1));
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  }

  const Scenario& s_;
  Mode m_;
  const std::vector<KnownFailure>& known_;
  std::string dir_, template_, run_;
  std::string before_, after_;
  std::vector<std::vector<std::string>> ref_rows_;
  std::vector<bool> ref_autocommit_;
  bool have_ref_ = false;
};

}  // namespace

std::string mode_name(const Mode& m) {
  return std::string(kind_name(m.kind)) + "/" + (m.persistent ? "persistent" : "transient") +
         (m.kind == Kind::oom ? "" : (m.wal ? "/wal" : "/rollback"));
}

const KnownFailure* known_abort(const std::vector<KnownFailure>& known, const Scenario& s, Kind k) {
  for (const KnownFailure& f : known)
    if (f.aborts && (f.scenario == "*" || f.scenario == s.name) && (f.kind == "*" || f.kind == kind_name(k)))
      return &f;
  return nullptr;
}

int bounded_points() {
  if (const char* e = getenv("KV_FAULT_POINTS")) {
    const int n = atoi(e);
    if (n >= 2) return n;
  }
#if defined(__SANITIZE_ADDRESS__)
  return 10;
#else
  return 24;
#endif
}

SweepResult sweep(const Scenario& s, const Mode& m, const std::vector<KnownFailure>& known) {
  return Sweeper(s, m, known).run();
}

std::string report_line(const Scenario& s, const Mode& m, const SweepResult& r) {
  char buf[512];
  std::snprintf(
      buf, sizeof buf,
      "[fault] %-26s %-24s %6lld calls %5lld points %5lld surfaced %4lld absorbed | 0 crashes %lld leaks "
      "%zu violations %zu known",
      s.name.c_str(), mode_name(m).c_str(), static_cast<long long>(r.calls), static_cast<long long>(r.points),
      static_cast<long long>(r.surfaced), static_cast<long long>(r.absorbed), static_cast<long long>(r.leaks),
      r.violations.size(), r.known.size());
  return buf;
}

}  // namespace kvfault
