// Regular expressions of JSON Schema ("pattern", "patternProperties" and the
// date/time "format"s), run by RE2 instead of std::regex.
//
// Why: std::regex backtracks recursively, so a long string overflows the stack
// (a crash of the host process) and nested quantifiers take exponential time.
// RE2 matches in time linear in the subject and in bounded memory.
//
// Dialect: JSON Schema patterns are ECMA-262. ecma_to_re2() rewrites the ECMA
// spellings RE2 lacks (\uXXXX, \u{...}, \cX, \0, (?<name>...), [^] and []) and
// rejects what RE2 cannot run (lookahead/lookbehind, backreferences) with a
// message naming the construct; RE2's own compile errors are passed on.
//
// Work cap: a validation runs inside a RegexScope, which charges every match
// (subject length x program size) to a budget of kRegexWorkBudget units and
// fails with Errc::too_big past it, so one validation's regex work is bounded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

namespace re2 {
class RE2;
}

namespace kv::schema {

constexpr std::uint64_t kRegexWorkBudget = std::uint64_t{1} << 28;

// The RE2 spelling of an ECMA-262 pattern; kv::Error(invalid_argument) for
// constructs RE2 cannot express.
std::string ecma_to_re2(std::string_view pattern);

// The compiled patterns of one schema, keyed by their ECMA text. Read-only
// (and shareable between threads) once built.
class RegexTable {
 public:
  RegexTable();
  ~RegexTable();
  RegexTable(RegexTable&&) noexcept;
  RegexTable& operator=(RegexTable&&) noexcept;

  // Compiles pattern (once); kv::Error(invalid_argument) naming it when RE2
  // rejects it.
  void add(const std::string& pattern);
  const re2::RE2* find(const std::string& pattern) const;

 private:
  std::unordered_map<std::string, std::unique_ptr<re2::RE2>> compiled_;
};

// Makes table the current one for this thread, with a fresh work budget, for
// the lifetime of the scope (one validation).
class RegexScope {
 public:
  explicit RegexScope(const RegexTable& table);
  ~RegexScope();
  RegexScope(const RegexScope&) = delete;
  RegexScope& operator=(const RegexScope&) = delete;

 private:
  const RegexTable* previous_table_;
  std::uint64_t previous_budget_;
};

// ECMA "pattern" semantics: true when pattern matches anywhere in subject.
// Uses the current scope's table (a pattern missing from it is compiled for
// this call) and charges its budget.
bool pattern_search(const std::string& pattern, std::string_view subject);

// The draft-7 "format" checks valijson knows (date, time, date-time); any other
// format is accepted. Returns the failure description, or "" when s matches.
std::string format_violation(std::string_view format, std::string_view s);

}  // namespace kv::schema
