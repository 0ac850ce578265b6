// Cycle and depth analysis of JSON Schemas; see schema_graph.hpp.
#include "json/schema_graph.hpp"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "common/error.hpp"
#include "json/valijson.hpp"

namespace kv::schema {
namespace {

[[noreturn]] void cycle(const std::string& how) {
  fail(Errc::invalid_argument, "invalid JSON Schema (draft 7): " + how +
                                   " refers back to itself without consuming any input; validation would never end");
}

// ---- pass 1: "$ref" chains in the schema JSON --------------------------------

// JSON Pointer unescaping of one reference token: %XX, then ~1 -> '/', ~0 -> '~'.
std::string pointer_token(std::string_view raw) {
  std::string pct;
  for (std::size_t k = 0; k < raw.size(); ++k) {
    auto hex = [](char c) { return c >= '0' && c <= '9' ? c - '0' : (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (c | 0x20) - 'a' + 10 : -1; };
    if (raw[k] == '%' && k + 2 < raw.size() && hex(raw[k + 1]) >= 0 && hex(raw[k + 2]) >= 0) {
      pct += static_cast<char>(hex(raw[k + 1]) * 16 + hex(raw[k + 2]));
      k += 2;
    } else {
      pct += raw[k];
    }
  }
  std::string out;
  for (std::size_t k = 0; k < pct.size(); ++k) {
    if (pct[k] == '~' && k + 1 < pct.size() && (pct[k + 1] == '0' || pct[k + 1] == '1')) {
      out += pct[++k] == '1' ? '/' : '~';
    } else {
      out += pct[k];
    }
  }
  return out;
}

// The node a "$ref" names, resolved the way valijson resolves references in
// the same document: the JSON Pointer after '#' (trailing '/' trimmed), from
// the root (json/schema_refs.hpp has made every "$ref" such a pointer).
// nullptr when it names nothing (valijson then reports the bad reference).
const nlohmann::json* resolve(const nlohmann::json& root, const std::string& ref) {
  std::size_t hash = ref.find('#');
  std::string_view pointer = hash == std::string::npos ? std::string_view() : std::string_view(ref).substr(hash + 1);
  while (!pointer.empty() && pointer.back() == '/') pointer.remove_suffix(1);
  if (!pointer.empty() && pointer.front() != '/') return nullptr;  // "#name" anchors
  const nlohmann::json* node = &root;
  while (!pointer.empty()) {
    pointer.remove_prefix(1);
    std::size_t end = std::min(pointer.find('/'), pointer.size());
    std::string token = pointer_token(pointer.substr(0, end));
    pointer.remove_prefix(end);
    if (node->is_object()) {
      auto it = node->find(token);
      if (it == node->end()) return nullptr;
      node = &*it;
    } else if (node->is_array()) {
      if (token.empty() || token.find_first_not_of("0123456789") != std::string::npos || token.size() > 9)
        return nullptr;
      std::size_t index = std::stoul(token);
      if (index >= node->size()) return nullptr;
      node = &(*node)[index];
    } else {
      return nullptr;
    }
  }
  return node;
}

const std::string* ref_of(const nlohmann::json& node) {
  if (!node.is_object()) return nullptr;
  auto it = node.find("$ref");
  return it != node.end() && it->is_string() ? it->get_ptr<const std::string*>() : nullptr;
}

// Pushes the subschemas of a draft-7 schema object.
void push_subschemas(const nlohmann::json& node, std::vector<const nlohmann::json*>& todo) {
  static constexpr const char* kOne[] = {"additionalItems", "additionalProperties", "contains", "propertyNames",
                                         "not", "if", "then", "else", "items"};
  static constexpr const char* kList[] = {"allOf", "anyOf", "oneOf", "items"};
  static constexpr const char* kMap[] = {"properties", "patternProperties", "definitions", "dependencies"};
  for (const char* key : kOne)
    if (auto it = node.find(key); it != node.end() && it->is_object()) todo.push_back(&*it);
  for (const char* key : kList)
    if (auto it = node.find(key); it != node.end() && it->is_array())
      for (const auto& sub : *it) todo.push_back(&sub);
  for (const char* key : kMap)
    if (auto it = node.find(key); it != node.end() && it->is_object())
      for (const auto& sub : *it) todo.push_back(&sub);
}

// ---- pass 2: in-place edges of the compiled schema -----------------------------

// Collects the edges of one subschema: in-place (same value) and consuming
// (a member, element or key of the value), and the regular expressions.
class EdgeCollector : public valijson::constraints::ConstraintVisitor {
 public:
  std::vector<const valijson::Subschema*> in_place, consuming;
  std::vector<std::string>* patterns = nullptr;

  bool visit(const valijson::constraints::AllOfConstraint& c) override { return subschemas(c, in_place); }
  bool visit(const valijson::constraints::AnyOfConstraint& c) override { return subschemas(c, in_place); }
  bool visit(const valijson::constraints::OneOfConstraint& c) override { return subschemas(c, in_place); }
  bool visit(const valijson::constraints::NotConstraint& c) override { return add(in_place, c.getSubschema()); }
  bool visit(const valijson::constraints::ConditionalConstraint& c) override {
    add(in_place, c.getIfSubschema());
    add(in_place, c.getThenSubschema());
    return add(in_place, c.getElseSubschema());
  }
  bool visit(const valijson::constraints::DependenciesConstraint& c) override {
    c.applyToSchemaDependencies([&](const auto&, const valijson::Subschema* s) { return add(in_place, s); });
    return true;
  }
  bool visit(const valijson::constraints::TypeConstraint& c) override {
    c.applyToSchemaTypes([&](unsigned, const valijson::Subschema* s) { return add(in_place, s); });
    return true;
  }
  bool visit(const valijson::constraints::ContainsConstraint& c) override { return add(consuming, c.getSubschema()); }
  bool visit(const valijson::constraints::LinearItemsConstraint& c) override {
    c.applyToItemSubschemas([&](unsigned, const valijson::Subschema* s) { return add(consuming, s); });
    return add(consuming, c.getAdditionalItemsSubschema());
  }
  bool visit(const valijson::constraints::SingularItemsConstraint& c) override { return add(consuming, c.getItemsSubschema()); }
  bool visit(const valijson::constraints::PropertiesConstraint& c) override {
    c.applyToProperties([&](const auto&, const valijson::Subschema* s) { return add(consuming, s); });
    c.applyToPatternProperties([&](const auto& pattern, const valijson::Subschema* s) {
      patterns->emplace_back(pattern.c_str());
      return add(consuming, s);
    });
    return add(consuming, c.getAdditionalPropertiesSubschema());
  }
  bool visit(const valijson::constraints::PropertyNamesConstraint& c) override { return add(consuming, c.getSubschema()); }
  bool visit(const valijson::constraints::PatternConstraint& c) override {
    patterns->push_back(c.getPattern<std::string::allocator_type>());
    return true;
  }
  bool visit(const valijson::constraints::ConstConstraint&) override { return true; }
  bool visit(const valijson::constraints::EnumConstraint&) override { return true; }
  bool visit(const valijson::constraints::FormatConstraint&) override { return true; }
  bool visit(const valijson::constraints::MaximumConstraint&) override { return true; }
  bool visit(const valijson::constraints::MaxItemsConstraint&) override { return true; }
  bool visit(const valijson::constraints::MaxLengthConstraint&) override { return true; }
  bool visit(const valijson::constraints::MaxPropertiesConstraint&) override { return true; }
  bool visit(const valijson::constraints::MinimumConstraint&) override { return true; }
  bool visit(const valijson::constraints::MinItemsConstraint&) override { return true; }
  bool visit(const valijson::constraints::MinLengthConstraint&) override { return true; }
  bool visit(const valijson::constraints::MinPropertiesConstraint&) override { return true; }
  bool visit(const valijson::constraints::MultipleOfDoubleConstraint&) override { return true; }
  bool visit(const valijson::constraints::MultipleOfIntConstraint&) override { return true; }
  bool visit(const valijson::constraints::PolyConstraint&) override { return true; }
  bool visit(const valijson::constraints::RequiredConstraint&) override { return true; }
  bool visit(const valijson::constraints::UniqueItemsConstraint&) override { return true; }

 private:
  static bool add(std::vector<const valijson::Subschema*>& to, const valijson::Subschema* s) {
    if (s) to.push_back(s);
    return true;
  }
  template <class Constraint>
  static bool subschemas(const Constraint& c, std::vector<const valijson::Subschema*>& to) {
    c.applyToSubschemas([&](unsigned, const valijson::Subschema* s) { return add(to, s); });
    return true;
  }
};

struct Node {
  std::vector<const valijson::Subschema*> in_place, consuming;
};

}  // namespace

void check_ref_chains(const nlohmann::json& doc) {
  std::vector<const nlohmann::json*> todo{&doc};
  std::unordered_set<const nlohmann::json*> seen{&doc};
  std::unordered_set<const nlohmann::json*> chain_done;  // ref nodes whose chain ends
  while (!todo.empty()) {
    const nlohmann::json* node = todo.back();
    todo.pop_back();
    if (!node->is_object()) continue;
    std::vector<const nlohmann::json*> found;
    if (ref_of(*node)) {
      std::vector<const nlohmann::json*> chain;
      std::unordered_set<const nlohmann::json*> on_chain;
      const nlohmann::json* at = node;
      while (const std::string* ref = ref_of(*at)) {
        if (chain_done.count(at)) break;
        if (!on_chain.insert(at).second) cycle("\"$ref\": \"" + *ref + "\"");
        chain.push_back(at);
        at = resolve(doc, *ref);
        if (!at) break;
      }
      chain_done.insert(chain.begin(), chain.end());
      if (at) found.push_back(at);  // the schema the chain ends at
    } else {
      push_subschemas(*node, found);
    }
    for (const nlohmann::json* sub : found)
      if (seen.insert(sub).second) todo.push_back(sub);
  }
}

SchemaShape analyse(const valijson::Schema& schema) {
  SchemaShape shape;
  std::unordered_map<const valijson::Subschema*, Node> graph;
  std::vector<const valijson::Subschema*> todo{&schema};
  while (!todo.empty()) {
    const valijson::Subschema* s = todo.back();
    todo.pop_back();
    if (graph.count(s)) continue;
    EdgeCollector collector;
    collector.patterns = &shape.patterns;
    valijson::Subschema::ApplyFunction each = [&](const valijson::constraints::Constraint& c) { return c.accept(collector); };
    s->apply(each);
    for (const valijson::Subschema* t : collector.in_place) todo.push_back(t);
    for (const valijson::Subschema* t : collector.consuming) todo.push_back(t);
    graph[s] = Node{std::move(collector.in_place), std::move(collector.consuming)};
  }
  // Depth-first over in-place edges, iteratively: a grey node met again is a
  // cycle; finished (black) nodes know their longest in-place chain.
  enum Colour : unsigned char { white, grey, black };
  std::unordered_map<const valijson::Subschema*, Colour> colour;
  std::unordered_map<const valijson::Subschema*, std::size_t> longest;
  for (const auto& entry : graph) {
    if (colour[entry.first] != white) continue;
    std::vector<std::pair<const valijson::Subschema*, std::size_t>> stack{{entry.first, 0}};
    colour[entry.first] = grey;
    while (!stack.empty()) {
      auto& [s, next] = stack.back();
      const auto& edges = graph[s].in_place;
      if (next < edges.size()) {
        const valijson::Subschema* t = edges[next++];
        if (colour[t] == grey) cycle("an in-place subschema ($ref, allOf, anyOf, oneOf, not, if/then/else or dependencies)");
        if (colour[t] == white) {
          colour[t] = grey;
          stack.emplace_back(t, 0);
        }
        continue;
      }
      std::size_t best = 0;
      for (const valijson::Subschema* t : edges) best = std::max(best, longest[t] + 1);
      longest[s] = best;
      shape.longest_in_place_chain = std::max(shape.longest_in_place_chain, best);
      colour[s] = black;
      stack.pop_back();
    }
  }
  return shape;
}

}  // namespace kv::schema
