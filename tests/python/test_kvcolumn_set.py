"""Set-based column functions (SQL_INTERFACE.md §7): kvcolumn_slice,
kvcolumn_stats, kvcolumn_buckets and the 'write' command, differential
against the equivalent plain SQL over the same kvcolumn table (kv_pack_agg,
json_group_array, count/sum/min/max/avg, a GROUP BY for buckets) and against
a Python list model, for every numeric dtype and the variable-size ones, on
random Python-slice ranges, inside transactions with buffered writes, after
ROLLBACK TO and multi-row DELETE, and from a second connection."""
import math
import os
import random
import struct
import tempfile
import unittest

import kvtest

NUMERIC = {  # dtype -> (struct code, low, high)
    "i8": ("b", -128, 127), "i16": ("h", -2**15, 2**15 - 1), "i32": ("i", -2**31, 2**31 - 1),
    "i64": ("q", -2**63, 2**63 - 1), "u8": ("B", 0, 255), "u16": ("H", 0, 2**16 - 1),
    "u32": ("I", 0, 2**32 - 1), "u64": ("Q", 0, 2**63 - 1), "f32": ("f", None, None), "f64": ("d", None, None),
}
SMALL_CHUNKS = "max_chunk_bytes=256, min_chunk_bytes=64"


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def random_values(r, dtype, n):
    code, lo, hi = NUMERIC[dtype]
    out = []
    for _ in range(n):
        if lo is None:
            k = r.random()
            if k < 0.05:
                v = float("nan")
            elif k < 0.08:
                v = r.choice([float("inf"), float("-inf"), -0.0, 0.0])
            else:
                v = r.uniform(-1e6, 1e6)
            out.append(f32(v) if dtype == "f32" else v)
        else:
            # keep sums inside int64 for i64 (overflow has its own test)
            if dtype == "i64":
                out.append(r.randint(-2**50, 2**50))
            elif dtype == "u64":
                out.append(r.randint(0, 2**50))
            else:
                out.append(r.choice([lo, hi, 0, r.randint(lo, hi), r.randint(lo, hi)]))
    return out


def pack(dtype, values):
    return struct.pack("<%d%s" % (len(values), NUMERIC[dtype][0]), *values)


def py_range(length, start, stop):
    return range(length)[slice(start, stop)] if True else None


def is_nan(v):
    """NaN, or None: a NaN element reads as NULL."""
    return v is None or (isinstance(v, float) and math.isnan(v))


def model_stats(values):
    """count, sum (float: exact), min, max (first of equals), argmin, argmax,
    mean, stddev over values; NaN skipped."""
    items = [(i, v) for i, v in enumerate(values) if not is_nan(v)]
    if not items:
        return None
    vals = [v for _, v in items]
    mn = min(items, key=lambda t: (t[1], t[0]))
    mx = max(items, key=lambda t: (t[1], -t[0]))
    if any(isinstance(v, float) for v in vals):
        if any(math.isinf(v) for v in vals):
            s = sum(vals)
        else:
            s = math.fsum(vals)
    else:
        s = sum(vals)
    mean = s / len(vals)
    if any(isinstance(v, float) and math.isinf(v) for v in vals):
        sd = None
    else:
        m = math.fsum(vals) / len(vals) if isinstance(vals[0], float) else sum(vals) / len(vals)
        sd = math.sqrt(math.fsum((v - m) ** 2 for v in vals) / len(vals))
    return dict(count=len(vals), sum=s, min=mn[1], max=mx[1], argmin=mn[0], argmax=mx[0], mean=mean, stddev=sd)


class SetFunctionsBase(unittest.TestCase):
    def assert_close(self, a, b, what, rel=1e-9):
        if a is None or b is None or (isinstance(b, float) and math.isnan(b)):
            self.assertTrue(a is None and (b is None or math.isnan(b)), "%s: %r vs %r" % (what, a, b))
            return
        if isinstance(a, int) and isinstance(b, int):
            self.assertEqual(a, b, what)
            return
        if math.isinf(b) or math.isinf(a):
            self.assertEqual(a, b, what)
            return
        self.assertTrue(math.isclose(a, b, rel_tol=rel, abs_tol=1e-6), "%s: %r vs %r" % (what, a, b))

    def check_all(self, conn, table, dtype, length, r, rounds=12):
        """Every function vs plain SQL over the same table and vs the values."""
        values = [row[0] for row in conn.execute("SELECT value FROM %s ORDER BY idx" % table)]
        self.assertEqual(len(values), length)
        starts = [None, 0, 1, -1, -length - 5, length, length + 7, 2**62, -2**63]
        for k in range(rounds):
            start = r.choice(starts + [r.randint(-length - 3, length + 3)] * 4)
            stop = r.choice(starts + [r.randint(-length - 3, length + 3)] * 4)
            rng = py_range(length, start, stop)
            lo, hi = (rng.start, rng.stop) if len(rng) else (0, 0)
            what = "%s %s [%r:%r]" % (table, dtype, start, stop)
            # slice
            got = conn.execute("SELECT kvcolumn_slice(?, ?, ?)", (table, start, stop)).fetchone()[0]
            if stop is None:
                got2 = conn.execute("SELECT kvcolumn_slice(?, ?)", (table, start)).fetchone()[0]
                self.assertEqual(got, got2, what)
            raw = conn.execute("SELECT coalesce(group_concat(hex(raw), ''), '') FROM (SELECT raw FROM %s WHERE "
                               "idx >= ? AND idx < ? ORDER BY idx)" % table, (lo, hi)).fetchone()[0]
            self.assertEqual(got.hex().upper(), raw, what)
            if not any(is_nan(v) for v in values[lo:hi]):  # kv_pack takes no NULL for numbers
                want = conn.execute("SELECT kv_pack_agg(?, value) FROM (SELECT value FROM %s WHERE idx >= ? AND "
                                    "idx < ? ORDER BY idx)" % table, (dtype, lo, hi)).fetchone()[0]
                self.assertEqual(got, want if want is not None else b"", what)
            if dtype not in NUMERIC:
                continue
            sub = values[lo:hi]
            # stats vs SQL aggregates
            row = conn.execute("SELECT count, sum, min, max, mean, stddev FROM kvcolumn_stats(?, ?, ?)",
                               (table, start, stop)).fetchone()
            sql = conn.execute("SELECT count(value), sum(value), min(value), max(value), avg(value) FROM %s "
                               "WHERE idx >= ? AND idx < ?" % table, (lo, hi)).fetchone()
            self.assertEqual(row[0], sql[0], what + " count")
            self.assert_close(row[1], sql[1], what + " sum")
            self.assertEqual(row[2], sql[2], what + " min")
            self.assertEqual(row[3], sql[3], what + " max")
            self.assert_close(row[4], sql[4], what + " mean")
            m = model_stats(sub)
            if m is None:
                self.assertEqual(row, (0, None, None, None, None, None), what)
            else:
                self.assert_close(row[5], m["stddev"], what + " stddev", rel=1e-7)
                self.assertEqual(math.copysign(1, row[2]), math.copysign(1, m["min"]), what + " sign of min")
                self.assertEqual(math.copysign(1, row[3]), math.copysign(1, m["max"]), what + " sign of max")
            # buckets vs GROUP BY + model
            n = r.choice([1, 2, 3, 7, 64, max(1, hi - lo), hi - lo + 5, 10**12])
            got = conn.execute("SELECT * FROM kvcolumn_buckets(?, ?, ?, ?)", (table, n, start, stop)).fetchall()
            span = hi - lo
            want = conn.execute(
                "SELECT ((idx - :lo + 1) * :n - 1) / :span AS b, min(idx), max(idx) + 1, count(value), sum(value), "
                "min(value), max(value), avg(value) FROM %s WHERE idx >= :lo AND idx < :hi GROUP BY b ORDER BY b"
                % table, dict(lo=lo, hi=hi, n=n, span=max(span, 1))).fetchall() if n < 2**40 else None
            if want is not None:
                self.assertEqual(len(got), len(want), what + " bucket rows (n=%d)" % n)
            self.assertEqual(len(got), min(n, span), what + " non-empty buckets (n=%d)" % n)
            pos = lo
            for k2, g in enumerate(got):
                b, bs, be = g[0], g[1], g[2]
                self.assertEqual(bs, lo + (b * span) // n, what)
                self.assertEqual(be, lo + ((b + 1) * span) // n, what)
                self.assertEqual(bs, pos, what + " buckets tile the range")
                pos = be
                if want is not None:
                    w = want[k2]
                    self.assertEqual((b, bs, be, g[3]), w[:4], what + " bucket %d" % b)
                    self.assert_close(g[4], w[4], what + " bucket sum")
                    self.assertEqual((g[5], g[6]), (w[5], w[6]), what + " bucket min/max")
                    self.assert_close(g[7], w[7], what + " bucket mean")
                bm = model_stats(values[bs:be])
                first, last = values[bs], values[be - 1]
                self.assertEqual(g[8], None if is_nan(first) else first, what + " first")
                self.assertEqual(g[9], None if is_nan(last) else last, what + " last")
                if bm is None:
                    self.assertEqual((g[10], g[11]), (None, None))
                else:
                    self.assertEqual((g[10], g[11]), (bs + bm["argmin"], bs + bm["argmax"]), what + " argmin/argmax")
            self.assertEqual(pos, hi if got else pos, what)


class TestNumeric(SetFunctionsBase):
    def test_every_numeric_dtype_matches_plain_sql(self):
        r = random.Random(13)
        conn = kvtest.connect()
        for dtype in NUMERIC:
            for opts, n in (("", 300), (SMALL_CHUNKS, 257), ("", 1), ("", 0)):
                table = "t_%s_%d" % (dtype, len(opts))
                conn.execute("DROP TABLE IF EXISTS %s" % table)
                conn.execute("CREATE VIRTUAL TABLE %s USING kvcolumn(%s%s)" % (table, dtype, ", " + opts if opts else ""))
                vals = random_values(r, dtype, n)
                conn.execute("INSERT INTO %s(%s, value) VALUES ('append', ?)" % (table, table), (pack(dtype, vals),))
                conn.commit()
                self.check_all(conn, table, dtype, n, r)

    def test_transactions_savepoints_deletes_and_other_connections(self):
        r = random.Random(7)
        with kvtest.temp_db("db.sqlite") as path:
            a = kvtest.connect(path, isolation_level=None)
            b = kvtest.connect(path, isolation_level=None)
            for dtype in ("f64", "i32", "u16"):
                t = "x_" + dtype
                a.execute("CREATE VIRTUAL TABLE %s USING kvcolumn(%s, %s)" % (t, dtype, SMALL_CHUNKS))
                vals = random_values(r, dtype, 400)
                a.execute("INSERT INTO %s(%s, value) VALUES ('append', ?)" % (t, t), (pack(dtype, vals),))
                committed = a.execute("SELECT kvcolumn_slice(?, 0)", (t,)).fetchone()[0]
                a.execute("BEGIN")
                a.execute("UPDATE %s SET value = ? WHERE idx %% 37 = 3" % t, (12,))
                a.execute("INSERT INTO %s(value) VALUES (?), (?)" % t, (3, 4))
                self.check_all(a, t, dtype, 402, r, rounds=6)
                # the second connection sees only committed data
                self.assertEqual(b.execute("SELECT kvcolumn_slice(?, 0)", (t,)).fetchone()[0], committed)
                self.assertEqual(b.execute("SELECT count FROM kvcolumn_stats(?)", (t,)).fetchone()[0],
                                 b.execute("SELECT count(value) FROM %s" % t).fetchone()[0])
                a.execute("SAVEPOINT s1")
                a.execute("DELETE FROM %s WHERE idx %% 5 = 1" % t)  # multi-row delete, renumbered lazily
                a.execute("INSERT INTO %s(%s, idx, value) VALUES ('write', 10, ?)" % (t, t),
                          (pack(dtype, random_values(r, dtype, 50)),))
                length = a.execute("SELECT count(*) FROM %s" % t).fetchone()[0]
                self.check_all(a, t, dtype, length, r, rounds=6)
                a.execute("ROLLBACK TO s1")
                self.check_all(a, t, dtype, 402, r, rounds=6)
                a.execute("DELETE FROM %s WHERE idx > 300 AND idx < 350" % t)
                self.check_all(a, t, dtype, 353, r, rounds=4)  # pending deletes settle before the scan
                a.execute("COMMIT")
                # b sees the commit (data-version check) through the functions
                self.check_all(b, t, dtype, 353, r, rounds=6)
                self.assertEqual(b.execute("SELECT kvcolumn_slice(?, 0)", (t,)).fetchone()[0],
                                 a.execute("SELECT kvcolumn_slice(?, 0)", (t,)).fetchone()[0])
            a.close()
            b.close()


class TestVariableAndFixedNonNumeric(SetFunctionsBase):
    def test_slice_of_str_bytes_msgpack(self):
        r = random.Random(5)
        conn = kvtest.connect()
        cases = {
            "'str:8:utf8'": [kvtest.random_text(r, 20)[:2] for _ in range(120)],
            "'bytes:4'": [bytes(r.randrange(256) for _ in range(r.randint(0, 4))) for _ in range(120)],
            "str": [kvtest.random_text(r, 30) for _ in range(150)],
            "msgpack": [r.choice(['{"a": 1}', "[1, 2.5]", "null", '"x"', "7"]) for _ in range(150)],
        }
        for k, (dtype, vals) in enumerate(cases.items()):
            t = "v%d" % k
            conn.execute("CREATE VIRTUAL TABLE %s USING kvcolumn(%s)" % (t, dtype))
            conn.executemany("INSERT INTO %s(value) VALUES (?)" % t, [(v,) for v in vals])
            plain = dtype.strip("'")
            for _ in range(25):
                start, stop = r.randint(-200, 200), r.choice([None, r.randint(-200, 200)])
                rng = py_range(len(vals), start, stop)
                lo, hi = (rng.start, rng.stop) if len(rng) else (0, 0)
                got = conn.execute("SELECT kvcolumn_slice(?, ?, ?)", (t, start, stop)).fetchone()[0]
                if plain == "str":
                    want = conn.execute("SELECT json_group_array(value) FROM (SELECT value FROM %s WHERE idx >= ? "
                                        "AND idx < ? ORDER BY idx)" % t, (lo, hi)).fetchone()[0]
                    self.assertEqual(got, want, (dtype, start, stop))
                elif plain == "msgpack":
                    want = conn.execute("SELECT coalesce(kv_unpack_many('msgpack', kv_pack_agg('msgpack', value)), '[]') "
                                        "FROM (SELECT value FROM %s WHERE idx >= ? AND idx < ? ORDER BY idx)" % t,
                                        (lo, hi)).fetchone()[0]
                    self.assertEqual(got, want, (dtype, start, stop))
                else:
                    want = conn.execute("SELECT kv_pack_agg(?, value) FROM (SELECT value FROM %s WHERE idx >= ? AND "
                                        "idx < ? ORDER BY idx)" % t, (plain, lo, hi)).fetchone()[0]
                    self.assertEqual(got, want if want is not None else b"", (dtype, start, stop))
            self.assertIn("numeric dtype", kvtest.error_of(conn, "SELECT * FROM kvcolumn_stats(?)", (t,)))
            self.assertIn("numeric dtype", kvtest.error_of(conn, "SELECT * FROM kvcolumn_buckets(?, 3)", (t,)))


class TestEdgeValues(SetFunctionsBase):
    def setUp(self):
        self.conn = kvtest.connect()

    def column(self, name, dtype, values):
        self.conn.execute("CREATE VIRTUAL TABLE %s USING kvcolumn(%s)" % (name, dtype))
        self.conn.execute("INSERT INTO %s(%s, value) VALUES ('append', ?)" % (name, name), (pack(dtype, values),))

    def stats(self, name, *args):
        q = "SELECT count, sum, min, max, mean, stddev FROM kvcolumn_stats(?%s)" % (", ?" * len(args))
        return self.conn.execute(q, (name,) + args).fetchone()

    def test_nan_inf_and_signed_zero(self):
        nan, inf = float("nan"), float("inf")
        self.column("f", "f64", [nan, 0.0, -0.0, 1.5, nan, -inf, inf, -0.0])
        c, s, mn, mx, mean, sd = self.stats("f")
        self.assertEqual(c, 6)
        self.assertIsNone(s)  # inf + -inf: NaN reads as NULL, as sum() gives
        self.assertEqual((mn, mx), (-inf, inf))
        self.assertEqual(self.conn.execute("SELECT sum(value) FROM f").fetchone()[0], None)
        # -0.0 and 0.0 compare equal: the first one met wins, with its sign
        self.assertEqual(math.copysign(1, self.stats("f", 1, 3)[2]), 1.0)
        self.assertEqual(math.copysign(1, self.stats("f", 2, 4)[2]), -1.0)
        self.assertEqual(self.conn.execute("SELECT argmin, argmax FROM kvcolumn_buckets('f', 1, 1, 4)").fetchone(),
                         (1, 3))
        self.assertEqual(self.stats("f", 0, 1), (0, None, None, None, None, None))  # only NaN
        b = self.conn.execute("SELECT count, sum, min, first, argmin FROM kvcolumn_buckets('f', 8)").fetchall()
        self.assertEqual(b[0], (0, None, None, None, None))
        self.assertEqual(self.stats("f", 6, 7), (1, inf, inf, inf, inf, None))

    def test_integer_extremes_and_overflow(self):
        self.column("i", "i64", [2**63 - 1, 1, -5])
        err = kvtest.error_of(self.conn, "SELECT * FROM kvcolumn_stats('i')")
        self.assertIn("integer overflow", err)
        self.assertIn("integer overflow", kvtest.error_of(self.conn, "SELECT sum(value) FROM i"))
        self.assertEqual(self.stats("i", 1), (2, -4, -5, 1, -2.0, 3.0))
        self.assertEqual(self.stats("i", 0, 1)[:4], (1, 2**63 - 1, 2**63 - 1, 2**63 - 1))
        # the running sum decides, as sum() does: MAX then -1 then +1 never leaves int64
        self.column("j", "i64", [2**63 - 1, -1, 1, -2**63, -2**63 + 1])
        self.assertEqual(self.stats("j", 0, 3)[1], 2**63 - 1)
        self.assertEqual(self.stats("j", 0, 4)[1], -1)
        self.assertIn("integer overflow", kvtest.error_of(self.conn, "SELECT * FROM kvcolumn_stats('j', 3)"))
        self.assertIn("integer overflow", kvtest.error_of(self.conn, "SELECT sum(value) FROM j WHERE idx >= 3"))
        self.assertIn("integer overflow", kvtest.error_of(self.conn, "SELECT * FROM kvcolumn_buckets('j', 1, 3)"))
        # a large block of i32 extremes stays exact
        self.column("k", "i32", [2**31 - 1] * 5000 + [-2**31] * 3000)
        self.assertEqual(self.stats("k")[1], (2**31 - 1) * 5000 - 2**31 * 3000)
        # u64 above 2^63-1 reads as TEXT; sum() turns REAL from there
        self.column("u", "u64", [5, 2**64 - 1, 7])
        c, s, mn, mx, mean, sd = self.stats("u")
        self.assertEqual((c, mn, mx), (3, 5, "18446744073709551615"))
        self.assertIsInstance(s, float)
        self.assert_close(s, self.conn.execute("SELECT sum(value) FROM u").fetchone()[0], "u64 sum")
        self.assertEqual(self.conn.execute("SELECT kvcolumn_slice('u', 1, 2) = kv_pack('u64', value) FROM u "
                                           "WHERE idx = 1").fetchone()[0], 1)

    def test_empty_ranges_one_element_and_many_buckets(self):
        self.column("e", "i16", [])
        self.assertEqual(self.stats("e"), (0, None, None, None, None, None))
        self.assertEqual(self.conn.execute("SELECT kvcolumn_slice('e', 0)").fetchone()[0], b"")
        self.assertEqual(self.conn.execute("SELECT * FROM kvcolumn_buckets('e', 5)").fetchall(), [])
        self.column("o", "u8", [200])
        self.assertEqual(self.stats("o"), (1, 200, 200, 200, 200.0, 0.0))
        self.assertEqual(self.conn.execute("SELECT * FROM kvcolumn_buckets('o', 1000)").fetchall(),
                         [(999, 0, 1, 1, 200, 200, 200, 200.0, 200, 200, 0, 0)])
        self.column("m", "i8", list(range(10)))
        self.assertEqual(self.stats("m", 5, 5), (0, None, None, None, None, None))
        self.assertEqual(self.stats("m", 7, 3)[0], 0)
        self.assertEqual(self.conn.execute("SELECT * FROM kvcolumn_buckets('m', 3, 5, 5)").fetchall(), [])
        rows = self.conn.execute("SELECT bucket, start, stop FROM kvcolumn_buckets('m', 9223372036854775807)").fetchall()
        self.assertEqual([(s, e) for _, s, e in rows], [(i, i + 1) for i in range(10)])

    def test_errors_name_what_is_wrong(self):
        self.column("t", "f64", [1.0, 2.0])
        self.conn.execute("CREATE TABLE plain(x)")
        cases = [
            ("SELECT kvcolumn_slice('nope', 0)", "no such kvcolumn table: 'nope'"),
            ("SELECT kvcolumn_slice('plain', 0)", "'plain' is not a kvcolumn table"),
            ("SELECT kvcolumn_slice(5, 0)", "table argument must be TEXT"),
            ("SELECT kvcolumn_slice('t', 'a')", "start must be an INTEGER"),
            ("SELECT kvcolumn_slice('t', 0, x'00')", "stop must be an INTEGER"),
            ("SELECT kvcolumn_slice('t', 0.5)", "start must be an INTEGER"),
            ("SELECT * FROM kvcolumn_stats('t', 'a')", "start must be an INTEGER"),
            ("SELECT * FROM kvcolumn_stats('nope')", "kvcolumn_stats: no such kvcolumn table: 'nope'"),
            ("SELECT * FROM kvcolumn_buckets('t', 0)", "n must be an INTEGER >= 1"),
            ("SELECT * FROM kvcolumn_buckets('t', -3)", "n must be an INTEGER >= 1"),
            ("SELECT * FROM kvcolumn_buckets('t', 'x')", "n must be an INTEGER"),
            ("SELECT * FROM kvcolumn_buckets('t', NULL)", "n must be an INTEGER >= 1"),
            ("SELECT * FROM kvcolumn_buckets('t')", "needs its table and n arguments"),
            ("SELECT * FROM kvcolumn_stats", "needs its table argument"),
        ]
        for sql, want in cases:
            err = kvtest.error_of(self.conn, sql)
            self.assertIsNotNone(err, sql)
            self.assertTrue(err.startswith("kohakuvault:"), err)
            self.assertIn(want, err, sql)
        # 1.0 is an integral REAL: accepted like an INTEGER, NULL is omitted
        self.assertEqual(self.conn.execute("SELECT kvcolumn_slice('t', 1.0, NULL)").fetchone()[0], struct.pack("<d", 2.0))

    def test_attached_and_temp_lookup(self):
        with tempfile.TemporaryDirectory() as d:
            self.conn.execute("ATTACH ? AS aux", (os.path.join(d, "aux.db"),))
            self.conn.execute("CREATE VIRTUAL TABLE aux.a USING kvcolumn(i32)")
            self.conn.execute("INSERT INTO aux.a(value) VALUES (1), (2), (3)")
            self.assertEqual(self.stats("a")[1], 6)  # found in attach order
            self.assertEqual(self.stats("aux.a")[1], 6)
            self.assertEqual(self.stats("AUX.A")[1], 6)
            self.conn.execute("CREATE VIRTUAL TABLE main.a USING kvcolumn(i32)")
            self.conn.execute("INSERT INTO main.a(value) VALUES (10)")
            self.assertEqual(self.stats("a")[1], 10)  # main before attached, as SQLite resolves
            self.assertEqual(self.stats("main.a")[1], 10)
            self.conn.execute("CREATE VIRTUAL TABLE temp.a USING kvcolumn(i32)")
            self.conn.execute("INSERT INTO temp.a(value) VALUES (100)")
            self.assertEqual(self.stats("a")[1], 100)  # temp first
            self.assertEqual(self.conn.execute("SELECT sum(value) FROM a").fetchone()[0], 100)
            self.conn.commit()
            self.conn.execute("ALTER TABLE main.a RENAME TO b")
            self.assertEqual(self.stats("b")[1], 10)
            self.conn.commit()


class TestSchemaChanges(SetFunctionsBase):
    def test_buffered_writes_survive_a_schema_reparse_and_drops_are_seen(self):
        conn = kvtest.connect(isolation_level=None)
        conn.execute("CREATE VIRTUAL TABLE t USING kvcolumn(i32)")
        conn.execute("INSERT INTO t(value) VALUES (1), (2)")
        conn.execute("BEGIN")
        conn.execute("INSERT INTO t(value) VALUES (40)")
        conn.execute("CREATE TABLE other(x)")  # the schema is reparsed: t is connected again
        conn.execute("INSERT INTO t(value) VALUES (500)")
        self.assertEqual(conn.execute("SELECT count, sum FROM kvcolumn_stats('t')").fetchone(), (4, 543))
        self.assertEqual(conn.execute("SELECT count(*), sum(value) FROM t").fetchone(), (4, 543))
        conn.execute("ROLLBACK")
        self.assertEqual(conn.execute("SELECT count, sum FROM kvcolumn_stats('t')").fetchone(), (2, 3))
        conn.execute("BEGIN")
        conn.execute("DROP TABLE t")
        self.assertIn("no such kvcolumn table: 't'", kvtest.error_of(conn, "SELECT * FROM kvcolumn_stats('t')"))
        conn.execute("CREATE VIRTUAL TABLE t USING kvcolumn(f64)")
        conn.execute("INSERT INTO t(value) VALUES (0.5)")
        self.assertEqual(conn.execute("SELECT count, sum FROM kvcolumn_stats('t')").fetchone(), (1, 0.5))
        conn.execute("ROLLBACK")
        self.assertEqual(conn.execute("SELECT count, sum FROM kvcolumn_stats('t')").fetchone(), (2, 3))


class TestWrite(SetFunctionsBase):
    def test_write_matches_a_list_model(self):
        r = random.Random(11)
        conn = kvtest.connect(isolation_level=None)
        for dtype in ("f64", "i16", "u32"):
            t = "w_" + dtype
            conn.execute("CREATE VIRTUAL TABLE %s USING kvcolumn(%s, %s)" % (t, dtype, SMALL_CHUNKS))
            model = random_values(r, dtype, 500)
            model = [0.5 if is_nan(v) else v for v in model]
            conn.execute("INSERT INTO %s(%s, value) VALUES ('append', ?)" % (t, t), (pack(dtype, model),))
            conn.execute("BEGIN")
            for k in range(60):
                start = r.randint(0, len(model))
                n = r.randint(0, len(model) - start)
                vals = [0.25 if is_nan(v) else v for v in random_values(r, dtype, n)]
                if k % 10 == 0:
                    conn.execute("SAVEPOINT sp")
                    saved = list(model)
                conn.execute("INSERT INTO %s(%s, idx, value) VALUES ('write', ?, ?)" % (t, t), (start, pack(dtype, vals)))
                model[start:start + n] = vals
                if k % 10 == 5:
                    conn.execute("ROLLBACK TO sp")
                    model = saved
                if k % 7 == 0:
                    self.assertEqual([v for (v,) in conn.execute("SELECT value FROM %s" % t)], model)
            conn.execute("COMMIT")
            self.assertEqual(conn.execute("SELECT kvcolumn_slice(?, 0)", (t,)).fetchone()[0], pack(dtype, model))
            fresh = kvtest.connect()
            fresh.close()
            conn.execute("BEGIN")
            conn.execute("INSERT INTO %s(%s, idx, value) VALUES ('write', 0, ?)" % (t, t), (pack(dtype, [1] * 10),))
            conn.execute("ROLLBACK")
            self.assertEqual(conn.execute("SELECT kvcolumn_slice(?, 0)", (t,)).fetchone()[0], pack(dtype, model))

    def test_write_is_committed_for_other_connections(self):
        with kvtest.temp_db("w.db") as path:
            a = kvtest.connect(path, isolation_level=None)
            b = kvtest.connect(path, isolation_level=None)
            a.execute("CREATE VIRTUAL TABLE t USING kvcolumn(i32, %s)" % SMALL_CHUNKS)
            a.execute("INSERT INTO t(t, value) VALUES ('append', ?)", (pack("i32", list(range(1000))),))
            self.assertEqual(b.execute("SELECT sum FROM kvcolumn_stats('t')").fetchone()[0], sum(range(1000)))
            a.execute("BEGIN")
            a.execute("INSERT INTO t(t, idx, value) VALUES ('write', 100, ?)", (pack("i32", [0] * 500),))
            self.assertEqual(a.execute("SELECT sum FROM kvcolumn_stats('t')").fetchone()[0],
                             sum(range(1000)) - sum(range(100, 600)))
            self.assertEqual(b.execute("SELECT sum FROM kvcolumn_stats('t')").fetchone()[0], sum(range(1000)))
            a.execute("COMMIT")
            self.assertEqual(b.execute("SELECT sum FROM kvcolumn_stats('t')").fetchone()[0],
                             sum(range(1000)) - sum(range(100, 600)))
            self.assertEqual(b.execute("SELECT kvcolumn_check('t')").fetchone()[0], "ok")
            a.close()
            b.close()

    def test_bad_writes_write_nothing(self):
        conn = kvtest.connect()
        conn.execute("CREATE VIRTUAL TABLE t USING kvcolumn(f64)")
        conn.execute("INSERT INTO t(t, value) VALUES ('append', ?)", (pack("f64", [1.0, 2.0, 3.0]),))
        conn.execute("CREATE VIRTUAL TABLE s USING kvcolumn('str:4:utf8')")
        conn.execute("INSERT INTO s(value) VALUES ('ab'), ('cd')")
        conn.execute("CREATE VIRTUAL TABLE v USING kvcolumn(str)")
        conn.execute("INSERT INTO v(value) VALUES ('x')")
        conn.commit()
        before = conn.execute("SELECT kvcolumn_slice('t', 0)").fetchone()[0]
        cases = [
            ("INSERT INTO t(t, idx, value) VALUES ('write', 2, ?)", (pack("f64", [9.0, 9.0]),), "not all inside"),
            ("INSERT INTO t(t, idx, value) VALUES ('write', -1, ?)", (pack("f64", [9.0]),), "negative"),
            ("INSERT INTO t(t, idx, value) VALUES ('write', 0, ?)", (b"\x00" * 9,), "whole number of 8-byte"),
            ("INSERT INTO t(t, idx, value) VALUES ('write', 0, ?)", ("text",), "must be a BLOB"),
            ("INSERT INTO t(t, idx, value) VALUES ('write', 'a', ?)", (pack("f64", [9.0]),), "must be an INTEGER"),
            ("INSERT INTO t(t, idx, value) VALUES ('write', NULL, ?)", (pack("f64", [9.0]),), "must be an INTEGER"),
            ("INSERT INTO s(s, idx, value) VALUES ('write', 0, ?)", (b"zz\x00\x00\xff\xfe\x00\x00",), "'write' element 1"),
            ("INSERT INTO v(v, idx, value) VALUES ('write', 0, ?)", (b"x",), "fixed-size dtypes"),
        ]
        for sql, args, want in cases:
            err = kvtest.error_of(conn, sql, args)
            self.assertIsNotNone(err, sql)
            self.assertIn(want, err, sql)
        self.assertEqual(conn.execute("SELECT kvcolumn_slice('t', 0)").fetchone()[0], before)
        self.assertEqual(conn.execute("SELECT kvcolumn_slice('s', 0)").fetchone()[0], b"ab\x00\x00cd\x00\x00")
        # a statement whose second 'write' fails undoes its first (statement rollback), in and out of BEGIN
        for begin in (False, True):
            if begin:
                conn.execute("BEGIN")
            err = kvtest.error_of(conn, "INSERT INTO t(t, idx, value) VALUES ('write', 0, ?), ('write', 2, ?)",
                                  (pack("f64", [5.0]), pack("f64", [6.0, 6.0])))
            self.assertIn("not all inside", err)
            self.assertEqual(conn.execute("SELECT kvcolumn_slice('t', 0)").fetchone()[0], before)
            conn.commit()
        conn.execute("INSERT INTO t(t, idx, value) VALUES ('write', 3, x'')")  # empty at the end: a no-op
        conn.execute("INSERT INTO t(t, idx, value) VALUES ('write', 1, ?)", (pack("f64", [7.0, 8.0]),))
        self.assertEqual([v for (v,) in conn.execute("SELECT value FROM t")], [1.0, 7.0, 8.0])


if __name__ == "__main__":
    unittest.main()
