// VarColumn: see column_var.hpp for the design.
#include "column_var.hpp"

#include <cstring>

#include "error.hpp"

namespace kv {

namespace {

std::uint64_t load_u64le(const char* p) {
  std::uint64_t v = 0;
  for (int b = 7; b >= 0; --b) v = (v << 8) | static_cast<unsigned char>(p[b]);
  return v;
}

void store_u64le(char* p, std::uint64_t v) {
  for (int b = 0; b < 8; ++b) p[b] = static_cast<char>((v >> (8 * b)) & 0xff);
}

}  // namespace

VarColumn::VarColumn(ChunkStore& index_store, ChunkStore& data_store, std::uint64_t min_chunk_bytes,
                     std::uint64_t max_chunk_bytes, const std::string& table_name, std::uint64_t cache_bytes,
                     std::uint64_t read_cache_bytes)
    : name_(table_name),
      index_(index_store, ChunkLayout(kVarIndexEntryBytes, min_chunk_bytes, max_chunk_bytes), table_name,
             cache_bytes / 2, read_cache_bytes / 4),
      data_(data_store, ChunkLayout(1, min_chunk_bytes, max_chunk_bytes), table_name, cache_bytes / 2,
            read_cache_bytes) {
  index_.enable_partial_reads();
  data_.enable_partial_reads();
}

void VarColumn::set_name(const std::string& table_name) {
  name_ = table_name;
  index_.set_name(table_name);
  data_.set_name(table_name);
}

std::string VarColumn::encode(std::uint64_t offset, std::uint64_t length) {
  std::string e(kVarIndexEntryBytes, '\0');
  store_u64le(e.data(), offset);
  store_u64le(e.data() + 8, length);
  return e;
}

VarColumn::Entry VarColumn::entry(std::uint64_t i) {
  std::string_view raw = index_.read_run(i, 1);
  Entry e{load_u64le(raw.data()), load_u64le(raw.data() + 8)};
  const std::uint64_t stream = data_.length();
  if (e.offset > stream || e.length > stream - e.offset)
    fail(Errc::corrupt, "kvcolumn '" + name_ + "' is corrupt: index entry " + std::to_string(i) +
                            " points at bytes [" + std::to_string(e.offset) + ", +" +
                            std::to_string(e.length) + ") outside the " + std::to_string(stream) +
                            "-byte data stream");
  return e;
}

std::string_view VarColumn::read_run(std::uint64_t i, std::uint64_t) {
  bump();
  const Entry e = entry(i);
  if (e.length == 0) return {};
  std::string_view first = data_.read_run(e.offset, e.length);
  if (first.size() >= e.length) return first.substr(0, e.length);
  // The element crosses chunk boundaries: gather it.
  scratch_.clear();
  scratch_.reserve(e.length);
  scratch_.append(first);
  while (scratch_.size() < e.length) {
    std::string_view part = data_.read_run(e.offset + scratch_.size(), e.length - scratch_.size());
    scratch_.append(part.substr(0, e.length - scratch_.size()));
  }
  return scratch_;
}

void VarColumn::append_packed(std::string_view packed) {
  index_.settle();
  const std::uint64_t offset = data_.length();
  if (!packed.empty()) data_.append_packed(packed);
  index_.append_packed(encode(offset, packed.size()));
  bump();
}

void VarColumn::insert(std::uint64_t i, std::string_view elem) {
  index_.settle();
  if (i > index_.length())
    fail(Errc::out_of_range, "insert: idx " + std::to_string(i) + " is out of range for kvcolumn '" + name_ +
                                 "' of length " + std::to_string(index_.length()) + " (expected 0.." +
                                 std::to_string(index_.length()) + ")");
  const std::uint64_t offset = data_.length();
  std::string e = encode(offset, elem.size());
  index_.insert(i, e);  // validates i before any byte is written
  if (!elem.empty()) data_.append_packed(elem);
  bump();
}

void VarColumn::update(std::uint64_t i, std::string_view elem) {
  index_.settle();
  if (i >= index_.length())
    fail(Errc::out_of_range, "update: idx " + std::to_string(i) + " is out of range for kvcolumn '" + name_ +
                                 "' of length " + std::to_string(index_.length()));
  const std::uint64_t offset = data_.length();
  if (!elem.empty()) data_.append_packed(elem);
  index_.update(i, encode(offset, elem.size()));
  bump();
}

void VarColumn::compact() {
  index_.settle();
  const std::uint64_t n = index_.length();
  std::string bytes, entries;
  entries.reserve(n * kVarIndexEntryBytes);
  for (std::uint64_t i = 0; i < n; ++i) {
    std::string_view e = read_run(i, 1);
    entries += encode(bytes.size(), e.size());
    bytes.append(e);
  }
  data_.clear();
  index_.clear();
  if (!bytes.empty()) data_.append_packed(bytes);
  if (!entries.empty()) index_.append_packed(entries);
  bump();
}

void VarColumn::flush() {
  index_.settle();
  if (index_.length() == 0 && data_.length() > 0) data_.clear();  // every byte is dead
  data_.flush();
  index_.flush();
  bump();
}

void VarColumn::begin_transaction() {
  index_.begin_transaction();
  data_.begin_transaction();
}

void VarColumn::savepoint(int level) {
  index_.savepoint(level);
  data_.savepoint(level);
}

void VarColumn::release(int level) {
  index_.release(level);
  data_.release(level);
}

void VarColumn::rollback_to(int level) {
  index_.rollback_to(level);
  data_.rollback_to(level);
  bump();
}

void VarColumn::end_transaction() {
  index_.end_transaction();
  data_.end_transaction();
}

void VarColumn::discard() {
  index_.discard();
  data_.discard();
  bump();
}

void VarColumn::invalidate() {
  index_.invalidate();
  data_.invalidate();
  bump();
}

}  // namespace kv
