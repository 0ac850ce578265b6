"""Variable-size kvcolumn (str, bytes, msgpack, vec:f32 of any length) through
Python's sqlite3: the random operation sequences of test_kvcolumn (appends,
insert-at, updates that grow and shrink, deletes, pushdown reads,
savepoints/rollback, a second connection, reopen) checked against a Python
list, plus elements larger than a chunk and error paths."""
import os
import random
import sqlite3
import tempfile
import unittest

import kvtest
import test_kvcolumn


def _text(r):
    return kvtest.random_text(r, 140)


def _msgpack(r):
    return kvtest.random_json_doc(r, 60, 12)


VAR_DTYPES = {
    "'str:utf8'": _text,
    "bytes": lambda r: bytes(r.randint(0, 255) for _ in range(r.choice([1, r.randint(1, 30), r.randint(30, 150)]))),
    "msgpack": _msgpack,
    "'vec:f32'": lambda r: kvtest.random_vector(r, r.randint(1, 24)),
}


class KvColumnVarDifferential(unittest.TestCase):
    setUp = test_kvcolumn.KvColumnDifferential.setUp
    new_database = test_kvcolumn.KvColumnDifferential.new_database
    open = test_kvcolumn.KvColumnDifferential.open
    check = test_kvcolumn.KvColumnDifferential.check
    run_random = test_kvcolumn.KvColumnDifferential.run_random
    run_each = test_kvcolumn.KvColumnDifferential.run_each

    def test_dtypes_default_options(self):
        self.run_each(VAR_DTYPES, 300, "")

    def test_tiny_chunks_and_cache(self):
        # Chunks of 48 bytes: most elements cross chunk boundaries.
        self.run_each(VAR_DTYPES, 400, ", min_chunk_bytes=16, max_chunk_bytes=48, cache_bytes=40", steps=220)


class KvColumnVarBehaviour(unittest.TestCase):
    def test_element_larger_than_a_chunk(self):
        with kvtest.temp_db("t.db") as path:
            conn = kvtest.connect(path)
            conn.execute("create virtual table t using kvcolumn(bytes, min_chunk_bytes=64, max_chunk_bytes=1024)")
            big = bytes(random.Random(1).randrange(256) for _ in range(100_000))
            conn.executemany("insert into t(value) values (?)", [(b"a",), (big,), (b"z" * 2000,)])
            conn.commit()
            conn.close()
            conn = kvtest.connect(path)
            self.assertEqual([v for (v,) in conn.execute("select value from t")], [b"a", big, b"z" * 2000])
            self.assertEqual(conn.execute("select kvcolumn_check('t')").fetchone()[0], "ok")
            conn.execute("update t set value = x'00' where idx = 1")
            self.assertEqual(conn.execute("select value from t where idx = 1").fetchone()[0], b"\x00")
            conn.close()

    def test_msgpack_values_are_json(self):
        conn = kvtest.connect()
        conn.execute("create virtual table p using kvcolumn(msgpack)")
        conn.execute("""insert into p(value) values ('{"name":"ada","tags":[1,2]}'), (7), ('"text"')""")
        self.assertEqual([v for (v,) in conn.execute("select json_extract(value, '$.name') from p")],
                         ["ada", None, None])
        # Each value reads back as kv_unpack of its kv_pack (same types, JSON subtype for containers).
        same = conn.execute("""select count(*) from p join (select 0 as i, '{"name":"ada","tags":[1,2]}' as v
                               union all select 1, 7 union all select 2, '"text"') on i = idx
                               where value = kv_unpack('msgpack', kv_pack('msgpack', v))""").fetchone()[0]
        self.assertEqual(same, 3)
        self.assertEqual(conn.execute("select json_type(value) from p where idx = 0").fetchone()[0], "object")

    def test_errors_change_nothing(self):
        conn = kvtest.connect(isolation_level=None)
        conn.execute("create virtual table s using kvcolumn('str:utf8')")
        conn.execute("insert into s(value) values ('a'), ('bb')")
        msg = kvtest.error_of(conn, "insert into s(s, value) values ('append', x'00')")
        self.assertIn("variable-size", msg)
        msg = kvtest.error_of(conn, "insert into s(idx, value) values (5, 'x')")
        self.assertIn("out of range", msg)
        msg = kvtest.error_of(conn, "insert into s(value) values (x'ff')")
        self.assertIsNotNone(msg)
        self.assertEqual([v for (v,) in conn.execute("select value from s")], ["a", "bb"])

    def test_corrupt_index_entry(self):
        conn = kvtest.connect()
        conn.execute("create virtual table s using kvcolumn('str:utf8')")
        conn.execute("insert into s(value) values ('hello')")
        conn.commit()
        # Entry 0: offset 0, length 5 -> point it past the 5-byte data stream.
        conn.execute("update s_idx set data = x'0000000000000000' || x'0600000000000000' || substr(data, 17) "
                     "where chunk_idx = 0")
        conn.commit()
        conn2 = kvtest.connect()
        msg = kvtest.error_of(conn, "select value from s")
        self.assertIn("corrupt", msg)
        self.assertIn("'s'", msg)
        conn2.close()

    def test_schema_option_survives_reopen(self):
        with kvtest.temp_db("t.db") as path:
            conn = kvtest.connect(path)
            conn.execute("""create virtual table p using kvcolumn(cbor, schema='{"type":"array","maxItems":2}')""")
            conn.execute("insert into p(value) values ('[1,2]')")
            conn.commit()
            conn.close()
            conn = kvtest.connect(path)
            msg = kvtest.error_of(conn, "insert into p(value) values ('[1,2,3]')")
            self.assertIn("kvcolumn 'p'", msg)
            self.assertEqual([v for (v,) in conn.execute("select value from p")], ["[1,2]"])

    def test_fuzzed_shadow_rows_never_crash(self):
        r = random.Random(77)
        tmp = kvtest.temp_dir(self)
        errors = 0
        for trial in range(40):
            path = os.path.join(tmp, "f%d.db" % trial)
            conn = kvtest.connect(path)
            conn.execute("create virtual table s using kvcolumn('str:utf8', min_chunk_bytes=32, max_chunk_bytes=64)")
            conn.executemany("insert into s(value) values (?)", [("x%d" % i * (i % 7),) for i in range(60)])
            conn.commit()
            table = r.choice(["s_idx", "s_data"])
            chunks = [c for (c,) in conn.execute(f"select chunk_idx from {table}")]
            c = r.choice(chunks)
            blob = bytearray(conn.execute(f"select data from {table} where chunk_idx = ?", (c,)).fetchone()[0])
            how = r.randrange(4)
            if how == 0:
                blob[r.randrange(len(blob))] ^= 1 << r.randrange(8)
            elif how == 1:
                blob = blob[:r.randrange(len(blob))]
            elif how == 2:
                blob[r.randrange(len(blob))] = 0xff
            if how == 3:
                conn.execute(f"delete from {table} where chunk_idx = ?", (c,))
            else:
                conn.execute(f"update {table} set data = ? where chunk_idx = ?", (bytes(blob), c))
            conn.commit()
            conn.close()
            conn = kvtest.connect(path)  # a fresh reader: nothing cached
            try:
                conn.execute("select idx, value from s").fetchall()
                conn.execute("select value from s where idx in (3, 30, 59)").fetchall()
            except sqlite3.Error as e:
                errors += 1
                self.assertTrue("corrupt" in str(e) or "UTF-8" in str(e) or "utf" in str(e).lower(),
                                f"trial {trial}: {e}")
            conn.execute("select kvcolumn_check('s')").fetchone()
            conn.close()
        self.assertGreater(errors, 5)  # the damage was seen, not served from a cache

    def test_kvcolumns_and_drop_and_rename(self):
        conn = kvtest.connect()
        conn.execute("create virtual table s using kvcolumn('str:utf8')")
        conn.executemany("insert into s(value) values (?)", [("x" * 50,)] * 100)
        conn.commit()
        row = conn.execute("select dtype, elem_size, length, bytes >= 100 * 50 + 100 * 16 from kvcolumns "
                           "where name = 's'").fetchone()
        self.assertEqual(row, ("str:utf8", 0, 100, 1))
        conn.execute("alter table s rename to s2")
        self.assertEqual(conn.execute("select count(*), min(value) = max(value) from s2").fetchone(), (100, 1))
        self.assertEqual(conn.execute("select kvcolumn_check('s2')").fetchone()[0], "ok")
        conn.execute("drop table s2")
        self.assertEqual(conn.execute("select count(*) from sqlite_schema where name like 's2%'").fetchone()[0], 0)

    def test_format_1_tables_are_refused(self):
        # Format 1 variable-size tables had 16-byte index entries: opening one
        # must fail loudly instead of reading its entries as 7-byte ones.
        with kvtest.temp_db("t.db") as path:
            conn = kvtest.connect(path)
            conn.execute("create virtual table s using kvcolumn('str:utf8')")
            conn.execute("insert into s(value) values ('abc')")
            conn.execute("update s_info set value = 1 where key = 'format_version'")
            conn.commit()
            conn.close()
            conn = kvtest.connect(path)
            err = kvtest.error_of(conn, "select value from s")
            self.assertIn("has format_version 1, this build reads format 2 for variable-size dtypes", err)
            conn.close()

    def test_compact_reclaims_dead_bytes(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "t.db")
            conn = kvtest.connect(path, isolation_level=None)
            conn.execute("create virtual table s using kvcolumn('str:utf8', min_chunk_bytes=64, max_chunk_bytes=256)")
            r = random.Random(5)
            rows = ["v%d" % i * r.randint(1, 8) for i in range(300)]
            conn.executemany("insert into s(value) values (?)", [(v,) for v in rows])
            for _ in range(3):
                for i in range(0, 300, 2):
                    rows[i] = "u%d" % r.randint(0, 10**6) * r.randint(1, 8)
                    conn.execute("update s set value = ? where idx = ?", (rows[i], i))
            conn.execute("delete from s where idx % 3 = 0")
            rows = [v for i, v in enumerate(rows) if i % 3]
            # (That much dead data is compacted automatically at commit.) One
            # growing update leaves a few dead bytes, below the threshold.
            conn.execute("update s set value = value || 'x' where idx = 0")
            rows[0] += "x"
            bytes_of = lambda: conn.execute("select bytes from kvcolumns where name = 's'").fetchone()[0]
            live_dead = lambda: conn.execute("select live_bytes, dead_bytes from kvcolumns where name = 's'").fetchone()
            live = sum(len(v.encode()) for v in rows)  # all short: records are the bare bytes
            self.assertEqual(live_dead()[0], live)
            self.assertEqual(live_dead()[1], len(rows[0]) - 1)
            before = bytes_of()
            # A compact that is rolled back changes nothing.
            conn.execute("begin")
            conn.execute("insert into s(s) values ('compact')")
            self.assertEqual([v for (v,) in conn.execute("select value from s")], rows)
            conn.execute("rollback")
            self.assertEqual(bytes_of(), before)
            self.assertEqual([v for (v,) in conn.execute("select value from s")], rows)
            conn.execute("insert into s(s) values ('compact')")
            self.assertEqual(live_dead(), (live, 0))
            self.assertLessEqual(bytes_of(), before)
            self.assertLessEqual(bytes_of(), live + 7 * len(rows) + 2 * 256 + 2 * 64)
            self.assertEqual(conn.execute("select kvcolumn_check('s')").fetchone()[0], "ok")
            conn.close()
            conn = kvtest.connect(path)
            self.assertEqual([v for (v,) in conn.execute("select value from s")], rows)
            conn.execute("delete from s")
            conn.commit()
            self.assertEqual(conn.execute("select bytes, chunks from kvcolumns where name = 's'").fetchone(), (0, 0))
            msg = kvtest.error_of(conn, "create virtual table f using kvcolumn(f64)") or \
                kvtest.error_of(conn, "insert into f(f) values ('compact')")
            self.assertIn("variable-size", msg)


if __name__ == "__main__":
    unittest.main()
