// ColumnReader and ChunkWindow (see reader.hpp for the layout).
#include "kvfiles/reader.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

#include "common/error.hpp"

namespace kv::kvfiles {

namespace {

std::int32_t le_i32(const char* p) {
  std::uint32_t v = 0;
  for (int b = 3; b >= 0; --b) v = v << 8 | static_cast<unsigned char>(p[b]);
  return static_cast<std::int32_t>(v);
}

std::string column_label(const LogicalColumn& c) { return "KohakuVault column '" + c.name + "'"; }

}  // namespace

ChunkWindow::Slot& ChunkWindow::slot(std::int64_t chunk_idx) {
  ++clock_;
  for (std::size_t k = 0; k < used_; ++k)
    if (slots_[k].chunk == chunk_idx) {
      slots_[k].last_use = clock_;
      return slots_[k];
    }
  const std::optional<std::uint64_t> size = source_.chunk_size(col_id_, chunk_idx);  // may throw: no slot changed yet
  std::size_t victim = used_ < kSlots ? used_++ : 0;
  for (std::size_t k = 0; k < used_; ++k)
    if (slots_[k].last_use < slots_[victim].last_use) victim = k;
  Slot& s = slots_[victim];
  s.chunk = chunk_idx;
  s.size = size;
  s.offset = 0;
  s.window.clear();
  s.ahead = kFirstWindowBytes;
  s.last_use = clock_;
  return s;
}

std::string_view ChunkWindow::bytes(std::int64_t chunk_idx, std::uint64_t offset, std::uint64_t n,
                                    Direction direction) {
  Slot& s = slot(chunk_idx);
  const std::uint64_t size = s.size.value_or(0);
  if (offset > size || n > size - offset) fail(Errc::internal, "ChunkWindow: read outside the chunk");
  if (offset >= s.offset && offset - s.offset <= s.window.size() && n <= s.window.size() - (offset - s.offset))
    return std::string_view(s.window).substr(offset - s.offset, n);
  std::uint64_t start = offset, end = offset + n;
  if (n < s.ahead && direction == Direction::forward) end = std::min(size, offset + s.ahead);
  if (n < s.ahead && direction == Direction::backward) start = end > s.ahead ? end - s.ahead : 0;
  if (direction != Direction::point) s.ahead = std::min(kWindowBytes, s.ahead * 2);
  std::string fresh(end - start, '\0');
  source_.read(col_id_, chunk_idx, start, end - start, fresh.data());  // on a throw the old window stays valid
  s.window.swap(fresh);
  s.offset = start;
  return std::string_view(s.window).substr(offset - start, n);
}

ColumnReader::ColumnReader(LogicalColumn column, ChunkSource& main, ChunkSource& data)
    : column_(std::move(column)),
      main_(main, column_.main.col_id),
      data_(column_.kind == Kind::var ? data : main, column_.data.col_id) {
  const MetaRow& m = column_.main;
  const std::string label = column_label(column_) + " (col_meta row '" + m.name + "')";
  for (const MetaRow* r : {&column_.main, &column_.data})
    if (!r->problem.empty())
      fail(Errc::corrupt, column_label(column_) + " (col_meta row '" + r->name + "'): " + r->problem);
  if (m.elem_size <= 0) fail(Errc::corrupt, label + ": elem_size " + std::to_string(m.elem_size) + " is not positive");
  if (column_.kind == Kind::var && m.elem_size != kTripleBytes)
    fail(Errc::corrupt, label + ": an index column needs elem_size 12, not " + std::to_string(m.elem_size));
  if (m.max_chunk_bytes < m.elem_size || m.max_chunk_bytes % m.elem_size != 0)
    fail(Errc::corrupt, label + ": max_chunk_bytes " + std::to_string(m.max_chunk_bytes) +
                            " is not a positive multiple of elem_size " + std::to_string(m.elem_size));
  if (m.length < 0 || m.length > std::numeric_limits<std::int64_t>::max() / m.elem_size)
    fail(Errc::corrupt, label + ": length " + std::to_string(m.length) + " is impossible");
  length_ = static_cast<std::uint64_t>(m.length);
  try {
    dtype_ = parse_dtype(column_.dtype());
  } catch (const Error&) {
    dtype_.reset();  // not a dtype kv_unpack knows: raw bytes only
  }
  if (dtype_ && column_.kind == Kind::fixed && dtype_->elem_size() != static_cast<std::uint64_t>(m.elem_size))
    fail(Errc::corrupt, label + ": dtype " + column_.dtype() + " has " + std::to_string(dtype_->elem_size()) +
                            "-byte elements but elem_size is " + std::to_string(m.elem_size));
}

void ColumnReader::corrupt(std::uint64_t element, const std::string& what) const {
  fail(Errc::corrupt, column_label(column_) + " element " + std::to_string(element) + ": " + what);
}

// Slot i of a fixed column (row's geometry), `size` bytes each.
std::string_view ColumnReader::slot(const MetaRow& row, ChunkWindow& window, std::uint64_t i, std::uint64_t size,
                                    std::uint64_t element) {
  const std::uint64_t byte = i * size;  // < length * elem_size, checked in the constructor
  const std::uint64_t max = static_cast<std::uint64_t>(row.max_chunk_bytes);
  const auto chunk = static_cast<std::int64_t>(byte / max);
  const std::uint64_t offset = byte % max;
  std::optional<std::uint64_t> have;
  try {
    have = window.size_of(chunk);
  } catch (const Error& e) {
    if (e.code() != Errc::corrupt) throw;
    corrupt(element, e.what());
  }
  auto where = [&] {  // built only for a message
    return "chunk " + std::to_string(chunk) + " of '" + row.name + "' (col_id " + std::to_string(row.col_id) + ")";
  };
  if (!have) corrupt(element, where() + " is missing");
  if (offset > *have || size > *have - offset)
    corrupt(element, where() + " holds " + std::to_string(*have) + " bytes; the element needs bytes [" +
                         std::to_string(offset) + ", " + std::to_string(offset + size) + ")");
  return window.bytes(chunk, offset, size, direction_);
}

std::string_view ColumnReader::element(std::uint64_t i) {
  if (i >= length_)
    fail(Errc::out_of_range, column_label(column_) + ": element " + std::to_string(i) + " is past its length " +
                                 std::to_string(length_));
  const MetaRow& m = column_.main;
  main_.sync();
  if (column_.kind == Kind::fixed) return slot(m, main_, i, static_cast<std::uint64_t>(m.elem_size), i);
  data_.sync();
  std::string_view triple = slot(m, main_, i, kTripleBytes, i);
  const std::int32_t chunk = le_i32(triple.data()), start = le_i32(triple.data() + 4),
                     end = le_i32(triple.data() + 8);
  auto triple_text = [&] {  // built only for a message
    return "index triple (chunk " + std::to_string(chunk) + ", start " + std::to_string(start) + ", end " +
           std::to_string(end) + ")";
  };
  if (start < 0 || end < start) corrupt(i, triple_text() + " is not a byte range");
  std::optional<std::uint64_t> have;
  try {
    have = data_.size_of(chunk);
  } catch (const Error& e) {
    if (e.code() != Errc::corrupt) throw;
    corrupt(i, e.what());
  }
  auto where = [&] {
    return "chunk " + std::to_string(chunk) + " of '" + column_.data.name + "' (col_id " +
           std::to_string(column_.data.col_id) + ")";
  };
  if (!have) corrupt(i, triple_text() + ": " + where() + " is missing");
  if (static_cast<std::uint64_t>(end) > *have)
    corrupt(i, triple_text() + " runs past " + where() + ", which holds " + std::to_string(*have) + " bytes");
  return data_.bytes(chunk, static_cast<std::uint64_t>(start), static_cast<std::uint64_t>(end - start), direction_);
}

}  // namespace kv::kvfiles
