// MessagePack / CBOR -> JSON text while decoding: the shared bookkeeping of
// both decoders (separators, map keys, nesting depth), with no recursion.
//
// The decoder calls before_item() before writing each item's JSON text,
// after_item() once the item is complete, open()/close() around arrays and
// maps. A map key that is not a string (an integer, an array, ...) is written
// as the JSON string of its JSON text: key 1 -> "1", key [1,2] -> "[1,2]".
// An array or map key inside another array or map key is an error: each such
// level would escape the same text once more, doubling it (exponential output
// from linear input).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "json/sax_writer.hpp"
#include "json/text.hpp"

namespace kv {

class JsonTreeOut {
 public:
  struct Frame {
    bool is_map;
    bool expect_key;          // map: the next item is a key
    bool indefinite;          // CBOR indefinite length: ends at a break
    std::uint64_t expected;   // definite: items (array) or pairs (map)
    std::uint64_t done = 0;   // items / pairs completed
    std::size_t key_pos = 0;  // where the current key's text starts
    bool is_key = false;      // this container is a map key
  };

  explicit JsonTreeOut(const char* format) : format_(format) {}

  std::string out;

  bool empty() const { return stack_.empty(); }
  Frame& top() { return stack_.back(); }

  void before_item() {
    if (stack_.empty()) return;
    Frame& f = stack_.back();
    if (f.is_map) {
      if (!f.expect_key) return;
      if (f.done) out.push_back(',');
      f.key_pos = out.size();
    } else if (f.done) {
      out.push_back(',');
    }
  }

  // is_json_string: the item's text is a JSON string (fine as a key as is).
  void after_item(bool is_json_string) {
    if (stack_.empty()) return;
    Frame& f = stack_.back();
    if (!f.is_map) {
      ++f.done;
      return;
    }
    if (f.expect_key) {
      if (!is_json_string) {
        std::string key = out.substr(f.key_pos);
        out.resize(f.key_pos);
        json::append_string(out, key);
      }
      out.push_back(':');
      f.expect_key = false;
    } else {
      f.expect_key = true;
      ++f.done;
    }
  }

  void open(bool is_map, bool indefinite, std::uint64_t expected) {
    if (stack_.size() >= kMaxNesting) too_deep();
    const bool is_key = !stack_.empty() && stack_.back().is_map && stack_.back().expect_key;
    if (is_key && key_containers_++ > 0) key_in_key();
    out.push_back(is_map ? '{' : '[');
    stack_.push_back({is_map, true, indefinite, expected});
    stack_.back().is_key = is_key;
  }

  // Closes the innermost container and completes it as an item of its parent.
  void close() {
    out.push_back(stack_.back().is_map ? '}' : ']');
    if (stack_.back().is_key) --key_containers_;
    stack_.pop_back();
    after_item(false);
  }

  // Closes every definite container whose last item has been written.
  void close_finished() {
    while (!stack_.empty() && !stack_.back().indefinite && stack_.back().done == stack_.back().expected)
      close();
  }

  // A JSON string literal of UTF-8 text. Plain printable ASCII (the common case
  // for keys and short values) is copied in one pass; anything else goes through
  // json::append_string, which validates UTF-8 and escapes.
  void append_string(std::string_view s) {
    for (unsigned char c : s) {
      if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') return json::append_string(out, s);
    }
    out.push_back('"');
    out.append(s);
    out.push_back('"');
  }

 private:
  [[noreturn, gnu::cold, gnu::noinline]] void too_deep() const {
    fail(Errc::corrupt,
         std::string(format_) + " data nests deeper than " + std::to_string(kMaxNesting) + " levels");
  }

  [[noreturn, gnu::cold, gnu::noinline]] void key_in_key() const {
    fail(Errc::corrupt, std::string(format_) +
                            " data has an array or map key inside another array or map key; "
                            "JSON text cannot show it");
  }

  const char* format_;
  std::vector<Frame> stack_;
  int key_containers_ = 0;  // enclosing containers that are map keys (at most 1)
};

}  // namespace kv
