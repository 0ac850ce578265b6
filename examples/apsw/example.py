#!/usr/bin/python3
"""kohakuvault from APSW (python3-apsw), which also works where the stdlib
sqlite3 module was built without extension loading.
    /usr/bin/python3 examples/apsw/example.py [path/to/kohakuvault]
"""
import os
import sys

import apsw

module = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("KV_MODULE", "./build/kohakuvault")

conn = apsw.Connection(":memory:")
conn.enableloadextension(True)
conn.loadextension(module)
conn.enableloadextension(False)

cur = conn.cursor()
version, sqlite_version = next(cur.execute("select kohakuvault_version(), sqlite_version()"))
print(f"kohakuvault {version} in SQLite {sqlite_version}")

(packed,) = next(cur.execute("select kv_pack('i32', 7)"))
(value,) = next(cur.execute("select kv_unpack('i32', ?)", (packed,)))
print(f"kv_pack('i32', 7) = {bytes(packed).hex().upper()} -> {value}")

try:
    next(cur.execute("select kv_pack('i8', 300)"))
    sys.exit("expected an error")
except apsw.Error as e:
    print(f"error: {e}")  # SQLError: kohakuvault: ...
