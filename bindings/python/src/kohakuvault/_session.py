"""One SQLite connection shared by KVault and ColumnVault, and its write-back cache.

The write-back cache is an SQLite transaction: while the cache is enabled,
the first write opens ``BEGIN`` and later writes join it; a flush is
``COMMIT``.  So reads always see cached writes, deletes are never resurrected,
and nothing is ever dropped: a full cache commits, closing commits, and a
value larger than the cache commits what is pending and is then written on
its own (KohakuVault's "bypass").  kvcolumn buffers column writes inside the
transaction (its own ``cache_bytes`` cap), kvault writes are ordinary rows.

Flush rules (KohakuVault's):

* pending bytes + the next write > ``cap_bytes`` -> flush first;
* a write larger than ``cap_bytes`` -> flush, then write outside the cache;
* pending bytes >= ``flush_threshold`` after a write -> flush (unless
  ``auto_flush=False`` or the cache is locked);
* ``flush_interval`` seconds after the oldest pending write -> the flush
  thread commits (never while :meth:`Session.lock_cache` is held).

``lock_cache()`` suspends every automatic flush (cap, threshold, thread) so a
group of writes commits together; the transaction simply grows past the cap.

All database work goes through :attr:`Session.lock` (an RLock), so one
Session may be shared by any number of threads (the flush thread included).
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
import weakref
from typing import Any, Iterator, Optional

from . import _loader
from .errors import KohakuVaultError, from_sqlite

DEFAULT_CAP_BYTES = 64 << 20
DEFAULT_FLUSH_THRESHOLD = 16 << 20


class _FlushThread(threading.Thread):
    """Commits the cache ``interval`` seconds after its oldest pending write."""

    def __init__(self, session: "Session", interval: float) -> None:
        super().__init__(name="kohakuvault-flush", daemon=True)
        self._session_ref = weakref.ref(session)
        self.interval = interval
        self.stop_event = threading.Event()

    def run(self) -> None:
        tick = max(0.01, self.interval / 4)
        while not self.stop_event.wait(tick):
            session = self._session_ref()
            if session is None:
                return
            session._flush_if_due(self.interval)
            del session


class Session:
    """A connection, its lock, and its transaction-backed write-back cache."""

    def __init__(self, path: str, *, enable_wal: bool = True, timeout: float = 5.0) -> None:
        self.path = path
        self.conn = _loader.connect(path, timeout=timeout, enable_wal=enable_wal)
        self.lock = threading.RLock()
        self.closed = False
        # cache state
        self.cache_enabled = False
        self.cap_bytes = DEFAULT_CAP_BYTES
        self.flush_threshold = DEFAULT_FLUSH_THRESHOLD
        self.auto_flush = True
        self.pending_entries = 0
        self.pending_bytes = 0
        self.oldest_pending: Optional[float] = None
        self.lock_depth = 0
        self._cache_txn = False  # True while the cache's BEGIN is open
        self._flusher: Optional[_FlushThread] = None
        self._finalizer = weakref.finalize(self, Session._finalize, self.conn, self.lock)

    # -- plain SQL --------------------------------------------------------------

    def execute(self, sql: str, params: Any = ()) -> sqlite3.Cursor:
        with self.lock:
            self._check_open()
            try:
                return self.conn.execute(sql, params)
            except sqlite3.Error as exc:
                raise from_sqlite(exc) from exc

    def query(self, sql: str, params: Any = ()) -> list:
        with self.lock:
            self._check_open()
            try:
                return self.conn.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise from_sqlite(exc) from exc

    def scalar(self, sql: str, params: Any = ()) -> Any:
        rows = self.query(sql, params)
        return rows[0][0] if rows else None

    @contextlib.contextmanager
    def atomic(self) -> Iterator[sqlite3.Connection]:
        """All statements inside happen or none does (a savepoint; inside the cache's transaction too)."""
        with self.lock:
            self._check_open()
            try:
                self.conn.execute("SAVEPOINT kohakuvault_atomic")
            except sqlite3.Error as exc:
                raise from_sqlite(exc) from exc
            try:
                yield self.conn
            except BaseException as exc:
                try:
                    self.conn.execute("ROLLBACK TO kohakuvault_atomic")
                    self.conn.execute("RELEASE kohakuvault_atomic")
                except sqlite3.Error:
                    pass
                if isinstance(exc, sqlite3.Error):
                    raise from_sqlite(exc) from exc
                raise
            else:
                try:
                    self.conn.execute("RELEASE kohakuvault_atomic")
                except sqlite3.Error as exc:
                    raise from_sqlite(exc) from exc

    # -- writes through the cache --------------------------------------------------

    def _before_write(self, nbytes: int) -> bool:
        """Apply the flush rules ahead of a write; True when the write joins the cache's transaction."""
        if not self.cache_enabled:
            return False
        unlocked = self.lock_depth == 0
        if nbytes > self.cap_bytes and unlocked:
            self._commit()  # bypass: pending first, then this write on its own
            return False
        if unlocked and self.pending_bytes + nbytes > self.cap_bytes:
            self._commit()
        self._begin()
        return True

    def _after_write(self, nbytes: int, entries: int) -> None:
        self.pending_entries += entries
        self.pending_bytes += nbytes
        if self.oldest_pending is None:
            self.oldest_pending = time.monotonic()
        if self.lock_depth == 0 and self.auto_flush and self.pending_bytes >= self.flush_threshold:
            self._commit()

    def write_statement(self, sql: str, params: Any = (), nbytes: int = 0, entries: int = 1) -> sqlite3.Cursor:
        """Run one writing statement through the cache (the hot path of put/append)."""
        with self.lock:
            self._check_open()
            cached = self._before_write(nbytes)
            try:
                cursor = self.conn.execute(sql, params)
            except sqlite3.Error as exc:
                raise from_sqlite(exc) from exc
            if cached:
                self._after_write(nbytes, entries)
            return cursor

    @contextlib.contextmanager
    def write(self, nbytes: int = 0, entries: int = 1, multi: bool = False) -> Iterator[sqlite3.Connection]:
        """Context for one logical write of about ``nbytes`` bytes (``entries`` cache entries).

        ``multi=True``: the block runs several statements, made atomic with a
        savepoint.  With the cache off each write commits on exit; with it on,
        the write joins the cache's transaction after the flush rules above.
        """
        with self.lock:
            self._check_open()
            cached = self._before_write(nbytes)
            with (self.atomic() if multi else self._statement()) as conn:
                yield conn
            if cached:
                self._after_write(nbytes, entries)

    @contextlib.contextmanager
    def _statement(self) -> Iterator[sqlite3.Connection]:
        try:
            yield self.conn
        except sqlite3.Error as exc:
            raise from_sqlite(exc) from exc

    def _begin(self) -> None:
        if self._cache_txn:
            return
        if self.conn.in_transaction:
            raise KohakuVaultError("cannot start the write-back cache inside a transaction opened by other code")
        try:
            self.conn.execute("BEGIN")
        except sqlite3.Error as exc:
            raise from_sqlite(exc) from exc
        self._cache_txn = True

    def _commit(self) -> int:
        flushed = self.pending_entries
        if self._cache_txn:
            try:
                self.conn.execute("COMMIT")
            except sqlite3.Error as exc:
                raise from_sqlite(exc) from exc
            self._cache_txn = False
        self.pending_entries = 0
        self.pending_bytes = 0
        self.oldest_pending = None
        return flushed

    # -- cache control ------------------------------------------------------------------

    def enable_cache(self, cap_bytes: int = DEFAULT_CAP_BYTES, flush_threshold: int = DEFAULT_FLUSH_THRESHOLD,
                     flush_interval: Optional[float] = None, auto_flush: bool = True) -> None:
        """Turn the cache on (again): pending writes stay pending, settings are replaced."""
        if cap_bytes <= 0 or flush_threshold <= 0:
            raise ValueError("cap_bytes and flush_threshold must be positive")
        if flush_interval is not None and flush_interval <= 0:
            raise ValueError("flush_interval must be positive (or None for no flush thread)")
        with self.lock:
            self._check_open()
            self.cache_enabled = True
            self.cap_bytes = int(cap_bytes)
            self.flush_threshold = int(flush_threshold)
            self.auto_flush = bool(auto_flush)
            self._stop_flusher()
            if flush_interval is not None:
                self._flusher = _FlushThread(self, float(flush_interval))
                self._flusher.start()

    def flush_cache(self) -> int:
        """Commit the cache's transaction; returns the number of writes it held."""
        with self.lock:
            if self.closed:
                return 0
            return self._commit()

    def disable_cache(self) -> int:
        """Flush, stop the flush thread, write directly from now on."""
        self._stop_flusher()
        with self.lock:
            if self.closed:
                return 0
            flushed = self._commit()
            self.cache_enabled = False
            return flushed

    @contextlib.contextmanager
    def cache(self, cap_bytes: int = DEFAULT_CAP_BYTES, flush_threshold: int = DEFAULT_FLUSH_THRESHOLD,
              flush_interval: Optional[float] = None, auto_flush: bool = True) -> Iterator["Session"]:
        """Cache on for the block; on exit (exception or not) flush and restore the previous state."""
        with self.lock:
            previous = (self.cache_enabled, self.cap_bytes, self.flush_threshold, self.auto_flush,
                        self._flusher.interval if self._flusher else None)
            self.enable_cache(cap_bytes, flush_threshold, flush_interval, auto_flush)
        try:
            yield self
        finally:
            was_enabled, cap, threshold, auto, interval = previous
            if was_enabled:
                self.flush_cache()
                self.enable_cache(cap, threshold, interval, auto)
            else:
                self.disable_cache()

    @contextlib.contextmanager
    def lock_cache(self) -> Iterator["Session"]:
        """No automatic flush inside the block: its writes commit together."""
        with self.lock:
            self.lock_depth += 1
        try:
            yield self
        finally:
            with self.lock:
                self.lock_depth -= 1

    def _flush_if_due(self, interval: float) -> None:
        # Called by the flush thread. Never blocks on a busy lock for long.
        if not self.lock.acquire(timeout=0.05):  # busy: try again next tick
            return
        try:
            if (not self.closed and self.cache_enabled and self.lock_depth == 0
                    and self.oldest_pending is not None
                    and time.monotonic() - self.oldest_pending >= interval):
                self._commit()
        except KohakuVaultError:
            pass  # e.g. busy: the next tick (or close) commits
        finally:
            self.lock.release()

    def _stop_flusher(self) -> None:
        flusher, self._flusher = self._flusher, None
        if flusher is not None:
            flusher.stop_event.set()
            if flusher is not threading.current_thread():
                flusher.join()

    # -- lifetime -------------------------------------------------------------------------

    def _check_open(self) -> None:
        if self.closed:
            raise KohakuVaultError("the vault is closed")

    def close(self) -> None:
        """Commit pending writes, stop the flush thread, close the connection."""
        self._stop_flusher()
        with self.lock:
            if self.closed:
                return
            try:
                self._commit()
            finally:
                self.closed = True
                self._finalizer.detach()
                self.conn.close()

    @staticmethod
    def _finalize(conn: sqlite3.Connection, lock: threading.RLock) -> None:
        # Garbage-collected without close(): commit whatever the cache holds.
        with lock:
            try:
                if conn.in_transaction:
                    conn.execute("COMMIT")
            except sqlite3.Error:
                pass
            conn.close()


class SessionCache:
    """The write-back cache methods KVault and ColumnVault share: both delegate
    to their ``session`` (one SQLite transaction per connection, see Session)."""

    session: "Session"

    def enable_cache(self, cap_bytes: int = DEFAULT_CAP_BYTES, flush_threshold: int = DEFAULT_FLUSH_THRESHOLD,
                     flush_interval: Optional[float] = None) -> None:
        """Buffer writes in one SQLite transaction until a flush."""
        self.session.enable_cache(cap_bytes, flush_threshold, flush_interval)

    def disable_cache(self) -> None:
        self.session.disable_cache()

    def flush_cache(self) -> int:
        """Commit buffered writes; returns how many writes were buffered."""
        return self.session.flush_cache()

    def cache(self, cap_bytes: int = DEFAULT_CAP_BYTES, flush_threshold: int = DEFAULT_FLUSH_THRESHOLD,
              flush_interval: Optional[float] = None, auto_flush: bool = True) -> contextlib.AbstractContextManager:
        """Context manager: cache on inside, flushed on exit (also after an exception)."""
        return self.session.cache(cap_bytes, flush_threshold, flush_interval, auto_flush)

    def lock_cache(self) -> contextlib.AbstractContextManager:
        """Context manager: no automatic flush inside (the writes commit together)."""
        return self.session.lock_cache()
