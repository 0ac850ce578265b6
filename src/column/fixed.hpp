// FixedColumn: the Column of fixed-size elements over a ChunkStore.
//
// State (per connection):
//  * length        elements as the SQL layer sees them
//  * stored_length the length recorded in the store
//  * base_length   storage elements [0, base_length) are still valid as the
//                  content of chunks that have no full in-memory image
//  * images        per touched chunk: a copy-on-write ChunkImage holding the
//                  chunk's new tail [lo, count) in memory, point patches for
//                  elements below lo, and the dirty element range to write
//  * pending       deleted original indexes, compacted by settle()
//
// Invariant: a chunk without an image has the same element count and content
// as in storage. Shifting operations (insert-at, delete) first turn every
// chunk they touch into a full image (lo = 0), then memmove across chunks.
//
// flush() writes each image either in place (patches and the dirty range via
// ChunkStore::write_in_place, when the stored blob is large enough) or as a
// whole new blob sized by ChunkLayout::capacity_for, deletes chunks past the
// end and saves the length.
//
// Savepoints snapshot the state: the image map is copied, images are shared
// and cloned on the next write (copy on write), so a snapshot costs
// O(touched chunks). A flush between a savepoint and ROLLBACK TO is undone by
// SQLite itself (the store lives in the same transaction), so restoring the
// snapshot stays consistent with the store; the read cache is dropped.
//
// Reads of stored chunks go through a small LRU of whole chunk blobs
// (read_cache_bytes, at least two chunks), validated against the layout: a
// missing or mis-sized chunk is Error(corrupt) naming the table.
#pragma once

#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "column/chunk_layout.hpp"
#include "column/column.hpp"

namespace kv {

class FixedColumn final : public Column {
 public:
  FixedColumn(ChunkStore& store, ChunkLayout layout, std::string table_name, std::uint64_t cache_bytes,
              std::uint64_t read_cache_bytes);

  std::uint64_t length() override {  // inline: the cursor asks per row
    if (!loaded_) ensure_loaded();
    return state_.length;
  }
  void settle() override;
  std::string_view read_run(std::uint64_t i, std::uint64_t max_elems) override;
  // Scan-resistant read_run: a stored chunk that is not cached enters the LRU
  // only when it fits without evicting another; otherwise the bytes asked
  // for are read into a scratch buffer (ChunkStore::read_range). So a scan of
  // a column larger than the LRU keeps what is cached instead of cycling
  // every chunk through it (which would make every chunk a miss).
  std::string_view scan_run(std::uint64_t i, std::uint64_t max_elems) override;
  // scan_run's uncached case streamed: the elements asked for (up to the
  // chunk's end) in pieces of kScanPieceBytes through one store read
  // (ChunkStore::read_pieces) into the scratch buffer.
  std::uint64_t scan_stream(std::uint64_t i, std::uint64_t max_elems, const RunSink& sink) override;
  std::uint64_t elem_size() const override { return layout_.elem_size(); }
  std::uint64_t epoch() const override { return epoch_; }

  void update(std::uint64_t i, std::string_view elem) override;
  void insert(std::uint64_t i, std::string_view elem) override;
  void append_packed(std::string_view packed) override;
  void mark_deleted(std::uint64_t i) override;
  // Empties the column in O(1) (the store's chunks go at the next flush).
  void clear();
  // Drops elements [n, length) (n <= length); chunks past the new end go at
  // the next flush.
  void truncate(std::uint64_t n);
  // Overwrites elements [i, i + packed.size() / elem_size) in place: one copy
  // per chunk touched, written back as one dirty range per chunk (for
  // VarColumn's byte stream, where per-element patches would be per byte).
  void overwrite(std::uint64_t i, std::string_view packed);
  // Slice assignment (the 'write' command): overwrite() for chunks that have
  // a buffered image; a chunk without one (its stored bytes are current) is
  // written straight into the store in place, as an early flush of just
  // those bytes would: the store lives in the SQL transaction, which undoes
  // it on ROLLBACK / ROLLBACK TO exactly as it undoes a flush (savepoint
  // snapshots hold no stored bytes; the LRU copy is patched too and dropped
  // on rollback). So a slice
  // costs its own bytes, not a copy of every chunk it touches.
  void write_slice(std::uint64_t i, std::string_view packed);

  std::uint64_t buffered_bytes() const override { return state_.buffered; }
  void flush() override;
  void begin_transaction() override;
  void savepoint(int level) override;
  void release(int level) override;
  void rollback_to(int level) override;
  void end_transaction() override;
  void discard() override;
  void invalidate() override;

  // Reads of chunks that are not cached fetch just the bytes asked for
  // (ChunkStore::read_range) until a chunk has been read that way for more than
  // 1/16 of its size; then it is loaded whole into the LRU if it fits without
  // evicting another. For VarColumn's streams, where a read is one element and
  // chunks are large.
  void enable_partial_reads() { partial_reads_ = true; }
  const ChunkLayout& layout() const { return layout_; }
  void set_name(const std::string& table_name) override { name_ = table_name; }
  std::uint64_t pending_deletes() const { return state_.pending.size(); }
  std::size_t savepoint_depth() const { return savepoints_.size(); }

 private:
  struct ChunkImage {
    std::uint64_t lo = 0;                               // elements [0, lo) come from storage
    std::string data;                                   // elements [lo, count)
    std::map<std::uint64_t, std::string> patches;       // element index (< lo) -> bytes
    std::uint64_t dirty_lo = UINT64_MAX, dirty_hi = 0;  // element range (>= lo) to write
    void mark(std::uint64_t a, std::uint64_t b) {
      if (a < dirty_lo) dirty_lo = a;
      if (b > dirty_hi) dirty_hi = b;
    }
  };
  struct State {
    std::uint64_t length = 0, stored_length = 0, base_length = 0;
    std::map<std::uint64_t, std::shared_ptr<ChunkImage>> images;
    std::vector<std::uint64_t> pending;
    std::uint64_t buffered = 0;
  };

  void ensure_loaded();
  [[noreturn]] void corrupt(const std::string& what) const;
  // The validated stored blob of a chunk (through the LRU).
  const std::string& stored_chunk(std::uint64_t chunk);
  void drop_cached(std::uint64_t chunk);
  void clear_cache();
  // The image of a chunk, unshared (copy on write); full = load the stored
  // prefix so that the whole chunk is in data (lo = 0).
  ChunkImage& image(std::uint64_t chunk, bool full);
  std::uint64_t count_in(std::uint64_t chunk) const { return layout_.elems_in_chunk(chunk, state_.length); }
  // Moves n elements from src to dst (< src) across full images.
  void move_left(std::uint64_t src, std::uint64_t dst, std::uint64_t n);
  void write_chunk(std::uint64_t chunk, ChunkImage& img);
  void maybe_flush();
  std::string_view read_partial(std::uint64_t chunk, std::uint64_t k, std::uint64_t n);
  void check_index(std::uint64_t i, std::uint64_t limit, const char* what) const;
  // A write of the whole elements of `packed` from element i on (overwrite,
  // write_slice): settles, checks (`what` names the caller in errors) and
  // returns their count, 0 for nothing to write.
  std::uint64_t elements_to_write(std::uint64_t i, std::string_view packed, const char* what);
  // Calls f(chunk, k, at, part) for each piece of such a write that falls in
  // one chunk, in order: part holds elements [at, at + n) = index k.. of chunk.
  template <class F>
  void for_each_chunk_part(std::uint64_t i, std::string_view packed, F&& f);

  ChunkStore& store_;
  ChunkLayout layout_;
  std::string name_;
  std::uint64_t cache_bytes_, read_cache_bytes_;
  bool loaded_ = false;
  State state_;
  // Ascending levels; level -1 is the state when the table joined the
  // transaction, which is also the state of every savepoint opened before.
  std::vector<std::pair<int, State>> savepoints_;
  std::uint64_t epoch_ = 1;
  // LRU of stored chunk blobs (front = most recent).
  std::list<std::uint64_t> lru_order_;
  struct Cached {
    std::string bytes;
    std::list<std::uint64_t>::iterator pos;
  };
  std::unordered_map<std::uint64_t, Cached> lru_;
  std::uint64_t lru_bytes_ = 0;
  bool partial_reads_ = false;
  std::string partial_;                                             // the last partial read
  std::unordered_map<std::uint64_t, std::uint64_t> partial_bytes_;  // chunk -> bytes read partially
};

}  // namespace kv
