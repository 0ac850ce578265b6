"""Smoke test run inside a fresh venv that installed the wheel: every capability family answers.

Usage: python wheel_smoke.py sqlite3|apsw
Checks that the bundled module is the one loaded (KOHAKUVAULT_EXTENSION unset),
that the package version equals kohakuvault_version(), and that kv_pack/kv_unpack,
kvcolumn, kvindex (csbtree and skiplist), kvault and its streaming functions
work on a connection of the given driver; with sqlite3 also the high-level API.
"""

import os
import sys
import tempfile

import kohakuvault

driver = sys.argv[1]
assert "KOHAKUVAULT_EXTENSION" not in os.environ, "the smoke test must use the bundled module"
path = kohakuvault.loadable_path()
assert path.startswith(sys.prefix), f"loaded {path}, not the wheel's copy under {sys.prefix}"
assert os.path.isfile(os.path.join(os.path.dirname(kohakuvault.__file__), "py.typed"))

tmp = tempfile.mkdtemp()
db = os.path.join(tmp, "smoke.db")
if driver == "apsw":
    import apsw

    conn = kohakuvault.load(apsw.Connection(db))

    def q(sql, params=()):
        return list(conn.execute(sql, params))
else:
    import sqlite3

    conn = kohakuvault.load(sqlite3.connect(db, isolation_level=None))

    def q(sql, params=()):
        return conn.execute(sql, params).fetchall()

assert q("SELECT kohakuvault_version()")[0][0] == kohakuvault.__version__
# DataPacker in SQL
assert q("SELECT kv_unpack('i16', kv_pack('i16', -2))")[0][0] == -2
assert q("SELECT kv_unpack('str:8:utf16le', kv_pack('str:8:utf16le', 'hé'))")[0][0] == "hé"
assert q("SELECT json_extract(kv_unpack('msgpack', kv_pack('msgpack', '{\"a\":[1,2]}')), '$.a[1]')")[0][0] == 2
# kvcolumn
q("CREATE VIRTUAL TABLE temps USING kvcolumn(f64)")
q("INSERT INTO temps(temps, value) VALUES ('append', kv_pack_many('f64', '[1.5, 2.5, 3.5]'))")
q("INSERT INTO temps(idx, value) VALUES (0, 0.5)")
assert [r[0] for r in q("SELECT value FROM temps ORDER BY idx")] == [0.5, 1.5, 2.5, 3.5]
# kvindex, both backends
for backend in ("csbtree", "skiplist"):
    q(f"CREATE VIRTUAL TABLE ix_{backend} USING kvindex({backend})")
    q(f"INSERT INTO ix_{backend} VALUES ('b', 2), ('a', 1), ('c', 3)")
    assert [r[0] for r in q(f"SELECT key FROM ix_{backend} WHERE key >= 'b' ORDER BY key")] == ["b", "c"]
# kvault + streaming
q("CREATE VIRTUAL TABLE media USING kvault")
q("INSERT INTO media(key, value) VALUES ('note', kv_pack('auto', 'hello'))")
assert q("SELECT kv_unpack('auto', value) FROM media WHERE key = 'note'")[0][0] == "hello"
src = os.path.join(tmp, "in.bin")
with open(src, "wb") as f:
    f.write(os.urandom(300_000))
assert q("SELECT kvault_import('media', 'blob', ?)", (src,))[0][0] == 300_000
assert q("SELECT length(kvault_read('media', 'blob', 1000, 10))")[0][0] == 10

if driver == "sqlite3":
    # The high-level API, every family.
    from kohakuvault import ColumnVault, CSBTree, DataPacker, KVault, NotFound, SkipList

    kv = KVault(os.path.join(tmp, "api.db"))
    kv["raw"] = b"\x00\x01"
    kv["doc"] = {"name": "ada", "tags": [1, 2]}
    assert kv["raw"] == b"\x00\x01" and kv["doc"] == {"name": "ada", "tags": [1, 2]}
    cv = ColumnVault(kv)
    col = cv.ensure("xs", "i64")
    col.extend(range(10))
    assert col[2:5] == [2, 3, 4] and len(col) == 10
    try:
        cv["missing"]
        raise AssertionError("NotFound expected")
    except NotFound:
        pass
    assert DataPacker("msgpack").unpack(DataPacker("msgpack").pack({"k": 1})) == {"k": 1}
    tree, sl = CSBTree(), SkipList()
    tree.insert(2, "b"), tree.insert(1, "a"), sl.insert("x", 1)
    assert tree.keys() == [1, 2] and sl["x"] == 1
    kv.close()
print(f"wheel smoke ({driver}): ok, module {path}")
