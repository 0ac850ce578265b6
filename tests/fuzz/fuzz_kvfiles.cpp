// libFuzzer target over the KohakuVault file reader (src/kvfiles/): a column
// of upstream's layout whose col_meta numbers and chunk rows come from the
// input (seeds: the real columns of shared/testdata/kohakuvault-0.6.0-files/
// columns.db, written by make_kvfiles_seeds.py), read in every direction and
// decoded with the column's dtype.
//
// Input: byte 0: bit 0 var (else fixed), bits 1-3 the dtype (kDtypes), bit 4
// data chunks numbered from 1; bytes 1-2 the claimed length (u16 LE); bytes
// 3-4 max_chunk_bytes in elements (u16 LE); bytes 5-8 the main stream size
// (u32 LE): that many bytes follow, cut into chunks of max_chunk_bytes
// (the index triples of a var column, the elements of a fixed one); then data
// chunks as [u32 LE size][bytes] until the input ends (var columns).
// Properties beyond "no crash, no sanitizer report": the only exception is
// kv::Error, and reads are corrupt (or, for values, a decode error) - never an
// out-of-range read (MemoryChunkSource throws internal on one).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "codec/codec.hpp"
#include "common/error.hpp"
#include "kvfiles/catalog.hpp"
#include "kvfiles/reader.hpp"

namespace {

constexpr const char* kDtypes[] = {"f64", "i64", "str:16:utf8", "str:utf8", "msgpack", "cbor", "bytes", "vec:f32"};

std::uint32_t le(const std::uint8_t* p, int n) {
  std::uint32_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = v << 8 | p[i];
  return v;
}

void read_everything(kv::kvfiles::ColumnReader& r) {
  for (auto d : {kv::kvfiles::Direction::forward, kv::kvfiles::Direction::backward, kv::kvfiles::Direction::point}) {
    r.set_direction(d);
    const std::uint64_t n = std::min<std::uint64_t>(r.length(), 1024);
    int errors = 0;  // a damaged tail repeats the same error: stop after a few (exceptions are slow under ASan)
    for (std::uint64_t k = 0; k < n && errors < 8; ++k) {
      const std::uint64_t i = d == kv::kvfiles::Direction::backward ? n - 1 - k : k;
      try {
        std::string_view e = r.element(i);
        if (r.dtype()) kv::unpack(*r.dtype(), e);
      } catch (const kv::Error& e) {
        ++errors;
        if (e.code() == kv::Errc::internal) {
          std::fprintf(stderr, "BUG: %s\n", e.what());
          std::abort();
        }
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 9) return 0;
  const bool var = data[0] & 1;
  const char* dtype = kDtypes[(data[0] >> 1) & 7];
  const std::int64_t first_data_chunk = (data[0] >> 4) & 1;
  const std::int64_t length = le(data + 1, 2);
  const std::int64_t per_chunk = std::max<std::uint32_t>(1, le(data + 3, 2));
  std::size_t pos = 9;
  const std::size_t main_size = std::min<std::size_t>(le(data + 5, 4), size - pos);
  const std::string main(reinterpret_cast<const char*>(data + pos), main_size);
  pos += main_size;

  kv::kvfiles::MemoryChunkSource main_src, data_src;
  std::vector<kv::kvfiles::MetaRow> rows;
  std::int64_t elem = var ? kv::kvfiles::kTripleBytes : 8;
  if (!var) {
    try {
      elem = static_cast<std::int64_t>(kv::parse_dtype(dtype).elem_size());
    } catch (const kv::Error&) {
    }
    if (elem == 0) elem = 1;  // a var dtype stored as fixed: upstream never does; just bytes
  }
  const std::int64_t max = per_chunk * elem;
  for (std::size_t c = 0; c * static_cast<std::size_t>(max) < main.size(); ++c)
    main_src.chunks[{1, static_cast<std::int64_t>(c)}] = main.substr(c * static_cast<std::size_t>(max),
                                                                    static_cast<std::size_t>(max));
  if (var) {
    for (std::int64_t c = first_data_chunk; pos + 4 <= size; ++c) {
      const std::size_t n = std::min<std::size_t>(le(data + pos, 4), size - pos - 4);
      data_src.chunks[{2, c}] = std::string(reinterpret_cast<const char*>(data + pos + 4), n);
      pos += 4 + n;
    }
    rows = {{1, "col_idx", std::string(kv::kvfiles::kIndexDtype), elem, length, max},
            {2, "col_data", dtype, 1, 0, 8184}};
  } else {
    rows = {{1, "col", dtype, elem, length, max}};
  }
  try {
    auto column = kv::kvfiles::find_column(rows, "col");
    if (!column) std::abort();
    kv::kvfiles::ColumnReader r(*column, main_src, data_src);
    read_everything(r);
  } catch (const kv::Error& e) {
    if (e.code() != kv::Errc::corrupt) {
      std::fprintf(stderr, "BUG: unexpected error: %s\n", e.what());
      std::abort();
    }
  }
  return 0;
}
