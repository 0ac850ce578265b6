#!/usr/bin/python3
"""Driver check: Python's sqlite3 (Debian's /usr/bin/python3, built with
extension loading; python.org/pyenv builds without it need apsw instead)."""
import sqlite3

import checklib


class Adapter:
    error_type = sqlite3.Error

    def __init__(self, module):
        # Autocommit, like the other drivers (the module's default would open a
        # transaction before each INSERT and keep it open).
        self.conn = sqlite3.connect(":memory:", isolation_level=None)
        self.conn.enable_load_extension(True)
        self.conn.load_extension(module)
        self.conn.enable_load_extension(False)

    def query(self, sql, params=()):
        row = self.conn.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def execute(self, sql):
        self.conn.execute(sql).fetchall()


if __name__ == "__main__":
    checklib.main("python-sqlite3", Adapter)
