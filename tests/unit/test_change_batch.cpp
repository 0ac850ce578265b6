// Packed change batches (src/index/change_batch.hpp): round trips of every
// value kind, and every kind of bad bytes is a corrupt error, never a crash.
#include <gtest/gtest.h>

#include <limits>
#include <random>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "index/change_batch.hpp"

namespace {

using kv::Value;

struct Entry {
  Value key, value;
  bool erase;
};

std::vector<Entry> read_all(const std::string& blob) {
  std::vector<Entry> out;
  kv::BatchReader r(blob);
  Entry e;
  while (r.next(e.key, e.value, e.erase)) out.push_back(e);
  return out;
}

TEST(ChangeBatch, RoundTripsEveryKind) {
  const std::vector<Value> keys = {Value::integer(0),
                                   Value::integer(-1),
                                   Value::integer(std::numeric_limits<std::int64_t>::min()),
                                   Value::integer(std::numeric_limits<std::int64_t>::max()),
                                   Value::real(-0.5),
                                   Value::real(1e300),
                                   Value::text(""),
                                   Value::text(std::string("a\0b", 3)),
                                   Value::text(std::string(300, 'x')),
                                   Value::blob(""),
                                   Value::blob(std::string("\x00\xff", 2))};
  std::string blob;
  kv::BatchWriter w(blob);
  std::vector<Entry> want;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const Value& v = i % 3 == 0 ? Value() : keys[keys.size() - 1 - i];
    if (i % 4 == 3) {
      w.erase(keys[i]);
      want.push_back({keys[i], Value(), true});
    } else {
      w.put(keys[i], v);
      want.push_back({keys[i], v, false});
    }
  }
  EXPECT_EQ(w.entries(), keys.size());
  const auto got = read_all(blob);
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].key, want[i].key) << i;
    EXPECT_EQ(got[i].value, want[i].value) << i;
    EXPECT_EQ(got[i].erase, want[i].erase) << i;
  }
}

TEST(ChangeBatch, EmptyBatchHasOnlyTheFormatByte) {
  std::string blob;
  kv::BatchWriter w(blob);
  EXPECT_EQ(blob.size(), 1u);
  EXPECT_TRUE(read_all(blob).empty());
}

void expect_corrupt(const std::string& blob, const std::string& fragment) {
  try {
    read_all(blob);
    FAIL() << "no error for " << fragment;
  } catch (const kv::Error& e) {
    EXPECT_EQ(e.code(), kv::Errc::corrupt);
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(ChangeBatch, BadBytesAreCorrupt) {
  expect_corrupt("", "empty");
  expect_corrupt("\x02", "format byte is 2");
  expect_corrupt(std::string("\x01\x00", 2), "bad entry tag 0");
  expect_corrupt("\x01\x2b", "bad entry tag");                              // NULL key
  expect_corrupt("\x01\x89\x01", "bad entry tag");                          // erase with a value kind
  expect_corrupt("\x01\x0e\x00", "bad entry tag");                          // value kind 6
  expect_corrupt("\x01\x09", "varint runs past the end");                  // INTEGER key, no bytes
  expect_corrupt("\x01\x11\x01\x02", "REAL runs past the end");            // REAL key, 3 bytes
  expect_corrupt("\x01\x19\x05" "ab", "length 5 runs past the end");       // TEXT key too short
  expect_corrupt("\x01\x09\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f", "varint overflows");
  expect_corrupt(std::string("\x01\x11\x00\x00\x00\x00\x00\x00\xf8\x7f", 10), "REAL is NaN");  // found by fuzz_change_batch
}

TEST(ChangeBatch, RandomBytesNeverCrash) {
  std::mt19937 rng(12);
  for (int round = 0; round < 20000; ++round) {
    std::string blob(1, '\x01');
    const int n = static_cast<int>(rng() % 24);
    for (int i = 0; i < n; ++i) blob.push_back(static_cast<char>(rng()));
    try {
      read_all(blob);
    } catch (const kv::Error& e) {
      EXPECT_EQ(e.code(), kv::Errc::corrupt);
    }
  }
}

}  // namespace
