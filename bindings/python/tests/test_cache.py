"""The write-back cache is an SQLite transaction: nothing buffered is ever lost or resurrected.

These are the cases where upstream's cache loses data (KOHAKUVAULT_FORMATS.md,
"do better"), each checked against what a second connection sees.
"""

import gc
import sqlite3
import threading

import pytest

import kohakuvault
from kohakuvault import ColumnVault, KVault


def other_view(path, table="kv"):
    conn = kohakuvault.load(sqlite3.connect(path))
    try:
        return {k: v for k, v in conn.execute(f"SELECT key, value FROM {table}")}
    finally:
        conn.close()


@pytest.fixture
def path(tmp_path):
    return str(tmp_path / "cache.db")


def test_buffered_writes_are_invisible_to_others_until_flush(path):
    kv = KVault(path)
    kv.enable_cache(cap_bytes=1 << 20, flush_threshold=1 << 20)
    kv["a"] = b"1"
    kv["b"] = b"2"
    assert kv["a"] == b"1"  # reads see the cache
    assert other_view(path) == {}
    assert kv.flush_cache() == 2
    assert other_view(path) == {b"a": b"1", b"b": b"2"}
    assert kv.flush_cache() == 0
    kv.close()


def test_close_commits(path):
    kv = KVault(path)
    kv.enable_cache()
    kv["k"] = b"v"
    kv.close()
    assert other_view(path) == {b"k": b"v"}


def test_garbage_collection_commits(path):
    kv = KVault(path)
    kv.enable_cache(flush_interval=60)
    kv["k"] = b"v"
    del kv
    gc.collect()
    assert other_view(path) == {b"k": b"v"}


def test_deletes_in_the_cache_stay_deleted(path):
    kv = KVault(path)
    kv["k"] = b"old"
    kv.enable_cache()
    kv["k"] = b"new"
    del kv["k"]
    assert "k" not in kv
    kv.flush_cache()
    assert "k" not in kv
    assert other_view(path) == {}
    kv.close()


def test_re_enabling_keeps_pending_writes(path):
    kv = KVault(path)
    kv.enable_cache()
    kv["k"] = b"v"
    kv.enable_cache(cap_bytes=4096, flush_threshold=2048)
    assert kv.flush_cache() == 1
    assert other_view(path) == {b"k": b"v"}
    kv.close()


def test_a_locked_full_cache_keeps_everything(path):
    kv = KVault(path)
    kv.enable_cache(cap_bytes=100, flush_threshold=50)
    with kv.lock_cache():
        for i in range(20):
            kv[f"k{i}"] = b"x" * 40  # far past the cap: nothing flushed, nothing dropped
        assert other_view(path) == {}
    assert kv.flush_cache() == 20
    assert len(other_view(path)) == 20
    kv.close()


def test_threshold_and_cap_flush(path):
    kv = KVault(path)
    kv.enable_cache(cap_bytes=1000, flush_threshold=300)
    kv["a"] = b"x" * 200
    assert other_view(path) == {}
    kv["b"] = b"x" * 200  # pending >= threshold: committed
    assert len(other_view(path)) == 2
    kv["big"] = b"x" * 5000  # larger than the cap: written on its own
    assert len(other_view(path)) == 3
    kv.close()


def test_flush_thread_commits(path):
    kv = KVault(path)
    kv.enable_cache(flush_interval=0.05)
    kv["k"] = b"v"
    done = threading.Event()
    for _ in range(400):  # wait for the flush thread (bounded; no timing asserted)
        if other_view(path):
            done.set()
            break
        threading.Event().wait(0.025)
    assert done.is_set()
    kv.close()


def test_column_writes_share_the_transaction(path):
    kv = KVault(path)
    cv = ColumnVault(kv)
    col = cv.create_column("xs", "i64")
    with cv.cache():
        col.extend([1, 2, 3])
        kv["k"] = b"v"
        conn = kohakuvault.load(sqlite3.connect(path))
        assert conn.execute("SELECT count(*) FROM xs").fetchone()[0] == 0
    assert conn.execute("SELECT value FROM xs ORDER BY idx").fetchall() == [(1,), (2,), (3,)]
    assert conn.execute("SELECT value FROM kv").fetchall() == [(b"v",)]
    conn.close()
    kv.close()


def test_an_error_inside_the_cache_keeps_earlier_writes(path):
    cv = ColumnVault(path)
    col = cv.create_column("xs", "u8")
    with cv.cache():
        col.append(1)
        with pytest.raises(ValueError):
            col.append(999)
        col.append(2)
    assert list(col) == [1, 2]
    cv.close()
    assert list(ColumnVault(path)["xs"]) == [1, 2]
