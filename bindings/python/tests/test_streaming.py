"""KVault streaming goes through kvault_import / kvault_export / kvault_read."""

import io
import os

import pytest

from kohakuvault import KVault, NotFound


@pytest.fixture
def kv(tmp_path):
    vault = KVault(str(tmp_path / "s.db"))
    yield vault
    vault.close()


def test_put_file_from_path_file_object_and_stream(kv, tmp_path):
    data = os.urandom(3 * (1 << 20) + 17)
    src = tmp_path / "in.bin"
    src.write_bytes(data)
    assert kv.put_file("path", str(src), chunk_size=1 << 16) == len(data)
    with open(src, "rb") as f:
        assert kv.put_file("fileobj", f) == len(data)
    assert kv.put_file("stream", io.BytesIO(data)) == len(data)
    assert kv.put_file("sized", io.BytesIO(data + b"tail"), size=len(data)) == len(data)
    for key in ("path", "fileobj", "stream", "sized"):
        assert kv[key] == data


def test_short_stream_with_announced_size_stores_nothing(kv):
    with pytest.raises(ValueError, match="before the announced size"):
        kv.put_file("short", io.BytesIO(b"abc"), size=10)
    assert "short" not in kv


def test_get_to_file_and_read_range(kv, tmp_path):
    data = os.urandom(1 << 20)
    kv["blob"] = data
    out = io.BytesIO()
    assert kv.get_to_file("blob", out, chunk_size=4096) == len(data)
    assert out.getvalue() == data
    dst = tmp_path / "out.bin"
    assert kv.get_to_file("blob", str(dst)) == len(data)
    assert dst.read_bytes() == data
    assert kv.read_range("blob", 1000, 16) == data[1000:1016]
    assert kv.read_range("blob", len(data) - 5) == data[-5:]
    with pytest.raises(NotFound):
        kv.get_to_file("missing", io.BytesIO())
    with pytest.raises(ValueError):  # offset past the end: SQLITE_RANGE from kvault_read
        kv.read_range("blob", len(data) + 1, 1)


def test_streaming_joins_the_cache(kv, tmp_path):
    src = tmp_path / "in.bin"
    src.write_bytes(b"x" * 5000)
    kv.enable_cache(cap_bytes=1 << 20)
    kv.put_file("k", str(src))
    assert kv.flush_cache() == 1
    assert kv["k"] == b"x" * 5000
