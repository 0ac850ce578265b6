// JSON text -> MessagePack / CBOR with no intermediate JSON value: the shared
// half of kv_pack('msgpack'|'cbor', text). The Writer (MsgpackWriter in
// codec/msgpack.cpp, CborWriter in codec/cbor.cpp) turns events into bytes.
//
// Two parsers, one result:
//  * Fast path: simdjson's DOM parser (a thread-local instance, so its buffers
//    are reused). Its tape already knows every container's element count, so
//    headers are written directly. simdjson stops at 1024 levels of nesting.
//  * Validating path: nlohmann_json's sax_parse driving JsonSaxWriter. Used when
//    simdjson rejects the text, so every error message (and every document
//    simdjson declines, e.g. nesting past 1024 levels) comes from one parser:
//    a message naming the byte and the problem.
//  * Overflow path: both parsers refuse a number literal beyond the double
//    range, such as 9e999, which is how SQLite (and our decoders) spell
//    infinity. When nlohmann reports exactly that, the text is read again with
//    kv::json::Reader driving the same JsonSaxWriter: such numbers become
//    +-infinity (underflow becomes 0), so whatever kv_unpack returns packs again.
//    Here a SAX pass only learns a container's count at its end:
//    open_container() writes a one-byte placeholder (the fix-size header that
//    holds up to 15 / 23 elements) and close_array()/close_map() overwrite it,
//    or widen it in place when the count needs a longer header.
// Object keys stay in document order; duplicate keys are kept as written.
// JSON integers that do not fit 64 bits are an error (never a silent double).
// Nesting deeper than kMaxNesting is an error, the same limit the decoders
// apply, so whatever packs also unpacks.
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "json/reader.hpp"
#include "common/value.hpp"

namespace kv {

// Deepest array/map nesting accepted by the structured codecs, both ways.
inline constexpr std::size_t kMaxNesting = 10000;

template <class Writer>
class JsonSaxWriter {
 public:
  using json = nlohmann::json;
  using number_integer_t = json::number_integer_t;
  using number_unsigned_t = json::number_unsigned_t;
  using number_float_t = json::number_float_t;
  using string_t = json::string_t;
  using binary_t = json::binary_t;

  JsonSaxWriter(Writer& writer, const char* format) : w_(writer), format_(format) {}

  bool null() {
    value();
    w_.nil();
    return true;
  }
  bool boolean(bool v) {
    value();
    w_.boolean(v);
    return true;
  }
  // Thrown by parse_error for a number literal beyond the double range.
  struct NumberOverflow {};

  bool number_integer(number_integer_t v) {
    value();
    w_.int64(v);
    return true;
  }
  bool number_unsigned(number_unsigned_t v) {
    value();
    w_.uint64(v);
    return true;
  }
  bool number_float(number_float_t v, const string_t& text) {
    // An integer literal too large for 64 bits arrives here as a double.
    if (text.find_first_of(".eE") == string_t::npos)
      fail(Errc::out_of_range, std::string("JSON integer ") + text + " does not fit in 64 bits (" + format_ +
                                   " integers are at most 64-bit)");
    value();
    w_.float64(v);
    return true;
  }
  bool string(string_t& v) {
    value();
    w_.str(v);
    return true;
  }
  bool binary(binary_t&) { fail(Errc::invalid_argument, "binary values are not part of JSON text"); }
  bool start_object(std::size_t) {
    value();
    open(true);
    return true;
  }
  bool key(string_t& k) {
    ++stack_.back().count;
    w_.str(k);
    return true;
  }
  bool end_object() {
    Frame f = stack_.back();
    stack_.pop_back();
    w_.close_map(f.header_pos, f.count);
    return true;
  }
  bool start_array(std::size_t) {
    value();
    open(false);
    return true;
  }
  bool end_array() {
    Frame f = stack_.back();
    stack_.pop_back();
    w_.close_array(f.header_pos, f.count);
    return true;
  }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& ex) {
    if (ex.id == 406) throw NumberOverflow{};  // "number overflow": read again (see the header comment)
    std::string what = ex.what();
    // nlohmann prefixes "[json.exception.parse_error.101] parse error at line 1, column 2: ".
    if (auto colon = what.find("parse error"); colon != std::string::npos) what.erase(0, colon);
    fail(Errc::invalid_argument, std::string("TEXT for ") + format_ + " must be a JSON document; byte " +
                                     std::to_string(position) + ": " + what);
  }

 private:
  struct Frame {
    std::size_t header_pos;
    std::uint64_t count;
    bool is_map;
  };

  void value() {
    if (!stack_.empty() && !stack_.back().is_map) ++stack_.back().count;
  }
  void open(bool is_map) {
    if (stack_.size() >= kMaxNesting)
      fail(Errc::too_big, std::string("JSON nesting deeper than ") + std::to_string(kMaxNesting) +
                              " levels cannot be packed as " + format_);
    stack_.push_back({w_.open_container(), 0, is_map});
  }

  Writer& w_;
  const char* format_;
  std::vector<Frame> stack_;
};

namespace detail {

// Largest text parsed with the reused thread-local simdjson parser; longer texts
// get a parser of their own so a one-off huge document does not pin memory.
inline constexpr std::size_t kReusedParserBytes = std::size_t{64} << 10;

template <class Writer>
void write_simdjson(Writer& w, simdjson::dom::element e) {
  using Type = simdjson::dom::element_type;
  switch (e.type()) {
    case Type::ARRAY: {
      simdjson::dom::array a = e.get_array().value_unsafe();
      std::size_t n = a.size();
      if (n == 0xFFFFFF) n = static_cast<std::size_t>(std::distance(a.begin(), a.end()));  // saturated
      w.array_header(n);
      for (simdjson::dom::element item : a) write_simdjson(w, item);
      break;
    }
    case Type::OBJECT: {
      simdjson::dom::object o = e.get_object().value_unsafe();
      std::size_t n = o.size();
      if (n == 0xFFFFFF) n = static_cast<std::size_t>(std::distance(o.begin(), o.end()));
      w.map_header(n);
      for (simdjson::dom::key_value_pair member : o) {
        w.str(member.key);
        write_simdjson(w, member.value);
      }
      break;
    }
    case Type::INT64: w.int64(e.get_int64().value_unsafe()); break;
    case Type::UINT64: w.uint64(e.get_uint64().value_unsafe()); break;
    case Type::DOUBLE: w.float64(e.get_double().value_unsafe()); break;
    case Type::STRING: w.str(e.get_string().value_unsafe()); break;
    case Type::BOOL: w.boolean(e.get_bool().value_unsafe()); break;
    case Type::NULL_VALUE: w.nil(); break;
  }
}

// True when simdjson parsed the text and the writer got it; false (nothing
// written) when the validating path must take over.
template <class Writer>
bool try_simdjson(Writer& writer, std::string_view json_text) {
  simdjson::dom::element root;
  auto parse = [&](simdjson::dom::parser& parser) {
    return parser.parse(json_text.data(), json_text.size(), true).get(root) == simdjson::SUCCESS;
  };
  if (json_text.size() <= kReusedParserBytes) {
    thread_local simdjson::dom::parser parser;
    if (!parse(parser)) return false;
    write_simdjson(writer, root);
  } else {
    simdjson::dom::parser parser;
    if (!parse(parser)) return false;
    write_simdjson(writer, root);
  }
  return true;
}

}  // namespace detail

namespace detail {

// The overflow path: json::Reader events into a JsonSaxWriter (iterative, so
// nesting is bounded by JsonSaxWriter's limit, not the stack).
template <class Writer>
void write_with_reader(Writer& writer, std::string_view json_text, const char* format) {
  JsonSaxWriter<Writer> sax(writer, format);
  json::Reader r(json_text, std::string("TEXT for ") + format);
  std::string open;  // the containers entered: '[' or '{'
  auto key = [&] {
    if (r.peek() != '"') r.error("an object key");
    std::string k = r.string();
    sax.key(k);
    r.expect(':');
  };
  for (;;) {
    // A value.
    const char c = r.peek();
    if (c == '{' || c == '[') {
      r.expect(c);
      c == '{' ? sax.start_object(0) : sax.start_array(0);
      open.push_back(c);
      if (r.consume(c == '{' ? '}' : ']')) {
        c == '{' ? sax.end_object() : sax.end_array();
        open.pop_back();
      } else {
        if (c == '{') key();
        continue;
      }
    } else if (c == '"') {
      std::string v = r.string();
      sax.string(v);
    } else if (c == 't' || c == 'f' || c == 'n') {
      const std::string_view literal = r.skip_value();
      if (literal == "null")
        sax.null();
      else
        sax.boolean(literal == "true");
    } else {
      if (c != '-' && (c < '0' || c > '9')) r.error("a JSON value");
      const std::size_t start = r.offset();  // peek() skipped the spaces
      const json::Number n = r.number();
      if (n.type == json::Number::Type::integer)
        sax.number_integer(n.i);
      else if (n.type == json::Number::Type::uinteger)
        sax.number_unsigned(n.u);
      else
        sax.number_float(n.d, std::string(json_text.substr(start, r.offset() - start)));
    }
    // After a value: close containers, or move to the next member.
    for (;;) {
      if (open.empty()) return r.expect_end();
      const bool in_object = open.back() == '{';
      if (r.consume(',')) {
        if (in_object) key();
        break;
      }
      r.expect(in_object ? '}' : ']');
      in_object ? sax.end_object() : sax.end_array();
      open.pop_back();
    }
  }
}

}  // namespace detail

// Parses json_text and feeds it to writer; throws kv::Error on invalid JSON.
// `restart` undoes what the writer wrote (the overflow path starts again).
template <class Writer, class Restart>
void write_json_text(Writer& writer, std::string_view json_text, const char* format, Restart&& restart) {
  if (detail::try_simdjson(writer, json_text)) return;
  try {
    JsonSaxWriter<Writer> sax(writer, format);
    nlohmann::json::sax_parse(json_text.begin(), json_text.end(), &sax);
  } catch (const typename JsonSaxWriter<Writer>::NumberOverflow&) {
    restart();
    detail::write_with_reader(writer, json_text, format);
  }
}

// Appends one SQL value as a MessagePack / CBOR item (Writer is the format's
// writer): scalars map directly, TEXT is parsed as a JSON document. On an
// error nothing is appended.
template <class Writer>
void pack_sql_value(const ValueView& value, std::string& out, const char* format) {
  const std::size_t start = out.size();
  try {
    Writer w(out);
    switch (value.kind) {
      case Kind::null: w.nil(); break;
      case Kind::integer: w.int64(value.i); break;
      case Kind::real: w.float64(value.r); break;
      case Kind::blob: w.bin(value.bytes); break;
      case Kind::text:
      case Kind::json:
        out.reserve(out.size() + value.bytes.size() + 16);  // packed is usually smaller
        write_json_text(w, value.bytes, format, [&] { out.resize(start); });
        break;
    }
  } catch (...) {
    out.resize(start);
    throw;
  }
}

}  // namespace kv
