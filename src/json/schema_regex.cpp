// RE2 behind JSON Schema's regular expressions; see schema_regex.hpp.
#include "json/schema_regex.hpp"

#include <re2/re2.h>

#include <cctype>
#include <cstdio>

#include "common/error.hpp"
#include "json/schema_message.hpp"

namespace kv::schema {
namespace {

thread_local const RegexTable* current_table = nullptr;
thread_local std::uint64_t current_budget = kRegexWorkBudget;

[[noreturn]] void unsupported(std::string_view pattern, const std::string& what) {
  fail(Errc::invalid_argument, "invalid JSON Schema (draft 7): pattern " + quote_for_message(pattern) + " uses " + what +
                                   ", which the RE2 regex dialect does not support");
}

bool is_hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

std::unique_ptr<re2::RE2> compile_re2(const std::string& pattern) {
  re2::RE2::Options options;
  options.set_log_errors(false);  // RE2 would print to stderr otherwise
  auto re = std::make_unique<re2::RE2>(ecma_to_re2(pattern), options);
  if (!re->ok())
    fail(Errc::invalid_argument, "invalid JSON Schema (draft 7): pattern " + quote_for_message(pattern) +
                                     " is not a regular expression RE2 accepts: " + re->error());
  return re;
}

// Charges one match of re over n bytes to this thread's budget.
void charge(const re2::RE2& re, std::size_t n) {
  std::uint64_t cost = static_cast<std::uint64_t>(n + 1) * static_cast<std::uint64_t>(re.ProgramSize() + 1);
  if (cost > current_budget)
    fail(Errc::too_big, "JSON Schema validation exceeds its regular-expression work budget of " +
                            std::to_string(kRegexWorkBudget) + " units (string length x pattern size)");
  current_budget -= cost;
}

bool full_match(const re2::RE2& re, std::string_view s) {
  charge(re, s.size());
  return re2::RE2::FullMatch(re2::StringPiece(s.data(), s.size()), re);
}

int two_digits(std::string_view s, std::size_t at) { return (s[at] - '0') * 10 + (s[at + 1] - '0'); }

// Days of the month; February may have 29 (the year is not checked for leapness).
bool valid_day(int month, int day) {
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return day <= kDays[month - 1];
}

}  // namespace

std::string ecma_to_re2(std::string_view p) {
  std::string out;
  out.reserve(p.size() + 8);
  bool in_class = false;
  for (std::size_t k = 0; k < p.size(); ++k) {
    char c = p[k];
    if (c == '\\' && k + 1 < p.size()) {
      char e = p[++k];
      if (e >= '1' && e <= '9') unsupported(p, "a backreference (\\" + std::string(1, e) + ")");
      if (e == 'k' && k + 1 < p.size() && p[k + 1] == '<') unsupported(p, "a named backreference (\\k<...>)");
      if (e == 'u' && k + 4 < p.size() && is_hex(p[k + 1]) && is_hex(p[k + 2]) && is_hex(p[k + 3]) &&
          is_hex(p[k + 4])) {  // \uXXXX -> \x{XXXX}
        out += "\\x{" + std::string(p.substr(k + 1, 4)) + "}";
        k += 4;
        continue;
      }
      if (e == 'u' && k + 1 < p.size() && p[k + 1] == '{') {  // \u{...} -> \x{...}
        out += "\\x";
        continue;
      }
      if (e == 'c' && k + 1 < p.size() && std::isalpha(static_cast<unsigned char>(p[k + 1]))) {
        char hex[8];
        std::snprintf(hex, sizeof hex, "\\x%02X", static_cast<unsigned>(p[++k]) % 32);
        out += hex;
        continue;
      }
      if (e == '0' && !(k + 1 < p.size() && std::isdigit(static_cast<unsigned char>(p[k + 1])))) {
        out += "\\x00";
        continue;
      }
      out += '\\';
      out += e;
      continue;
    }
    if (in_class) {
      if (c == ']') in_class = false;
      out += c;
      continue;
    }
    if (c == '[') {
      if (p.substr(k, 3) == "[^]") {  // ECMA: any character
        out += "(?s:.)";
        k += 2;
        continue;
      }
      if (p.substr(k, 2) == "[]") {  // ECMA: no character
        out += "[^\\x00-\\x{10FFFF}]";
        k += 1;
        continue;
      }
      in_class = true;
      out += c;
      if (k + 1 < p.size() && p[k + 1] == '^') out += p[++k];
      if (k + 1 < p.size() && p[k + 1] == ']') out += "\\]", ++k;  // a leading ']' is a literal in RE2 too
      continue;
    }
    if (c == '(' && p.substr(k, 2) == "(?") {
      std::string_view head = p.substr(k, 4);
      if (head.substr(0, 3) == "(?=" || head.substr(0, 3) == "(?!") unsupported(p, "a lookahead '" + std::string(head.substr(0, 3)) + "...)'");
      if (head == "(?<=" || head == "(?<!") unsupported(p, "a lookbehind '" + std::string(head) + "...)'");
      if (head.substr(0, 3) == "(?<") {  // named group: RE2 2022 spells it (?P<name>...)
        out += "(?P<";
        k += 2;
        continue;
      }
    }
    out += c;
  }
  return out;
}

RegexTable::RegexTable() = default;
RegexTable::~RegexTable() = default;
RegexTable::RegexTable(RegexTable&&) noexcept = default;
RegexTable& RegexTable::operator=(RegexTable&&) noexcept = default;

void RegexTable::add(const std::string& pattern) {
  if (compiled_.count(pattern)) return;
  compiled_.emplace(pattern, compile_re2(pattern));
}

const re2::RE2* RegexTable::find(const std::string& pattern) const {
  auto it = compiled_.find(pattern);
  return it == compiled_.end() ? nullptr : it->second.get();
}

RegexScope::RegexScope(const RegexTable& table) : previous_table_(current_table), previous_budget_(current_budget) {
  current_table = &table;
  current_budget = kRegexWorkBudget;
}

RegexScope::~RegexScope() {
  current_table = previous_table_;
  current_budget = previous_budget_;
}

bool pattern_search(const std::string& pattern, std::string_view subject) {
  const re2::RE2* re = current_table ? current_table->find(pattern) : nullptr;
  std::unique_ptr<re2::RE2> local;
  if (!re) re = (local = compile_re2(pattern)).get();
  charge(*re, subject.size());
  return re2::RE2::PartialMatch(re2::StringPiece(subject.data(), subject.size()), *re);
}

std::string format_violation(std::string_view format, std::string_view s) {
  static const re2::RE2 date(R"(([0-9]+)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01]))");
  static const re2::RE2 time(R"(([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9]))");
  auto date_ok = [&](std::string_view d) {
    if (!full_match(date, d)) return false;
    return valid_day(two_digits(d, d.size() - 5), two_digits(d, d.size() - 2));  // ...-MM-DD
  };
  if (format == "date") return date_ok(s) ? "" : "String should be a valid date";
  if (format == "time") return full_match(time, s) ? "" : "String should be a valid time";
  if (format == "date-time") {
    std::size_t t = s.find_first_of("Tt");
    bool ok = t != std::string_view::npos && date_ok(s.substr(0, t)) && full_match(time, s.substr(t + 1));
    return ok ? "" : "String should be a valid date-time";
  }
  return "";
}

}  // namespace kv::schema
