"""Variable-size kvcolumn past the 32-bit limits, end to end (issue 4; upstream
KohakuVault keeps i32 offsets and loses data past 2 GiB):

* one `bytes` column holding > 4 GiB of payload in a database file: every
  element is read back byte-exact on both sides of the 2 GiB and 4 GiB marks
  (elements are sized so that one straddles each mark), an update whose new
  bytes land past 4 GiB, a delete that renumbers, a reopen;
* one element of 200 MiB (far larger than a chunk) with the default chunk
  options.

Every element is a deterministic pattern: 1 KiB units, each starting with
(element tag, unit number), so a byte at the wrong offset, a zeroed or
repeated chunk, or a truncated element shows up as a mismatch.

Cost: ~5 GB of free disk in the temp directory (checked; the test skips with
a message when less is free) and tens of seconds, so it runs only in the
release build: it SKIPS when the environment variable KV_SANITIZE is set
(tests/CMakeLists.txt sets KV_SANITIZE=1 for the ASan/UBSan build; a preloaded
libasan counts too), when KV_SKIP_LARGE is set, and in the copy of the
Python suites that tests/drivers runs on a faked SQLite 3.37 (it uses only
point reads and full scans, nothing version-specific). ctest labels it `large`
(`ctest -LE large` leaves it out). The files live in a TemporaryDirectory
removed at the end, also on failure.
"""
import os
import shutil
import struct
import tempfile
import time
import unittest

import kvtest

MIB = 1 << 20
GIB = 1 << 30
UNIT = 1024
ELEM = 64 * MIB + 4099          # not a power of two: elements straddle 2 GiB and 4 GiB
COUNT = (4 * GIB + 3 * ELEM) // ELEM + 1   # > 4 GiB in total (67 elements, 4.2 GiB)
NEEDED_DISK = 5 * GIB + COUNT * ELEM // 8  # payload, dead bytes of one update, slack
FILLER = bytes(range(256)) * 4


_UNIT_NUMBER_BYTES = {}


def pattern(tag, size):
    """size bytes: 1 KiB units, each `<tag u32 LE><unit number u32 LE>` then filler."""
    units = (size + UNIT - 1) // UNIT
    buf = bytearray(FILLER * units)
    tag_bytes = struct.pack("<I", tag)
    for k in range(4):  # strided slice assignments: byte k of every unit's header at once
        buf[k::UNIT] = tag_bytes[k:k + 1] * units
        column = _UNIT_NUMBER_BYTES.get((units, k))
        if column is None:
            column = _UNIT_NUMBER_BYTES[(units, k)] = bytes((j >> (8 * k)) & 255 for j in range(units))
        buf[4 + k::UNIT] = column
    del buf[size:]
    return buf


def skip_reason():
    if os.environ.get("KV_SANITIZE") or "libasan" in os.environ.get("LD_PRELOAD", ""):
        return "sanitizer build (KV_SANITIZE / libasan preloaded): the > 4 GiB test runs only in the release build"
    if os.environ.get("KV_SKIP_LARGE"):
        return "KV_SKIP_LARGE is set"
    if os.environ.get("KV_FAKE_SQLITE_VERSION"):  # the *_on_3_37 copy: nothing version-specific here
        return "runs once, on the real SQLite (KV_FAKE_SQLITE_VERSION is set)"
    free = shutil.disk_usage(tempfile.gettempdir()).free
    if free < NEEDED_DISK:
        return "needs %.1f GB free in %s, only %.1f GB free" % (NEEDED_DISK / 1e9, tempfile.gettempdir(), free / 1e9)
    return None


@unittest.skipIf(skip_reason() is not None, skip_reason())
class KvColumnVarLarge(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="kvcolumn_large_")
        self.addCleanup(self.tmp.cleanup)
        self.path = os.path.join(self.tmp.name, "large.db")
        self.t0 = time.monotonic()

    def tearDown(self):
        if os.environ.get("KV_VERBOSE"):
            print("%s: %.1f s" % (self.id(), time.monotonic() - self.t0))

    def open(self):
        conn = kvtest.connect(self.path, isolation_level=None)
        conn.execute("pragma journal_mode=off")
        conn.execute("pragma synchronous=off")
        return conn

    def element(self, conn, idx):
        row = conn.execute("select value from t where idx = ?", (idx,)).fetchone()
        self.assertIsNotNone(row, "idx %d" % idx)
        return row[0]

    def assert_element(self, conn, idx, tag, size=ELEM):
        got = self.element(conn, idx)
        self.assertEqual(len(got), size, "idx %d: length" % idx)
        if got != pattern(tag, size):
            # Name the first wrong 1 KiB unit rather than dumping 64 MiB.
            want = pattern(tag, size)
            first = next(j for j in range(0, size, UNIT) if got[j:j + UNIT] != want[j:j + UNIT])
            self.fail("idx %d (tag %d): first wrong byte range at offset %d: %r" %
                      (idx, tag, first, got[first:first + 16]))

    def test_column_past_4_gib(self):
        conn = self.open()
        conn.execute("create virtual table t using kvcolumn(bytes)")
        conn.execute("begin")
        for i in range(COUNT):
            conn.execute("insert into t(value) values (?)", (pattern(i, ELEM),))
        conn.execute("commit")
        self.assertGreater(COUNT * ELEM, 4 * GIB)
        self.assertEqual(conn.execute("select count(*) from t").fetchone()[0], COUNT)
        at2, at4 = 2 * GIB // ELEM, 4 * GIB // ELEM  # the elements holding byte 2^31 and byte 2^32
        probe = sorted({0, 1, at2 - 1, at2, at2 + 1, at4 - 1, at4, at4 + 1, COUNT - 1})
        for i in probe:
            self.assert_element(conn, i, i)
        # Slices straddling the marks, through SQL (substr is 1-based).
        for mark in (2 * GIB, 4 * GIB):
            i, off = divmod(mark, ELEM)
            got = conn.execute("select substr(value, ?, 64) from t where idx = ?", (off - 31, i)).fetchone()[0]
            self.assertEqual(got, pattern(i, ELEM)[off - 32:off + 32], "bytes around %d" % mark)

        # An update whose new bytes (larger than before) go past 4 GiB, and one that shrinks.
        conn.execute("update t set value = ? where idx = ?", (pattern(1000, ELEM + 777), at4 + 1))
        conn.execute("update t set value = ? where idx = ?", (pattern(1001, 12345), at2))
        # A delete near the start renumbers everything after it.
        conn.execute("delete from t where idx = 3")
        tags = [i for i in range(COUNT) if i != 3]
        tags[tags.index(at4 + 1)] = 1000
        tags[tags.index(at2)] = 1001
        sizes = {1000: ELEM + 777, 1001: 12345}

        def check(conn, probe):
            self.assertEqual(conn.execute("select count(*) from t").fetchone()[0], COUNT - 1)
            for i in probe:
                self.assert_element(conn, i, tags[i], sizes.get(tags[i], ELEM))

        check(conn, sorted({0, 2, 3, at2 - 2, at2 - 1, at2, at4 - 1, at4, at4 + 1, COUNT - 2}))
        self.assertEqual(conn.execute("select kvcolumn_check('t')").fetchone()[0], "ok")
        conn.close()
        conn = self.open()
        # Every index entry after the reopen (length() reads each element once), then a few elements.
        lengths = [n for (n,) in conn.execute("select length(value) from t")]
        self.assertEqual(lengths, [sizes.get(t, ELEM) for t in tags])
        check(conn, [2, at2 - 1, at4, COUNT - 2])
        conn.close()

    def test_element_of_200_mib(self):
        conn = self.open()
        conn.execute("create virtual table big using kvcolumn(bytes)")  # default chunk options
        size = 200 * MIB + 3
        conn.execute("begin")
        conn.execute("insert into big(value) values (x'01')")
        conn.execute("insert into big(value) values (?)", (pattern(7, size),))
        conn.execute("insert into big(value) values (x'02')")
        conn.execute("commit")
        conn.close()
        conn = self.open()
        self.assertEqual([bytes(v) for (v,) in conn.execute("select value from big where idx in (0, 2)")],
                         [b"\x01", b"\x02"])
        self.assertEqual(conn.execute("select length(value) from big where idx = 1").fetchone()[0], size)
        self.assertEqual(conn.execute("select value from big where idx = 1").fetchone()[0], pattern(7, size))
        self.assertEqual(conn.execute("select kvcolumn_check('big')").fetchone()[0], "ok")
        conn.close()


if __name__ == "__main__":
    unittest.main()
