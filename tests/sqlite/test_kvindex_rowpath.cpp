// kvindex's read path (ext/kvindex/cursor.cpp): scans walk runs of adjacent
// rows (a CSB+-tree leaf; a skip-list row alone) through cached key/value
// pointers, EQ writes its key over the cursor's kept one, and xColumn answers
// numbers and NUL-free TEXT straight from the index. Checked here:
//  * every range shape (bounds of every type, both directions, LIMIT/OFFSET,
//    EQ, IN) returns exactly what the same query on a plain WITHOUT ROWID
//    table returns, over many leaves (order=3) and types mixed;
//  * EQ finds a key stored as INTEGER by an equal REAL and the reverse;
//  * TEXT with embedded NULs, keys and values, through sqlite3_column_text;
//  * writes during an open scan: EQ lookups see them at once, and the scan
//    goes on from where it was (both directions);
//  * a stored TEXT/BLOB longer than the connection's current length limit:
//    SQLITE_TOOBIG with a kohakuvault: message, nothing lost.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "kvdb.hpp"

namespace {

using Rows = std::vector<std::vector<std::string>>;

class KvindexRowPath : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    ASSERT_EQ(db_.query(std::string("CREATE VIRTUAL TABLE t USING kvindex(") + GetParam() + ")").rc, SQLITE_OK);
    ASSERT_EQ(db_.query("CREATE TABLE p(key PRIMARY KEY, value) WITHOUT ROWID").rc, SQLITE_OK);
  }
  // Runs sql (with "{T}" naming the table) on t and on p; both must agree.
  void expect_same(const std::string& sql) {
    auto on = [&](const char* table) {
      std::string q = sql;
      q.replace(q.find("{T}"), 3, table);
      const kvtest::Result r = db_.query(q);
      EXPECT_EQ(r.rc, SQLITE_OK) << q << ": " << r.error;
      return r.rows;
    };
    const Rows ours = on("t");
    const Rows plain = on("p");
    EXPECT_EQ(ours, plain) << sql;
    ++compared_;
    rows_ += ours.size();
  }
  kvtest::Db db_;
  int compared_ = 0;
  std::size_t rows_ = 0;
};

// Each row as its exact types and bytes (hex() reads TEXT with embedded NULs whole).
constexpr const char* kRow = "typeof(key) || ':' || hex(key) || '|' || typeof(value) || ':' || hex(value)";

TEST_P(KvindexRowPath, EveryRangeShapeMatchesAPlainTable) {
  // 400 keys: integers, reals between them, TEXT and BLOB; values of every kind.
  const char* fill =
      "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 399) "
      "INSERT INTO {T} SELECT CASE i % 4 WHEN 0 THEN i * 3 WHEN 1 THEN i * 3 + 0.5 "
      "WHEN 2 THEN printf('k%04d', i) ELSE CAST(printf('b%04d', i) AS BLOB) END, "
      "CASE WHEN i % 7 = 0 THEN NULL WHEN i % 11 = 0 THEN 'n' || char(0) || i "
      "WHEN i % 13 = 0 THEN x'00ff' || i WHEN i % 5 = 0 THEN i * 1.25 WHEN i % 3 = 0 THEN i "
      "ELSE 'v' || i END FROM n";
  for (const char* table : {"t", "p"}) {
    std::string q = fill;
    q.replace(q.find("{T}"), 3, table);
    ASSERT_EQ(db_.query(q).rc, SQLITE_OK) << db_.query(q).error;
  }
  const std::vector<std::string> bounds = {"-1", "0", "5", "6", "6.0", "7.5", "600", "1e9", "'k0102'",
                                           "'k'", "'l'", "x'62'", "x'6230313033'", "x''", "NULL", "''"};
  const std::vector<std::string> orders = {"", " ORDER BY key", " ORDER BY key DESC"};
  const std::vector<std::string> limits = {"", " LIMIT 7", " LIMIT 7 OFFSET 3", " LIMIT 0", " LIMIT -1 OFFSET 2"};
  std::mt19937 rng(18);
  auto pick = [&](const std::vector<std::string>& from) { return from[rng() % from.size()]; };
  for (const std::string& b : bounds) {
    for (const char* op : {"=", ">", ">=", "<", "<="})
      for (const std::string& order : orders) {
        const std::string where = " WHERE key " + std::string(op) + " " + b;
        // Without ORDER BY the row order is the table's own: compare in key order then.
        const std::string o = order.empty() ? " ORDER BY key" : order;
        expect_same(std::string("SELECT ") + kRow + " FROM {T}" + where + o);
        expect_same(std::string("SELECT ") + kRow + " FROM {T}" + where + o + pick(limits));
      }
    const std::string b2 = pick(bounds), b3 = pick(bounds);
    for (const std::string& order : {std::string(" ORDER BY key"), std::string(" ORDER BY key DESC")}) {
      expect_same(std::string("SELECT ") + kRow + " FROM {T} WHERE key > " + b + " AND key <= " + b2 + order);
      expect_same(std::string("SELECT ") + kRow + " FROM {T} WHERE key >= " + b + " AND key < " + b2 + order +
                  pick(limits));
      expect_same(std::string("SELECT ") + kRow + " FROM {T} WHERE key IN (" + b + ", " + b2 + ", " + b3 + ")" +
                  order);
    }
  }
  for (const std::string& order : {std::string(" ORDER BY key"), std::string(" ORDER BY key DESC")})
    for (const std::string& limit : limits) expect_same(std::string("SELECT ") + kRow + " FROM {T}" + order + limit);
  EXPECT_GT(compared_, 300);
  EXPECT_GT(rows_, 10000u);  // the comparisons saw rows, not only empty results
}

TEST_P(KvindexRowPath, EqFindsAKeyByAnEqualNumberOfTheOtherType) {
  for (const char* table : {"t", "p"})
    ASSERT_EQ(db_.query(std::string("INSERT INTO ") + table +
                        " VALUES (1, 'int one'), (2.5, 'two and a half'), (3.0, 'real three'), (4, 'four'), "
                        "('1', 'text one')")
                  .rc,
              SQLITE_OK);
  EXPECT_EQ(db_.scalar("SELECT typeof(key) || ' ' || value FROM t WHERE key = 1.0"), "integer int one");
  EXPECT_EQ(db_.scalar("SELECT typeof(key) || ' ' || value FROM t WHERE key = 1"), "integer int one");
  EXPECT_EQ(db_.scalar("SELECT typeof(key) || ' ' || value FROM t WHERE key = 3"), "real real three");
  EXPECT_EQ(db_.scalar("SELECT typeof(key) || ' ' || value FROM t WHERE key = 3.0"), "real real three");
  EXPECT_EQ(db_.scalar("SELECT value FROM t WHERE key = '1'"), "text one");  // TEXT is not the number
  EXPECT_EQ(db_.scalar("SELECT count(*) FROM t WHERE key = 2"), "0");
  // Bound parameters of either type, through one prepared statement (the cursor keeps its key).
  kvtest::Stmt s(db_, "SELECT value FROM t WHERE key = ?");
  ASSERT_EQ(s.prepare_rc, SQLITE_OK);
  auto lookup = [&](auto bind) {
    sqlite3_reset(s.get());
    bind(s.get());
    const std::string out =
        s.step() == SQLITE_ROW ? reinterpret_cast<const char*>(sqlite3_column_text(s.get(), 0)) : "NONE";
    EXPECT_EQ(s.step(), SQLITE_DONE);
    return out;
  };
  EXPECT_EQ(lookup([](sqlite3_stmt* st) { sqlite3_bind_double(st, 1, 4.0); }), "four");
  EXPECT_EQ(lookup([](sqlite3_stmt* st) { sqlite3_bind_int64(st, 1, 3); }), "real three");
  EXPECT_EQ(lookup([](sqlite3_stmt* st) { sqlite3_bind_text(st, 1, "1", -1, SQLITE_STATIC); }), "text one");
  EXPECT_EQ(lookup([](sqlite3_stmt* st) { sqlite3_bind_double(st, 1, 2.5); }), "two and a half");
  EXPECT_EQ(lookup([](sqlite3_stmt* st) { sqlite3_bind_double(st, 1, 2.4999999); }), "NONE");
  EXPECT_EQ(lookup([](sqlite3_stmt* st) { sqlite3_bind_null(st, 1); }), "NONE");
  // A long TEXT key after short ones (the kept key string grows), then a number again.
  ASSERT_EQ(db_.query("INSERT INTO t VALUES (printf('%.300c', 'z'), 'long')").rc, SQLITE_OK);
  const std::string long_key(300, 'z');
  EXPECT_EQ(lookup([&](sqlite3_stmt* st) { sqlite3_bind_text(st, 1, long_key.c_str(), -1, SQLITE_TRANSIENT); }),
            "long");
  EXPECT_EQ(lookup([](sqlite3_stmt* st) { sqlite3_bind_double(st, 1, 1.0); }), "int one");
  sqlite3_reset(s.get());
  expect_same(std::string("SELECT ") + kRow + " FROM {T} WHERE key IN (1.0, 3, '1', 2) ORDER BY key");
}

TEST_P(KvindexRowPath, TextWithEmbeddedNulsComesBackWholeAndTerminated) {
  const std::string k1("a\0b", 3), k2("a\0c", 3), v1("x\0yz", 4), v2("\0", 1);
  kvtest::Stmt ins(db_, "INSERT INTO t VALUES (?, ?)");
  ASSERT_EQ(ins.prepare_rc, SQLITE_OK);
  auto insert = [&](const std::string& k, const std::string& v) {
    sqlite3_reset(ins.get());
    sqlite3_bind_text(ins.get(), 1, k.data(), static_cast<int>(k.size()), SQLITE_TRANSIENT);
    sqlite3_bind_text(ins.get(), 2, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    EXPECT_EQ(ins.step(), SQLITE_DONE);
  };
  insert(k1, v1);
  insert(k2, v2);
  insert("a", "plain");
  // Column i of the current row as bytes, checking SQLite's terminator after them.
  auto text = [](sqlite3_stmt* st, int i) {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st, i));
    const int n = sqlite3_column_bytes(st, i);
    EXPECT_NE(p, nullptr);
    if (!p) return std::string("(null)");
    EXPECT_EQ(p[n], '\0');
    return std::string(p, static_cast<std::size_t>(n));
  };
  kvtest::Stmt eq(db_, "SELECT key, value FROM t WHERE key = ?");
  ASSERT_EQ(eq.prepare_rc, SQLITE_OK);
  sqlite3_bind_text(eq.get(), 1, k1.data(), 3, SQLITE_STATIC);
  ASSERT_EQ(eq.step(), SQLITE_ROW);
  EXPECT_EQ(text(eq.get(), 0), k1);
  EXPECT_EQ(text(eq.get(), 1), v1);
  EXPECT_EQ(eq.step(), SQLITE_DONE);
  for (const char* order : {"", " DESC"}) {
    kvtest::Stmt scan(db_, std::string("SELECT key, value FROM t WHERE key >= 'a' ORDER BY key") + order);
    ASSERT_EQ(scan.prepare_rc, SQLITE_OK);
    std::vector<std::pair<std::string, std::string>> rows;
    while (scan.step() == SQLITE_ROW) rows.emplace_back(text(scan.get(), 0), text(scan.get(), 1));
    std::vector<std::pair<std::string, std::string>> want = {{"a", "plain"}, {k1, v1}, {k2, v2}};
    if (*order) std::reverse(want.begin(), want.end());
    EXPECT_EQ(rows, want) << order;
  }
}

// A scan kept open while other statements run; rest() steps it to the end,
// each row as "key=value".
struct OpenScan {
  OpenScan(kvtest::Db& db, const std::string& sql) : scan(db, sql) {}
  std::vector<std::string> rest() {
    std::vector<std::string> out;
    while (scan.step() == SQLITE_ROW)
      out.push_back(std::string(reinterpret_cast<const char*>(sqlite3_column_text(scan.get(), 0))) + "=" +
                    reinterpret_cast<const char*>(sqlite3_column_text(scan.get(), 1)));
    return out;
  }
  kvtest::Stmt scan;
};

TEST_P(KvindexRowPath, EqSeesKeysWrittenDuringAnOpenScanAndTheScanGoesOn) {
  ASSERT_EQ(db_.query("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200) "
                      "INSERT INTO t SELECT i, 'v' || i FROM n")
                .rc,
            SQLITE_OK);
  // The model: key -> "key=value" as the scan prints it.
  std::map<double, std::string> model;
  for (int i = 1; i <= 200; ++i) model[i] = std::to_string(i) + "=v" + std::to_string(i);
  auto model_rows = [&](double from, bool up) {
    std::vector<std::string> out;
    for (const auto& [k, row] : model)
      if (up ? k > from : k < from) out.push_back(row);
    if (!up) std::reverse(out.begin(), out.end());
    return out;
  };
  kvtest::Stmt eq(db_, "SELECT value FROM t WHERE key = ?");
  ASSERT_EQ(eq.prepare_rc, SQLITE_OK);
  auto lookup = [&](double k) {
    sqlite3_reset(eq.get());
    sqlite3_bind_double(eq.get(), 1, k);
    std::string out = eq.step() == SQLITE_ROW
                          ? std::string(reinterpret_cast<const char*>(sqlite3_column_text(eq.get(), 0)))
                          : std::string("NONE");
    sqlite3_reset(eq.get());
    return out;
  };
  {
    OpenScan up(db_, "SELECT key, value FROM t WHERE key >= 10 ORDER BY key");
    ASSERT_EQ(up.scan.prepare_rc, SQLITE_OK);
    for (int i = 10; i <= 14; ++i) {
      ASSERT_EQ(up.scan.step(), SQLITE_ROW);
      EXPECT_EQ(sqlite3_column_int64(up.scan.get(), 0), i);
    }
    // An EQ cursor beside the open scan, in the same leaf, keeps it attached.
    sqlite3_reset(eq.get());
    sqlite3_bind_int64(eq.get(), 1, 12);
    ASSERT_EQ(eq.step(), SQLITE_ROW);
    EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(eq.get(), 0)), "v12");
    ASSERT_EQ(db_.query("INSERT INTO t VALUES (1000, 'new'), (14.5, 'between'), (0.5, 'behind')").rc, SQLITE_OK);
    ASSERT_EQ(db_.query("DELETE FROM t WHERE key = 16; UPDATE t SET value = 'changed' WHERE key = 20").rc,
              SQLITE_OK);
    model[1000] = "1000=new", model[14.5] = "14.5=between", model[0.5] = "0.5=behind";
    model.erase(16), model[20] = "20=changed";
    EXPECT_EQ(lookup(1000), "new");
    EXPECT_EQ(lookup(14.5), "between");
    EXPECT_EQ(lookup(16), "NONE");
    EXPECT_EQ(lookup(20), "changed");
    EXPECT_EQ(lookup(0.5), "behind");
    EXPECT_EQ(up.rest(), model_rows(14, true));
  }
  {
    OpenScan down(db_, "SELECT key, value FROM t WHERE key <= 100 ORDER BY key DESC");
    ASSERT_EQ(down.scan.prepare_rc, SQLITE_OK);
    for (int i = 100; i >= 98; --i) {
      ASSERT_EQ(down.scan.step(), SQLITE_ROW);
      EXPECT_EQ(sqlite3_column_int64(down.scan.get(), 0), i);
    }
    ASSERT_EQ(db_.query("INSERT INTO t VALUES (97.5, 'x'), (99.5, 'passed'); DELETE FROM t WHERE key = 96").rc,
              SQLITE_OK);
    model[97.5] = "97.5=x", model[99.5] = "99.5=passed";
    model.erase(96);
    EXPECT_EQ(lookup(97.5), "x");
    EXPECT_EQ(lookup(96), "NONE");
    EXPECT_EQ(down.rest(), model_rows(98, false));
  }
  // Everything the model holds, in both directions, after the writes.
  OpenScan all(db_, "SELECT key, value FROM t ORDER BY key");
  EXPECT_EQ(all.rest(), model_rows(-1, true));
}

// Values written under the default length limit, read after it was lowered:
// every column (key and value, TEXT and BLOB, through xColumn's fast and
// general paths) fails with SQLITE_TOOBIG and kvindex's own message; a scan
// that does not read the long column still works, and raising the limit
// again returns everything as stored.
TEST_P(KvindexRowPath, ValuesLongerThanTheLengthLimitFailWithTooBigAndLoseNothing) {
  ASSERT_EQ(db_.query("INSERT INTO t VALUES (1, printf('%.2000c', 'v')), (2, zeroblob(2000)), "
                      "(printf('%.2000c', 'k'), 'short')")
                .rc,
            SQLITE_OK);
  const kvtest::Result before = db_.query("SELECT key, value FROM t ORDER BY key");
  ASSERT_EQ(before.rc, SQLITE_OK) << before.error;
  sqlite3_limit(db_.get(), SQLITE_LIMIT_LENGTH, 1000);  // above the length of kvindex's message (SQLite replaces a longer one)
  for (const char* sql : {"SELECT value FROM t WHERE key = 1", "SELECT value FROM t WHERE key = 2",
                          "SELECT key FROM t WHERE key > 2", "SELECT key, value FROM t"}) {
    const kvtest::Result r = db_.query(sql);
    EXPECT_EQ(r.rc, SQLITE_TOOBIG) << sql;
    EXPECT_EQ(r.error.rfind("kohakuvault:", 0), 0u) << sql << ": " << r.error;
  }
  const kvtest::Result short_ones = db_.query("SELECT key FROM t WHERE key < 3");
  EXPECT_EQ(short_ones.rc, SQLITE_OK) << short_ones.error;
  EXPECT_EQ(short_ones.rows.size(), 2u);
  sqlite3_limit(db_.get(), SQLITE_LIMIT_LENGTH, 1000000);
  const kvtest::Result after = db_.query("SELECT key, value FROM t ORDER BY key");
  ASSERT_EQ(after.rc, SQLITE_OK) << after.error;
  EXPECT_EQ(after.rows, before.rows);
}

INSTANTIATE_TEST_SUITE_P(Backends, KvindexRowPath, ::testing::Values("csbtree", "skiplist", "csbtree, order=3"));

}  // namespace
