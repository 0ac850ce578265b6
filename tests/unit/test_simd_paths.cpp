// Stored bytes never depend on the CPU's SIMD path (docs/cluster.md: rqlite
// replays statements on every node, and nodes may have different CPUs).
//
// simdjson picks a kernel at run time (icelake, haswell, westmere or the
// portable fallback). kv_pack's msgpack/cbor packers parse JSON with it and
// is_valid_utf8 validates with it. For every kernel this CPU supports, a
// corpus of JSON texts (random doubles at every precision, integers at every
// width, escapes, long UTF-8 strings, nesting) is packed and a corpus of
// random byte strings validated; every kernel must give exactly the fallback
// kernel's bytes and verdicts. Each kernel runs on a fresh thread, so the
// packer's thread-local parser is created with that kernel.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "codec/msgpack.hpp"
#include "codec/cbor.hpp"
#include "common/error.hpp"
#include "json/text.hpp"
#include "test_helpers.hpp"

namespace {

std::vector<std::string> json_corpus() {
  std::vector<std::string> texts = {
      "0.1", "-0.0", "1e-320", "5e-324", "2.2250738585072011e-308", "1.7976931348623157e308",
      "0.30000000000000004", "9007199254740993", "18446744073709551615", "-9223372036854775808",
      "123456789012345678901234567890", "1e400", R"("\ud83d\ude00 \u00e9\n\t\"\\")",
      R"({"a":[1,2.5,{"b":null,"c":true,"d":false}],"é":"ü€😀"})", "[[[[[[[[[[[]]]]]]]]]]]",
  };
  std::mt19937_64 rng(20261202);
  std::string doubles = "[", integers = "[", strings = "[";
  for (int i = 0; i < 4000; ++i) {
    std::uint64_t bits = rng();
    double d;
    std::memcpy(&d, &bits, sizeof d);
    if (!std::isfinite(d)) continue;
    char buf[48];
    std::snprintf(buf, sizeof buf, "%.*g,", 1 + static_cast<int>(rng() % 17), d);
    doubles += buf;
    const int shift = static_cast<int>(rng() % 64);
    std::snprintf(buf, sizeof buf, i % 2 ? "%llu," : "-%llu,", static_cast<unsigned long long>(rng() >> shift));
    integers += buf;
  }
  const char* pieces[] = {"a", "Z", " ", "é", "€", "😀", "\\n", "\\u0000", "\\ud83d\\ude00", "\\\"", "\\\\", "/"};
  for (int i = 0; i < 300; ++i) {
    strings += '"';
    const int n = static_cast<int>(rng() % 200);
    for (int k = 0; k < n; ++k) strings += pieces[rng() % std::size(pieces)];
    strings += "\",";
  }
  texts.push_back(doubles + "0]");
  texts.push_back(integers + "0]");
  texts.push_back(strings + "\"\"]");
  std::string deep;
  for (int i = 0; i < 900; ++i) deep += "{\"k\":[";
  deep += "1";
  for (int i = 0; i < 900; ++i) deep += "]}";
  texts.push_back(deep);
  return texts;
}

std::vector<std::string> byte_corpus() {
  std::mt19937_64 rng(7);
  std::vector<std::string> out;
  const char* pieces[] = {"a", "é", "€", "😀", "\xC3", "\xE2\x82", "\xF0\x9F\x98", "\xED\xA0\x80", "\xC0\x80",
                          "\xF4\x90\x80\x80", "\xFF", "\x80", "bcdefghijklmnopqrstuvwxyz0123456789"};
  for (int i = 0; i < 3000; ++i) {
    std::string s = "prefix ";
    const int n = static_cast<int>(rng() % 120);
    for (int k = 0; k < n; ++k) {
      // mostly valid text, sometimes one bad sequence
      const std::size_t pick = rng() % 40 == 0 ? rng() % std::size(pieces) : (rng() % 4 == 0 ? 12 : rng() % 4);
      s += pieces[pick];
    }
    out.push_back(s);
  }
  return out;
}

struct Results {
  std::string kernel;
  std::vector<std::string> msgpack, cbor;
  std::vector<bool> utf8;
};

std::string pack_or_error(void (*pack)(const kv::ValueView&, std::string&), const std::string& text) {
  try {
    std::string out;
    pack(kv::ValueView::text(text), out);
    return out;
  } catch (const kv::Error& e) {
    return std::string("error: ") + e.what();
  }
}

Results run_with(const simdjson::implementation* kernel, const std::vector<std::string>& texts,
                 const std::vector<std::string>& bytes) {
  simdjson::get_active_implementation() = kernel;
  Results r;
  std::thread worker([&] {  // fresh thread: a fresh thread-local parser on this kernel
    r.kernel = simdjson::get_active_implementation()->name();
    for (const auto& t : texts) {
      r.msgpack.push_back(pack_or_error(kv::codec::msgpack::pack, t));
      r.cbor.push_back(pack_or_error(kv::codec::cbor::pack, t));
    }
    for (const auto& b : bytes) r.utf8.push_back(kv::json::is_valid_utf8(b));
  });
  worker.join();
  return r;
}

TEST(SimdPaths, EveryKernelPacksAndValidatesLikeTheFallback) {
  const simdjson::implementation* original = simdjson::get_active_implementation();
  const auto texts = json_corpus();
  const auto bytes = byte_corpus();
  const auto* fallback = simdjson::get_available_implementations()["fallback"];
  ASSERT_NE(fallback, nullptr) << "simdjson has no fallback kernel";
  const Results expected = run_with(fallback, texts, bytes);
  ASSERT_EQ(expected.kernel, "fallback");
  int compared = 0;
  for (const auto* kernel : simdjson::get_available_implementations()) {
    if (kernel == fallback || !kernel->supported_by_runtime_system()) continue;
    const Results got = run_with(kernel, texts, bytes);
    ASSERT_EQ(got.kernel, kernel->name());
    for (std::size_t i = 0; i < texts.size(); ++i) {
      EXPECT_EQ(kvtest::hex(got.msgpack[i]), kvtest::hex(expected.msgpack[i])) << kernel->name() << " text " << i;
      EXPECT_EQ(kvtest::hex(got.cbor[i]), kvtest::hex(expected.cbor[i])) << kernel->name() << " text " << i;
    }
    EXPECT_EQ(got.utf8, expected.utf8) << kernel->name();
    ++compared;
  }
  simdjson::get_active_implementation() = original;
  // The corpus exercises both verdicts and real packing.
  EXPECT_NE(std::count(expected.utf8.begin(), expected.utf8.end(), false), 0);
  EXPECT_NE(std::count(expected.utf8.begin(), expected.utf8.end(), true), 0);
  EXPECT_EQ(expected.msgpack[0], std::string("\xCB\x3F\xB9\x99\x99\x99\x99\x99\x9A", 9));
  std::printf("compared %d SIMD kernel(s) with the fallback\n", compared);
}

}  // namespace
