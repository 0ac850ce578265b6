// The one way this project includes valijson (the JSON Schema validator).
//
// Every translation unit that uses valijson includes this header, so all see
// the same configuration (exceptions instead of abort) and the same
// specializations below, which route valijson's regular expressions through
// RE2 (json/schema_regex.hpp) instead of std::regex:
//
//   ValidationVisitor<NlohmannJsonAdapter / StdStringAdapter>::visit(PatternConstraint)
//       "pattern" (StdStringAdapter: "pattern" applied by "propertyNames")
//   ValidationVisitor<NlohmannJsonAdapter / StdStringAdapter>::visit(FormatConstraint)
//       the "date", "time" and "date-time" formats (non-strings pass, per the spec)
//   ValidationVisitor<NlohmannJsonAdapter>::ValidatePatternPropertySubschemas::operator()
//       "patternProperties": which members a pattern selects
//
// They are explicit specializations of members of valijson 1.0's class
// templates (Debian's libvalijson-dev), declared before anything instantiates
// the validator. The behaviour around the regex call (which errors are pushed,
// which properties count as matched) is valijson's.
#pragma once

#define VALIJSON_USE_EXCEPTIONS 1  // otherwise valijson aborts the process on errors

#include <nlohmann/json.hpp>
#include <string>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/adapters/std_string_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validation_visitor.hpp>
#include <valijson/validator.hpp>
#include <vector>

#include "json/schema_regex.hpp"

namespace valijson {
namespace kv_regex {

template <class Adapter>
bool applies_to(const Adapter& target, bool strict_types) {
  return target.maybeString() && (!strict_types || target.isString());
}

template <class Adapter>
bool check_pattern(const Adapter& target, bool strict_types, const std::vector<std::string>& context,
                   ValidationResults* results, const constraints::PatternConstraint& constraint) {
  if (!applies_to(target, strict_types)) return true;
  if (kv::schema::pattern_search(constraint.getPattern<std::string::allocator_type>(), target.asString()))
    return true;
  if (results) results->pushError(context, "Failed to match regex specified by 'pattern' constraint.");
  return false;
}

template <class Adapter>
bool check_format(const Adapter& target, bool strict_types, const std::vector<std::string>& context,
                  ValidationResults* results, const constraints::FormatConstraint& constraint) {
  if (!applies_to(target, strict_types)) return true;
  std::string problem = kv::schema::format_violation(constraint.getFormat(), target.asString());
  if (problem.empty()) return true;
  if (results) results->pushError(context, problem);
  return false;
}

using PatternKey = constraints::PropertiesConstraint::String;

}  // namespace kv_regex

template <>
inline bool ValidationVisitor<adapters::NlohmannJsonAdapter>::visit(const constraints::PatternConstraint& c) {
  return kv_regex::check_pattern(m_target, m_strictTypes, m_context, m_results, c);
}

template <>
inline bool ValidationVisitor<adapters::StdStringAdapter>::visit(const constraints::PatternConstraint& c) {
  return kv_regex::check_pattern(m_target, m_strictTypes, m_context, m_results, c);
}

template <>
inline bool ValidationVisitor<adapters::NlohmannJsonAdapter>::visit(const constraints::FormatConstraint& c) {
  return kv_regex::check_format(m_target, m_strictTypes, m_context, m_results, c);
}

template <>
inline bool ValidationVisitor<adapters::StdStringAdapter>::visit(const constraints::FormatConstraint& c) {
  return kv_regex::check_format(m_target, m_strictTypes, m_context, m_results, c);
}

// Validates every member whose name the pattern selects against subschema.
template <>
template <>
inline bool ValidationVisitor<adapters::NlohmannJsonAdapter>::ValidatePatternPropertySubschemas::operator()(
    const kv_regex::PatternKey& pattern_key, const Subschema* subschema) const {
  const std::string pattern(pattern_key.c_str());
  bool selected_any = false;
  for (const auto member : m_object) {
    if (!kv::schema::pattern_search(pattern, member.first)) continue;
    selected_any = true;
    if (m_propertiesMatched) m_propertiesMatched->insert(member.first);
    std::vector<std::string> member_context = m_context;
    member_context.push_back("[" + member.first + "]");
    ValidationVisitor member_visitor(member.second, member_context, m_strictTypes, m_results, m_regexesCache);
    if (member_visitor.validateSchema(*subschema)) continue;
    if (m_results)
      m_results->pushError(m_context, "Failed to validate against schema associated with pattern '" + pattern + "'.");
    if (m_validated) *m_validated = false;
    if (!m_continueOnFailure) return false;
  }
  if (!selected_any && !m_continueIfUnmatched) return false;
  return m_continueOnSuccess;
}

}  // namespace valijson
