#include "column/fixed.hpp"

#include <algorithm>
#include <cstring>

#include "column/label.hpp"
#include "common/error.hpp"

namespace kv {

namespace {
// Approximate memory of one patch besides its bytes (map node, string).
constexpr std::uint64_t kPatchOverhead = 64;

// Ends the store's run of writes (ChunkStore::finish_writes) when the scope
// ends, also on an error.
struct FinishWrites {
  ChunkStore& store;
  ~FinishWrites() { store.finish_writes(); }
};
}  // namespace

FixedColumn::FixedColumn(ChunkStore& store, ChunkLayout layout, std::string table_name,
                         std::uint64_t cache_bytes, std::uint64_t read_cache_bytes)
    : store_(store),
      layout_(layout),
      name_(std::move(table_name)),
      cache_bytes_(cache_bytes),
      read_cache_bytes_(read_cache_bytes) {}

void FixedColumn::corrupt(const std::string& what) const {
  fail(Errc::corrupt, column_label(name_) + " is corrupt: " + what);
}

void FixedColumn::ensure_loaded() {
  if (loaded_) return;
  std::uint64_t n = store_.load_length();
  state_ = State{};
  state_.length = state_.stored_length = state_.base_length = n;
  loaded_ = true;
  ++epoch_;
}

void FixedColumn::check_index(std::uint64_t i, std::uint64_t limit, const char* what) const {
  if (i >= limit)
    fail(Errc::out_of_range, std::string(what) + " idx " + std::to_string(i) +
                                 " is out of range for " + column_label(name_) + " of length " +
                                 std::to_string(state_.length));
}

// ---- stored chunks (LRU) ----------------------------------------------------

const std::string& FixedColumn::stored_chunk(std::uint64_t chunk) {
  auto it = lru_.find(chunk);
  if (it != lru_.end()) {
    lru_order_.splice(lru_order_.begin(), lru_order_, it->second.pos);
    return it->second.bytes;
  }
  std::string bytes;
  if (!store_.read_chunk(chunk, bytes))
    corrupt("chunk " + std::to_string(chunk) + " is missing (length " + std::to_string(state_.stored_length) +
            " needs " + std::to_string(layout_.chunk_count(state_.stored_length)) + " chunks)");
  std::uint64_t elems = layout_.elems_in_chunk(chunk, state_.stored_length);
  if (!layout_.valid_blob_size(bytes.size(), elems))
    corrupt("chunk " + std::to_string(chunk) + " has " + std::to_string(bytes.size()) +
            " bytes, expected room for " + std::to_string(elems) + " elements of " +
            std::to_string(layout_.elem_size()) + " bytes (at most " +
            std::to_string(layout_.full_chunk_bytes()) + " bytes)");
  // Evict least recently used chunks, keeping at least one besides the new one.
  while (!lru_order_.empty() && lru_bytes_ + bytes.size() > read_cache_bytes_ && lru_.size() >= 2) {
    drop_cached(lru_order_.back());
  }
  lru_order_.push_front(chunk);
  lru_bytes_ += bytes.size();
  auto& slot = lru_[chunk];
  slot.bytes = std::move(bytes);
  slot.pos = lru_order_.begin();
  return slot.bytes;
}

void FixedColumn::drop_cached(std::uint64_t chunk) {
  auto it = lru_.find(chunk);
  if (it == lru_.end()) return;
  lru_bytes_ -= it->second.bytes.size();
  lru_order_.erase(it->second.pos);
  lru_.erase(it);
  partial_bytes_.erase(chunk);  // evicted: small reads go back to partial reads first
  ++epoch_;
}

void FixedColumn::clear_cache() {
  partial_bytes_.clear();
  lru_.clear();
  lru_order_.clear();
  lru_bytes_ = 0;
  ++epoch_;
}

// ---- images -----------------------------------------------------------------

FixedColumn::ChunkImage& FixedColumn::image(std::uint64_t chunk, bool full) {
  const std::uint64_t E = layout_.elem_size();
  auto& slot = state_.images[chunk];
  if (!slot) {
    slot = std::make_shared<ChunkImage>();
    slot->lo = layout_.elems_in_chunk(chunk, state_.base_length);
  } else if (slot.use_count() > 1) {
    slot = std::make_shared<ChunkImage>(*slot);  // copy on write: a savepoint holds the old one
  }
  ChunkImage& img = *slot;
  if (full && img.lo > 0) {
    const std::string& base = stored_chunk(chunk);
    std::string whole(base.data(), img.lo * E);
    for (auto& [k, bytes] : img.patches) {
      std::memcpy(whole.data() + k * E, bytes.data(), E);
      img.mark(k, k + 1);
    }
    state_.buffered += img.lo * E;
    state_.buffered -= img.patches.size() * (E + kPatchOverhead);
    img.patches.clear();
    whole += img.data;
    img.data = std::move(whole);
    img.lo = 0;
  }
  return img;
}

std::string_view FixedColumn::read_run(std::uint64_t i, std::uint64_t max_elems) {
  ensure_loaded();
  check_index(i, state_.length, "read:");
  const std::uint64_t E = layout_.elem_size();
  const std::uint64_t chunk = layout_.chunk_of(i), k = layout_.index_in_chunk(i);
  std::uint64_t end = count_in(chunk);  // exclusive, in chunk coordinates
  if (max_elems == 0) max_elems = 1;
  auto it = state_.images.find(chunk);
  if (it != state_.images.end()) {
    const ChunkImage& img = *it->second;
    if (k >= img.lo) {
      std::uint64_t n = std::min(end - k, max_elems);
      return {img.data.data() + (k - img.lo) * E, n * E};
    }
    auto p = img.patches.lower_bound(k);
    if (p != img.patches.end() && p->first == k) return {p->second.data(), E};
    end = std::min(img.lo, p != img.patches.end() ? p->first : img.lo);
  }
  std::uint64_t n = std::min(end - k, max_elems);
  if (partial_reads_ && lru_.find(chunk) == lru_.end()) {
    std::uint64_t& seen = partial_bytes_[chunk];
    // read_range cannot tell a BLOB row from a TEXT one; chunk_size rejects
    // a non-BLOB row (once per chunk and cache lifetime).
    if (seen == 0 && !store_.chunk_size(chunk)) corrupt("chunk " + std::to_string(chunk) + " is missing");
    // Cache a chunk whole only when it is read often and fits without evicting
    // another (evicting would turn random reads into whole-chunk reloads).
    if (seen < layout_.full_chunk_bytes() / 16 ||
        lru_bytes_ + layout_.full_chunk_bytes() > read_cache_bytes_) {
      seen += n * E;
      return read_partial(chunk, k, n);
    }
  }
  const std::string& base = stored_chunk(chunk);
  return {base.data() + k * E, n * E};
}

std::string_view FixedColumn::scan_run(std::uint64_t i, std::uint64_t max_elems) {
  ensure_loaded();
  check_index(i, state_.length, "read:");
  const std::uint64_t chunk = layout_.chunk_of(i), k = layout_.index_in_chunk(i);
  if (state_.images.count(chunk) || lru_.count(chunk) || lru_.empty() ||
      lru_bytes_ + layout_.full_chunk_bytes() <= read_cache_bytes_)
    return read_run(i, max_elems);
  const std::uint64_t n = std::min(count_in(chunk) - k, max_elems == 0 ? 1 : max_elems);
  // read_range cannot tell a BLOB row from a TEXT one; chunk_size rejects a non-BLOB row
  if (!store_.chunk_size(chunk)) corrupt("chunk " + std::to_string(chunk) + " is missing");
  return read_partial(chunk, k, n);
}

std::uint64_t FixedColumn::scan_stream(std::uint64_t i, std::uint64_t max_elems, const RunSink& sink) {
  ensure_loaded();
  check_index(i, state_.length, "read:");
  const std::uint64_t chunk = layout_.chunk_of(i), k = layout_.index_in_chunk(i);
  if (state_.images.count(chunk) || lru_.count(chunk) || lru_.empty() ||
      lru_bytes_ + layout_.full_chunk_bytes() <= read_cache_bytes_)
    return 0;  // scan_run serves it from memory or caches it
  const std::uint64_t E = layout_.elem_size();
  const std::uint64_t n = std::min(count_in(chunk) - k, max_elems == 0 ? 1 : max_elems);
  const std::uint64_t elems = layout_.elems_in_chunk(chunk, state_.stored_length);
  const auto bad_size = [&](std::uint64_t size) {
    corrupt("chunk " + std::to_string(chunk) + " has " + std::to_string(size) + " bytes, expected room for " +
            std::to_string(elems) + " elements of " + std::to_string(E) + " bytes (at most " +
            std::to_string(layout_.full_chunk_bytes()) + " bytes)");
  };
  // chunk_size also rejects a non-BLOB row, which a blob read cannot tell
  const std::optional<std::uint64_t> stored = store_.chunk_size(chunk);
  if (!stored) corrupt("chunk " + std::to_string(chunk) + " is missing");
  if (!layout_.valid_blob_size(*stored, elems) || *stored < (k + n) * E) bad_size(*stored);
  const std::uint64_t piece = std::max<std::uint64_t>(1, kScanPieceBytes / E) * E;
  const std::optional<std::uint64_t> size =
      store_.read_pieces(chunk, k * E, n * E, piece, partial_, [&](std::string_view bytes, std::uint64_t at) {
        ++epoch_;  // the previous piece is gone
        sink(bytes, i + at / E, bytes.size() / E);
      });
  if (!size) corrupt("chunk " + std::to_string(chunk) + " is missing");
  if (*size != *stored) bad_size(*size);
  return n;
}

std::string_view FixedColumn::read_partial(std::uint64_t chunk, std::uint64_t k, std::uint64_t n) {
  const std::uint64_t E = layout_.elem_size();
  // partial_ keeps its size between reads (read_range resizes it to n * E and
  // overwrites every byte), so a scan does not zero-fill its buffer per read.
  std::optional<std::uint64_t> size = store_.read_range(chunk, k * E, n * E, partial_);
  if (!size) corrupt("chunk " + std::to_string(chunk) + " is missing");
  std::uint64_t elems = layout_.elems_in_chunk(chunk, state_.stored_length);
  if (!layout_.valid_blob_size(*size, elems) || *size < (k + n) * E || partial_.size() != n * E)
    corrupt("chunk " + std::to_string(chunk) + " has " + std::to_string(*size) +
            " bytes, expected room for " + std::to_string(elems) + " elements of " + std::to_string(E) +
            " bytes (at most " + std::to_string(layout_.full_chunk_bytes()) + " bytes)");
  ++epoch_;  // the previous partial view is gone
  return partial_;
}

// ---- writes -----------------------------------------------------------------

void FixedColumn::update(std::uint64_t i, std::string_view elem) {
  settle();
  check_index(i, state_.length, "update:");
  const std::uint64_t E = layout_.elem_size();
  if (elem.size() != E) fail(Errc::internal, "update with an element of the wrong size");
  const std::uint64_t chunk = layout_.chunk_of(i), k = layout_.index_in_chunk(i);
  ChunkImage& img = image(chunk, false);
  if (k >= img.lo) {
    std::memcpy(img.data.data() + (k - img.lo) * E, elem.data(), E);
    img.mark(k, k + 1);
  } else {
    auto [pos, inserted] = img.patches.try_emplace(k);
    pos->second.assign(elem.data(), E);
    if (inserted) state_.buffered += E + kPatchOverhead;
    // Many scattered updates in one chunk: a full in-memory copy is smaller
    // than the patch map and is still written back as one dirty range.
    if (img.patches.size() * (E + kPatchOverhead) > img.lo * E) image(chunk, true);
  }
  ++epoch_;
  maybe_flush();
}

void FixedColumn::append_packed(std::string_view packed) {
  settle();
  const std::uint64_t E = layout_.elem_size();
  if (packed.size() % E != 0)
    fail(Errc::invalid_argument, column_label(name_) + ": packed data of " + std::to_string(packed.size()) +
                                     " bytes is not a whole number of " + std::to_string(E) +
                                     "-byte elements");
  const std::uint64_t M = layout_.elems_per_chunk();
  std::uint64_t remaining = packed.size() / E;
  const char* src = packed.data();
  while (remaining > 0) {
    const std::uint64_t chunk = layout_.chunk_of(state_.length);
    const std::uint64_t k = layout_.index_in_chunk(state_.length);
    ChunkImage& img = image(chunk, false);
    std::uint64_t take = std::min(remaining, M - k);
    // Room for the chunk's growth: whole small chunks at once (appends one
    // element at a time would otherwise copy each chunk about twice while it
    // doubles), big ones when a large append arrives.
    if (img.data.capacity() < img.data.size() + take * E) {
      if (layout_.full_chunk_bytes() <= (1u << 20))
        img.data.reserve(M * E);
      else if (take * E >= (1u << 16))
        img.data.reserve(std::min(M, std::max<std::uint64_t>(k + take, 2 * k)) * E);
    }
    img.data.append(src, take * E);
    img.mark(k, k + take);
    state_.length += take;
    state_.buffered += take * E;
    src += take * E;
    remaining -= take;
    ++epoch_;
    maybe_flush();
  }
  ++epoch_;
}

void FixedColumn::insert(std::uint64_t i, std::string_view elem) {
  settle();
  const std::uint64_t E = layout_.elem_size();
  if (i > state_.length)
    fail(Errc::out_of_range, "insert: idx " + std::to_string(i) + " is out of range for " + column_label(name_) +
                                 " of length " + std::to_string(state_.length) + " (expected 0.." +
                                 std::to_string(state_.length) + ")");
  if (i == state_.length) return append_packed(elem);
  // Grow by one at the end (placeholder), then shift [i, length-1) right by one.
  append_packed(elem);
  const std::uint64_t first = layout_.chunk_of(i), last = layout_.chunk_of(state_.length - 1);
  for (std::uint64_t c = first; c <= last; ++c) image(c, true);
  for (std::uint64_t c = last + 1; c-- > first;) {
    ChunkImage& img = *state_.images.at(c);
    const std::uint64_t cnt = img.data.size() / E;
    const std::uint64_t start = c == first ? layout_.index_in_chunk(i) : 0;
    if (cnt > start + 1)
      std::memmove(img.data.data() + (start + 1) * E, img.data.data() + start * E, (cnt - 1 - start) * E);
    if (c > first) {
      const ChunkImage& prev = *state_.images.at(c - 1);
      std::memcpy(img.data.data(), prev.data.data() + prev.data.size() - E, E);
    } else {
      std::memcpy(img.data.data() + start * E, elem.data(), E);
    }
    img.mark(start, cnt);
  }
  ++epoch_;
  maybe_flush();
}

void FixedColumn::mark_deleted(std::uint64_t i) {
  ensure_loaded();
  check_index(i, state_.length, "delete:");
  state_.pending.push_back(i);
}

void FixedColumn::clear() {
  ensure_loaded();
  state_.images.clear();
  state_.pending.clear();
  state_.length = state_.base_length = state_.buffered = 0;
  ++epoch_;
}

void FixedColumn::truncate(std::uint64_t n) {
  settle();
  if (n >= state_.length) return;
  if (n == 0) return clear();
  const std::uint64_t E = layout_.elem_size();
  const std::uint64_t keep = layout_.chunk_count(n);
  for (auto it = state_.images.lower_bound(keep); it != state_.images.end();) {
    state_.buffered -= std::min(state_.buffered, it->second->data.size());
    it = state_.images.erase(it);
  }
  // The chunk that becomes the last one: cut its in-memory copy.
  ChunkImage& img = image(keep - 1, true);
  const std::uint64_t cnt = layout_.elems_in_chunk(keep - 1, n);
  state_.buffered -= std::min(state_.buffered, img.data.size());
  img.data.resize(cnt * E);
  state_.buffered += img.data.size();
  if (img.dirty_hi > cnt) img.dirty_hi = cnt;
  state_.length = n;
  state_.base_length = std::min(state_.base_length, n);
  ++epoch_;
  maybe_flush();
}

std::uint64_t FixedColumn::elements_to_write(std::uint64_t i, std::string_view packed, const char* what) {
  settle();
  const std::uint64_t E = layout_.elem_size();
  if (packed.size() % E != 0) fail(Errc::internal, std::string(what) + " with a partial element");
  const std::uint64_t n = packed.size() / E;
  if (n > 0) check_index(i + n - 1, state_.length, (std::string(what) + ":").c_str());
  return n;
}

template <class F>
void FixedColumn::for_each_chunk_part(std::uint64_t i, std::string_view packed, F&& f) {
  const std::uint64_t E = layout_.elem_size();
  const char* src = packed.data();
  for (std::uint64_t at = i, left = packed.size() / E; left > 0;) {
    const std::uint64_t chunk = layout_.chunk_of(at), k = layout_.index_in_chunk(at);
    const std::uint64_t take = std::min(left, layout_.elems_per_chunk() - k);
    f(chunk, k, at, std::string_view(src, take * E));
    src += take * E;
    at += take;
    left -= take;
  }
}

void FixedColumn::overwrite(std::uint64_t i, std::string_view packed) {
  if (elements_to_write(i, packed, "overwrite") == 0) return;
  const std::uint64_t E = layout_.elem_size();
  auto into_image = [&](std::uint64_t chunk, std::uint64_t k, std::uint64_t, std::string_view part) {
    ChunkImage& img = image(chunk, k < image(chunk, false).lo);
    std::memcpy(img.data.data() + (k - img.lo) * E, part.data(), part.size());
    img.mark(k, k + part.size() / E);
  };
  for_each_chunk_part(i, packed, into_image);
  ++epoch_;
  maybe_flush();
}

void FixedColumn::write_slice(std::uint64_t i, std::string_view packed) {
  if (elements_to_write(i, packed, "write") == 0) return;
  const std::uint64_t E = layout_.elem_size();
  FinishWrites finish{store_};
  auto in_place_or_buffered = [&](std::uint64_t chunk, std::uint64_t k, std::uint64_t at,
                                  std::string_view part) {
    const std::uint64_t end = at + part.size() / E;
    const bool stored_current =
        !state_.images.count(chunk) && end <= state_.base_length && end <= state_.stored_length;
    std::optional<std::uint64_t> size;
    if (stored_current) size = store_.chunk_size(chunk);
    if (size && *size >= k * E + part.size()) {
      store_.write_in_place(chunk, k * E, part);
      if (auto cached = lru_.find(chunk); cached != lru_.end())  // keep the cached copy current
        std::memcpy(cached->second.bytes.data() + k * E, part.data(), part.size());
    } else {
      overwrite(at, part);
    }
  };
  for_each_chunk_part(i, packed, in_place_or_buffered);
  ++epoch_;
}

void FixedColumn::move_left(std::uint64_t src, std::uint64_t dst, std::uint64_t n) {
  const std::uint64_t E = layout_.elem_size(), M = layout_.elems_per_chunk();
  while (n > 0) {
    const std::uint64_t ks = layout_.index_in_chunk(src), kd = layout_.index_in_chunk(dst);
    const std::uint64_t span = std::min({n, M - ks, M - kd});
    ChunkImage& from = *state_.images.at(layout_.chunk_of(src));
    ChunkImage& to = *state_.images.at(layout_.chunk_of(dst));
    std::memmove(to.data.data() + kd * E, from.data.data() + ks * E, span * E);
    src += span;
    dst += span;
    n -= span;
  }
}

void FixedColumn::settle() {
  ensure_loaded();
  auto& pending = state_.pending;
  if (pending.empty()) return;
  std::sort(pending.begin(), pending.end());
  pending.erase(std::unique(pending.begin(), pending.end()), pending.end());
  const std::uint64_t E = layout_.elem_size();
  const std::uint64_t first = pending.front();
  const std::uint64_t first_chunk = layout_.chunk_of(first), last_chunk = layout_.chunk_of(state_.length - 1);
  for (std::uint64_t c = first_chunk; c <= last_chunk; ++c) image(c, true);
  std::uint64_t write = first;
  for (std::size_t j = 0; j < pending.size(); ++j) {
    const std::uint64_t from = pending[j] + 1;
    const std::uint64_t to = j + 1 < pending.size() ? pending[j + 1] : state_.length;
    if (to > from) move_left(from, write, to - from);
    write += to - from;
  }
  const std::uint64_t new_length = state_.length - pending.size();
  state_.length = new_length;
  for (std::uint64_t c = first_chunk; c <= last_chunk; ++c) {
    auto it = state_.images.find(c);
    const std::uint64_t cnt = layout_.elems_in_chunk(c, new_length);
    ChunkImage& img = *it->second;
    state_.buffered -= img.data.size();
    if (cnt == 0) {
      state_.images.erase(it);
      continue;
    }
    img.data.resize(cnt * E);
    state_.buffered += img.data.size();
    img.mark(c == first_chunk ? layout_.index_in_chunk(first) : 0, cnt);
    if (img.dirty_hi > cnt) img.dirty_hi = cnt;
  }
  state_.base_length = std::min(state_.base_length, first);
  pending.clear();
  ++epoch_;
  maybe_flush();
}

// ---- flush and transactions ---------------------------------------------------

void FixedColumn::maybe_flush() {
  if (state_.buffered > cache_bytes_) flush();
}

void FixedColumn::write_chunk(std::uint64_t chunk, ChunkImage& img) {
  const std::uint64_t E = layout_.elem_size();
  const std::uint64_t count = count_in(chunk);
  std::optional<std::uint64_t> size;
  if (chunk < layout_.chunk_count(state_.stored_length)) size = store_.chunk_size(chunk);
  bool in_place = size && layout_.valid_blob_size(*size, count) &&
                  (count == layout_.elems_per_chunk() || *size <= 2 * layout_.capacity_for(count));
  if (in_place && img.lo > 0 && *size < img.lo * E) in_place = false;
  if (in_place) {
    // Coalesce consecutive patches into one write each.
    for (auto p = img.patches.begin(); p != img.patches.end();) {
      std::string run = p->second;
      std::uint64_t start = p->first, next = start + 1;
      for (++p; p != img.patches.end() && p->first == next; ++p, ++next) run += p->second;
      store_.write_in_place(chunk, start * E, run);
    }
    if (img.dirty_lo < img.dirty_hi) {
      std::string_view run(img.data.data() + (img.dirty_lo - img.lo) * E, (img.dirty_hi - img.dirty_lo) * E);
      store_.write_in_place(chunk, img.dirty_lo * E, run);
    }
  } else {
    std::uint64_t cap =
        count == layout_.elems_per_chunk() ? layout_.full_chunk_bytes() : layout_.capacity_for(count);
    std::string blob;
    blob.reserve(cap);
    if (img.lo > 0) {
      blob.assign(stored_chunk(chunk), 0, img.lo * E);
      for (auto& [k, bytes] : img.patches) std::memcpy(blob.data() + k * E, bytes.data(), E);
    }
    blob += img.data;
    blob.resize(cap, '\0');
    store_.put_chunk(chunk, blob);
  }
  drop_cached(chunk);
}

void FixedColumn::flush() {
  settle();
  FinishWrites finish{store_};
  for (auto& [chunk, img] : state_.images) {
    if (img.use_count() > 1) img = std::make_shared<ChunkImage>(*img);
    write_chunk(chunk, *img);
  }
  const std::uint64_t keep = layout_.chunk_count(state_.length);
  if (layout_.chunk_count(state_.stored_length) > keep) {
    store_.delete_chunks_from(keep);
    for (std::uint64_t c = keep; c < layout_.chunk_count(state_.stored_length); ++c) drop_cached(c);
  }
  if (state_.stored_length != state_.length) store_.save_length(state_.length);
  state_.stored_length = state_.base_length = state_.length;
  state_.images.clear();
  state_.buffered = 0;
  ++epoch_;
}

void FixedColumn::begin_transaction() {
  settle();
  savepoints_.clear();
  savepoints_.emplace_back(-1, state_);
}

void FixedColumn::savepoint(int level) {
  settle();
  while (!savepoints_.empty() && savepoints_.back().first >= level) savepoints_.pop_back();
  savepoints_.emplace_back(level, state_);
}

void FixedColumn::release(int level) {
  while (!savepoints_.empty() && savepoints_.back().first >= level) savepoints_.pop_back();
}

void FixedColumn::rollback_to(int level) {
  // Savepoint `level` was opened either while this table was in the
  // transaction (an exact snapshot exists) or before it joined (the state at
  // join is the state of that savepoint).
  auto it = std::find_if(savepoints_.begin(), savepoints_.end(), [&](auto& s) { return s.first == level; });
  if (it == savepoints_.end()) {
    if (savepoints_.empty() || savepoints_.front().first != -1) return;
    it = savepoints_.begin();
  }
  State restored = it->second;
  while (!savepoints_.empty() && savepoints_.back().first > level) savepoints_.pop_back();
  state_ = std::move(restored);
  clear_cache();
}

void FixedColumn::end_transaction() { savepoints_.clear(); }

void FixedColumn::discard() {
  savepoints_.clear();
  state_ = State{};
  loaded_ = false;
  clear_cache();
}

void FixedColumn::invalidate() {
  if (!state_.images.empty() || !state_.pending.empty()) return;  // our own transaction: nothing is stale
  loaded_ = false;
  clear_cache();
}

}  // namespace kv
