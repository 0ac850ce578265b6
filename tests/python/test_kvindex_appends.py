"""kvindex appends (keys past every key: sorted loads), differential against a
plain WITHOUT ROWID table in the same connection and the same transactions.

An append takes kvindex's fast path (the undo journal records no key, only a
count; the commit lists the appended keys by walking the index), so this test
mixes appends with everything that could make that path wrong: a key equal to
the last one (also as 2.0 for 2: a conflict, as in the plain table), INSERT OR
REPLACE / OR IGNORE of new and last keys, multi-row statements that fail
half-way (the statement's appends are undone), INSERT ... SELECT of a batch
(also big enough to make the commit rewrite the snapshot), UPDATE of the value
and of the key of appended rows, DELETE of the last keys, then appends below
the old end, savepoints with ROLLBACK TO / RELEASE, COMMIT and ROLLBACK. After
every transaction the table equals the plain one in this connection, in a
second connection kept open (it catches up from the change log records the
commit wrote) and after reopening (rebuilt from snapshot + log).
"""
import os
import random
import sqlite3
import tempfile
import unittest

import kvtest


def connect(path):
    conn = kvtest.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous=OFF")  # no crash safety needed here, only speed
    return conn


def insert_series(conn, table, first, last, value_sql):
    """INSERT INTO table SELECT value, <value_sql> for value = first..last."""
    conn.execute(f"INSERT INTO {table} WITH RECURSIVE n(value) AS (SELECT {first} UNION ALL "
                 f"SELECT value + 1 FROM n WHERE value < {last}) SELECT value, {value_sql} FROM n")


def contents(conn, table):
    return conn.execute(f"SELECT key, typeof(key), value FROM {table} ORDER BY key").fetchall()


class AppendDifferential:
    def __init__(self, test, conn, rng):
        self.t, self.conn, self.rng = test, conn, rng
        self.top = 0  # keys so far are below top (integers; text keys sort after all numbers)
        self.in_tx = False
        self.depth = 0

    def both(self, sql, params=()):
        results = []
        for table in ("x", "p"):
            try:
                cur = self.conn.execute(sql.replace("{T}", table), params)
                results.append(("ok", cur.fetchall(), self.conn.total_changes))
            except sqlite3.Error as e:
                results.append(("error", type(e).__name__, None))
        self.t.assertEqual(results[0][:2], results[1][:2], sql + " " + repr(params))
        return results[0]

    def last_key(self):
        row = self.conn.execute("SELECT max(key) FROM p").fetchone()
        return row[0]

    def new_key(self):
        self.top += self.rng.choice([1, 1, 1, 2, 7])
        return self.top

    def value(self):
        return self.rng.choice([None, self.top, -1.5, "v%d" % self.top, b"\x01\x02", "x" * 40])

    def step(self):
        r = self.rng.random()
        last = self.last_key()
        if r < 0.30:
            self.both("INSERT INTO {T}(key, value) VALUES (?, ?)", (self.new_key(), self.value()))
        elif r < 0.36 and last is not None:
            # The last key again, maybe as a REAL of the same value: a conflict.
            k = float(last) if isinstance(last, int) and self.rng.random() < 0.5 else last
            self.both("INSERT INTO {T}(key, value) VALUES (?, ?)", (k, self.value()))
        elif r < 0.42:
            # Appends, then the statement's own first key again: fails half-way.
            a, b = self.new_key(), self.new_key()
            dup = self.rng.choice([a, b, float(a)])
            self.both("INSERT INTO {T}(key, value) VALUES (?, ?), (?, ?), (?, ?)",
                      (a, self.value(), b, self.value(), dup, self.value()))
        elif r < 0.50:
            k = self.rng.choice([self.new_key(), last if last is not None else 0,
                                 float(last) if isinstance(last, int) else 1.0])
            self.both("INSERT OR REPLACE INTO {T}(key, value) VALUES (?, ?)", (k, self.value()))
        elif r < 0.54:
            k = self.rng.choice([self.new_key(), last if last is not None else 0])
            self.both("INSERT OR IGNORE INTO {T}(key, value) VALUES (?, ?)", (k, self.value()))
        elif r < 0.60:
            # A batch through INSERT ... SELECT (sometimes big: the commit then
            # rewrites the snapshot); sometimes ending on a duplicate (fails).
            n = self.rng.choice([3, 50, 1500])
            start = self.top + 1
            self.top += n
            sql = ("INSERT INTO {T}(key, value) WITH RECURSIVE s(k) AS (SELECT ? UNION ALL SELECT k + 1 FROM s "
                   "WHERE k < ?) SELECT k, 'b' || k FROM s")
            if self.rng.random() < 0.2:  # a last row repeating the batch's first key
                self.both(sql + " UNION ALL SELECT ?, 'dup'", (start, self.top, start))
            else:
                self.both(sql, (start, self.top))
        elif r < 0.64 and last is not None:
            self.both("UPDATE {T} SET value = ? WHERE key = ?", (self.value(), last))
        elif r < 0.68 and last is not None:
            # Move the last key further up, or down below other keys.
            k = self.rng.choice([self.new_key(), self.rng.randint(0, self.top)])
            self.both("UPDATE OR REPLACE {T} SET key = ? WHERE key = ?", (k, last))
        elif r < 0.74 and last is not None:
            self.both("DELETE FROM {T} WHERE key >= ?", (self.rng.randint(max(0, self.top - 10), self.top),))
        elif r < 0.78:
            # Below the end (no append), also a text key (after every number: an append).
            k = self.rng.choice([self.rng.randint(0, self.top), "t%d" % self.rng.randint(0, 9)])
            self.both("INSERT OR REPLACE INTO {T}(key, value) VALUES (?, ?)", (k, self.value()))
        elif r < 0.80 and last is not None:
            self.both("DELETE FROM {T} WHERE key = ?", (last,))
        else:
            self.transaction_step()

    def transaction_step(self):
        r = self.rng.random()
        if not self.in_tx:
            if r < 0.6:
                self.conn.execute("BEGIN")
                self.in_tx, self.depth = True, 0
            return False
        if r < 0.3:
            self.depth += 1
            self.conn.execute(f"SAVEPOINT s{self.depth}")
        elif r < 0.5 and self.depth:
            self.conn.execute(f"ROLLBACK TO s{self.depth}")
        elif r < 0.6 and self.depth:
            self.conn.execute(f"RELEASE s{self.depth}")
            self.depth -= 1
        elif r < 0.9:
            self.conn.execute("COMMIT")
            self.in_tx, self.depth = False, 0
            return True
        else:
            self.conn.execute("ROLLBACK")
            self.in_tx, self.depth = False, 0
        return False

    def check(self):
        self.t.assertEqual(contents(self.conn, "x"), contents(self.conn, "p"))

    def finish(self):
        if self.in_tx:
            self.conn.execute("COMMIT")
            self.in_tx, self.depth = False, 0


class KvindexAppends(unittest.TestCase):
    def run_table(self, args, seed, steps=400, durable=True):
        rng = random.Random(seed)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "a.db")
            conn = connect(path)
            conn.execute(f"CREATE VIRTUAL TABLE x USING kvindex({args})")
            conn.execute("CREATE TABLE p(key PRIMARY KEY, value) WITHOUT ROWID")
            other = connect(path) if durable else None
            d = AppendDifferential(self, conn, rng)
            for i in range(steps):
                d.step()
                if not d.in_tx:
                    d.check()
                    if other is not None and i % 3 == 0:
                        # A second connection, kept open: catches up from the log.
                        self.assertEqual(contents(other, "x"), contents(other, "p"), f"step {i}")
                if durable and i % 250 == 249:
                    d.finish()
                    conn.close()
                    conn = connect(path)  # rebuilt from the shadow tables
                    d.conn = conn
                    d.check()
            d.finish()
            d.check()
            if other is not None:
                self.assertEqual(contents(other, "x"), contents(other, "p"))
                other.close()
            self.assertGreater(conn.execute("SELECT count(*) FROM x").fetchone()[0], 100)
            conn.close()

    def test_csbtree(self):
        self.run_table("csbtree", 1)

    def test_csbtree_order3(self):
        self.run_table("csbtree, order=3", 2)

    def test_skiplist(self):
        self.run_table("skiplist", 3)

    def test_memory_csbtree(self):
        self.run_table("csbtree, storage=memory", 4, durable=False)

    def test_memory_skiplist(self):
        self.run_table("skiplist, storage=memory", 5, durable=False)

    def test_statement_rollback_of_appends_in_one_transaction(self):
        """The example from the issue: appends, then the last key again in the
        same statement; only that statement is undone, the transaction's
        earlier appends stay and reach the log."""
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "s.db")
            conn = connect(path)
            conn.execute("CREATE VIRTUAL TABLE x USING kvindex(csbtree)")
            conn.execute("BEGIN")
            conn.execute("INSERT INTO x VALUES (1, 'a'), (2, 'b')")
            with self.assertRaises(sqlite3.IntegrityError):
                conn.execute("INSERT INTO x VALUES (3, 'c'), (4, 'd'), (4.0, 'again')")
            conn.execute("INSERT INTO x VALUES (3, 'C')")
            conn.execute("SAVEPOINT s")
            conn.execute("INSERT INTO x VALUES (5, 'e'), (6, 'f')")
            conn.execute("ROLLBACK TO s")
            conn.execute("INSERT OR REPLACE INTO x VALUES (3.0, 'real'), (7, 'g')")
            conn.execute("COMMIT")
            expect = [(1, "a"), (2, "b"), (3.0, "real"), (7, "g")]
            self.assertEqual(conn.execute("SELECT key, value FROM x").fetchall(), expect)
            other = connect(path)
            self.assertEqual(other.execute("SELECT key, value FROM x").fetchall(), expect)
            self.assertEqual(other.execute("SELECT typeof(key) FROM x WHERE key = 3").fetchone()[0], "real")
            other.close()
            conn.close()

    def test_appends_under_an_open_scan_and_a_schema_change(self):
        """State the append path keeps across statements (the journal's append
        bound and count, the packed rows) under an open cursor of the same
        connection that each append moves (every row read appends a key past
        the end, which the scan then reaches, as in a plain table) and under a
        schema change inside the transaction (the table is reconnected), then
        a ROLLBACK TO across both; the plain table is the model, a second
        connection and a reopen read what the commit wrote."""
        for backend in ("csbtree", "csbtree, order=3", "skiplist"):
            with self.subTest(backend=backend), tempfile.TemporaryDirectory() as tmp:
                path = os.path.join(tmp, "c.db")
                conn = connect(path)
                conn.execute(f"CREATE VIRTUAL TABLE x USING kvindex({backend})")
                conn.execute("CREATE TABLE p(key PRIMARY KEY, value) WITHOUT ROWID")
                conn.execute("BEGIN")
                for t in ("x", "p"):
                    insert_series(conn, t, 1, 20, "'v' || value")
                seen = {}
                for t in ("x", "p"):
                    scan = conn.execute(f"SELECT key FROM {t} WHERE key >= 5 ORDER BY key")
                    read, top = [], 20
                    for (key,) in scan:
                        read.append(key)
                        top += 1
                        conn.execute(f"INSERT INTO {t} VALUES (?, 'scan')", (top,))
                        if len(read) == 60:
                            break
                    scan.close()
                    seen[t] = read
                self.assertEqual(seen["x"], seen["p"])
                conn.execute("SAVEPOINT s")
                conn.execute("CREATE TABLE other(y)")  # reparse: x is reconnected
                for t in ("x", "p"):
                    insert_series(conn, t, 1000, 1100, "'after'")
                self.assertEqual(contents(conn, "x"), contents(conn, "p"))
                conn.execute("ROLLBACK TO s")  # the schema change and these appends undone
                for t in ("x", "p"):
                    insert_series(conn, t, 2000, 2050, "'kept'")
                conn.execute("RELEASE s")
                conn.execute("COMMIT")
                self.assertEqual(contents(conn, "x"), contents(conn, "p"))
                self.assertIsNone(conn.execute("SELECT name FROM sqlite_schema WHERE name = 'other'").fetchone())
                other = connect(path)
                self.assertEqual(contents(other, "x"), contents(conn, "p"))
                other.close()
                expect = contents(conn, "p")
                conn.close()
                conn = connect(path)  # rebuilt from the shadow tables
                self.assertEqual(contents(conn, "x"), expect)
                conn.close()


if __name__ == "__main__":
    unittest.main()
