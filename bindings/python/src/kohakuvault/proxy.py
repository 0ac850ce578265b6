"""KVault: a dict-like key -> value store over a ``kvault`` virtual table.

Keys are bytes (``str`` keys are their UTF-8 bytes, as upstream).  Values
follow upstream's latest release: bytes-like values are stored raw; any other
value is auto-packed by the extension (``kv_pack('auto', ...)``) with
KohakuVault's 10-byte header - str as UTF-8 (0x06), int/float/None as
MessagePack (0x04), dict/list/bool as JSON (0x03) - and read back as the same
Python value.  Raw bytes that happen to start with the header are wrapped
by the extension so they never read back as something else.  Objects of
other types are refused (upstream pickles them; unpickling runs code).

Large values stream through ``kvault_import`` / ``kvault_export`` /
``kvault_read`` with bounded memory.  The write-back cache is the session's
SQLite transaction (``_session``).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from typing import Any, BinaryIO, Iterator, Optional, Union

from ._session import Session, SessionCache
from ._sql import ident
from ._values import from_structured, to_json
from .errors import InvalidArgument, NotFound

KeyType = Union[bytes, str]
_MISSING = object()
_I64 = (-(1 << 63), (1 << 63) - 1)


def _key(key: Any) -> bytes:
    if isinstance(key, bytes):
        return key
    if isinstance(key, str):
        return key.encode("utf-8")
    if isinstance(key, (bytearray, memoryview)):
        return bytes(key)
    raise InvalidArgument(f"key must be bytes or str, got {type(key).__name__}")


_AUTO = "kv_pack('auto', ?)"
_AUTO_JSON = "kv_pack('auto', json(?))"  # JSON subtype: stored with the JSON encoding id (0x03)


def _value_param(value: Any) -> tuple[str, Any]:
    """(SQL expression over ?, parameter) that auto-packs ``value``."""
    if type(value) is bytes:
        return _AUTO, value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return _AUTO, bytes(value)
    if isinstance(value, str) or value is None or isinstance(value, float):
        return _AUTO, value
    if isinstance(value, int) and not isinstance(value, bool) and _I64[0] <= value <= _I64[1]:
        return _AUTO, value
    if isinstance(value, (dict, list, tuple, bool, int)):
        return _AUTO_JSON, to_json(value)
    raise InvalidArgument(
        f"cannot store a {type(value).__name__}: values are bytes, str, int, float, None, bool, "
        "or dict/list of those (no pickling)")


def _decode(result: Any, encoding: Optional[str]) -> Any:
    if isinstance(result, str) and encoding in ("json", "msgpack", "cbor"):
        return from_structured(result)
    return result


class KVault(SessionCache):
    """Key -> value store in one SQLite file (``:memory:`` for a private in-memory one)."""

    def __init__(self, path: Union[str, os.PathLike], *, table: str = "kv", chunk_size: int = 1 << 20,
                 enable_wal: bool = True, timeout: float = 5.0, **_ignored: Any) -> None:
        # _ignored: upstream tuning knobs (retries, backoff_base, page_size, mmap_size, cache_kb)
        # that SQLite's own busy timeout and defaults replace.
        self._path = os.fspath(path)
        self._table = table
        self._t = ident(table)
        self._chunk = int(chunk_size)
        self.session = Session(self._path, enable_wal=enable_wal, timeout=timeout)
        self._sql_put = {expr: f"INSERT OR REPLACE INTO {self._t}(key, value) VALUES (?, {expr})"
                         for expr in (_AUTO, _AUTO_JSON)}
        self._sql_get = f"SELECT kv_unpack('auto', value) FROM {self._t} WHERE key = ?"
        self._sql_delete = f"DELETE FROM {self._t} WHERE key = ?"
        with self.session.lock:
            self.session.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS {self._t} USING kvault")
            sql = self.session.scalar("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?", (table,))
            if sql is None or "kvault" not in sql.lower():
                self.session.close()
                raise InvalidArgument(
                    f"table {table!r} of {self._path!r} exists and is not a kvault table (a KohakuVault file? "
                    "its tables are read from SQL: see 'Migrating a script' in docs/python.md)")

    # -- lifetime ---------------------------------------------------------------

    def __repr__(self) -> str:
        state = "closed" if self.session.closed else "open"
        return f"KVault({self._path!r}, table={self._table!r}, {state})"

    def close(self) -> None:
        """Commit cached writes and close the connection."""
        self.session.close()

    def __enter__(self) -> "KVault":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- dict interface -----------------------------------------------------------

    def put(self, key: KeyType, value: Any) -> None:
        k = _key(key)
        expr, param = _value_param(value)
        size = len(k) + (len(param) if isinstance(param, (bytes, str)) else 8)
        self.session.write_statement(self._sql_put[expr], (k, param), size)

    def get(self, key: KeyType, default: Any = None) -> Any:
        k = _key(key)
        with self.session.lock:
            rows = self.session.query(self._sql_get, (k,))
            if not rows:
                return default
            result = rows[0][0]
            if isinstance(result, str):  # utf8 text or JSON of a structured value: ask the header
                encoding = self.session.scalar(f"SELECT encoding FROM {self._t} WHERE key = ?", (k,))
                return _decode(result, encoding)
            return result

    def __getitem__(self, key: KeyType) -> Any:
        value = self.get(key, _MISSING)
        if value is _MISSING:
            raise KeyError(key)
        return value

    def __setitem__(self, key: KeyType, value: Any) -> None:
        self.put(key, value)

    def delete(self, key: KeyType) -> bool:
        """Remove ``key``; True if it existed."""
        k = _key(key)
        return self.session.write_statement(self._sql_delete, (k,), len(k)).rowcount > 0

    def __delitem__(self, key: KeyType) -> None:
        if not self.delete(key):
            raise KeyError(key)

    def exists(self, key: KeyType) -> bool:
        return bool(self.session.query(f"SELECT 1 FROM {self._t} WHERE key = ?", (_key(key),)))

    def __contains__(self, key: Any) -> bool:
        try:
            return self.exists(key)
        except InvalidArgument:
            return False

    def __len__(self) -> int:
        return int(self.session.scalar(f"SELECT count(*) FROM {self._t}"))

    def _pages(self, columns: str, prefix: Optional[KeyType], page: int) -> Iterator[list]:
        """Rows in key order, fetched ``page`` at a time (each page one pushed-down range query)."""
        where = ["prefix = ?"] if prefix is not None else []
        base = [_key(prefix)] if prefix is not None else []
        after: Optional[bytes] = None
        while True:
            conds = where + (["key > ?"] if after is not None else [])
            sql = f"SELECT key, {columns} FROM {self._t}"
            if conds:
                sql += " WHERE " + " AND ".join(conds)
            rows = self.session.query(sql + " ORDER BY key LIMIT ?",
                                      base + ([after] if after is not None else []) + [page])
            if rows:
                yield rows
            if len(rows) < page:
                return
            after = rows[-1][0]

    def keys(self, prefix: Optional[KeyType] = None, limit: Optional[int] = None) -> Iterator[bytes]:
        """Keys in byte order (all of them: no 10,000-key cap), optionally only those starting with ``prefix``.

        Fetched in pages, so memory stays bounded; ``limit`` caps the count.
        """
        count = 0
        for rows in self._pages("1", prefix, 4096):
            for row in rows:
                if limit is not None and count >= limit:
                    return
                count += 1
                yield row[0]

    def __iter__(self) -> Iterator[bytes]:
        return self.keys()

    def items(self, prefix: Optional[KeyType] = None) -> Iterator[tuple[bytes, Any]]:
        """(key, value) pairs in key order, fetched 64 at a time."""
        for rows in self._pages("kv_unpack('auto', value), encoding", prefix, 64):
            for k, v, enc in rows:
                yield k, _decode(v, enc)

    def values(self) -> Iterator[Any]:
        return (v for _, v in self.items())

    def pop(self, key: KeyType, default: Any = _MISSING) -> Any:
        with self.session.lock:
            value = self.get(key, _MISSING)
            if value is _MISSING:
                if default is _MISSING:
                    raise KeyError(key)
                return default
            self.delete(key)
            return value

    def setdefault(self, key: KeyType, default: Any = b"") -> Any:
        with self.session.lock:
            value = self.get(key, _MISSING)
            if value is _MISSING:
                self.put(key, default)
                return default
            return value

    def update(self, other: Any = (), **kwargs: Any) -> None:
        pairs = other.items() if hasattr(other, "items") else other
        for key, value in pairs:
            self.put(key, value)
        for key, value in kwargs.items():
            self.put(key, value)

    def clear(self) -> None:
        with self.session.write() as conn:
            conn.execute(f"DELETE FROM {self._t}")

    # -- streaming ------------------------------------------------------------------

    def put_file(self, key: KeyType, reader: Any, *, size: Optional[int] = None,
                 chunk_size: Optional[int] = None) -> int:
        """Store the contents of a file (a path, or a binary file object) under ``key``; returns bytes stored.

        Streams with bounded memory through ``kvault_import``.  A file object
        that is not a plain file on disk is first spooled to a temporary file.
        """
        k = _key(key)
        if isinstance(reader, (bytes, bytearray, memoryview)):
            self.put(k, bytes(reader))
            return len(reader)
        chunk = int(chunk_size or self._chunk)
        if isinstance(reader, (str, os.PathLike)):
            return self._import(k, os.fspath(reader), chunk)
        name = getattr(reader, "name", None)
        if isinstance(name, str) and os.path.isfile(name) and size is None and _at_start(reader):
            return self._import(k, name, chunk)
        with tempfile.NamedTemporaryFile(prefix="kohakuvault-", delete=True) as spool:
            if size is None:
                shutil.copyfileobj(reader, spool, chunk)
            else:
                _copy_exactly(reader, spool, int(size), chunk)
            spool.flush()
            return self._import(k, spool.name, chunk)

    def _import(self, key: bytes, path: str, chunk: int) -> int:
        try:
            nbytes = os.path.getsize(path)
        except OSError:
            nbytes = 0  # kvault_import reports the unreadable path (IoError)
        with self.session.write(nbytes) as conn:
            return conn.execute("SELECT kvault_import(?, ?, ?, ?)", (self._table, key, path, chunk)).fetchone()[0]

    def get_to_file(self, key: KeyType, writer: Any, *, chunk_size: Optional[int] = None) -> int:
        """Write the value of ``key`` to ``writer`` (a path or a binary file object); returns bytes written."""
        k = _key(key)
        chunk = int(chunk_size or self._chunk)
        if isinstance(writer, (str, os.PathLike)):
            return self._export(k, os.fspath(writer), chunk)
        with tempfile.TemporaryDirectory(prefix="kohakuvault-") as tmp:
            path = os.path.join(tmp, "value")
            written = self._export(k, path, chunk)
            with open(path, "rb") as f:
                shutil.copyfileobj(f, writer, chunk)
            return written

    def _export(self, key: bytes, path: str, chunk: int) -> int:
        written = self.session.scalar("SELECT kvault_export(?, ?, ?, ?)", (self._table, key, path, chunk))
        if written is None:
            raise NotFound(f"key {key!r} not found")
        return int(written)

    def read_range(self, key: KeyType, offset: int, length: Optional[int] = None) -> bytes:
        """``length`` bytes of the stored value from byte ``offset`` (to the end when None)."""
        k = _key(key)
        if length is None:
            result = self.session.scalar("SELECT kvault_read(?, ?, ?)", (self._table, k, offset))
        else:
            result = self.session.scalar("SELECT kvault_read(?, ?, ?, ?)", (self._table, k, offset, length))
        if result is None:
            raise NotFound(f"key {k!r} not found")
        return result

    def optimize(self) -> None:
        """``PRAGMA optimize`` and ``VACUUM`` (after committing the cache)."""
        self.session.flush_cache()
        self.session.execute("PRAGMA optimize")
        self.session.execute("VACUUM")


def _at_start(f: Any) -> bool:
    try:
        return f.tell() == 0
    except (OSError, AttributeError, ValueError):
        return False


def _copy_exactly(reader: BinaryIO, writer: BinaryIO, size: int, chunk: int) -> None:
    left = size
    while left > 0:
        block = reader.read(min(chunk, left))
        if not block:
            raise InvalidArgument(f"the reader ended {left} bytes before the announced size {size}")
        writer.write(block)
        left -= len(block)
