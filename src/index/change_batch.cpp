// Packed change batches (layout in change_batch.hpp).
#include "index/change_batch.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "codec/util.hpp"
#include "common/error.hpp"

namespace kv {

namespace {

enum Tag : unsigned char { kInt = 1, kReal = 2, kText = 3, kBlob = 4, kNull = 5 };
constexpr unsigned char kEraseBit = 0x80;

unsigned char tag_of(const Value& v) {
  switch (v.kind) {
    case Kind::integer: return kInt;
    case Kind::real: return kReal;
    case Kind::text:
    case Kind::json: return kText;
    case Kind::blob: return kBlob;
    case Kind::null: return kNull;
  }
  return kNull;
}

// The writer encodes an entry at a char pointer (room for max_entry_bytes)
// and returns the end: small entries (the usual numbers and short strings)
// go through a stack buffer and one append, larger ones straight into the
// grown batch.
constexpr std::size_t kMaxVarint = 10;
constexpr std::size_t kSmallEntry = 64;

std::size_t max_value_bytes(const Value& v) {
  switch (v.kind) {
    case Kind::integer: return kMaxVarint;
    case Kind::real: return 8;
    case Kind::text:
    case Kind::json:
    case Kind::blob: return kMaxVarint + v.bytes.size();
    case Kind::null: return 0;
  }
  return 0;
}

char* write_varint(char* p, std::uint64_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<char>(v);
  return p;
}

char* write_value(char* p, const Value& v) {
  switch (v.kind) {
    case Kind::integer: {
      const auto u = static_cast<std::uint64_t>(v.i);
      return write_varint(p, (u << 1) ^ (v.i < 0 ? ~std::uint64_t{0} : 0));
    }
    case Kind::real:
      detail::store_le(p, v.r);
      return p + 8;
    case Kind::text:
    case Kind::json:
    case Kind::blob:
      p = write_varint(p, v.bytes.size());
      if (!v.bytes.empty()) std::memcpy(p, v.bytes.data(), v.bytes.size());
      return p + v.bytes.size();
    case Kind::null: return p;
  }
  return p;
}

// tag, key, and the value unless it is an erase (value nullptr).
char* write_entry(char* p, unsigned char tag, const Value& key, const Value* value) {
  *p++ = static_cast<char>(tag);
  p = write_value(p, key);
  return value ? write_value(p, *value) : p;
}

void append_entry(std::string& out, unsigned char tag, const Value& key, const Value* value) {
  const std::size_t most = 1 + max_value_bytes(key) + (value ? max_value_bytes(*value) : 0);
  if (most <= kSmallEntry) {
    char buf[kSmallEntry];
    out.append(buf, static_cast<std::size_t>(write_entry(buf, tag, key, value) - buf));
    return;
  }
  const std::size_t at = out.size();
  out.resize(at + most);
  const char* end = write_entry(out.data() + at, tag, key, value);
  out.resize(static_cast<std::size_t>(end - out.data()));
}

[[noreturn]] void bad(const std::string& what, std::size_t pos) {
  fail(Errc::corrupt, "change batch: " + what + " at byte " + std::to_string(pos));
}

}  // namespace

void BatchWriter::put(const Value& key, const Value& value) {
  append_entry(out_, static_cast<unsigned char>((tag_of(key) << 3) | tag_of(value)), key, &value);
  ++entries_;
}

void BatchWriter::erase(const Value& key) {
  append_entry(out_, static_cast<unsigned char>(kEraseBit | (tag_of(key) << 3)), key, nullptr);
  ++entries_;
}

void BatchWriter::append(const PackedPuts& puts) {
  for (std::size_t i = 0; i < puts.pieces(); ++i) out_.append(puts.piece(i).substr(1));  // no format byte
  entries_ += puts.entries();
}

void PackedPuts::put(const Value& key, const Value& value) {
  const std::size_t most = 1 + max_value_bytes(key) + max_value_bytes(value);
  if (pieces_.empty() || pieces_.back().entries >= kSnapshotRunEntries || pieces_.back().size >= kSnapshotRunBytes) {
    Piece fresh;  // a new piece (the last one is full); allocated before it is added
    // The first starts small (most transactions append a few rows); later
    // ones as big as the last one grew, so a big load grows each piece once.
    fresh.capacity = std::max<std::size_t>(pieces_.empty() ? 256 : pieces_.back().capacity, 1 + most);
    fresh.data.reset(new char[fresh.capacity]);
    fresh.data[0] = static_cast<char>(kBatchFormat);
    fresh.size = 1;
    pieces_.push_back(std::move(fresh));
  }
  Piece& p = pieces_.back();
  if (p.size + most > p.capacity) {  // grow this piece only
    const std::size_t capacity = std::max(p.capacity * 2, p.size + most);
    std::unique_ptr<char[]> bigger(new char[capacity]);
    std::memcpy(bigger.get(), p.data.get(), p.size);
    p.data = std::move(bigger);
    p.capacity = capacity;
  }
  // Nothing can fail from here on.
  const char* end = write_entry(p.data.get() + p.size,
                                static_cast<unsigned char>((tag_of(key) << 3) | tag_of(value)), key, &value);
  p.size = static_cast<std::size_t>(end - p.data.get());
  ++p.entries;
  ++entries_;
}

void PackedPuts::clear() noexcept {
  pieces_.clear();
  entries_ = 0;
}

BatchReader::BatchReader(std::string_view data) : d_(data) {
  if (d_.empty()) bad("empty (no format byte)", 0);
  if (static_cast<unsigned char>(d_[0]) != kBatchFormat)
    bad("format byte is " + std::to_string(static_cast<unsigned char>(d_[0])) + ", expected " +
            std::to_string(kBatchFormat),
        0);
}

namespace {

std::uint64_t get_varint(std::string_view d, std::size_t& pos) {
  std::uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos >= d.size()) bad("varint runs past the end", pos);
    const auto b = static_cast<unsigned char>(d[pos++]);
    if (shift == 63 && b > 1) bad("varint overflows 64 bits", pos - 1);
    v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return v;
  }
  bad("varint longer than 10 bytes", pos);
}

void get_value(std::string_view d, std::size_t& pos, unsigned tag, Value& out) {
  switch (tag) {
    case kInt: {
      const std::uint64_t z = get_varint(d, pos);
      out.kind = Kind::integer;
      out.i = static_cast<std::int64_t>((z >> 1) ^ (~(z & 1) + 1));
      out.r = 0;
      out.bytes.clear();
      return;
    }
    case kReal:
      if (d.size() - pos < 8) bad("REAL runs past the end", pos);
      out.kind = Kind::real;
      out.i = 0;
      out.r = detail::load_le<double>(d.data() + pos);
      // SQLite stores no NaN (it binds NaN as NULL), so the writer never
      // produced one; a NaN key would also break the tree's ordering.
      if (std::isnan(out.r)) bad("REAL is NaN", pos);
      out.bytes.clear();
      pos += 8;
      return;
    case kText:
    case kBlob: {
      const std::uint64_t n = get_varint(d, pos);
      if (n > d.size() - pos) bad("length " + std::to_string(n) + " runs past the end", pos);
      out.kind = tag == kText ? Kind::text : Kind::blob;
      out.i = 0;
      out.r = 0;
      out.bytes.assign(d.data() + pos, static_cast<std::size_t>(n));
      pos += static_cast<std::size_t>(n);
      return;
    }
    case kNull:
      out = Value();
      return;
    default: bad("unknown value kind " + std::to_string(tag), pos);
  }
}

}  // namespace

// Values come out canonical (fields other than the kind's own are zero), as
// the value bridge makes them: OrderedIndex::put compares representations.
bool BatchReader::next(Value& key, Value& value, bool& erase) {
  if (pos_ >= d_.size()) return false;
  const std::size_t at = pos_;
  const auto tag = static_cast<unsigned char>(d_[pos_++]);
  erase = (tag & kEraseBit) != 0;
  const unsigned key_tag = (tag >> 3) & 7;
  const unsigned value_tag = tag & 7;
  if ((tag & 0x40) || key_tag == kNull || key_tag == 0 || key_tag > kBlob || (erase && value_tag != 0) ||
      (!erase && (value_tag == 0 || value_tag > kNull)))
    bad("bad entry tag " + std::to_string(tag), at);
  get_value(d_, pos_, key_tag, key);
  if (erase)
    value = Value();
  else
    get_value(d_, pos_, value_tag, value);
  return true;
}

}  // namespace kv
