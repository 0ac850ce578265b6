#!/usr/bin/python3
"""Driver check: APSW (python3-apsw), which wraps the system SQLite."""
import apsw

import checklib


class Adapter:
    error_type = apsw.Error

    def __init__(self, module):
        self.conn = apsw.Connection(":memory:")
        self.conn.enableloadextension(True)
        self.conn.loadextension(module)
        self.conn.enableloadextension(False)

    def query(self, sql, params=()):
        for row in self.conn.cursor().execute(sql, params):
            return row[0]
        return None

    def execute(self, sql):
        for _ in self.conn.cursor().execute(sql):
            pass


if __name__ == "__main__":
    checklib.main("apsw", Adapter)
