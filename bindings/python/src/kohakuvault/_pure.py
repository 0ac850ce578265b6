"""A per-thread in-memory connection for the extension's pure functions.

DataPacker (kv_pack, kv_unpack, kv_pack_many, kv_unpack_each, kv_dtype)
needs no database, only the functions; each thread gets its own
``:memory:`` connection with the extension loaded, so packing never
contends for a lock.
"""

from __future__ import annotations

import sqlite3
import threading
from typing import Any

from . import _loader
from .errors import from_sqlite

_local = threading.local()


def connection() -> sqlite3.Connection:
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = _loader.connect(":memory:")
        _local.conn = conn
    return conn


def query(sql: str, params: Any = ()) -> list:
    try:
        return connection().execute(sql, params).fetchall()
    except sqlite3.Error as exc:
        raise from_sqlite(exc) from exc


def scalar(sql: str, params: Any = ()) -> Any:
    return query(sql, params)[0][0]
