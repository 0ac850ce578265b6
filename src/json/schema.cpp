// JSON Schema (draft 7) validation with valijson over nlohmann_json documents.
//
// Compiled schemas are cached by schema text in a small LRU (kCacheSize
// entries) behind a mutex, since SQLite may call kv_pack(..., schema) and
// kv_validate from several connections on several threads; a compiled
// valijson::Schema is only read while validating, so it is shared.
//
// References: json/schema_refs.hpp rewrites every "$ref" into a pointer into
// the schema itself ("$id" scopes followed; the draft-07 meta-schema, built
// in, copied in when named) and refuses any other URI, and no fetch callback
// is given to valijson: nothing is ever fetched from the network or a file.
// Safety: valijson
// recurses over the schema and the document, so both are limited to
// kMaxValidationDepth levels of nesting; a schema that refers back to itself
// without consuming input is rejected when compiled (json/schema_graph.hpp),
// and a validation whose recursion could exceed kMaxValidationLevels
// (document depth x longest in-place chain) is refused before it starts.
// Regular expressions run on RE2 with a work budget (json/schema_regex.hpp).
// Every JSON tree is a json::Tree (json/tree.hpp): nlohmann::json's own
// destructor allocates, and out of memory there would end the process.
//
// Messages are "<path>: <description>", the path in JSONPath-like notation:
// "$" is the document, ".name" a member, "[3]" an array element.
#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <new>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/error.hpp"
#include "json/schema.hpp"
#include "json/schema_graph.hpp"
#include "json/schema_refs.hpp"
#include "json/schema_regex.hpp"
#include "json/tree.hpp"
#include "json/valijson.hpp"

namespace kv::schema {
namespace {

constexpr std::size_t kCacheSize = 64;
constexpr std::size_t kMaxValidationDepth = 1000;
// valijson recursion levels one validation may reach: (document depth + 2) x
// (longest in-place chain + 1). Measured: 2000 levels need under 2 MiB of
// stack (a chain of allOf costs ~1 KiB a level, array nesting ~0.5 KiB), and
// the 1000-level documents this always accepted ({"items":{"$ref":"#"}}) fit.
constexpr std::size_t kMaxValidationLevels = 2000;

// Deepest array/object nesting in JSON text (strings skipped); stops counting
// past limit. Malformed text is left to the parser.
std::size_t nesting_depth(std::string_view text, std::size_t limit) {
  std::size_t depth = 0, max_depth = 0;
  for (std::size_t k = 0; k < text.size(); ++k) {
    char c = text[k];
    if (c == '"') {
      for (++k; k < text.size() && text[k] != '"'; ++k)
        if (text[k] == '\\') ++k;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth && (max_depth = depth) > limit) break;
    } else if ((c == ']' || c == '}') && depth) {
      --depth;
    }
  }
  return max_depth;
}

// JSON text as a Tree (json/tree.hpp: freed without allocating, also when
// an allocation fails half-way through the parse).
json::Tree parse_json(std::string_view text, const char* what, std::size_t* depth = nullptr) {
  std::size_t nesting = nesting_depth(text, kMaxValidationDepth);
  if (depth) *depth = nesting;
  if (nesting > kMaxValidationDepth)
    fail(Errc::too_big, std::string(what) + " nests deeper than " + std::to_string(kMaxValidationDepth) +
                            " levels; cannot validate it");
  return json::parse_tree(text, what);
}

// A compiled schema with what validating against it needs.
struct Compiled {
  valijson::Schema schema{valijson_alloc, valijson_free};  // allocation failures throw (valijson.hpp)
  RegexTable regexes;                    // every pattern, compiled by RE2
  std::size_t longest_in_place_chain = 0;  // see schema_graph.hpp
};
using SchemaPtr = std::shared_ptr<const Compiled>;

SchemaPtr compile(std::string_view schema_text) {
  json::Tree doc = parse_json(schema_text, "JSON Schema");
  resolve_refs(doc.get());      // every "$ref" now a pointer into doc
  check_ref_chains(doc.get());  // valijson's parser would loop on a $ref cycle
  auto compiled = std::make_shared<Compiled>();
  try {
    valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
    valijson::adapters::NlohmannJsonAdapter adapter(doc.get());
    parser.populateSchema(adapter, compiled->schema);  // no fetch callback: nothing is fetched
  } catch (const std::bad_alloc&) {
    throw;  // out of memory stays out of memory
  } catch (const std::exception& e) {
    if (valijson_allocation_failure(e)) throw std::bad_alloc();
    fail(Errc::invalid_argument, std::string("invalid JSON Schema (draft 7): ") + e.what());
  }
  SchemaShape shape = analyse(compiled->schema);
  for (const std::string& pattern : shape.patterns) compiled->regexes.add(pattern);
  compiled->longest_in_place_chain = shape.longest_in_place_chain;
  return compiled;
}

class SchemaCache {
 public:
  SchemaPtr get(std::string_view schema_text) {
    std::string key(schema_text);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (auto it = index_.find(key); it != index_.end()) {
        lru_.splice(lru_.begin(), lru_, it->second);
        return it->second->second;
      }
    }
    SchemaPtr compiled = compile(schema_text);  // outside the lock: may be slow
    std::lock_guard<std::mutex> lock(mutex_);
    if (auto it = index_.find(key); it != index_.end()) return it->second->second;
    lru_.emplace_front(key, compiled);
    index_.emplace(std::move(key), lru_.begin());
    if (lru_.size() > kCacheSize) {
      index_.erase(lru_.back().first);
      lru_.pop_back();
    }
    return compiled;
  }

  void clear() noexcept {
    std::lock_guard<std::mutex> lock(mutex_);
    index_.clear();
    lru_.clear();
  }

 private:
  using Entry = std::pair<std::string, SchemaPtr>;
  std::mutex mutex_;
  std::list<Entry> lru_;
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
};

SchemaCache& cache() {
  static SchemaCache instance;
  return instance;
}

std::string json_path(const std::vector<std::string>& context) {
  std::string path = "$";
  for (const std::string& part : context) {
    if (part == "<root>") continue;
    std::string_view name = part;
    if (name.size() >= 2 && name.front() == '[' && name.back() == ']') name = name.substr(1, name.size() - 2);
    bool index = !name.empty() && name.find_first_not_of("0123456789") == std::string_view::npos;
    if (index) {
      path += '[';
      path += name;
      path += ']';
    } else {
      path += '.';
      path += name;
    }
  }
  return path;
}

}  // namespace

std::vector<std::string> violations(std::string_view schema_text, std::string_view json_text,
                                    std::size_t max_errors) {
  SchemaPtr compiled = cache().get(schema_text);
  std::size_t depth = 0;
  json::Tree doc = parse_json(json_text, "document", &depth);
  std::size_t levels = (depth + 2) * (compiled->longest_in_place_chain + 1);
  if (levels > kMaxValidationLevels)
    fail(Errc::too_big, "validating this " + std::to_string(depth) + "-level document against a JSON Schema with " +
                            std::to_string(compiled->longest_in_place_chain) +
                            " nested in-place subschemas would recurse " + std::to_string(levels) +
                            " levels deep (limit " + std::to_string(kMaxValidationLevels) + ")");
  valijson::Validator validator;
  valijson::ValidationResults results;
  bool valid = true;
  try {
    RegexScope regex_scope(compiled->regexes);
    valijson::adapters::NlohmannJsonAdapter adapter(doc.get());
    valid = validator.validate(compiled->schema, adapter, &results);
  } catch (const Error&) {
    throw;  // the regex work budget, an unsupported pattern
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& e) {
    fail(Errc::invalid_argument, std::string("invalid JSON Schema (draft 7): ") + e.what());
  }
  std::vector<std::string> out;
  valijson::ValidationResults::Error error;
  while (out.size() < max_errors && results.popError(error))
    out.push_back(json_path(error.context) + ": " + error.description);
  // valijson reports a failing boolean `false` schema without a message.
  if (!valid && out.empty() && max_errors > 0) out.push_back("$: the schema accepts no value (false)");
  return out;
}

void clear_cache() noexcept { cache().clear(); }

void require_valid(std::string_view schema_text, std::string_view json_text) {
  std::vector<std::string> errors = violations(schema_text, json_text, 1);
  if (!errors.empty()) fail(Errc::constraint, "value does not match schema: " + errors.front());
}

}  // namespace kv::schema
