"""Bounded memory of the set-based column functions: a column four times the
chunk read cache (64 MiB LRU of 16 MiB chunks) is summarised, downsampled
and sliced in a fresh process whose peak RSS growth (VmHWM after resetting it
through /proc/self/clear_refs) must stay under the LRU + a few chunks + a
small constant, far below the column's size. Results are checked too.

A vec:E:D column's LRU defaults to 256 MiB (kvcolumn.hpp, read_cache_bytes):
kvcolumn_knn over a column larger than that must fill the LRU (peak growth
above 3/4 of 256 MiB, so the vector default is in force, not 64 MiB) and stay
under 256 MiB + a few chunks + the same constant."""
import array
import os
import subprocess
import sys
import tempfile
import unittest

import kvtest

N = 32 * 1024 * 1024  # 256 MiB of f64
PIECE = 1024 * 1024
MIB = 1024 * 1024

# The children's common start: argv is (path, module, size), the module is
# loaded and the schema read, then the peak RSS (VmHWM) is reset; a child's
# last printed word is status("VmHWM:") - base.
PREAMBLE = r"""
import sqlite3, sys
path, module, size = sys.argv[1], sys.argv[2], int(sys.argv[3])
def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key):
            return int(line.split()[1]) * 1024
conn = sqlite3.connect(path)
conn.enable_load_extension(True)
conn.load_extension(module)
conn.execute("SELECT count(*) FROM sqlite_schema").fetchall()
base = status("VmRSS:")
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")
"""

CHILD = PREAMBLE + r"""
count, total, lo, hi = conn.execute("SELECT count, sum, min, max FROM kvcolumn_stats('big')").fetchone()
buckets = conn.execute("SELECT count(*), sum(count) FROM kvcolumn_buckets('big', 100)").fetchone()
tail = conn.execute("SELECT length(kvcolumn_slice('big', -1000))").fetchone()[0]
print(count, int(total), lo, hi, buckets[0], buckets[1], tail, status("VmHWM:") - base)
"""


CHILD_KNN = PREAMBLE + r"""
d = size
first = conn.execute("SELECT idx, distance FROM kvcolumn_knn('vecs', zeroblob(?), 3, 'l1')", (d,)).fetchall()
again = conn.execute("SELECT idx, distance FROM kvcolumn_knn('vecs', zeroblob(?), 3, 'l1')", (d,)).fetchall()
assert first == again, (first, again)
print(" ".join("%d:%d" % (i, dist) for i, dist in first), status("VmHWM:") - base)
"""


def peak_of_child(script, *args):
    """The child's stdout words; its last word is its peak RSS growth in bytes."""
    return subprocess.run([sys.executable, "-c", script] + [str(a) for a in args], check=True,
                          capture_output=True, text=True).stdout.split()


class TestBoundedMemory(unittest.TestCase):
    def test_scan_of_a_column_four_times_the_cache(self):
        if not os.path.exists("/proc/self/clear_refs"):
            self.skipTest("needs Linux /proc/self/clear_refs to reset the peak RSS")
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "big.db")
            conn = kvtest.connect(path)
            conn.execute("CREATE VIRTUAL TABLE big USING kvcolumn(f64)")
            piece = array.array("d", (float(i % 1000) for i in range(PIECE))).tobytes()
            for k in range(N // PIECE):
                conn.execute("INSERT INTO big(big, value) VALUES ('append', ?)", (piece,))
                if k % 4 == 3:
                    conn.commit()
            conn.commit()
            conn.close()
            out = peak_of_child(CHILD, path, kvtest.MODULE, N)
            count, total, lo, hi, nb, bcount, tail, peak = (float(x) for x in out)
            self.assertEqual(count, N)
            self.assertEqual(total, (N // PIECE) * ((PIECE // 1000) * 499500 + sum(range(PIECE % 1000))))
            self.assertEqual((lo, hi), (0.0, 999.0))
            self.assertEqual((nb, bcount, tail), (100, N, 8000))
            column_bytes = N * 8
            bound = 64 * MIB + 3 * 16 * MIB + 24 * MIB  # LRU + chunk reads in flight + constant
            print("peak RSS growth %.1f MiB scanning a %d MiB column" % (peak / MIB, column_bytes // MIB))
            self.assertLess(peak, bound, "peak RSS growth %.0f MiB for a %d MiB column" % (peak / MIB, column_bytes // MIB))

    def test_knn_of_a_vector_column_larger_than_its_cache(self):
        if not os.path.exists("/proc/self/clear_refs"):
            self.skipTest("needs Linux /proc/self/clear_refs to reset the peak RSS")
        d, n = 1024, 320 * 1024  # 320 Ki elements of 1 + 1024 bytes: 328 MB, more than the 256 MiB LRU
        with kvtest.temp_db("vecs.db") as path:
            conn = kvtest.connect(path)
            conn.execute("CREATE VIRTUAL TABLE vecs USING kvcolumn('vec:u8:%d')" % d)
            tb = conn.execute("SELECT substr(kv_pack('vec:u8:1', '[0]'), 1, 1)").fetchone()[0]
            far = tb + b"\x07" * d
            planted = {1: 1, n // 2: 2, n - 1: 3}  # idx -> the value of every element
            per_append = 1024
            for s in range(0, n, per_append):
                conn.execute("INSERT INTO vecs(vecs, value) VALUES ('append', ?)",
                             (b"".join(tb + bytes([planted[i]]) * d if i in planted else far
                                       for i in range(s, s + per_append)),))
                if s % (64 * per_append) == 0:
                    conn.commit()
            conn.commit()
            conn.close()
            out = peak_of_child(CHILD_KNN, path, kvtest.MODULE, d)
            self.assertEqual(out[:-1], ["1:1024", "%d:2048" % (n // 2), "%d:3072" % (n - 1)])
            peak = float(out[-1])
            column_bytes = n * (1 + d)
            lru = 256 * MIB
            print("peak RSS growth %.1f MiB searching a %d MiB vec column" % (peak / MIB, column_bytes // MIB))
            self.assertGreater(peak, lru * 3 // 4, "the vec:E:D read cache did not fill to its 256 MiB default")
            self.assertLess(peak, lru + 3 * 16 * MIB + 24 * MIB,
                            "peak RSS growth %.0f MiB for a %d MiB column" % (peak / MIB, column_bytes // MIB))


if __name__ == "__main__":
    unittest.main()
