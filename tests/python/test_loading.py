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

    def test_missing_module_is_an_error(self):
        conn = sqlite3.connect(":memory:")
        conn.enable_load_extension(True)
        with self.assertRaises(sqlite3.OperationalError):
            conn.load_extension(kvtest.MODULE + "_does_not_exist")


if __name__ == "__main__":
    unittest.main()
