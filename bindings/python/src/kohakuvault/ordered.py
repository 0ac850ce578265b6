"""CSBTree and SkipList: ordered maps answered by ``kvindex`` tables kept in memory.

Each instance owns a private ``:memory:`` connection holding one
``kvindex(csbtree|skiplist, storage=memory)`` table, so the CSB+-tree or the
lock-free skip list of the extension does the ordering and the lookups.

Keys are what SQLite can order: int, float (numbers compare numerically with
each other), str (by UTF-8 bytes) and bytes; across types numbers < str <
bytes.  Arbitrary Python objects cannot be keys (upstream orders them with
``__lt__``; SQL ordering cannot call Python) - a TypeError says so.  Values
are any MessagePack-able value (packed by the extension, ``kv_pack('msgpack')``).

Thread safety: every call takes the instance's lock, so instances may be
shared by threads; iteration returns a snapshot taken under the lock.
"""

from __future__ import annotations

import sqlite3
import threading
from typing import Any, Iterable, Iterator, Optional

from . import _loader
from ._values import from_structured, structured_param
from .errors import from_sqlite

__all__ = ["CSBTree", "SkipList"]

_MISSING = object()
_I64 = (-(1 << 63), (1 << 63) - 1)


def _key(key: Any) -> Any:
    if isinstance(key, bool):
        return int(key)
    if isinstance(key, int):
        if not _I64[0] <= key <= _I64[1]:
            raise OverflowError(f"integer key {key} does not fit in 64 bits (SQLite INTEGER)")
        return key
    if isinstance(key, (float, str, bytes)):
        return key
    if isinstance(key, (bytearray, memoryview)):
        return bytes(key)
    raise TypeError(
        f"{type(key).__name__} cannot be a key: keys are int, float, str or bytes "
        "(they are ordered by SQLite, which cannot call Python's __lt__)")


class _OrderedMap:
    _backend = ""  # 'csbtree' or 'skiplist'

    def __init__(self, items: Optional[Iterable[tuple[Any, Any]]] = None) -> None:
        self._conn = _loader.connect(":memory:")
        self._lock = threading.RLock()
        self._run(f"CREATE VIRTUAL TABLE m USING kvindex({self._backend}, storage=memory)")
        if items is not None:
            self.update(items)

    def _run(self, sql: str, params: Any = ()) -> list:
        with self._lock:
            try:
                return self._conn.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise from_sqlite(exc) from exc

    def _get(self, key: Any) -> Any:
        rows = self._run("SELECT kv_unpack('msgpack', value) FROM m WHERE key = ?", (_key(key),))
        return from_structured(rows[0][0]) if rows else _MISSING

    def _put(self, key: Any, value: Any, replace: bool) -> None:
        verb = "INSERT OR REPLACE" if replace else "INSERT OR IGNORE"
        self._run(f"{verb} INTO m(key, value) VALUES (?, kv_pack('msgpack', ?))",
                  (_key(key), structured_param(value)))

    # -- lookups --------------------------------------------------------------------

    def get(self, key: Any, default: Any = None) -> Any:
        value = self._get(key)
        return default if value is _MISSING else value

    def get_default(self, key: Any, default: Any) -> Any:
        return self.get(key, default)

    def __getitem__(self, key: Any) -> Any:
        value = self._get(key)
        if value is _MISSING:
            raise KeyError(key)
        return value

    def __contains__(self, key: Any) -> bool:
        try:
            return bool(self._run("SELECT 1 FROM m WHERE key = ?", (_key(key),)))
        except (TypeError, OverflowError):
            return False

    def __len__(self) -> int:
        return self._run("SELECT count(*) FROM m")[0][0]

    def is_empty(self) -> bool:
        return not self._run("SELECT 1 FROM m LIMIT 1")

    def items(self) -> list:
        return [(k, from_structured(v)) for k, v in
                self._run("SELECT key, kv_unpack('msgpack', value) FROM m ORDER BY key")]

    def keys(self) -> list:
        return [r[0] for r in self._run("SELECT key FROM m ORDER BY key")]

    def values(self) -> list:
        return [from_structured(r[0]) for r in
                self._run("SELECT kv_unpack('msgpack', value) FROM m ORDER BY key")]

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        return iter(self.items())

    def range(self, start: Any, end: Any) -> list:
        """``(key, value)`` pairs with ``start <= key < end``, in key order."""
        rows = self._run("SELECT key, kv_unpack('msgpack', value) FROM m WHERE key >= ? AND key < ? ORDER BY key",
                         (_key(start), _key(end)))
        return [(k, from_structured(v)) for k, v in rows]

    # -- writes ------------------------------------------------------------------------

    def __setitem__(self, key: Any, value: Any) -> None:
        self._put(key, value, replace=True)

    def remove(self, key: Any) -> Any:
        """Delete ``key``; returns its value, or None when it was absent."""
        with self._lock:
            value = self._get(key)
            if value is _MISSING:
                return None
            self._run("DELETE FROM m WHERE key = ?", (_key(key),))
            return value

    def __delitem__(self, key: Any) -> None:
        with self._lock:
            if self._get(key) is _MISSING:
                raise KeyError(key)
            self._run("DELETE FROM m WHERE key = ?", (_key(key),))

    def setdefault(self, key: Any, default: Any = None) -> Any:
        with self._lock:
            value = self._get(key)
            if value is _MISSING:
                self._put(key, default, replace=False)
                return default
            return value

    def update(self, items: Any) -> None:
        pairs = items.items() if hasattr(items, "items") else items
        with self._lock:
            for key, value in pairs:
                self._put(key, value, replace=True)

    def clear(self) -> None:
        self._run("DELETE FROM m")

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(len={len(self)})"


class CSBTree(_OrderedMap):
    """Ordered map over the extension's cache-sensitive B+-tree.  ``insert`` replaces and returns the old value."""

    _backend = "csbtree"

    def insert(self, key: Any, value: Any) -> Any:
        with self._lock:
            old = self._get(key)
            self._put(key, value, replace=True)
            return None if old is _MISSING else old


class SkipList(_OrderedMap):
    """Ordered map over the extension's lock-free skip list.

    ``insert`` keeps an existing value and returns it (as upstream); ``sl[k] = v`` replaces.
    """

    _backend = "skiplist"

    def insert(self, key: Any, value: Any) -> Any:
        with self._lock:
            old = self._get(key)
            if old is _MISSING:
                self._put(key, value, replace=False)
                return None
            return old
