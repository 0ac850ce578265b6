// See tree.hpp.
#include "json/tree.hpp"

#include <iterator>

#include "common/error.hpp"

namespace kv::json {

namespace {

using Json = nlohmann::json;

// Pointers remembered on the way down; deeper levels are found again from the
// deepest remembered node (slower, still allocation-free).
constexpr std::size_t kDismantlePath = 256;

bool has_children(const Json& j) noexcept { return (j.is_array() || j.is_object()) && !j.empty(); }

// The last child of a container that has children.
Json& last_child(Json& j) noexcept {
  if (auto* array = j.get_ptr<Json::array_t*>()) return array->back();
  auto* object = j.get_ptr<Json::object_t*>();
  return std::prev(object->end())->second;
}

// Removes the last child of a container; that child has no children, so its
// destructor frees it without allocating.
void drop_last_child(Json& j) noexcept {
  if (auto* array = j.get_ptr<Json::array_t*>()) {
    array->pop_back();
    return;
  }
  auto* object = j.get_ptr<Json::object_t*>();
  object->erase(std::prev(object->end()));
}

// The SAX events of nlohmann's parser into a TreeBuilder.
class Sax {
 public:
  Sax(TreeBuilder& b, const std::string& what) : b_(b), what_(what) {}
  bool null() { return put(nullptr); }
  bool boolean(bool v) { return put(v); }
  bool number_integer(Json::number_integer_t v) { return put(v); }
  bool number_unsigned(Json::number_unsigned_t v) { return put(v); }
  bool number_float(Json::number_float_t v, const std::string&) { return put(v); }
  bool string(std::string& v) { return put(std::move(v)); }
  bool binary(Json::binary_t&) { fail(Errc::invalid_argument, what_ + " is not valid JSON: binary value"); }
  bool start_object(std::size_t) {
    b_.start_object();
    return true;
  }
  bool key(std::string& k) {
    b_.key(std::move(k));
    return true;
  }
  bool end_object() {
    b_.end();
    return true;
  }
  bool start_array(std::size_t) {
    b_.start_array();
    return true;
  }
  bool end_array() {
    b_.end();
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) {
    std::string msg = e.what();
    if (auto at = msg.find("parse error"); at != std::string::npos) msg.erase(0, at);
    fail(Errc::invalid_argument, what_ + " is not valid JSON: " + msg);
  }

 private:
  bool put(Json v) {
    b_.scalar(std::move(v));
    return true;
  }
  TreeBuilder& b_;
  const std::string& what_;
};

}  // namespace

void dismantle(Json& value) noexcept {
  Json* path[kDismantlePath];
  std::size_t depth = 0;
  path[depth++] = &value;
  while (depth > 0) {
    Json* parent = path[depth - 1];
    if (!has_children(*parent)) {
      --depth;
      continue;
    }
    Json* child = &last_child(*parent);
    if (has_children(*child)) {
      if (depth < kDismantlePath) {
        path[depth++] = child;
        continue;
      }
      while (has_children(*child)) {  // path full: walk down without remembering the way
        parent = child;
        child = &last_child(*parent);
      }
    }
    drop_last_child(*parent);
  }
}

Json& TreeBuilder::place(Json value) {
  if (open_.empty()) {
    tree_.get() = std::move(value);
    return tree_.get();
  }
  if (auto* array = open_.back()->get_ptr<Json::array_t*>()) {
    array->push_back(std::move(value));  // no room: throws before anything moves (value frees without allocating)
    return array->back();
  }
  *slot_ = std::move(value);
  return *slot_;
}

void TreeBuilder::scalar(Json value) { place(std::move(value)); }

void TreeBuilder::start_array() { open_.push_back(&place(Json::array())); }

void TreeBuilder::start_object() { open_.push_back(&place(Json::object())); }

void TreeBuilder::key(std::string name) {
  Json& slot = (*open_.back()->get_ptr<Json::object_t*>())[std::move(name)];
  dismantle(slot);  // a duplicate member: its old value goes, leaves first
  slot = nullptr;
  slot_ = &slot;
}

void TreeBuilder::end() { open_.pop_back(); }

Tree parse_tree(std::string_view text, const std::string& what) {
  Tree tree;
  TreeBuilder builder(tree);
  Sax sax(builder, what);
  Json::sax_parse(text.begin(), text.end(), &sax);
  return tree;
}

}  // namespace kv::json
