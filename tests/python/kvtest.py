"""Shared helpers for the driver tests: open a connection with the module loaded."""
import os
import sqlite3

MODULE = os.environ.get("KV_MODULE") or os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "kohakuvault")


def connect(path=":memory:", **kwargs):
    conn = sqlite3.connect(path, **kwargs)
    conn.enable_load_extension(True)
    conn.load_extension(MODULE)
    conn.enable_load_extension(False)
    return conn


def error_of(conn, sql, params=()):
    """Runs sql and returns the error message it raised (None if it succeeded)."""
    try:
        conn.execute(sql, params).fetchall()
    except sqlite3.Error as e:
        return str(e)
    return None
