// kvindex through the C API (static library): transactions, statement
// rollback, defensive-mode shadow protection, persistence and rebuild,
// corrupt shadow tables.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "kvdb.hpp"
#include "temp_db.hpp"

namespace {

// A database file of the test's own (kvtest::TempDb).
class TempFile {
 public:
  const std::string& path() const { return file_.path; }

 private:
  kvtest::TempDb file_{"kvindex"};
};

// What the shadow tables hold: query t from a fresh connection (it loads the
// index from them).
std::string stored(const TempFile& f, const char* sql) {
  kvtest::Db other(f.path());
  return other.scalar(sql);
}

// The parameter is the kvindex(...) argument list. Each test starts with an
// empty table t made with it, in a database file of its own (f) open as db.
class KvindexBackends : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override { create_t(db); }

  // Makes the empty kvindex t with the parameter's arguments on `on`.
  void create_t(const kvtest::Db& on) const {
    const kvtest::Result r =
        on.query(std::string("CREATE VIRTUAL TABLE t USING kvindex(") + GetParam() + ")");
    ASSERT_EQ(r.rc, SQLITE_OK) << r.error;
  }

  TempFile f;
  kvtest::Db db{f.path()};
};

TEST_P(KvindexBackends, StatementRollbackInsideTransactionUndoesOnlyThatStatement) {
  ASSERT_EQ(db.query("BEGIN; INSERT INTO t VALUES (1, 'a'), (2, 'b')").rc, SQLITE_OK);
  auto r = db.query("INSERT INTO t VALUES (3, 'c'), (4, 'd'), (2, 'dup'), (5, 'e')");
  EXPECT_EQ(r.rc, SQLITE_CONSTRAINT);
  EXPECT_NE(r.error.find("kohakuvault: kvindex table 't': UNIQUE constraint failed: key 2 already exists"),
            std::string::npos)
      << r.error;
  EXPECT_EQ(db.scalar("SELECT group_concat(key) FROM t"), "1,2");
  ASSERT_EQ(db.query("COMMIT").rc, SQLITE_OK);
  EXPECT_EQ(stored(f, "SELECT group_concat(key) FROM t"), "1,2");
}

TEST_P(KvindexBackends, OrFailKeepsEarlierRowsOfTheStatement) {
  ASSERT_EQ(db.query("INSERT INTO t VALUES (2, 'b')").rc, SQLITE_OK);
  EXPECT_EQ(db.query("INSERT OR FAIL INTO t VALUES (1, 'a'), (2, 'dup'), (3, 'c')").rc, SQLITE_CONSTRAINT);
  EXPECT_EQ(db.scalar("SELECT group_concat(key || '=' || value) FROM t"), "1=a,2=b");
  EXPECT_EQ(stored(f, "SELECT group_concat(key) FROM t"), "1,2");
}

TEST_P(KvindexBackends, NestedSavepoints) {
  ASSERT_EQ(db.query("INSERT INTO t VALUES (1, 'a')").rc, SQLITE_OK);
  ASSERT_EQ(db.query("SAVEPOINT a; UPDATE t SET value = 'a2' WHERE key = 1; SAVEPOINT b; DELETE FROM t; "
                     "INSERT INTO t VALUES (9, 'z'); SAVEPOINT c; INSERT INTO t VALUES (10, 'y')")
                .rc,
            SQLITE_OK);
  EXPECT_EQ(db.scalar("SELECT group_concat(key || value) FROM t"), "9z,10y");
  ASSERT_EQ(db.query("ROLLBACK TO b").rc, SQLITE_OK);
  EXPECT_EQ(db.scalar("SELECT group_concat(key || value) FROM t"), "1a2");
  ASSERT_EQ(db.query("INSERT INTO t VALUES (5, 'e'); RELEASE b; ROLLBACK TO a").rc, SQLITE_OK);
  EXPECT_EQ(db.scalar("SELECT group_concat(key || value) FROM t"), "1a");
  ASSERT_EQ(db.query("INSERT INTO t VALUES (6, 'f'); RELEASE a").rc, SQLITE_OK);
  EXPECT_EQ(stored(f, "SELECT group_concat(key || value) FROM t"), "1a,6f");
}

TEST_P(KvindexBackends, PersistsAndSeesOtherConnections) {
  ASSERT_EQ(db.query("INSERT INTO t VALUES ('x', 1), (2.5, 2), (X'00', 3)").rc, SQLITE_OK);
  kvtest::Db b(f.path());
  EXPECT_EQ(b.scalar("SELECT group_concat(quote(key)) FROM t"), "2.5,'x',X'00'");
  ASSERT_EQ(b.query("DELETE FROM t WHERE key = 'x'; INSERT INTO t VALUES (-1, 0)").rc, SQLITE_OK);
  EXPECT_EQ(db.scalar("SELECT group_concat(quote(key)) FROM t"), "-1,2.5,X'00'");
  EXPECT_EQ(db.scalar("SELECT value FROM t WHERE key = -1"), "0");
  EXPECT_EQ(stored(f, "SELECT group_concat(quote(key)) FROM t ORDER BY key"), "-1,2.5,X'00'");
}

INSTANTIATE_TEST_SUITE_P(Both, KvindexBackends, ::testing::Values("csbtree", "skiplist", "csbtree, order=3"));

TEST(Kvindex, DefensiveModeProtectsShadowTables) {
  kvtest::Db db;
  ASSERT_EQ(db.query("CREATE VIRTUAL TABLE t USING kvindex(csbtree)").rc, SQLITE_OK);
  ASSERT_NO_FATAL_FAILURE(kvtest::expect_shadow_writes_refused(
      db, {"INSERT INTO t_log VALUES (1, X'01')", "INSERT INTO t_snap VALUES (1, X'01')",
           "UPDATE t_info SET v = 3 WHERE k = 'seq'"}));
  EXPECT_EQ(db.query("INSERT INTO t VALUES (1, 2)").rc, SQLITE_OK);
}

TEST(Kvindex, CorruptFormatVersionIsCorruptVtab) {
  TempFile f;
  {
    kvtest::Db a(f.path());
    ASSERT_EQ(a.query("CREATE VIRTUAL TABLE t USING kvindex(csbtree); INSERT INTO t VALUES (1, 1);"
                      "UPDATE t_info SET v = 3 WHERE k = 'format_version'")
                  .rc,
              SQLITE_OK);
  }
  kvtest::Db b(f.path());
  auto r = b.query("SELECT * FROM t");
  EXPECT_EQ(r.rc, SQLITE_CORRUPT) << r.error;
  EXPECT_EQ(sqlite3_extended_errcode(b.get()), SQLITE_CORRUPT_VTAB);
  EXPECT_NE(r.error.find("kvindex table 't' is corrupt: format_version is 3, expected 1 or 2"), std::string::npos)
      << r.error;
}

TEST(Kvindex, MissingInfoRowIsCorrupt) {
  TempFile f;
  {
    kvtest::Db a(f.path());
    ASSERT_EQ(a.query("CREATE VIRTUAL TABLE t USING kvindex(skiplist); DELETE FROM t_info").rc, SQLITE_OK);
  }
  kvtest::Db b(f.path());
  auto r = b.query("INSERT INTO t VALUES (1, 1)");
  EXPECT_EQ(r.rc, SQLITE_CORRUPT) << r.error;
  EXPECT_EQ(sqlite3_extended_errcode(b.get()), SQLITE_CORRUPT_VTAB);
  EXPECT_NE(r.error.find("_info has no format_version row"), std::string::npos) << r.error;
}

TEST(Kvindex, RollbackInTheMiddleOfAnOpenQuery) {
  kvtest::Db db;
  ASSERT_EQ(db.query("CREATE VIRTUAL TABLE t USING kvindex(csbtree, order=3)").rc, SQLITE_OK);
  ASSERT_EQ(db.query("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100) "
                     "INSERT INTO t SELECT i, i FROM n")
                .rc,
            SQLITE_OK);
  ASSERT_EQ(db.query("BEGIN; DELETE FROM t WHERE key > 50").rc, SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db.get(), "SELECT key FROM t ORDER BY key", -1, &s, nullptr), SQLITE_OK);
  int seen = 0;
  while (sqlite3_step(s) == SQLITE_ROW) {
    if (++seen == 10) {
      ASSERT_EQ(db.query("INSERT INTO t VALUES (1000, 0)").rc, SQLITE_OK);
    }
  }
  sqlite3_finalize(s);
  EXPECT_EQ(seen, 51);  // 1..50 then 1000, inserted while the scan was open, after its position
  ASSERT_EQ(db.query("ROLLBACK").rc, SQLITE_OK);
  EXPECT_EQ(db.scalar("SELECT count(*) FROM t"), "100");
}

// TEXT values come back NUL-terminated (sqlite3_column_text) with their exact
// length, embedded NULs included, and stay valid while the statement moves on
// only as SQLite promises (until the next step): checked on every row.
TEST(Kvindex, TextColumnsAreExactAndTerminated) {
  kvtest::Db db;
  ASSERT_EQ(db.query("CREATE VIRTUAL TABLE t USING kvindex(csbtree)").rc, SQLITE_OK);
  ASSERT_EQ(db.query("INSERT INTO t VALUES (1, 'one'), (2, 'a' || char(0) || 'b'), (3, ''), ('k', 'x')").rc,
            SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db.get(), "SELECT key, value FROM t ORDER BY key", -1, &s, nullptr),
            SQLITE_OK);
  std::vector<std::string> values;
  while (sqlite3_step(s) == SQLITE_ROW) {
    const auto* v = reinterpret_cast<const char*>(sqlite3_column_text(s, 1));
    const int n = sqlite3_column_bytes(s, 1);
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(v[n], '\0');
    values.emplace_back(v, static_cast<std::size_t>(n));
    if (sqlite3_column_type(s, 0) == SQLITE_TEXT) {
      const auto* k = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
      EXPECT_STREQ(k, "k");
    }
  }
  sqlite3_finalize(s);
  EXPECT_EQ(values, (std::vector<std::string>{"one", std::string("a\0b", 3), "", "x"}));
}

// Closed cursors are reused by later statements: a reused cursor must start
// clean after writes, rollbacks and rebuilds, and many open at once must work.
TEST(Kvindex, CursorsReusedAcrossStatementsAndWrites) {
  TempFile file;
  kvtest::Db db(file.path());
  ASSERT_EQ(db.query("CREATE VIRTUAL TABLE t USING kvindex(skiplist)").rc, SQLITE_OK);
  ASSERT_EQ(db.query("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50) "
                     "INSERT INTO t SELECT i, 'v' || i FROM n")
                .rc,
            SQLITE_OK);
  sqlite3_stmt* point = nullptr;
  sqlite3_stmt* range = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db.get(), "SELECT value FROM t WHERE key = ?", -1, &point, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_prepare_v2(db.get(), "SELECT count(*), sum(key) FROM t WHERE key >= ? AND key < ?", -1,
                               &range, nullptr),
            SQLITE_OK);
  auto lookup = [&](long long k) {
    sqlite3_bind_int64(point, 1, k);
    std::string out = "NONE";
    if (sqlite3_step(point) == SQLITE_ROW) out = reinterpret_cast<const char*>(sqlite3_column_text(point, 0));
    sqlite3_reset(point);
    return out;
  };
  auto range_sum = [&](long long lo, long long hi) {
    sqlite3_bind_int64(range, 1, lo);
    sqlite3_bind_int64(range, 2, hi);
    EXPECT_EQ(sqlite3_step(range), SQLITE_ROW);
    const long long sum = sqlite3_column_int64(range, 1);
    sqlite3_reset(range);
    return sum;
  };
  for (int round = 0; round < 3; ++round) {
    EXPECT_EQ(lookup(7), "v7");
    EXPECT_EQ(lookup(99), "NONE");
    EXPECT_EQ(range_sum(1, 11), 55);
    ASSERT_EQ(db.query("BEGIN; DELETE FROM t WHERE key BETWEEN 5 AND 10").rc, SQLITE_OK);
    EXPECT_EQ(lookup(7), "NONE");
    EXPECT_EQ(range_sum(1, 11), 1 + 2 + 3 + 4);
    ASSERT_EQ(db.query("ROLLBACK").rc, SQLITE_OK);
    EXPECT_EQ(lookup(7), "v7");
    EXPECT_EQ(range_sum(1, 11), 55);
  }
  {  // another connection commits: the reused cursors see its change
    kvtest::Db other(file.path());
    ASSERT_EQ(other.query("UPDATE t SET value = 'changed' WHERE key = 7").rc, SQLITE_OK);
  }
  EXPECT_EQ(lookup(7), "changed");
  // Many cursors open at once (more than are kept for reuse), then all reused.
  for (int round = 0; round < 2; ++round)
    EXPECT_EQ(
        db.scalar("SELECT count(*) FROM t a, t b, t c, t d, t e, t f, t g WHERE a.key = 1 AND b.key = 2 "
                  "AND c.key = 3 AND d.key = 4 AND e.key = 5 AND f.key = 6 AND g.key = 7"),
        "1");
  EXPECT_EQ(range_sum(1, 51), 50 * 51 / 2);
  sqlite3_finalize(point);
  sqlite3_finalize(range);
}

}  // namespace

namespace {

// kvindex_full_loads / kvindex_catch_ups from kohakuvault_debug() (process-wide).
std::pair<long, long> load_counters(const kvtest::Db& db) {
  const std::string text = db.scalar("SELECT kohakuvault_debug()");
  auto number_after = [&](const std::string& name) {
    const auto at = text.find(name + ": ");
    return at == std::string::npos ? -1L : std::stol(text.substr(at + name.size() + 2));
  };
  return {number_after("kvindex_full_loads"), number_after("kvindex_catch_ups")};
}

// The same queries on the kvindex t and on the plain mirror m must answer alike.
void expect_same_as_plain(const kvtest::Db& db, const std::string& when) {
  for (const char* q : {"SELECT quote(key), quote(value) FROM %s ORDER BY key",
                        "SELECT quote(key), quote(value) FROM %s WHERE key >= 'k010' AND key < 'k030' ORDER BY key DESC",
                        "SELECT quote(value) FROM %s WHERE key IN ('k005', 'k015', 'new', 'k999', 7)",
                        "SELECT count(*), quote(min(key)), quote(max(key)) FROM %s"}) {
    char* on_t = sqlite3_mprintf(q, "t");
    char* on_m = sqlite3_mprintf(q, "m");
    const kvtest::Result a = db.query(on_t);
    const kvtest::Result b = db.query(on_m);
    EXPECT_EQ(a.rc, SQLITE_OK) << when << ": " << on_t << ": " << a.error;
    EXPECT_EQ(a.rows, b.rows) << when << ": " << on_t;
    sqlite3_free(on_t);
    sqlite3_free(on_m);
  }
}

// The plain mirror m of the empty kvindex t, then more_sql, then the same 40
// keys k000..k039 (values 0..39) in both.
void fill_table_and_mirror(const kvtest::Db& db, const char* more_sql = "") {
  ASSERT_EQ(db.query(std::string("CREATE TABLE m(key PRIMARY KEY, value) WITHOUT ROWID;") + more_sql +
                     "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 39)"
                     " INSERT INTO t SELECT printf('k%03d', i), i FROM n;"
                     "INSERT INTO m SELECT key, value FROM t;")
                .rc,
            SQLITE_OK);
}

}  // namespace

// Format 2's catch-up from _log when the schema is reparsed inside a
// transaction: another connection commits to the table, then this connection
// changes the schema (CREATE, ALTER ... ADD COLUMN / RENAME, DROP of other
// tables: the kvindex is reconnected while the transaction is open) before it
// reads and writes the kvindex. Every answer equals plain SQL's on a mirror
// table written alongside, and a fresh connection sees the same.
TEST_P(KvindexBackends, CatchUpFromLogUnderSchemaReparseInsideTransaction) {
  for (const char* schema_change :
       {"CREATE TABLE other(x)", "ALTER TABLE keep ADD COLUMN y", "ALTER TABLE keep RENAME TO kept",
        "DROP TABLE keep", "CREATE VIRTUAL TABLE other USING kvindex(skiplist)"}) {
    SCOPED_TRACE(schema_change);
    TempFile file;  // one of its own for each schema change
    kvtest::Db a(file.path());
    ASSERT_NO_FATAL_FAILURE(create_t(a));
    ASSERT_NO_FATAL_FAILURE(fill_table_and_mirror(a, "CREATE TABLE keep(x);"));
    expect_same_as_plain(a, "after setup");  // a has loaded t
    kvtest::Db b(file.path());
    for (const char* table : {"t", "m"}) {
      char* sql = sqlite3_mprintf(
          "BEGIN; INSERT INTO %s VALUES ('new', 'b'), (7, X'07');"
          "UPDATE %s SET value = -1 WHERE key = 'k015'; DELETE FROM %s WHERE key BETWEEN 'k020' AND 'k024';"
          "INSERT OR REPLACE INTO %s VALUES ('k005', 5.5); COMMIT",
          table, table, table, table);
      ASSERT_EQ(b.query(sql).rc, SQLITE_OK) << sql;
      sqlite3_free(sql);
    }
    const auto before = load_counters(a);
    ASSERT_EQ(a.query(std::string("BEGIN; ") + schema_change).rc, SQLITE_OK);
    expect_same_as_plain(a, "inside the transaction, after the schema change");
    const auto after = load_counters(a);
    // b's commit is replayed from _log, or (ALTER resets every schema: the
    // table's index went with its last sqlite3_vtab) the index is rebuilt: once.
    EXPECT_EQ((after.first - before.first) + (after.second - before.second), 1);
    if (std::string(schema_change).starts_with("CREATE")) {
      EXPECT_EQ(after.second, before.second + 1) << "the index survived: a catch-up, not a reload";
    }
    for (const char* table : {"t", "m"}) {
      char* sql = sqlite3_mprintf("INSERT INTO %s VALUES ('k999', 'a'); DELETE FROM %s WHERE key = 'k001'", table,
                                  table);
      ASSERT_EQ(a.query(sql).rc, SQLITE_OK) << sql;
      sqlite3_free(sql);
    }
    expect_same_as_plain(a, "after writing inside the transaction");
    ASSERT_EQ(a.query("COMMIT").rc, SQLITE_OK);
    expect_same_as_plain(b, "another connection after the commit");
    kvtest::Db c(file.path());
    expect_same_as_plain(c, "a fresh connection");
  }
}

namespace {

// An authorizer that denies PRAGMA data_version while *deny is set.
int deny_data_version(void* deny, int action, const char* name, const char*, const char*, const char*) {
  const bool denied = *static_cast<const bool*>(deny) && action == SQLITE_PRAGMA && name &&
                      sqlite3_stricmp(name, "data_version") == 0;
  return denied ? SQLITE_DENY : SQLITE_OK;
}

}  // namespace

// PRAGMA data_version failing (ext/kvindex/freshness.cpp catch_up_with_others):
// the table has loaded (its data_version statement is prepared), another
// connection commits, and installing an authorizer expires this connection's
// statements, so the next check re-prepares the pragma and the authorizer
// denies it. The read and the write fail with SQLITE_AUTH and a kohakuvault:
// message naming the table; nothing is written; once allowed again, the next
// statement checks again (the version was forgotten) and sees the commit.
TEST_P(KvindexBackends, DataVersionFailureSurfacesAndTheNextStatementChecksAgain) {
  kvtest::Db& a = db;
  ASSERT_NO_FATAL_FAILURE(fill_table_and_mirror(a));
  expect_same_as_plain(a, "loaded");
  {
    kvtest::Db b(f.path());
    for (const char* x : {"t", "m"}) {
      char* sql = sqlite3_mprintf(
          "BEGIN; INSERT INTO %s VALUES ('new', 1); DELETE FROM %s WHERE key < 'k005';"
          "UPDATE %s SET value = 'b' WHERE key = 'k015'; COMMIT",
          x, x, x);
      ASSERT_EQ(b.query(sql).rc, SQLITE_OK) << sql;
      sqlite3_free(sql);
    }
  }
  bool deny = true;
  ASSERT_EQ(sqlite3_set_authorizer(a.get(), deny_data_version, &deny), SQLITE_OK);
  for (const char* sql : {"SELECT count(*) FROM t", "INSERT INTO t VALUES ('lost', 1)",
                          "SELECT value FROM t WHERE key = 'k015'"}) {
    const kvtest::Result r = a.query(sql);
    EXPECT_EQ(r.rc, SQLITE_AUTH) << sql << ": " << r.error;
    EXPECT_EQ(r.error, "kohakuvault: kvindex table 't': reading the data version: not authorized") << sql;
  }
  deny = false;
  expect_same_as_plain(a, "allowed again: the other connection's commit is seen");
  EXPECT_EQ(a.scalar("SELECT count(*) FROM t WHERE key = 'lost'"), "0");
  ASSERT_EQ(a.query("INSERT INTO t VALUES ('k999', 9); INSERT INTO m VALUES ('k999', 9)").rc, SQLITE_OK);
  expect_same_as_plain(a, "written after");
  kvtest::Db c(f.path());
  expect_same_as_plain(c, "a fresh connection");
  sqlite3_set_authorizer(a.get(), nullptr, nullptr);
}
