#!/usr/bin/python3
"""kohakuvault from Python's sqlite3.

Needs a Python whose sqlite3 was built with extension loading (Debian's
/usr/bin/python3 is; python.org/pyenv/macOS builds often are not: there
`enable_load_extension` is missing, so use apsw, see examples/apsw/).
    /usr/bin/python3 examples/python/example.py [path/to/kohakuvault]
"""
import os
import sqlite3
import sys

module = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("KV_MODULE", "./build/kohakuvault")

conn = sqlite3.connect(":memory:")
conn.enable_load_extension(True)
conn.load_extension(module)  # path without .so; SQLite adds it
conn.enable_load_extension(False)  # don't leave load_extension() open to SQL

version, sqlite_version = conn.execute("select kohakuvault_version(), sqlite_version()").fetchone()
print(f"kohakuvault {version} in SQLite {sqlite_version}")

(packed,) = conn.execute("select kv_pack('i32', 7)").fetchone()  # bytes
(value,) = conn.execute("select kv_unpack('i32', ?)", (packed,)).fetchone()
print(f"kv_pack('i32', 7) = {packed.hex().upper()} -> {value}")

try:
    conn.execute("select kv_pack('i8', 300)").fetchone()
    sys.exit("expected an error")
except sqlite3.Error as e:  # SQLITE_RANGE surfaces as sqlite3.InterfaceError
    print(f"error: {e}")  # kohakuvault: ...
