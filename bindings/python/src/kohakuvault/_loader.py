"""Finding the SQLite extension module and loading it into a connection.

Where the module comes from, in order:

1. the environment variable ``KOHAKUVAULT_EXTENSION`` (path to the built
   ``kohakuvault.so``; a source checkout points it at ``build/kohakuvault.so``);
2. the copy bundled in an installed wheel: ``kohakuvault/_lib/kohakuvault.so``.

The module's entry point is always ``sqlite3_kohakuvault_init``, so the file
may have any name.  Python's ``sqlite3`` needs a build with loadable-extension
support (Debian's ``/usr/bin/python3`` has it; pyenv's default build and some
distributions' do not); without it :func:`load` raises
:class:`~kohakuvault.errors.ExtensionNotLoadable` naming the fixes.
"""

from __future__ import annotations

import os
import sqlite3
from typing import Any

from .errors import ExtensionNotLoadable, from_sqlite

ENV_VAR = "KOHAKUVAULT_EXTENSION"
ENTRY_POINT = "sqlite3_kohakuvault_init"
_BUNDLED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_lib", "kohakuvault.so")

_NO_LOADING = (
    "this Python's sqlite3 module was built without loadable-extension support "
    "(sqlite3.Connection has no enable_load_extension), so it cannot load the "
    "kohakuvault SQLite extension. Fixes: run a Python built with "
    "--enable-loadable-sqlite-extensions (e.g. Debian's /usr/bin/python3; pyenv: "
    "PYTHON_CONFIGURE_OPTS=--enable-loadable-sqlite-extensions), or use APSW "
    "(pip install apsw / apt install python3-apsw) and call "
    "kohakuvault.load(apsw.Connection(path)) for SQL access"
)


def loadable_path() -> str:
    """Absolute path of the extension module this package loads."""
    path = os.environ.get(ENV_VAR)
    if path:
        if not os.path.isfile(path):
            raise ExtensionNotLoadable(f"{ENV_VAR}={path!r} is not a file (expected the built kohakuvault.so)")
        return os.path.abspath(path)
    if os.path.isfile(_BUNDLED):
        return _BUNDLED
    raise ExtensionNotLoadable(
        f"the kohakuvault SQLite extension was not found: set {ENV_VAR} to the built module "
        f"(build/kohakuvault.so in a source checkout) or install the wheel, which bundles it"
    )


def _is_apsw(conn: Any) -> bool:
    return type(conn).__module__.split(".")[0] == "apsw"


def load(conn: Any) -> Any:
    """Load the extension into ``conn`` (a ``sqlite3.Connection`` or an ``apsw.Connection``).

    Returns ``conn``.  Extension loading is switched off again afterwards, so
    SQL run later on the connection cannot load other modules.
    """
    path = loadable_path()
    if _is_apsw(conn):
        # APSW >= 3.42 spells them enable_load_extension/load_extension, older ones without underscores.
        enable = getattr(conn, "enable_load_extension", None) or conn.enableloadextension
        load_ext = getattr(conn, "load_extension", None) or conn.loadextension
        enable(True)
        try:
            load_ext(path, ENTRY_POINT)
        except Exception as exc:
            raise ExtensionNotLoadable(f"loading {path} failed: {exc}") from exc
        finally:
            enable(False)
        return conn
    if not hasattr(conn, "enable_load_extension"):
        raise ExtensionNotLoadable(_NO_LOADING)
    conn.enable_load_extension(True)
    try:
        conn.execute("SELECT load_extension(?, ?)", (path, ENTRY_POINT)).fetchall()
    except sqlite3.Error as exc:
        raise ExtensionNotLoadable(f"loading {path} failed: {exc}") from exc
    finally:
        conn.enable_load_extension(False)
    return conn


def connect(path: str, *, timeout: float = 5.0, enable_wal: bool = True) -> sqlite3.Connection:
    """Open ``path`` with Python's sqlite3, load the extension, set the pragmas the API relies on.

    The connection is in autocommit mode (``isolation_level=None``): the API
    opens transactions itself (the write-back cache is one open transaction).
    It may be used from several threads; the API serialises access with a lock.
    """
    if not hasattr(sqlite3.Connection, "enable_load_extension"):
        raise ExtensionNotLoadable(_NO_LOADING)
    try:
        conn = sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as exc:
        raise from_sqlite(exc) from exc
    try:
        load(conn)
        if path != ":memory:" and enable_wal:
            conn.execute("PRAGMA journal_mode=WAL").fetchall()
            conn.execute("PRAGMA synchronous=NORMAL")
    except BaseException:
        conn.close()
        raise
    return conn
