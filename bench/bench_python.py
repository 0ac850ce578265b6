"""The Python API's throughput, next to the seed's published figures and plain SQLite (one run).

Run by `make bench` (bench/run.sh) with Debian's /usr/bin/python3:
    KOHAKUVAULT_EXTENSION=build/kohakuvault.so PYTHONPATH=bindings/python/src python3 bench/bench_python.py

Workloads (the seed = KohakuVault's own published figures, measured on an M1 Max):
  kvault write   16 KiB values, write-back cache of 64 MiB (seed ~24k ops/s)
  kvault read    hot random reads of those keys             (seed ~63k ops/s)
  extend i64     Column.extend of 1M ints                    (seed ~12.5M elements/s)
  slice f64      100-element slice reads from a 1M column    (seed ~2.3M elements/s)
  msgpack write  msgpack column, Column.extend of dicts      (seed > 1M ops/s)
Each also runs the same loop through Python's sqlite3 on a plain table
(ratio = plain CPU time / ours, > 1 means ours is faster).
"""

import os
import random
import sqlite3
import sys
import tempfile
import time

from kohakuvault import ColumnVault, KVault

SEED = {"kvault write": 24_000, "kvault read": 63_000, "extend i64": 12_500_000,
        "slice f64": 2_300_000, "msgpack write": 1_000_000}
UNIT = {"kvault write": "ops/s", "kvault read": "ops/s", "extend i64": "elem/s",
        "slice f64": "elem/s", "msgpack write": "ops/s"}


def timed(fn):
    """(wall seconds, CPU seconds of this process). SQLite runs in-process, so CPU time
    covers all the work; on a shared machine it is the steadier of the two."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def plain(path):
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


def bench_kvault(tmp, n_write=4000, n_read=20000):
    value = os.urandom(16 << 10)
    keys = [f"key:{i:08d}" for i in range(n_write)]
    reads = [random.Random(1).choice(keys) for _ in range(n_read)]

    kv = KVault(os.path.join(tmp, "kv.db"))

    def write():
        kv.enable_cache(cap_bytes=64 << 20, flush_threshold=16 << 20)
        for k in keys:
            kv[k] = value
        kv.flush_cache()

    def read():
        for k in reads:
            kv[k]

    ours_w, ours_r = timed(write), timed(read)
    kv.close()

    conn = plain(os.path.join(tmp, "plain_kv.db"))
    conn.execute("CREATE TABLE kv(key BLOB PRIMARY KEY, value BLOB NOT NULL)")
    bkeys = [k.encode() for k in keys]
    breads = [k.encode() for k in reads]

    def pwrite():  # the same batching: commit every 16 MiB
        conn.execute("BEGIN")
        pending = 0
        for k in bkeys:
            conn.execute("INSERT OR REPLACE INTO kv(key, value) VALUES (?, ?)", (k, value))
            pending += len(value)
            if pending >= 16 << 20:
                conn.execute("COMMIT")
                conn.execute("BEGIN")
                pending = 0
        conn.execute("COMMIT")

    def pread():
        for k in breads:
            conn.execute("SELECT value FROM kv WHERE key = ?", (k,)).fetchone()

    plain_w, plain_r = timed(pwrite), timed(pread)
    conn.close()
    return [("kvault write", n_write, ours_w, plain_w), ("kvault read", n_read, ours_r, plain_r)]


def bench_columns(tmp, n=1_000_000, slices=10_000, n_msgpack=100_000):
    cv = ColumnVault(os.path.join(tmp, "cols.db"))
    ints = list(range(n))
    floats = [i * 0.5 for i in range(n)]
    col_i = cv.create_column("ints", "i64")
    col_f = cv.create_column("floats", "f64")
    ours_extend = timed(lambda: col_i.extend(ints))
    col_f.extend(floats)
    starts = [random.Random(2).randrange(n - 100) for _ in range(slices)]
    ours_slice = timed(lambda: [col_f[s:s + 100] for s in starts])
    records = [{"id": i, "name": f"user_{i}", "score": i * 0.5} for i in range(n_msgpack)]
    col_m = cv.create_column("records", "msgpack")
    ours_msgpack = timed(lambda: col_m.extend(records))
    assert col_f[10:12] == [5.0, 5.5] and col_m[7] == records[7] and len(col_i) == n
    cv.close()

    conn = plain(os.path.join(tmp, "plain_cols.db"))
    conn.execute("CREATE TABLE ints(v INTEGER)")
    conn.execute("CREATE TABLE floats(v REAL)")
    conn.execute("CREATE TABLE records(v TEXT)")

    def in_txn(sql, rows):
        conn.execute("BEGIN")
        conn.executemany(sql, rows)
        conn.execute("COMMIT")

    plain_extend = timed(lambda: in_txn("INSERT INTO ints(v) VALUES (?)", ((i,) for i in ints)))
    in_txn("INSERT INTO floats(v) VALUES (?)", ((f,) for f in floats))
    plain_slice = timed(lambda: [
        [r[0] for r in conn.execute("SELECT v FROM floats WHERE rowid > ? AND rowid <= ?", (s, s + 100))]
        for s in starts])
    import json  # the plain side stores the records as JSON text (no msgpack in SQLite itself)
    plain_msgpack = timed(lambda: in_txn("INSERT INTO records(v) VALUES (?)",
                                         ((json.dumps(r),) for r in records)))
    conn.close()
    return [("extend i64", n, ours_extend, plain_extend), ("slice f64", slices * 100, ours_slice, plain_slice),
            ("msgpack write", n_msgpack, ours_msgpack, plain_msgpack)]


def main():
    with tempfile.TemporaryDirectory(prefix="kvbench-py-") as tmp:
        rows = bench_kvault(tmp) + bench_columns(tmp)
    print(f"Python {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version}; rates from CPU time "
          f"(wall-clock rate in brackets)")
    print(f"{'workload':<14} {'ours':>24} {'seed (M1 Max)':>17} {'vs seed':>8} {'plain SQLite':>13} {'vs plain':>9}")
    for name, count, (ours_wall, ours_cpu), (base_wall, base_cpu) in rows:
        rate, wall_rate, plain_rate = count / ours_cpu, count / ours_wall, count / base_cpu
        print(f"{name:<14} {rate:>10,.0f} ({wall_rate:>9,.0f}) {UNIT[name]:<7}{SEED[name]:>11,} "
              f"{rate / SEED[name]:>7.2f}x {plain_rate:>13,.0f} {base_cpu / ours_cpu:>8.2f}x")


if __name__ == "__main__":
    main()
