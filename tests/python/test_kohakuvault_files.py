"""Reading KohakuVault 0.6.0's own database files (shared/testdata/
kohakuvault-0.6.0-files, written by upstream's code) through
kohakuvault_columns / kohakuvault_column and plain SQL + kv_unpack('auto').

Every column and value of expected.json is checked (values, stored bytes,
lengths), then random ranges, IN lists, ORDER BY DESC, LIMIT/OFFSET and point
reads against Python slices; attached schemas; migration into kvcolumn tables
through raw; damaged copies (in a temp dir) that must give
SQLITE_CORRUPT_VTAB naming the column, never a crash. The fixture files are
opened with immutable=1 (mode=ro on a copy) and their sha256 must be
unchanged at the end, with no -wal/-shm beside them."""
import hashlib
import json
import math
import os
import random
import shutil
import sqlite3
import struct
import tempfile
import unittest

import kvtest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.environ.get("KV_SOURCE_DIR") or os.path.join(HERE, "..", "..")
SHARED = os.environ.get("KV_SHARED_DIR") or os.path.join(SOURCE, "..", "shared")
FILES = os.path.join(SHARED, "testdata", "kohakuvault-0.6.0-files")
SQLITE_CORRUPT_VTAB = 267
CHECKED = {}  # file -> number of values compared (printed at the end)


def fixture(name):
    return os.path.join(FILES, name)


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def open_fixture(name):
    # immutable=1 only: mode=ro on a WAL-mode file creates -shm/-wal beside it
    return kvtest.connect("file:%s?immutable=1" % fixture(name), uri=True)


with open(fixture("expected.json")) as f:
    EXPECTED = json.load(f)
HASHES_BEFORE = {}


def setUpModule():
    for name in EXPECTED["db_sha256"]:
        HASHES_BEFORE[name] = sha256(fixture(name))


def tearDownModule():
    # Read-only proof: every fixture byte is as it was, and as upstream wrote it.
    for name, digest in EXPECTED["db_sha256"].items():
        after = sha256(fixture(name))
        if after != HASHES_BEFORE[name] or after != digest:
            raise AssertionError("%s changed during the tests" % name)
        for suffix in ("-wal", "-shm", "-journal"):
            if os.path.exists(fixture(name) + suffix):
                raise AssertionError("%s%s was left behind" % (name, suffix))
    print("values checked per file:", CHECKED)


def count(file, n):
    CHECKED[file] = CHECKED.get(file, 0) + n


def expected_value(dtype, v):
    """expected.json value -> what kohakuvault_column's value gives in Python."""
    if dtype == "f64" and isinstance(v, str):
        return {"inf": math.inf, "-inf": -math.inf, "nan": None}[v]
    return v


def same_float(a, b):
    return a == b and math.copysign(1, a) == math.copysign(1, b)


def expected_raw(col, i):
    dtype = col["dtype"]
    if "packed_hex" in col:
        return bytes.fromhex(col["packed_hex"][i])
    if "values_hex" in col:
        return bytes.fromhex(col["values_hex"][i])
    if "values_le_hex" in col:
        return bytes.fromhex(col["values_le_hex"][16 * i:16 * i + 16])
    v = col["values"][i]
    if dtype == "i64":
        return struct.pack("<q", v)
    if dtype == "f64":
        return struct.pack("<d", v)
    if dtype == "str:utf8":
        return v.encode()
    raise AssertionError("no expected bytes for " + dtype)


class Columns:
    """Expected columns of one file as (name, dtype, kind, length, values, raw(i))."""

    @staticmethod
    def of(file):
        spec = EXPECTED["files"][file]["columns"]
        out = []
        for name, col in spec.items():
            n = len(col["values"] if "values" in col else col["values_hex"])
            kind = "var" if col.get("varsize", col["dtype"] in ("str:utf8", "msgpack", "cbor", "bytes")) else "fixed"
            out.append((name, col, kind, n))
        return out


class ListingTest(unittest.TestCase):
    def test_columns_listing_matches(self):
        for file in ("columns.db", "shared.db"):
            conn = open_fixture(file)
            rows = conn.execute("SELECT name, dtype, kind, length FROM kohakuvault_columns").fetchall()
            want = [(name, col["dtype"], kind, col.get("length", n)) for name, col, kind, n in Columns.of(file)]
            self.assertEqual(sorted(rows), sorted(want), file)
            for name, col, kind, n in Columns.of(file):
                self.assertEqual(n, col.get("length", n))
                self.assertEqual(
                    conn.execute("SELECT count(*) FROM kohakuvault_column(?)", (name,)).fetchone()[0], n)
            count(file, len(want))

    def test_listing_of_a_file_without_columns_is_empty(self):
        conn = open_fixture("kv.db")
        self.assertEqual(conn.execute("SELECT * FROM kohakuvault_columns").fetchall(), [])
        err = kvtest.error_of(conn, "SELECT * FROM kohakuvault_column('names')")
        self.assertIn("no KohakuVault column 'names'", err)

    def test_listing_shows_col_meta_geometry_not_ours(self):
        conn = open_fixture("columns.db")
        # the pair halves are not listed; _data.length (0) is not the length
        names = [r[0] for r in conn.execute("SELECT name FROM kohakuvault_columns")]
        self.assertNotIn("names_data", names)
        self.assertNotIn("names_idx", names)
        self.assertEqual(conn.execute("SELECT length FROM col_meta WHERE name = 'names_data'").fetchone()[0], 0)


class ValuesTest(unittest.TestCase):
    def check_column(self, conn, file, name, col, schema=None):
        args = (name,) if schema is None else (name, schema)
        call = "kohakuvault_column(?)" if schema is None else "kohakuvault_column(?, ?)"
        rows = conn.execute("SELECT idx, value, raw, kv_unpack(?, raw) FROM %s ORDER BY idx" % call,
                            (col["dtype"],) + args).fetchall()
        values = col.get("values")
        n = len(values) if values is not None else len(col["values_hex"])
        self.assertEqual(len(rows), n, name)
        for i, (idx, value, raw, unpacked) in enumerate(rows):
            self.assertEqual(idx, i)
            self.assertEqual(raw, expected_raw(col, i), "%s[%d] raw" % (name, i))
            if col["dtype"] in ("msgpack", "cbor"):
                # kv_unpack gives numbers and NULL as SQL values, everything else as JSON text
                got = json.loads(value) if isinstance(value, str) else value
                self.assertEqual(got, values[i], "%s[%d]" % (name, i))
                self.assertEqual(type(got), type(values[i]), "%s[%d]" % (name, i))
            elif col["dtype"] == "bytes":
                self.assertEqual(value, bytes.fromhex(col["values_hex"][i]))
            elif col["dtype"] == "f64":
                want = expected_value("f64", values[i])
                if want is None:
                    self.assertIsNone(value)  # SQLite has no NaN: REAL NaN becomes NULL
                else:
                    self.assertTrue(same_float(value, want), "%s[%d]: %r != %r" % (name, i, value, want))
            else:
                self.assertEqual(value, values[i], "%s[%d]" % (name, i))
            if not (col["dtype"] == "f64" and value is None):
                self.assertEqual(unpacked, value)  # the same as kv_unpack(dtype, raw)
        count(file, n)

    def test_every_value_of_columns_db(self):
        conn = open_fixture("columns.db")
        for name, col, kind, n in Columns.of("columns.db"):
            self.check_column(conn, "columns.db", name, col)

    def test_every_value_of_shared_db_read_only_open(self):
        # mode=ro on a WAL file creates -shm/-wal beside it: only on a copy, never on the fixture
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        copy = os.path.join(tmp, "shared.db")
        shutil.copy(fixture("shared.db"), copy)
        conn = kvtest.connect("file:%s?mode=ro" % copy, uri=True)
        self.addCleanup(lambda: self.assertEqual(sha256(copy), EXPECTED["db_sha256"]["shared.db"]))
        self.addCleanup(conn.close)
        for name, col, kind, n in Columns.of("shared.db"):
            self.check_column(conn, "shared.db", name, col)
        # the KVault table beside the columns is an ordinary table
        for e in EXPECTED["files"]["shared.db"]["kv"]["entries"]:
            got = conn.execute("SELECT kv_unpack('auto', value) FROM kv WHERE key = CAST(? AS BLOB)",
                               (e["key_utf8"],)).fetchone()[0]
            self.assertEqual(got, bytes.fromhex(e["stored"]["hex"]))
            count("shared.db", 1)

    def test_attached_schema(self):
        conn = kvtest.connect(":memory:")
        conn.execute("ATTACH ? AS old", ("file:%s?immutable=1" % fixture("columns.db"),))
        self.assertEqual(conn.execute("SELECT count(*) FROM kohakuvault_columns").fetchone()[0], 0)  # main has none
        listed = conn.execute("SELECT name, length FROM kohakuvault_columns('old') ORDER BY name").fetchall()
        self.assertEqual(len(listed), 7)
        for name, col, kind, n in Columns.of("columns.db"):
            self.check_column(conn, "columns.db (attached)", name, col, schema="old")
        err = kvtest.error_of(conn, "SELECT * FROM kohakuvault_column('names', 'nosuch')")
        self.assertIn("nosuch", err)
        conn.execute("CREATE TABLE col_meta(x)")  # not KohakuVault's catalog: an error saying so
        err = kvtest.error_of(conn, "SELECT * FROM kohakuvault_columns")
        self.assertIn("not KohakuVault's column catalog", err)

    def test_random_ranges_and_point_reads(self):
        r = random.Random(20261203)
        conn = open_fixture("columns.db")
        for name, col, kind, n in Columns.of("columns.db"):
            raws = [expected_raw(col, i) for i in range(n)]
            for _ in range(40):
                lo, hi = sorted(r.randint(-3, n + 3) for _ in range(2))
                desc = r.random() < 0.5
                sql = "SELECT idx, raw FROM kohakuvault_column(?) WHERE idx >= ? AND idx < ? ORDER BY idx %s" % (
                    "DESC" if desc else "")
                params = [name, lo, hi]
                want = [(i, raws[i]) for i in range(max(lo, 0), min(hi, n))]
                if desc:
                    want.reverse()
                if r.random() < 0.5:
                    lim, off = r.randint(0, 30), r.randint(0, 10)
                    sql += " LIMIT ? OFFSET ?"
                    params += [lim, off]
                    want = want[off:off + lim]
                self.assertEqual(conn.execute(sql, params).fetchall(), want, sql)
                count("columns.db", len(want))
                points = [r.randint(-2, n + 1) for _ in range(5)]
                got = conn.execute("SELECT idx, raw FROM kohakuvault_column(?) WHERE idx IN (%s) ORDER BY idx"
                                   % ",".join(map(str, points)), (name,)).fetchall()
                self.assertEqual(got, [(i, raws[i]) for i in sorted(set(points)) if 0 <= i < n])
                i = r.randrange(n)
                self.assertEqual(conn.execute("SELECT raw FROM kohakuvault_column(?) WHERE idx = ?",
                                              (name, i)).fetchone()[0], raws[i])
                self.assertEqual(conn.execute("SELECT raw FROM kohakuvault_column(?) WHERE rowid = ?",
                                              (name, float(i))).fetchone()[0], raws[i])
                count("columns.db", 2 + len(got))

    def test_plans_push_down(self):
        conn = open_fixture("columns.db")
        plan = " ".join(r[3] for r in conn.execute(
            "EXPLAIN QUERY PLAN SELECT value FROM kohakuvault_column('f64_vals') WHERE idx BETWEEN 5 AND 9 "
            "ORDER BY idx DESC"))
        self.assertNotIn("TEMP B-TREE", plan)
        self.assertEqual(conn.execute("SELECT idx FROM kohakuvault_column('names') ORDER BY idx DESC LIMIT 2").fetchall(),
                         [(1997,), (1996,)])
        # a join: one point read per outer row
        got = conn.execute("WITH w(i) AS (VALUES (3), (1999), (2500)) SELECT i, value FROM w JOIN "
                           "kohakuvault_column('i64_vals') k ON k.idx = w.i ORDER BY i").fetchall()
        vals = EXPECTED["files"]["columns.db"]["columns"]["i64_vals"]["values"]
        self.assertEqual(got, [(3, vals[3]), (1999, vals[1999]), (2500, vals[2500])])
        self.assertIn("needs the column's name", kvtest.error_of(conn, "SELECT * FROM kohakuvault_column"))


class KVaultTest(unittest.TestCase):
    def test_every_kv_entry_through_plain_sql(self):
        conn = open_fixture("kv.db")
        entries = EXPECTED["files"]["kv.db"]["entries"]
        for e in entries:
            key = bytes.fromhex(e["key_hex"])
            raw, auto, n = conn.execute(
                "SELECT value, kv_unpack('auto', value), length(value) FROM \"%s\" WHERE key = ?" % e["table"],
                (key,)).fetchone()
            self.assertEqual(n, e["stored"]["length"])
            self.assertEqual(hashlib.sha256(raw).hexdigest(), e["stored"]["sha256"])
            self.assertEqual(auto, raw)  # 0.6.0 stores bytes raw: no header, auto gives them back
            if "hex" in e["stored"] and len(e["stored"]["hex"]) == 2 * n:
                self.assertEqual(raw, bytes.fromhex(e["stored"]["hex"]))
            count("kv.db", 1)
        # str keys are their UTF-8 bytes in a BLOB column: CAST finds them, a TEXT key does not
        self.assertEqual(conn.execute("SELECT count(*) FROM kv WHERE key = CAST('big/300k' AS BLOB)").fetchone()[0], 1)
        self.assertEqual(conn.execute("SELECT count(*) FROM kv WHERE key = 'big/300k'").fetchone()[0], 0)
        self.assertEqual(conn.execute("SELECT count(*) FROM kv").fetchone()[0],
                         sum(1 for e in entries if e["table"] == "kv"))

    def test_headed_values_of_newer_versions(self):
        # 0.7+ heads typed values with 10 bytes; plain SQL + kv_unpack('auto') reads them.
        conn = kvtest.connect(":memory:")
        conn.execute("CREATE TABLE kv(key BLOB PRIMARY KEY NOT NULL, value BLOB NOT NULL)")
        def head(encoding):
            return bytes([0x89, 0x4B, 0x01, encoding, 0, 0, 0, 0, 0x56, 0x4B])
        rows = [(b"m", head(4) + bytes.fromhex("81a16101"), '{"a":1}'),
                (b"s", head(6) + "hé".encode(), "hé"),
                (b"raw", b"\x00\x01", b"\x00\x01")]
        for k, v, _ in rows:
            conn.execute("INSERT INTO kv VALUES (?, ?)", (k, v))
        for k, _, want in rows:
            self.assertEqual(conn.execute("SELECT kv_unpack('auto', value) FROM kv WHERE key = ?", (k,)).fetchone()[0],
                             want)
        # an untyped 8-byte DataPacker payload is refused, never guessed
        conn.execute("INSERT INTO kv VALUES (x'69', ?)", (head(2) + struct.pack("<q", 42),))
        self.assertIsNotNone(kvtest.error_of(conn, "SELECT kv_unpack('auto', value) FROM kv WHERE key = x'69'"))


class MigrationTest(unittest.TestCase):
    def test_insert_raw_into_kvcolumns(self):
        conn = kvtest.connect(":memory:")
        conn.execute("ATTACH ? AS old", ("file:%s?immutable=1" % fixture("columns.db"),))
        for name, col, kind, n in Columns.of("columns.db"):
            conn.execute("CREATE VIRTUAL TABLE \"new_%s\" USING kvcolumn('%s')" % (name, col["dtype"]))
            conn.execute("INSERT INTO \"new_%s\"(raw) SELECT raw FROM kohakuvault_column(?, 'old')" % name, (name,))
            self.assertEqual(
                conn.execute("SELECT raw FROM \"new_%s\" ORDER BY idx" % name).fetchall(),
                conn.execute("SELECT raw FROM kohakuvault_column(?, 'old') ORDER BY idx", (name,)).fetchall())
            self.assertEqual(
                conn.execute("SELECT count(*) FROM \"new_%s\" a JOIN kohakuvault_column(?, 'old') b USING (idx) "
                             "WHERE a.value IS NOT b.value" % name, (name,)).fetchone()[0], 0)
            count("columns.db (migrated)", n)

    def test_same_file_beside_our_tables(self):
        tmp = tempfile.mkdtemp()
        try:
            path = os.path.join(tmp, "shared.db")
            shutil.copy(fixture("shared.db"), path)
            conn = kvtest.connect(path)
            conn.execute("CREATE VIRTUAL TABLE scores2 USING kvcolumn(f64)")
            conn.execute("INSERT INTO scores2(raw) SELECT raw FROM kohakuvault_column('scores')")
            self.assertEqual(conn.execute("SELECT sum(value) FROM scores2").fetchone()[0],
                             sum(EXPECTED["files"]["shared.db"]["columns"]["scores"]["values"]))
            # our own tables are not KohakuVault columns
            self.assertEqual(sorted(r[0] for r in conn.execute("SELECT name FROM kohakuvault_columns")),
                             ["labels", "scores"])
            conn.close()
        finally:
            shutil.rmtree(tmp)


class DamageTest(unittest.TestCase):
    """Damaged copies: corrupt (naming the column and element) or exact values, never a crash."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.path = os.path.join(self.tmp, "columns.db")
        shutil.copy(fixture("columns.db"), self.path)
        self.raw = sqlite3.connect(self.path)  # plain sqlite3, to damage the copy

    def tearDown(self):
        self.raw.close()
        shutil.rmtree(self.tmp)

    def damage(self, sql, params=()):
        self.raw.execute(sql, params)
        self.raw.commit()

    def corrupt(self, name, fragment, where=""):
        conn = kvtest.connect(self.path)
        try:
            for col in ("raw", "value"):
                with self.assertRaises(sqlite3.DatabaseError) as cm:
                    conn.execute("SELECT %s FROM kohakuvault_column(?) %s" % (col, where), (name,)).fetchall()
                self.assertEqual(cm.exception.sqlite_errorcode, SQLITE_CORRUPT_VTAB, str(cm.exception))
                self.assertIn("'%s'" % name, str(cm.exception))
                self.assertIn(fragment, str(cm.exception))
        finally:
            conn.close()

    def col_id(self, name):
        return self.raw.execute("SELECT col_id FROM col_meta WHERE name = ?", (name,)).fetchone()[0]

    def test_missing_chunk(self):
        self.damage("DELETE FROM col_chunks WHERE col_id = ? AND chunk_idx = 7", (self.col_id("names_data"),))
        self.corrupt("names", "chunk 7 of 'names_data'")
        self.damage("DELETE FROM col_chunks WHERE col_id = ? AND chunk_idx = 2", (self.col_id("f64_vals"),))
        self.corrupt("f64_vals", "element 2046: chunk 2 of 'f64_vals'")

    def test_truncated_chunk(self):
        self.damage("UPDATE col_chunks SET data = substr(data, 1, 100) WHERE col_id = ? AND chunk_idx = 4",
                    (self.col_id("f64_vals"),))
        self.corrupt("f64_vals", "element 4104: chunk 4 of 'f64_vals' (col_id 1) holds 100 bytes")
        self.damage("UPDATE col_chunks SET data = substr(data, 1, 10) WHERE col_id = ?", (self.col_id("blobs_data"),))
        self.corrupt("blobs", "runs past chunk")

    def test_wrong_triples(self):
        idx = self.col_id("names_idx")
        blob = bytearray(self.raw.execute("SELECT data FROM col_chunks WHERE col_id = ? AND chunk_idx = 0",
                                          (idx,)).fetchone()[0])
        for triple, fragment in ((struct.pack("<iii", 1, 0, 2 ** 31 - 1), "runs past chunk 1"),
                                 (struct.pack("<iii", 1, 50, 10), "not a byte range"),
                                 (struct.pack("<iii", 999, 0, 1), "chunk 999 of 'names_data'"),
                                 (struct.pack("<iii", 1, -5, 1), "not a byte range")):
            b = bytearray(blob)
            b[12 * 3:12 * 4] = triple
            self.damage("UPDATE col_chunks SET data = ? WHERE col_id = ? AND chunk_idx = 0", (bytes(b), idx))
            self.corrupt("names", "element 3: index triple", "WHERE idx = 3")
            self.corrupt("names", fragment)

    def test_text_chunks_read_like_blobs(self):
        want = kvtest.connect("file:%s?immutable=1" % fixture("columns.db"), uri=True).execute(
            "SELECT raw FROM kohakuvault_column('f64_vals')").fetchall()
        self.damage("UPDATE col_chunks SET data = CAST(data AS TEXT) WHERE col_id = ?", (self.col_id("f64_vals"),))
        conn = kvtest.connect(self.path)
        self.assertEqual(conn.execute("SELECT raw FROM kohakuvault_column('f64_vals')").fetchall(), want)

    def test_chunk_without_bytes(self):
        self.damage("UPDATE col_chunks SET data = 12345 WHERE col_id = ? AND chunk_idx = 1", (self.col_id("i64_vals"),))
        self.corrupt("i64_vals", "element 1023: chunk 1")

    def test_huge_and_wrong_claimed_sizes(self):
        self.damage("UPDATE col_meta SET length = 1 << 60 WHERE name = 'f64_vals'")
        self.corrupt("f64_vals", "impossible")
        self.damage("UPDATE col_meta SET length = 1 << 40 WHERE name = 'i64_vals'")
        conn = kvtest.connect(self.path)
        self.assertEqual(conn.execute("SELECT count(*) FROM kohakuvault_column('i64_vals') WHERE idx < 10").fetchone()[0], 10)
        conn.close()
        self.corrupt("i64_vals", "element 4000: chunk 3 of 'i64_vals' (col_id 2) is missing", "WHERE idx = 4000")
        self.damage("UPDATE col_meta SET max_chunk_bytes = 12 << 58 WHERE name = 'names_idx'")
        self.corrupt("names", "element 682: chunk 0 of 'names_idx' (col_id 5) holds 8184 bytes")
        self.damage("UPDATE col_meta SET max_chunk_bytes = 1 << 62 WHERE name = 'names_idx'")
        self.corrupt("names", "not a positive multiple of elem_size 12")
        self.damage("UPDATE col_meta SET elem_size = 7 WHERE name = 'cbor_vals_idx'")
        self.corrupt("cbor_vals", "needs elem_size 12")
        self.damage("UPDATE col_meta SET elem_size = 'x' WHERE name = 'meta_idx'")
        self.corrupt("meta", "elem_size is not an integer")
        conn = kvtest.connect(self.path)  # only the damaged column fails
        self.assertEqual(conn.execute("SELECT count(raw) FROM kohakuvault_column('blobs')").fetchone()[0], 300)
        conn.close()

    def test_undecodable_value_is_corrupt_but_raw_reads(self):
        cid = self.col_id("meta_data")
        self.damage("UPDATE col_chunks SET data = zeroblob(length(data)) || x'c1' WHERE col_id = ?", (cid,))
        conn = kvtest.connect(self.path)
        self.assertEqual(len(conn.execute("SELECT raw FROM kohakuvault_column('meta')").fetchall()), 400)
        with self.assertRaises(sqlite3.DatabaseError) as cm:
            conn.execute("SELECT value FROM kohakuvault_column('meta')").fetchall()
        self.assertEqual(cm.exception.sqlite_errorcode, SQLITE_CORRUPT_VTAB)
        self.assertIn("'meta' element 0", str(cm.exception))

    def test_seeded_random_damage_never_crashes(self):
        r = random.Random(7)
        chunks = self.raw.execute("SELECT rowid, length(CAST(data AS BLOB)) FROM col_chunks").fetchall()
        for _ in range(60):
            rowid, n = r.choice(chunks)
            kind = r.randrange(3)
            if kind == 0:
                self.damage("UPDATE col_chunks SET data = substr(data, 1, ?) WHERE rowid = ?", (r.randrange(n + 1), rowid))
            elif kind == 1:
                pos = r.randrange(max(n, 1))
                self.damage("UPDATE col_chunks SET data = substr(data, 1, ?) || randomblob(12) || substr(data, ?) "
                            "WHERE rowid = ?", (pos, pos + 13, rowid))
            else:
                self.damage("UPDATE col_meta SET length = length + ? WHERE col_id = (SELECT col_id FROM col_chunks "
                            "WHERE rowid = ?)", (r.randint(-5, 50), rowid))
            conn = kvtest.connect(self.path)
            for (name,) in conn.execute("SELECT name FROM kohakuvault_columns").fetchall():
                for col in ("raw", "value"):
                    try:
                        conn.execute("SELECT %s FROM kohakuvault_column(?)" % col, (name,)).fetchall()
                    except sqlite3.DatabaseError as e:
                        self.assertIn(e.sqlite_errorcode, (SQLITE_CORRUPT_VTAB,), str(e))
            conn.close()


if __name__ == "__main__":
    unittest.main()
