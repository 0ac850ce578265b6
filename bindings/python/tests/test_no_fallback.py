"""The package packs nothing itself: msgpack, cbor2 and struct are never imported, bytes match the reference.

A child interpreter blocks msgpack, cbor2, cbor, struct and pickle (an import
of any of them raises ImportError), exercises every packing path of the API
and then checks that none of them was loaded. A second check compares the
bytes the package produces with python3-msgpack / python3-cbor2 (the
reference implementations), proving the extension wrote them.
"""

import os
import subprocess
import sys
import textwrap

import pytest

BLOCKED = ["msgpack", "cbor2", "cbor", "struct", "_struct", "pickle", "_pickle"]

CHILD = textwrap.dedent("""
    import sys
    for name in %r:
        sys.modules[name] = None  # import -> ImportError
    import kohakuvault
    from kohakuvault import KVault, ColumnVault, DataPacker, CSBTree, SkipList

    for dtype, value in [("i64", -5), ("f64", 0.25), ("str:utf16be", "hé"), ("bytes:4", b"ab"),
                         ("msgpack", {"a": [1, 2.5, None, True]}), ("cbor", ["x", {"y": 1}]),
                         ("vec:f32:3", [1.0, 2.0, 3.0]), ("u64", 2**64 - 1)]:
        p = DataPacker(dtype)
        got = p.unpack(p.pack(value))
        assert got == (value.ljust(4, b"\\0") if dtype == "bytes:4" else value), (dtype, value, got)
        assert len(p.pack_many([value, value])) == 2 * len(p.pack(value))
    kv = KVault(":memory:")
    for value in [b"raw", "text", 7, 2.5, None, True, {"k": [1]}, [1, "2"], 2**70]:
        kv["x"] = value
        assert kv["x"] == value, value
    cv = ColumnVault(kv)
    for dtype, values in [("i32", [1, 2]), ("f32", [0.5]), ("msgpack", [{"a": 1}, [2], "s", b"b"]),
                          ("cbor", [1, {"z": None}]), ("bytes", [b"x", b""]), ("str:8", ["ab"]),
                          ("bytes:3", [b"a", b"bc"]), ("vec:i16:2", [[1, 2]])]:
        col = cv.create_column("c_" + dtype.replace(":", "_"), dtype)
        col.extend(values)
        col.append(values[0])
        col[0:len(values)] = values
        assert len(col[:]) == len(values) + 1
    t, s = CSBTree(), SkipList()
    t.insert(1, {"v": [1]}); s[2] = b"b"
    assert t.get(1) == {"v": [1]} and s[2] == b"b"
    loaded = [n for n in %r if sys.modules.get(n) is not None]
    assert not loaded, loaded
    print("no-fallback ok")
""") % (BLOCKED, BLOCKED)


def test_package_never_imports_msgpack_cbor_or_struct():
    out = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, env=os.environ)
    assert out.returncode == 0, out.stderr
    assert "no-fallback ok" in out.stdout


def test_the_child_would_notice_an_import():
    # The guard itself works: an import of a blocked module fails in such a child.
    code = "import sys; sys.modules['struct'] = None\ntry:\n import struct\nexcept ImportError:\n print('blocked')"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "blocked"


msgpack = pytest.importorskip("msgpack")
cbor2 = pytest.importorskip("cbor2")

VALUES = [0, -1, 127, 128, -33, 2**40, -(2**63), 2**64 - 1, 1.5, -0.0, "", "héllo", b"\x00\xff",
          [1, [2, [3]]], {"b": 1, "a": [True, False, None]}, {"nested": {"x": "y"}}]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_msgpack_bytes_equal_the_reference(value):
    from kohakuvault import DataPacker

    packed = DataPacker("msgpack").pack(value)
    assert packed == msgpack.packb(value, use_bin_type=True)
    assert msgpack.unpackb(packed, raw=False) == value


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_cbor_decodes_with_the_reference(value):
    from kohakuvault import DataPacker

    packed = DataPacker("cbor").pack(value)
    assert cbor2.loads(packed) == value
    assert DataPacker("cbor").unpack(cbor2.dumps(value)) == value
