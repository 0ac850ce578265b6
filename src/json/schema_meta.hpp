// The JSON Schema draft-07 meta-schema, built in so that a schema can refer to
// it ({"$ref": "http://json-schema.org/draft-07/schema#"}, with or without the
// '#') to validate JSON Schemas, without anything being fetched.
//
// The document is the standard's own data: "Core schema meta-schema",
// $id http://json-schema.org/draft-07/schema#, as published by the JSON Schema
// project (json-schema.org; repository json-schema-org/json-schema-spec,
// schema.json at tag draft-handrews-json-schema-01, the final draft-07
// release), licensed BSD-3-Clause / AFL-3.0 by the JSON Schema Specification
// Authors. Only its whitespace differs.
#pragma once

#include <string_view>

namespace kv::schema {

// The meta-schema's URI without the (empty) fragment: "$ref"s whose URI part
// (before '#') equals it resolve to the built-in copy.
inline constexpr std::string_view kDraft07MetaSchemaUri = "http://json-schema.org/draft-07/schema";

// The meta-schema as JSON text.
std::string_view draft07_meta_schema();

}  // namespace kv::schema
