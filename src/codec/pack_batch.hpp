// Batches of DataPacker elements, as kv_pack_many / kv_unpack_many /
// kv_pack_agg / kv_unpack_each see them (no SQLite types here).
//
//  * pack_many: a JSON array, one element per item, packed back to back.
//    Numeric dtypes read numbers straight from the text (no DOM, no per-item
//    allocation); other dtypes take each item as kv_pack would take the SQL
//    value: strings as TEXT for bytes/str, the item's JSON text for
//    msgpack/cbor/vec, numbers as INTEGER/REAL; JSON null is NaN for f32/f64
//    and nil for msgpack/cbor. A BLOB of already-packed elements of a
//    fixed-size dtype is checked and taken as is (the memcpy-speed path).
//  * unpack_many: a JSON array of the elements: numbers, str as JSON strings,
//    bytes (and top-level msgpack/cbor binary) as base64url strings without
//    padding (RFC 8949 §6.1), msgpack/cbor/vec as their JSON.
//  * Elements are found by a fixed size (blob length a whole multiple), by
//    reading one msgpack/cbor item after another, or by explicit offsets
//    (ascending, in range; the last element runs to the end).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "codec/dtype.hpp"
#include "common/limits.hpp"
#include "common/value.hpp"

namespace kv::codec::batch {

// Throws invalid_argument for dtypes batches do not take (auto).
void require_batch_dtype(const DType& dtype);

// ends (optional) receives, per element, its end offset in out: the element
// boundaries variable-size dtypes do not carry themselves. out never grows past
// max_bytes: a fixed-size element that would cross it is refused before it is
// packed (Errc::too_big naming the size and the limit).
void pack_many(const DType& dtype, std::string_view json_array, std::string& out,
               std::vector<std::size_t>* ends = nullptr, std::size_t max_bytes = kNoOutputLimit);
// The BLOB form of pack_many: checks that blob holds elements already packed
// back to back (fixed-size dtypes only): a whole number of elements, each of
// which decodes (for numbers any bytes do). The caller returns it unchanged.
void check_packed(const DType& dtype, std::string_view blob);

// Start offsets from a JSON array of integers: ascending (equal neighbours
// are empty elements), each within [0, blob_size].
std::vector<std::size_t> parse_offsets(std::string_view json, std::size_t blob_size);

// Walks the elements of a blob.
class ElementCursor {
 public:
  // offsets may be null: then elements are found by size or item length.
  ElementCursor(const DType& dtype, std::string_view blob, const std::vector<std::size_t>* offsets);
  // The next element, or false at the end.
  bool next(std::string_view& element);

 private:
  const DType& dtype_;
  std::string_view blob_;
  const std::vector<std::size_t>* offsets_;
  std::size_t pos_ = 0;    // byte position (no offsets)
  std::size_t index_ = 0;  // element index (offsets)
};

std::string unpack_many(const DType& dtype, std::string_view blob, const std::vector<std::size_t>* offsets);

// One decoded value as a JSON array item (see above).
void append_value_json(const Value& value, std::string& out);

}  // namespace kv::codec::batch
