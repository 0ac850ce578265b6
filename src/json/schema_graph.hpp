// Shape checks that keep a JSON Schema from recursing without end.
//
// valijson follows "$ref" and the in-place applicators (allOf, anyOf, oneOf,
// not, if/then/else, schema dependencies) recursively, on the same value. A
// cycle of them ({"$ref":"#"}, two definitions referring to each other,
// {"allOf":[{"$ref":"#"}]}) consumes no input, so parsing or validation would
// recurse until the stack overflows. Two passes reject such schemas:
//
//   check_ref_chains(doc)  on the schema JSON, before valijson parses it: a
//                          chain of "$ref"s that comes back to itself (valijson
//                          1.0's parser loops on those).
//   analyse(schema)        on the compiled schema: a cycle of in-place edges,
//                          and the longest chain of them (which bounds how deep
//                          validation recurses per level of the document); it
//                          also collects every regular expression.
//
// Both walk with explicit stacks, so a huge schema cannot overflow them either.
#pragma once

#include <cstddef>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace valijson {
class Schema;
}

namespace kv::schema {

// kv::Error(invalid_argument) naming the "$ref" when a chain of references
// returns to itself.
void check_ref_chains(const nlohmann::json& doc);

struct SchemaShape {
  std::size_t longest_in_place_chain = 0;  // edges on the longest in-place path
  std::vector<std::string> patterns;        // "pattern" and "patternProperties" keys
};

// kv::Error(invalid_argument) when in-place applicators form a cycle.
SchemaShape analyse(const valijson::Schema& schema);

}  // namespace kv::schema
