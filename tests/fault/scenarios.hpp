// The anomaly-test scenarios (scenarios.cpp) and the known-failures list.
#pragma once

#include <vector>

#include "runner.hpp"

namespace kvfault {

const std::vector<Scenario>& scenarios();
const std::vector<KnownFailure>& known_failures();

}  // namespace kvfault
