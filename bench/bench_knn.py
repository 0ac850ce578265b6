#!/usr/bin/env python3
"""kvcolumn_knn vs sqlite-vec 0.1.9 (vec0 KNN and a plain BLOB table with
vec_distance_*() ORDER BY ... LIMIT), k = 10, same run, one connection to one
temporary database file, in three configurations. The machine is shared
(load varies), so every measurement is repeated in ROUNDS rounds, each round
running every configuration and case once, interleaved (ours, vec0, BLOB
table one after the other), and the report gives the median over the rounds
of the wall time and of the process's CPU time (user + system, the calls are
single-threaded: less sensitive to other processes than wall time). The
configurations:
  default        what a user gets after .load: a vec:E:D column's read cache
                 of 256 MiB per connection (kvcolumn.hpp, read_cache_bytes;
                 every column here fits, so kvcolumn_knn scans them from
                 memory after the first call), SQLite's default page cache
                 (2 MB) and no mmap for vec0 and the BLOB table (they read the
                 columns out of SQLite every call)
  [mmap]         the same with PRAGMA mmap_size = 4e9
  [equal memory] both get MEM_BYTES (256 MiB) to hold the data: kvcolumn
                 tables created with cache_bytes = MEM_BYTES (the same cache
                 as the default for vec:E:D), vec0 and the BLOB table with
                 PRAGMA cache_size = -MEM_BYTES/1024; both then answer from
                 memory after the first call

Rows (SQL_INTERFACE §8 bench, issue #14):
  50k x 768 f32, l2, one query          vs vec0 float[768]
  200k x 128 f32, cosine                vs vec0 float[128] distance_metric=cosine
  100k x 768 int8, l2                   vs vec0 int8[768]
  64 queries in one call, 50k x 768 f32 vs 64 separate kvcolumn_knn calls
  each also vs a plain BLOB table with vec_distance_*(e, ?) ORDER BY ... LIMIT 10
The load average (the machine may be shared) is printed before and after.
G dims/s = rows * D (* queries) / time. The memory-bandwidth ceiling is the
CPU time memmove (ctypes) takes to copy the column's bytes once (median of
5), as G dims/s, and the same for a read-only sum over the bytes (numpy's
sum of the column as uint64 when numpy is installed): compare them with the
G dims/s (CPU) column.

Usage: /usr/bin/python3 bench/bench_knn.py [build dir [rounds]]  (Release build; fetches
vec0.so with tests/tools/fetch_sqlite_vec.sh into <build>/sqlite-vec/)."""
import ctypes
import os
import sqlite3
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "build"))
ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 5


MEM_BYTES = 256 * 1024 * 1024


def random_f32(n):
    """n random float32 values in (-2, -1] U [1, 2), as little-endian bytes (fast: no Python loop per value)."""
    buf = bytearray(4 * n)
    buf[0::4] = os.urandom(n)
    buf[1::4] = os.urandom(n)
    buf[2::4] = os.urandom(n).translate(bytes((b | 0x80) for b in range(256)))
    buf[3::4] = os.urandom(n).translate(bytes((0x3F | (b & 0x80)) for b in range(256)))
    return bytes(buf)


def timed(f):
    """(wall seconds, CPU seconds of this process) of one call of f."""
    w, c = time.perf_counter(), time.process_time()
    f()
    return time.perf_counter() - w, time.process_time() - c


def median(values):
    v = sorted(values)
    return v[len(v) // 2] if len(v) % 2 else (v[len(v) // 2 - 1] + v[len(v) // 2]) / 2


def memmove_rate(nbytes):
    """bytes/s of one memmove of nbytes (median of 5, CPU time like the calls' CPU column)."""
    src = ctypes.create_string_buffer(nbytes)
    dst = ctypes.create_string_buffer(nbytes)
    ctypes.memmove(dst, src, nbytes)
    return nbytes / median([timed(lambda: ctypes.memmove(dst, src, nbytes))[1] for _ in range(5)])


def sum_rate(nbytes):
    """bytes/s of a read-only pass (a sum) over nbytes, or None without numpy."""
    try:
        import numpy
    except ImportError:
        return None
    a = numpy.ones(nbytes // 8, dtype=numpy.uint64)
    a.sum()
    return nbytes / median([timed(a.sum)[1] for _ in range(5)])


def main():
    fetch = subprocess.run(["bash", os.path.join(HERE, "..", "tests", "tools", "fetch_sqlite_vec.sh"), BUILD],
                           capture_output=True, text=True)
    if fetch.returncode != 0:
        print("bench_knn: sqlite-vec unavailable (%s): skipped" % fetch.stderr.strip())
        return
    tmp = tempfile.TemporaryDirectory()  # ~1.5 GB of tables, removed at exit
    db = os.path.join(tmp.name, "knn.db")
    c = sqlite3.connect(db, isolation_level=None)
    c.enable_load_extension(True)
    c.load_extension(os.path.join(BUILD, "kohakuvault"))
    c.load_extension(fetch.stdout.strip()[:-3])
    kernel = [l for l in c.execute("SELECT kohakuvault_debug()").fetchone()[0].splitlines() if "knn_kernel" in l][0]
    print("bench_knn: SQLite %s, sqlite-vec %s, %s, load average %.1f %.1f %.1f" % (
        (sqlite3.sqlite_version, c.execute("SELECT vec_version()").fetchone()[0], kernel) + os.getloadavg()))
    rows_out = []

    def load(name, elem, n, d, metric):
        esize = 4 if elem == "f32" else 1
        data = random_f32(n * d) if elem == "f32" else os.urandom(n * d)
        kv_dtype = "vec:%s:%d" % ("f32" if elem == "f32" else "i8", d)
        tb = c.execute("SELECT substr(kv_pack(?, '[0]'), 1, 1)", (kv_dtype.rsplit(":", 1)[0] + ":1",)).fetchone()[0]
        rb = d * esize
        vecs = [data[i * rb:(i + 1) * rb] for i in range(n)]
        wrap = "?" if elem == "f32" else "vec_int8(?)"
        vtype = "float" if elem == "f32" else "int8"
        c.execute("BEGIN")
        for table, opts in (("kv_" + name, ""), ("kvmem_" + name, ", cache_bytes=%d" % MEM_BYTES)):
            c.execute("CREATE VIRTUAL TABLE %s USING kvcolumn('%s'%s)" % (table, kv_dtype, opts))
            for s in range(0, n, 4096):
                c.execute("INSERT INTO %s(%s, value) VALUES ('append', ?)" % (table, table),
                          (b"".join(tb + v for v in vecs[s:s + 4096]),))
        c.execute("CREATE VIRTUAL TABLE vec_%s USING vec0(e %s[%d] distance_metric=%s)" % (name, vtype, d, metric))
        c.executemany("INSERT INTO vec_%s(rowid, e) VALUES (?, %s)" % (name, wrap), ((i + 1, v) for i, v in enumerate(vecs)))
        c.execute("CREATE TABLE blob_%s(id INTEGER PRIMARY KEY, e BLOB)" % name)
        c.executemany("INSERT INTO blob_%s(id, e) VALUES (?, ?)" % name, ((i, v) for i, v in enumerate(vecs)))
        c.execute("COMMIT")
        query = random_f32(d) if elem == "f32" else os.urandom(d)
        return query, wrap, n * rb

    cases = [("50k x 768 f32, l2, one query", "a", "f32", 50000, 768, "l2"),
             ("200k x 128 f32, cosine", "b", "f32", 200000, 128, "cosine"),
             ("100k x 768 int8, l2", "c", "int8", 100000, 768, "l2")]
    loaded = [load(*case[1:]) for case in cases]
    batch_queries = [random_f32(768) for _ in range(64)]
    # Default settings, then with the database memory-mapped (both engines
    # then read chunks without a read() per 4 KiB page), then with the same
    # memory for both to hold the data (see the header).
    default_cache = c.execute("PRAGMA cache_size").fetchone()[0]
    configs = (("", "kv_", ["PRAGMA mmap_size = 0", "PRAGMA cache_size = %d" % default_cache]),
               (" [mmap]", "kv_", ["PRAGMA mmap_size = 4000000000"]),
               (" [equal memory]", "kvmem_", ["PRAGMA mmap_size = 0", "PRAGMA cache_size = -%d" % (MEM_BYTES // 1024)]))
    fn_of = {"l2": "vec_distance_l2", "cosine": "vec_distance_cosine", "l1": "vec_distance_l1"}

    # Every measured row: (label, other, dims, nbytes, {"ours": [...], "other": [...]}) of (wall, cpu).
    rows = {}

    def sample(key, label, other, dims, nbytes, ours_f, other_f):
        entry = rows.setdefault(key, (label, other, dims, nbytes, {"ours": [], "other": []}))
        entry[4]["ours"].append(timed(ours_f))
        entry[4]["other"].append(timed(other_f))

    def case_sqls(kv_prefix, name, elem, metric, wrap):
        ours_sql = "SELECT idx, distance FROM kvcolumn_knn('%s%s', ?, 10, '%s')" % (kv_prefix, name, metric)
        vec_sql = "SELECT rowid, distance FROM vec_%s WHERE e MATCH %s AND k = 10" % (name, wrap)
        col = "e" if elem == "f32" else "vec_int8(e)"
        blob_sql = "SELECT id, %s(%s, %s) AS dist FROM blob_%s ORDER BY dist LIMIT 10" % (fn_of[metric], col, wrap, name)
        return ours_sql, vec_sql, blob_sql

    batch_sql = "SELECT query, idx, distance FROM kvcolumn_knn('%sa', ?, 10)"
    batch = b"".join(batch_queries)
    # Correctness first (and each configuration's first, cold call).
    for mode, kv_prefix, pragmas in configs:
        for pragma in pragmas:
            c.execute(pragma).fetchall()
        for case, (query, wrap, nbytes) in zip(cases, loaded):
            ours_sql, vec_sql, _ = case_sqls(kv_prefix, case[1], case[2], case[5], wrap)
            ours_rows = c.execute(ours_sql, (query,)).fetchall()
            vec_rows = c.execute(vec_sql, (query,)).fetchall()
            assert [i for i, _ in ours_rows] == [i - 1 for i, _ in vec_rows], (case[0] + mode, ours_rows, vec_rows)
        sql = batch_sql % kv_prefix
        one = c.execute(sql, (batch,)).fetchall()
        sep = [(qi, i, dist) for qi, q in enumerate(batch_queries) for _, i, dist in c.execute(sql, (q,)).fetchall()]
        assert one == sep
    for rnd in range(ROUNDS):
        for mode, kv_prefix, pragmas in configs:
            for pragma in pragmas:
                c.execute(pragma).fetchall()
            for case, (query, wrap, nbytes) in zip(cases, loaded):
                label, name, elem, n, d, metric = case
                ours_sql, vec_sql, blob_sql = case_sqls(kv_prefix, name, elem, metric, wrap)
                ours = lambda: c.execute(ours_sql, (query,)).fetchall()
                sample((label + mode, "vec0"), label + mode, "vec0 MATCH k = 10", n * d, nbytes, ours,
                       lambda: c.execute(vec_sql, (query,)).fetchall())
                sample((label + mode, "blob"), label + mode, "BLOB table, %s ORDER BY LIMIT 10" % fn_of[metric],
                       n * d, nbytes, ours, lambda: c.execute(blob_sql, (query,)).fetchall())
            sql = batch_sql % kv_prefix
            sample(("batch" + mode, ""), "64 queries in one call, 50k x 768 f32, l2" + mode,
                   "64 separate kvcolumn_knn calls", 64 * 50000 * 768, 50000 * 768 * 4,
                   lambda: c.execute(sql, (batch,)).fetchall(),
                   lambda: [c.execute(sql, (q,)).fetchall() for q in batch_queries])
        print("bench_knn: round %d of %d done" % (rnd + 1, ROUNDS), flush=True)
    c.close()
    tmp.cleanup()
    print("bench_knn: load average after the rounds %.1f %.1f %.1f" % os.getloadavg())
    rates = {}
    for nbytes in sorted({r[3] for r in rows.values()}):
        rates[nbytes] = (memmove_rate(nbytes), sum_rate(nbytes))
    print("bench_knn: median of %d rounds; wall and CPU (user + system) time of one call; "
          "ratio = other / kvcolumn_knn; G dims/s = rows x D (x queries) / kvcolumn_knn time; "
          "ceilings: the column's bytes copied once (memmove) / summed once, CPU time, in G dims/s" % ROUNDS)
    print("| case | compared with | kvcolumn_knn wall | other wall | ratio (wall) | kvcolumn_knn CPU | other CPU "
          "| ratio (CPU) | G dims/s (wall) | G dims/s (CPU) | memmove ceiling | read (sum) ceiling |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for label, other, dims, nbytes, t in rows.values():
        ow, oc = median([w for w, _ in t["ours"]]), median([x for _, x in t["ours"]])
        tw, tc = median([w for w, _ in t["other"]]), median([x for _, x in t["other"]])
        move, total = rates[nbytes]
        print("| %s | %s | %.1f ms | %.1f ms | %.1fx | %.1f ms | %.1f ms | %.1fx | %.2f | %.2f | %.2f | %s |" % (
            label, other, ow * 1e3, tw * 1e3, tw / ow, oc * 1e3, tc * 1e3, tc / max(oc, 1e-9), dims / ow / 1e9,
            dims / max(oc, 1e-9) / 1e9, dims / (nbytes / move) / 1e9,
            "%.2f" % (dims / (nbytes / total) / 1e9) if total else "n/a"))


if __name__ == "__main__":
    main()
