#include "codec/pack_batch.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "codec/base64url.hpp"
#include "codec/codec.hpp"
#include "codec/element.hpp"
#include "codec/numeric.hpp"
#include "common/error.hpp"
#include "common/limits.hpp"
#include "json/reader.hpp"
#include "json/text.hpp"

namespace kv::codec::batch {
namespace {

// Re-throws a codec error with the element index in front.
template <class F>
void at_element(std::size_t index, F&& f) {
  try {
    f();
  } catch (const Error& e) {
    fail(e.code(), "element " + std::to_string(index) + ": " + e.what());
  }
}

// Refuses the next element when out + its size would pass max_bytes.
void require_room_for(const std::string& out, std::size_t elem_size, std::size_t max_bytes) {
  if (elem_size > max_bytes || out.size() > max_bytes - elem_size)
    fail(Errc::too_big, output_too_big_message("kv_pack_many's result", static_cast<std::uint64_t>(out.size()) + elem_size,
                                               max_bytes));
}

// Count x size of a fixed-size dtype's array against max_bytes, before
// anything is packed (a malformed array is left to the packing pass).
void require_room_for_all(const DType& dtype, std::string_view json_array, std::size_t fixed, std::size_t used,
                          std::size_t max_bytes) {
  std::uint64_t count = 0;
  try {
    json::Reader counter(json_array, "JSON array for kv_pack_many");
    counter.expect('[');
    for (bool first = true; counter.next_element(first); first = false, ++count) counter.skip_value();
  } catch (const Error&) {
    return;
  }
  if (count == 0) return;
  const std::uint64_t room = max_bytes >= used ? max_bytes - used : 0;
  if (fixed <= room && count <= room / fixed) return;
  const std::uint64_t total = count > (UINT64_MAX - used) / fixed ? UINT64_MAX : used + count * fixed;
  fail(Errc::too_big, output_too_big_message("kv_pack_many's result (" + std::to_string(count) + " x " +
                                                 std::to_string(fixed) + "-byte " + dtype.name() + " elements)",
                                             total, max_bytes));
}

void pack_many_numeric(Num num, json::Reader& r, std::string& out, std::size_t max_bytes) {
  const std::size_t size = num_size(num);
  char buf[8];
  std::size_t index = 0;
  for (bool first = true; r.next_element(first); first = false, ++index) {
    char c = r.peek();
    if (c == 'n' && num_is_float(num)) {
      r.skip_value();
      numeric::pack_real(num, std::nan(""), buf);
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      json::Number n = r.number();
      at_element(index, [&] {
        switch (n.type) {
          case json::Number::Type::integer: numeric::pack_int(num, n.i, buf); break;
          case json::Number::Type::uinteger: numeric::pack_uint(num, n.u, buf); break;
          case json::Number::Type::real: numeric::pack_real(num, n.d, buf); break;
        }
      });
    } else if (c == '"' && num == Num::u64) {
      std::string digits = r.string();
      at_element(index, [&] { numeric::pack(num, ValueView::text(digits), buf); });
    } else {
      std::string_view item = r.skip_value();
      at_element(index, [&] {
        fail(Errc::type_mismatch,
             std::string(num_name(num)) + " expects a number, got JSON " + std::string(item.substr(0, 40)));
      });
    }
    require_room_for(out, size, max_bytes);
    out.append(buf, size);
  }
}

void pack_many_items(const DType& dtype, json::Reader& r, std::string& out, std::vector<std::size_t>* ends,
                     std::size_t max_bytes) {
  const bool structured = dtype.family == Family::msgpack || dtype.family == Family::cbor;
  const std::size_t fixed = dtype.elem_size();
  std::size_t index = 0;
  for (bool first = true; r.next_element(first); first = false, ++index) {
    if (fixed) require_room_for(out, fixed, max_bytes);  // before the padding is allocated
    char c = r.peek();
    if (c == '"' && !structured && dtype.family != Family::vec) {
      std::string text = r.string();
      at_element(index, [&] { pack(dtype, ValueView::text(text), out); });
      require_room_for(out, 0, max_bytes);
      if (ends) ends->push_back(out.size());
      continue;
    }
    std::string_view item = r.skip_value();
    at_element(index, [&] {
      if (structured || dtype.family == Family::vec) return pack(dtype, ValueView::text(item), out);
      fail(Errc::type_mismatch,
           dtype.name() + " expects a JSON string, got JSON " + std::string(item.substr(0, 40)));
    });
    require_room_for(out, 0, max_bytes);  // a variable-size element is no larger than its JSON text
    if (ends) ends->push_back(out.size());
  }
}

}  // namespace

void require_batch_dtype(const DType& dtype) {
  if (dtype.family == Family::auto_header)
    fail(Errc::invalid_argument, "dtype auto is for kv_pack/kv_unpack only, not for batches");
}

void pack_many(const DType& dtype, std::string_view json_array, std::string& out,
               std::vector<std::size_t>* ends, std::size_t max_bytes) {
  require_batch_dtype(dtype);
  json::Reader r(json_array, "JSON array for kv_pack_many");
  r.expect('[');
  if (dtype.family == Family::integer || dtype.family == Family::floating) {
    out.reserve(out.size() + std::min(json_array.size() / 2, max_bytes));
    const std::size_t start = out.size();
    pack_many_numeric(dtype.num, r, out, max_bytes);
    if (ends)
      for (std::size_t at = start + num_size(dtype.num); at <= out.size(); at += num_size(dtype.num))
        ends->push_back(at);
  } else {
    if (std::size_t fixed = dtype.elem_size()) require_room_for_all(dtype, json_array, fixed, out.size(), max_bytes);
    pack_many_items(dtype, r, out, ends, max_bytes);
  }
  r.expect_end();
}

void check_packed(const DType& dtype, std::string_view blob) {
  require_batch_dtype(dtype);
  const std::size_t n = dtype.elem_size();
  if (!n)
    fail(Errc::type_mismatch, "kv_pack_many takes a BLOB of packed elements only for fixed-size dtypes; " +
                                  dtype.name() + " needs a JSON array");
  if (blob.size() % n)
    fail(Errc::invalid_argument, "BLOB of " + std::to_string(blob.size()) +
                                     " bytes is not a whole number of " + std::to_string(n) + "-byte " +
                                     dtype.name() + " elements");
  if (dtype.family != Family::integer && dtype.family != Family::floating)
    for (std::size_t at = 0; at < blob.size(); at += n)
      at_element(at / n, [&] { check_element(dtype, blob.substr(at, n)); });
}

std::vector<std::size_t> parse_offsets(std::string_view json, std::size_t blob_size) {
  json::Reader r(json, "offsets (a JSON array of byte offsets)");
  r.expect('[');
  std::vector<std::size_t> offsets;
  for (bool first = true; r.next_element(first); first = false) {
    r.peek();  // past the whitespace: the number starts at offset()
    const std::size_t start = r.offset();
    json::Number n = r.number();
    std::string_view text = json.substr(start, r.offset() - start);
    if (n.type == json::Number::Type::real || n.i < 0 || static_cast<std::uint64_t>(n.i) > blob_size)
      fail(Errc::out_of_range, "offsets[" + std::to_string(offsets.size()) + "] = " + std::string(text.substr(0, 40)) +
                                   " is not a byte position within the " + std::to_string(blob_size) +
                                   "-byte blob (0.." + std::to_string(blob_size) + ")");
    auto off = static_cast<std::size_t>(n.i);
    if (!offsets.empty() && off < offsets.back())
      fail(Errc::invalid_argument, "offsets must be ascending: offsets[" + std::to_string(offsets.size()) +
                                       "] = " + std::to_string(off) + " follows " + std::to_string(offsets.back()));
    offsets.push_back(off);
  }
  r.expect_end();
  return offsets;
}

ElementCursor::ElementCursor(const DType& dtype, std::string_view blob,
                             const std::vector<std::size_t>* offsets)
    : dtype_(dtype), blob_(blob), offsets_(offsets) {
  require_batch_dtype(dtype);
  if (offsets) return;
  if (std::size_t n = dtype.elem_size()) {
    if (blob.size() % n)
      fail(Errc::corrupt, "blob of " + std::to_string(blob.size()) + " bytes is not a whole number of " +
                              std::to_string(n) + "-byte " + dtype.name() + " elements");
  } else if (dtype.family != Family::msgpack && dtype.family != Family::cbor) {
    fail(Errc::invalid_argument,
         dtype.name() + " elements carry no length: pass their start offsets as a JSON array");
  }
}

bool ElementCursor::next(std::string_view& element) {
  if (offsets_) {
    if (index_ >= offsets_->size()) return false;
    std::size_t start = (*offsets_)[index_];
    std::size_t end = index_ + 1 < offsets_->size() ? (*offsets_)[index_ + 1] : blob_.size();
    ++index_;
    element = blob_.substr(start, end - start);
    return true;
  }
  if (pos_ >= blob_.size()) return false;
  std::size_t n = 0;
  at_element(index_, [&] { n = element_length(dtype_, blob_.substr(pos_)); });
  element = blob_.substr(pos_, n);
  pos_ += n;
  ++index_;
  return true;
}

void append_value_json(const Value& value, std::string& out) {
  switch (value.kind) {
    case Kind::null: out += "null"; return;
    case Kind::integer: json::append_int(out, value.i); return;
    case Kind::real: json::append_double(out, value.r); return;
    case Kind::text: json::append_string(out, value.bytes); return;
    case Kind::blob:
      out.push_back('"');
      append_base64url(out, value.bytes);
      out.push_back('"');
      return;
    case Kind::json: out += value.bytes; return;
  }
}

std::string unpack_many(const DType& dtype, std::string_view blob, const std::vector<std::size_t>* offsets) {
  ElementCursor cursor(dtype, blob, offsets);
  std::string out = "[";
  if (!offsets && (dtype.family == Family::integer || dtype.family == Family::floating)) {
    // The tight loop: every element formatted straight from the blob.
    out.reserve(blob.size() * 3 + 2);
    numeric::append_json_list(dtype.num, blob.data(), blob.size() / num_size(dtype.num), out);
    out.push_back(']');
    return out;
  }
  std::string_view element;
  for (std::size_t index = 0; cursor.next(element); ++index) {
    if (index) out.push_back(',');
    at_element(index, [&] {
      Value v = unpack(dtype, element);
      if (v.kind == Kind::text && dtype.family == Family::integer) {
        out += v.bytes;  // u64 above 2^63-1: its digits are the JSON number
      } else if (v.kind == Kind::real && dtype.num == Num::f32 && dtype.family == Family::floating) {
        json::append_float(out, static_cast<float>(v.r));
      } else {
        append_value_json(v, out);
      }
    });
  }
  out.push_back(']');
  return out;
}

}  // namespace kv::codec::batch
