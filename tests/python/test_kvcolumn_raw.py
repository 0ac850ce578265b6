"""kvcolumn's hidden raw column (packed bytes in and out, checked on write),
bulk 'append' of variable-size elements (JSON arrays; msgpack/cbor item
blobs) and xConnect taking the stored options from <table>_info, through
Python's sqlite3, checked against Python lists."""
import json
import os
import random
import sqlite3
import unittest

import kvtest

SQLITE_CORRUPT_VTAB = 267

N = 10_000


def _text(r):
    return kvtest.random_text(r, 90)


def _doc(r):
    return kvtest.random_json_doc(r, 40, 8, more=(None, 2.5))


def _vec(r):
    return kvtest.random_vector(r, r.randint(0, 12))


# dtype -> generator of values for INSERT ... (value)
COPY_DTYPES = {
    "f64": lambda r: r.uniform(-1e9, 1e9),
    "i32": lambda r: r.randint(-2**31, 2**31 - 1),
    "'str:16:utf8'": lambda r: "".join(r.choice("abc€") for _ in range(r.randint(0, 5))),
    "'bytes:5'": lambda r: bytes(r.randint(0, 255) for _ in range(5)),
    "'vec:f32:4'": lambda r: "[" + ",".join(repr(r.randint(-9, 9) * 0.5) for _ in range(4)) + "]",
    "'str:utf8'": _text,
    "bytes": lambda r: bytes(r.randint(0, 255) for _ in range(r.randint(0, 40))),
    "msgpack": _doc,
    "cbor": _doc,
    "'vec:f32'": _vec,
}


def rows(conn, table, column="value"):
    return [v for (v,) in conn.execute(f"select {column} from {table} order by idx")]


class RawCopy(unittest.TestCase):
    def test_copy_10k_element_columns_through_raw(self):
        r = random.Random(1)
        conn = kvtest.connect()
        for n, (dtype, gen) in enumerate(COPY_DTYPES.items()):
            with self.subTest(dtype=dtype):
                a, b, c = f"a{n}", f"b{n}", f"c{n}"
                conn.execute(f"create virtual table {a} using kvcolumn({dtype})")
                conn.executemany(f"insert into {a}(value) values (?)", [(gen(r),) for _ in range(N)])
                conn.commit()
                conn.execute(f"create virtual table {b} using kvcolumn({dtype})")
                conn.execute(f"insert into {b}(raw) select raw from {a}")
                # a second copy into small chunks, so elements cross chunk boundaries
                conn.execute(f"create virtual table {c} using kvcolumn({dtype}, min_chunk_bytes=64, "
                             "max_chunk_bytes=4096)")
                conn.execute(f"insert into {c}(raw) select raw from {a} order by idx")
                conn.commit()
                values, raws = rows(conn, a), rows(conn, a, "raw")
                self.assertEqual(len(values), N)
                self.assertEqual(rows(conn, b), values)
                self.assertEqual(rows(conn, c), values)
                self.assertEqual(rows(conn, b, "raw"), raws)
                self.assertEqual(rows(conn, c, "raw"), raws)
                # raw is exactly what kv_pack makes of the value
                bare = dtype.strip("'")
                self.assertEqual(
                    conn.execute(f"select count(*) from {a} where raw = kv_pack(?, value)", (bare,)).fetchone()[0], N)
                self.assertEqual(conn.execute("select kvcolumn_check(?)", (c,)).fetchone()[0], "ok")
        conn.close()

    def test_raw_writes_match_a_list(self):
        # Random insert-at / update / delete through raw and value, with savepoints,
        # against a list of packed elements.
        r = random.Random(2)
        for dtype, gen in (("'str:utf8'", _text), ("f64", COPY_DTYPES["f64"]), ("msgpack", _doc)):
            with self.subTest(dtype=dtype):
                conn = kvtest.connect()
                bare = dtype.strip("'")
                conn.execute(f"create virtual table t using kvcolumn({dtype}, min_chunk_bytes=32, max_chunk_bytes=256)")
                pack = lambda v: conn.execute("select kv_pack(?, ?)", (bare, v)).fetchone()[0]  # noqa: E731
                model = []
                conn.execute("begin")
                for step in range(600):
                    op = r.random()
                    if op < 0.35 or not model:
                        e = pack(gen(r))
                        at = r.randint(0, len(model))
                        conn.execute("insert into t(idx, raw) values (?, ?)", (at, e))
                        model.insert(at, e)
                    elif op < 0.6:
                        i, e = r.randrange(len(model)), pack(gen(r))
                        conn.execute("update t set raw = ? where idx = ?", (e, i))
                        model[i] = e
                    elif op < 0.7:
                        v = gen(r)
                        i = r.randrange(len(model))
                        conn.execute("update t set value = ? where idx = ?", (v, i))
                        model[i] = pack(v)
                    elif op < 0.8:
                        e = pack(gen(r))
                        conn.execute("update t set raw = ? where idx % 7 = 3", (e,))
                        model = [e if i % 7 == 3 else x for i, x in enumerate(model)]
                    elif op < 0.9:
                        i = r.randrange(len(model))
                        conn.execute("delete from t where idx = ?", (i,))
                        del model[i]
                    else:
                        saved = list(model)
                        conn.execute("savepoint s")
                        conn.execute("insert into t(raw) values (?)", (pack(gen(r)),))
                        conn.execute("update t set raw = ? where idx = 0", (pack(gen(r)),))
                        conn.execute("rollback to s")
                        conn.execute("release s")
                        model = saved
                    if step % 50 == 0:
                        self.assertEqual(rows(conn, "t", "raw"), model)
                conn.execute("commit")
                self.assertEqual(rows(conn, "t", "raw"), model)
                self.assertEqual(conn.execute("select kvcolumn_check('t')").fetchone()[0], "ok")
                conn.close()

    def test_bad_raw_changes_nothing(self):
        conn = kvtest.connect()
        conn.execute("create virtual table s using kvcolumn('str:utf8')")
        conn.execute("create virtual table v using kvcolumn('vec:f32')")
        conn.execute("insert into s(value) values ('a'), ('b')")
        conn.execute("insert into v(value) values ('[1]')")
        conn.commit()
        conn.execute("begin")
        for sql, params, text in (
            ("insert into s(raw) values (?)", (b"ok\xff",), "not valid UTF-8"),
            ("update s set raw = ? where idx = 1", (b"\xc3",), "not valid UTF-8"),
            ("insert into s(raw) values (?)", ("text",), "raw takes a BLOB"),
            ("insert into v(raw) values (?)", (b"\x01\x01\x02\x00\x00\x00" + b"\x00" * 4,), "dims [2]"),
            ("insert into s(value, raw) values ('x', x'78')", (), "both value and raw"),
        ):
            with self.subTest(sql=sql):
                msg = kvtest.error_of(conn, sql, params)
                self.assertIsNotNone(msg)
                self.assertIn(text, msg)
                self.assertTrue(msg.startswith("kohakuvault: kvcolumn "), msg)
        # multi-row INSERT ... SELECT with a bad element in the middle
        conn.execute("create table src(b blob)")
        conn.executemany("insert into src values (?)", [(b"x",), (b"\xff",), (b"y",)])
        self.assertIn("UTF-8", kvtest.error_of(conn, "insert into s(raw) select b from src"))
        conn.execute("commit")
        self.assertEqual(rows(conn, "s"), ["a", "b"])
        self.assertEqual(rows(conn, "v"), ["[1.0]"])


def _bytes_item(r):
    return "".join(r.choice("abc\u00e9") for _ in range(r.randint(0, 8)))


# dtype -> (item generator giving JSON-able Python values, what the column returns for it, a bad item)
APPEND_DTYPES = {
    "'str:utf8'": (_text, lambda x: x, 5),
    "bytes": (_bytes_item, lambda x: x.encode(), [1]),
    "msgpack": (lambda r: json.loads(json.dumps(_doc(r) if r.random() < 0.5 else {"a": r.randint(0, 9)})),
                None, None),
    "cbor": (lambda r: [r.randint(0, 99)] * r.randint(0, 3), None, None),
    "'vec:f32'": (lambda r: [r.randint(-8, 8) * 0.5 for _ in range(r.randint(0, 6))], None, [[1], [1, 2]]),
}


def _as_read(dtype, item):
    """What SELECT value returns for a JSON item appended to a dtype column."""
    if dtype in ("msgpack", "cbor"):
        if item is None or isinstance(item, (int, float)):
            return item
        return json.loads(json.dumps(item))
    if dtype == "'vec:f32'":
        return [float(x) for x in item]
    return APPEND_DTYPES[dtype][1](item)


def _normal(dtype, v):
    if dtype in ("msgpack", "cbor") and isinstance(v, str):
        return json.loads(v)
    if dtype == "'vec:f32'":
        return json.loads(v)
    return v


class BulkAppend(unittest.TestCase):
    def test_append_differential_with_bad_items_and_savepoints(self):
        r = random.Random(3)
        with kvtest.temp_db("t.db") as path:
            for n, (dtype, (gen, _, bad)) in enumerate(APPEND_DTYPES.items()):
                with self.subTest(dtype=dtype):
                    table = f"t{n}"
                    structured = dtype in ("msgpack", "cbor")
                    schema = ", schema='{\"not\": {\"type\": \"string\", \"const\": \"BAD\"}}'" if structured else ""
                    if structured:
                        bad = "BAD"
                    conn = kvtest.connect(path)
                    conn.execute(f"create virtual table {table} using kvcolumn({dtype}, min_chunk_bytes=32, "
                                 f"max_chunk_bytes=512{schema})")
                    model = []
                    read = lambda: [_normal(dtype, v) for v in rows(conn, table)]  # noqa: E731
                    conn.execute("begin")
                    for step in range(60):
                        batch = [gen(r) for _ in range(r.randint(0, 40))]
                        as_blob = structured and r.random() < 0.4
                        k = None
                        if batch and r.random() < 0.3:
                            k = r.randrange(len(batch))
                            batch[k] = bad
                        arg = json.dumps(batch)
                        if as_blob:
                            arg = conn.execute("select kv_pack_many(?, ?)", (dtype, arg)).fetchone()[0]
                        in_savepoint = r.random() < 0.3
                        if in_savepoint:
                            conn.execute("savepoint sp")
                        msg = kvtest.error_of(conn, f"insert into {table}({table}, value) values ('append', ?)", (arg,))
                        if k is None:
                            self.assertIsNone(msg)
                            model_after = model + [_as_read(dtype, x) for x in batch]
                        else:
                            self.assertIsNotNone(msg)
                            self.assertIn(f"element {k}", msg)
                            model_after = model
                        self.assertEqual(read(), model_after)
                        if in_savepoint:
                            if r.random() < 0.5:
                                conn.execute("rollback to sp")
                                model_after = model
                            conn.execute("release sp")
                        model = model_after
                        if step % 20 == 19:
                            conn.execute("commit")
                            conn.execute("begin")
                    conn.execute("rollback")  # the last open transaction goes away
                    conn.close()
                    conn = kvtest.connect(path)
                    committed = read()
                    self.assertLessEqual(len(committed), len(model))
                    self.assertEqual(committed, model[:len(committed)])
                    self.assertEqual(conn.execute("select kvcolumn_check(?)", (table,)).fetchone()[0], "ok")
                    conn.close()

    def test_append_errors(self):
        conn = kvtest.connect()
        conn.execute("create virtual table s using kvcolumn('str:utf8')")
        conn.execute("create virtual table m using kvcolumn(msgpack)")
        for sql, params, text in (
            ("insert into s(s, value) values ('append', ?)", (b"abc",), "pass a JSON array"),
            ("insert into s(s, value) values ('append', ?)", ('{"a":1}',), "malformed JSON array"),
            ("insert into s(s, value) values ('append', ?)", ('["a", "b"', ), "malformed JSON array"),
            ("insert into m(m, value) values ('append', ?)", (b"\x01\x02\xc1",), "element 2"),
            ("insert into m(m, value) values ('append', ?)", (b"\x01\x92\x01",), "element 1"),
            ("insert into m(m, value) values ('append', 7)", (), "takes a JSON array"),
        ):
            with self.subTest(sql=sql, params=params):
                msg = kvtest.error_of(conn, sql, params)
                self.assertIsNotNone(msg)
                self.assertIn(text, msg)
        self.assertEqual(conn.execute("select (select count(*) from s) + (select count(*) from m)").fetchone()[0], 0)


class ConnectFromInfo(unittest.TestCase):
    def setUp(self):
        self.path = os.path.join(kvtest.temp_dir(self), "t.db")

    def tamper_schema(self, old, new):
        conn = sqlite3.connect(self.path)
        conn.execute("pragma writable_schema = on")
        conn.execute("update sqlite_schema set sql = replace(sql, ?, ?) where name = 't'", (old, new))
        conn.commit()
        conn.close()

    def tamper_info(self, sql):
        conn = sqlite3.connect(self.path)
        conn.execute(sql)
        conn.commit()
        conn.close()

    def test_reopen_keeps_chunk_options(self):
        conn = kvtest.connect(self.path)
        conn.execute("create virtual table t using kvcolumn('str:utf8', min_chunk_bytes=64, max_chunk_bytes=256)")
        conn.executemany("insert into t(value) values (?)", [("x" * (i % 50),) for i in range(200)])
        conn.commit()
        conn.close()
        conn = kvtest.connect(self.path)
        conn.executemany("insert into t(value) values (?)", [("y" * (i % 70),) for i in range(200)])
        conn.commit()
        self.assertEqual(conn.execute("select min_chunk_bytes, max_chunk_bytes from kvcolumns where name = 't'")
                         .fetchone(), (64, 256))
        self.assertLessEqual(conn.execute("select max(length(data)) from t_data").fetchone()[0], 256)
        self.assertEqual(conn.execute("select kvcolumn_check('t')").fetchone()[0], "ok")
        self.assertEqual(rows(conn, "t"), ["x" * (i % 50) for i in range(200)] + ["y" * (i % 70) for i in range(200)])

    def test_info_wins_over_a_tampered_declaration(self):
        conn = kvtest.connect(self.path)
        conn.execute("create virtual table t using kvcolumn(f64, min_chunk_bytes=64, max_chunk_bytes=128)")
        conn.executemany("insert into t(value) values (?)", [(i * 0.5,) for i in range(100)])
        conn.commit()
        conn.close()
        self.tamper_schema("kvcolumn(f64, min_chunk_bytes=64, max_chunk_bytes=128)",
                           "kvcolumn(i64, min_chunk_bytes=4096, max_chunk_bytes=65536)")
        conn = kvtest.connect(self.path)
        self.assertEqual(rows(conn, "t"), [i * 0.5 for i in range(100)])  # still f64 bytes, read as f64
        conn.executemany("insert into t(value) values (?)", [(i * 0.5,) for i in range(100, 150)])
        conn.commit()
        # chunks keep the stored 128-byte size (16 elements), not the declared 65536
        self.assertEqual(conn.execute("select count(*), max(length(data)) from t_chunks").fetchone(), (10, 128))
        self.assertEqual(conn.execute("select kvcolumn_check('t')").fetchone()[0], "ok")
        self.assertEqual(rows(conn, "t"), [i * 0.5 for i in range(150)])

    def test_schema_kept_in_info(self):
        conn = kvtest.connect(self.path)
        conn.execute("""create virtual table t using kvcolumn(msgpack, schema='{"type":"object"}')""")
        conn.execute("""insert into t(value) values ('{"a":1}')""")
        conn.commit()
        conn.close()
        self.tamper_schema(""", schema='{"type":"object"}'""", "")
        conn = kvtest.connect(self.path)
        self.assertIn("schema", kvtest.error_of(conn, "insert into t(value) values (5)"))
        self.assertIn("schema", kvtest.error_of(conn, "insert into t(raw) values (kv_pack('msgpack', 5))"))
        self.assertEqual(rows(conn, "t"), ['{"a":1}'])

    def test_bad_info_rows_are_corrupt_vtab(self):
        cases = (
            ("delete from t_info where key = 'dtype'", "no dtype"),
            ("update t_info set value = 'f65' where key = 'dtype'", "dtype 'f65'"),
            ("update t_info set value = 'str:utf8' where key = 'dtype'", "elem_size"),
            ("update t_info set value = 'abc' where key = 'max_chunk_bytes'", "max_chunk_bytes 'abc'"),
            ("update t_info set value = 0 where key = 'min_chunk_bytes'", "min_chunk_bytes '0'"),
            ("update t_info set value = 4 where key = 'max_chunk_bytes'", "chunk sizes"),
            ("delete from t_info where key = 'min_chunk_bytes'", "no min_chunk_bytes"),
            ("insert into t_info values ('schema', '{}')", "schema"),
            ("update t_info set value = 2 where key = 'format_version'", "format_version 2"),
        )
        for sql, text in cases:
            with self.subTest(sql=sql):
                if os.path.exists(self.path):
                    os.remove(self.path)
                conn = kvtest.connect(self.path)
                conn.execute("create virtual table t using kvcolumn(f64)")
                conn.execute("insert into t(value) values (1)")
                conn.commit()
                conn.close()
                self.tamper_info(sql)
                conn = kvtest.connect(self.path)
                with self.assertRaises(sqlite3.Error) as cm:
                    conn.execute("select value from t").fetchall()
                msg = str(cm.exception)
                self.assertIn("kvcolumn 't'", msg)
                self.assertIn(text, msg)
                self.assertEqual(cm.exception.sqlite_errorcode, SQLITE_CORRUPT_VTAB, msg)
                conn.close()


if __name__ == "__main__":
    unittest.main()
