// libFuzzer target over kvindex's packed change batches (src/index/change_batch.hpp),
// the bytes of its _log records and _snap runs.
//
// Properties beyond "no crash, no sanitizer report":
//  * the only exception is kv::Error(corrupt);
//  * a batch that decodes re-encodes to one that decodes to the same entries;
//  * applying it to both index backends leaves the same contents.
// Build: cmake -DKV_FUZZ=ON with clang (target fuzz_change_batch); `make test-fuzz`.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "index/change_batch.hpp"
#include "index/ordered_index.hpp"

namespace {

struct Entry {
  kv::Value key, value;
  bool erase = false;
};

std::vector<Entry> decode(std::string_view blob) {
  std::vector<Entry> out;
  kv::BatchReader r(blob);
  Entry e;
  while (r.next(e.key, e.value, e.erase)) out.push_back(e);
  return out;
}

void apply_all(const std::vector<Entry>& entries, kv::OrderedIndex& index) {
  for (const Entry& e : entries) {
    if (e.erase)
      index.erase(e.key);
    else
      index.put(e.key, e.value);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view blob(reinterpret_cast<const char*>(data), size);
  std::vector<Entry> entries;
  try {
    entries = decode(blob);
  } catch (const kv::Error& e) {
    if (e.code() != kv::Errc::corrupt) std::abort();
    return 0;
  } catch (...) {
    std::abort();
  }
  std::string again;
  kv::BatchWriter w(again);
  for (const Entry& e : entries) {
    if (e.erase)
      w.erase(e.key);
    else
      w.put(e.key, e.value);
  }
  const std::vector<Entry> back = decode(again);
  if (back.size() != entries.size()) std::abort();
  for (std::size_t i = 0; i < back.size(); ++i)
    if (!(back[i].key == entries[i].key) || !(back[i].value == entries[i].value) || back[i].erase != entries[i].erase)
      std::abort();
  auto tree = kv::OrderedIndex::make(kv::IndexBackend::csbtree, 3);
  auto list = kv::OrderedIndex::make(kv::IndexBackend::skiplist, 3);
  apply_all(entries, *tree);
  apply_all(entries, *list);
  if (tree->size() != list->size()) std::abort();
  auto a = tree->cursor();
  auto b = list->cursor();
  for (a->seek_first(), b->seek_first(); a->valid(); a->next(), b->next())
    if (!b->valid() || !(a->key() == b->key()) || !(a->value() == b->value())) std::abort();
  if (b->valid()) std::abort();
  return 0;
}
