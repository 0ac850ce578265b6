"""kvcolumn_knn (SQL_INTERFACE.md §8), differential against a float64 brute
force written here: every numeric element type x every metric, random k and
Python-slice ranges, batched queries (JSON arrays of vectors, raw and packed
BLOBs), buffered writes inside a transaction, after DELETE (renumbered idx),
from a second connection, a column larger than the chunk cache, every
kernel path this CPU runs (KOHAKUVAULT_KNN_KERNEL in a child process), and
every error message."""
import json
import math
import os
import random
import struct
import subprocess
import sys
import tempfile
import unittest

import kvtest

CODES = {"i8": "b", "i16": "h", "i32": "i", "i64": "q", "u8": "B", "u16": "H", "u32": "I", "u64": "Q",
         "f32": "f", "f64": "d"}
RANGES = {"i8": (-128, 127), "i16": (-2**15, 2**15 - 1), "i32": (-2**31, 2**31 - 1), "i64": (-2**63, 2**63 - 1),
          "u8": (0, 255), "u16": (0, 2**16 - 1), "u32": (0, 2**32 - 1), "u64": (0, 2**64 - 1)}
METRICS = ["l2", "cosine", "l1", "dot"]
SMALL_CHUNKS = "max_chunk_bytes=600, min_chunk_bytes=64"


def round_f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def random_vector(r, e, d):
    if e in RANGES:
        lo, hi = RANGES[e]
        if r.random() < 0.5:  # small values: many near-ties
            lo, hi = max(lo, -3), min(hi, 3)
        return [r.randint(lo, hi) for _ in range(d)]
    v = [r.uniform(-10, 10) for _ in range(d)]
    return [round_f32(x) for x in v] if e == "f32" else v


def distance(a, b, metric):
    """The float64 brute force: each element converted to double first."""
    a = [float(x) for x in a]
    b = [float(x) for x in b]
    if any(math.isnan(x) for x in a + b):
        return math.nan
    if metric == "l2":
        return math.sqrt(sum((x - y) ** 2 for x, y in zip(a, b)))
    if metric == "l1":
        return sum(abs(x - y) for x, y in zip(a, b))
    dot = sum(x * y for x, y in zip(a, b))
    if metric == "dot":
        return -dot
    na, nb = sum(x * x for x in a), sum(y * y for y in b)
    if na == 0 or nb == 0:
        return 1.0
    return 1.0 - dot / (math.sqrt(na) * math.sqrt(nb))


def brute_force(rows, query, k, metric, start, stop):
    """[(distance, idx)] of the k nearest rows[start:stop], NaN last, ties by idx."""
    lo, hi, _ = slice(start, stop).indices(len(rows))
    scored = [(distance(rows[i], query, metric), i) for i in range(lo, hi)]
    scored.sort(key=lambda t: (math.isnan(t[0]), 0 if math.isnan(t[0]) else t[0], t[1]))
    return scored[:k]


def tolerance(metric, rows, query, e=None):
    """A bound on the rounding difference between two summation orders. f32
    sums in f32 lanes (docs/vector_search.md: <= 12 * 2^-24 of the sum of
    |terms|), every other type in double."""
    m = max([abs(float(x)) for v in rows + [query] for x in v if not math.isnan(float(x))] + [1.0])
    d = max(1, len(query))
    rel = 1e-6 if e == "f32" else 1e-9
    return {"l2": rel * m * d, "l1": rel * m * d, "dot": rel * m * m * d, "cosine": rel}[metric]


class Knn(unittest.TestCase):
    def setUp(self):
        self.conn = kvtest.connect()

    def type_byte(self, e):
        return self.conn.execute("SELECT substr(kv_pack(?, '[0]'), 1, 1)", ("vec:%s:1" % e,)).fetchone()[0]

    def packed(self, e, d, vectors):
        tb = self.type_byte(e)
        return b"".join(tb + struct.pack("<%d%s" % (d, CODES[e]), *v) for v in vectors)

    def make(self, name, e, d, rows, conn=None, options=SMALL_CHUNKS):
        conn = conn or self.conn
        conn.execute("CREATE VIRTUAL TABLE %s USING kvcolumn('vec:%s:%d', %s)" % (name, e, d, options))
        if rows:
            conn.execute("INSERT INTO %s(%s, value) VALUES ('append', ?)" % (name, name), (self.packed(e, d, rows),))

    def knn(self, table, query, k, metric=None, start=None, stop=None, conn=None):
        conn = conn or self.conn
        return conn.execute("SELECT query, idx, distance FROM kvcolumn_knn(?, ?, ?, ?, ?, ?)",
                            (table, query, k, metric, start, stop)).fetchall()

    def check(self, got, rows, queries, k, metric, start, stop, what, e=None):
        """got (query, idx, distance) rows vs the brute force, up to ties within rounding."""
        by_query = {}
        for q, i, dist in got:
            by_query.setdefault(q, []).append((i, dist))
        self.assertEqual([q for q, _, _ in got], sorted(q for q, _, _ in got), what)
        for q, query in enumerate(queries):
            want = brute_force(rows, query, k, metric, start, stop)
            have = by_query.get(q, [])
            self.assertEqual(len(have), len(want), what)
            tol = tolerance(metric, rows, query, e)
            seen = set()
            for (i, dist), (wd, wi) in zip(have, want):
                self.assertNotIn(i, seen, what)
                seen.add(i)
                exact = distance(rows[i], query, metric)
                if math.isnan(wd):
                    self.assertIsNone(dist, what)
                    self.assertTrue(math.isnan(exact), what)
                    continue
                self.assertIsNotNone(dist, (what, i))
                self.assertLessEqual(abs(dist - exact), tol, (what, i))  # the reported distance is i's
                self.assertLessEqual(abs(dist - wd), tol, (what, i, wi))  # and the rank's distance
            ds = [d for _, d in have if d is not None]
            self.assertEqual(ds, sorted(ds), what)

    def test_differential_every_type_and_metric(self):
        r = random.Random(14)
        for e in CODES:
            # f32 / f64 also with D past the f32 kernel's 32-element step and
            # 128-element block (whole blocks, a short block and a tail)
            for d in (1, 3, 17) + ((40, 161) if e in ("f32", "f64") else ()):
                rows = [random_vector(r, e, d) for _ in range(r.randint(0, 120))]
                if rows and e in ("f32", "f64"):
                    rows[r.randrange(len(rows))] = [math.nan] * d
                if rows:
                    rows[r.randrange(len(rows))] = [0] * d  # a zero vector (cosine: distance 1)
                name = "t_%s_%d" % (e, d)
                elem = 1 + d * struct.calcsize(CODES[e])  # chunks of a few elements at every D
                self.make(name, e, d, rows, options="max_chunk_bytes=%d, min_chunk_bytes=64" % max(600, 5 * elem))
                for trial in range(6):
                    metric = r.choice(METRICS + [None])
                    k = r.choice([1, 2, 5, r.randint(1, 200)])
                    start = r.choice([None, 0, r.randint(-50, 50)])
                    stop = r.choice([None, r.randint(-50, 150)])
                    queries = [random_vector(r, e, d) for _ in range(r.choice([1, 1, 3, 6]))]
                    form = r.choice(["json", "raw", "packed"])
                    if form == "json":
                        arg = json.dumps(queries[0] if len(queries) == 1 and r.random() < 0.5 else queries)
                    elif form == "raw":
                        arg = b"".join(struct.pack("<%d%s" % (d, CODES[e]), *q) for q in queries)
                    else:
                        arg = self.packed(e, d, queries)
                    got = self.knn(name, arg, k, metric, start, stop)
                    self.check(got, rows, queries, k, metric or "l2", start, stop,
                               (e, d, metric, k, start, stop, form, trial), e)

    def test_buffered_writes_deletes_and_other_connection(self):
        r = random.Random(5)
        path = os.path.join(tempfile.mkdtemp(), "knn.db")
        a, b = kvtest.connect(path, isolation_level=None), kvtest.connect(path, isolation_level=None)
        self.conn = a
        d = 8
        rows = [random_vector(r, "f32", d) for _ in range(200)]
        self.make("e", "f32", d, rows, conn=a)
        queries = [random_vector(r, "f32", d) for _ in range(4)]
        qjson = json.dumps(queries)
        a.execute("BEGIN")
        more = [random_vector(r, "f32", d) for _ in range(50)]
        a.execute("INSERT INTO e(e, value) VALUES ('append', ?)", (self.packed("f32", d, more),))
        self.check(self.knn("e", qjson, 7, "l2", conn=a), rows + more, queries, 7, "l2", None, None, "buffered")
        # The other connection sees only the committed rows.
        self.check(self.knn("e", qjson, 7, "cosine", conn=b), rows, queries, 7, "cosine", None, None, "other")
        a.execute("COMMIT")
        rows += more
        a.execute("DELETE FROM e WHERE idx % 3 = 0")
        rows = [v for i, v in enumerate(rows) if i % 3 != 0]  # idx renumbered
        self.check(self.knn("e", qjson, 9, "l1", conn=a), rows, queries, 9, "l1", None, None, "after delete")
        self.check(self.knn("e", qjson, 9, "l1", 10, -10, conn=b), rows, queries, 9, "l1", 10, -10,
                   "after delete, other connection")
        a.close()
        b.close()

    def test_column_larger_than_chunk_cache(self):
        # ~80 MiB of u8 vectors in 1 MiB chunks: far rows, and near ones
        # planted at the start, middle and end. (A vec:E:D column's chunk LRU
        # holds 256 MiB, so this one is cached after the first read; the
        # streamed scan of a column larger than that is checked by
        # test_kvcolumn_set_memory's 320 MiB column.)
        path = os.path.join(tempfile.mkdtemp(), "big.db")
        conn = kvtest.connect(path, isolation_level=None)
        d, n = 1024, 80000
        conn.execute("CREATE VIRTUAL TABLE big USING kvcolumn('vec:u8:%d', max_chunk_bytes=1048576)" % d)
        tb = conn.execute("SELECT substr(kv_pack('vec:u8:1', '[0]'), 1, 1)").fetchone()[0]
        far = tb + b"\xff" * d
        planted = {5: 1, 40000: 2, 79999: 3, 60001: 4}  # idx -> the value of every element
        conn.execute("BEGIN")
        batch = []
        for i in range(n):
            batch.append(tb + bytes([planted[i]]) * d if i in planted else far)
            if len(batch) == 4096 or i == n - 1:
                conn.execute("INSERT INTO big(big, value) VALUES ('append', ?)", (b"".join(batch),))
                batch = []
        conn.execute("COMMIT")
        got = conn.execute("SELECT idx, distance FROM kvcolumn_knn('big', zeroblob(?), 5, 'l1')", (d,)).fetchall()
        self.assertEqual(got, [(5, 1024.0), (40000, 2048.0), (79999, 3072.0), (60001, 4096.0), (0, 255.0 * d)])
        conn.close()

    def test_every_kernel_path_in_a_child(self):
        # The kernel path is chosen once per process: each child forces one.
        child = r'''
import json, math, random, sys
sys.path.insert(0, %r)
import test_kvcolumn_knn as t, kvtest
path = sys.argv[1]
c = kvtest.connect()
line = [l for l in c.execute("SELECT kohakuvault_debug()").fetchone()[0].splitlines() if l.startswith("knn_kernel:")]
print(line[0].split(": ")[1])
case = t.Knn("test_differential_every_type_and_metric")
case.setUp()
case.test_differential_every_type_and_metric()
print("ok")
''' % os.path.dirname(os.path.abspath(__file__))
        flags = ""
        if os.path.exists("/proc/cpuinfo"):
            with open("/proc/cpuinfo") as f:
                flags = f.read()
        available = {"scalar": True, "baseline": True, "avx2": " avx2" in flags and " fma" in flags,
                     "avx512": all(" %s" % f in flags for f in ("avx512f", "avx512bw", "avx512dq", "avx512vl"))}
        for path, ok in available.items():
            if not ok:
                continue
            env = dict(os.environ, KOHAKUVAULT_KNN_KERNEL=path)
            out = subprocess.run([sys.executable, "-c", child, path], env=env, capture_output=True, text=True)
            self.assertEqual(out.returncode, 0, out.stderr[-3000:])
            self.assertEqual(out.stdout.split(), [path, "ok"], out.stderr[-3000:])

    def test_errors(self):
        c = self.conn
        self.make("e", "f32", 3, [[1, 2, 3]])
        c.execute("CREATE VIRTUAL TABLE plain USING kvcolumn(f32)")
        c.execute("CREATE VIRTUAL TABLE shaped USING kvcolumn('vec:f32:2:2')")
        c.execute("CREATE TABLE other(x)")
        cases = [
            ("SELECT * FROM kvcolumn_knn('e', '[1,2]', 1)",
             "kvcolumn_knn: the query has shape [2]: expected 3 numbers (kvcolumn 'e' is vec:f32:3) or a non-empty "
             "array of query vectors of 3 numbers each"),
            ("SELECT * FROM kvcolumn_knn('e', '[[1,2,3],[1,2]]', 1)", "rectangular"),
            ("SELECT * FROM kvcolumn_knn('e', '[]', 1)", "the query has shape [0]"),
            ("SELECT * FROM kvcolumn_knn('e', x'0102', 1)",
             "kvcolumn_knn: a BLOB query of 2 bytes is not a whole number of vec:f32:3 vectors: expected a multiple "
             "of 12 bytes (raw f32 elements) or of 13 bytes (kv_pack('vec:f32:3', ...))"),
            ("SELECT * FROM kvcolumn_knn('e', kv_pack('vec:f64:3', '[1,2,3]'), 1)", "a BLOB query of 25 bytes"),
            ("SELECT * FROM kvcolumn_knn('e', x'02000000000000000000000000', 1)",
             "packed query vector 0 has element type byte 0x02 (f64): expected 0x01 (f32)"),
            ("SELECT * FROM kvcolumn_knn('e', 5, 1)", "the query must be a JSON array of 3 numbers, a JSON array of "
             "such arrays, or a BLOB of whole vectors (vec:f32:3), got INTEGER"),
            ("SELECT * FROM kvcolumn_knn('e', '[1,2,3]', 0)",
             "kvcolumn_knn: k must be an INTEGER >= 1 (the number of neighbours per query), got 0"),
            ("SELECT * FROM kvcolumn_knn('e', '[1,2,3]', 'x')", "k must be an INTEGER >= 1 (the number of neighbours "
             "per query), got TEXT 'x'"),
            ("SELECT * FROM kvcolumn_knn('e', '[1,2,3]', 1, 'hamming')",
             "kvcolumn_knn: metric must be 'l2', 'cosine', 'l1' or 'dot' (NULL = 'l2'), got TEXT 'hamming'"),
            ("SELECT * FROM kvcolumn_knn('e', '[1,2,3]', 1, 'l2', 'a')", "kvcolumn_knn: start must be an INTEGER"),
            ("SELECT * FROM kvcolumn_knn('plain', '[1]', 1)",
             "kvcolumn_knn: kvcolumn 'plain' has dtype 'f32': expected a one-dimensional fixed-shape vector dtype "
             "vec:E:D (e.g. vec:f32:768)"),
            ("SELECT * FROM kvcolumn_knn('shaped', '[1,2,3,4]', 1)", "has dtype 'vec:f32:2:2': expected a one-dimensional"),
            ("SELECT * FROM kvcolumn_knn('nope', '[1]', 1)", "kvcolumn_knn: no such kvcolumn table: 'nope'"),
            ("SELECT * FROM kvcolumn_knn('other', '[1]', 1)", "kvcolumn_knn: 'other' is not a kvcolumn table"),
            ("SELECT * FROM kvcolumn_knn('e', '[1,2,3]')", "kvcolumn_knn needs its table, query and k arguments"),
        ]
        for sql, want in cases:
            err = kvtest.error_of(c, sql)
            self.assertIsNotNone(err, sql)
            self.assertIn(want, err, sql)
            self.assertTrue(err.startswith("kohakuvault: "), err)
        self.make("b", "i8", 2, [[1, 2]])
        err = kvtest.error_of(c, "SELECT * FROM kvcolumn_knn('b', '[1, 300]', 1)")
        self.assertIn("kvcolumn_knn: query for kvcolumn 'b' (vec:i8:2): ", err)
        self.assertIn("300", err)

    def test_k_larger_than_range_and_ordering_free(self):
        self.make("e", "i16", 2, [[i, 0] for i in range(10)])
        got = self.conn.execute("SELECT idx FROM kvcolumn_knn('e', '[[0,0],[9,0]]', 100, 'l1', 2, 5)").fetchall()
        self.assertEqual(got, [(2,), (3,), (4,), (4,), (3,), (2,)])
        plan = " ".join(str(x) for x in self.conn.execute(
            "EXPLAIN QUERY PLAN SELECT * FROM kvcolumn_knn('e', '[0,0]', 3) ORDER BY query, distance, idx"))
        self.assertNotIn("ORDER BY", plan)
        got = self.conn.execute("SELECT idx, query FROM kvcolumn_knn('e', '[[0,0],[9,0]]', 2) "
                                "ORDER BY distance DESC, idx").fetchall()
        self.assertEqual(got, [(1, 0), (8, 1), (0, 0), (9, 1)])


if __name__ == "__main__":
    unittest.main()
