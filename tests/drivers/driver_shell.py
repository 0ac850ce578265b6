#!/usr/bin/python3
"""Driver check: the sqlite3 command-line shell (`.load`).

Every statement so far is replayed in one `sqlite3 -batch` process per query,
so the shell sees the same state a single session would. Queries are wrapped
as `select typeof(v), hex(v), v from (select (<query>) as v)` so a BLOB comes
back as bytes like in the other drivers; the shell cannot bind a BLOB
parameter, so a `bind` check passes it as an X'..' literal.
"""
import subprocess

import checklib


class ShellError(Exception):
    pass


class Adapter:
    error_type = ShellError

    def __init__(self, module):
        self.module = module
        self.history = []

    def _run(self, sql):
        script = "".join(s + ";\n" for s in self.history + [sql])
        proc = subprocess.run(["sqlite3", "-batch", "-bail", "-cmd", f".load {self.module}", ":memory:"],
                              input=script, capture_output=True, text=True, timeout=120)
        if proc.returncode != 0 or proc.stderr:
            raise ShellError(proc.stderr.strip())
        return proc.stdout

    def query(self, sql, params=()):
        for p in params:
            sql = sql.replace("?", "X'" + bytes(p).hex() + "'", 1)
        out = self._run(f"select typeof(v), hex(v), v from (select ({sql}) as v)").rstrip("\n")
        kind, hexed, text = out.split("|", 2)
        if kind == "null":
            return None
        return bytes.fromhex(hexed) if kind == "blob" else text

    def execute(self, sql):
        self._run(sql)
        self.history.append(sql)


if __name__ == "__main__":
    checklib.main("sqlite3-shell", Adapter)
