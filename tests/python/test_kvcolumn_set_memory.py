"""Bounded memory of the set-based column functions: a column four times the
chunk read cache (64 MiB LRU of 16 MiB chunks) is summarised, downsampled
and sliced in a fresh process whose peak RSS growth (VmHWM after resetting it
through /proc/self/clear_refs) must stay under the LRU + a few chunks + a
small constant, far below the column's size. Results are checked too."""
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

CHILD = r"""
import sqlite3, sys
path, module, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
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
count, total, lo, hi = conn.execute("SELECT count, sum, min, max FROM kvcolumn_stats('big')").fetchone()
buckets = conn.execute("SELECT count(*), sum(count) FROM kvcolumn_buckets('big', 100)").fetchone()
tail = conn.execute("SELECT length(kvcolumn_slice('big', -1000))").fetchone()[0]
print(count, int(total), lo, hi, buckets[0], buckets[1], tail, status("VmHWM:") - base)
"""


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
            out = subprocess.run([sys.executable, "-c", CHILD, path, kvtest.MODULE, str(N)], check=True,
                                 capture_output=True, text=True).stdout.split()
            count, total, lo, hi, nb, bcount, tail, peak = (float(x) for x in out)
            self.assertEqual(count, N)
            self.assertEqual(total, (N // PIECE) * ((PIECE // 1000) * 499500 + sum(range(PIECE % 1000))))
            self.assertEqual((lo, hi), (0.0, 999.0))
            self.assertEqual((nb, bcount, tail), (100, N, 8000))
            column_bytes = N * 8
            bound = 64 * MIB + 3 * 16 * MIB + 24 * MIB  # LRU + chunk reads in flight + constant
            print("peak RSS growth %.1f MiB scanning a %d MiB column" % (peak / MIB, column_bytes // MIB))
            self.assertLess(peak, bound, "peak RSS growth %.0f MiB for a %d MiB column" % (peak / MIB, column_bytes // MIB))


if __name__ == "__main__":
    unittest.main()
