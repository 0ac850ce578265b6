// valijson's copies of schema values ("const", "enum": FrozenValue) as
// kv::json::Tree, so that freeing a compiled schema never allocates
// (json/tree.hpp). valijson.hpp routes BasicAdapter<NlohmannJson...>::freeze()
// here. The copy is made through valijson's Adapter interface, the same view
// valijson compares through, so equalTo() answers exactly as valijson's own
// NlohmannJsonFrozenValue would.
#include <string>
#include <utility>

#include "json/tree.hpp"
#include "json/valijson.hpp"

namespace kv::schema {

namespace {

// Copies value into the builder (recursion bounded by the schema's nesting
// limit, json/schema.cpp).
void copy(const valijson::adapters::Adapter& value, json::TreeBuilder& out) {
  if (value.isNull()) {
    out.scalar(nullptr);
  } else if (value.isBool()) {
    out.scalar(value.getBool());
  } else if (value.isInteger()) {
    out.scalar(value.getInteger());
  } else if (value.isDouble()) {
    out.scalar(value.getDouble());
  } else if (value.isString()) {
    out.scalar(value.getString());
  } else if (value.isArray()) {
    out.start_array();
    value.applyToArray([&](const valijson::adapters::Adapter& element) {
      copy(element, out);
      return true;
    });
    out.end();
  } else {
    out.start_object();
    value.applyToObject([&](const std::string& name, const valijson::adapters::Adapter& member) {
      out.key(name);
      copy(member, out);
      return true;
    });
    out.end();
  }
}

json::Tree tree_of(const valijson::adapters::Adapter& value) {
  json::Tree tree;
  json::TreeBuilder builder(tree);
  copy(value, builder);
  return tree;
}

class FrozenTree final : public valijson::adapters::FrozenValue {
 public:
  explicit FrozenTree(json::Tree tree) : tree_(std::move(tree)) {}
  FrozenValue* clone() const override {
    return new FrozenTree(tree_of(valijson::adapters::NlohmannJsonAdapter(tree_.get())));
  }
  bool equalTo(const valijson::adapters::Adapter& other, bool strict) const override {
    return valijson::adapters::NlohmannJsonAdapter(tree_.get()).equalTo(other, strict);
  }

 private:
  json::Tree tree_;
};

}  // namespace

valijson::adapters::FrozenValue* freeze_as_tree(const valijson::adapters::Adapter& value) {
  return new FrozenTree(tree_of(value));
}

}  // namespace kv::schema
