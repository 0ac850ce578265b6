"""kvcolumn through Python's sqlite3: random operation sequences checked against
a Python list (several dtypes, transactions, savepoints, tiny caches and
chunks, reopen, a second connection), plus error paths."""
import os
import random
import sqlite3
import struct
import unittest

import kvtest

# dtype -> (value generator, comparison normaliser)
def _f64(r):
    return r.choice([r.uniform(-1e6, 1e6), float(r.randint(-5, 5))])


def _f32(r):
    return struct.unpack("<f", struct.pack("<f", r.uniform(-100, 100)))[0]


DTYPES = {
    "f64": _f64,
    "i32": lambda r: r.randint(-2**31, 2**31 - 1),
    "u8": lambda r: r.randint(0, 255),
    "'str:16:utf8'": lambda r: "".join(r.choice("abcxyzé€") for _ in range(r.randint(0, 5))),
    "'bytes:8'": lambda r: bytes(r.randint(1, 255) for _ in range(8)),
    "f32": _f32,
    "'vec:f32:3'": lambda r: kvtest.random_vector(r, 3),
    "'msgpack:16'": lambda r: r.choice([r.randint(-1000, 1000), '{"k":%d}' % r.randint(0, 99)]),
}

WHERES = [
    ("idx % {k} = 0", lambda i, v, k: i % k == 0),
    ("idx >= {k}", lambda i, v, k: i >= k),
    ("idx < {k}", lambda i, v, k: i < k),
    ("idx between {k} and {k} + 3", lambda i, v, k: k <= i <= k + 3),
    ("idx in ({k}, {k} + 2, {k} * 3)", lambda i, v, k: i in (k, k + 2, k * 3)),
]


class Model:
    """The connection's view (list) plus what is committed."""

    def __init__(self):
        self.rows, self.committed, self.saves = [], [], []


class KvColumnDifferential(unittest.TestCase):
    def setUp(self):
        self.new_database()

    def new_database(self):
        """self.path: a database file of its own (removed after the test)."""
        self.path = os.path.join(kvtest.temp_dir(self), "t.db")

    def open(self):
        conn = kvtest.connect(self.path, isolation_level=None)
        conn.execute("pragma synchronous=off")
        if os.environ.get("KV_TRACE"):
            conn.set_trace_callback(lambda s: print(f"[{id(conn) % 1000}] {s};"))
        return conn

    def check(self, conn, rows, msg):
        got = [v for (v,) in conn.execute("select value from t")]
        self.assertEqual(got, rows, msg)
        self.assertEqual([i for (i,) in conn.execute("select idx from t")], list(range(len(rows))), msg)

    def run_random(self, dtype, gen, seed, options, steps=160):
        r = random.Random(seed)
        conn = self.open()
        conn.execute(f"create virtual table t using kvcolumn({dtype}{options})")
        other = self.open()
        rows, committed, saves = [], [], []
        in_txn = False
        for step in range(steps):
            op = r.randrange(16)
            msg = f"{dtype} seed {seed} step {step} op {op}"
            if op <= 2:
                vals = [gen(r) for _ in range(r.randint(1, 6))]
                conn.executemany("insert into t(value) values (?)", [(v,) for v in vals])
                rows += vals
            elif op == 3:
                i = r.randint(0, len(rows))
                v = gen(r)
                conn.execute("insert into t(idx, value) values (?, ?)", (i, v))
                rows.insert(i, v)
            elif op == 4 and rows:
                i = r.randrange(len(rows))
                v = gen(r)
                conn.execute("update t set value = ? where idx = ?", (v, i))
                rows[i] = v
            elif op == 5 and rows:
                sql, pred = r.choice(WHERES)
                k = r.randint(1, 5)
                conn.execute("update t set value = ? where " + sql.format(k=k), (rows[0],))
                rows = [rows[0] if pred(i, v, k) else v for i, v in enumerate(rows)]
            elif op in (6, 7) and rows:
                sql, pred = r.choice(WHERES)
                k = r.randint(1, 5)
                conn.execute("delete from t where " + sql.format(k=k))
                rows = [v for i, v in enumerate(rows) if not pred(i, v, k)]
            elif op == 8 and rows:  # delete by value
                pivot = r.choice(rows)
                conn.execute("delete from t where value = ?", (pivot,))
                rows = [v for v in rows if v != pivot]
            elif op == 9:  # reads with pushdown
                n = len(rows)
                a, b = r.randint(-2, n + 2), r.randint(-2, n + 2)
                got = [v for (v,) in conn.execute("select value from t where idx >= ? and idx <= ? order by idx desc", (a, b))]
                self.assertEqual(got, [rows[i] for i in range(max(a, 0), min(b, n - 1) + 1)][::-1], msg)
                lim, off = r.randint(0, 5), r.randint(0, 5)
                got = [i for (i,) in conn.execute("select idx from t limit ? offset ?", (lim, off))]
                self.assertEqual(got, list(range(n))[off:off + lim], msg)
                ids = [r.randint(-1, n + 1) for _ in range(4)]
                got = [i for (i,) in conn.execute("select idx from t where idx in (?, ?, ?, ?)", ids)]
                self.assertEqual(got, sorted({i for i in ids if 0 <= i < n}), msg)
            elif op == 10:
                if not in_txn:
                    conn.execute("begin")
                    in_txn = True
                else:
                    name = f"s{len(saves)}"
                    conn.execute(f"savepoint {name}")
                    saves.append((name, list(rows)))
            elif op == 11 and saves:
                k = r.randrange(len(saves))
                conn.execute(f"rollback to {saves[k][0]}")
                rows = list(saves[k][1])
                del saves[k + 1:]
            elif op == 12 and saves:
                k = r.randrange(len(saves))
                conn.execute(f"release {saves[k][0]}")
                del saves[k:]
            elif op == 13 and in_txn:
                if r.random() < 0.7:
                    conn.execute("commit")
                    committed = list(rows)
                else:
                    conn.execute("rollback")
                    rows = list(committed)
                in_txn, saves = False, []
            elif op == 14:
                # The other connection sees committed data only.
                if in_txn:
                    other_rows = [v for (v,) in other.execute("select value from t")]
                    self.assertEqual(other_rows, committed, msg)
                else:
                    committed = list(rows)
                    self.check(other, committed, msg + " (other connection)")
            elif op == 15 and not in_txn:
                conn.close()
                conn = self.open()
                committed = list(rows)
            if not in_txn:
                committed = list(rows)
            if step % 8 == 0:
                self.check(conn, rows, msg)
        if in_txn:
            conn.execute("commit")
        self.check(conn, rows, f"{dtype} seed {seed} end")
        self.assertEqual(conn.execute("select kvcolumn_check('t')").fetchone()[0], "ok")
        conn.close()
        # Another process's view: reopen and compare; the other connection revalidates.
        self.check(other, rows, f"{dtype} seed {seed} other after close")
        other.close()
        conn = self.open()
        self.check(conn, rows, f"{dtype} seed {seed} reopen")
        self.assertEqual(conn.execute("pragma integrity_check").fetchone()[0], "ok")
        conn.close()

    def run_each(self, dtypes, first_seed, options, steps=160):
        """run_random for every dtype -> generator of `dtypes` (seeds first_seed,
        first_seed + 1, ...), each in a subtest on a new database file."""
        for n, (dtype, gen) in enumerate(dtypes.items()):
            with self.subTest(dtype=dtype):
                self.new_database()
                self.run_random(dtype, gen, first_seed + n, options, steps)

    def test_dtypes_default_options(self):
        self.run_each(DTYPES, 100, "")

    def test_tiny_chunks_and_cache(self):
        self.run_each(DTYPES, 200, ", min_chunk_bytes=16, max_chunk_bytes=48, cache_bytes=40", steps=220)

    def test_wal_mode(self):
        conn = self.open()
        conn.execute("pragma journal_mode=wal")
        conn.close()
        self.run_random("i32", DTYPES["i32"], 7, ", max_chunk_bytes=64, min_chunk_bytes=8")


class KvColumnBehaviour(unittest.TestCase):
    def test_failed_statement_in_transaction_changes_nothing(self):
        conn = kvtest.connect(isolation_level=None)
        conn.execute("create virtual table t using kvcolumn(i32)")
        conn.execute("insert into t(value) values (1), (2), (3)")
        conn.execute("begin")
        conn.execute("insert into t(value) values (4)")
        with self.assertRaises(sqlite3.Error):
            conn.execute("insert into t(value) select value from (select 5 as value union all select 6 "
                         "union all select 'bad' union all select 7)")
        self.assertEqual([v for (v,) in conn.execute("select value from t")], [1, 2, 3, 4])
        with self.assertRaises(sqlite3.Error):
            conn.execute("update t set value = case when idx = 2 then 'bad' else 100 end")
        self.assertEqual([v for (v,) in conn.execute("select value from t")], [1, 2, 3, 4])
        conn.execute("commit")
        self.assertEqual([v for (v,) in conn.execute("select value from t")], [1, 2, 3, 4])

    def test_failed_statement_in_autocommit_changes_nothing(self):
        conn = kvtest.connect(isolation_level=None)
        conn.execute("create virtual table t using kvcolumn(i32, cache_bytes=8)")
        conn.execute("insert into t(value) values (1), (2), (3)")
        with self.assertRaises(sqlite3.Error):
            conn.execute("with recursive n(value) as (select 10 union all select value + 1 from n where value < 40) "
                         "insert into t(value) select value from n union all select 'bad'")
        self.assertEqual([v for (v,) in conn.execute("select value from t")], [1, 2, 3])

    def test_second_connection_never_stale(self):
        with kvtest.temp_db("t.db") as path:
            a = kvtest.connect(path, isolation_level=None)
            b = kvtest.connect(path, isolation_level=None)
            a.execute("create virtual table t using kvcolumn(f64, min_chunk_bytes=16, max_chunk_bytes=32)")
            a.execute("insert into t(value) values (1), (2), (3)")
            self.assertEqual(b.execute("select count(*), sum(value) from t").fetchone(), (3, 6.0))
            a.execute("update t set value = 10 where idx = 0")
            a.execute("delete from t where idx = 1")
            self.assertEqual([v for (v,) in b.execute("select value from t")], [10.0, 3.0])
            a.execute("begin")
            a.execute("insert into t(value) values (4)")
            self.assertEqual([v for (v,) in b.execute("select value from t")], [10.0, 3.0])
            a.execute("commit")
            self.assertEqual([v for (v,) in b.execute("select value from t")], [10.0, 3.0, 4.0])
            b.execute("insert into t(value) values (5)")
            self.assertEqual([v for (v,) in a.execute("select value from t")], [10.0, 3.0, 4.0, 5.0])

    def test_busy_surfaces(self):
        with kvtest.temp_db("t.db") as path:
            a = kvtest.connect(path, isolation_level=None, timeout=0)
            b = kvtest.connect(path, isolation_level=None, timeout=0)
            a.execute("create virtual table t using kvcolumn(i64)")
            a.execute("begin immediate")
            a.execute("insert into t(value) values (1)")
            with self.assertRaises(sqlite3.OperationalError) as e:
                b.execute("insert into t(value) values (2)")
            self.assertIn("locked", str(e.exception))
            a.execute("commit")
            b.execute("insert into t(value) values (2)")
            self.assertEqual([v for (v,) in a.execute("select value from t")], [1, 2])

    def test_bulk_append_and_unpack(self):
        conn = kvtest.connect()
        conn.execute("create virtual table t using kvcolumn(f64)")
        vals = [i * 0.5 for i in range(100000)]
        conn.execute("insert into t(t, value) values ('append', ?)", (struct.pack(f"<{len(vals)}d", *vals),))
        conn.execute("insert into t(t, value) select 'append', kv_pack_agg('f64', value) from "
                     "(with recursive n(value) as (select 1 union all select value + 1 from n where value < 10) "
                     "select value from n)")
        got = [v for (v,) in conn.execute("select value from t")]
        self.assertEqual(got, vals + [float(i) for i in range(1, 11)])

    def test_vacuum_and_defensive(self):
        with kvtest.temp_db("t.db") as path:
            conn = kvtest.connect(path, isolation_level=None)
            conn.execute("create virtual table t using kvcolumn(i16, min_chunk_bytes=4, max_chunk_bytes=8)")
            conn.executemany("insert into t(value) values (?)", [(i,) for i in range(50)])
            conn.execute("vacuum")
            self.assertEqual([v for (v,) in conn.execute("select value from t")], list(range(50)))
            self.assertEqual(conn.execute("select kvcolumn_check('t')").fetchone()[0], "ok")
            if hasattr(conn, "setconfig") and hasattr(sqlite3, "SQLITE_DBCONFIG_DEFENSIVE"):
                conn.setconfig(sqlite3.SQLITE_DBCONFIG_DEFENSIVE, True)
                with self.assertRaises(sqlite3.Error):
                    conn.execute("delete from t_chunks")
                conn.execute("insert into t(value) values (50)")
                self.assertEqual(conn.execute("select count(*) from t").fetchone()[0], 51)


class KvColumnCorruption(unittest.TestCase):
    """Damaged shadow rows give SQLITE_CORRUPT errors naming the table, or
    kvcolumn_check() reports them; nothing crashes."""

    CORRUPTIONS = [
        "update t_chunks set data = substr(data, 1, length(data) - 1) where chunk_idx = {c}",
        "update t_chunks set data = data || x'00' where chunk_idx = {c}",
        "update t_chunks set data = 'text' where chunk_idx = {c}",
        "update t_chunks set data = zeroblob(0) where chunk_idx = {c}",
        "delete from t_chunks where chunk_idx = {c}",
        "update t_chunks set chunk_idx = chunk_idx + 100 where chunk_idx = {c}",
        "update t_info set value = value + {c} + 1 where key = 'length'",
        "update t_info set value = -5 where key = 'length'",
        "update t_info set value = 'many' where key = 'length'",
        "delete from t_info where key = 'length'",
        "update t_info set value = 3 where key = 'elem_size'",
        "update t_info set value = 7 where key = 'max_chunk_bytes'",
        "insert into t_chunks(chunk_idx, data) values (999, x'00')",
    ]

    def test_corrupt_shadow_rows(self):
        r = random.Random(5)
        for n, sql in enumerate(self.CORRUPTIONS):
            for c in (0, 1, 2):
                with self.subTest(sql=sql, chunk=c):
                    conn = kvtest.connect(isolation_level=None)
                    conn.execute("create virtual table t using kvcolumn(i32, min_chunk_bytes=8, max_chunk_bytes=16)")
                    conn.executemany("insert into t(value) values (?)", [(r.randint(0, 99),) for _ in range(10)])
                    conn.execute(sql.format(c=c))
                    (report,) = conn.execute("select kvcolumn_check('t')").fetchone()
                    for q in ("select count(*), sum(value) from t", "select value from t where idx = 9",
                              "select value from t where idx between 3 and 6 order by idx desc",
                              "insert into t(value) values (1)", "update t set value = 2 where idx = 1",
                              "delete from t where idx = 0", "insert into t(idx, value) values (0, 3)"):
                        try:
                            conn.execute(q).fetchall()
                        except sqlite3.DatabaseError as e:
                            self.assertIn("kohakuvault", str(e), q)
                            self.assertTrue("corrupt" in str(e) or "out of range" in str(e), (q, str(e)))
                            self.assertNotEqual(report, "ok", (q, str(e)))
                    conn.close()


if __name__ == "__main__":
    unittest.main()
