// The sweep: one scenario under one fault kind and mode, SQLite's faultsim
// loop. For each injection point N: a fresh copy of the scenario's database
// (built once by its setup, no faults), the connections opened and warmed
// without faults, the transaction under test run with call N failing
// (transient) or every call from N on (persistent), then the checks:
//   1. each statement succeeded with the fault-free run's rows, or failed with
//      the injected class (NOMEM / IOERR_* / FULL), never another code;
//   2. faults off, the same connection works: ROLLBACK if a transaction is
//      still open, then the content model reads back as the state before or
//      after the transaction (after, when every statement succeeded), and
//      every kvindex answers what its _data shadow table holds;
//   3. every connection closes (no statement or blob handle left open);
//   4. reopened from disk (hot-journal/WAL recovery): PRAGMA integrity_check
//      ok, kvcolumn_check ok for every column in kvcolumns, kvindex equal to
//      its _data, and the content model equal to what the first connection
//      saw: never a mixture, never a lost commit;
//   5. under ASan, no leak (LSan's recoverable check after each sweep).
// A violation on the known-failures list (scenarios.cpp) is counted and
// printed but does not fail the test; any other fails it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "inject.hpp"

namespace kvfault {

struct Step {
  int conn = 0;     // which connection runs it (scenarios with a second reader)
  std::string sql;  // one or more statements; "@DIR@" becomes the run's directory
};

struct Scenario {
  std::string name;
  std::string family;                  // kv_pack, kvcolumn, kvindex, kvault, set functions, ...
  std::string setup;                   // builds the database once, no faults
  std::vector<Step> txn;               // the transaction under test, faults armed
  std::vector<std::string> model;      // queries whose rows are the content model
  std::vector<std::string> kvindexes;  // kvindex tables compared with their _data
  std::string warm = "SELECT count(*) FROM sqlite_schema";  // per connection, before arming
  int connections = 1;
  bool every_point = false;  // small scenarios: every injection point even in the bounded sweep
};

// A violation known and reported, kept visible until its owner fixes it.
struct KnownFailure {
  std::string scenario;  // scenario name, or "*"
  std::string kind;      // "oom", "ioerr", "full" or "*"
  std::string match;     // a substring of the violation text
  std::string note;      // who owns it and what is wrong
  bool aborts = false;   // the fault kills the process: the sweep of this scenario and kind is skipped
};
// The entry that says sweeping scenario s under kind k would abort the process, or nullptr.
const KnownFailure* known_abort(const std::vector<KnownFailure>& known, const Scenario& s, Kind k);

struct Mode {
  Kind kind;
  bool persistent;
  bool wal;  // WAL instead of the rollback journal
};
std::string mode_name(const Mode& m);

struct SweepResult {
  int64_t calls = 0;                    // calls of the kind in the fault-free transaction
  int64_t points = 0;                   // injection points tried
  int64_t surfaced = 0;                 // runs where a statement returned the injected error
  int64_t absorbed = 0;                 // runs with an injected fault that still succeeded
  int64_t leaks = 0;                    // LSan leak reports (ASan builds)
  std::vector<std::string> violations;  // unexpected: the test fails
  std::vector<std::string> known;       // on the known-failures list
};

// Every N when KV_FAULT_FULL=1 (until a run injects nothing), else at most
// KV_FAULT_POINTS points (default bounded_points()) spread over the calls.
SweepResult sweep(const Scenario& s, const Mode& m, const std::vector<KnownFailure>& known);
int bounded_points();
// The compact report line for one sweep.
std::string report_line(const Scenario& s, const Mode& m, const SweepResult& r);

}  // namespace kvfault
