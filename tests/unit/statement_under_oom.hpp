// One statement of journaled index writes, run as kvindex runs it, under the
// allocation countdown of alloc_hooks.hpp: the journal's savepoint 0 first;
// the statement's n-th allocation fails (every later one too when
// `persistent`); on std::bad_alloc the journal rolls back to savepoint 0,
// which may itself be interrupted — the rest then stays pending
// (Journal::undo_pending) for the caller to settle. Shared by the OOM tests of
// the journal (test_ordered_index_oom.cpp) and of its appends
// (test_journal_appends.cpp).
#pragma once

#include <cstdint>
#include <new>

#include "alloc_hooks.hpp"
#include "index/ordered_index.hpp"

namespace kvtest {

struct StatementUnderOom {
  bool failed = false;   // the statement threw std::bad_alloc
  AllocFailures allocs;  // what the countdown saw (allocs.failed == 0: nothing was injected)
};

// statement(index, j) performs the writes.
template <class Statement>
StatementUnderOom run_statement_under_oom(kv::OrderedIndex& index, kv::Journal& j, std::int64_t n, bool persistent,
                                          Statement&& statement) {
  StatementUnderOom r;
  j.savepoint(0);  // the statement's savepoint
  AllocFailureScope armed(n, persistent);
  try {
    statement(index, j);
  } catch (const std::bad_alloc&) {
    r.failed = true;
    try {
      j.rollback_to(0, index);  // may be interrupted: the rest stays pending
    } catch (const std::bad_alloc&) {
    }
  }
  r.allocs = disarm_alloc_failure();
  return r;
}

}  // namespace kvtest
