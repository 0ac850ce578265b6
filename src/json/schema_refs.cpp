// "$ref" resolution to local JSON Pointers; see schema_refs.hpp.
//
// Two passes over the schema document. The walk records, for every node it
// visits, its parent and its name there (so a node's JSON Pointer can be
// spelled when a reference needs it), the URI of every "$id" (resources) and
// plain-name fragment (anchors), and every "$ref" with its base URI. Then each
// reference is resolved against those; the built-in meta-schema is embedded
// (and walked) the first time a reference needs it.
#include "json/schema_refs.hpp"

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/error.hpp"
#include "json/schema_message.hpp"
#include "json/schema_meta.hpp"
#include "json/tree.hpp"
#include "json/uri.hpp"

namespace kv::schema {
namespace {

// Rewritten references may spell long pointers; their total is bounded.
constexpr std::size_t kMaxRewrittenRefBytes = std::size_t{16} << 20;

bool is_data_keyword(std::string_view key) {
  return key == "const" || key == "enum" || key == "default" || key == "examples";
}

bool is_map_keyword(std::string_view key) {
  return key == "properties" || key == "patternProperties" || key == "definitions" || key == "dependencies";
}

const std::string* string_member(const nlohmann::json& node, const char* key) {
  auto it = node.find(key);
  return it != node.end() && it->is_string() ? it->get_ptr<const std::string*>() : nullptr;
}

class RefResolver {
 public:
  explicit RefResolver(nlohmann::json& doc) : doc_(doc) {
    bases_.emplace_back();  // the root document's URI: empty unless it has an "$id"
    nodes_.push_back({});
    resources_.emplace("", 0);
    walk(doc, 0, 0);
  }

  void run() {
    for (std::size_t k = 0; k < refs_.size(); ++k) {  // refs_ grows when the meta-schema is embedded
      nlohmann::json& ref_node = (*refs_[k].object)["$ref"];
      std::string resolved = local_ref(ref_node.get_ref<const std::string&>(), refs_[k].base);
      if (resolved == ref_node.get_ref<const std::string&>()) continue;
      if ((rewritten_bytes_ += resolved.size()) > kMaxRewrittenRefBytes)
        fail(Errc::too_big, "invalid JSON Schema (draft 7): its \"$ref\"s resolve to JSON Pointers longer than " +
                                std::to_string(kMaxRewrittenRefBytes) + " bytes in total");
      ref_node = std::move(resolved);
    }
  }

 private:
  // A visited node: the index of its parent in nodes_ and its name there.
  struct NodeInfo {
    std::string_view key;  // member name (parent an object)
    std::size_t parent = 0;
    bool is_index = false;  // parent an array: index is the element number
    std::size_t index = 0;
  };
  struct Ref {
    nlohmann::json* object;  // the schema object holding the "$ref"
    std::size_t base;        // index into bases_
  };
  struct Pending {
    nlohmann::json* value;
    std::size_t node;  // index into nodes_
    std::size_t base;  // index into bases_
    bool is_map;       // a properties/definitions/... map: its values are schemas
  };

  void walk(nlohmann::json& start, std::size_t start_node, std::size_t start_base) {
    std::vector<Pending> todo{{&start, start_node, start_base, false}};
    while (!todo.empty()) {
      Pending at = todo.back();
      todo.pop_back();
      nlohmann::json& value = *at.value;
      std::size_t base = at.base;
      if (value.is_object() && !at.is_map) {
        if (string_member(value, "$ref")) {
          refs_.push_back({&value, base});  // draft 7: "$id" beside "$ref" is ignored
        } else if (const std::string* id = string_member(value, "$id")) {
          base = enter_id(*id, base, at.node);
        }
      }
      if (value.is_object()) {
        for (auto it = value.begin(); it != value.end(); ++it) {
          if (!at.is_map && is_data_keyword(it.key())) continue;
          if (!it->is_object() && !it->is_array()) continue;
          nodes_.push_back({it.key(), at.node, false, 0});
          todo.push_back({&*it, nodes_.size() - 1, base, !at.is_map && is_map_keyword(it.key())});
        }
      } else if (value.is_array()) {
        for (std::size_t k = 0; k < value.size(); ++k) {
          if (!value[k].is_object() && !value[k].is_array()) continue;
          nodes_.push_back({{}, at.node, true, k});
          todo.push_back({&value[k], nodes_.size() - 1, base, false});
        }
      }
    }
  }

  // Records the resource or anchor an "$id" names; returns the base URI index
  // for the subschema's contents. A URI two subschemas claim is ambiguous.
  std::size_t enter_id(const std::string& id, std::size_t base, std::size_t node) {
    std::string uri = json::resolve_uri(bases_[base], id);
    std::string_view document(json::uri_without_fragment(uri)), fragment(json::uri_fragment(uri));
    if (!fragment.empty() && !anchors_.emplace(uri, node).second) duplicate_id(id);
    if (document == bases_[base]) return base;  // "#name", or the enclosing resource's own URI again
    if (!resources_.emplace(std::string(document), node).second) duplicate_id(id);
    bases_.emplace_back(document);
    return bases_.size() - 1;
  }

  [[noreturn]] static void duplicate_id(const std::string& id) {
    fail(Errc::invalid_argument, "invalid JSON Schema (draft 7): \"$id\": " + quote_for_message(id) +
                                     " names a URI that another subschema of this schema already has");
  }

  // The "$ref" ref, found in a schema whose base URI is bases_[base], as a
  // pointer into doc_ ("#/definitions/x").
  std::string local_ref(const std::string& ref, std::size_t base) {
    std::string uri = json::resolve_uri(bases_[base], ref);
    std::string document(json::uri_without_fragment(uri));
    std::string_view fragment = json::uri_fragment(uri);
    auto resource = resources_.find(document);
    if (resource == resources_.end() && document == kDraft07MetaSchemaUri && !meta_schema_embedded_) {
      embed_meta_schema(ref);
      resource = resources_.find(document);
    }
    if (resource == resources_.end())
      fail(Errc::invalid_argument, "invalid JSON Schema (draft 7): \"$ref\": " + quote_for_message(ref) + " names " +
                                       quote_for_message(document) +
                                       ", which is neither this schema nor one of its \"$id\"s; references are "
                                       "never fetched (built in: the meta-schema " +
                                       std::string(kDraft07MetaSchemaUri) + ")");
    if (fragment.empty() || fragment.front() == '/') return "#" + pointer_to(resource->second, ref) + std::string(fragment);
    auto anchor = anchors_.find(uri);
    if (anchor == anchors_.end())
      fail(Errc::invalid_argument, "invalid JSON Schema (draft 7): \"$ref\": " + quote_for_message(ref) +
                                       " names the fragment " + quote_for_message("#" + std::string(fragment)) +
                                       ", which no \"$id\" in this schema defines");
    return "#" + pointer_to(anchor->second, ref);
  }

  void embed_meta_schema(const std::string& ref) {
    const std::string key(kEmbeddedMetaSchemaKey);
    if (!doc_.is_object())
      fail(Errc::invalid_argument, "invalid JSON Schema (draft 7): the schema is a JSON " +
                                       std::string(doc_.type_name()) + ", not an object or a boolean");
    if (doc_.contains(key))
      fail(Errc::invalid_argument, "invalid JSON Schema (draft 7): \"$ref\": " + quote_for_message(ref) +
                                       " needs the built-in meta-schema, which is kept under the member " +
                                       quote_for_message(kEmbeddedMetaSchemaKey) + " this schema already has");
    meta_schema_embedded_ = true;
    json::Tree meta = json::parse_tree(draft07_meta_schema(), "the built-in meta-schema");
    nlohmann::json& copy = doc_[key];  // inserted first: the parsed tree stays meta's until it is doc_'s
    copy = std::move(meta.get());
    auto member = doc_.find(key);
    nodes_.push_back({member.key(), 0, false, 0});
    walk(copy, nodes_.size() - 1, 0);  // its "$id" registers its URI
  }

  // JSON Pointer of nodes_[node] as a URI fragment: '~' -> ~0, '/' -> ~1,
  // '%' -> %25 (valijson and json/schema_graph both decode those).
  std::string pointer_to(std::size_t node, const std::string& ref) const {
    std::vector<std::string> tokens;
    for (std::size_t at = node; at != 0; at = nodes_[at].parent) {
      const NodeInfo& info = nodes_[at];
      if (info.is_index) {
        tokens.push_back(std::to_string(info.index));
        continue;
      }
      if (info.key.empty())
        fail(Errc::invalid_argument, "invalid JSON Schema (draft 7): \"$ref\": " + quote_for_message(ref) +
                                         " names a subschema under an empty member name, which a JSON Pointer "
                                         "cannot reach here");
      std::string token;
      for (char c : info.key) {
        if (c == '~') token += "~0";
        else if (c == '/') token += "~1";
        else if (c == '%') token += "%25";
        else token += c;
      }
      tokens.push_back(std::move(token));
    }
    std::string out;
    for (auto it = tokens.rbegin(); it != tokens.rend(); ++it) out += "/" + *it;
    return out;
  }

  nlohmann::json& doc_;
  std::vector<std::string> bases_;  // base URIs in scope, without fragments
  std::vector<NodeInfo> nodes_;     // nodes_[0] is the root
  std::vector<Ref> refs_;
  std::unordered_map<std::string, std::size_t> resources_;  // URI (no fragment) -> node
  std::unordered_map<std::string, std::size_t> anchors_;    // URI with plain-name fragment -> node
  bool meta_schema_embedded_ = false;
  std::size_t rewritten_bytes_ = 0;
};

}  // namespace

void resolve_refs(nlohmann::json& doc) {
  RefResolver resolver(doc);
  resolver.run();
}

}  // namespace kv::schema
