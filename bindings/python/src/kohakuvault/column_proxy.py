"""ColumnVault and its columns: Python lists stored in ``kvcolumn`` virtual tables.

Each column is one kvcolumn table named like the column (so plain SQL sees it
too: ``SELECT value FROM "temps" WHERE idx < 10``).  Every element is packed
and read by the extension; this module only builds the statements:

=====================  =========================================================
append / insert        ``INSERT INTO t(value)`` / ``INSERT INTO t(idx, value)``
extend                 one ``'append'`` command: a ``kv_pack_many`` BLOB for
                       fixed-size dtypes, a JSON array for str/msgpack/cbor/vec;
                       bytes elements go through the ``raw`` column (executemany)
col[i], col[a:b]       ``SELECT value ... WHERE idx = ?`` / ``idx >= ? AND idx < ?``
col[i] = v, col[a:b]=  ``UPDATE ... SET value`` (``'write'`` for fixed-size
                       slices when the extension has it), atomic
del col[i], clear      ``DELETE`` (kvcolumn renumbers)
=====================  =========================================================

Columns share the vault's connection and write-back cache (``_session``).
"""

from __future__ import annotations

import contextlib
import os
from typing import Any, Iterable, Iterator, Optional, Union

from ._session import DEFAULT_CAP_BYTES, DEFAULT_FLUSH_THRESHOLD, Session, SessionCache
from ._sql import ident, literal
from ._values import DType, json_array_ok, numbers_json, param_encoder, result_decoder, to_json
from .errors import InvalidArgument, NotFound
from .packer import pack_many_sql, parse_dtype
from .proxy import KVault

__all__ = ["ColumnVault", "Column", "VarSizeColumn"]

_ITER_BATCH = 8192


def _has_function(session: Session, name: str) -> bool:
    return bool(session.query("SELECT 1 FROM pragma_function_list WHERE name = ?", (name,)))


class Column:
    """A typed column with the interface of a Python list (fixed- or variable-size elements)."""

    def __init__(self, vault: "ColumnVault", name: str, dtype: DType) -> None:
        self._vault = vault
        self._session = vault.session
        self.name = name
        self._dtype = dtype
        self._elem_size = dtype.elem_size
        self._encode = param_encoder(dtype)
        self._decode = result_decoder(dtype)
        t = ident(name)
        self._sql_get = f"SELECT value FROM {t} WHERE idx = ?"
        self._sql_range = f"SELECT value FROM {t} WHERE idx >= ? AND idx < ? ORDER BY idx"
        self._sql_last = f"SELECT idx FROM {t} ORDER BY idx DESC LIMIT 1"
        self._sql_append = f"INSERT INTO {t}(value) VALUES (?)"
        self._sql_append_raw = f"INSERT INTO {t}(raw) VALUES (?)"
        self._sql_insert = f"INSERT INTO {t}(idx, value) VALUES (?, ?)"
        self._sql_update = f"UPDATE {t} SET value = ? WHERE idx = ?"
        self._sql_delete = f"DELETE FROM {t} WHERE idx = ?"
        self._sql_delete_range = f"DELETE FROM {t} WHERE idx >= ? AND idx < ?"
        self._sql_clear = f"DELETE FROM {t}"
        self._sql_bulk = f"INSERT INTO {t}({t}, value) VALUES ('append', ?)"
        self._sql_bulk_packed = f"INSERT INTO {t}({t}, value) VALUES ('append', kv_pack_many(?, ?))"
        self._sql_write = f"INSERT INTO {t}({t}, idx, value) VALUES ('write', ?, ?)"

    # -- description -------------------------------------------------------------

    @property
    def dtype(self) -> str:
        return self._dtype.name

    @property
    def elem_size(self) -> int:
        return self._elem_size

    @property
    def is_varsize(self) -> bool:
        return self._dtype.is_varsize

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, dtype={self._dtype.name!r}, len={len(self)})"

    # -- helpers ----------------------------------------------------------------------

    def _size_of(self, param: Any) -> int:
        if self._elem_size:
            return self._elem_size
        return len(param) if isinstance(param, (bytes, str)) else 16

    def _normalize(self, index: int) -> int:
        if index < 0:
            index += len(self)
            if index < 0:
                raise IndexError("column index out of range")
        return index

    def _bounds(self, key: slice, exact: bool = True) -> tuple[int, int]:
        """``[start, stop)`` of a step-1 slice; ``exact=False`` may leave ``stop`` past the end (reads)."""
        if key.step not in (None, 1):
            raise ValueError("Step slicing not supported: use a slice with step 1 (col[a:b])")
        start, stop = key.start, key.stop
        if not exact and (start is None or type(start) is int and start >= 0) and type(stop) is int and stop >= 0:
            start = start or 0  # no length needed: the range query stops at the end by itself
            return start, max(start, stop)
        start, stop, _ = key.indices(len(self))
        return start, max(start, stop)

    def _read(self, start: int, stop: int) -> list:
        decode = self._decode
        return [decode(r[0]) for r in self._session.query(self._sql_range, (start, stop))]

    @staticmethod
    def _check_index_type(key: Any) -> None:
        if isinstance(key, bool) or not isinstance(key, (int, slice)) and not hasattr(key, "__index__"):
            raise TypeError(f"Column indices must be integers or slices, not {type(key).__name__}")

    # -- reads --------------------------------------------------------------------------

    def __len__(self) -> int:
        last = self._session.scalar(self._sql_last)
        return 0 if last is None else last + 1

    def __getitem__(self, key: Union[int, slice]) -> Any:
        self._check_index_type(key)
        if isinstance(key, slice):
            with self._session.lock:
                start, stop = self._bounds(key, exact=False)
                return self._read(start, stop) if stop > start else []
        with self._session.lock:
            rows = self._session.query(self._sql_get, (self._normalize(key.__index__()),))
        if not rows:
            raise IndexError("column index out of range")
        return self._decode(rows[0][0])

    def __iter__(self) -> Iterator[Any]:
        start = 0
        while True:
            batch = self._read(start, start + _ITER_BATCH)
            yield from batch
            if len(batch) < _ITER_BATCH:
                return
            start += _ITER_BATCH

    def to_list(self) -> list:
        return self[:]

    # -- writes -------------------------------------------------------------------------

    def append(self, value: Any) -> None:
        param = self._encode(value)
        self._session.write_statement(self._sql_append, (param,), self._size_of(param))

    def extend(self, values: Iterable[Any]) -> None:
        """Append every value in one statement where the dtype allows (all or nothing)."""
        values = list(values)
        if not values:
            return
        dtype = self._dtype
        encode = self._encode
        if not dtype.is_varsize:
            text = numbers_json(values) if dtype.family in ("integer", "float") else None
            if text is None and json_array_ok(dtype, values):
                text = to_json(values)
            if text is not None:
                with self._session.write(len(values) * self._elem_size, len(values)) as conn:
                    conn.execute(self._sql_bulk_packed, (dtype.name, text))
                return
            with self._session.lock:
                packed = pack_many_sql(self._session.query, dtype, values)
                with self._session.write(len(packed), len(values)) as conn:
                    conn.execute(self._sql_bulk, (packed,))
            return
        if json_array_ok(dtype, values):
            text = to_json(values)
            with self._session.write(len(text), len(values)) as conn:
                conn.execute(self._sql_bulk, (text,))
            return
        params = [(encode(v),) for v in values]
        raw = dtype.family == "bytes" and all(isinstance(p[0], bytes) for p in params)
        sql = self._sql_append_raw if raw else self._sql_append
        nbytes = sum(self._size_of(p[0]) for p in params)
        with self._session.write(nbytes, len(values), multi=True) as conn:
            conn.executemany(sql, params)

    def insert(self, index: int, value: Any) -> None:
        """Insert before ``index`` (list semantics: clamped to 0..len)."""
        param = self._encode(value)
        with self._session.lock:
            n = len(self)
            index = index.__index__()
            index = max(0, n + index) if index < 0 else min(index, n)
            with self._session.write(self._size_of(param)) as conn:
                conn.execute(self._sql_insert, (index, param))

    def __setitem__(self, key: Union[int, slice], value: Any) -> None:
        self._check_index_type(key)
        if isinstance(key, slice):
            self._set_slice(key, value)
            return
        param = self._encode(value)
        with self._session.lock:
            index = self._normalize(key.__index__())
            with self._session.write(self._size_of(param)) as conn:
                changed = conn.execute(self._sql_update, (param, index)).rowcount
        if changed == 0:
            raise IndexError("column assignment index out of range")

    def _set_slice(self, key: slice, values: Iterable[Any]) -> None:
        values = list(values)
        with self._session.lock:
            start, stop = self._bounds(key)
            if len(values) != stop - start:
                raise ValueError(
                    f"Slice length mismatch: slice [{start}:{stop}] has {stop - start} elements, "
                    f"got {len(values)} values (a column slice assignment cannot change the length)")
            if not values:
                return
            if not self._dtype.is_varsize and self._vault._has_write_command():
                packed = pack_many_sql(self._session.query, self._dtype, values)
                with self._session.write(len(packed), len(values)) as conn:
                    conn.execute(self._sql_write, (start, packed))
                return
            params = [(self._encode(v), start + i) for i, v in enumerate(values)]
            nbytes = sum(self._size_of(p[0]) for p in params)
            with self._session.write(nbytes, len(values), multi=True) as conn:
                conn.executemany(self._sql_update, params)

    def __delitem__(self, key: Union[int, slice]) -> None:
        self._check_index_type(key)
        with self._session.lock:
            if isinstance(key, slice):
                start, stop = self._bounds(key)
                if stop > start:
                    with self._session.write(entries=stop - start) as conn:
                        conn.execute(self._sql_delete_range, (start, stop))
                return
            index = self._normalize(key.__index__())
            with self._session.write() as conn:
                deleted = conn.execute(self._sql_delete, (index,)).rowcount
        if deleted == 0:
            raise IndexError("column index out of range")

    def clear(self) -> None:
        with self._session.write() as conn:
            conn.execute(self._sql_clear)

    # -- cache ----------------------------------------------------------------------------

    def cache(self, cap_bytes: int = DEFAULT_CAP_BYTES, flush_threshold: int = DEFAULT_FLUSH_THRESHOLD,
              flush_interval: Optional[float] = None, auto_flush: bool = True) -> contextlib.AbstractContextManager:
        """The vault's write-back cache for a block (it is shared by every column of the vault)."""
        return self._session.cache(cap_bytes, flush_threshold, flush_interval, auto_flush)


class VarSizeColumn(Column):
    """Name kept for upstream compatibility: every column is a :class:`Column`."""


class ColumnVault(SessionCache):
    """Typed columns in one SQLite file (or in the file of a :class:`KVault`, sharing its connection)."""

    def __init__(self, path_or_kvault: Union[str, os.PathLike, KVault], *, min_chunk_bytes: Optional[int] = None,
                 max_chunk_bytes: Optional[int] = None, enable_wal: bool = True, timeout: float = 5.0,
                 **_ignored: Any) -> None:
        # _ignored: upstream tuning knobs without a counterpart (chunk_bytes, cache_kb, ...)
        if isinstance(path_or_kvault, KVault):
            self.session = path_or_kvault.session
            self._owns_session = False
        else:
            self.session = Session(os.fspath(path_or_kvault), enable_wal=enable_wal, timeout=timeout)
            self._owns_session = True
        self._min_chunk = min_chunk_bytes
        self._max_chunk = max_chunk_bytes
        self._columns: dict[str, Column] = {}
        self._write_command: Optional[bool] = None

    def _has_write_command(self) -> bool:
        # The set-based 'write' command arrives with kvcolumn_slice; detect the pair once.
        if self._write_command is None:
            self._write_command = _has_function(self.session, "kvcolumn_slice")
        return self._write_command

    def _stored_dtype(self, name: str) -> Optional[str]:
        return self.session.scalar("SELECT dtype FROM kvcolumns WHERE name = ?", (name,))

    def _column(self, name: str, dtype_text: str) -> Column:
        col = self._columns.get(name)
        if col is None:
            col = Column(self, name, parse_dtype(dtype_text))
            self._columns[name] = col
        return col

    def create_column(self, name: str, dtype: str, *, min_chunk_bytes: Optional[int] = None,
                      max_chunk_bytes: Optional[int] = None, **_ignored: Any) -> Column:
        """Create a column (error if it exists).  ``use_rust_packer`` and similar upstream flags are accepted."""
        parsed = parse_dtype(dtype)
        options = [literal(parsed.name)]
        lo = min_chunk_bytes if min_chunk_bytes is not None else self._min_chunk
        hi = max_chunk_bytes if max_chunk_bytes is not None else self._max_chunk
        if lo is not None:
            options.append(f"min_chunk_bytes={int(lo)}")
        if hi is not None:
            options.append(f"max_chunk_bytes={int(hi)}")
        with self.session.lock:
            if self._stored_dtype(name) is not None:
                raise InvalidArgument(f"column {name!r} already exists (use ensure() to get or create)")
            with self.session.write() as conn:
                conn.execute(f"CREATE VIRTUAL TABLE {ident(name)} USING kvcolumn({', '.join(options)})")
            self._columns.pop(name, None)
            return self._column(name, parsed.name)

    def ensure(self, name: str, dtype: str, **options: Any) -> Column:
        """The column ``name``, created with ``dtype`` if missing (the same object on every call)."""
        with self.session.lock:
            stored = self._stored_dtype(name)
            if stored is None:
                return self.create_column(name, dtype, **options)
            if parse_dtype(stored) != parse_dtype(dtype):
                raise InvalidArgument(f"column {name!r} exists with dtype {stored}, not {dtype}")
            return self._column(name, stored)

    def __getitem__(self, name: str) -> Column:
        with self.session.lock:
            stored = self._stored_dtype(name)
            if stored is None:
                self._columns.pop(name, None)
                raise NotFound(f"column {name!r} not found")
            return self._column(name, stored)

    def __contains__(self, name: str) -> bool:
        return self._stored_dtype(name) is not None

    def list_columns(self) -> list[tuple[str, str, int]]:
        """``(name, dtype, length)`` of every column, by name."""
        return [tuple(r) for r in self.session.query("SELECT name, dtype, length FROM kvcolumns ORDER BY name")]

    def delete_column(self, name: str) -> bool:
        """Drop the column and its storage; False if there was none."""
        with self.session.lock:
            if self._stored_dtype(name) is None:
                return False
            with self.session.write() as conn:
                conn.execute(f"DROP TABLE {ident(name)}")
            self._columns.pop(name, None)
            return True

    def close(self) -> None:
        """Commit and close (the connection of a KVault passed in stays open until that KVault closes)."""
        if self._owns_session:
            self.session.close()
        else:
            self.session.flush_cache()

    def __enter__(self) -> "ColumnVault":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
