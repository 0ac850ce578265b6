// JSON Schema (draft 7) validation (json/schema.cpp), as used by kv_pack's
// schema check, kvcolumn's schema option and kv_schema_valid().
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace kv::schema {
// Validates JSON text against a JSON Schema (draft 7). Returns the violation
// messages, at most max_errors of them; empty when valid. Compiled schemas are
// cached by schema text. A schema or document that is not valid JSON is
// kv::Error(invalid_argument).
std::vector<std::string> violations(std::string_view schema_text, std::string_view json_text,
                                    std::size_t max_errors = 64);
// Throws kv::Error(constraint) quoting the first violation when invalid.
void require_valid(std::string_view schema_text, std::string_view json_text);
// Empties the compiled-schema cache (the anomaly tests start each run cold, so
// every run compiles its schemas again under the injected faults).
void clear_cache() noexcept;
}  // namespace kv::schema
