"""The module loads into Debian's Python sqlite3 and reports itself."""
import sqlite3
import unittest

import kvtest


class LoadingTest(unittest.TestCase):
    def test_version(self):
        conn = kvtest.connect()
        (v,) = conn.execute("select kohakuvault_version()").fetchone()
        self.assertRegex(v, r"^\d+\.\d+\.\d+$")

    def test_debug_names_running_sqlite(self):
        conn = kvtest.connect()
        (d,) = conn.execute("select kohakuvault_debug()").fetchone()
        self.assertIn("sqlite_running: " + sqlite3.sqlite_version, d)

    def test_load_twice_is_harmless(self):
        conn = kvtest.connect()
        conn.enable_load_extension(True)
        conn.load_extension(kvtest.MODULE)
        self.assertEqual(conn.execute("select typeof(kohakuvault_version())").fetchone()[0], "text")

    def test_load_again_from_sql_inside_a_statement(self):
        # The second load finds kohakuvault registered and does nothing; registering
        # again would replace functions while this SELECT runs, which SQLite refuses.
        conn = kvtest.connect()
        conn.enable_load_extension(True)
        for _ in range(2):
            conn.execute("select load_extension(?)", (kvtest.MODULE,)).fetchall()
        self.assertEqual(conn.execute("select kv_unpack('i32', kv_pack('i32', 7))").fetchone()[0], 7)

    def test_auto_pack_sees_json_subtype(self):
        conn = kvtest.connect()
        (enc,) = conn.execute("select hex(substr(kv_pack('auto', json_object('a', 1)), 4, 1))").fetchone()
        self.assertEqual(enc, "03")  # JSON text from json_object() is stored as JSON (0x03)
        (enc,) = conn.execute("select hex(substr(kv_pack('auto', '{\"a\":1}'), 4, 1))").fetchone()
        self.assertEqual(enc, "06")  # plain TEXT is a UTF-8 string (0x06)

    def test_missing_module_is_an_error(self):
        conn = sqlite3.connect(":memory:")
        conn.enable_load_extension(True)
        with self.assertRaises(sqlite3.OperationalError):
            conn.load_extension(kvtest.MODULE + "_does_not_exist")


if __name__ == "__main__":
    unittest.main()
