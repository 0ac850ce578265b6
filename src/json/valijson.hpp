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
// and one that keeps valijson's copies of schema values ("const", "enum")
// freeable out of memory (json/tree.hpp: nlohmann::json's destructor allocates):
//
//   BasicAdapter<NlohmannJson...>::freeze()
//       a kv::json::Tree copy (json/frozen_tree.cpp) instead of a bare nlohmann::json
//
// and one that makes valijson's allocations throw std::bad_alloc when memory
// runs out: its CustomAllocator allocates with the nothrow operator new and
// hands the NULL to std::set / std::vector / std::basic_string, which write
// through it (a segmentation fault out of memory). Every container in a
// valijson constraint takes its allocator from the constraint's
// CustomAllocator<void *>, whose default constructor is specialized below to
// allocate with the throwing operator new; compiled schemas are built as
// valijson::Schema(throwing_alloc, free) for the same reason (valijson reports
// its own NULL checks as a runtime_error, which would read as a bad schema).
// Subschemas always use the nothrow operator new (valijson 1.0 constructs
// them without the Schema's functions); their NULL checks throw a
// runtime_error "Failed to allocate memory ...", which
// valijson_allocation_failure() recognizes so callers rethrow std::bad_alloc.
//
// They are explicit specializations of members of valijson 1.0's class
// templates (Debian's libvalijson-dev), declared before anything instantiates
// the validator. The behaviour around the regex call (which errors are pushed,
// which properties count as matched) is valijson's.
#pragma once

#define VALIJSON_USE_EXCEPTIONS 1  // otherwise valijson aborts the process on errors

#include <cstddef>
#include <exception>
#include <new>
#include <string_view>
#include <valijson/internal/custom_allocator.hpp>

namespace kv::schema {
// operator new for valijson: throws std::bad_alloc instead of returning NULL.
inline void* valijson_alloc(std::size_t size) { return ::operator new(size); }
inline void valijson_free(void* p) { ::operator delete(p); }
// valijson's own report of a NULL from its allocator (schema.hpp, basic_constraint.hpp,
// concrete_constraints.hpp: "Failed to allocate memory for ...").
inline bool valijson_allocation_failure(const std::exception& e) {
  return std::string_view(e.what()).starts_with("Failed to allocate memory");
}
}  // namespace kv::schema

// Declared before any valijson header that constructs a constraint.
template <>
inline valijson::internal::CustomAllocator<void*>::CustomAllocator()
    : m_allocFn(kv::schema::valijson_alloc), m_freeFn(kv::schema::valijson_free) {}

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

namespace kv::schema {
// A FrozenValue holding a copy of value as a kv::json::Tree (frozen_tree.cpp).
valijson::adapters::FrozenValue* freeze_as_tree(const valijson::adapters::Adapter& value);
}  // namespace kv::schema

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

template <>
inline adapters::FrozenValue*
adapters::BasicAdapter<adapters::NlohmannJsonAdapter, adapters::NlohmannJsonArray, adapters::NlohmannJsonObjectMember,
                       adapters::NlohmannJsonObject, adapters::NlohmannJsonValue>::freeze() const {
  return kv::schema::freeze_as_tree(*this);
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
