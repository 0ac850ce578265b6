// Variable-size kvcolumn (str, str:utf16le, bytes, msgpack, cbor, vec:f32)
// through the C API, black box: only SQL results, result codes, error
// messages, what another connection sees and bytes written to files — never
// the bytes of the <t>_idx / <t>_data shadow rows, so these tests hold for any
// storage layout.
//
//   KvColumnVarList/*            list semantics per dtype and chunk size:
//                                append, insert-at, growing/shrinking
//                                updates, deletes with renumbering, pushdown
//                                reads compared with a plain table
//   KvColumnVar.*                empty values, NULLs, elements larger than a
//                                chunk, transactions, a second connection,
//                                'compact', storage bounded under updates,
//                                schema=, error paths, shadow tables
//   KvColumnVarDifferential.*    seeded random operations vs a
//                                std::vector<std::string> model (small chunks,
//                                small cache, savepoints, reopen, 2nd connection)
//   KvColumnVarUpstream*         the ways upstream KohakuVault loses data
//                                (../shared/KOHAKUVAULT_FORMATS.md): index
//                                overwritten on large columns, chunk zeroed on
//                                rebuilds, appends rewriting whole chunks.
//                                Offsets past 2/4 GiB: tests/python/test_kvcolumn_var_large.py
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "kvdb.hpp"
#include "temp_db.hpp"

using kvtest::Db;
using kvtest::TempDb;

namespace {

// A bound parameter: integer, TEXT, BLOB or NULL.
struct Arg {
  enum Kind { kInt, kText, kBlob, kNull } kind;
  long long i = 0;
  std::string s;
  static Arg integer(long long v) { return {kInt, v, {}}; }
  static Arg text(std::string v) { return {kText, 0, std::move(v)}; }
  static Arg blob(std::string v) { return {kBlob, 0, std::move(v)}; }
  static Arg null() { return {kNull, 0, {}}; }
};

// Runs one statement with bound parameters; returns the result code
// (SQLITE_OK when it ran to completion) and fills *error on failure.
int run_sql(sqlite3* db, const std::string& sql, const std::vector<Arg>& args = {},
            std::string* error = nullptr) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr);
  if (rc == SQLITE_OK) {
    for (std::size_t k = 0; k < args.size(); ++k) {
      int n = static_cast<int>(k + 1);
      const Arg& a = args[k];
      switch (a.kind) {
        case Arg::kInt: sqlite3_bind_int64(stmt, n, a.i); break;
        case Arg::kText:
          sqlite3_bind_text(stmt, n, a.s.data(), static_cast<int>(a.s.size()), SQLITE_TRANSIENT);
          break;
        case Arg::kBlob:
          sqlite3_bind_blob(stmt, n, a.s.data(), static_cast<int>(a.s.size()), SQLITE_TRANSIENT);
          break;
        case Arg::kNull: sqlite3_bind_null(stmt, n); break;
      }
    }
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    }
    if (rc == SQLITE_DONE) rc = SQLITE_OK;
  }
  if (rc != SQLITE_OK && error) *error = sqlite3_errmsg(db);
  sqlite3_finalize(stmt);
  return rc;
}

// The first column of every row as raw bytes (TEXT or BLOB); "<NULL>" for NULL.
std::vector<std::string> column_bytes(sqlite3* db, const std::string& sql,
                                      const std::vector<Arg>& args = {}) {
  std::vector<std::string> out;
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db);
    return out;
  }
  for (std::size_t k = 0; k < args.size(); ++k) {
    const Arg& a = args[k];
    if (a.kind == Arg::kInt) sqlite3_bind_int64(stmt, static_cast<int>(k + 1), a.i);
  }
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    if (sqlite3_column_type(stmt, 0) == SQLITE_NULL) {
      out.emplace_back("<NULL>");
      continue;
    }
    const void* p = sqlite3_column_blob(stmt, 0);
    int n = sqlite3_column_bytes(stmt, 0);
    out.emplace_back(p ? static_cast<const char*>(p) : "", static_cast<std::size_t>(n));
  }
  if (rc != SQLITE_DONE) ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db);
  sqlite3_finalize(stmt);
  return out;
}

std::string join(const std::vector<std::string>& v, const char* sep = "|") {
  std::string out;
  for (std::size_t k = 0; k < v.size(); ++k) out += (k ? sep : "") + v[k];
  return out;
}

// Expects the table's values, in idx order, to be exactly `model` and its idx
// column to be 0..n-1.
void expect_contents(sqlite3* db, const std::string& table, const std::vector<std::string>& model,
                     const std::string& where) {
  auto got = column_bytes(db, "SELECT value FROM \"" + table + "\"");
  ASSERT_EQ(got.size(), model.size()) << where;
  for (std::size_t k = 0; k < model.size(); ++k)
    ASSERT_EQ(got[k], model[k]) << where << ": idx " << k << " (size " << got[k].size() << " vs "
                                << model[k].size() << ")";
  auto idx = column_bytes(db, "SELECT idx FROM \"" + table + "\"");
  for (std::size_t k = 0; k < idx.size(); ++k) ASSERT_EQ(idx[k], std::to_string(k)) << where;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// ---------------------------------------------------------------------------
// List semantics per dtype: every value is written as an SQL literal and must
// read back as quote(value) == the expected text.

struct DtypeCase {
  const char* name;
  const char* dtype;
  const char* options;
  // (tag, size) -> (SQL literal to insert, quote() of what reads back)
  std::function<std::pair<std::string, std::string>(int, int)> value;
};

std::pair<std::string, std::string> same(const std::string& literal) { return {literal, literal}; }

std::string hex_bytes(int tag, int size) {
  static const char* digits = "0123456789ABCDEF";
  std::string out;
  for (int k = 0; k < size; ++k) {
    int b = (tag * 31 + k * 7) & 0xFF;
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

std::string text_of(int tag, int size) {  // UTF-8, `size` characters after the tag
  std::string out = "t" + std::to_string(tag) + ":";
  for (int k = 0; k < size; ++k)
    out += (k % 5 == 4) ? "\xC3\xA9" : std::string(1, static_cast<char>('a' + (tag + k) % 26));
  return out;
}

std::pair<std::string, std::string> str_value(int tag, int size) {
  return same("'" + text_of(tag, size) + "'");
}
std::pair<std::string, std::string> bytes_value(int tag, int size) {
  return same("X'" + hex_bytes(tag, size) + "'");
}
std::pair<std::string, std::string> msgpack_value(int tag, int size) {
  return same("'{\"k\":" + std::to_string(tag) + ",\"s\":\"" +
              std::string(static_cast<std::size_t>(size), 'm') + "\"}'");
}
std::pair<std::string, std::string> cbor_value(int tag, int size) {
  std::string items = std::to_string(tag);
  for (int k = 0; k < size / 4; ++k) items += "," + std::to_string(k - 3);
  return same("'[" + items + "]'");
}
std::pair<std::string, std::string> vec_value(int tag, int size) {
  std::string items = std::to_string(tag) + ".0";
  for (int k = 0; k < size / 4; ++k) items += (k % 2) ? ",0.5" : ",-2.25";
  return same("'[" + items + "]'");
}

const DtypeCase kDtypeCases[] = {
    {"str", "'str:utf8'", "", str_value},
    {"str_small_chunks", "'str:utf8'", ", min_chunk_bytes=64, max_chunk_bytes=256, cache_bytes=300",
     str_value},
    {"utf16le", "'str:utf16le'", ", min_chunk_bytes=64, max_chunk_bytes=256", str_value},
    {"bytes", "bytes", "", bytes_value},
    {"bytes_small_chunks", "bytes", ", min_chunk_bytes=32, max_chunk_bytes=128, cache_bytes=100",
     bytes_value},
    {"msgpack", "msgpack", ", min_chunk_bytes=64, max_chunk_bytes=512", msgpack_value},
    {"cbor", "cbor", ", min_chunk_bytes=64, max_chunk_bytes=512", cbor_value},
    {"vec_f32", "'vec:f32'", "", vec_value},
    {"vec_f32_small_chunks", "'vec:f32'", ", min_chunk_bytes=64, max_chunk_bytes=256", vec_value},
};

class KvColumnVarList : public ::testing::TestWithParam<DtypeCase> {
 protected:
  void SetUp() override {
    const DtypeCase& c = GetParam();
    auto r = db_.query(std::string("CREATE VIRTUAL TABLE t USING kvcolumn(") + c.dtype + c.options + ")");
    ASSERT_EQ(r.rc, SQLITE_OK) << r.error;
  }
  std::pair<std::string, std::string> value(int tag, int size) { return GetParam().value(tag, size); }
  void ok(const std::string& sql) {
    auto r = db_.query(sql);
    ASSERT_EQ(r.rc, SQLITE_OK) << sql << ": " << r.error;
  }
  void expect_model(const std::string& where) {
    EXPECT_EQ(db_.scalar("SELECT group_concat(quote(value), '|') FROM t"),
              model_.empty() ? "NULL" : join(model_))
        << where;
    EXPECT_EQ(
        db_.scalar("SELECT count(*) || ':' || ifnull(min(idx), -1) || ':' || ifnull(max(idx), -1) FROM t"),
        std::to_string(model_.size()) + ":" +
            (model_.empty() ? "-1:-1" : "0:" + std::to_string(model_.size() - 1)))
        << where;
  }
  Db db_;
  std::vector<std::string> model_;  // quote() of every element, in idx order
};

TEST_P(KvColumnVarList, AppendInsertAtUpdateDeleteLikeAList) {
  for (int k = 0; k < 30; ++k) {  // sizes 0..~200, crossing small chunks
    auto [lit, q] = value(k, (k * 37) % 201);
    ok("INSERT INTO t(value) VALUES (" + lit + ")");
    model_.push_back(q);
  }
  expect_model("after 30 appends");
  // Multi-row append in one statement.
  auto a = value(100, 3), b = value(101, 0), c = value(102, 150);
  ok("INSERT INTO t(value) VALUES (" + a.first + "), (" + b.first + "), (" + c.first + ")");
  model_.insert(model_.end(), {a.second, b.second, c.second});
  expect_model("after multi-row append");
  // Insert at the front, the middle, the last position and at length (= append).
  for (auto [pos, tag] :
       std::vector<std::pair<std::size_t, int>>{{0, 200}, {17, 201}, {34, 202}, {36, 203}}) {
    auto v = value(tag, 40 + tag % 7);
    ok("INSERT INTO t(idx, value) VALUES (" + std::to_string(pos) + ", " + v.first + ")");
    model_.insert(model_.begin() + static_cast<long>(pos), v.second);
    expect_model("after insert at " + std::to_string(pos));
  }
  // Updates: grow a lot, shrink to nothing, same size, grow past a small chunk.
  for (auto [pos, size] : std::vector<std::pair<std::size_t, int>>{
           {0, 400}, {1, 0}, {17, 41}, {20, 900}, {20, 5}, {model_.size() - 1, 300}, {5, 1}}) {
    auto v = value(static_cast<int>(300 + pos), size);
    ok("UPDATE t SET value = " + v.first + " WHERE idx = " + std::to_string(pos));
    model_[pos] = v.second;
    expect_model("after update of " + std::to_string(pos) + " to size " + std::to_string(size));
  }
  // A multi-row update (every 4th element gets the same value).
  auto u = value(400, 60);
  ok("UPDATE t SET value = " + u.first + " WHERE idx % 4 = 1");
  for (std::size_t k = 1; k < model_.size(); k += 4) model_[k] = u.second;
  expect_model("after multi-row update");
  // Deletes: one row, a range, an IN list, by value; the rest is renumbered.
  ok("DELETE FROM t WHERE idx = 3");
  model_.erase(model_.begin() + 3);
  expect_model("after delete of idx 3");
  ok("DELETE FROM t WHERE idx BETWEEN 10 AND 14");
  model_.erase(model_.begin() + 10, model_.begin() + 15);
  expect_model("after delete of 10..14");
  ok("DELETE FROM t WHERE idx IN (0, 7, 7, 1000)");
  model_.erase(model_.begin() + 7);
  model_.erase(model_.begin());
  expect_model("after delete IN");
  ok("DELETE FROM t WHERE value = " + u.first);
  std::erase(model_, u.second);
  expect_model("after delete by value");
  // Insert after deletes, then delete everything, then the column is usable again.
  auto d = value(500, 20);
  ok("INSERT INTO t(idx, value) VALUES (2, " + d.first + ")");
  model_.insert(model_.begin() + 2, d.second);
  expect_model("after insert following deletes");
  EXPECT_EQ(db_.scalar("SELECT kvcolumn_check('t')"), "ok");
  ok("DELETE FROM t");
  model_.clear();
  expect_model("after delete all");
  auto e = value(600, 10);
  ok("INSERT INTO t(value) VALUES (" + e.first + ")");
  model_.push_back(e.second);
  expect_model("after re-append");
  EXPECT_EQ(db_.scalar("SELECT kvcolumn_check('t')"), "ok");
}

TEST_P(KvColumnVarList, PushdownReadsMatchAPlainTable) {
  for (int k = 0; k < 40; ++k) ok("INSERT INTO t(value) VALUES (" + value(k, (k * 53) % 180).first + ")");
  ok("DELETE FROM t WHERE idx IN (5, 6)");  // renumbered before reading
  ok("UPDATE t SET value = " + value(999, 170).first + " WHERE idx = 20");
  ok("CREATE TABLE p(idx INTEGER PRIMARY KEY, value); INSERT INTO p SELECT idx, value FROM t");
  ASSERT_EQ(db_.scalar("SELECT count(*) FROM p"), "38");
  const char* queries[] = {
      "WHERE idx = 5",
      "WHERE idx = '5'",
      "WHERE idx = 5.0",
      "WHERE idx = 2.5",
      "WHERE idx = NULL",
      "WHERE idx = -1",
      "WHERE idx = 38",
      "WHERE rowid = 7",
      "WHERE idx < 3",
      "WHERE idx <= 3",
      "WHERE idx < 2.5",
      "WHERE idx > 35",
      "WHERE idx >= 35",
      "WHERE idx > 'abc'",
      "WHERE idx < 'abc' AND idx > 33",
      "WHERE idx BETWEEN 4 AND 9",
      "WHERE idx > 4 AND idx < 9",
      "WHERE idx >= 30 AND idx <= 1000",
      "WHERE idx IN (1, 3, 3, 99, -1, 37)",
      "WHERE idx IN (SELECT 2 UNION SELECT 7)",
      "WHERE idx IN (1, 3, 30) ORDER BY idx DESC",
      "ORDER BY idx DESC",
      "ORDER BY idx DESC LIMIT 3 OFFSET 2",
      "LIMIT 4 OFFSET 5",
      "LIMIT 0",
      "LIMIT 5 OFFSET 36",
      "WHERE idx >= 3 ORDER BY idx DESC LIMIT 2",
      "WHERE idx BETWEEN 10 AND 20 LIMIT 3 OFFSET 4",
      "WHERE idx > 1 AND idx % 3 = 0 LIMIT 2 OFFSET 1",
      "WHERE length(value) > 100 ORDER BY idx DESC",
  };
  for (const char* q : queries) {
    std::string shape = "SELECT group_concat(idx || '=' || quote(value), '|') FROM (SELECT idx, value FROM ";
    EXPECT_EQ(db_.scalar(shape + "t " + q + ")"), db_.scalar(shape + "p " + q + ")")) << q;
  }
  // A join drives point lookups on idx.
  EXPECT_EQ(db_.scalar("SELECT group_concat(quote(t.value), '|') FROM (SELECT 3 AS i UNION ALL SELECT 30) "
                       "JOIN t ON t.idx = i"),
            db_.scalar("SELECT group_concat(quote(p.value), '|') FROM (SELECT 3 AS i UNION ALL SELECT 30) "
                       "JOIN p ON p.idx = i"));
}

INSTANTIATE_TEST_SUITE_P(Dtypes, KvColumnVarList, ::testing::ValuesIn(kDtypeCases),
                         [](const ::testing::TestParamInfo<DtypeCase>& p) { return p.param.name; });

// ---------------------------------------------------------------------------

TEST(KvColumnVar, EmptyValuesAreElements) {
  Db db;
  ASSERT_EQ(db.query("CREATE VIRTUAL TABLE s USING kvcolumn('str:utf8');"
                     "CREATE VIRTUAL TABLE u USING kvcolumn('str:utf16le');"
                     "CREATE VIRTUAL TABLE b USING kvcolumn(bytes);"
                     "CREATE VIRTUAL TABLE m USING kvcolumn(msgpack);"
                     "CREATE VIRTUAL TABLE v USING kvcolumn('vec:f32');"
                     "INSERT INTO s(value) VALUES (''), ('x'), ('');"
                     "INSERT INTO u(value) VALUES (''), ('x'), ('');"
                     "INSERT INTO b(value) VALUES (x''), (x'00'), (zeroblob(0)), ('');"
                     "INSERT INTO m(value) VALUES ('\"\"'), ('[]'), ('{}');"
                     "INSERT INTO v(value) VALUES ('[]'), ('[1]')")
                .rc,
            SQLITE_OK);
  EXPECT_EQ(db.scalar("SELECT group_concat(quote(value) || typeof(value), ',') FROM s"),
            "''text,'x'text,''text");
  EXPECT_EQ(db.scalar("SELECT group_concat(quote(value) || typeof(value), ',') FROM u"),
            "''text,'x'text,''text");
  EXPECT_EQ(db.scalar("SELECT group_concat(quote(value) || typeof(value), ',') FROM b"),
            "X''blob,X'00'blob,X''blob,X''blob");
  EXPECT_EQ(db.scalar("SELECT group_concat(quote(value), ',') FROM m"), "'\"\"','[]','{}'");
  EXPECT_EQ(db.scalar("SELECT group_concat(quote(value), ',') FROM v"), "'[]','[1.0]'");
  // Grow an empty element, shrink a full one to empty, insert an empty one at 0.
  ASSERT_EQ(db.query("UPDATE s SET value = 'grown' WHERE idx = 0; UPDATE s SET value = '' WHERE idx = 1;"
                     "INSERT INTO s(idx, value) VALUES (0, '')")
                .rc,
            SQLITE_OK);
  EXPECT_EQ(db.scalar("SELECT group_concat(idx || quote(value), ',') FROM s"), "0'',1'grown',2'',3''");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM s WHERE value = ''"), "3");
  EXPECT_EQ(db.scalar("SELECT quote(value) FROM s WHERE idx = 3"), "''");
  ASSERT_EQ(db.query("DELETE FROM s WHERE value = ''").rc, SQLITE_OK);
  EXPECT_EQ(db.scalar("SELECT group_concat(idx || quote(value), ',') FROM s"), "0'grown'");
  EXPECT_EQ(db.scalar("SELECT kvcolumn_check('b')"), "ok");
}

TEST(KvColumnVar, NullIsAnErrorExceptForMsgpackAndCbor) {
  Db db;
  ASSERT_EQ(db.query("CREATE VIRTUAL TABLE s USING kvcolumn('str:utf8');"
                     "CREATE VIRTUAL TABLE b USING kvcolumn(bytes);"
                     "CREATE VIRTUAL TABLE v USING kvcolumn('vec:f32');"
                     "CREATE VIRTUAL TABLE m USING kvcolumn(msgpack);"
                     "CREATE VIRTUAL TABLE c USING kvcolumn(cbor);"
                     "INSERT INTO s(value) VALUES ('a'); INSERT INTO b(value) VALUES (x'01');"
                     "INSERT INTO v(value) VALUES ('[1]')")
                .rc,
            SQLITE_OK);
  for (const char* t : {"s", "b", "v"}) {
    std::string table = t;
    auto r = db.query("INSERT INTO " + table + "(value) VALUES (NULL)");
    EXPECT_EQ(r.rc, SQLITE_MISMATCH) << table;
    EXPECT_TRUE(contains(r.error, "kvcolumn '" + table + "'") && contains(r.error, "NULL")) << r.error;
    r = db.query("UPDATE " + table + " SET value = NULL WHERE idx = 0");
    EXPECT_EQ(r.rc, SQLITE_MISMATCH) << table;
    r = db.query("INSERT INTO " + table + "(idx, value) VALUES (0, NULL)");
    EXPECT_EQ(r.rc, SQLITE_MISMATCH) << table;
    EXPECT_EQ(db.scalar("SELECT count(*) FROM " + table), "1") << table;
  }
  EXPECT_EQ(db.scalar("SELECT value FROM s"), "a");
  // msgpack/cbor: NULL is nil/null and reads back as NULL.
  for (const char* t : {"m", "c"}) {
    std::string table = t;
    ASSERT_EQ(db.query("INSERT INTO " + table + "(value) VALUES (NULL), (1), (NULL); UPDATE " + table +
                       " SET value = NULL WHERE idx = 1; INSERT INTO " + table + "(idx, value) VALUES (0, 5)")
                  .rc,
              SQLITE_OK);
    EXPECT_EQ(db.scalar("SELECT group_concat(idx || ':' || quote(value) || ':' || typeof(value), ',') FROM " +
                        table),
              "0:5:integer,1:NULL:null,2:NULL:null,3:NULL:null");
    EXPECT_EQ(db.scalar("SELECT group_concat(idx) FROM " + table + " WHERE value IS NULL"), "1,2,3");
  }
}

TEST(KvColumnVar, ElementsLargerThanMaxChunkBytes) {
  TempDb file("kvcolumn_var_large_elem");
  std::string big_rows;
  {
    Db db(file.path);
    // A plain table holds the expected bytes; comparisons run in SQL.
    ASSERT_EQ(
        db.query("CREATE TABLE want(k INTEGER PRIMARY KEY, v);"
                 "INSERT INTO want VALUES (1, randomblob(3 * 1048576)), (2, randomblob(3 * 1048576 + 1)),"
                 " (3, randomblob(5 * 1048576 - 7));"
                 "CREATE VIRTUAL TABLE t USING kvcolumn(bytes, max_chunk_bytes=65536);"
                 "CREATE VIRTUAL TABLE s USING kvcolumn('str:utf8', max_chunk_bytes=65536);"
                 "INSERT INTO t(value) VALUES (x'61');"
                 "INSERT INTO t(value) SELECT v FROM want WHERE k = 1;"
                 "INSERT INTO t(value) VALUES (x'7A');"
                 "INSERT INTO s(value) SELECT hex(v) FROM want WHERE k = 1")
            .rc,
        SQLITE_OK);
    EXPECT_EQ(db.scalar("SELECT group_concat(length(value)) FROM t"), "1,3145728,1");
    EXPECT_EQ(db.scalar("SELECT value = (SELECT v FROM want WHERE k = 1) FROM t WHERE idx = 1"), "1");
    EXPECT_EQ(db.scalar("SELECT value = (SELECT hex(v) FROM want WHERE k = 1) FROM s"), "1");
    // Slices around the chunk size.
    EXPECT_EQ(
        db.scalar("SELECT substr(value, 65530, 20) = substr((SELECT v FROM want WHERE k = 1), 65530, 20)"
                  " AND substr(value, 3145720) = substr((SELECT v FROM want WHERE k = 1), 3145720)"
                  " FROM t WHERE idx = 1"),
        "1");
    // Grow by one byte, shrink to one byte, grow to 5 MiB, insert a large one at 0.
    ASSERT_EQ(db.query("UPDATE t SET value = (SELECT v FROM want WHERE k = 2) WHERE idx = 1").rc, SQLITE_OK);
    EXPECT_EQ(db.scalar("SELECT value = (SELECT v FROM want WHERE k = 2) FROM t WHERE idx = 1"), "1");
    ASSERT_EQ(db.query("BEGIN; UPDATE t SET value = x'42' WHERE idx = 1; COMMIT").rc, SQLITE_OK);
    EXPECT_EQ(db.scalar("SELECT group_concat(hex(value)) FROM t"), "61,42,7A");
    ASSERT_EQ(db.query("UPDATE t SET value = (SELECT v FROM want WHERE k = 3) WHERE idx = 1;"
                       "INSERT INTO t(idx, value) SELECT 0, v FROM want WHERE k = 1")
                  .rc,
              SQLITE_OK);
    big_rows = db.scalar("SELECT group_concat(length(value)) FROM t");
    EXPECT_EQ(big_rows, "3145728,1,5242873,1");
  }
  Db db(file.path);  // reopened: nothing cached
  EXPECT_EQ(db.scalar("SELECT group_concat(length(value)) FROM t"), big_rows);
  EXPECT_EQ(db.scalar("SELECT (SELECT value FROM t WHERE idx = 0) = (SELECT v FROM want WHERE k = 1)"
                      " AND (SELECT value FROM t WHERE idx = 2) = (SELECT v FROM want WHERE k = 3)"
                      " AND (SELECT hex(value) FROM t WHERE idx = 1) = '61'"
                      " AND (SELECT hex(value) FROM t WHERE idx = 3) = '7A'"),
            "1");
  EXPECT_EQ(db.scalar("SELECT value = (SELECT hex(v) FROM want WHERE k = 1) FROM s"), "1");
  EXPECT_EQ(db.scalar("SELECT kvcolumn_check('t') || kvcolumn_check('s')"), "okok");
  ASSERT_EQ(db.query("INSERT INTO t(t) VALUES ('compact')").rc, SQLITE_OK);
  EXPECT_EQ(db.scalar("SELECT (SELECT value FROM t WHERE idx = 2) = (SELECT v FROM want WHERE k = 3)"), "1");
  EXPECT_EQ(db.scalar("SELECT group_concat(length(value)) FROM t"), big_rows);
}

TEST(KvColumnVar, RollbackSavepointsAndReleaseLeaveExactContents) {
  TempDb file("kvcolumn_var_txn");
  Db db(file.path);
  ASSERT_EQ(
      db.query("CREATE VIRTUAL TABLE t USING kvcolumn('str:utf8', min_chunk_bytes=32, max_chunk_bytes=64,"
               " cache_bytes=48);"
               "INSERT INTO t(value) VALUES ('a'), ('bb'), ('ccc'), ('dddd')")
          .rc,
      SQLITE_OK);
  auto contents = [&] { return db.scalar("SELECT group_concat(value, ',') FROM t"); };
  // ROLLBACK undoes appends, growth, shrinks, insert-at, deletes and compact.
  ASSERT_EQ(db.query("BEGIN; INSERT INTO t(value) VALUES ('eeeee'), ('" + std::string(200, 'f') +
                     "');"
                     "UPDATE t SET value = '" +
                     std::string(150, 'g') +
                     "' WHERE idx = 0;"
                     "UPDATE t SET value = '' WHERE idx = 3; INSERT INTO t(idx, value) VALUES (1, 'ins');"
                     "DELETE FROM t WHERE idx = 2; INSERT INTO t(t) VALUES ('compact')")
                .rc,
            SQLITE_OK);
  EXPECT_EQ(contents(), std::string(150, 'g') + ",ins,ccc,,eeeee," + std::string(200, 'f'));
  ASSERT_EQ(db.query("ROLLBACK").rc, SQLITE_OK);
  EXPECT_EQ(contents(), "a,bb,ccc,dddd");
  // Nested savepoints: ROLLBACK TO the inner, RELEASE it, ROLLBACK TO the outer.
  ASSERT_EQ(
      db.query(
            "BEGIN; UPDATE t SET value = 'A1' WHERE idx = 0; SAVEPOINT s1;"
            "INSERT INTO t(value) VALUES ('" +
            std::string(100, 'x') +
            "'); DELETE FROM t WHERE idx = 1;"
            "SAVEPOINT s2; UPDATE t SET value = 'changed-in-s2' WHERE idx = 1; DELETE FROM t WHERE idx = 0;"
            "INSERT INTO t(t) VALUES ('compact')")
          .rc,
      SQLITE_OK);
  EXPECT_EQ(contents(), "changed-in-s2,dddd," + std::string(100, 'x'));
  ASSERT_EQ(db.query("ROLLBACK TO s2").rc, SQLITE_OK);
  EXPECT_EQ(contents(), "A1,ccc,dddd," + std::string(100, 'x'));
  ASSERT_EQ(db.query("UPDATE t SET value = 'after-s2' WHERE idx = 2; RELEASE s2").rc, SQLITE_OK);
  EXPECT_EQ(contents(), "A1,ccc,after-s2," + std::string(100, 'x'));
  ASSERT_EQ(db.query("ROLLBACK TO s1").rc, SQLITE_OK);
  EXPECT_EQ(contents(), "A1,bb,ccc,dddd");
  ASSERT_EQ(db.query("INSERT INTO t(idx, value) VALUES (4, 'end'); RELEASE s1; COMMIT").rc, SQLITE_OK);
  EXPECT_EQ(contents(), "A1,bb,ccc,dddd,end");
  // A failed statement inside a transaction changes nothing of that statement.
  ASSERT_EQ(db.query("BEGIN; INSERT INTO t(value) VALUES ('kept')").rc, SQLITE_OK);
  EXPECT_EQ(db.query("INSERT INTO t(value) VALUES ('x1'), ('x2'), (x'00')").rc, SQLITE_MISMATCH);
  EXPECT_EQ(db.query("UPDATE t SET value = CASE WHEN idx = 3 THEN 5 ELSE 'y' END").rc, SQLITE_MISMATCH);
  ASSERT_EQ(db.query("COMMIT").rc, SQLITE_OK);
  EXPECT_EQ(contents(), "A1,bb,ccc,dddd,end,kept");
  Db again(file.path);
  EXPECT_EQ(again.scalar("SELECT group_concat(value, ',') FROM t"), "A1,bb,ccc,dddd,end,kept");
  EXPECT_EQ(again.scalar("SELECT kvcolumn_check('t')"), "ok");
}

TEST(KvColumnVar, SecondConnectionNeverSeesUncommittedOrStaleData) {
  for (const char* journal : {"delete", "wal"}) {
    SCOPED_TRACE(journal);
    TempDb file(std::string("kvcolumn_var_two_") + journal);
    Db a(file.path), b(file.path);
    ASSERT_EQ(
        a.query(std::string("PRAGMA journal_mode=") + journal +
                "; CREATE VIRTUAL TABLE t USING kvcolumn(bytes, min_chunk_bytes=64, max_chunk_bytes=128);"
                "INSERT INTO t(value) VALUES (x'01'), (x'0202'), (x'030303')")
            .rc,
        SQLITE_OK);
    auto hexes = [](Db& db) { return db.scalar("SELECT group_concat(hex(value), ',') FROM t"); };
    // b reads (and caches) every chunk first.
    EXPECT_EQ(hexes(b), "01,0202,030303");
    EXPECT_EQ(b.scalar("SELECT hex(value) FROM t WHERE idx = 1"), "0202");
    ASSERT_EQ(a.query("BEGIN; UPDATE t SET value = randomblob(300) WHERE idx = 1;"
                      "UPDATE t SET value = x'AA' WHERE idx = 1; INSERT INTO t(idx, value) VALUES (0, x'FF');"
                      "DELETE FROM t WHERE idx = 3")
                  .rc,
              SQLITE_OK);
    EXPECT_EQ(hexes(a), "FF,01,AA");
    EXPECT_EQ(hexes(b), "01,0202,030303");  // uncommitted: invisible
    EXPECT_EQ(b.scalar("SELECT count(*) FROM t"), "3");
    ASSERT_EQ(a.query("COMMIT").rc, SQLITE_OK);
    EXPECT_EQ(b.scalar("SELECT hex(value) FROM t WHERE idx = 2"), "AA");  // not the cached 030303
    EXPECT_EQ(hexes(b), "FF,01,AA");
    // b writes (its own cache was revalidated), a had cached the old state.
    ASSERT_EQ(
        b.query("UPDATE t SET value = zeroblob(500) WHERE idx = 0; INSERT INTO t(value) VALUES (x'BB')").rc,
        SQLITE_OK);
    EXPECT_EQ(a.scalar("SELECT group_concat(length(value), ',') FROM t"), "500,1,1,1");
    EXPECT_EQ(a.scalar("SELECT hex(value) FROM t WHERE idx = 3"), "BB");
    // A compact by a is seen by b; a rolled-back compact changes nothing for b.
    ASSERT_EQ(a.query("BEGIN; INSERT INTO t(t) VALUES ('compact'); ROLLBACK").rc, SQLITE_OK);
    EXPECT_EQ(b.scalar("SELECT group_concat(length(value), ',') FROM t"), "500,1,1,1");
    ASSERT_EQ(a.query("DELETE FROM t WHERE idx = 0; INSERT INTO t(t) VALUES ('compact')").rc, SQLITE_OK);
    EXPECT_EQ(hexes(b), "01,AA,BB");
    EXPECT_EQ(b.scalar("SELECT length FROM kvcolumns WHERE name = 't'"), "3");
    EXPECT_EQ(b.scalar("SELECT kvcolumn_check('t')"), "ok");
  }
}

TEST(KvColumnVar, CompactKeepsContentsAndIsTransactional) {
  TempDb file("kvcolumn_var_compact");
  Db db(file.path);
  ASSERT_EQ(
      db.query("CREATE VIRTUAL TABLE t USING kvcolumn('str:utf8', min_chunk_bytes=64, max_chunk_bytes=256);"
               "WITH RECURSIVE c(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM c WHERE x < 299)"
               " INSERT INTO t(value) SELECT printf('v%d-', x) || substr('abcdefghij', 1, x % 11) FROM c;"
               "UPDATE t SET value = value || value || value WHERE idx % 2 = 0;"
               "UPDATE t SET value = substr(value, 1, 3) WHERE idx % 3 = 0;"
               "DELETE FROM t WHERE idx % 7 = 0")
          .rc,
      SQLITE_OK);
  std::string all = db.scalar("SELECT group_concat(value, ',') FROM t");
  std::string n = db.scalar("SELECT count(*) FROM t");
  ASSERT_EQ(n, "257");
  std::string bytes_before = db.scalar("SELECT bytes FROM kvcolumns WHERE name = 't'");
  // Rolled back: nothing changes, not even the storage figures.
  ASSERT_EQ(db.query("BEGIN; INSERT INTO t(t) VALUES ('compact')").rc, SQLITE_OK);
  EXPECT_EQ(db.scalar("SELECT group_concat(value, ',') FROM t"), all);
  ASSERT_EQ(db.query("ROLLBACK").rc, SQLITE_OK);
  EXPECT_EQ(db.scalar("SELECT group_concat(value, ',') FROM t"), all);
  EXPECT_EQ(db.scalar("SELECT bytes FROM kvcolumns WHERE name = 't'"), bytes_before);
  // Inside a savepoint that is rolled back to, then really.
  ASSERT_EQ(db.query("BEGIN; SAVEPOINT sp; UPDATE t SET value = 'x' WHERE idx = 0; INSERT INTO t(t) VALUES "
                     "('compact'); ROLLBACK TO sp; RELEASE sp")
                .rc,
            SQLITE_OK);
  EXPECT_EQ(db.scalar("SELECT group_concat(value, ',') FROM t"), all);
  ASSERT_EQ(db.query("INSERT INTO t(t) VALUES ('compact'); COMMIT").rc, SQLITE_OK);
  EXPECT_EQ(db.scalar("SELECT group_concat(value, ',') FROM t"), all);
  EXPECT_EQ(db.scalar("SELECT bytes <= " + bytes_before + " FROM kvcolumns WHERE name = 't'"), "1");
  // Compact twice in a row, then write and read across it.
  ASSERT_EQ(db.query("INSERT INTO t(t) VALUES ('compact'); INSERT INTO t(t) VALUES ('compact');"
                     "UPDATE t SET value = 'first' WHERE idx = 0; INSERT INTO t(value) VALUES ('last')")
                .rc,
            SQLITE_OK);
  EXPECT_EQ(db.scalar("SELECT value FROM t WHERE idx = 0"), "first");
  EXPECT_EQ(db.scalar("SELECT value FROM t WHERE idx = 257"), "last");
  EXPECT_EQ(db.scalar("SELECT group_concat(value, ',') FROM t WHERE idx BETWEEN 1 AND 256"),
            all.substr(all.find(',') + 1));
  EXPECT_EQ(db.scalar("SELECT kvcolumn_check('t')"), "ok");
  Db again(file.path);
  EXPECT_EQ(again.scalar("SELECT count(*) FROM t"), "258");
  EXPECT_EQ(again.scalar("SELECT group_concat(value, ',') FROM t WHERE idx BETWEEN 1 AND 256"),
            all.substr(all.find(',') + 1));
  // Compacting an empty column is fine.
  ASSERT_EQ(
      again.query("DELETE FROM t; INSERT INTO t(t) VALUES ('compact'); INSERT INTO t(value) VALUES ('z')").rc,
      SQLITE_OK);
  EXPECT_EQ(again.scalar("SELECT group_concat(idx || value) FROM t"), "0z");
}

// Dead bytes are reclaimed automatically: many updates never let the storage
// grow without bound (issue 4: compaction also runs when a chunk's dead
// fraction passes a threshold).
TEST(KvColumnVar, RepeatedUpdatesKeepStorageBounded) {
  Db db;
  ASSERT_EQ(
      db.query("CREATE VIRTUAL TABLE t USING kvcolumn(bytes, min_chunk_bytes=1024, max_chunk_bytes=4096);"
               "WITH RECURSIVE c(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM c WHERE x < 99)"
               " INSERT INTO t(value) SELECT zeroblob(100) FROM c")
          .rc,
      SQLITE_OK);
  std::mt19937 rng(9);
  // Bound: 4x the live payload plus two chunks; without reclaiming, 3000 updates leave ~300 KB dead.
  const std::string bounded =
      "SELECT bytes < 4 * ((SELECT sum(length(value)) FROM t) + 2 * 4096) FROM kvcolumns WHERE name = 't'";
  for (int round = 0; round < 2; ++round) {  // autocommit, then one transaction
    if (round == 1) {
      ASSERT_EQ(db.query("BEGIN").rc, SQLITE_OK);
    }
    for (int k = 0; k < 3000; ++k) {
      int size = 50 + static_cast<int>(rng() % 101);
      ASSERT_EQ(run_sql(db.get(), "UPDATE t SET value = randomblob(?) WHERE idx = ?",
                        {Arg::integer(size), Arg::integer(static_cast<long long>(rng() % 100))}),
                SQLITE_OK);
    }
    if (round == 1) {
      ASSERT_EQ(db.query("COMMIT").rc, SQLITE_OK);
    }
    EXPECT_EQ(db.scalar(bounded), "1")
        << "round " << round << ": bytes " << db.scalar("SELECT bytes FROM kvcolumns WHERE name = 't'");
    EXPECT_EQ(db.scalar("SELECT count(*) FROM t WHERE length(value) BETWEEN 50 AND 150"), "100");
  }
  EXPECT_EQ(db.scalar("SELECT kvcolumn_check('t')"), "ok");
}

// 'compact' leaves no dead byte and never makes the storage larger.
TEST(KvColumnVar, CompactReclaimsEveryDeadByte) {
  Db db;
  ASSERT_EQ(
      db.query("CREATE VIRTUAL TABLE t USING kvcolumn(bytes, min_chunk_bytes=1024, max_chunk_bytes=4096);"
               "INSERT INTO t(value) VALUES (randomblob(511)), (randomblob(39)), (randomblob(1023)),"
               " (randomblob(4095)), (randomblob(56)), (randomblob(17)), (randomblob(36)), (randomblob(7));"
               "INSERT INTO t(idx, value) VALUES (2, randomblob(254));"
               "INSERT INTO t(idx, value) VALUES (8, randomblob(1025));"
               "DELETE FROM t WHERE idx = 9;"
               "CREATE TABLE want AS SELECT idx, value FROM t")
          .rc,
      SQLITE_OK);
  std::string bytes_before = db.scalar("SELECT bytes FROM kvcolumns WHERE name = 't'");
  ASSERT_EQ(db.query("INSERT INTO t(t) VALUES ('compact')").rc, SQLITE_OK);
  EXPECT_EQ(db.scalar("SELECT count(*) FROM t JOIN want USING (idx) WHERE t.value = want.value"), "9");
  EXPECT_EQ(db.scalar("SELECT kvcolumn_check('t')"), "ok");
  // (Found by this test: compaction used to cut the stream at a chunk boundary
  // and move a record crossing it whole, leaving its first part dead.)
  EXPECT_EQ(db.scalar("SELECT dead_bytes FROM kvcolumns WHERE name = 't'"), "0");
  EXPECT_EQ(db.scalar("SELECT bytes <= " + bytes_before + " FROM kvcolumns WHERE name = 't'"), "1")
      << db.scalar("SELECT bytes FROM kvcolumns WHERE name = 't'") << " bytes after, " << bytes_before
      << " before";
}

TEST(KvColumnVar, SchemaViolationsAreErrorsThatWriteNothing) {
  Db db;
  ASSERT_EQ(db.query("CREATE VIRTUAL TABLE p USING kvcolumn(msgpack, schema='{\"type\":\"object\","
                     "\"required\":[\"name\"],\"properties\":{\"name\":{\"type\":\"string\"},"
                     "\"age\":{\"type\":\"integer\",\"minimum\":0}}}');"
                     "INSERT INTO p(value) VALUES ('{\"name\":\"ada\",\"age\":36}')")
                .rc,
            SQLITE_OK);
  struct Bad {
    const char* sql;
    const char* needle;
  } bad[] = {
      {"INSERT INTO p(value) VALUES ('{\"age\":3}')", "name"},
      {"INSERT INTO p(value) VALUES ('{\"name\":\"x\",\"age\":-1}')", "age"},
      {"INSERT INTO p(value) VALUES ('{\"name\":\"ok\"}'), ('[1,2]')", "schema"},
      {"INSERT INTO p(idx, value) VALUES (0, '{\"name\":5}')", "name"},
      {"UPDATE p SET value = '{\"nom\":\"ada\"}' WHERE idx = 0", "name"},
      {"INSERT INTO p(value) VALUES (7)", "schema"},
  };
  for (const Bad& b : bad) {
    auto r = db.query(b.sql);
    EXPECT_NE(r.rc, SQLITE_OK) << b.sql;
    EXPECT_TRUE(contains(r.error, "kvcolumn 'p'") && contains(r.error, "schema") &&
                contains(r.error, b.needle))
        << b.sql << ": " << r.error;
  }
  EXPECT_EQ(db.scalar("SELECT group_concat(value, '|') FROM p"), "{\"name\":\"ada\",\"age\":36}");
  ASSERT_EQ(db.query("INSERT INTO p(value) VALUES ('{\"name\":\"bob\"}')").rc, SQLITE_OK);
  EXPECT_EQ(db.scalar("SELECT group_concat(json_extract(value, '$.name'), ',') FROM p"), "ada,bob");
  // schema= applies to msgpack and cbor only; an invalid schema is an error at CREATE.
  EXPECT_NE(db.query("CREATE VIRTUAL TABLE s USING kvcolumn('str:utf8', schema='{}')").rc, SQLITE_OK);
  EXPECT_NE(db.query("CREATE VIRTUAL TABLE s2 USING kvcolumn(cbor, schema='{not json')").rc, SQLITE_OK);
}

TEST(KvColumnVar, ErrorPathsNameTheProblemAndChangeNothing) {
  Db db;
  ASSERT_EQ(db.query("CREATE VIRTUAL TABLE s USING kvcolumn('str:utf8');"
                     "CREATE VIRTUAL TABLE m USING kvcolumn(msgpack);"
                     "CREATE VIRTUAL TABLE v USING kvcolumn('vec:f32');"
                     "CREATE VIRTUAL TABLE a USING kvcolumn('str:ascii');"
                     "INSERT INTO s(value) VALUES ('one'), ('two');"
                     "INSERT INTO m(value) VALUES ('{\"k\":1}');"
                     "INSERT INTO v(value) VALUES ('[1,2]'); INSERT INTO a(value) VALUES ('plain')")
                .rc,
            SQLITE_OK);
  constexpr int kAnyError = -1;
  struct Case {
    const char* sql;
    int rc;
    const char* needle;
  } cases[] = {
      {"INSERT INTO s(value) VALUES (5)", SQLITE_MISMATCH, "expects TEXT"},
      {"INSERT INTO s(value) VALUES (1.5)", SQLITE_MISMATCH, "expects TEXT"},
      {"INSERT INTO s(value) VALUES (x'6869')", SQLITE_MISMATCH, "expects TEXT"},
      {"UPDATE s SET value = 7 WHERE idx = 1", SQLITE_MISMATCH, "expects TEXT"},
      {"INSERT INTO s(value) VALUES ('ok'), (5)", SQLITE_MISMATCH, "expects TEXT"},
      {"INSERT INTO m(value) VALUES ('{\"a\":')", SQLITE_ERROR, "JSON"},
      {"INSERT INTO m(value) VALUES ('')", SQLITE_ERROR, "JSON"},
      {"UPDATE m SET value = '[1,,2]'", SQLITE_ERROR, "JSON"},
      {"INSERT INTO v(value) VALUES ('abc')", SQLITE_ERROR, "vec:f32"},
      {"INSERT INTO v(value) VALUES ('[1,\"x\"]')", SQLITE_ERROR, "vec:f32"},
      {"INSERT INTO a(value) VALUES ('caf\xC3\xA9')", kAnyError, "ascii"},
      {"INSERT INTO s(idx, value) VALUES (3, 'x')", SQLITE_RANGE, "out of range"},
      {"INSERT INTO s(idx, value) VALUES (-1, 'x')", SQLITE_RANGE, "out of range"},
      {"INSERT INTO s(idx, value) VALUES ('a', 'x')", SQLITE_MISMATCH, "idx"},
      {"UPDATE s SET idx = 5 WHERE idx = 0", SQLITE_CONSTRAINT, "idx"},
      {"UPDATE s SET idx = idx + 1", SQLITE_CONSTRAINT, "idx"},
      {"UPDATE s SET rowid = 9 WHERE idx = 1", SQLITE_CONSTRAINT, "idx"},
      {"INSERT INTO s(s, value) VALUES ('append', x'0000')", kAnyError, "kvcolumn 's'"},
      {"INSERT INTO s(s) VALUES ('bogus')", SQLITE_ERROR, "unknown command"},
  };
  for (const Case& c : cases) {
    auto r = db.query(c.sql);
    if (c.rc == kAnyError)
      EXPECT_NE(r.rc, SQLITE_OK) << c.sql;
    else
      EXPECT_EQ(r.rc, c.rc) << c.sql << ": " << r.error;
    EXPECT_TRUE(contains(r.error, "kohakuvault:")) << c.sql << ": " << r.error;
    EXPECT_TRUE(contains(r.error, c.needle)) << c.sql << ": " << r.error;
  }
  EXPECT_EQ(db.scalar("SELECT group_concat(idx || '=' || value, ',') FROM s"), "0=one,1=two");
  EXPECT_EQ(db.scalar("SELECT group_concat(value, ',') FROM m"), "{\"k\":1}");
  EXPECT_EQ(db.scalar("SELECT group_concat(value, ',') FROM v"), "[1.0,2.0]");
  EXPECT_EQ(db.scalar("SELECT group_concat(value, ',') FROM a"), "plain");
  // Declaration errors.
  for (const char* sql :
       {"CREATE VIRTUAL TABLE e1 USING kvcolumn(bytes, max_chunk_bytes=1)",
        "CREATE VIRTUAL TABLE e2 USING kvcolumn(bytes, min_chunk_bytes=4096, max_chunk_bytes=1024)",
        "CREATE VIRTUAL TABLE e3 USING kvcolumn(bytes, cache_bytes=0)",
        "CREATE VIRTUAL TABLE e4 USING kvcolumn(bytes, chunk=5)",
        "CREATE VIRTUAL TABLE e5 USING kvcolumn('str:klingon')"}) {
    auto r = db.query(sql);
    EXPECT_NE(r.rc, SQLITE_OK) << sql;
    EXPECT_TRUE(contains(r.error, "kohakuvault:")) << sql << ": " << r.error;
  }
}

TEST(KvColumnVar, ShadowTablesExistAreProtectedRenamedAndDropped) {
  TempDb file("kvcolumn_var_shadow");
  Db db(file.path);
  ASSERT_EQ(
      db.query("CREATE VIRTUAL TABLE t USING kvcolumn(msgpack); INSERT INTO t(value) VALUES ('[1]'), (2)").rc,
      SQLITE_OK);
  auto shadows = [&](const std::string& base) {
    return db.scalar("SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_schema WHERE name IN ('" +
                     base + "_info', '" + base + "_idx', '" + base + "_data') ORDER BY name)");
  };
  EXPECT_EQ(shadows("t"), "t_data,t_idx,t_info");
  ASSERT_NO_FATAL_FAILURE(kvtest::expect_shadow_writes_refused(
      db, {"DELETE FROM t_data", "DELETE FROM t_idx", "UPDATE t_info SET value = 0",
           "INSERT INTO t_idx(chunk_idx, data) VALUES (99, x'00')"}));
  // The table itself still writes them.
  ASSERT_EQ(db.query("INSERT INTO t(value) VALUES ('{\"a\":\"b\"}'); UPDATE t SET value = 3 WHERE idx = 0;"
                     "INSERT INTO t(t) VALUES ('compact')")
                .rc,
            SQLITE_OK);
  EXPECT_EQ(db.scalar("SELECT group_concat(value, ',') FROM t"), "3,2,{\"a\":\"b\"}");
  ASSERT_EQ(db.query("BEGIN; INSERT INTO t(value) VALUES (4); ALTER TABLE t RENAME TO u; COMMIT").rc,
            SQLITE_OK);
  EXPECT_EQ(shadows("t"), "NULL");
  EXPECT_EQ(shadows("u"), "u_data,u_idx,u_info");
  EXPECT_EQ(db.scalar("SELECT group_concat(value, ',') FROM u"), "3,2,{\"a\":\"b\"},4");
  EXPECT_EQ(db.scalar("SELECT name || ':' || dtype || ':' || length FROM kvcolumns"), "u:msgpack:4");
  ASSERT_EQ(db.query("VACUUM").rc, SQLITE_OK);
  EXPECT_EQ(db.scalar("SELECT group_concat(value, ',') FROM u"), "3,2,{\"a\":\"b\"},4");
  ASSERT_EQ(db.query("DROP TABLE u").rc, SQLITE_OK);
  EXPECT_EQ(db.scalar("SELECT count(*) FROM sqlite_schema WHERE name LIKE 'u%' OR name LIKE 't%'"), "0");
}

// ---------------------------------------------------------------------------
// Random operations vs a model.

class Differential {
 public:
  Differential(std::string dtype, std::string path, unsigned seed, bool wal)
      : dtype_(std::move(dtype)), path_(std::move(path)), rng_(seed), wal_(wal) {}

  void run(int steps) {
    open();
    exec("CREATE VIRTUAL TABLE t USING kvcolumn(" + dtype_ +
         ", min_chunk_bytes=1024, max_chunk_bytes=4096, cache_bytes=3000)");
    other_ = std::make_unique<Db>(path_);
    for (step_ = 0; step_ < steps; ++step_) {
      ASSERT_NO_FATAL_FAILURE(one_step());
      if (!in_txn_) committed_ = rows_;
      if (step_ % 10 == 0) {
        ASSERT_NO_FATAL_FAILURE(expect_contents(db_->get(), "t", rows_, where()));
      }
    }
    if (in_txn_) {
      ASSERT_EQ(db_->query("COMMIT").rc, SQLITE_OK);
    }
    ASSERT_NO_FATAL_FAILURE(expect_contents(db_->get(), "t", rows_, where() + " end"));
    EXPECT_EQ(db_->scalar("SELECT kvcolumn_check('t')"), "ok");
    ASSERT_NO_FATAL_FAILURE(expect_contents(other_->get(), "t", rows_, where() + " other at end"));
    db_.reset();
    other_.reset();
    open();
    ASSERT_NO_FATAL_FAILURE(expect_contents(db_->get(), "t", rows_, where() + " reopened at end"));
    EXPECT_EQ(db_->scalar("PRAGMA integrity_check"), "ok");
    EXPECT_GT(stats_.reopens, 0);
    EXPECT_GT(stats_.rollbacks, 0);
    EXPECT_GT(stats_.compacts, 0);
    db_.reset();
  }

 private:
  bool is_text() const { return dtype_ != "bytes"; }
  std::string where() const { return dtype_ + " step " + std::to_string(step_); }
  int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

  void open() {
    db_ = std::make_unique<Db>(path_);
    ASSERT_EQ(
        db_->query(wal_ ? "PRAGMA journal_mode=wal; PRAGMA synchronous=off" : "PRAGMA synchronous=off").rc,
        SQLITE_OK);
  }

  // A value of `size` bytes (random size when negative): mostly short, some
  // empty, some around the sizes where a layout may change its encoding
  // (255, 256, 64 KiB, ...), some larger than a chunk.
  std::string make_value(int size = -1) {
    static const int kEdges[] = {253,  254,  255,  256,  257,  511,   512,   1023,
                                 1024, 1025, 4095, 4096, 4097, 65535, 65536, 65537};
    if (size < 0) {
      switch (pick(0, 11)) {
        case 0: size = 0; break;
        case 1: size = pick(300, 1500); break;
        case 2: size = pick(0, 1) ? pick(4000, 9000) : pick(1, 8); break;  // larger than a chunk
        case 3: size = kEdges[pick(0, static_cast<int>(std::size(kEdges)) - 1)]; break;
        default: size = pick(1, 80);
      }
    }
    std::string v;
    v.reserve(static_cast<std::size_t>(size));
    if (is_text()) {  // valid UTF-8 of exactly `size` bytes
      static const char* pieces[] = {"a", "b", "z", "0", " ", "\xC3\xA9", "\xE2\x82\xAC"};
      while (static_cast<int>(v.size()) + 3 <= size) v += pieces[pick(0, 6)];
      while (static_cast<int>(v.size()) < size) v += 'q';
    } else {
      for (int k = 0; k < size; ++k) v += static_cast<char>(pick(0, 255));  // zero bytes included
    }
    return v;
  }
  Arg arg(const std::string& v) const { return is_text() ? Arg::text(v) : Arg::blob(v); }
  void exec(const std::string& sql, const std::vector<Arg>& args = {}) {
    std::string error;
    ASSERT_EQ(run_sql(db_->get(), sql, args, &error), SQLITE_OK) << where() << ": " << sql << ": " << error;
  }
  long n() const { return static_cast<long>(rows_.size()); }

  void one_step() {
    int op = pick(0, 20);
    if (op <= 4) {  // append 1..4 elements in one statement
      int k = pick(1, 4);
      std::string sql = "INSERT INTO t(value) VALUES (?)";
      std::vector<Arg> args;
      for (int j = 0; j < k; ++j) {
        if (j) sql += ", (?)";
        rows_.push_back(make_value());
        args.push_back(arg(rows_.back()));
      }
      exec(sql, args);
    } else if (op == 5) {  // insert at
      long i = pick(0, static_cast<int>(n()));
      std::string v = make_value();
      exec("INSERT INTO t(idx, value) VALUES (?, ?)", {Arg::integer(i), arg(v)});
      rows_.insert(rows_.begin() + i, v);
    } else if (op <= 7 && n() > 0) {  // update one element (grow, shrink or same)
      long i = pick(0, static_cast<int>(n() - 1));
      std::string v = make_value();
      exec("UPDATE t SET value = ? WHERE idx = ?", {arg(v), Arg::integer(i)});
      rows_[static_cast<std::size_t>(i)] = v;
    } else if (op == 8 && n() > 0) {  // update a range
      long a = pick(0, static_cast<int>(n() - 1)), b = a + pick(0, 5);
      std::string v = make_value();
      exec("UPDATE t SET value = ? WHERE idx BETWEEN ? AND ?", {arg(v), Arg::integer(a), Arg::integer(b)});
      for (long k = a; k <= b && k < n(); ++k) rows_[static_cast<std::size_t>(k)] = v;
    } else if (op == 9 && n() > 0) {  // delete one
      long i = pick(0, static_cast<int>(n() - 1));
      exec("DELETE FROM t WHERE idx = ?", {Arg::integer(i)});
      rows_.erase(rows_.begin() + i);
    } else if (op == 10 && n() > 0) {  // delete every k-th of a stretch
      long from = pick(0, static_cast<int>(n() - 1)), to = from + pick(0, 20);
      int k = pick(2, 5);
      exec("DELETE FROM t WHERE idx BETWEEN ? AND ? AND idx % ? = 0",
           {Arg::integer(from), Arg::integer(to), Arg::integer(k)});
      std::vector<std::string> kept;
      for (long j = 0; j < n(); ++j)
        if (!(j >= from && j <= to && j % k == 0)) kept.push_back(rows_[static_cast<std::size_t>(j)]);
      rows_ = kept;
    } else if (op == 11) {  // BEGIN or SAVEPOINT
      if (!in_txn_) {
        exec("BEGIN");
        in_txn_ = true;
      } else {
        std::string name = "sp" + std::to_string(saves_.size());
        exec("SAVEPOINT " + name);
        saves_.emplace_back(name, rows_);
      }
    } else if (op == 12 && !saves_.empty()) {  // ROLLBACK TO
      std::size_t k = static_cast<std::size_t>(pick(0, static_cast<int>(saves_.size() - 1)));
      exec("ROLLBACK TO " + saves_[k].first);
      rows_ = saves_[k].second;
      saves_.resize(k + 1);
      ++stats_.rollbacks;
    } else if (op == 13 && !saves_.empty()) {  // RELEASE
      std::size_t k = static_cast<std::size_t>(pick(0, static_cast<int>(saves_.size() - 1)));
      exec("RELEASE " + saves_[k].first);
      saves_.resize(k);
    } else if (op == 14 && in_txn_) {  // COMMIT or ROLLBACK
      if (pick(0, 9) < 7) {
        exec("COMMIT");
        committed_ = rows_;
      } else {
        exec("ROLLBACK");
        rows_ = committed_;
        ++stats_.rollbacks;
      }
      in_txn_ = false;
      saves_.clear();
    } else if (op == 15) {
      exec("INSERT INTO t(t) VALUES ('compact')");
      ++stats_.compacts;
    } else if (op == 16) {  // a statement that fails on its last row changes nothing
      std::string error;
      EXPECT_NE(run_sql(db_->get(), "INSERT INTO t(value) VALUES (?), (?), (NULL)",
                        {arg("x"), arg(make_value())}, &error),
                SQLITE_OK)
          << where();
      if (n() > 0) {
        EXPECT_NE(run_sql(db_->get(), "UPDATE t SET value = CASE WHEN idx = ? THEN NULL ELSE ? END",
                          {Arg::integer(n() - 1), arg("y")}, &error),
                  SQLITE_OK)
            << where();
      }
    } else if (op == 17) {  // the other connection sees committed data only; or reopen
      if (in_txn_) {
        ASSERT_NO_FATAL_FAILURE(expect_contents(other_->get(), "t", committed_, where() + " other (in txn)"));
      } else if (pick(0, 1)) {
        ASSERT_NO_FATAL_FAILURE(expect_contents(other_->get(), "t", rows_, where() + " other"));
      } else {
        db_.reset();
        open();
        ++stats_.reopens;
      }
    } else if (op == 20 && n() > 0) {  // same-size update (may be written in place)
      long i = pick(0, static_cast<int>(n() - 1));
      std::string v = make_value(static_cast<int>(rows_[static_cast<std::size_t>(i)].size()));
      exec("UPDATE t SET value = ? WHERE idx = ?", {arg(v), Arg::integer(i)});
      rows_[static_cast<std::size_t>(i)] = v;
    } else if (op >= 18 && n() > 0) {  // pushdown reads
      long i = pick(0, static_cast<int>(n() - 1));
      auto got = column_bytes(db_->get(), "SELECT value FROM t WHERE idx = ?", {Arg::integer(i)});
      ASSERT_EQ(got.size(), 1u) << where();
      ASSERT_EQ(got[0], rows_[static_cast<std::size_t>(i)]) << where() << " point read " << i;
      long a = pick(-2, static_cast<int>(n())), b = a + pick(0, 12);
      got = column_bytes(db_->get(), "SELECT value FROM t WHERE idx >= ? AND idx <= ? ORDER BY idx DESC",
                         {Arg::integer(a), Arg::integer(b)});
      std::vector<std::string> want;
      for (long k = std::min(b, n() - 1); k >= std::max(a, 0L); --k)
        want.push_back(rows_[static_cast<std::size_t>(k)]);
      ASSERT_EQ(got, want) << where() << " range " << a << ".." << b;
    }
  }

  std::string dtype_, path_;
  std::mt19937 rng_;
  bool wal_;
  std::unique_ptr<Db> db_, other_;
  std::vector<std::string> rows_, committed_;
  std::vector<std::pair<std::string, std::vector<std::string>>> saves_;
  bool in_txn_ = false;
  int step_ = 0;
  struct {
    int reopens = 0, rollbacks = 0, compacts = 0;
  } stats_;
};

TEST(KvColumnVarDifferential, BytesRollbackJournal) {
  TempDb file("kvcolumn_var_diff_bytes");
  Differential(std::string("bytes"), file.path, 11u, false).run(1500);
}

TEST(KvColumnVarDifferential, StrWal) {
  TempDb file("kvcolumn_var_diff_str");
  Differential(std::string("'str:utf8'"), file.path, 12u, true).run(1500);
}

TEST(KvColumnVarDifferential, BytesMoreSeeds) {
  for (unsigned seed : {21u, 22u, 23u}) {
    SCOPED_TRACE(seed);
    TempDb file("kvcolumn_var_diff_seed" + std::to_string(seed));
    Differential(std::string("bytes"), file.path, seed, seed % 2 == 0).run(600);
  }
}

// ---------------------------------------------------------------------------
// Upstream failure modes (../shared/KOHAKUVAULT_FORMATS.md, "Where upstream
// loses data"), each as a test that would catch it here.

// (a) "Index overwritten on large columns": 200k elements over many index and
// data chunks, edits near the start, middle and end, then every element.
class KvColumnVarUpstreamLarge : public ::testing::TestWithParam<const char*> {};

std::string large_value(long x) {  // the same formula as the SQL below
  return "e" + std::to_string(x) + ":" +
         std::string("abcdefghijklmnopqrstuvw").substr(0, static_cast<std::size_t>(x % 23));
}

TEST_P(KvColumnVarUpstreamLarge, IndexNotOverwrittenOnLargeColumns) {
  TempDb file("kvcolumn_var_upstream_index");
  const long n = 200000;
  std::vector<std::string> model;
  for (long x = 0; x < n; ++x) model.push_back(large_value(x));
  {
    Db db(file.path);
    ASSERT_EQ(
        db.query(
              std::string("PRAGMA synchronous=off; CREATE VIRTUAL TABLE t USING kvcolumn('str:utf8'") +
              GetParam() +
              ");"
              "WITH RECURSIVE c(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM c WHERE x < 199999)"
              " INSERT INTO t(value) SELECT 'e' || x || ':' || substr('abcdefghijklmnopqrstuvw', 1, x % 23)"
              " FROM c")
            .rc,
        SQLITE_OK);
    ASSERT_EQ(db.scalar("SELECT count(*) FROM t"), "200000");
    // Growing and shrinking updates near the start, the middle and the end, one transaction.
    std::string grown(3000, 'G');
    ASSERT_EQ(db.query("BEGIN; UPDATE t SET value = '" + grown +
                       "' WHERE idx IN (0, 2, 99999, 199998);"
                       "UPDATE t SET value = '' WHERE idx IN (1, 100000, 199999); COMMIT")
                  .rc,
              SQLITE_OK);
    for (long i : {0L, 2L, 99999L, 199998L}) model[static_cast<std::size_t>(i)] = grown;
    for (long i : {1L, 100000L, 199999L}) model[static_cast<std::size_t>(i)].clear();
    // Inserts at 0, the middle, before the last and at the end; deletes; in autocommit.
    for (auto [pos, v] : std::vector<std::pair<long, std::string>>{
             {0, "ins-front"}, {100000, "ins-middle"}, {n + 1, "ins-before-last"}, {n + 3, "ins-end"}}) {
      ASSERT_EQ(
          run_sql(db.get(), "INSERT INTO t(idx, value) VALUES (?, ?)", {Arg::integer(pos), Arg::text(v)}),
          SQLITE_OK);
      model.insert(model.begin() + pos, v);
    }
    ASSERT_EQ(db.query("DELETE FROM t WHERE idx = 5; DELETE FROM t WHERE idx = 150000").rc, SQLITE_OK);
    model.erase(model.begin() + 5);
    model.erase(model.begin() + 150000);
    // Every 997th element grows (many index chunks in one statement).
    ASSERT_EQ(db.query("UPDATE t SET value = value || '+grown-' || idx WHERE idx % 997 = 0").rc, SQLITE_OK);
    for (std::size_t k = 0; k < model.size(); k += 997) model[k] += "+grown-" + std::to_string(k);
    ASSERT_NO_FATAL_FAILURE(expect_contents(db.get(), "t", model, "after edits"));
    EXPECT_EQ(db.scalar("SELECT kvcolumn_check('t')"), "ok");
  }
  Db db(file.path), other(file.path);
  ASSERT_NO_FATAL_FAILURE(expect_contents(db.get(), "t", model, "reopened"));
  // Point reads spread over the column (each fetches its own index entry).
  for (std::size_t k = 0; k < model.size(); k += 4099) {
    auto got = column_bytes(other.get(), "SELECT value FROM t WHERE idx = ?",
                            {Arg::integer(static_cast<long long>(k))});
    ASSERT_EQ(got, std::vector<std::string>{model[k]}) << "idx " << k;
  }
}

INSTANTIATE_TEST_SUITE_P(ChunkOptions, KvColumnVarUpstreamLarge,
                         ::testing::Values("", ", min_chunk_bytes=4096, max_chunk_bytes=16384"),
                         [](const ::testing::TestParamInfo<const char*>& p) {
                           return std::string(p.param[0] ? "SmallChunks" : "DefaultChunks");
                         });

// (b) "Chunk zeroed on rebuilds": many growing and shrinking updates of the
// elements in one chunk region; the neighbours stay byte-exact and no zero
// byte ever appears (no element here contains one).
TEST(KvColumnVarUpstream, NoChunkZeroedByGrowAndShrinkRebuilds) {
  TempDb file("kvcolumn_var_upstream_zero");
  std::mt19937 rng(4);
  auto nonzero = [&](int size, int tag) {
    std::string v;
    for (int k = 0; k < size; ++k)
      v += static_cast<char>(1 + (tag * 13 + k * 7 + static_cast<int>(rng() % 3)) % 255);
    return v;
  };
  std::vector<std::string> model;
  auto db = std::make_unique<Db>(file.path);
  ASSERT_EQ(
      db->query("PRAGMA synchronous=off;"
                "CREATE VIRTUAL TABLE t USING kvcolumn(bytes, min_chunk_bytes=1024, max_chunk_bytes=4096)")
          .rc,
      SQLITE_OK);
  for (int k = 0; k < 60; ++k) {
    model.push_back(nonzero(50, k));
    ASSERT_EQ(run_sql(db->get(), "INSERT INTO t(value) VALUES (?)", {Arg::blob(model.back())}), SQLITE_OK);
  }
  const std::vector<std::string> original = model;
  for (int batch = 0; batch < 40; ++batch) {
    int mode = batch % 4;  // 0: autocommit, 1: transaction, 2: rolled back, 3: transaction + compact
    std::vector<std::string> before = model;
    if (mode) {
      ASSERT_EQ(db->query("BEGIN").rc, SQLITE_OK);
    }
    for (int u = 0; u < 15; ++u) {
      int i = 20 + static_cast<int>(rng() % 20);
      int size = (u % 2) ? static_cast<int>(rng() % 8) : 100 + static_cast<int>(rng() % 600);
      model[static_cast<std::size_t>(i)] = nonzero(size, batch * 100 + u);
      ASSERT_EQ(run_sql(db->get(), "UPDATE t SET value = ? WHERE idx = ?",
                        {Arg::blob(model[static_cast<std::size_t>(i)]), Arg::integer(i)}),
                SQLITE_OK);
    }
    if (mode == 3) {
      ASSERT_EQ(db->query("INSERT INTO t(t) VALUES ('compact')").rc, SQLITE_OK);
    }
    if (mode == 2) {
      ASSERT_EQ(db->query("ROLLBACK").rc, SQLITE_OK);
      model = before;
    } else if (mode) {
      ASSERT_EQ(db->query("COMMIT").rc, SQLITE_OK);
    }
    std::string where = "batch " + std::to_string(batch);
    EXPECT_EQ(db->scalar("SELECT count(*) FROM t WHERE instr(value, x'00') > 0"), "0") << where;
    ASSERT_NO_FATAL_FAILURE(expect_contents(db->get(), "t", model, where));
    if (batch % 10 == 9) {  // and from storage, not the cache
      db = std::make_unique<Db>(file.path);
      ASSERT_EQ(db->query("PRAGMA synchronous=off").rc, SQLITE_OK);
    }
  }
  // The neighbours were never touched: byte-exact as first written.
  auto got = column_bytes(db->get(), "SELECT value FROM t WHERE idx < 20 OR idx >= 40");
  std::vector<std::string> want(original.begin(), original.begin() + 20);
  want.insert(want.end(), original.begin() + 40, original.end());
  EXPECT_EQ(got, want);
  EXPECT_EQ(db->scalar("SELECT kvcolumn_check('t')"), "ok");
}

// (c) "Appends rewrite whole chunks": a VFS shim counts the bytes written to
// every file (database and journal); autocommit appends of small elements to
// a column whose last data chunk holds ~900 KiB must write far less than a
// chunk per commit.
struct CountingFile {
  sqlite3_file base;
  sqlite3_file* real;
};

std::uint64_t g_bytes_written = 0;
sqlite3_vfs* g_real_vfs = nullptr;

CountingFile* counting(sqlite3_file* f) { return reinterpret_cast<CountingFile*>(f); }

int cf_close(sqlite3_file* f) { return counting(f)->real->pMethods->xClose(counting(f)->real); }
int cf_read(sqlite3_file* f, void* p, int n, sqlite3_int64 off) {
  return counting(f)->real->pMethods->xRead(counting(f)->real, p, n, off);
}
int cf_write(sqlite3_file* f, const void* p, int n, sqlite3_int64 off) {
  g_bytes_written += static_cast<std::uint64_t>(n);
  return counting(f)->real->pMethods->xWrite(counting(f)->real, p, n, off);
}
int cf_truncate(sqlite3_file* f, sqlite3_int64 size) {
  return counting(f)->real->pMethods->xTruncate(counting(f)->real, size);
}
int cf_sync(sqlite3_file* f, int flags) {
  return counting(f)->real->pMethods->xSync(counting(f)->real, flags);
}
int cf_file_size(sqlite3_file* f, sqlite3_int64* size) {
  return counting(f)->real->pMethods->xFileSize(counting(f)->real, size);
}
int cf_lock(sqlite3_file* f, int level) {
  return counting(f)->real->pMethods->xLock(counting(f)->real, level);
}
int cf_unlock(sqlite3_file* f, int level) {
  return counting(f)->real->pMethods->xUnlock(counting(f)->real, level);
}
int cf_check_reserved(sqlite3_file* f, int* out) {
  return counting(f)->real->pMethods->xCheckReservedLock(counting(f)->real, out);
}
int cf_file_control(sqlite3_file* f, int op, void* arg) {
  return counting(f)->real->pMethods->xFileControl(counting(f)->real, op, arg);
}
int cf_sector_size(sqlite3_file* f) { return counting(f)->real->pMethods->xSectorSize(counting(f)->real); }
int cf_device_characteristics(sqlite3_file* f) {
  return counting(f)->real->pMethods->xDeviceCharacteristics(counting(f)->real);
}
int cf_shm_map(sqlite3_file* f, int page, int size, int extend, void volatile** out) {
  return counting(f)->real->pMethods->xShmMap(counting(f)->real, page, size, extend, out);
}
int cf_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  return counting(f)->real->pMethods->xShmLock(counting(f)->real, offset, n, flags);
}
void cf_shm_barrier(sqlite3_file* f) { counting(f)->real->pMethods->xShmBarrier(counting(f)->real); }
int cf_shm_unmap(sqlite3_file* f, int del) {
  return counting(f)->real->pMethods->xShmUnmap(counting(f)->real, del);
}
int cf_fetch(sqlite3_file* f, sqlite3_int64 off, int n, void** out) {
  return counting(f)->real->pMethods->xFetch(counting(f)->real, off, n, out);
}
int cf_unfetch(sqlite3_file* f, sqlite3_int64 off, void* p) {
  return counting(f)->real->pMethods->xUnfetch(counting(f)->real, off, p);
}

const sqlite3_io_methods kCountingIo = {
    3,                         /* iVersion */
    cf_close,                  /* xClose */
    cf_read,                   /* xRead */
    cf_write,                  /* xWrite */
    cf_truncate,               /* xTruncate */
    cf_sync,                   /* xSync */
    cf_file_size,              /* xFileSize */
    cf_lock,                   /* xLock */
    cf_unlock,                 /* xUnlock */
    cf_check_reserved,         /* xCheckReservedLock */
    cf_file_control,           /* xFileControl */
    cf_sector_size,            /* xSectorSize */
    cf_device_characteristics, /* xDeviceCharacteristics */
    cf_shm_map,                /* xShmMap */
    cf_shm_lock,               /* xShmLock */
    cf_shm_barrier,            /* xShmBarrier */
    cf_shm_unmap,              /* xShmUnmap */
    cf_fetch,                  /* xFetch */
    cf_unfetch,                /* xUnfetch */
};

int cf_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags) {
  CountingFile* cf = counting(f);
  cf->real = reinterpret_cast<sqlite3_file*>(cf + 1);
  int rc = g_real_vfs->xOpen(g_real_vfs, name, cf->real, flags, out_flags);
  // SQLite calls xClose exactly when pMethods is set, so mirror the real file.
  cf->base.pMethods = cf->real->pMethods ? &kCountingIo : nullptr;
  return rc;
}

// Registers the shim as the default VFS while it lives (connections opened
// meanwhile use it for good); the real default is restored afterwards.
class CountingVfs {
 public:
  CountingVfs() {
    g_real_vfs = sqlite3_vfs_find(nullptr);
    vfs_ = *g_real_vfs;  // every method but xOpen forwards as is
    vfs_.zName = "kv_counting";
    vfs_.szOsFile = static_cast<int>(sizeof(CountingFile)) + g_real_vfs->szOsFile;
    vfs_.xOpen = cf_open;
    vfs_.pNext = nullptr;
    sqlite3_vfs_register(&vfs_, 1);
  }
  ~CountingVfs() {
    sqlite3_vfs_register(g_real_vfs, 1);
    sqlite3_vfs_unregister(&vfs_);
  }
  void restore_default() { sqlite3_vfs_register(g_real_vfs, 1); }

 private:
  sqlite3_vfs vfs_;
};

TEST(KvColumnVarUpstream, AppendsDoNotRewriteWholeChunks) {
  TempDb file("kvcolumn_var_upstream_append");
  CountingVfs vfs;
  {
    auto db = std::make_unique<Db>(file.path);  // through the counting VFS
    vfs.restore_default();
    ASSERT_EQ(db->query("PRAGMA journal_mode").rows.size(), 1u);
    EXPECT_EQ(db->scalar("PRAGMA journal_mode"), "delete");        // the journal's writes count too
    ASSERT_EQ(db->query("PRAGMA synchronous=off").rc, SQLITE_OK);  // fewer fsyncs, same bytes
    ASSERT_EQ(db->query("CREATE VIRTUAL TABLE t USING kvcolumn(bytes, max_chunk_bytes=1048576);"
                        "WITH RECURSIVE c(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM c WHERE x < 899)"
                        " INSERT INTO t(value) SELECT randomblob(1024) FROM c")
                  .rc,
              SQLITE_OK);
    std::string before = db->scalar("SELECT group_concat(hex(value)) FROM t WHERE idx IN (0, 450, 899)");
    g_bytes_written = 0;
    const int appends = 200;
    for (int k = 0; k < appends; ++k)
      ASSERT_EQ(run_sql(db->get(), "INSERT INTO t(value) VALUES (?)",
                        {Arg::blob(std::string(100, static_cast<char>(k)))}),
                SQLITE_OK);
    std::uint64_t per_commit = g_bytes_written / appends;
    RecordProperty("bytes_written_per_append_commit", static_cast<int>(per_commit));
    std::printf(
        "[ info     ] %d autocommit appends of 100 bytes: %llu bytes written per commit (db + journal)\n",
        appends, static_cast<unsigned long long>(per_commit));
    // A chunk rewrite costs >= 900 KiB (twice with the journal); an in-place
    // append a few pages. Bound: well below a chunk, with a wide margin.
    EXPECT_LT(per_commit, 128u * 1024) << "appends rewrite (most of) a chunk on every commit";
    // The shim really counts this connection's writes: one 900 KiB blob in a plain table.
    g_bytes_written = 0;
    ASSERT_EQ(db->query("CREATE TABLE plain(b); INSERT INTO plain VALUES (randomblob(900 * 1024))").rc,
              SQLITE_OK);
    EXPECT_GT(g_bytes_written, 900u * 1024);
    EXPECT_EQ(db->scalar("SELECT count(*) || ':' || sum(length(value)) FROM t"), "1100:941600");
    EXPECT_EQ(db->scalar("SELECT group_concat(hex(value)) FROM t WHERE idx IN (0, 450, 899)"), before);
    std::string last_hex;
    for (int k = 0; k < 100; ++k) last_hex += "C7";  // element 1099 = 100 bytes of (char)199
    EXPECT_EQ(db->scalar("SELECT hex(value) FROM t WHERE idx = 1099"), last_hex);
  }
}

}  // namespace
