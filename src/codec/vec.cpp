#include "codec/vec.hpp"

#include <cmath>
#include <cstdint>
#include <vector>

#include "codec/element.hpp"
#include "codec/numeric.hpp"
#include "codec/util.hpp"
#include "common/error.hpp"
#include "json/reader.hpp"

namespace kv::codec::vec {
namespace {

constexpr std::size_t kMaxDims = 255;
// An empty any-shape vec (a zero among its dims) still prints one "[]" per
// array before the zero; more than this many is not a plausible value.
constexpr std::uint64_t kMaxEmptyArrays = 1u << 20;

std::string shape_text(const std::vector<std::uint64_t>& dims) {
  std::string s = "[";
  for (std::size_t k = 0; k < dims.size(); ++k) s += (k ? "," : "") + std::to_string(dims[k]);
  return s + "]";
}

// Parses nested JSON arrays of numbers, appending each element packed as num
// to out and recording the shape; fails on ragged nesting.
class ShapeParser {
 public:
  ShapeParser(json::Reader& r, Num num, const std::string& dtype_name, std::string& out)
      : r_(r), num_(num), name_(dtype_name), out_(out) {}

  // Parses one value at depth 0; returns the inferred dims.
  std::vector<std::uint64_t> parse() {
    value(0);
    if (leaf_depth_ == kUnknown) leaf_depth_ = dims_.size();  // only empty arrays: [] or [[],[]]
    return dims_;
  }
  std::size_t count() const { return count_; }

 private:
  static constexpr std::size_t kUnknown = SIZE_MAX;
  static constexpr std::uint64_t kUnset = UINT64_MAX;

  void ragged() const {
    r_.error(
        "a rectangular nesting of arrays of numbers (every array at one depth the same length, numbers only "
        "at the deepest level) for " +
        name_);
  }

  void value(std::size_t depth) {
    char c = r_.peek();
    if (c != '[') {
      if (leaf_depth_ == kUnknown) {
        if (depth < dims_.size()) ragged();  // an array was seen at this depth
        leaf_depth_ = depth;
      } else if (depth != leaf_depth_) {
        ragged();
      }
      element();
      return;
    }
    if (leaf_depth_ != kUnknown && depth >= leaf_depth_) ragged();
    if (depth >= kMaxDims) r_.error("at most 255 nested array levels");
    if (dims_.size() <= depth) dims_.resize(depth + 1, kUnset);
    r_.expect('[');
    std::uint64_t n = 0;
    for (bool first = true; r_.next_element(first); first = false) {
      value(depth + 1);
      ++n;
    }
    if (dims_[depth] == kUnset) {
      dims_[depth] = n;
    } else if (dims_[depth] != n) {
      ragged();
    }
  }

  void element() {
    char buf[8];
    const std::size_t index = count_;
    try {
      if (r_.peek() == 'n' && num_is_float(num_)) {
        r_.skip_value();  // null: NaN (how NaN is written out)
        numeric::pack_real(num_, std::nan(""), buf);
      } else if (char c = r_.peek(); c == '-' || (c >= '0' && c <= '9')) {
        json::Number n = r_.number();
        switch (n.type) {
          case json::Number::Type::integer: numeric::pack_int(num_, n.i, buf); break;
          case json::Number::Type::uinteger: numeric::pack_uint(num_, n.u, buf); break;
          case json::Number::Type::real: numeric::pack_real(num_, n.d, buf); break;
        }
      } else {
        r_.error(std::string("a number (element of ") + num_name(num_) + ")");
      }
    } catch (const Error& e) {
      if (e.code() == Errc::invalid_argument) throw;
      fail(e.code(), "element " + std::to_string(index) + " of " + name_ + ": " + e.what());
    }
    out_.append(buf, num_size(num_));
    ++count_;
  }

  json::Reader& r_;
  Num num_;
  const std::string& name_;
  std::string& out_;
  std::vector<std::uint64_t> dims_;
  std::size_t leaf_depth_ = kUnknown;
  std::size_t count_ = 0;
};

// Checks a BLOB of raw elements; returns the element count.
std::size_t raw_count(const DType& dtype, std::string_view raw) {
  std::size_t size = num_size(dtype.num);
  if (raw.size() % size)
    fail(Errc::invalid_argument,
         "BLOB of " + std::to_string(raw.size()) + " bytes is not a whole number of " + num_name(dtype.num) +
             " elements (" + std::to_string(size) + " bytes each) for " + dtype.name());
  return raw.size() / size;
}

void append_u32(std::string& out, std::uint64_t v) {
  char b[4];
  detail::store_le(b, static_cast<std::uint32_t>(v));
  out.append(b, 4);
}

void pack_fixed(const DType& dtype, const ValueView& value, std::string& out) {
  const std::size_t count = dtype.vec_count();
  const std::string name = dtype.name();
  out.push_back(static_cast<char>(vec_type_byte(dtype.num)));
  if (value.kind == Kind::blob) {
    if (raw_count(dtype, value.bytes) != count)
      fail(Errc::invalid_argument, "BLOB of " + std::to_string(value.bytes.size()) +
                                       " bytes does not match " + name + " (expects " +
                                       std::to_string(count * num_size(dtype.num)) + " bytes)");
    out.append(value.bytes);
    return;
  }
  json::Reader r(value.bytes, "JSON array for " + name);
  if (r.peek() != '[')
    fail(Errc::invalid_argument,
         name + " expects a JSON array (or a BLOB of raw elements), got " + detail::describe(value));
  ShapeParser p(r, dtype.num, name, out);
  std::vector<std::uint64_t> dims = p.parse();
  r.expect_end();
  std::vector<std::uint64_t> want(dtype.dims.begin(), dtype.dims.end());
  if (dims != want && !(dims.size() == 1 && p.count() == count))
    fail(Errc::invalid_argument, "shape " + shape_text(dims) + " does not match " + name + " (expects " +
                                     shape_text(want) + " or " + std::to_string(count) + " numbers flat)");
}

void pack_any(const DType& dtype, const ValueView& value, std::string& out) {
  const std::string name = dtype.name();
  std::vector<std::uint64_t> dims;
  std::string elements;
  if (value.kind == Kind::blob) {
    dims.push_back(raw_count(dtype, value.bytes));
    elements.assign(value.bytes);
  } else if (value.kind == Kind::integer || value.kind == Kind::real) {
    char buf[8];
    numeric::pack(dtype.num, value, buf);
    elements.assign(buf, num_size(dtype.num));
  } else {
    json::Reader r(value.bytes, "JSON array for " + name);
    char c = r.peek();
    if (c != '[' && c != '-' && !(c >= '0' && c <= '9'))
      fail(Errc::invalid_argument, name +
                                       " expects a JSON array or number (or a BLOB of raw elements), got " +
                                       detail::describe(value));
    ShapeParser p(r, dtype.num, name, elements);
    dims = p.parse();
    r.expect_end();
  }
  for (std::uint64_t d : dims)
    if (d > UINT32_MAX)
      fail(Errc::too_big, "dimension " + std::to_string(d) + " of " + name + " exceeds 2^32-1");
  out.push_back(static_cast<char>(vec_type_byte(dtype.num)));
  out.push_back(static_cast<char>(dims.size()));
  for (std::uint64_t d : dims) append_u32(out, d);
  out.append(elements);
}

// Writes count elements at data as JSON nested per dims[level..].
void write_nested(Num num, const std::uint32_t* dims, std::size_t ndim, const char*& data, std::string& out) {
  if (ndim == 0) {
    numeric::append_json(num, data, out);
    data += num_size(num);
    return;
  }
  out.push_back('[');
  if (ndim == 1) {
    numeric::append_json_list(num, data, dims[0], out);
    data += static_cast<std::size_t>(dims[0]) * num_size(num);
  } else {
    for (std::uint32_t k = 0; k < dims[0]; ++k) {
      if (k) out.push_back(',');
      write_nested(num, dims + 1, ndim - 1, data, out);
    }
  }
  out.push_back(']');
}

[[noreturn]] void corrupt(const std::string& name, const std::string& why) {
  fail(Errc::corrupt, "malformed " + name + " value: " + why);
}

void check_type_byte(const DType& dtype, std::string_view element) {
  auto byte = static_cast<std::uint8_t>(element[0]);
  if (byte == vec_type_byte(dtype.num)) return;
  Num other;
  std::string what = num_from_vec_type_byte(byte, other) ? std::string(" (") + num_name(other) + ")" : "";
  static constexpr char kHex[] = "0123456789ABCDEF";
  auto hx = [](std::uint8_t b) { return std::string("0x") + kHex[b >> 4] + kHex[b & 15]; };
  corrupt(dtype.name(), "element type byte " + hx(byte) + what + " does not match " + num_name(dtype.num) +
                            " (" + hx(vec_type_byte(dtype.num)) + ")");
}

}  // namespace

void pack(const DType& dtype, const ValueView& value, std::string& out) {
  if (value.kind == Kind::null ||
      (!dtype.dims.empty() && (value.kind == Kind::integer || value.kind == Kind::real)))
    fail(Errc::type_mismatch,
         dtype.name() + " expects a JSON array or a BLOB of raw elements, got " + detail::describe(value));
  const std::size_t start = out.size();
  try {
    if (dtype.dims.empty()) {
      pack_any(dtype, value, out);
    } else {
      pack_fixed(dtype, value, out);
    }
  } catch (...) {
    out.resize(start);
    throw;
  }
}

std::string_view check(const DType& dtype, std::string_view element) {
  // Names and shapes are built only for a message: this runs per element.
  auto name = [&] { return dtype.name(); };
  if (!dtype.dims.empty()) {
    if (element.size() != dtype.elem_size()) detail::wrong_element_size(dtype, element.size());
    check_type_byte(dtype, element);
    return element.substr(1);
  }
  if (element.size() < 2)
    corrupt(name(), std::to_string(element.size()) + " bytes, shorter than its 2-byte header");
  check_type_byte(dtype, element);
  const std::size_t ndim = static_cast<std::uint8_t>(element[1]);
  if (element.size() - 2 < 4 * ndim)
    corrupt(name(), "header claims " + std::to_string(ndim) + " dims but only " +
                        std::to_string(element.size()) + " bytes are present");
  const std::string_view body = element.substr(2 + 4 * ndim);
  auto dim = [&](std::size_t k) { return detail::load_le<std::uint32_t>(element.data() + 2 + 4 * k); };
  auto shape = [&] {
    std::vector<std::uint64_t> dims;
    for (std::size_t k = 0; k < ndim; ++k) dims.push_back(dim(k));
    return shape_text(dims);
  };
  bool has_zero = false;
  for (std::size_t k = 0; k < ndim; ++k) has_zero = has_zero || dim(k) == 0;
  if (has_zero) {
    // No elements, but one "[]" per array down to the first zero dim.
    std::uint64_t level = 1;
    for (std::size_t k = 0; k < ndim && dim(k) != 0; ++k) {
      level *= dim(k);
      if (level > kMaxEmptyArrays)
        corrupt(name(), "dims " + shape() + " describe an implausible number of empty arrays");
    }
    if (!body.empty())
      corrupt(name(), "dims " + shape() + " hold no elements, found " + std::to_string(body.size()) + " bytes");
    return body;
  }
  // Element count, overflow-safe: never more than the bytes present justify.
  const std::size_t size = num_size(dtype.num);
  const std::uint64_t available = body.size() / size;
  std::uint64_t count = 1;
  for (std::size_t k = 0; k < ndim; ++k) {
    if (count > available / dim(k))
      corrupt(name(), "dims " + shape() + " need more than the " + std::to_string(body.size()) +
                          " bytes of elements present");
    count *= dim(k);
  }
  if (count * size != body.size())
    corrupt(name(), "dims " + shape() + " need " + std::to_string(count * size) + " bytes of elements, found " +
                        std::to_string(body.size()));
  return body;
}

Value unpack(const DType& dtype, std::string_view element) {
  const std::string_view body = check(dtype, element);
  std::vector<std::uint32_t> dims = dtype.dims;
  if (dims.empty())
    for (std::size_t k = 0, ndim = static_cast<std::uint8_t>(element[1]); k < ndim; ++k)
      dims.push_back(detail::load_le<std::uint32_t>(element.data() + 2 + 4 * k));
  std::string out;
  out.reserve(body.size() * 3 + 2 * dims.size() + 8);
  const char* data = body.data();
  write_nested(dtype.num, dims.data(), dims.size(), data, out);
  return Value::json(std::move(out));
}

}  // namespace kv::codec::vec
