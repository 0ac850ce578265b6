"""Exception classes and the mapping from the extension's SQLite errors.

Every failure inside the extension is an SQLite error whose message starts
with ``kohakuvault:``.  :func:`from_sqlite` turns such an error into the
exception class KohakuVault's Python API raises for it, keeping the
extension's message (which names the bad value) and putting KohakuVault's
wording in front where upstream's callers match on it ("Unknown dtype",
"Data too long", "Not enough data", "non-ASCII", "outside Latin1 range",
"Validation errors").

Mapping (primary SQLite result code -> class):

=====================  ==========================================
BUSY, LOCKED           DatabaseBusy
IOERR, CANTOPEN, FULL  IoError (also an OSError)
MISMATCH               InvalidType (an InvalidArgument and a TypeError)
TOOBIG, RANGE, ERROR   InvalidArgument (a ValueError) when the message is
  CONSTRAINT           about a value, else KohakuVaultError
CORRUPT                CorruptData (a ValueError) - or "Not enough data"
NOMEM                  MemoryError
=====================  ==========================================
"""

from __future__ import annotations

import re

__all__ = [
    "KohakuVaultError",
    "NotFound",
    "DatabaseBusy",
    "InvalidArgument",
    "InvalidType",
    "IoError",
    "CorruptData",
    "ExtensionNotLoadable",
    "from_sqlite",
]


class KohakuVaultError(Exception):
    """Base class of every error this package raises on purpose."""


class NotFound(KohakuVaultError, KeyError):
    """A key or column does not exist (also a KeyError, like a dict)."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return Exception.__str__(self)


class DatabaseBusy(KohakuVaultError):
    """Another connection holds a lock (SQLITE_BUSY / SQLITE_LOCKED) past the busy timeout."""


class InvalidArgument(KohakuVaultError, ValueError):
    """A value, dtype or option the extension refused."""


class InvalidType(InvalidArgument, TypeError):
    """A value of the wrong SQL type for the dtype (SQLITE_MISMATCH)."""


class IoError(KohakuVaultError, OSError):
    """The database or a streamed file could not be read or written."""


class CorruptData(KohakuVaultError, ValueError):
    """Stored or given bytes are not valid for their dtype (SQLITE_CORRUPT)."""


class ExtensionNotLoadable(KohakuVaultError, ImportError):
    """The SQLite extension module cannot be found or this Python cannot load it."""


# SQLite primary result codes (sqlite3.h)
_ERROR, _NOMEM, _BUSY, _LOCKED, _IOERR, _CORRUPT = 1, 7, 5, 6, 10, 11
_FULL, _CANTOPEN, _TOOBIG, _CONSTRAINT, _MISMATCH, _RANGE = 13, 14, 18, 19, 20, 25

# (compiled pattern over the extension's message, KohakuVault's wording, class)
_WORDING = [
    (re.compile(r"unknown dtype|malformed dtype|dtype '.*' (is|has)"), "Unknown dtype", InvalidArgument),
    (re.compile(r"too big for (bytes|str|msgpack|cbor)"), "Data too long", InvalidArgument),
    (re.compile(r"cannot be encoded in ascii"), "non-ASCII character", InvalidArgument),
    (re.compile(r"cannot be encoded in latin1"), "character outside Latin1 range", InvalidArgument),
    (re.compile(r"byte_offset \d+ is outside|runs past the|is truncated"), "Not enough data", InvalidArgument),
    (re.compile(r"does not match schema"), "Validation errors", InvalidArgument),
]

_SHORT = re.compile(r"expected (\d+) bytes for .*, got (\d+)")


def _message(exc: BaseException) -> str:
    return str(exc.args[0]) if exc.args else str(exc)


def from_sqlite(exc: BaseException) -> BaseException:
    """Return the KohakuVault exception for an sqlite3 (or apsw) error ``exc``.

    Non-SQLite exceptions are returned unchanged.
    """
    if isinstance(exc, KohakuVaultError):
        return exc
    code = getattr(exc, "sqlite_errorcode", None)
    if code is None:
        code = getattr(exc, "result", None)  # apsw
    if code is None:
        return exc
    primary = code & 0xFF
    msg = _message(exc)
    if primary in (_BUSY, _LOCKED):
        return DatabaseBusy(msg)
    if primary in (_IOERR, _CANTOPEN, _FULL):
        return IoError(msg)
    if primary == _NOMEM:
        return MemoryError(msg)
    short = _SHORT.search(msg)
    if short and int(short.group(2)) < int(short.group(1)):
        return InvalidArgument(f"Not enough data: {msg}")
    for pattern, wording, cls in _WORDING:
        if pattern.search(msg):
            return cls(f"{wording}: {msg}")
    if primary == _MISMATCH:
        return InvalidType(msg)
    if primary == _CORRUPT:
        return CorruptData(msg)
    if primary in (_TOOBIG, _RANGE, _CONSTRAINT) or msg.startswith("kohakuvault:"):
        return InvalidArgument(msg)
    return KohakuVaultError(msg)
