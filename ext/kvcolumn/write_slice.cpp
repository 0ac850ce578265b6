// The 'write' command: slice assignment of packed elements.
//
//   INSERT INTO t(t, idx, value) VALUES ('write', start, blob);
//
// Fixed-size dtypes only. blob holds n packed elements back to back (as
// kv_pack_many / kvcolumn_slice return them); elements [start, start + n)
// are overwritten in place through FixedColumn::write_slice: a chunk with a
// buffered image takes the bytes in the write-back buffer (written back at
// flush as one in-place blob write per chunk); a chunk whose stored bytes
// are current gets one in-place blob write now, inside the transaction
// (rolled back by SQLite like an early flush). Every check runs before the first byte is
// written, so a failing 'write' writes nothing: start an INTEGER in
// [0, length - n], blob a BLOB of a whole number of elements, and each
// element checked as a raw write checks it (check_element: the codec's
// validate-only check kv::check_element, then the column's JSON Schema).
#include <cmath>
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "kvcolumn/kvcolumn.hpp"

namespace kvx::kvcolumn {

void write_slice(Table* t, sqlite3_value* start, sqlite3_value* blob) {
  const std::string prefix = kv::column_label(t->name) + ": 'write': ";
  kv::FixedColumn* column = t->fixed_column();
  if (!column)
    kv::fail(kv::Errc::invalid_argument, prefix + "slice assignment applies to fixed-size dtypes; '" +
                                             t->options.dtype.name() +
                                             "' elements vary in size (UPDATE rows one by one instead)");
  std::int64_t at = 0;
  if (sqlite3_value_type(start) == SQLITE_INTEGER) {
    at = sqlite3_value_int64(start);
  } else if (sqlite3_value_type(start) == SQLITE_FLOAT && std::floor(sqlite3_value_double(start)) ==
                                                               sqlite3_value_double(start) &&
             std::fabs(sqlite3_value_double(start)) < 9.0e15) {
    at = static_cast<std::int64_t>(sqlite3_value_double(start));
  } else {
    kv::fail(kv::Errc::type_mismatch,
             prefix + "the start idx goes in idx and must be an INTEGER: INSERT INTO " + t->name + "(" + t->name +
                 ", idx, value) VALUES ('write', start, packed_blob)");
  }
  if (sqlite3_value_type(blob) != SQLITE_BLOB)
    kv::fail(kv::Errc::type_mismatch, prefix + "value must be a BLOB of packed elements (e.g. kv_pack_many('" +
                                          t->options.dtype.name() + "', '[...]'))");
  const std::uint64_t e = column->elem_size();
  const std::string_view bytes(static_cast<const char*>(sqlite3_value_blob(blob)),
                               static_cast<std::size_t>(sqlite3_value_bytes(blob)));
  if (bytes.size() % e != 0)
    kv::fail(kv::Errc::invalid_argument, prefix + "packed data of " + std::to_string(bytes.size()) +
                                             " bytes is not a whole number of " + std::to_string(e) +
                                             "-byte elements");
  t->column->settle();
  const std::uint64_t length = t->column->length(), n = bytes.size() / e;
  if (at < 0)
    kv::fail(kv::Errc::out_of_range, prefix + "start " + std::to_string(at) +
                                         " is negative: expected an idx in [0, " + std::to_string(length) + "]");
  if (static_cast<std::uint64_t>(at) > length || n > length - static_cast<std::uint64_t>(at))
    kv::fail(kv::Errc::out_of_range, prefix + "elements [" + std::to_string(at) + ", " +
                                         std::to_string(static_cast<std::uint64_t>(at < 0 ? 0 : at) + n) +
                                         ") are not all inside the column of length " + std::to_string(length) +
                                         " (a slice assignment never grows the column: use 'append')");
  check_packed_elements(t, bytes, "'write' element");
  column->write_slice(static_cast<std::uint64_t>(at), bytes);
}

}  // namespace kvx::kvcolumn
