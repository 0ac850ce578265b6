"""The extension never issues a PRAGMA that a replicating engine forbids
(SQL_INTERFACE §9). dqlite's authorizer refuses journal_mode, page_size,
wal_autocheckpoint, synchronous, wal_checkpoint, busy_timeout and
locking_mode (the engine owns the journal, the page size and the locking);
LiteFS and Litestream need WAL mode and their own checkpointing left alone.

Two checks:
* the sources of ext/ and src/ (every subfolder): every PRAGMA in a C++
  string literal is one of ALLOWED, and none of the C API calls that change
  the same settings (busy timeout, checkpoints) appears;
* at run time: a connection with an authorizer that, like dqlite's, denies
  the forbidden PRAGMAs and records every PRAGMA compiled on the connection
  (the extension's own internal statements included) runs a workload over
  every table kind and every function that touches storage; the workload
  succeeds and only ALLOWED pragmas were seen.
"""
import os
import re
import shutil
import sqlite3
import tempfile
import unittest

import kvtest

SOURCE = os.environ.get("KV_SOURCE_DIR") or os.path.join(os.path.dirname(__file__), "..", "..")

FORBIDDEN = {"journal_mode", "page_size", "wal_autocheckpoint", "synchronous", "wal_checkpoint",
             "busy_timeout", "locking_mode"}
# What the extension reads: the attached schemas (kvcolumn_check, kvcolumns)
# and the database's data version (kvindex: rebuild after another commit).
ALLOWED = {"database_list", "data_version"}
FORBIDDEN_CALLS = ("sqlite3_busy_timeout", "sqlite3_busy_handler", "sqlite3_wal_checkpoint",
                   "sqlite3_wal_autocheckpoint", "sqlite3_wal_hook")

STRING_LITERAL = re.compile(r'"(?:[^"\\\n]|\\.)*"')
PRAGMA_NAME = re.compile(r'PRAGMA\s+(?:\\?"[^"\\]*\\?"\s*\.\s*|\w+\s*\.\s*)?(\w+)', re.IGNORECASE)


def source_files():
    for top in ("ext", "src"):
        for root, _, files in os.walk(os.path.join(SOURCE, top)):
            for name in files:
                if name.endswith((".cpp", ".hpp", ".h", ".c")):
                    yield os.path.join(root, name)


def strip_comments(code):
    code = re.sub(r"/\*.*?\*/", "", code, flags=re.DOTALL)
    return re.sub(r"//[^\n]*", "", code)


def pragmas_in_literals(code):
    found = set()
    for literal in STRING_LITERAL.findall(strip_comments(code)):
        found.update(m.lower() for m in PRAGMA_NAME.findall(literal))
    return found


class PragmaSourceScan(unittest.TestCase):
    def test_scanner_finds_pragmas(self):
        # The scanner itself: quoted schemas, comments ignored.
        self.assertEqual(pragmas_in_literals('q("PRAGMA \\"%w\\".data_version"); q("pragma main.journal_mode=wal");'
                                             '// "PRAGMA synchronous"\n'),
                         {"data_version", "journal_mode"})

    def test_sources_issue_only_allowed_pragmas(self):
        files = list(source_files())
        self.assertGreater(len(files), 20, "ext/ and src/ not found under " + SOURCE)
        seen = {}
        for path in files:
            with open(path, encoding="utf-8") as f:
                code = f.read()
            for name in pragmas_in_literals(code):
                seen.setdefault(name, []).append(os.path.relpath(path, SOURCE))
            for call in FORBIDDEN_CALLS:
                self.assertNotRegex(strip_comments(code), r"\b" + call + r"\s*\(", path)
        self.assertFalse(set(seen) & FORBIDDEN, seen)
        self.assertLessEqual(set(seen), ALLOWED, f"a new PRAGMA: check it against dqlite's authorizer: {seen}")
        self.assertEqual(set(seen), ALLOWED, "ALLOWED lists a PRAGMA the sources no longer use")


class PragmaAuthorizer(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="kv_pragmas_")
        self.conn = kvtest.connect(os.path.join(self.dir, "db.sqlite"))
        self.seen = []

        def authorizer(action, arg1, arg2, dbname, source):
            if action == sqlite3.SQLITE_PRAGMA:
                self.seen.append((arg1 or "").lower())
                if (arg1 or "").lower() in FORBIDDEN:
                    return sqlite3.SQLITE_DENY
            return sqlite3.SQLITE_OK

        self.conn.set_authorizer(authorizer)

    def tearDown(self):
        self.conn.close()
        shutil.rmtree(self.dir)

    def test_authorizer_is_active(self):
        # The recorder sees PRAGMAs and denies the forbidden ones.
        with self.assertRaises(sqlite3.DatabaseError):
            self.conn.execute("PRAGMA journal_mode").fetchall()
        self.assertIn("journal_mode", self.seen)

    def test_workload_issues_only_allowed_pragmas(self):
        c = self.conn
        blob = os.path.join(self.dir, "in.bin")
        with open(blob, "wb") as f:
            f.write(os.urandom(100000))
        c.execute("ATTACH ? AS aux", (os.path.join(self.dir, "aux.sqlite"),))
        c.executescript("""
            CREATE VIRTUAL TABLE fx USING kvcolumn(i32);
            CREATE VIRTUAL TABLE vx USING kvcolumn(msgpack);
            CREATE VIRTUAL TABLE aux.ax USING kvcolumn(f32);
            CREATE VIRTUAL TABLE ic USING kvindex(csbtree);
            CREATE VIRTUAL TABLE isk USING kvindex(skiplist);
            CREATE VIRTUAL TABLE im USING kvindex(skiplist, storage=memory);
            CREATE VIRTUAL TABLE kv USING kvault;
            BEGIN;
            INSERT INTO fx(fx, value) VALUES ('append', kv_pack_many('i32', '[1,2,3,4,5]'));
            INSERT INTO fx(idx, value) VALUES (0, 9);
            SAVEPOINT s; UPDATE fx SET value = 7 WHERE idx = 1; ROLLBACK TO s; RELEASE s;
            DELETE FROM fx WHERE idx = 2;
            INSERT INTO vx(value) VALUES ('{"a":1}'), ('[1,2]'), ('"x"');
            UPDATE vx SET value = '{"b":[1,2,3,4,5,6,7,8,9]}' WHERE idx = 0;
            DELETE FROM vx WHERE idx = 1;
            INSERT INTO aux.ax(value) VALUES (1.5), (2.5);
            INSERT INTO ic VALUES (1, 'a'), (2, 'b'), ('x', 3);
            INSERT OR REPLACE INTO ic VALUES (2, 'B');
            INSERT INTO isk VALUES ('k', 1);
            INSERT INTO im VALUES ('m', 1);
            INSERT INTO kv(key, value) VALUES ('a', x'01'), ('b:1', kv_pack('auto', 'hello'));
            UPDATE kv SET value = x'0203' WHERE key = 'a';
            DELETE FROM kv WHERE key = 'b:1';
            COMMIT;
            INSERT INTO vx(vx) VALUES ('compact');
            INSERT INTO fx(fx, idx, value) VALUES ('write', 1, kv_pack_many('i32', '[8, 8]'));
        """)
        c.execute("SELECT kvault_import('kv', 'file', ?)", (blob,)).fetchall()
        c.execute("SELECT kvault_export('kv', 'file', ?)", (blob + ".out",)).fetchall()
        c.execute("SELECT kvault_read('kv', 'file', 10, 10)").fetchall()
        for sql in ("SELECT * FROM fx ORDER BY idx DESC", "SELECT * FROM vx", "SELECT * FROM aux.ax",
                    "SELECT * FROM ic WHERE key > 1 ORDER BY key DESC LIMIT 1", "SELECT * FROM isk",
                    "SELECT * FROM im", "SELECT * FROM kv WHERE prefix = 'a'", "SELECT * FROM kvcolumns",
                    "SELECT kvcolumn_check('fx')", "SELECT kvcolumn_check('vx')",
                    "SELECT kvcolumn_check('aux', 'ax')", "SELECT kvcolumn_slice('fx', 1)",
                    "SELECT kvcolumn_slice('vx', 0)", "SELECT * FROM kvcolumn_stats('aux.ax')",
                    "SELECT * FROM kvcolumn_buckets('fx', 2)"):
            c.execute(sql).fetchall()
        # Another connection commits: kvindex notices (data_version) and reloads.
        other = kvtest.connect(os.path.join(self.dir, "db.sqlite"))
        other.execute("INSERT INTO ic VALUES (3, 'c')")
        other.commit()
        other.close()
        self.assertEqual(c.execute("SELECT count(*) FROM ic").fetchone()[0], 4)
        c.executescript("""
            ALTER TABLE fx RENAME TO fx2;
            ALTER TABLE ic RENAME TO ic2;
            ALTER TABLE kv RENAME TO kv2;
            DROP TABLE fx2; DROP TABLE vx; DROP TABLE aux.ax; DROP TABLE ic2; DROP TABLE isk; DROP TABLE im;
            DROP TABLE kv2;
        """)
        self.assertEqual(set(self.seen), ALLOWED, "the extension's own PRAGMAs were not seen: is the authorizer reached?")
        self.assertTrue(self.seen, "no PRAGMA seen: is the authorizer reached by the extension's statements?")
        self.assertFalse(set(self.seen) & FORBIDDEN, self.seen)
        self.assertLessEqual(set(self.seen), ALLOWED, self.seen)


if __name__ == "__main__":
    unittest.main()
