// The scenarios: short SQL scripts that together reach every entry point of
// the extension. Each is a setup (run once per sweep, no faults), a
// transaction under test (faults armed) and the content model read back
// afterwards. Families and what they cover:
//   kv_pack      kv_pack/kv_unpack, kv_pack_many/kv_unpack_many, kv_pack_agg,
//                kv_unpack_each, kv_dtype over every dtype family; JSON Schema
//                (kv_pack with a schema, kv_validate[_errors], kvcolumn schema=)
//   kvcolumn     fixed and variable-size: append, insert-at, update, multi-row
//                delete, 'append', 'compact', savepoints and ROLLBACK TO, a
//                commit with the buffer past cache_bytes, a second connection
//                reading, the kvcolumns listing
//   kvindex      csbtree and skiplist: INSERT OR REPLACE / OR IGNORE, range
//                delete, update; the rebuild on open (first use after open is
//                inside the armed window); the catch-up from _log of another
//                connection's commit under a schema change inside a transaction
//   kvault       insert/update/prefix delete, kvault_import/export/read; a scan
//                reading value (twice a row), size and encoding of many rows
//   set          kvcolumn_slice, kvcolumn_stats, kvcolumn_buckets, 'write',
//                kvcolumn_knn (one query, a batch); both over buffered writes
//                inside savepoints and after ROLLBACK TO
#include "scenarios.hpp"

namespace kvfault {

namespace {

// A plain table the function scenarios write their results into, so each of
// them is a write transaction too.
const char* kOutTable = "CREATE TABLE out(k TEXT, v);";
const char* kOutModel = "SELECT k, quote(v) FROM out ORDER BY rowid";

// n rows 0..count-1 as a CTE prefix.
std::string series(int count) {
  return "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < " +
         std::to_string(count - 1) + ") ";
}

std::vector<Step> script(std::initializer_list<const char*> statements) {
  std::vector<Step> out;
  for (const char* s : statements) out.push_back(Step{0, s});
  return out;
}

std::vector<Scenario> build() {
  std::vector<Scenario> v;

  v.push_back(
      {"pack_numeric",
       "kv_pack",
       kOutTable,
       script({"BEGIN", "INSERT INTO out SELECT 'i8', kv_unpack('i8', kv_pack('i8', -128))",
               "INSERT INTO out SELECT 'u64', kv_pack('u64', 9007199254740993)",
               "INSERT INTO out SELECT 'f32', kv_unpack('f32', kv_pack('f32', 1.5))",
               "INSERT INTO out SELECT 'many', kv_unpack_many('i16', kv_pack_many('i16', '[1,-2,300]'))",
               "INSERT INTO out SELECT 'agg', kv_pack_agg('f64', value) FROM json_each('[1.5, 2, -3]')",
               "INSERT INTO out SELECT 'each', group_concat(idx || ':' || value) FROM "
               "kv_unpack_each('u32', kv_pack_many('u32', '[7,8,9]'))",
               "INSERT INTO out SELECT 'dtype', kv_dtype('vec:i16:2:3')", "COMMIT"}),
       {kOutModel}});

  v.push_back(
      {"pack_text_bytes",
       "kv_pack",
       kOutTable,
       script(
           {"BEGIN",
            "INSERT INTO out SELECT 'u16', kv_unpack('str:utf16le', kv_pack('str:utf16le', 'héllo wörld'))",
            "INSERT INTO out SELECT 'fixed', kv_pack('str:12:latin1', 'café')",
            "INSERT INTO out SELECT 'bytesN', kv_unpack('bytes:6', kv_pack('bytes:6', X'0102'))",
            "INSERT INTO out SELECT 'many', kv_unpack_many('str:4:ascii', kv_pack_many('str:4:ascii', "
            "'[\"ab\",\"cd\",\"\"]'))",
            "INSERT INTO out SELECT 'offsets', kv_unpack_many('str', kv_pack_many('str', '[\"x\",\"yy\"]'), "
            "'[0,1]')",
            "INSERT INTO out SELECT 'each', group_concat(value, ',') FROM kv_unpack_each('bytes:2', "
            "X'01020304')",
            "COMMIT"}),
       {kOutModel}});

  v.push_back(
      {"pack_msgpack_cbor_vec",
       "kv_pack",
       kOutTable,
       script(
           {"BEGIN",
            "INSERT INTO out SELECT 'mp', kv_unpack('msgpack', kv_pack('msgpack', "
            "'{\"name\":\"kohaku\",\"tags\":[1,2,{\"x\":null}],\"f\":1.25}'))",
            "INSERT INTO out SELECT 'cbor', kv_unpack('cbor', kv_pack('cbor', '[1,\"two\",[3.5,true]]'))",
            "INSERT INTO out SELECT 'mpN', kv_pack('msgpack:16', '[1,2,3]')",
            "INSERT INTO out SELECT 'cbor-many', kv_unpack_many('cbor', kv_pack_many('cbor', "
            "'[1,{\"a\":2},\"s\"]'))",
            "INSERT INTO out SELECT 'vec', kv_unpack('vec:f32:2:2', kv_pack('vec:f32:2:2', '[[1,2],[3,4]]'))",
            "INSERT INTO out SELECT 'vec-any', kv_unpack('vec:i16', kv_pack('vec:i16', '[[1,2,3],[4,5,6]]'))",
            "INSERT INTO out SELECT 'vec-many', kv_unpack_many('vec:u8:3', kv_pack_many('vec:u8:3', "
            "'[[1,2,3],[4,5,6]]'))",
            "INSERT INTO out SELECT 'auto', kv_unpack('auto', kv_pack('auto', 'hello'))", "COMMIT"}),
       {kOutModel}});

  v.push_back(
      {"json_schema",
       "kv_pack",
       std::string(kOutTable) +
           "CREATE VIRTUAL TABLE j USING kvcolumn(msgpack, "
           "schema='{\"type\":\"object\",\"required\":[\"id\"],"
           "\"properties\":{\"id\":{\"type\":\"integer\"},\"tags\":{\"type\":\"array\",\"items\":"
           "{\"type\":\"string\",\"pattern\":\"^[a-z]+$\"}}}}');"
           "INSERT INTO j(value) VALUES ('{\"id\":1}'), ('{\"id\":2,\"tags\":[\"a\"]}');",
       script({"BEGIN",
               "INSERT INTO out SELECT 'packed', kv_pack('msgpack', '{\"id\":5,\"n\":[1,2]}', "
               "'{\"type\":\"object\",\"properties\":{\"n\":{\"type\":\"array\",\"maxItems\":3}}}')",
               "INSERT INTO out SELECT 'valid', kv_validate('{\"anyOf\":[{\"type\":\"integer\"},"
               "{\"type\":\"string\",\"minLength\":2}]}', '\"ab\"')",
               "INSERT INTO out SELECT 'errors', kv_validate_errors('{\"type\":\"object\",\"required\":"
               "[\"a\",\"b\"]}', '{\"a\":1}')",
               "INSERT INTO j(value) VALUES ('{\"id\":3,\"tags\":[\"x\",\"yz\"]}')",
               "UPDATE j SET value = '{\"id\":10}' WHERE idx = 0", "COMMIT"}),
       {kOutModel, "SELECT idx, value FROM j ORDER BY idx"}});

  const std::string fixed_setup =
      "CREATE VIRTUAL TABLE c USING kvcolumn(i32, min_chunk_bytes=64, max_chunk_bytes=256);" + series(200) +
      "INSERT INTO c(c, value) SELECT 'append', kv_pack_many('i32', json_group_array(i * 3 - 100)) FROM n;";
  const char* fixed_model = "SELECT count(*), total(value), group_concat(value, ',') FROM c";

  v.push_back({"kvcolumn_fixed",
               "kvcolumn",
               fixed_setup,
               script({"BEGIN", "INSERT INTO c(value) VALUES (7)", "INSERT INTO c(idx, value) VALUES (3, 99)",
                       "UPDATE c SET value = value * 2 WHERE idx BETWEEN 10 AND 20",
                       "DELETE FROM c WHERE idx % 7 = 0",
                       "INSERT INTO c(c, value) VALUES ('append', kv_pack_many('i32', '[1,2,3]'))",
                       "INSERT OR REPLACE INTO c(idx, value) VALUES (1, -1)",
                       "SELECT count(*), sum(value) FROM c WHERE idx >= 150", "COMMIT"}),
               {fixed_model}});

  v.push_back({"kvcolumn_savepoints",
               "kvcolumn",
               fixed_setup,
               script({"BEGIN", "INSERT INTO c(value) VALUES (1), (2), (3)", "SAVEPOINT a",
                       "DELETE FROM c WHERE idx > 100", "UPDATE c SET value = 0 WHERE idx < 5", "SAVEPOINT b",
                       "INSERT INTO c(idx, value) VALUES (0, 42)", "ROLLBACK TO b",
                       "SELECT count(*), sum(value) FROM c", "ROLLBACK TO a",
                       "INSERT INTO c(idx, value) VALUES (50, 5)", "RELEASE a", "COMMIT"}),
               {fixed_model}});

  v.push_back(
      {"kvcolumn_past_cache_bytes",
       "kvcolumn",
       "CREATE VIRTUAL TABLE c USING kvcolumn(i64, min_chunk_bytes=256, max_chunk_bytes=1024, "
       "cache_bytes=1024);" +
           series(100) + "INSERT INTO c(value) SELECT i FROM n;",
       script({"BEGIN",
               ("INSERT INTO c(c, value) SELECT 'append', kv_pack_agg('i64', i * 7) FROM (" + series(600) +
                "SELECT i FROM n)")
                   .c_str(),
               "UPDATE c SET value = -value WHERE idx % 50 = 1", "DELETE FROM c WHERE idx BETWEEN 90 AND 110",
               "SELECT count(*), sum(value) FROM c", "COMMIT"}),
       {"SELECT count(*), total(value), group_concat(value, ',') FROM c"}});

  v.push_back(
      {"kvcolumn_var",
       "kvcolumn",
       "CREATE VIRTUAL TABLE v USING kvcolumn(str, min_chunk_bytes=128, max_chunk_bytes=512);" + series(60) +
           "INSERT INTO v(value) SELECT printf('value-%d-%s', i, substr('xxxxxxxxxxxxxxxx', 1, i % 17)) "
           "FROM n;",
       script({"BEGIN", "INSERT INTO v(idx, value) VALUES (5, 'inserted')",
               "UPDATE v SET value = value || '!' WHERE idx < 10",
               "DELETE FROM v WHERE idx BETWEEN 20 AND 40", "INSERT INTO v(v) VALUES ('compact')",
               "INSERT INTO v(v, value) VALUES ('append', '[\"p\",\"q\"]')", "SAVEPOINT s",
               "DELETE FROM v WHERE idx < 3", "ROLLBACK TO s", "RELEASE s",
               "SELECT group_concat(value, ',') FROM v WHERE idx BETWEEN 3 AND 8", "COMMIT"}),
       {"SELECT count(*), group_concat(value, ',') FROM v"}});

  {
    Scenario s{"kvcolumn_two_connections",
               "kvcolumn",
               fixed_setup,
               {{0, "BEGIN"},
                {0, "INSERT INTO c(value) VALUES (1000)"},
                {0, "DELETE FROM c WHERE idx < 10"},
                {1, "SELECT count(*), sum(value) FROM c"},
                {0, "COMMIT"},
                {1, "SELECT count(*), sum(value), min(idx), max(idx) FROM c"},
                {1, "SELECT name, length FROM kvcolumns"}},
               {fixed_model}};
    s.connections = 2;
    v.push_back(s);
  }

  v.push_back({"kvcolumns_listing",
               "kvcolumn",
               fixed_setup + "CREATE VIRTUAL TABLE w USING kvcolumn(str); INSERT INTO w(value) VALUES ('a');",
               script({"BEGIN", "INSERT INTO c(value) VALUES (5)", "INSERT INTO w(value) VALUES ('b')",
                       "SELECT name, dtype, length FROM kvcolumns ORDER BY name",
                       "INSERT INTO c(value) VALUES (6)", "COMMIT"}),
               {fixed_model, "SELECT group_concat(value, ',') FROM w"}});

  for (const char* backend : {"csbtree", "skiplist"}) {
    Scenario s{std::string("kvindex_") + backend,
               "kvindex",
               std::string("CREATE VIRTUAL TABLE ix USING kvindex(") + backend + ");" + series(60) +
                   "INSERT INTO ix SELECT printf('k%03d', i), i * 10 FROM n;"
                   "INSERT INTO ix VALUES (1.5, 'real'), (X'00FF', 'blob'), (-3, NULL);",
               script({"BEGIN", "INSERT OR REPLACE INTO ix VALUES ('k005', 'new'), ('zz', 1)",
                       "DELETE FROM ix WHERE key BETWEEN 'k010' AND 'k020'",
                       "UPDATE ix SET value = -1 WHERE key = 'k030'",
                       "INSERT OR IGNORE INTO ix VALUES ('k031', 0), ('k999', 9)", "SAVEPOINT s",
                       "DELETE FROM ix WHERE key > 'k040'", "ROLLBACK TO s",
                       "SELECT key, value FROM ix WHERE key >= 'k025' ORDER BY key DESC LIMIT 3", "COMMIT"}),
               {"SELECT quote(key), quote(value) FROM ix ORDER BY key"},
               {"ix"}};
    v.push_back(s);
  }

  for (const char* backend : {"csbtree", "skiplist"}) {
    // Appends (keys past every key), first into an empty table: the journal's
    // counted runs and the packed rows the commit writes as _snap / _log
    // instead of walking the index, under a ROLLBACK TO across appends and a
    // schema change inside the transaction, then appends and a REPLACE of the
    // last key.
    Scenario s{std::string("kvindex_appends_") + backend,
               "kvindex",
               std::string("CREATE VIRTUAL TABLE ix USING kvindex(") + backend + ");",
               script({"BEGIN",
                       "INSERT INTO ix WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 119) "
                       "SELECT i, printf('v%d', i) FROM n",
                       "SAVEPOINT s",
                       "INSERT INTO ix WITH RECURSIVE n(i) AS (SELECT 200 UNION ALL SELECT i + 1 FROM n WHERE i < 259) "
                       "SELECT i, 'gone' FROM n",
                       "CREATE TABLE other(x)", "ROLLBACK TO s", "INSERT INTO ix VALUES (1000, 'a'), (1001, 'b')",
                       "INSERT OR REPLACE INTO ix VALUES (1001, 'B'), (1002, 'c')", "COMMIT"}),
               {"SELECT quote(key), quote(value) FROM ix ORDER BY key", "SELECT name FROM sqlite_schema WHERE name = 'other'"},
               {"ix"}};
    v.push_back(s);
  }

  {
    // Format 2's catch-up from _log under a schema change inside a transaction:
    // connection 1 commits to ix, then connection 0 changes the schema in a
    // transaction (its ix is reconnected) and reads and writes ix. The model
    // holds only connection 0's transaction (connection 1's commit is neither
    // before nor after it); the kvindex check compares ix with its shadow tables.
    Scenario s{"kvindex_catch_up_reparse",
               "kvindex",
               "CREATE VIRTUAL TABLE ix USING kvindex(csbtree, order=4);" + series(60) +
                   "INSERT INTO ix SELECT printf('k%03d', i), i FROM n;",
               {{1, "INSERT OR REPLACE INTO ix VALUES ('k005', 'b'), ('new', 1)"},
                {1, "DELETE FROM ix WHERE key BETWEEN 'k010' AND 'k014'"},
                {0, "BEGIN"},
                {0, "CREATE TABLE other(x)"},
                {0, "SELECT quote(key), quote(value) FROM ix WHERE key >= 'k003' ORDER BY key LIMIT 12"},
                {0, "INSERT INTO ix VALUES ('k999', 2)"},
                {0, "INSERT INTO other VALUES (1)"},
                {0, "COMMIT"}},
               {"SELECT name FROM sqlite_schema WHERE name = 'other'",
                "SELECT quote(value) FROM ix WHERE key = 'k999'"},
               {"ix"}};
    s.connections = 2;
    s.warm = "SELECT count(*) FROM ix";  // each connection has loaded ix before the sweep
    v.push_back(s);
  }

  v.push_back({"kvindex_rebuild_on_open",
               "kvindex",
               std::string("CREATE VIRTUAL TABLE ix USING kvindex(csbtree);"
                           "CREATE VIRTUAL TABLE sl USING kvindex(skiplist);") +
                   series(200) + "INSERT INTO ix SELECT i, printf('v%d', i) FROM n;" + series(200) +
                   "INSERT INTO sl SELECT printf('k%04d', i), i FROM n;",
               script({"SELECT count(*), min(key), max(key) FROM ix",
                       "SELECT key, value FROM sl WHERE key BETWEEN 'k0100' AND 'k0103' ORDER BY key",
                       "INSERT INTO ix VALUES (1000, 'x')"}),
               {"SELECT quote(key), quote(value) FROM ix ORDER BY key",
                "SELECT quote(key), quote(value) FROM sl ORDER BY key"},
               {"ix", "sl"}});

  {
    // The first use of each virtual table after opening (xConnect, the kvindex
    // rebuild, kvcolumn's _info read) at every injection point, bounded sweep too:
    // the regression test for kvindex's xConnect allocating outside its firewall.
    Scenario s{"first_use",
               "kvindex",
               "CREATE VIRTUAL TABLE ix USING kvindex(csbtree); INSERT INTO ix VALUES ('a', 1);"
               "CREATE VIRTUAL TABLE sl USING kvindex(skiplist); INSERT INTO sl VALUES ('b', 2);"
               "CREATE VIRTUAL TABLE c USING kvcolumn(i8); INSERT INTO c(value) VALUES (3);",
               script({"SELECT count(*) FROM ix", "SELECT count(*) FROM sl", "SELECT count(*) FROM c"}),
               {"SELECT quote(key), quote(value) FROM ix", "SELECT quote(key), quote(value) FROM sl",
                "SELECT value FROM c"},
               {"ix", "sl"}};
    s.every_point = true;
    v.push_back(s);
  }

  v.push_back(
      {"kvault",
       "kvault",
       "CREATE VIRTUAL TABLE m USING kvault;"
       "INSERT INTO m(key, value) VALUES ('seed', zeroblob(5000)), ('a:1', X'0102'), ('a:2', zeroblob(10)),"
       " ('b:1', 'text');"
       "UPDATE m SET value = (SELECT kv_pack_agg('u16', i) FROM (" +
           series(2500) +
           "SELECT i FROM n)) WHERE key = 'seed';"
           "SELECT kvault_export('m', 'seed', '@DIR@/seed.bin');",
       script({"BEGIN", "INSERT INTO m(key, value) VALUES ('a:3', X'FF'), ('c', kv_pack('auto', 'hi'))",
               "UPDATE m SET value = X'0A0B' WHERE key = 'b:1'", "DELETE FROM m WHERE prefix = 'a:'",
               "SELECT kvault_import('m', 'imp', '@DIR@/seed.bin')",
               "SELECT hex(kvault_read('m', 'seed', 2, 6)), length(kvault_read('m', 'imp', 4990))",
               "SELECT kvault_export('m', 'imp', '@DIR@/out.bin')",
               "SELECT CAST(key AS TEXT), length(value) FROM m WHERE key >= 'b' ORDER BY key", "COMMIT"}),
       {"SELECT hex(key), hex(value) FROM m ORDER BY key"}});

  // kvault's shared value buffer (one copy of the current row's value handed
  // to every xColumn(value) of that row) and the cursor's header blob handle
  // (size, encoding), with faults while many rows are scanned: value twice in
  // a row (length(value), value), values copied into another table and back
  // into kvault, point lookups reusing the idle statements.
  v.push_back(
      {"kvault_value_scan",
       "kvault",
       std::string(kOutTable) + "CREATE VIRTUAL TABLE m USING kvault;" + series(120) +
           "INSERT INTO m(key, value) SELECT printf('k%03d', i), "
           "CAST(printf('%.*c', 40 + (i * 97) % 3000, 'v') || i AS BLOB) FROM n;"
           "INSERT INTO m(key, value) VALUES ('t1', kv_pack('auto', 'text')), ('t2', kv_pack('u16', 7));",
       script({"BEGIN",
               "SELECT key, size, encoding, length(value), hex(substr(value, -4)) FROM m ORDER BY key",
               "SELECT count(*), sum(length(value)), sum(length(value) = size) FROM m WHERE key < 'k100'",
               "SELECT key, length(value), value FROM m WHERE key BETWEEN 'k010' AND 'k030'",
               "INSERT INTO out SELECT key, value FROM m WHERE key >= 'k050' AND key < 'k080'",
               "UPDATE m SET value = value || X'00' WHERE key < 'k020'",
               "SELECT key, length(value), hex(substr(value, 1, 3)) FROM m WHERE key IN ('k001', 'k077', 't1')",
               "INSERT INTO m(key, value) SELECT 'copy:' || k, v FROM out WHERE k < 'k060'", "COMMIT"}),
       {"SELECT hex(key), length(value), hex(substr(value, 1, 8)), hex(substr(value, -8)) FROM m ORDER BY key",
        "SELECT k, length(v), hex(substr(v, -4)) FROM out ORDER BY rowid"}});

  v.push_back(
      {"set_functions",
       "set",
       "CREATE VIRTUAL TABLE f USING kvcolumn(f64, min_chunk_bytes=64, max_chunk_bytes=256);" + series(200) +
           "INSERT INTO f(f, value) SELECT 'append', kv_pack_agg('f64', i * 0.5) FROM n;",
       script({"BEGIN", "SELECT hex(kvcolumn_slice('f', 10, 14))", "SELECT * FROM kvcolumn_stats('f')",
               "INSERT INTO f(f, idx, value) VALUES ('write', 5, kv_pack_many('f64', '[1,2,3]'))",
               "INSERT INTO f(value) VALUES (-7.5)", "SELECT * FROM kvcolumn_buckets('f', 3)",
               "SELECT * FROM kvcolumn_stats('f', -20, -2)", "SELECT length(kvcolumn_slice('f', -50))",
               "COMMIT"}),
       {"SELECT count(*), total(value), group_concat(value, ',') FROM f"}});

  v.push_back(
      {"knn",
       "set",
       "CREATE VIRTUAL TABLE e USING kvcolumn('vec:f32:3', min_chunk_bytes=64, max_chunk_bytes=256);" +
           series(60) +
           "INSERT INTO e(e, value) SELECT 'append', kv_pack_many('vec:f32:3', json_group_array("
           "json_array(i % 7, i % 5 - 2, i / 10.0))) FROM n;",
       script({"BEGIN", "SELECT idx, distance FROM kvcolumn_knn('e', '[1,0,0]', 3)",
               "INSERT INTO e(value) VALUES ('[0.5,0.5,0.5]')",
               "SELECT query, idx FROM kvcolumn_knn('e', '[[1,0,0],[0,0,1]]', 2, 'cosine')",
               "SELECT idx FROM kvcolumn_knn('e', kv_pack('vec:f32:3', '[6,2,5]'), 4, 'l1', 10, 50)",
               "DELETE FROM e WHERE idx < 5",
               "SELECT idx, distance FROM kvcolumn_knn('e', '[0,0,0]', 2, 'dot')", "COMMIT"}),
       {"SELECT count(*), group_concat(value, ';') FROM e"}});
  // Set functions and vector search over buffered writes inside savepoints,
  // then again after ROLLBACK TO: the write-back buffer's savepoint snapshots
  // under faults.
  v.push_back(
      {"set_functions_savepoints",
       "set",
       "CREATE VIRTUAL TABLE f USING kvcolumn(f64, min_chunk_bytes=64, max_chunk_bytes=256);" + series(200) +
           "INSERT INTO f(f, value) SELECT 'append', kv_pack_agg('f64', i * 0.5) FROM n;"
           "CREATE VIRTUAL TABLE e USING kvcolumn('vec:f32:3', min_chunk_bytes=64, max_chunk_bytes=256);" +
           series(60) +
           "INSERT INTO e(e, value) SELECT 'append', kv_pack_many('vec:f32:3', json_group_array("
           "json_array(i % 7, i % 5 - 2, i / 10.0))) FROM n;",
       script({"BEGIN", "INSERT INTO f(value) VALUES (1.5), (2.5)", "SAVEPOINT a",
               "INSERT INTO f(f, idx, value) VALUES ('write', 3, kv_pack_many('f64', '[9,9,9]'))",
               "DELETE FROM f WHERE idx BETWEEN 50 AND 60", "SELECT * FROM kvcolumn_stats('f')",
               "SELECT hex(kvcolumn_slice('f', 0, 6)), length(kvcolumn_slice('f', 0))", "ROLLBACK TO a",
               "SELECT * FROM kvcolumn_stats('f')", "SELECT * FROM kvcolumn_buckets('f', 4)",
               "SELECT hex(kvcolumn_slice('f', 0, 6)), length(kvcolumn_slice('f', 0))", "SAVEPOINT b",
               "INSERT INTO e(value) VALUES ('[9,9,9]'), ('[8,8,8]')",
               "SELECT idx, distance FROM kvcolumn_knn('e', '[9,9,9]', 2)", "ROLLBACK TO b",
               "SELECT idx, distance FROM kvcolumn_knn('e', '[9,9,9]', 2)", "INSERT INTO e(value) VALUES ('[7,7,7]')",
               "RELEASE b", "RELEASE a", "SELECT idx FROM kvcolumn_knn('e', '[7,7,7]', 1)", "COMMIT"}),
       {"SELECT count(*), total(value), group_concat(value, ',') FROM f",
        "SELECT count(*), group_concat(value, ';') FROM e"}});

  return v;
}

}  // namespace

const std::vector<Scenario>& scenarios() {
  static const std::vector<Scenario> all = build();
  return all;
}

// Violations the harness finds in another helper's area, listed until their
// owner's fix lands on main: each is still reported on its scenario's line.
const std::vector<KnownFailure>& known_failures() {
  static const std::vector<KnownFailure> list = {
      // Third party, stays: RE2 is not exception-safe; a std::bad_alloc inside RE2::RE2 (a schema
      // "pattern" compiling) leaks RE2's partial parse. Suppressed for LeakSanitizer (leak:libre2.so).
      {"json_schema", "oom", "leak suppressed",
       "libre2 leaks its partial parse when an allocation fails inside RE2::RE2 (third party, not "
       "exception-safe)"},
      // Found by kvindex_appends_* (session 8), not fixed yet: after ROLLBACK TO undid a CREATE
      // TABLE, the next statement on the kvindex table is re-prepared (SQLITE_SCHEMA) and the
      // table reconnected; when an allocation fails there, sqlite3_step returns the failure but
      // sqlite3_extended_errcode() says SQLITE_ROW (probable cause, not yet confirmed: SQLite's
      // re-prepare failure path does not set the connection's error code, so the SQLITE_ROW of
      // an inner statement stepped during the reconnect is left in it). Nothing
      // is lost (the model and shadow checks pass at every point); only the error code is wrong.
      // Without the schema change every point of these scenarios passes (make faults).
      {"kvindex_appends_csbtree", "oom", "returned another row available",
       "kvindex reconnect during a re-prepare under OOM leaves sqlite3_errcode() = SQLITE_ROW"},
      {"kvindex_appends_skiplist", "oom", "returned another row available",
       "kvindex reconnect during a re-prepare under OOM leaves sqlite3_errcode() = SQLITE_ROW"},
  };
  return list;
}

}  // namespace kvfault
