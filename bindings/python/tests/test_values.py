"""Values round-trip exactly, against a Python model, and are stored as the SQL contract says."""

import random

import pytest

from kohakuvault import ColumnVault, DataPacker, KVault

HEADER = bytes.fromhex("894b01") 


KV_VALUES = [b"", b"raw \x00\xff", HEADER + b"\x04\x00\x00\x00\x00VK-looks-headed", "", "text é🌍", 0, -1,
             2**63 - 1, -(2**63), 2**70, 0.0, -0.0, 1e300, float("inf"), None, True, False,
             {"a": [1, {"b": None}], "z": "y"}, [1, "two", 3.5], []]


def same(a, b):
    if isinstance(a, float) and isinstance(b, float):
        return repr(a) == repr(b)  # keeps -0.0 apart from 0.0
    return type(a) is type(b) and a == b


@pytest.mark.parametrize("value", KV_VALUES, ids=repr)
def test_kvault_round_trip(value):
    kv = KVault(":memory:")
    kv["k"] = value
    got = kv["k"]
    assert same(got, value), (got, value)
    assert same(dict(kv.items())[b"k"], value)


def test_kvault_storage_format():
    kv = KVault(":memory:")
    kv["raw"] = b"abc"
    kv["s"] = "hi"
    kv["n"] = 5
    kv["d"] = {"a": 1}
    conn = kv.session.conn
    stored = dict(conn.execute("SELECT key, value FROM kv"))
    assert stored[b"raw"] == b"abc"  # raw bytes stay raw
    assert stored[b"s"] == bytes.fromhex("894b010600000000564b") + b"hi"
    assert stored[b"n"][:10] == bytes.fromhex("894b010400000000564b")
    assert stored[b"d"] == bytes.fromhex("894b010300000000564b") + b'{"a":1}'
    assert list(kv.keys()) == [b"d", b"n", b"raw", b"s"]
    assert list(kv.keys(prefix="r")) == [b"raw"]


def test_kvault_differential_against_a_dict(tmp_path):
    rng = random.Random(7)
    kv = KVault(str(tmp_path / "d.db"))
    model = {}
    for step in range(600):
        key = f"k{rng.randrange(40)}".encode()
        op = rng.random()
        if op < 0.5:
            value = rng.choice([rng.randbytes(rng.randrange(50)), str(step), step, {"s": step}])
            kv[key] = value
            model[key] = value
        elif op < 0.7:
            assert kv.delete(key) == (model.pop(key, None) is not None)
        elif op < 0.8:
            if step % 3 == 0:
                kv.enable_cache(cap_bytes=2000, flush_threshold=500)
            else:
                kv.disable_cache()
        else:
            assert kv.get(key) == model.get(key)
    assert dict(kv.items()) == model
    kv.close()
    assert dict(KVault(str(tmp_path / "d.db")).items()) == model


@pytest.mark.parametrize("dtype, values", [
    ("i8", [-128, 127, 0]), ("u64", [0, 2**63, 2**64 - 1]), ("f32", [0.5, -2.25]),
    ("f64", [0.1, -0.0, float("inf")]), ("str:utf16le", ["", "héllo"]), ("str:6:latin1", ["café"]),
    ("bytes", [b"", b"\x00\x01"]), ("msgpack", [None, 1, "s", b"b", [1, [2]], {"k": {"n": 1.5}}]),
    ("cbor", [{"a": [True, None]}, -7]), ("vec:i32:2:2", [[[1, 2], [3, 4]]]), ("vec:f64", [[1.5, 2.5]]),
])
def test_packer_round_trip(dtype, values):
    p = DataPacker(dtype)
    for v in values:
        assert same(p.unpack(p.pack(v)), v) or p.unpack(p.pack(v)) == v
    packed = p.pack_many(values)
    if p.is_varsize:
        offsets, pos = [], 0
        for v in values:
            offsets.append(pos)
            pos += len(p.pack(v))
        assert p.unpack_many(packed, offsets=offsets) == values
    else:
        assert p.unpack_many(packed, count=len(values)) == values


@pytest.mark.parametrize("dtype, gen", [
    ("i64", lambda r: r.randrange(-10**12, 10**12)),
    ("bytes:6", lambda r: r.randbytes(6)),
    ("str:utf8", lambda r: "x" * r.randrange(0, 300)),
    ("msgpack", lambda r: {"n": r.randrange(100), "s": "y" * r.randrange(20)}),
    ("bytes", lambda r: r.randbytes(r.randrange(0, 600))),
])
def test_column_differential_against_a_list(tmp_path, dtype, gen):
    rng = random.Random(dtype)
    cv = ColumnVault(str(tmp_path / "c.db"), min_chunk_bytes=64, max_chunk_bytes=512)
    col = cv.create_column("c", dtype)
    model = []
    for step in range(300):
        op = rng.randrange(9)
        if op == 0:
            v = gen(rng); col.append(v); model.append(v)
        elif op == 1:
            vs = [gen(rng) for _ in range(rng.randrange(5))]; col.extend(vs); model.extend(vs)
        elif op == 2:
            i = rng.randrange(-len(model) - 2, len(model) + 2); v = gen(rng)
            col.insert(i, v); model.insert(i, v)
        elif op == 3 and model:
            i = rng.randrange(-len(model), len(model)); v = gen(rng); col[i] = v; model[i] = v
        elif op == 4 and model:
            i = rng.randrange(-len(model), len(model)); del col[i]; del model[i]
        elif op == 5:
            a, b = sorted(rng.randrange(-len(model) - 1, len(model) + 2) for _ in range(2))
            assert col[a:b] == model[a:b]
        elif op == 6 and model:
            a = rng.randrange(len(model)); b = rng.randrange(a, len(model) + 1)
            vs = [gen(rng) for _ in range(b - a)]; col[a:b] = vs; model[a:b] = vs
        elif op == 7 and model:
            a = rng.randrange(len(model)); b = rng.randrange(a, len(model) + 1)
            del col[a:b]; del model[a:b]
        elif op == 8:
            with pytest.raises(IndexError):
                col[len(model)]
        assert len(col) == len(model)
    assert list(col) == model
    cv.close()
    assert list(ColumnVault(str(tmp_path / "c.db"))["c"]) == model


def test_kvault_listing_pages_through_every_key():
    kv = KVault(":memory:")
    with kv.cache():
        for i in range(10_050):  # more than upstream's 10,000-key listing cap and several pages
            kv[b"p:%05d" % i] = i
        kv[b"p:\xff"] = b"edge"  # next byte 0xFF: upstream's prefix scan misses it
        kv[b"q"] = b"other"
    keys = list(kv.keys(prefix="p:"))
    assert len(keys) == 10_051 and keys == sorted(keys) and keys[-1] == b"p:\xff"
    assert list(kv.keys(limit=3)) == [b"p:00000", b"p:00001", b"p:00002"]
    items = dict(kv.items(prefix=b"p:0000"))
    assert items == {b"p:%05d" % i: i for i in range(10)}
    assert len(list(kv)) == len(kv) == 10_052
