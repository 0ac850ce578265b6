// A packed batch of index changes: the bytes kvindex stores in one row of its
// change log (one committed transaction) or of its snapshot (a run of sorted
// pairs). No SQLite types.
//
// Layout (all integers little-endian):
//   byte 0           format byte, kBatchFormat (1)
//   then entries, back to back, until the end of the blob:
//     tag            1 byte: bit 7 = erase (0 = put), bits 3..5 = key kind,
//                    bits 0..2 = value kind (puts only; 0 for an erase)
//                    kinds: 1 INTEGER, 2 REAL, 3 TEXT, 4 BLOB, 5 NULL (values only)
//     key            INTEGER: zigzag LEB128 varint; REAL: 8 bytes (IEEE-754);
//                    TEXT / BLOB: LEB128 byte length, then the bytes
//     value          (puts only) as the key; NULL has no bytes
// Keys are never NULL. Within one batch a key appears at most once; a
// snapshot run holds puts only, strictly increasing in SQLite's order.
// Decoding checks every length and tag: bad bytes throw kv::Error(corrupt).
//
// PackedPuts: puts packed as they come, in key order (kvindex: a transaction's
// appends), as consecutive batches ("pieces") of the snapshot run size, each
// with its own format byte: a piece is a snapshot run as it stands.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/value.hpp"

namespace kv {

inline constexpr unsigned char kBatchFormat = 1;

// A snapshot run holds at most this many pairs; a run is closed once it
// holds this many bytes or more.
inline constexpr std::size_t kSnapshotRunEntries = 4096;
inline constexpr std::size_t kSnapshotRunBytes = 64 * 1024;

class PackedPuts;

class BatchWriter {
 public:
  // Starts (or restarts) a batch in out.
  explicit BatchWriter(std::string& out) : out_(out) { restart(); }
  void restart() {
    out_.clear();
    out_.push_back(static_cast<char>(kBatchFormat));
    entries_ = 0;
  }
  void put(const Value& key, const Value& value);
  void erase(const Value& key);
  // Every entry of `puts` (whose keys must sort after this batch's).
  void append(const PackedPuts& puts);
  std::size_t size() const { return out_.size(); }
  std::size_t entries() const { return entries_; }

 private:
  std::string& out_;
  std::size_t entries_ = 0;
};

class PackedPuts {
 public:
  // Strong: when it throws, nothing was added.
  void put(const Value& key, const Value& value);
  void clear() noexcept;  // frees the pieces
  std::size_t entries() const { return entries_; }
  std::size_t pieces() const { return pieces_.size(); }
  // Piece i: a whole batch (format byte first) of up to kSnapshotRunEntries puts.
  std::string_view piece(std::size_t i) const { return {pieces_[i].data.get(), pieces_[i].size}; }

 private:
  // Each piece its own buffer, written in place (an entry is encoded straight
  // into it; growing copies one piece, never the whole load).
  struct Piece {
    std::unique_ptr<char[]> data;
    std::size_t size = 0, capacity = 0, entries = 0;
  };
  std::vector<Piece> pieces_;
  std::size_t entries_ = 0;
};

// Reads a batch entry by entry; throws kv::Error(corrupt) describing the
// first malformed byte ("change batch: ...").
class BatchReader {
 public:
  explicit BatchReader(std::string_view data);
  // The next entry into key/value (value is NULL for an erase); false at the end.
  bool next(Value& key, Value& value, bool& erase);

 private:
  std::string_view d_;
  std::size_t pos_ = 1;
};

}  // namespace kv
