// "$ref" resolution for JSON Schema draft 7, done on the schema JSON before
// valijson parses it, so that valijson (which follows only pointers into the
// document it parses, and never fetches: it is given no fetch callback) sees
// nothing but local references.
//
// resolve_refs(doc) rewrites every "$ref" into "#<JSON Pointer>" naming a node
// of doc itself, following draft 7's rules:
//   - "$id" sets the base URI of a subschema and of everything inside it
//     (RFC 3986 resolution against the enclosing base, json/uri.hpp); an
//     "$id" that is a plain-name fragment ("#foo") names its subschema. In a
//     schema object with "$ref" every other member, "$id" included, is ignored.
//   - a "$ref" is resolved against its base URI; the result's URI part must be
//     the root document (no "$id" at the root: the empty URI) or one of the
//     "$id"s in doc, and its fragment a JSON Pointer from there or a plain name.
//   - http://json-schema.org/draft-07/schema (with or without '#') that no
//     "$id" in doc claims is the built-in meta-schema (json/schema_meta.hpp):
//     it is copied into doc's root object under kEmbeddedMetaSchemaKey, where
//     valijson ignores it unless referenced.
//   - anything else (another http URI, a file, a relative name no "$id"
//     matches) is an invalid schema, kv::Error(invalid_argument) naming the
//     "$ref": nothing is ever fetched.
// Which nodes are schemas: every object reached from the root except the
// values of const, enum, default and examples (data); under properties,
// patternProperties, definitions and dependencies the member values (the
// container itself is a map of names). The walk uses an explicit stack.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string_view>

namespace kv::schema {

inline constexpr std::string_view kEmbeddedMetaSchemaKey = "$kohakuvault:draft-07-meta-schema";

void resolve_refs(nlohmann::json& doc);

}  // namespace kv::schema
