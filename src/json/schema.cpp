// JSON Schema (draft 7) validation with valijson over nlohmann_json documents.
//
// Compiled schemas are cached by schema text in a small LRU (kCacheSize
// entries) behind a mutex, since SQLite may call kv_pack(..., schema) and
// kv_validate from several connections on several threads; a compiled
// valijson::Schema is only read while validating, so it is shared.
//
// Safety: no fetch callback is given to valijson, so a "$ref" to a remote URI
// is an error (invalid schema), never a network or file access. valijson
// recurses over the schema and the document, so both are limited to
// kMaxValidationDepth levels of nesting.
//
// Messages are "<path>: <description>", the path in JSONPath-like notation:
// "$" is the document, ".name" a member, "[3]" an array element.
#define VALIJSON_USE_EXCEPTIONS 1  // otherwise valijson aborts the process on errors

#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <unordered_map>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>
#include <vector>

#include "codec/structured.hpp"
#include "common/error.hpp"

namespace kv::schema {
namespace {

constexpr std::size_t kCacheSize = 64;
constexpr std::size_t kMaxValidationDepth = 1000;

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

nlohmann::json parse_json(std::string_view text, const char* what) {
  if (nesting_depth(text, kMaxValidationDepth) > kMaxValidationDepth)
    fail(Errc::too_big, std::string(what) + " nests deeper than " + std::to_string(kMaxValidationDepth) +
                            " levels; cannot validate it");
  try {
    return nlohmann::json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::exception& e) {
    std::string msg = e.what();
    if (auto at = msg.find("parse error"); at != std::string::npos) msg.erase(0, at);
    fail(Errc::invalid_argument, std::string(what) + " is not valid JSON: " + msg);
  }
}

using SchemaPtr = std::shared_ptr<const valijson::Schema>;

SchemaPtr compile(std::string_view schema_text) {
  nlohmann::json doc = parse_json(schema_text, "JSON Schema");
  auto compiled = std::make_shared<valijson::Schema>();
  try {
    valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
    valijson::adapters::NlohmannJsonAdapter adapter(doc);
    parser.populateSchema(adapter, *compiled);  // no fetch callback: remote $ref is an error
  } catch (const std::exception& e) {
    fail(Errc::invalid_argument, std::string("invalid JSON Schema (draft 7): ") + e.what());
  }
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
  nlohmann::json doc = parse_json(json_text, "document");
  valijson::Validator validator;
  valijson::ValidationResults results;
  bool valid = true;
  try {
    valijson::adapters::NlohmannJsonAdapter adapter(doc);
    valid = validator.validate(*compiled, adapter, &results);
  } catch (const std::exception& e) {  // e.g. a "pattern" std::regex rejects
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

void require_valid(std::string_view schema_text, std::string_view json_text) {
  std::vector<std::string> errors = violations(schema_text, json_text, 1);
  if (!errors.empty()) fail(Errc::constraint, "value does not match schema: " + errors.front());
}

}  // namespace kv::schema
