// VarColumn: see column/var.hpp for the design.
#include "column/var.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

#include "column/label.hpp"
#include "common/error.hpp"

namespace kv {

namespace {

void store_le(char* p, std::uint64_t v, int bytes) {
  for (int b = 0; b < bytes; ++b) p[b] = static_cast<char>((v >> (8 * b)) & 0xff);
}

constexpr const char* kDeadKey = "dead_bytes";
// Read-ahead of a sequential scan: index entries and stream bytes per fetch.
constexpr std::uint64_t kAheadEntries = 4096;
constexpr std::uint64_t kAheadBytes = 64 * 1024;

}  // namespace

VarColumn::VarColumn(ChunkStore& index_store, ChunkStore& data_store, std::uint64_t min_chunk_bytes,
                     std::uint64_t max_chunk_bytes, const std::string& table_name, std::uint64_t cache_bytes,
                     std::uint64_t read_cache_bytes)
    : name_(table_name),
      index_store_(index_store),
      index_(index_store, ChunkLayout(kVarIndexEntryBytes, min_chunk_bytes, max_chunk_bytes), table_name,
             cache_bytes / 2, read_cache_bytes / 4),
      data_(data_store, ChunkLayout(1, min_chunk_bytes, max_chunk_bytes), table_name, cache_bytes / 2,
            read_cache_bytes),
      max_chunk_bytes_(max_chunk_bytes),
      auto_compact_limit_(std::max(cache_bytes, 4 * max_chunk_bytes)) {
  index_.enable_partial_reads();
  data_.enable_partial_reads();
}

void VarColumn::set_name(const std::string& table_name) {
  name_ = table_name;
  index_.set_name(table_name);
  data_.set_name(table_name);
}

// ---- reads ----------------------------------------------------------------------

std::string VarColumn::encode(std::uint64_t offset, std::uint64_t length) {
  std::string e(kVarIndexEntryBytes, '\0');
  store_le(e.data(), offset, 6);
  e[6] = static_cast<char>(length < kVarLongRecord ? length : kVarLongRecord);
  return e;
}

std::string_view VarColumn::stream_bytes_at(std::uint64_t offset, std::uint64_t n, bool sequential) {
  if (n == 0) return {};
  if (window_epoch_ == data_.epoch() && offset >= window_first_ && n <= window_.size() &&
      offset - window_first_ <= window_.size() - n)
    return window_.substr(offset - window_first_, n);
  std::string_view first = data_.read_run(offset, sequential ? std::max(n, kAheadBytes) : n);
  window_ = first;
  window_first_ = offset;
  window_epoch_ = data_.epoch();
  if (first.size() >= n) return first.substr(0, n);
  // The bytes cross chunk boundaries: gather them.
  scratch_.assign(first);
  while (scratch_.size() < n) {
    std::string_view part = data_.read_run(offset + scratch_.size(), n - scratch_.size());
    scratch_.append(part.substr(0, n - scratch_.size()));
  }
  window_epoch_ = 0;  // the reads above may have replaced the window's bytes
  return scratch_;
}

VarColumn::Entry VarColumn::entry(std::uint64_t i) {
  const bool sequential = last_read_ != UINT64_MAX && i == last_read_ + 1;
  if (entries_epoch_ != index_.epoch() || i < entries_first_ ||
      i - entries_first_ >= entries_.size() / kVarIndexEntryBytes) {
    entries_ = index_.read_run(i, sequential ? kAheadEntries : 1);
    entries_first_ = i;
    entries_epoch_ = index_.epoch();
  }
  const char* raw = entries_.data() + (i - entries_first_) * kVarIndexEntryBytes;
  Entry e{load_le_bytes(raw, 6), static_cast<unsigned char>(raw[6]), false};
  const std::uint64_t stream = data_.length();
  auto outside = [&](std::uint64_t bytes) {
    fail(Errc::corrupt, column_label(name_) + " is corrupt: index entry " + std::to_string(i) +
                            " points at bytes [" + std::to_string(e.offset) + ", +" + std::to_string(bytes) +
                            ") outside the " + std::to_string(stream) + "-byte data stream");
  };
  if (e.length == kVarLongRecord) {
    e.long_record = true;
    if (e.offset > stream || stream - e.offset < 4) outside(4);
    e.length = load_le_bytes(stream_bytes_at(e.offset, 4, sequential).data(), 4);
    if (e.length < kVarLongRecord)
      fail(Errc::corrupt, column_label(name_) + " is corrupt: element " + std::to_string(i) +
                              " has a long record of only " + std::to_string(e.length) + " bytes");
  }
  if (e.offset > stream || e.record_bytes() > stream - e.offset) outside(e.record_bytes());
  return e;
}

std::string_view VarColumn::read_slow(std::uint64_t i) {
  bump();
  const bool sequential = last_read_ != UINT64_MAX && i == last_read_ + 1;
  const Entry e = entry(i);
  last_read_ = i;
  return stream_bytes_at(e.offset + (e.long_record ? 4 : 0), e.length, sequential);
}

// ---- writes ---------------------------------------------------------------------

void VarColumn::check_room(std::uint64_t offset, std::uint64_t record) const {
  if (record > kVarMaxStreamBytes - offset)
    fail(Errc::too_big, column_label(name_) + ": the data stream would pass 2^48 bytes (256 TiB)");
}

std::string VarColumn::append_record(std::string_view elem) {
  if (elem.size() > std::numeric_limits<std::uint32_t>::max())
    fail(Errc::too_big, column_label(name_) + ": an element of " + std::to_string(elem.size()) +
                            " bytes is larger than the 4 GiB a record can hold");
  const std::uint64_t offset = data_.length();
  const bool long_record = elem.size() >= kVarLongRecord;
  const std::uint64_t record = elem.size() + (long_record ? 4 : 0);
  check_room(offset, record);
  if (long_record) {
    char header[4];
    store_le(header, elem.size(), 4);
    data_.append_packed(std::string_view(header, 4));
  }
  if (!elem.empty()) data_.append_packed(elem);
  return encode(offset, elem.size());
}

void VarColumn::append_packed(std::string_view packed) {
  settle();
  index_.append_packed(append_record(packed));
  bump();
}

void VarColumn::append_many(const std::vector<std::string_view>& elems) {
  settle();
  std::string entries(elems.size() * kVarIndexEntryBytes, '\0');
  std::uint64_t offset = data_.length();
  const char* run = nullptr;  // a run of short records not yet appended: [run, run + run_bytes)
  std::size_t run_bytes = 0;
  auto flush_run = [&] {
    if (run_bytes) data_.append_packed(std::string_view(run, run_bytes));
    run = nullptr, run_bytes = 0;
  };
  for (std::size_t k = 0; k < elems.size(); ++k) {
    const std::string_view e = elems[k];
    if (e.size() >= kVarLongRecord) {
      flush_run();
      const std::string entry = append_record(e);
      std::memcpy(entries.data() + k * kVarIndexEntryBytes, entry.data(), kVarIndexEntryBytes);
      offset += e.size() + 4;
      continue;
    }
    check_room(offset, e.size());
    if (run && run + run_bytes != e.data()) flush_run();
    if (!run) run = e.data();
    run_bytes += e.size();
    const std::string entry = encode(offset, e.size());
    std::memcpy(entries.data() + k * kVarIndexEntryBytes, entry.data(), kVarIndexEntryBytes);
    offset += e.size();
  }
  flush_run();
  index_.append_packed(entries);
  bump();
}

void VarColumn::insert(std::uint64_t i, std::string_view elem) {
  settle();
  if (i > index_.length())
    fail(Errc::out_of_range, "insert: idx " + std::to_string(i) + " is out of range for " + column_label(name_) +
                                 " of length " + std::to_string(index_.length()) + " (expected 0.." +
                                 std::to_string(index_.length()) + ")");
  index_.insert(i, append_record(elem));
  bump();
}

void VarColumn::update(std::uint64_t i, std::string_view elem) {
  settle();
  if (i >= index_.length())
    fail(Errc::out_of_range, "update: idx " + std::to_string(i) + " is out of range for " + column_label(name_) +
                                 " of length " + std::to_string(index_.length()));
  const Entry old = entry(i);
  if (old.length == elem.size()) {  // same size: same record shape, overwrite in place
    if (!elem.empty()) data_.overwrite(old.offset + (old.long_record ? 4 : 0), elem);
  } else {
    index_.update(i, append_record(elem));
    ensure_dead_loaded();
    dead_ += old.record_bytes();
  }
  bump();
}

void VarColumn::mark_deleted(std::uint64_t i) {
  index_.mark_deleted(i);  // validates i
  pending_.push_back(i);
}

void VarColumn::settle() {
  if (!pending_.empty()) {
    std::sort(pending_.begin(), pending_.end());
    pending_.erase(std::unique(pending_.begin(), pending_.end()), pending_.end());
    ensure_dead_loaded();
    for (std::uint64_t i : pending_) dead_ += entry(i).record_bytes();  // still the original numbering
    pending_.clear();
  }
  index_.settle();
}

// ---- fragment tracking and compaction --------------------------------------------

void VarColumn::ensure_dead_loaded() {
  if (dead_loaded_) return;
  dead_ = stored_dead_ = index_store_.load_counter(kDeadKey).value_or(0);
  dead_loaded_ = true;
  auto_retry_dead_ = 0;  // a fresh count (maybe another connection compacted): try again
}

std::uint64_t VarColumn::dead_bytes() {
  settle();
  ensure_dead_loaded();
  return dead_;
}

std::vector<std::string> VarColumn::verify() {
  std::vector<std::string> problems;
  settle();
  ensure_dead_loaded();
  const std::uint64_t n = index_.length(), stream = data_.length();
  std::uint64_t live = 0;
  last_read_ = UINT64_MAX;
  for (std::uint64_t i = 0; i < n && problems.size() < 10; ++i, last_read_ = i - 1) {
    try {
      live += entry(i).record_bytes();
    } catch (const Error& e) {
      problems.emplace_back(e.what());
    }
  }
  last_read_ = UINT64_MAX;
  if (problems.empty() && (live > stream || stream - live != dead_))
    problems.push_back("dead_bytes is " + std::to_string(dead_) + " but the index uses " +
                       std::to_string(live) + " of the " + std::to_string(stream) + " stream bytes");
  return problems;
}

void VarColumn::compact_from(double min_dead_fraction, std::uint64_t max_moved) {
  settle();
  ensure_dead_loaded();
  const std::uint64_t n = index_.length(), stream = data_.length();
  if (stream == 0) {
    dead_ = 0;  // exact, whatever the counter said
    return;
  }
  const std::uint64_t C = data_.layout().full_chunk_bytes();
  const std::uint64_t chunks = (stream + C - 1) / C;
  // Pass 1: live bytes per chunk (a record may span chunks).
  std::vector<std::uint64_t> live(chunks, 0);
  std::uint64_t total_live = 0;
  last_read_ = UINT64_MAX;
  for (std::uint64_t i = 0; i < n; ++i, last_read_ = i - 1) {
    const Entry e = entry(i);
    total_live += e.record_bytes();
    for (std::uint64_t at = e.offset, end = e.offset + e.record_bytes(); at < end;) {
      const std::uint64_t c = at / C, stop = std::min(end, (c + 1) * C);
      live[c] += stop - at;
      at = stop;
    }
  }
  // Only chunks within max_moved of the end are candidates.
  const std::uint64_t first_candidate = stream > max_moved ? (stream - max_moved + C - 1) / C : 0;
  std::uint64_t start_chunk = chunks;
  for (std::uint64_t c = first_candidate; c < chunks && start_chunk == chunks; ++c) {
    const std::uint64_t size = std::min(C, stream - c * C), dead = size - live[c];
    if (dead > 0 && static_cast<double>(dead) >= min_dead_fraction * static_cast<double>(size))
      start_chunk = c;
  }
  dead_ = stream - total_live;  // exact, whatever the counter said
  if (start_chunk == chunks) return;
  const std::uint64_t boundary = start_chunk * C;
  // Pass 2: the records that reach past the chunk boundary, in idx order.
  // The stream is cut at the first of them (a record crossing the boundary
  // starts before it), so no byte before the cut is left dead by the move:
  // records do not overlap, so every record kept in place ends at or before
  // the cut.
  std::string moved;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> moved_elems;  // (idx, element length)
  std::uint64_t start = boundary;
  last_read_ = UINT64_MAX;
  for (std::uint64_t i = 0; i < n; ++i, last_read_ = i - 1) {
    const Entry e = entry(i);
    if (e.offset + e.record_bytes() <= boundary) continue;
    start = std::min(start, e.offset);
    moved_elems.emplace_back(i, e.length);
    if (stream - start > max_moved) continue;  // (a record crossing the boundary is too big: given up below)
    moved.append(stream_bytes_at(e.offset, e.record_bytes(), true));
  }
  last_read_ = UINT64_MAX;
  if (stream - start > max_moved) return;
  data_.truncate(start);
  if (!moved.empty()) data_.append_packed(moved);
  // Repoint the moved entries: one overwrite per run of consecutive idx.
  std::string run;
  std::uint64_t offset = start;
  for (std::size_t k = 0; k < moved_elems.size();) {
    run.clear();
    std::size_t j = k;
    for (; j < moved_elems.size() && moved_elems[j].first == moved_elems[k].first + (j - k); ++j) {
      const std::uint64_t length = moved_elems[j].second;
      run += encode(offset, length);
      offset += length + (length >= kVarLongRecord ? 4 : 0);
    }
    index_.overwrite(moved_elems[k].first, run);
    k = j;
  }
  dead_ = start - (total_live - moved.size());
  bump();
}

// ---- flush and transactions -------------------------------------------------------

void VarColumn::flush() {
  settle();
  ensure_dead_loaded();
  if (index_.length() == 0) {
    if (data_.length() > 0) data_.clear();  // every byte is dead
    dead_ = 0;
  } else if (dead_ >= max_chunk_bytes_ && 2 * dead_ >= data_.length() && dead_ >= auto_retry_dead_) {
    // (A counter above the stream size is damaged: compaction recounts it.)
    compact_from(0.25, auto_compact_limit_);
    // Still past the threshold (the dead bytes lie further back than the
    // limit reaches): leave them to 'compact' until they double.
    auto_retry_dead_ = 2 * dead_ >= data_.length() ? 2 * dead_ : 0;
  }
  data_.flush();
  index_.flush();
  if (dead_ != stored_dead_) {
    index_store_.save_counter(kDeadKey, dead_);
    stored_dead_ = dead_;
  }
  bump();
}

void VarColumn::begin_transaction() {
  settle();
  index_.begin_transaction();
  data_.begin_transaction();
  dead_saves_.clear();
  dead_saves_.emplace_back(-1, dead_loaded_ ? std::optional<std::uint64_t>(dead_) : std::nullopt);
}

void VarColumn::savepoint(int level) {
  settle();
  index_.savepoint(level);
  data_.savepoint(level);
  while (!dead_saves_.empty() && dead_saves_.back().first >= level) dead_saves_.pop_back();
  dead_saves_.emplace_back(level, dead_loaded_ ? std::optional<std::uint64_t>(dead_) : std::nullopt);
}

void VarColumn::release(int level) {
  index_.release(level);
  data_.release(level);
  while (!dead_saves_.empty() && dead_saves_.back().first >= level) dead_saves_.pop_back();
}

void VarColumn::rollback_to(int level) {
  index_.rollback_to(level);
  data_.rollback_to(level);
  pending_.clear();
  // The same choice of snapshot as FixedColumn::rollback_to.
  auto it = std::find_if(dead_saves_.begin(), dead_saves_.end(), [&](auto& s) { return s.first == level; });
  if (it == dead_saves_.end() && !dead_saves_.empty() && dead_saves_.front().first == -1)
    it = dead_saves_.begin();
  if (it != dead_saves_.end()) {
    const std::optional<std::uint64_t> saved = it->second;
    while (!dead_saves_.empty() && dead_saves_.back().first > level) dead_saves_.pop_back();
    // A flush since the savepoint may have saved the counter; SQLite undid
    // that row too, so the stored value is unknown: save at the next flush.
    dead_loaded_ = saved.has_value();
    if (saved) dead_ = *saved, stored_dead_ = UINT64_MAX;
  }
  bump();
}

void VarColumn::end_transaction() {
  index_.end_transaction();
  data_.end_transaction();
  dead_saves_.clear();
}

void VarColumn::discard() {
  index_.discard();
  data_.discard();
  pending_.clear();
  dead_saves_.clear();
  dead_loaded_ = false;
  bump();
}

void VarColumn::invalidate() {
  index_.invalidate();
  data_.invalidate();
  if (pending_.empty() && dead_ == stored_dead_) dead_loaded_ = false;
  bump();
}

}  // namespace kv
