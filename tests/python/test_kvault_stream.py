"""kvault_import / kvault_export / kvault_read: chunked streaming, error paths
that leave nothing partial behind, and a bounded-memory check of the sqlite3
shell streaming 256 MiB in and out."""
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import unittest

from kvtest import MODULE, connect, error_of, temp_dir

SQLITE_CANTOPEN = 14
SQLITE_TOOBIG = 18


def code_of(conn, sql, params=()):
    try:
        conn.execute(sql, params).fetchall()
    except sqlite3.Error as e:
        return e.sqlite_errorcode, str(e)
    return None, None


class StreamTest(unittest.TestCase):
    def setUp(self):
        self.dir = temp_dir(self)
        self.conn = connect(os.path.join(self.dir, "s.db"), isolation_level=None)
        self.conn.execute("CREATE VIRTUAL TABLE media USING kvault")

    def tearDown(self):
        self.conn.close()

    def file(self, name, data):
        path = os.path.join(self.dir, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def value(self, key):
        row = self.conn.execute("SELECT value FROM media WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def test_round_trip_with_chunks_that_do_not_divide_the_size(self):
        data = os.urandom(10_000)
        src = self.file("in.bin", data)
        for chunk in (1, 7, 4096, 10_000, 1 << 20):
            n = self.conn.execute("SELECT kvault_import('media', 'k', ?, ?)", (src, chunk)).fetchone()[0]
            self.assertEqual(n, len(data))
            self.assertEqual(self.value("k"), data)
            out = os.path.join(self.dir, f"out{chunk}.bin")
            n = self.conn.execute("SELECT kvault_export('media', 'k', ?, ?)", (out, chunk)).fetchone()[0]
            self.assertEqual(n, len(data))
            with open(out, "rb") as f:
                self.assertEqual(f.read(), data)
        self.assertEqual([r[0] for r in self.conn.execute("SELECT count(*) FROM media")], [1])

    def test_default_chunk_and_larger_than_one_chunk(self):
        data = os.urandom((1 << 20) * 2 + 123)
        src = self.file("in.bin", data)
        self.assertEqual(self.conn.execute("SELECT kvault_import('media', X'00FF', ?)", (src,)).fetchone()[0],
                         len(data))
        self.assertEqual(self.conn.execute("SELECT size FROM media WHERE key = X'00FF'").fetchone()[0], len(data))
        out = os.path.join(self.dir, "out.bin")
        self.conn.execute("SELECT kvault_export('media', X'00FF', ?)", (out,))
        with open(out, "rb") as f:
            self.assertEqual(f.read(), data)

    def test_empty_file(self):
        src = self.file("empty", b"")
        self.assertEqual(self.conn.execute("SELECT kvault_import('media', 'e', ?)", (src,)).fetchone()[0], 0)
        self.assertEqual(self.value("e"), b"")
        out = os.path.join(self.dir, "e.out")
        self.assertEqual(self.conn.execute("SELECT kvault_export('media', 'e', ?)", (out,)).fetchone()[0], 0)
        self.assertEqual(os.path.getsize(out), 0)

    def test_import_replaces_and_failures_keep_the_old_value(self):
        self.conn.execute("INSERT INTO media(key, value) VALUES ('k', X'0102')")
        missing = os.path.join(self.dir, "missing.bin")
        code, msg = code_of(self.conn, "SELECT kvault_import('media', 'k', ?)", (missing,))
        self.assertEqual(code, SQLITE_CANTOPEN)
        self.assertIn(missing, msg)
        code, msg = code_of(self.conn, "SELECT kvault_import('media', 'k', ?)", (self.dir,))  # a directory
        self.assertEqual(code, SQLITE_CANTOPEN)
        self.assertIn("directory", msg)
        # /proc files say size 0 and then deliver bytes: the import notices and rolls back
        code, msg = code_of(self.conn, "SELECT kvault_import('media', 'k', '/proc/self/status')")
        self.assertIn("grew", msg)
        # sysfs files say 4096 bytes and deliver fewer: a short read, rolled back
        short = "/sys/devices/system/cpu/online"
        if os.path.exists(short) and os.stat(short).st_size > len(open(short, "rb").read()):
            code, msg = code_of(self.conn, "SELECT kvault_import('media', 'k', ?, 2)", (short,))
            self.assertIn("ended after", msg)
        fifo = os.path.join(self.dir, "fifo")
        os.mkfifo(fifo)
        code, msg = code_of(self.conn, "SELECT kvault_import('media', 'k', ?)", (fifo,))  # size unknown
        self.assertEqual(code, SQLITE_CANTOPEN)
        self.assertIn("not a regular file", msg)
        self.assertEqual(self.value("k"), b"\x01\x02")
        self.assertEqual(self.conn.execute("SELECT count(*) FROM media").fetchone()[0], 1)
        # a failed import of a new key leaves no row at all
        code_of(self.conn, "SELECT kvault_import('media', 'new', '/proc/self/status')")
        self.assertIsNone(self.value("new"))

    def test_unreadable_file(self):
        src = self.file("secret.bin", b"abc")
        os.chmod(src, 0)
        try:
            if os.access(src, os.R_OK):
                self.skipTest("running as root: permissions do not block reading (the directory case covers it)")
            code, msg = code_of(self.conn, "SELECT kvault_import('media', 'k', ?)", (src,))
            self.assertEqual(code, SQLITE_CANTOPEN)
            self.assertIn(src, msg)
        finally:
            os.chmod(src, 0o600)

    def test_too_big_before_writing(self):
        src = self.file("big.bin", b"x" * 5000)
        self.conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, 4000)
        code, msg = code_of(self.conn, "SELECT kvault_import('media', 'k', ?)", (src,))
        self.assertEqual(code, SQLITE_TOOBIG)
        self.assertIn("5000", msg)
        self.assertIsNone(self.value("k"))

    def test_import_runs_in_the_users_transaction(self):
        src = self.file("in.bin", b"hello")
        self.conn.execute("BEGIN")
        self.conn.execute("SELECT kvault_import('media', 'k', ?)", (src,))
        self.assertEqual(self.value("k"), b"hello")
        self.conn.execute("ROLLBACK")
        self.assertIsNone(self.value("k"))

    def test_import_from_a_writing_statement_is_refused(self):
        src = self.file("in.bin", b"hello")
        self.conn.execute("CREATE TABLE log(n)")
        err = error_of(self.conn, "INSERT INTO log SELECT kvault_import('media', 'k', ?)", (src,))
        self.assertIn("does not write", err)
        self.assertIsNone(self.value("k"))

    def test_export_missing_key_and_bad_path(self):
        out = os.path.join(self.dir, "none.out")
        self.assertEqual(self.conn.execute("SELECT kvault_export('media', 'nope', ?)", (out,)).fetchone(), (None,))
        self.assertFalse(os.path.exists(out))
        self.conn.execute("INSERT INTO media(key, value) VALUES ('k', X'01')")
        bad = os.path.join(self.dir, "no-such-dir", "x.out")
        code, msg = code_of(self.conn, "SELECT kvault_export('media', 'k', ?)", (bad,))
        self.assertEqual(code, SQLITE_CANTOPEN)
        self.assertIn(bad, msg)
        self.assertEqual(sorted(os.listdir(self.dir)), ["s.db"])  # no temporary files left

    def test_read_ranges(self):
        self.conn.execute("INSERT INTO media(key, value) VALUES ('k', X'00010203040506070809')")
        r = lambda *a: self.conn.execute("SELECT kvault_read('media', 'k', ?" + ", ?" * (len(a) - 1) + ")",
                                         a).fetchone()[0]
        self.assertEqual(r(2, 3), b"\x02\x03\x04")
        self.assertEqual(r(8, 100), b"\x08\x09")
        self.assertEqual(r(7), b"\x07\x08\x09")
        self.assertEqual(r(10, 5), b"")
        self.assertIn("past the end", error_of(self.conn, "SELECT kvault_read('media', 'k', 11, 1)"))
        self.assertIn("outside", error_of(self.conn, "SELECT kvault_read('media', 'k', -1, 1)"))
        self.assertIsNone(self.conn.execute("SELECT kvault_read('media', 'zz', 0, 1)").fetchone()[0])

    def test_table_argument_must_be_a_kvault_table(self):
        self.conn.execute("CREATE TABLE plain(x)")
        self.assertIn("not a kvault table", error_of(self.conn, "SELECT kvault_read('plain', 'k', 0)"))
        self.assertIn("no such kvault table", error_of(self.conn, "SELECT kvault_read('nope', 'k', 0)"))
        self.assertIn("no such kvault table", error_of(self.conn, "SELECT kvault_read('a\"b', 'k', 0)"))
        self.assertIsNone(self.conn.execute("SELECT kvault_read('main.media', 'k', 0)").fetchone()[0])

    def test_file_functions_are_direct_only(self):
        src = self.file("in.bin", b"hello")
        self.conn.execute(f"CREATE VIEW v AS SELECT kvault_import('media', 'k', '{src}')")
        self.assertIn("unsafe use", error_of(self.conn, "SELECT * FROM v"))
        self.assertIsNone(self.value("k"))


def max_rss_kb(sql, db):
    """Runs sql through the sqlite3 shell under /usr/bin/time -v; returns max RSS in KiB."""
    proc = subprocess.run(["/usr/bin/time", "-v", "sqlite3", "-batch", "-cmd", f".load {MODULE}", db],
                          input=sql, capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        raise AssertionError(proc.stderr)
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    return int(m.group(1)), proc.stdout


@unittest.skipUnless(os.path.exists("/usr/bin/time") and shutil.which("sqlite3"), "needs /usr/bin/time and sqlite3")
class MemoryTest(unittest.TestCase):
    def test_256_mib_in_and_out_under_96_mib_rss(self):
        size = 256 << 20
        with tempfile.TemporaryDirectory() as tmp:
            src, out, db = (os.path.join(tmp, n) for n in ("in.bin", "out.bin", "m.db"))
            with open(src, "wb") as f:  # sparse except for marks at the start and the end
                f.write(b"head")
                f.truncate(size - 4)
                f.seek(size - 4)
                f.write(b"tail")
            rss, stdout = max_rss_kb(
                "CREATE VIRTUAL TABLE media USING kvault;\n"
                f"SELECT kvault_import('media', 'big', '{src}');\n"
                f"SELECT kvault_export('media', 'big', '{out}');\n"
                "SELECT hex(kvault_read('media', 'big', 268435452, 4));\n", db)
            self.assertEqual(stdout.split(), [str(size), str(size), b"tail".hex().upper()])
            self.assertEqual(os.path.getsize(out), size)
            with open(out, "rb") as f:
                self.assertEqual(f.read(4), b"head")
            print(f"\nmax RSS streaming 256 MiB in and out: {rss} KiB", end=" ")
            self.assertLess(rss, 96 * 1024, f"max RSS {rss} KiB")


if __name__ == "__main__":
    unittest.main()
