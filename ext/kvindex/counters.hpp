// kvindex: process-wide counters of how tables were brought up to date, for
// tests and support questions (shown by kohakuvault_debug()).
#pragma once

#include <string>

namespace kvx::kvindex {

void count_full_load();  // an index was (re)built from its shadow tables
void count_catch_up();   // another connection's commits were replayed from a _log
// "kvindex_full_loads: N\nkvindex_catch_ups: N\n"
std::string counters_text();

}  // namespace kvx::kvindex
