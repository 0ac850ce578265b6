#!/usr/bin/env python3
"""kvcolumn_knn vs sqlite-vec 0.1.9 (vec0 KNN and a plain BLOB table with
vec_distance_*() ORDER BY ... LIMIT), k = 10, same run, one connection to one
temporary database file, fastest of 5 per query, in three configurations:
  default        our 64 MiB chunk cache, SQLite's default page cache (2 MB),
                 no mmap: both engines read the columns (larger than either
                 cache) out of SQLite every call
  [mmap]         the same with PRAGMA mmap_size = 4e9
  [equal memory] both get MEM_BYTES (256 MiB) to hold the data: kvcolumn
                 tables created with cache_bytes = MEM_BYTES, vec0 and the
                 BLOB table with PRAGMA cache_size = -MEM_BYTES/1024; both
                 then answer from memory after the first call

Rows (SQL_INTERFACE §8 bench, issue #14):
  50k x 768 f32, l2, one query          vs vec0 float[768]
  200k x 128 f32, cosine                vs vec0 float[128] distance_metric=cosine
  100k x 768 int8, l2                   vs vec0 int8[768]
  64 queries in one call, 50k x 768 f32 vs 64 separate kvcolumn_knn calls
  each also vs a plain BLOB table with vec_distance_*(e, ?) ORDER BY ... LIMIT 10
G dims/s = rows * D (* queries) / time. The memory-bandwidth ceiling is the
time memmove (ctypes) takes to copy the column's bytes once, as G dims/s.

Usage: /usr/bin/python3 bench/bench_knn.py [build dir]  (Release build; fetches
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


MEM_BYTES = 256 * 1024 * 1024


def random_f32(n):
    """n random float32 values in (-2, -1] U [1, 2), as little-endian bytes (fast: no Python loop per value)."""
    buf = bytearray(4 * n)
    buf[0::4] = os.urandom(n)
    buf[1::4] = os.urandom(n)
    buf[2::4] = os.urandom(n).translate(bytes((b | 0x80) for b in range(256)))
    buf[3::4] = os.urandom(n).translate(bytes((0x3F | (b & 0x80)) for b in range(256)))
    return bytes(buf)


def best_of(f, runs=5):
    best = None
    for _ in range(runs):
        t = time.perf_counter()
        f()
        dt = time.perf_counter() - t
        best = dt if best is None else min(best, dt)
    return best


def memmove_rate(nbytes):
    src = ctypes.create_string_buffer(nbytes)
    dst = ctypes.create_string_buffer(nbytes)
    ctypes.memmove(dst, src, nbytes)
    return nbytes / best_of(lambda: ctypes.memmove(dst, src, nbytes))


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
    print("bench_knn: SQLite %s, sqlite-vec %s, %s" % (sqlite3.sqlite_version, c.execute("SELECT vec_version()").fetchone()[0], kernel))
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

    def line(label, ours, theirs, dims, nbytes, rate, other):
        rows_out.append("| %s | %s | %.1f ms | %.1f ms | %.1fx | %.2f | %.2f |" % (
            label, other, ours * 1e3, theirs * 1e3, theirs / ours, dims / ours / 1e9, dims / (nbytes / rate) / 1e9))
        print(rows_out[-1], flush=True)

    def compare_vec0(label, kv_prefix, name, elem, n, d, metric, loaded):
        query, wrap, nbytes = loaded
        rate = memmove_rate(nbytes)
        ours_sql = "SELECT idx, distance FROM kvcolumn_knn('%s%s', ?, 10, '%s')" % (kv_prefix, name, metric)
        vec_sql = "SELECT rowid, distance FROM vec_%s WHERE e MATCH %s AND k = 10" % (name, wrap)
        fn = {"l2": "vec_distance_l2", "cosine": "vec_distance_cosine", "l1": "vec_distance_l1"}[metric]
        col = "e" if elem == "f32" else "vec_int8(e)"
        blob_sql = "SELECT id, %s(%s, %s) AS dist FROM blob_%s ORDER BY dist LIMIT 10" % (fn, col, wrap, name)
        ours_rows = c.execute(ours_sql, (query,)).fetchall()
        vec_rows = c.execute(vec_sql, (query,)).fetchall()
        assert [i for i, _ in ours_rows] == [i - 1 for i, _ in vec_rows], (label, ours_rows, vec_rows)
        ours = best_of(lambda: c.execute(ours_sql, (query,)).fetchall())
        theirs = best_of(lambda: c.execute(vec_sql, (query,)).fetchall())
        blob = best_of(lambda: c.execute(blob_sql, (query,)).fetchall(), runs=3)
        line(label, ours, theirs, n * d, nbytes, rate, "vec0 MATCH k = 10")
        line(label, ours, blob, n * d, nbytes, rate, "BLOB table, %s ORDER BY LIMIT 10" % fn)
        return query, nbytes, rate

    def batch_row(mode, kv_prefix, queries):
        nbytes = 50000 * 768 * 4
        rate = memmove_rate(nbytes)
        batch = b"".join(queries)
        sql = "SELECT query, idx, distance FROM kvcolumn_knn('%sa', ?, 10)" % kv_prefix
        one = c.execute(sql, (batch,)).fetchall()
        sep = [(qi, i, dist) for qi, q in enumerate(queries) for _, i, dist in c.execute(sql, (q,)).fetchall()]
        assert one == sep
        ours = best_of(lambda: c.execute(sql, (batch,)).fetchall(), runs=3)
        theirs = best_of(lambda: [c.execute(sql, (q,)).fetchall() for q in queries], runs=3)
        line("64 queries in one call, 50k x 768 f32, l2" + mode, ours, theirs, 64 * 50000 * 768, nbytes, rate,
             "64 separate kvcolumn_knn calls")

    cases = [("50k x 768 f32, l2, one query", "a", "f32", 50000, 768, "l2"),
             ("200k x 128 f32, cosine", "b", "f32", 200000, 128, "cosine"),
             ("100k x 768 int8, l2", "c", "int8", 100000, 768, "l2")]
    loaded = [load(*case[1:]) for case in cases]
    queries = [random_f32(768) for _ in range(64)]
    # Default settings, then with the database memory-mapped (both engines
    # then read chunks without a read() per 4 KiB page), then with the same
    # memory for both to hold the data (see the header).
    default_cache = c.execute("PRAGMA cache_size").fetchone()[0]
    for mode, kv_prefix, pragmas in (
            ("", "kv_", ["PRAGMA mmap_size = 0", "PRAGMA cache_size = %d" % default_cache]),
            (" [mmap]", "kv_", ["PRAGMA mmap_size = 4000000000"]),
            (" [equal memory]", "kvmem_", ["PRAGMA mmap_size = 0", "PRAGMA cache_size = -%d" % (MEM_BYTES // 1024)])):
        for pragma in pragmas:
            c.execute(pragma).fetchall()
        for case, data in zip(cases, loaded):
            compare_vec0(case[0] + mode, kv_prefix, *case[1:], data)
        batch_row(mode, kv_prefix, queries)
    c.close()
    tmp.cleanup()
    print("| case | compared with | kvcolumn_knn | other | ratio | G dims/s | memmove ceiling G dims/s |")
    print("|---|---|---|---|---|---|---|")
    for r in rows_out:
        print(r)


if __name__ == "__main__":
    main()
