"""Read-only replicas (SQL_INTERFACE §9): a database copied to a replica is
opened read-only - `?mode=ro`, `?immutable=1`, or a file without write
permission - and every table kind opens and answers from it: kvcolumn fixed
and variable size, kvindex csbtree, skiplist and storage=memory, kvault.
xConnect never writes. Proof that nothing was written: the database file's
sha256, size and mode bits, and the directory listing (no journal, WAL or shm
left behind) are the same before and after; writes fail as read-only and the
data stays what it was."""
import hashlib
import os
import shutil
import sqlite3
import stat
import tempfile
import unittest

from kvtest import MODULE, connect

N_FIXED = 3000
N_VAR = 400
N_KEYS = 500


def var_value(i):
    return f"v{i}:" + "é" * (i % 300)  # some records past 255 bytes (long form)


def build(path, wal=False):
    conn = connect(path)
    if wal:
        conn.execute("PRAGMA journal_mode=wal")
    conn.executescript("""
        CREATE VIRTUAL TABLE fx USING kvcolumn(f64);
        CREATE VIRTUAL TABLE vx USING kvcolumn(str);
        CREATE VIRTUAL TABLE ix_csb USING kvindex(csbtree);
        CREATE VIRTUAL TABLE ix_skip USING kvindex(skiplist);
        CREATE VIRTUAL TABLE ix_mem USING kvindex(csbtree, storage=memory);
        CREATE VIRTUAL TABLE kv USING kvault;
    """)
    with conn:
        conn.execute("INSERT INTO fx(fx, value) VALUES ('append', kv_pack_many('f64', ?))",
                     ("[" + ",".join(str(i / 4) for i in range(N_FIXED)) + "]",))
        conn.executemany("INSERT INTO vx(value) VALUES (?)", [(var_value(i),) for i in range(N_VAR)])
        conn.executemany("INSERT INTO ix_csb VALUES (?, ?)", [(i * 3, f"c{i}") for i in range(N_KEYS)])
        conn.executemany("INSERT INTO ix_skip VALUES (?, ?)", [(f"k{i:05d}", i) for i in range(N_KEYS)])
        conn.execute("INSERT INTO ix_mem VALUES ('only', 'in this connection')")
        conn.executemany("INSERT INTO kv(key, value) VALUES (?, ?)",
                         [(f"doc:{i:03d}", bytes([i % 256]) * (i * 7)) for i in range(1, 100)])
        conn.execute("INSERT INTO kv(key, value) VALUES ('big', zeroblob(300000))")
    conn.close()


def snapshot(path):
    with open(path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    st = os.stat(path)
    return digest, st.st_size, stat.S_IMODE(st.st_mode), sorted(os.listdir(os.path.dirname(path)))


class ReadOnlyReplica(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="kv_readonly_")
        self.path = os.path.join(self.dir, "replica.db")

    def tearDown(self):
        shutil.rmtree(self.dir)

    def open_ro(self, query):
        conn = sqlite3.connect(f"file:{self.path}?{query}", uri=True)
        conn.enable_load_extension(True)
        conn.load_extension(MODULE)
        conn.enable_load_extension(False)
        return conn

    def check_reads(self, conn):
        q = lambda sql, *p: conn.execute(sql, p).fetchall()
        # kvcolumn, fixed size: scan, point, range, DESC.
        self.assertEqual([v for (v,) in q("SELECT value FROM fx")], [i / 4 for i in range(N_FIXED)])
        self.assertEqual(q("SELECT value FROM fx WHERE idx = 2999"), [(2999 / 4,)])
        self.assertEqual(q("SELECT idx FROM fx WHERE idx BETWEEN 10 AND 12 ORDER BY idx DESC"), [(12,), (11,), (10,)])
        self.assertEqual(q("SELECT kv_pack_agg('f64', value) FROM fx WHERE idx < 2"),
                         q("SELECT kv_pack_many('f64', '[0, 0.25]')"))
        # kvcolumn, variable size.
        self.assertEqual([v for (v,) in q("SELECT value FROM vx")], [var_value(i) for i in range(N_VAR)])
        self.assertEqual(q("SELECT value FROM vx WHERE idx = 299"), [(var_value(299),)])
        for table in ("fx", "vx"):
            self.assertEqual(q("SELECT kvcolumn_check(?)", table), [("ok",)])
        self.assertEqual(q("SELECT name, length FROM kvcolumns ORDER BY name"), [("fx", N_FIXED), ("vx", N_VAR)])
        # kvindex, both backends: point, range, ORDER BY DESC LIMIT.
        self.assertEqual(q("SELECT value FROM ix_csb WHERE key = 300"), [("c100",)])
        self.assertEqual(q("SELECT key FROM ix_csb WHERE key > 1490 ORDER BY key"), [(1491,), (1494,), (1497,)])
        self.assertEqual(q("SELECT key FROM ix_csb ORDER BY key DESC LIMIT 2"), [(1497,), (1494,)])
        self.assertEqual(q("SELECT count(*) FROM ix_csb"), [(N_KEYS,)])
        self.assertEqual(q("SELECT value FROM ix_skip WHERE key = 'k00042'"), [(42,)])
        self.assertEqual(q("SELECT key FROM ix_skip ORDER BY key DESC LIMIT 2"), [("k00499",), ("k00498",)])
        self.assertEqual(q("SELECT count(*) FROM ix_skip WHERE key >= 'k00100' AND key < 'k00200'"), [(100,)])
        # storage=memory: the table opens; its contents belong to the
        # connection that wrote them, so a replica sees it empty.
        self.assertEqual(q("SELECT key, value FROM ix_mem"), [])
        # kvault: point, prefix, streaming read, size.
        self.assertEqual(q("SELECT size FROM kv WHERE key = 'doc:042'"), [(42 * 7,)])
        self.assertEqual(q("SELECT count(*) FROM kv WHERE prefix = 'doc:0'"), [(99,)])
        self.assertEqual(q("SELECT kvault_read('kv', 'doc:010', 5, 3)"), [(bytes([10]) * 3,)])
        self.assertEqual(q("SELECT length(kvault_read('kv', 'big', 299990))"), [(10,)])
        export = os.path.join(tempfile.mkdtemp(prefix="kv_ro_export_"), "doc.bin")
        try:  # exporting from a replica writes the target file only
            self.assertEqual(q("SELECT kvault_export('kv', 'doc:003', ?)", export), [(21,)])
            with open(export, "rb") as f:
                self.assertEqual(f.read(), bytes([3]) * 21)
        finally:
            shutil.rmtree(os.path.dirname(export))

    def check_writes_refused(self, conn):
        for sql in ("INSERT INTO fx(value) VALUES (1)",
                    "INSERT INTO fx(fx, value) VALUES ('append', kv_pack_many('f64', '[1]'))",
                    "UPDATE fx SET value = 0 WHERE idx = 0",
                    "INSERT INTO vx(value) VALUES ('x')",
                    "DELETE FROM vx WHERE idx = 0",
                    "INSERT INTO vx(vx) VALUES ('compact')",
                    "INSERT INTO ix_csb VALUES (-1, 'x')",
                    "INSERT INTO ix_mem VALUES (1, 2)",
                    "DELETE FROM ix_skip WHERE key = 'k00001'",
                    "INSERT INTO kv(key, value) VALUES ('new', x'00')",
                    "DELETE FROM kv WHERE key = 'doc:001'",
                    "CREATE VIRTUAL TABLE more USING kvindex(skiplist)"):
            with self.subTest(sql=sql):
                with self.assertRaises(sqlite3.OperationalError) as cm:
                    conn.execute(sql)
                    conn.commit()
                self.assertIn("readonly", str(cm.exception).replace("read-only", "readonly"))
                conn.rollback()

    def run_replica(self, query, wal=False, chmod=True):
        build(self.path, wal=wal)
        if chmod:
            os.chmod(self.path, 0o444)
        before = snapshot(self.path)
        conn = self.open_ro(query)
        self.check_reads(conn)
        self.check_writes_refused(conn)
        self.check_reads(conn)  # the refused writes changed nothing, not even in the caches
        conn.close()
        self.assertEqual(snapshot(self.path), before)

    def test_mode_ro(self):
        self.run_replica("mode=ro")

    def test_mode_ro_writable_file(self):
        # Read-only by the URI alone: the file's permission would allow writes.
        self.run_replica("mode=ro", chmod=False)

    def test_immutable(self):
        self.run_replica("immutable=1")

    def test_immutable_wal_database(self):
        # A WAL database (header says WAL) shipped as one file: immutable=1
        # opens it without a -shm; nothing appears beside it.
        self.run_replica("immutable=1", wal=True)

    def test_connect_never_writes(self):
        # Opening every table from a writable connection, only reading, leaves
        # the file byte-identical too: xConnect and reads write nothing.
        build(self.path)
        before = snapshot(self.path)
        conn = connect(self.path)
        self.check_reads(conn)
        conn.close()
        self.assertEqual(snapshot(self.path), before)


if __name__ == "__main__":
    unittest.main()
