#include <gtest/gtest.h>

#include "codec/dtype.hpp"
#include "common/error.hpp"

using kv::DType;
using kv::parse_dtype;

TEST(DType, NumericSizes) {
  const std::pair<const char*, std::size_t> cases[] = {{"i8", 1},  {"i16", 2}, {"i32", 4}, {"i64", 8},
                                                       {"u8", 1},  {"u16", 2}, {"u32", 4}, {"u64", 8},
                                                       {"f32", 4}, {"f64", 8}};
  for (auto [name, size] : cases) {
    DType d = parse_dtype(name);
    EXPECT_EQ(d.elem_size(), size) << name;
    EXPECT_FALSE(d.is_varsize()) << name;
    EXPECT_EQ(d.name(), name);
  }
}

TEST(DType, NormalisesAliasesAndCase) {
  EXPECT_EQ(parse_dtype("str").name(), "str:utf8");
  EXPECT_EQ(parse_dtype("str:32").name(), "str:32:utf8");
  EXPECT_EQ(parse_dtype("STR:UTF-16LE").name(), "str:utf16le");
  EXPECT_EQ(parse_dtype("str:8:iso-8859-1").name(), "str:8:latin1");
  EXPECT_EQ(parse_dtype("F64").name(), "f64");
  EXPECT_EQ(parse_dtype("msgpack:64").name(), "msgpack:64");
  EXPECT_EQ(parse_dtype("vec:f32:2:3").name(), "vec:f32:2:3");
}

TEST(DType, ElementSizes) {
  EXPECT_EQ(parse_dtype("bytes:16").elem_size(), 16u);
  EXPECT_TRUE(parse_dtype("bytes").is_varsize());
  EXPECT_TRUE(parse_dtype("str:ascii").is_varsize());
  EXPECT_EQ(parse_dtype("str:32:utf16le").elem_size(), 32u);
  EXPECT_EQ(parse_dtype("vec:f32:128").elem_size(), 513u);  // KohakuVault: 1 type byte + 128*4
  EXPECT_EQ(parse_dtype("vec:u8:2:3").elem_size(), 7u);
  EXPECT_TRUE(parse_dtype("vec:f64").is_varsize());
  EXPECT_TRUE(parse_dtype("msgpack").is_varsize());
  EXPECT_TRUE(parse_dtype("auto").is_varsize());
}

TEST(DType, VecTypeBytesMatchKohakuVault) {
  const std::pair<const char*, std::uint8_t> cases[] = {{"f32", 1}, {"f64", 2}, {"i32", 3}, {"i64", 4},
                                                        {"u8", 5},  {"u16", 6}, {"u32", 7}, {"u64", 8},
                                                        {"i8", 9},  {"i16", 10}};
  for (auto [name, byte] : cases) {
    kv::Num n = parse_dtype(name).num;
    EXPECT_EQ(kv::vec_type_byte(n), byte) << name;
    kv::Num back{};
    ASSERT_TRUE(kv::num_from_vec_type_byte(byte, back));
    EXPECT_EQ(back, n);
  }
  kv::Num unused{};
  EXPECT_FALSE(kv::num_from_vec_type_byte(0, unused));
  EXPECT_FALSE(kv::num_from_vec_type_byte(11, unused));
}

static std::string error_of(const char* text) {
  try {
    parse_dtype(text);
  } catch (const kv::Error& e) {
    EXPECT_EQ(e.code(), kv::Errc::invalid_argument);
    return e.what();
  }
  return "";
}

TEST(DType, ErrorsNameTheDtypeAndWhatWasExpected) {
  EXPECT_NE(error_of("i128").find("unknown dtype 'i128'"), std::string::npos);
  EXPECT_NE(error_of("").find("expected one of"), std::string::npos);
  EXPECT_NE(error_of("bytes:0").find("a size N"), std::string::npos);
  EXPECT_NE(error_of("bytes:-1").find("a size N"), std::string::npos);
  EXPECT_NE(error_of("bytes:1x").find("a size N"), std::string::npos);
  EXPECT_NE(error_of("bytes:99999999999999999999").find("a size N"), std::string::npos);
  EXPECT_NE(error_of("str:ebcdic").find("an encoding"), std::string::npos);
  EXPECT_NE(error_of("str:3:utf16le").find("even size"), std::string::npos);
  EXPECT_NE(error_of("str:4:utf8:x").find("str:N:ENC"), std::string::npos);
  EXPECT_NE(error_of("vec").find("vec:E"), std::string::npos);
  EXPECT_NE(error_of("vec:bool").find("vec:E"), std::string::npos);
  EXPECT_NE(error_of("vec:f32:0").find("a dimension"), std::string::npos);
  EXPECT_NE(error_of("vec:f64:100000:100000").find("at most"), std::string::npos);
  EXPECT_NE(error_of("i8:4").find("no suffix"), std::string::npos);
  EXPECT_NE(error_of("f64 ").find("unknown dtype 'f64 '"), std::string::npos);
}
