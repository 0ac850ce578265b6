"""DataPacker through Python's sqlite3: differential tests against struct and
codecs, byte-exact KohakuVault layouts, and error messages."""
import json
import math
import random
import sqlite3
import struct
import unittest

import kvtest

INT_TYPES = {
    "i8": ("<b", -(2**7), 2**7 - 1), "i16": ("<h", -(2**15), 2**15 - 1),
    "i32": ("<i", -(2**31), 2**31 - 1), "i64": ("<q", -(2**63), 2**63 - 1),
    "u8": ("<B", 0, 2**8 - 1), "u16": ("<H", 0, 2**16 - 1),
    "u32": ("<I", 0, 2**32 - 1), "u64": ("<Q", 0, 2**64 - 1),
}
VEC_TYPE_BYTE = {"f32": 1, "f64": 2, "i32": 3, "i64": 4, "u8": 5, "u16": 6, "u32": 7, "u64": 8, "i8": 9, "i16": 10}
ENCODINGS = {"utf8": "utf-8", "utf16le": "utf-16-le", "utf16be": "utf-16-be", "latin1": "latin-1", "ascii": "ascii"}


def random_text(rng, alphabet_max):
    chars = []
    for _ in range(rng.randrange(0, 12)):
        while True:
            cp = rng.choice([rng.randrange(1, 0x80), rng.randrange(0x80, 0x800), rng.randrange(0x800, 0x10000),
                             rng.randrange(0x10000, 0x110000)])
            if cp <= alphabet_max and not 0xD800 <= cp <= 0xDFFF:
                break
        chars.append(chr(cp))
    return "".join(chars)


def sql_int(v):
    """How a Python int is given to kv_pack: INTEGER, or the u64 TEXT form."""
    return str(v) if v > 2**63 - 1 else v


class PackDifferentialTest(unittest.TestCase):
    def setUp(self):
        self.conn = kvtest.connect()
        self.rng = random.Random(20261121)

    def one(self, sql, params=()):
        return self.conn.execute(sql, params).fetchone()[0]

    def test_integers_match_struct(self):
        for dtype, (fmt, lo, hi) in INT_TYPES.items():
            values = [lo, hi, 0, lo + 1, hi - 1] + [self.rng.randint(lo, hi) for _ in range(200)]
            for v in values:
                packed = self.one("select kv_pack(?, ?)", (dtype, sql_int(v)))
                self.assertEqual(packed, struct.pack(fmt, v), (dtype, v))
                back = self.one("select kv_unpack(?, ?)", (dtype, packed))
                self.assertEqual(back, sql_int(v), (dtype, v))
            # One past each end is an error naming the value and dtype.
            for bad in (lo - 1, hi + 1):
                if -(2**63) <= bad <= 2**63 - 1:
                    err = kvtest.error_of(self.conn, "select kv_pack(?, ?)", (dtype, bad))
                    self.assertEqual(err, f"kohakuvault: {bad} is out of range for {dtype} ({lo}..{hi})")

    def test_floats_match_struct(self):
        specials = [0.0, -0.0, 1.5, 2.2250738585072014e-308, 5e-324, 1.7976931348623157e308, math.inf, -math.inf]
        values = specials + [self.rng.uniform(-1e300, 1e300) for _ in range(200)] + \
            [struct.unpack("<d", self.rng.randbytes(8))[0] for _ in range(200)]
        for v in values:
            if math.isnan(v):
                continue  # SQLite turns a NaN REAL into NULL
            packed = self.one("select kv_pack('f64', ?)", (v,))
            self.assertEqual(packed, struct.pack("<d", v))
            back = self.one("select kv_unpack('f64', ?)", (packed,))
            self.assertEqual(struct.pack("<d", back), struct.pack("<d", v))
        f32_values = [0.0, -0.0, 1.0, 3.4028234663852886e38, 1.401298464324817e-45] + \
            [struct.unpack("<f", struct.pack("<f", self.rng.uniform(-1e30, 1e30)))[0] for _ in range(200)]
        for v in f32_values:
            packed = self.one("select kv_pack('f32', ?)", (v,))
            self.assertEqual(packed, struct.pack("<f", v))
            self.assertEqual(self.one("select kv_unpack('f32', ?)", (packed,)), v)
        # Rounding of a REAL into f32 is to nearest, as struct does.
        for _ in range(200):
            v = self.rng.uniform(-1e6, 1e6)
            self.assertEqual(self.one("select kv_pack('f32', ?)", (v,)), struct.pack("<f", v))

    def test_integers_into_floats_only_when_exact(self):
        self.assertEqual(self.one("select kv_pack('f64', ?)", (2**53,)), struct.pack("<d", 2**53))
        err = kvtest.error_of(self.conn, "select kv_pack('f64', ?)", (2**53 + 1,))
        self.assertEqual(err, "kohakuvault: 9007199254740993 cannot be represented exactly in f64 "
                              "(no silent rounding of integers)")
        self.assertIsNotNone(kvtest.error_of(self.conn, "select kv_pack('f32', ?)", (2**24 + 1,)))

    def test_strings_match_codecs(self):
        limits = {"utf8": 0x10FFFF, "utf16le": 0x10FFFF, "utf16be": 0x10FFFF, "latin1": 0xFF, "ascii": 0x7F}
        for enc, codec in ENCODINGS.items():
            for _ in range(150):
                s = random_text(self.rng, limits[enc])
                encoded = s.encode(codec)
                self.assertEqual(self.one(f"select kv_pack('str:{enc}', ?)", (s,)), encoded, (enc, s))
                self.assertEqual(self.one(f"select kv_unpack('str:{enc}', ?)", (encoded,)), s)
                n = len(encoded) + 2 * self.rng.randrange(0, 4)
                if n == 0:
                    continue
                padded = self.one(f"select kv_pack('str:{n}:{enc}', ?)", (s,))
                self.assertEqual(padded, encoded + b"\0" * (n - len(encoded)))
                self.assertEqual(self.one(f"select kv_unpack('str:{n}:{enc}', ?)", (padded,)), s)

    def test_unencodable_characters(self):
        err = kvtest.error_of(self.conn, "select kv_pack('str:latin1', ?)", ("abc€",))
        self.assertEqual(err, "kohakuvault: character U+20AC '€' at index 3 of 'abc€' cannot be encoded in latin1 "
                              "(str:latin1)")
        err = kvtest.error_of(self.conn, "select kv_pack('str:ascii', ?)", ("😀",))
        self.assertTrue(err.startswith("kohakuvault: character U+1F600 '😀' at index 0"), err)

    def test_bytes(self):
        for _ in range(100):
            b = self.rng.randbytes(self.rng.randrange(0, 20))
            self.assertEqual(self.one("select kv_pack('bytes', ?)", (b,)), b)
            n = len(b) + self.rng.randrange(1, 5)
            self.assertEqual(self.one(f"select kv_pack('bytes:{n}', ?)", (b,)), b + b"\0" * (n - len(b)))
        err = kvtest.error_of(self.conn, "select kv_pack('bytes:2', ?)", (b"abc",))
        self.assertEqual(err, "kohakuvault: value of 3 bytes is too big for bytes:2 (at most 2 bytes; no silent "
                              "truncation)")

    def test_pack_many_is_struct_concatenation(self):
        for dtype, (fmt, lo, hi) in INT_TYPES.items():
            values = [self.rng.randint(lo, hi) for _ in range(300)]
            blob = self.one("select kv_pack_many(?, ?)", (dtype, json.dumps(values)))
            self.assertEqual(blob, b"".join(struct.pack(fmt, v) for v in values))
            self.assertEqual(json.loads(self.one("select kv_unpack_many(?, ?)", (dtype, blob))), values)
            self.assertEqual(self.one("select kv_pack_many(?, ?)", (dtype, blob)), blob)  # BLOB in: checked, as is
            rows = self.conn.execute("select idx, value from kv_unpack_each(?, ?)", (dtype, blob)).fetchall()
            self.assertEqual(rows, [(k, sql_int(v)) for k, v in enumerate(values)])
        doubles = [self.rng.uniform(-1e10, 1e10) for _ in range(300)]
        blob = self.one("select kv_pack_many('f64', ?)", (json.dumps(doubles),))
        self.assertEqual(blob, struct.pack(f"<{len(doubles)}d", *doubles))
        self.assertEqual(json.loads(self.one("select kv_unpack_many('f64', ?)", (blob,))), doubles)
        floats = [struct.unpack("<f", struct.pack("<f", d))[0] for d in doubles]
        blob = self.one("select kv_pack_many('f32', ?)", (json.dumps(floats),))
        self.assertEqual(blob, struct.pack(f"<{len(floats)}f", *floats))
        self.assertEqual(json.loads(self.one("select kv_unpack_many('f32', ?)", (blob,))), floats)

    def test_pack_agg_matches_pack_many(self):
        values = [self.rng.randint(-1000, 1000) for _ in range(100)]
        self.conn.execute("create table t(v)")
        self.conn.executemany("insert into t values (?)", [(v,) for v in values])
        agg = self.one("select kv_pack_agg('i32', v) from (select v from t order by rowid)")
        self.assertEqual(agg, struct.pack(f"<{len(values)}i", *values))

    def test_variable_elements_with_offsets(self):
        words = [random_text(self.rng, 0x10FFFF) for _ in range(50)]
        encoded = [w.encode("utf-16-le") for w in words]
        offsets, pos = [], 0
        for e in encoded:
            offsets.append(pos)
            pos += len(e)
        blob = self.one("select kv_pack_many('str:utf16le', ?)", (json.dumps(words),))
        self.assertEqual(blob, b"".join(encoded))
        got = json.loads(self.one("select kv_unpack_many('str:utf16le', ?, ?)", (blob, json.dumps(offsets))))
        self.assertEqual(got, words)


class VecFormatTest(unittest.TestCase):
    def setUp(self):
        self.conn = kvtest.connect()
        self.rng = random.Random(7)

    def one(self, sql, params=()):
        return self.conn.execute(sql, params).fetchone()[0]

    def test_fixed_shape_layout(self):
        values = [float(k) for k in range(128)]
        blob = self.one("select kv_pack('vec:f32:128', ?)", (json.dumps(values),))
        self.assertEqual(len(blob), 513)
        self.assertEqual(blob, bytes([1]) + struct.pack("<128f", *values))
        for e, (fmt, lo, hi) in INT_TYPES.items():
            vals = [[self.rng.randint(lo, hi) for _ in range(3)] for _ in range(2)]
            blob = self.one(f"select kv_pack('vec:{e}:2:3', ?)", (json.dumps(vals),))
            self.assertEqual(blob, bytes([VEC_TYPE_BYTE[e]]) + b"".join(struct.pack(fmt, v) for r in vals for v in r))
            self.assertEqual(json.loads(self.one(f"select kv_unpack('vec:{e}:2:3', ?)", (blob,))), vals)

    def test_any_shape_layout(self):
        blob = self.one("select kv_pack('vec:f32', '[[1,2],[3,4]]')")
        self.assertEqual(blob, bytes([1, 2]) + struct.pack("<II", 2, 2) + struct.pack("<4f", 1, 2, 3, 4))
        for _ in range(50):
            shape = [self.rng.randrange(1, 4) for _ in range(self.rng.randrange(1, 4))]

            def build(level):
                if level == len(shape):
                    return self.rng.randint(-100, 100)
                return [build(level + 1) for _ in range(shape[level])]
            value = build(0)
            blob = self.one("select kv_pack('vec:i16', ?)", (json.dumps(value),))
            flat = json.dumps(value).replace("[", "").replace("]", "").split(",")
            self.assertEqual(blob, bytes([10, len(shape)]) + struct.pack(f"<{len(shape)}I", *shape) +
                             struct.pack(f"<{len(flat)}h", *map(int, flat)))
            self.assertEqual(json.loads(self.one("select kv_unpack('vec:i16', ?)", (blob,))), value)

    def test_random_blobs_never_crash(self):
        """Garbage into every dtype family's unpack: a value or an error, never a crash."""
        dtypes = ["i8", "u64", "f32", "bytes:3", "str", "str:4:utf16le", "str:latin1", "str:ascii", "msgpack",
                  "msgpack:4", "cbor", "cbor:4", "vec:f32", "vec:u8:3", "vec:i16:2:2", "auto"]
        for _ in range(3000):
            d = self.rng.choice(dtypes)
            blob = self.rng.randbytes(self.rng.randrange(0, 24))
            if d.startswith("vec") and blob and self.rng.random() < 0.7:
                blob = bytes([VEC_TYPE_BYTE[d.split(":")[1]]]) + blob[1:]
            for sql in ("select kv_unpack(?, ?)", "select kv_unpack_many(?, ?)",
                        "select count(*) from kv_unpack_each(?, ?)"):
                try:
                    self.conn.execute(sql, (d, blob)).fetchall()
                except sqlite3.Error as e:
                    self.assertTrue(str(e).startswith("kohakuvault: "), (d, blob, str(e)))


class PackErrorTest(unittest.TestCase):
    def setUp(self):
        self.conn = kvtest.connect()

    def assertError(self, sql, prefix, params=()):
        err = kvtest.error_of(self.conn, sql, params)
        self.assertIsNotNone(err, sql)
        self.assertTrue(err.startswith("kohakuvault: " + prefix), f"{sql}: {err}")

    def test_messages(self):
        self.assertError("select kv_pack('i8', 300)", "300 is out of range for i8 (-128..127)")
        self.assertError("select kv_pack('i32', 1.5)", "1.5 is out of range for i32: not a whole number")
        self.assertError("select kv_pack('i8', 'x')", "i8 expects an INTEGER (or an integral REAL), got TEXT 'x'")
        self.assertError("select kv_pack('f32', 1e39)", "1e+39 is out of range for f32")
        self.assertError("select kv_pack('i99', 1)", "unknown dtype 'i99'")
        self.assertError("select kv_unpack('f64', x'000000')", "expected 8 bytes for f64, got 3")
        self.assertError("select kv_unpack('i32', x'01000000', 4)", "byte_offset 4 is outside the 4-byte blob")
        self.assertError("select kv_pack('str:4', ?)", "'abcdefghijklmnopqrstuvwxyzabcdefghijklmn…' encodes to 52 bytes",
                         ("abcdefghijklmnopqrstuvwxyz" * 2 ,))
        self.assertError("select kv_pack_many('u8', '[1, 256]')", "element 1: 256 is out of range for u8 (0..255)")
        self.assertError("select kv_unpack('vec:f32:1', x'020000803F')",
                         "malformed vec:f32:1 value: element type byte 0x02 (f64) does not match f32 (0x01)")

    def test_error_codes(self):
        cases = {
            "select kv_pack('i8', 300)": sqlite3.SQLITE_RANGE,
            "select kv_pack('i8', 'x')": sqlite3.SQLITE_MISMATCH,
            "select kv_pack('bytes:1', x'0102')": sqlite3.SQLITE_TOOBIG,
            "select kv_unpack('f64', x'00')": sqlite3.SQLITE_CORRUPT_VTAB,
            "select kv_pack('i8', 5, '{\"minimum\": 10}')": sqlite3.SQLITE_CONSTRAINT,
            "select kv_pack('nope', 1)": sqlite3.SQLITE_ERROR,
        }
        for sql, code in cases.items():
            with self.assertRaises(sqlite3.Error) as cm:
                self.conn.execute(sql).fetchall()
            self.assertEqual(cm.exception.sqlite_errorcode & 0xFF, code & 0xFF, sql)

    def test_failed_insert_keeps_committed_rows(self):
        self.conn.execute("create table t(b blob)")
        self.conn.execute("insert into t values (kv_pack('i8', 1))")
        self.conn.commit()
        with self.assertRaises(sqlite3.Error):
            self.conn.execute("insert into t select kv_pack('i8', value) from json_each('[2, 300]')")
        self.conn.rollback()
        self.assertEqual(self.conn.execute("select hex(group_concat(b, '')) from t").fetchone()[0], "01")


if __name__ == "__main__":
    unittest.main()
