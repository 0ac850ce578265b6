"""Transactions of the three virtual tables across schema changes (issue #11).

SQLite reparses the schema after any schema change (ALTER TABLE on any table,
CREATE/DROP, PRAGMA writable_schema=RESET) and then disconnects and reconnects
virtual tables while the transaction is still open. A connection's uncommitted
writes, savepoints and undo journal must survive that. Each test here runs a
sequence of writes, savepoints and schema changes inside one transaction
against a Python model (a list for kvcolumn, a dict for kvindex/kvault) and
checks the table after every step, after COMMIT/ROLLBACK and after reopening.
Also: ROLLBACK of RENAME/DROP of a storage=memory kvindex keeps its contents,
and Python's sqlite3 in its default (implicit BEGIN) mode loses nothing."""
import os
import random
import sqlite3
import unittest

import kvtest

SCHEMA_CHANGES = [
    "ALTER TABLE other ADD COLUMN b",
    "ALTER TABLE other RENAME COLUMN b TO c",
    "ALTER TABLE other DROP COLUMN c",
    "ALTER TABLE other RENAME TO other2",
    "ALTER TABLE other2 RENAME TO other",
    "PRAGMA writable_schema=RESET",
    "CREATE TABLE scratch(x)",
    "DROP TABLE scratch",
    "CREATE INDEX other_a ON other(a)",
    "DROP INDEX other_a",
]


def connect(path):
    return kvtest.connect(path, isolation_level=None)


class ColumnModel:
    """kvcolumn t: a Python list."""

    def __init__(self, dtype, values):
        self.dtype, self.values = dtype, values
        self.rows = []

    def create(self, conn, name="t"):
        conn.execute(f"CREATE VIRTUAL TABLE {name} USING kvcolumn('{self.dtype}')")

    def read(self, conn, name="t"):
        return [v for (_, v) in conn.execute(f"SELECT idx, value FROM {name}")]

    def random_write(self, conn, rng, name="t"):
        n = len(self.rows)
        kind = rng.choice(["append", "append", "insert", "update", "delete", "bulk"])
        v = rng.choice(self.values)
        if kind == "append" or n == 0:
            conn.execute(f"INSERT INTO {name}(value) VALUES (?)", (v,))
            self.rows.append(v)
        elif kind == "insert":
            at = rng.randint(0, n)
            conn.execute(f"INSERT INTO {name}(idx, value) VALUES (?, ?)", (at, v))
            self.rows.insert(at, v)
        elif kind == "update":
            at = rng.randrange(n)
            conn.execute(f"UPDATE {name} SET value = ? WHERE idx = ?", (v, at))
            self.rows[at] = v
        elif kind == "delete":
            at = rng.randrange(n)
            conn.execute(f"DELETE FROM {name} WHERE idx >= ? AND idx < ?", (at, at + 2))
            del self.rows[at:at + 2]
        else:
            vals = [rng.choice(self.values) for _ in range(3)]
            conn.executemany(f"INSERT INTO {name}(value) VALUES (?)", [(x,) for x in vals])
            self.rows.extend(vals)

    def snapshot(self):
        return list(self.rows)

    def restore(self, snap):
        self.rows = list(snap)

    def expected(self):
        return list(self.rows)


class MapModel:
    """kvindex / kvault t: a dict (kvault values are BLOBs)."""

    def __init__(self, using, blob_values=False):
        self.using, self.blob = using, blob_values
        self.rows = {}

    def create(self, conn, name="t"):
        conn.execute(f"CREATE VIRTUAL TABLE {name} USING {self.using}")

    def _key(self, k):
        return str(k).encode() if self.blob else k

    def _val(self, v):
        return str(v).encode() if self.blob else v

    def read(self, conn, name="t"):
        return sorted((bytes(k) if self.blob else k, bytes(v) if self.blob else v)
                      for (k, v) in conn.execute(f"SELECT key, value FROM {name}"))

    def random_write(self, conn, rng, name="t"):
        k = rng.randrange(12)
        v = rng.randrange(1000)
        kind = rng.choice(["insert", "insert", "delete", "update", "duplicate"])
        present = self._key(k) in self.rows
        if kind in ("insert", "duplicate"):
            try:
                conn.execute(f"INSERT INTO {name}(key, value) VALUES (?, ?)", (self._key(k), self._val(v)))
                assert not present, f"duplicate key {k} was accepted"
                self.rows[self._key(k)] = self._val(v)
            except sqlite3.IntegrityError:
                assert present, f"insert of new key {k} failed"
        elif kind == "delete":
            conn.execute(f"DELETE FROM {name} WHERE key = ?", (self._key(k),))
            self.rows.pop(self._key(k), None)
        else:
            conn.execute(f"UPDATE {name} SET value = ? WHERE key = ?", (self._val(v), self._key(k)))
            if present:
                self.rows[self._key(k)] = self._val(v)

    def snapshot(self):
        return dict(self.rows)

    def restore(self, snap):
        self.rows = dict(snap)

    def expected(self):
        return sorted(self.rows.items())


MODELS = {
    "kvcolumn_f64": lambda: ColumnModel("f64", [0.5, 1.0, 2.0, -3.25, 1e10]),
    "kvcolumn_i32": lambda: ColumnModel("i32", [0, 1, 2, -7, 2**31 - 1]),
    "kvcolumn_str": lambda: ColumnModel("str", ["", "a", "bb", "\u00e9t\u00e9", "x" * 300]),
    "kvindex_disk": lambda: MapModel("kvindex(csbtree)"),
    "kvindex_skiplist": lambda: MapModel("kvindex(skiplist)"),
    "kvindex_memory": lambda: MapModel("kvindex(csbtree, storage=memory)"),
    "kvault": lambda: MapModel("kvault", blob_values=True),
}
DURABLE = {name for name in MODELS if name != "kvindex_memory"}


class SchemaChangeInsideTransaction(unittest.TestCase):
    def setUp(self):
        self.path = os.path.join(kvtest.temp_dir(self), "t.db")

    def fresh(self, name):
        if os.path.exists(self.path):
            os.remove(self.path)
        conn = connect(self.path)
        model = MODELS[name]()
        model.create(conn)
        conn.execute("CREATE TABLE other(a)")
        return conn, model

    def fresh_with_writes(self, name, seed, writes):
        """fresh(name), then `writes` random writes (autocommitted) drawn from
        random.Random(seed); returns (conn, model, rng)."""
        conn, model = self.fresh(name)
        rng = random.Random(seed)
        for _ in range(writes):
            model.random_write(conn, rng)
        return conn, model, rng

    def begin_around_reparse(self, conn, model, rng):
        """BEGIN, a write, a schema change of another table (the virtual table
        is reconnected), a write: the transaction stays open."""
        conn.execute("BEGIN")
        model.random_write(conn, rng)
        conn.execute("ALTER TABLE other ADD COLUMN b")
        model.random_write(conn, rng)

    def rollback_and_check(self, conn, model, committed, rng, what):
        """ROLLBACK: the table is back at `committed` (a model snapshot), and
        takes a write after it."""
        conn.execute("ROLLBACK")
        model.restore(committed)
        self.check(conn, model, "after " + what)
        model.random_write(conn, rng)
        self.check(conn, model, "a write after " + what)

    def check(self, conn, model, what, table="t"):
        self.assertEqual(model.read(conn, table), model.expected(), what)

    def check_reopened(self, name, model, table="t"):
        """A durable table (DURABLE) reads the same from a new connection."""
        if name in DURABLE:
            conn = connect(self.path)
            self.check(conn, model, "after reopening", table)
            conn.close()

    def test_write_then_schema_change_then_commit(self):
        """The issue's repro: BEGIN; write; ALTER another table; write; COMMIT."""
        for name in MODELS:
            for change in SCHEMA_CHANGES:
                with self.subTest(table=name, change=change):
                    conn, model = self.fresh(name)
                    if "RENAME COLUMN b" in change or "DROP COLUMN c" in change:
                        conn.execute("ALTER TABLE other ADD COLUMN b")
                    if "DROP COLUMN c" in change:
                        conn.execute("ALTER TABLE other RENAME COLUMN b TO c")
                    if "other2 RENAME" in change:
                        conn.execute("ALTER TABLE other RENAME TO other2")
                    if change.startswith("DROP TABLE"):
                        conn.execute("CREATE TABLE scratch(x)")
                    if change.startswith("DROP INDEX"):
                        conn.execute("CREATE INDEX other_a ON other(a)")
                    rng = random.Random(1)
                    for _ in range(3):
                        model.random_write(conn, rng)
                    conn.execute("BEGIN")
                    model.random_write(conn, rng)
                    model.random_write(conn, rng)
                    conn.execute(change)
                    self.check(conn, model, "after the schema change")
                    model.random_write(conn, rng)
                    model.random_write(conn, rng)
                    self.check(conn, model, "before COMMIT")
                    conn.execute("COMMIT")
                    self.check(conn, model, "after COMMIT")
                    conn.close()
                    self.check_reopened(name, model)

    def test_issue_repro_kvcolumn_and_kvindex(self):
        """The issue's sequences verbatim."""
        for dtype in ("f64", "str"):
            with self.subTest(dtype=dtype):
                if os.path.exists(self.path):
                    os.remove(self.path)
                conn = connect(self.path)
                conn.execute(f"CREATE VIRTUAL TABLE t USING kvcolumn({dtype})")
                conn.execute("CREATE TABLE other(a)")
                expect = [1.0, 2.0, 3.0] if dtype == "f64" else ["1", "2", "3"]
                conn.execute("INSERT INTO t(value) VALUES (?)", (expect[0],))
                conn.execute("BEGIN")
                conn.execute("INSERT INTO t(value) VALUES (?)", (expect[1],))
                conn.execute("ALTER TABLE other ADD COLUMN b")
                conn.execute("INSERT INTO t(value) VALUES (?)", (expect[2],))
                conn.execute("COMMIT")
                self.assertEqual([v for (v,) in conn.execute("SELECT value FROM t")], expect)
                conn.close()
                conn = connect(self.path)
                self.assertEqual([v for (v,) in conn.execute("SELECT value FROM t")], expect)
                conn.close()
        if os.path.exists(self.path):
            os.remove(self.path)
        conn = connect(self.path)
        conn.execute("CREATE VIRTUAL TABLE k USING kvindex(csbtree)")
        conn.execute("CREATE TABLE other(a)")
        conn.execute("INSERT INTO k VALUES (1, 'one'), (2, 'two')")
        conn.execute("BEGIN")
        conn.execute("INSERT INTO k VALUES (3, 'three')")
        conn.execute("DELETE FROM k WHERE key = 1")
        conn.execute("ALTER TABLE other ADD COLUMN b")
        with self.assertRaises(sqlite3.IntegrityError):  # a duplicate of a key written before the change
            conn.execute("INSERT INTO k VALUES (3, 'dup')")
        conn.execute("COMMIT")
        self.assertEqual(conn.execute("SELECT key, value FROM k").fetchall(), [(2, "two"), (3, "three")])
        conn.close()
        conn = connect(self.path)
        self.assertEqual(conn.execute("SELECT key, value FROM k").fetchall(), [(2, "two"), (3, "three")])
        conn.close()

    def test_tables_created_without_instance_id(self):
        """Tables of older builds have no _info instance_id row and are keyed
        by name: schema changes and a rename inside a transaction keep their
        writes too."""
        id_key = {"kvcolumn": "key", "kvindex": "k"}
        for name in MODELS:
            module = name.split("_")[0]
            if module not in id_key:
                continue
            with self.subTest(table=name):
                conn, model = self.fresh(name)
                conn.execute(f"DELETE FROM t_info WHERE {id_key[module]} = 'instance_id'")
                conn.close()
                conn = connect(self.path)
                rng = random.Random(8)
                for _ in range(3):
                    model.random_write(conn, rng)
                conn.execute("BEGIN")
                model.random_write(conn, rng)
                conn.execute("ALTER TABLE other ADD COLUMN b")
                for _ in range(3):
                    model.random_write(conn, rng)
                self.assertEqual(model.read(conn, "t"), model.expected())
                conn.execute("ALTER TABLE t RENAME TO u")
                self.assertEqual(model.read(conn, "u"), model.expected(), "after the rename")
                model.random_write(conn, rng, "u")
                self.assertEqual(model.read(conn, "u"), model.expected())
                conn.execute("PRAGMA writable_schema=RESET")
                model.random_write(conn, rng, "u")
                conn.execute("COMMIT")
                self.assertEqual(model.read(conn, "u"), model.expected())
                conn.close()
                self.check_reopened(name, model, "u")

    def test_schema_change_then_rollback(self):
        for name in MODELS:
            with self.subTest(table=name):
                conn, model, rng = self.fresh_with_writes(name, 2, 4)
                committed = model.snapshot()
                self.begin_around_reparse(conn, model, rng)
                conn.execute("PRAGMA writable_schema=RESET")
                model.random_write(conn, rng)
                self.rollback_and_check(conn, model, committed, rng, "ROLLBACK")
                conn.close()

    def test_random_savepoints_and_schema_changes(self):
        """Random writes, savepoints (ROLLBACK TO / RELEASE), schema changes of
        another table and renames of the virtual table itself, in and out of
        transactions, checked against the model after every step."""
        for name in MODELS:
            for seed in range(3):
                with self.subTest(table=name, seed=seed):
                    self.random_run(name, seed)

    def random_run(self, name, seed):
        conn, model = self.fresh(name)
        rng = random.Random(seed * 7919 + len(name))
        table = "t"
        in_tx = False
        saves = []  # (savepoint name, model snapshot, table name)
        tx_start = None
        col = 0
        for step in range(120):
            r = rng.random()
            what = f"step {step}"
            if r < 0.45:
                model.random_write(conn, rng, table)
            elif r < 0.55:
                col += 1
                conn.execute(f"ALTER TABLE other ADD COLUMN c{col}")
                what += " ADD COLUMN"
            elif r < 0.6:
                conn.execute("PRAGMA writable_schema=RESET")
            elif r < 0.65:
                new = "u" if table == "t" else "t"
                conn.execute(f"ALTER TABLE {table} RENAME TO {new}")
                table = new
                what += " RENAME"
            elif r < 0.72 and not in_tx:
                conn.execute("BEGIN")
                in_tx, tx_start = True, (model.snapshot(), table)
            elif r < 0.8:
                sp = f"s{step}"
                conn.execute(f"SAVEPOINT {sp}")
                if not in_tx:
                    in_tx, tx_start = True, (model.snapshot(), table)
                saves.append((sp, model.snapshot(), table))
            elif r < 0.86 and saves:
                i = rng.randrange(len(saves))
                sp, snap, tname = saves[i]
                conn.execute(f"ROLLBACK TO {sp}")
                del saves[i + 1:]
                model.restore(snap)
                table = tname
                what += f" ROLLBACK TO {sp}"
            elif r < 0.9 and saves:
                i = rng.randrange(len(saves))
                conn.execute(f"RELEASE {saves[i][0]}")
                del saves[i:]
                if i == 0 and tx_start is not None and not conn.in_transaction:
                    in_tx = False
            elif r < 0.95 and in_tx:
                conn.execute("COMMIT")
                in_tx, saves = False, []
            elif in_tx:
                conn.execute("ROLLBACK")
                model.restore(tx_start[0])
                table = tx_start[1]
                in_tx, saves = False, []
                what += " ROLLBACK"
            in_tx = conn.in_transaction
            if not in_tx:
                saves = []
            self.assertEqual(model.read(conn, table), model.expected(), what)
        if in_tx:
            conn.execute("COMMIT")
        conn.close()
        self.check_reopened(name, model, table)

    def test_python_default_mode(self):
        """Python's sqlite3 default mode: an implicit BEGIN before the INSERT,
        the ALTER TABLE runs inside that transaction, commit() ends it."""
        for name in MODELS:
            with self.subTest(table=name):
                if os.path.exists(self.path):
                    os.remove(self.path)
                conn = kvtest.connect(self.path)  # default isolation_level
                model = MODELS[name]()
                model.create(conn)
                conn.execute("CREATE TABLE other(a)")
                conn.commit()
                rng = random.Random(3)
                model.random_write(conn, rng)
                conn.execute("ALTER TABLE other ADD COLUMN b")
                model.random_write(conn, rng)
                conn.commit()
                self.check(conn, model, "after commit()")
                conn.close()
                self.check_reopened(name, model)

    def test_other_connection_changes_the_schema(self):
        """A schema change committed by another connection between two of our
        transactions: our next statements reconnect and see committed data."""
        for name in DURABLE:
            with self.subTest(table=name):
                conn, model, rng = self.fresh_with_writes(name, 4, 3)
                self.check(conn, model, "before")
                other = connect(self.path)
                other.execute("ALTER TABLE other ADD COLUMN z")
                other.close()
                conn.execute("BEGIN")
                model.random_write(conn, rng)
                model.random_write(conn, rng)
                conn.execute("COMMIT")
                self.check(conn, model, "after")
                conn.close()
                conn = connect(self.path)
                self.check(conn, model, "after reopening")
                conn.close()

    def test_vacuum_keeps_everything(self):
        for name in MODELS:
            with self.subTest(table=name):
                conn, model, rng = self.fresh_with_writes(name, 5, 6)
                conn.execute("VACUUM")
                self.check(conn, model, "after VACUUM")
                model.random_write(conn, rng)
                self.check(conn, model, "a write after VACUUM")
                conn.close()

    def test_drop_and_create_again_inside_a_transaction(self):
        """After a reparse the old connection object of a table stays in the
        transaction; once the table is dropped and created again under the
        same name, its commit must not write the old buffer into the new one."""
        for name in MODELS:
            with self.subTest(table=name):
                conn, model, rng = self.fresh_with_writes(name, 6, 3)
                self.begin_around_reparse(conn, model, rng)
                conn.execute("DROP TABLE t")
                fresh = MODELS[name]()
                fresh.create(conn)
                fresh.random_write(conn, rng)
                conn.execute("COMMIT")
                self.check(conn, fresh, "after COMMIT")
                conn.close()
                self.check_reopened(name, fresh)

    def test_rollback_of_drop(self):
        for name in MODELS:
            with self.subTest(table=name):
                conn, model, rng = self.fresh_with_writes(name, 7, 4)
                committed = model.snapshot()
                self.begin_around_reparse(conn, model, rng)
                conn.execute("DROP TABLE t")
                self.rollback_and_check(conn, model, committed, rng, "ROLLBACK of the DROP")
                conn.close()
                self.check_reopened(name, model)


class KvcolumnInsertReporting(unittest.TestCase):
    """last_insert_rowid() and RETURNING (docs/kvcolumn.md, Semantics)."""

    def test_lastrowid_is_the_idx_of_the_last_inserted_element(self):
        conn = connect(":memory:")
        conn.execute("CREATE VIRTUAL TABLE t USING kvcolumn(f64)")
        self.assertEqual(conn.execute("INSERT INTO t(value) VALUES (1), (2), (3)").lastrowid, 2)
        self.assertEqual(conn.execute("INSERT INTO t(value) VALUES (4)").lastrowid, 3)
        self.assertEqual(conn.execute("INSERT INTO t(idx, value) VALUES (0, 0)").lastrowid, 0)

    def test_returning_reports_the_given_values(self):
        conn = connect(":memory:")
        conn.execute("CREATE VIRTUAL TABLE t USING kvcolumn(f64)")
        conn.execute("INSERT INTO t(value) VALUES (1)")
        # SQLite builds RETURNING from the statement's values: an explicit idx is reported.
        self.assertEqual(conn.execute("INSERT INTO t(idx, value) VALUES ((SELECT count(*) FROM t), 2) "
                                      "RETURNING idx, value").fetchall(), [(1, 2.0)])
        # An append gives no idx: RETURNING reports NULL, last_insert_rowid() the idx.
        self.assertEqual(conn.execute("INSERT INTO t(value) VALUES (3) RETURNING idx").fetchall(), [(None,)])
        self.assertEqual(conn.execute("SELECT last_insert_rowid()").fetchone(), (2,))


class MemoryKvindexRollback(unittest.TestCase):
    """storage=memory kvindex: rolling back a RENAME or DROP keeps its contents."""

    def setUp(self):
        self.conn = connect(":memory:")
        self.conn.execute("CREATE VIRTUAL TABLE m USING kvindex(csbtree, storage=memory)")
        self.conn.execute("INSERT INTO m VALUES (1, 'one'), (2, 'two')")

    def rows(self, name="m"):
        return self.conn.execute(f"SELECT key, value FROM {name}").fetchall()

    def test_rollback_of_rename(self):
        self.conn.execute("BEGIN")
        self.conn.execute("ALTER TABLE m RENAME TO m2")
        self.assertEqual(self.rows("m2"), [(1, "one"), (2, "two")])
        self.conn.execute("ROLLBACK")
        self.assertEqual(self.rows(), [(1, "one"), (2, "two")])

    def test_rollback_of_drop(self):
        self.conn.execute("BEGIN")
        self.conn.execute("DROP TABLE m")
        self.conn.execute("ROLLBACK")
        self.assertEqual(self.rows(), [(1, "one"), (2, "two")])

    def test_rollback_to_savepoint_of_drop_and_rename(self):
        self.conn.execute("SAVEPOINT a")
        self.conn.execute("INSERT INTO m VALUES (3, 'three')")
        self.conn.execute("SAVEPOINT b")
        self.conn.execute("DROP TABLE m")
        self.conn.execute("ROLLBACK TO b")
        self.assertEqual(self.rows(), [(1, "one"), (2, "two"), (3, "three")])
        self.conn.execute("ALTER TABLE m RENAME TO m3")
        self.conn.execute("INSERT INTO m3 VALUES (4, 'four')")
        self.conn.execute("ROLLBACK TO b")
        self.assertEqual(self.rows(), [(1, "one"), (2, "two"), (3, "three")])
        self.conn.execute("RELEASE a")
        self.assertEqual(self.rows(), [(1, "one"), (2, "two"), (3, "three")])

    def test_committed_drop_frees_and_a_new_table_starts_empty(self):
        self.conn.execute("DROP TABLE m")
        self.conn.execute("CREATE VIRTUAL TABLE m USING kvindex(csbtree, storage=memory)")
        self.assertEqual(self.rows(), [])

    def test_committed_rename_then_a_new_table_with_the_old_name_is_empty(self):
        self.conn.execute("ALTER TABLE m RENAME TO m2")
        self.conn.execute("CREATE VIRTUAL TABLE m USING kvindex(csbtree, storage=memory)")
        self.assertEqual(self.rows(), [])
        self.assertEqual(self.rows("m2"), [(1, "one"), (2, "two")])

    def test_drop_committed_then_another_connection_recreates_it(self):
        with kvtest.temp_db("m.db") as path:
            a = connect(path)
            a.execute("CREATE VIRTUAL TABLE m USING kvindex(csbtree, storage=memory)")
            a.execute("INSERT INTO m VALUES (1, 'one')")
            a.execute("DROP TABLE m")
            b = connect(path)
            b.execute("CREATE VIRTUAL TABLE m USING kvindex(csbtree, storage=memory)")
            b.close()
            self.assertEqual(a.execute("SELECT * FROM m").fetchall(), [])
            a.close()


if __name__ == "__main__":
    unittest.main()
