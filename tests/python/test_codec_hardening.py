"""Issue #11 hardening of the DataPacker functions, seen from Python's sqlite3:

* every error message is valid UTF-8, so Python raises sqlite3.Error, never
  UnicodeDecodeError (bytes of invalid UTF-8 are shown as \\xHH);
* a JSON Schema stored in a kvcolumn's _info (reference cycle, invalid UTF-8)
  gives a clear error on a later INSERT, never a crash;
* output sizes are checked against the connection's SQLITE_LIMIT_LENGTH before
  anything is allocated: SQLITE_TOOBIG with a kohakuvault: message naming the
  size and the limit;
* f32 extremes printed by kv_unpack_many pack back to the same bits.
"""
import sqlite3
import struct
import subprocess
import sys
import unittest

import kvtest


def raised(conn, sql, params=()):
    """The sqlite3.Error sql raises (fails the test on any other exception)."""
    try:
        conn.execute(sql, params).fetchall()
    except sqlite3.Error as e:
        return e
    raise AssertionError(f"{sql} succeeded")


class MessagesAreValidUtf8(unittest.TestCase):
    def test_nlohmann_last_read_bytes_are_escaped(self):
        conn = kvtest.connect()
        for sql in ("select kv_validate('{}', cast(x'5bff' as text))",
                    "select kv_validate(cast(x'7b22613a' || 'ff' as text), '1')",
                    "select kv_validate_errors('{}', cast(x'22c3' as text))",
                    "select kv_pack('msgpack', cast(x'5bfe' as text))",
                    "select kv_pack('cbor', cast(x'7bff' as text))",
                    "select kv_pack_many('msgpack', cast(x'5bff5d' as text))",
                    "select kv_pack('vec:f32', cast(x'5bff5d' as text))",
                    "select kv_unpack_many('str', x'00', cast(x'5bff5d' as text))"):
            with self.subTest(sql=sql):
                e = raised(conn, sql)
                self.assertTrue(str(e).startswith("kohakuvault: "), str(e))

    def test_invalid_bytes_show_as_hex(self):
        conn = kvtest.connect()
        e = raised(conn, "select kv_validate('{}', cast(x'5bff' as text))")
        self.assertIn("\\xFF", str(e))

    def test_corrupt_info_schema_bytes(self):
        with kvtest.temp_db("t.db") as path:
            conn = kvtest.connect(path, isolation_level=None)
            conn.execute("""create virtual table t using kvcolumn(msgpack, schema='{"type":"integer"}')""")
            conn.execute("insert into t(value) values (1)")
            conn.execute("update t_info set value = cast(x'7b2274797065223a' || x'ff' as text) where key = 'schema'")
            conn.close()
            conn = kvtest.connect(path, isolation_level=None)
            e = raised(conn, "insert into t(value) values (2)")
            self.assertIn("kohakuvault", str(e))


class StoredSchemaNeverCrashes(unittest.TestCase):
    def test_cyclic_schema_in_info(self):
        # In a child process: before the fix this killed the host with SIGSEGV.
        child = r'''
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.enable_load_extension(True); conn.load_extension(sys.argv[2])
try:
    conn.execute("insert into t(value) values (3)")
    print("inserted")
except sqlite3.Error as e:
    print("error:", e)
'''
        for schema in ('{"$ref":"#"}', '{"allOf":[{"$ref":"#"}]}',
                       '{"definitions":{"a":{"$ref":"#/definitions/b"},"b":{"$ref":"#/definitions/a"}},"$ref":"#/definitions/a"}'):
            with self.subTest(schema=schema), kvtest.temp_db("t.db") as path:
                conn = kvtest.connect(path, isolation_level=None)
                conn.execute("""create virtual table t using kvcolumn(msgpack, schema='{"type":"integer"}')""")
                conn.execute("update t_info set value = ? where key = 'schema'", (schema,))
                conn.close()
                out = subprocess.run([sys.executable, "-c", child, path, kvtest.MODULE], capture_output=True,
                                     text=True, timeout=60)
                self.assertEqual(out.returncode, 0, out.stderr)
                self.assertIn("error: kohakuvault", out.stdout)
                self.assertIn("refers back to itself", out.stdout)


class OutputLimits(unittest.TestCase):
    def setUp(self):
        self.conn = kvtest.connect()
        self.conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, 1_000_000)

    def assertTooBig(self, sql, *parts):
        e = raised(self.conn, sql)
        self.assertEqual(e.sqlite_errorname, "SQLITE_TOOBIG", str(e))
        self.assertTrue(str(e).startswith("kohakuvault: "), str(e))
        self.assertIn("length limit of 1000000 bytes", str(e))
        for p in parts:
            self.assertIn(p, str(e))

    def test_fixed_size_pack_checks_before_allocating(self):
        self.assertTooBig("select kv_pack('bytes:500000000', x'00')", "would be 500000000 bytes")
        self.assertTooBig("select kv_pack('str:2000000', 'a')", "would be 2000000 bytes")
        self.assertTooBig("select kv_pack('vec:f64:1000:1000', '[]')", "would be 8000001 bytes")  # + type byte
        self.assertTooBig("select kv_pack('bytes:1000001', x'00', '{}')")

    def test_pack_many_checks_count_times_size(self):
        self.assertTooBig("""select kv_pack_many('bytes:1000000000', '["a","b"]')""",
                          "2 x 1000000000-byte bytes:1000000000 elements", "would be 2000000000 bytes")
        self.assertTooBig("""select kv_pack_many('bytes:600000', '["a","b"]')""", "would be 1200000 bytes")
        numbers = "[" + ",".join(["1"] * 200_000) + "]"
        self.assertTooBig("select kv_pack_many('f64', ?)".replace("?", "'" + numbers + "'"))

    def test_pack_agg_checks_each_step(self):
        self.assertTooBig("with recursive n(i) as (select 1 union all select i + 1 from n where i < 3) "
                          "select kv_pack_agg('bytes:400000', x'00') from n",
                          "kv_pack_agg's result")

    def test_results_over_the_limit_name_it(self):
        self.assertTooBig("select kv_unpack_many('u8', zeroblob(600000))", "the JSON result")
        self.assertEqual(len(self.conn.execute("select kv_pack('bytes:1000000', x'00')").fetchone()[0]), 1_000_000)

    def test_limits_follow_the_connection(self):
        self.conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, 1000)  # (the message itself must fit the limit too)
        e = raised(self.conn, "select kv_pack('bytes:1001', x'00')")
        self.assertIn("length limit of 1000 bytes", str(e))
        self.assertEqual(len(self.conn.execute("select kv_pack('bytes:1000', x'00')").fetchone()[0]), 1000)


class F32RoundTrip(unittest.TestCase):
    EXTREMES = [3.4028234663852886e38, -3.4028234663852886e38, 1.1754943508222875e-38, 1.401298464324817e-45,
                -1.401298464324817e-45, 1.1754942106924411e-38, 3.4028232635611926e38, -0.0, 0.0, 1.0]

    def test_printed_extremes_pack_back(self):
        conn = kvtest.connect()
        for x in self.EXTREMES:
            with self.subTest(x=x):
                packed = conn.execute("select kv_pack('f32', ?)", (x,)).fetchone()[0]
                text = conn.execute("select kv_unpack_many('f32', ?)", (packed,)).fetchone()[0]
                again = conn.execute("select kv_pack_many('f32', ?)", (text,)).fetchone()[0]
                self.assertEqual(again, packed, text)
                vec = conn.execute("select kv_unpack('vec:f32', kv_pack('vec:f32', ?))", (text,)).fetchone()[0]
                self.assertEqual(conn.execute("select kv_pack('vec:f32', ?)", (vec,)).fetchone()[0],
                                 conn.execute("select kv_pack('vec:f32', ?)", (text,)).fetchone()[0])

    def test_vec_f32_column_copies_into_itself(self):
        conn = kvtest.connect(isolation_level=None)
        conn.execute("create virtual table v using kvcolumn('vec:f32')")
        conn.execute("insert into v(value) values ('[3.4028234663852886e38, -3.4028234663852886e38, 1e-45]')")
        conn.execute("insert into v(value) select value from v")
        a, b = [r[0] for r in conn.execute("select raw from v order by idx")]
        self.assertEqual(a, b)
        self.assertIn(struct.pack("<f", 3.4028234663852886e38), a)

    def test_beyond_rounding_is_out_of_range(self):
        conn = kvtest.connect()
        e = raised(conn, "select kv_pack('f32', 3.4028235677973366e38)")
        self.assertEqual(e.sqlite_errorname, "SQLITE_RANGE")
        self.assertIn("rounds to infinity", str(e))


if __name__ == "__main__":
    unittest.main()
