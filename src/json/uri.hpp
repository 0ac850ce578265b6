// URI references (RFC 3986) as JSON Schema's "$id" and "$ref" use them.
//
// resolve_uri(base, ref) is RFC 3986 section 5.2: the target of reference ref
// against base URI base (strict parser: a scheme in ref is always used, dot
// segments removed). Strings are compared as written afterwards: no case or
// percent-encoding normalisation. An empty base is allowed (a document with no
// "$id"): a relative ref then stays relative ("#/a" -> "#/a").
#pragma once

#include <string>
#include <string_view>

namespace kv::json {

std::string resolve_uri(std::string_view base, std::string_view ref);

// The URI without its fragment ("http://x/y#/a" -> "http://x/y"), and the
// fragment alone ("/a"; empty when there is none).
std::string_view uri_without_fragment(std::string_view uri);
std::string_view uri_fragment(std::string_view uri);

}  // namespace kv::json
