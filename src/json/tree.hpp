// An nlohmann::json tree that can always be freed, even out of memory.
//
// nlohmann::json's destructor allocates: json_value::destroy moves the
// children of a non-empty array or object into a std::vector it reserves, to
// free deep trees without recursion. When that allocation fails, std::bad_alloc
// leaves a noexcept destructor: std::terminate. That happens under real memory
// pressure, not only in the anomaly tests, whenever a tree dies: after use, when
// an exception unwinds past it, or inside nlohmann itself when a parse or a copy
// fails half-way (the partial tree is destroyed then).
//
// The rule here: every tree the JSON Schema code builds (the schema, the
// document, the built-in meta-schema, valijson's frozen "const"/"enum" values)
// is a Tree, built through a TreeBuilder (so a partial tree already belongs to
// its Tree when an allocation fails), and freed by dismantle(): bottom-up, each
// step removing a child that has no children of its own. Scalars and empty
// arrays/objects free without allocating, so nothing in dismantle() allocates;
// the way back up is a fixed array of kDismantlePath pointers on the stack,
// and below that depth the walk starts again from the deepest remembered node
// (the parser's nesting limit keeps real trees far above it).
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kv::json {

// Empties every array and object in value, leaves first, without allocating.
// value itself is left a scalar or an empty array/object.
void dismantle(nlohmann::json& value) noexcept;

// Owns one nlohmann::json and dismantles it before it is destroyed.
class Tree {
 public:
  Tree() = default;
  ~Tree() { dismantle(value_); }
  Tree(Tree&& other) noexcept : value_(std::move(other.value_)) { other.value_ = nullptr; }
  Tree& operator=(Tree&& other) noexcept {
    if (this != &other) {
      dismantle(value_);
      value_ = std::move(other.value_);
      other.value_ = nullptr;
    }
    return *this;
  }
  Tree(const Tree&) = delete;
  Tree& operator=(const Tree&) = delete;

  nlohmann::json& get() noexcept { return value_; }
  const nlohmann::json& get() const noexcept { return value_; }

 private:
  nlohmann::json value_;
};

// Builds a Tree event by event (a parse, a copy): each value is placed into
// the tree as soon as it starts, so whatever exists belongs to the Tree and
// an exception at any point leaves nothing but the Tree to free.
class TreeBuilder {
 public:
  explicit TreeBuilder(Tree& into) : tree_(into) {}
  void scalar(nlohmann::json value);  // null, boolean, number or string
  void start_array();
  void start_object();
  void key(std::string name);  // the next value's member name (the last of duplicates wins)
  void end();                  // closes the innermost array or object

 private:
  nlohmann::json& place(nlohmann::json value);
  Tree& tree_;
  std::vector<nlohmann::json*> open_;  // arrays/objects being filled, innermost last
  nlohmann::json* slot_ = nullptr;     // the member key() chose in the innermost object
};

// JSON text as a Tree (nlohmann's parser, strict, no comments). Malformed text
// is kv::Error(invalid_argument) "<what> is not valid JSON: parse error ...".
Tree parse_tree(std::string_view text, const std::string& what);

}  // namespace kv::json
