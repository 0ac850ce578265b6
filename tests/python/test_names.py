"""Table names: which names kvcolumn/kvindex/kvault tables may take at CREATE
and RENAME (common/table_names.hpp), which existing tables their xShadowName
may claim, and how functions taking a table name find it
(common/resolve_table.hpp: temp, main, attached in order, or 'schema.table')."""
import os
import sqlite3
import subprocess
import unittest

from kvtest import MODULE, connect, error_of, temp_dir

MODULES = {"kvcolumn": "kvcolumn(f64)", "kvindex": "kvindex", "kvault": "kvault"}


def shell(db_path, script):
    """Runs script through the sqlite3 shell (with DEFENSIVE on) and returns (stdout, stderr)."""
    proc = subprocess.run(["sqlite3", "-batch", "-cmd", f".load {os.path.abspath(MODULE)}",
                           "-cmd", ".dbconfig defensive on", db_path],
                          input=script, capture_output=True, text=True, timeout=60)
    return proc.stdout, proc.stderr


class Fixture(unittest.TestCase):
    def setUp(self):
        self.dir = temp_dir(self)
        self.db_path = os.path.join(self.dir, "n.db")
        self.conn = connect(self.db_path, isolation_level=None)

    def tearDown(self):
        self.conn.close()

    def rows(self, sql, params=()):
        return self.conn.execute(sql, params).fetchall()


class ReservedNames(Fixture):
    def test_kvcolumn_rename_to_a_column_name_is_refused_and_the_data_stays_reachable(self):
        self.conn.execute("CREATE VIRTUAL TABLE t USING kvcolumn(f64)")
        self.conn.execute("INSERT INTO t(value) VALUES (1.5), (2.5)")
        for name in ("raw", "IDX", "value", "Value", "rowid", "oid", "_rowid_"):
            with self.subTest(name=name):
                self.assertIn("is reserved", error_of(self.conn, f'ALTER TABLE t RENAME TO "{name}"') or "")
                self.assertEqual(self.rows("SELECT idx, value FROM t"), [(0, 1.5), (1, 2.5)])
        self.conn.execute("ALTER TABLE t RENAME TO t2")
        self.assertEqual(self.rows("SELECT kvcolumn_check('t2')"), [("ok",)])
        self.conn.execute("DROP TABLE t2")
        self.assertEqual(self.rows("SELECT count(*) FROM sqlite_schema"), [(0,)])

    def test_kvcolumn_create_with_a_column_name_is_refused(self):
        for name in ("raw", "IDX", "value", "rowid", "oid", "_rowid_"):
            with self.subTest(name=name):
                self.assertIn("is reserved",
                              error_of(self.conn, f'CREATE VIRTUAL TABLE "{name}" USING kvcolumn(f64)') or "")
        self.assertEqual(self.rows("SELECT count(*) FROM sqlite_schema"), [(0,)])

    def test_kvault_and_kvindex_may_be_named_like_their_columns(self):
        # Their columns are not named after the table, so key/value are harmless names.
        self.conn.execute('CREATE VIRTUAL TABLE "key" USING kvault')
        self.conn.execute('CREATE VIRTUAL TABLE "value" USING kvindex')
        self.conn.execute('INSERT INTO "key"(key, value) VALUES (\'a\', x\'01\')')
        self.conn.execute('INSERT INTO "value"(key, value) VALUES (1, 2)')
        self.assertEqual(self.rows('SELECT count(*) FROM "key"'), [(1,)])
        self.assertEqual(self.rows('SELECT value FROM "value"'), [(2,)])

    def test_legacy_kvcolumn_named_raw_opens_and_can_be_renamed_back(self):
        # A file from a build whose xRename accepted 'raw': emulate it by renaming in the schema.
        self.conn.execute("CREATE VIRTUAL TABLE t USING kvcolumn(f64)")
        self.conn.execute("INSERT INTO t(value) VALUES (1.5), (2.5)")
        self.conn.execute("PRAGMA writable_schema = ON")
        self.conn.execute("UPDATE sqlite_schema SET name = 'raw', tbl_name = 'raw', "
                          "sql = 'CREATE VIRTUAL TABLE raw USING kvcolumn(f64)' WHERE name = 't'")
        self.conn.execute("UPDATE sqlite_schema SET name = 'raw' || substr(name, 2), "
                          "tbl_name = 'raw' || substr(tbl_name, 2), sql = replace(sql, '\"t_', '\"raw_') "
                          "WHERE name IN ('t_info', 't_chunks')")
        self.conn.close()
        self.conn = connect(self.db_path, isolation_level=None)
        self.assertEqual(self.rows("SELECT idx, value FROM raw"), [(0, 1.5), (1, 2.5)])
        self.conn.execute("INSERT INTO raw(command, value) VALUES ('append', kv_pack('f64', 3.5))")
        self.conn.execute("ALTER TABLE raw RENAME TO t")
        self.assertEqual(self.rows("SELECT value FROM t"), [(1.5,), (2.5,), (3.5,)])
        self.assertEqual(self.rows("SELECT kvcolumn_check('t')"), [("ok",)])
        self.assertEqual(self.rows("PRAGMA integrity_check"), [("ok",)])


class EponymousNames(Fixture):
    def eponymous_modules(self):
        """Modules the extension adds that answer as tables without CREATE."""
        before = {n for (n,) in sqlite3.connect(":memory:").execute("SELECT name FROM pragma_module_list")}
        added = [n for (n,) in self.rows("SELECT name FROM pragma_module_list") if n not in before]
        return [n for n in added if self.rows("SELECT count(*) FROM pragma_table_info(?)", (n,))[0][0] > 0]

    def test_every_eponymous_table_of_the_extension_is_refused_as_a_name(self):
        names = self.eponymous_modules()
        self.assertIn("kvcolumns", names)
        for name in names + ["KVCOLUMNS", "kvcolumn_stats", "kvcolumn_buckets", "kvcolumn_knn"]:
            for module, using in MODULES.items():
                with self.subTest(name=name, module=module):
                    self.assertIn("eponymous",
                                  error_of(self.conn, f'CREATE VIRTUAL TABLE "{name}" USING {using}') or "")
                    self.conn.execute(f"CREATE VIRTUAL TABLE x USING {using}")
                    self.assertIn("eponymous", error_of(self.conn, f'ALTER TABLE x RENAME TO "{name}"') or "")
                    self.conn.execute("DROP TABLE x")
        self.conn.execute("CREATE VIRTUAL TABLE c USING kvcolumn(f64)")
        self.assertEqual(self.rows("SELECT name FROM kvcolumns"), [("c",)])


class ShadowNames(Fixture):
    def test_fixed_kvcolumn_does_not_capture_existing_user_tables(self):
        out, err = shell(self.db_path, "\n".join([
            "CREATE TABLE a_data(x);",
            "CREATE TABLE a_idx(x);",
            "CREATE VIRTUAL TABLE a USING kvcolumn(f64);",
            "INSERT INTO a_data VALUES (1);",
            "INSERT INTO a_idx VALUES (1);",
            "SELECT 'rows', (SELECT count(*) FROM a_data) + (SELECT count(*) FROM a_idx);",
        ]))
        self.assertIn("rows|2", out, err)
        self.assertIn("already exists", err)
        self.assertNotIn("may not be modified", err)

    def test_var_kvcolumn_does_not_capture_an_existing_chunks_table(self):
        out, err = shell(self.db_path, "CREATE TABLE s_chunks(x);\n"
                                       "CREATE VIRTUAL TABLE s USING kvcolumn(str);\n"
                                       "DELETE FROM s_chunks; SELECT 'ok', 1;\n")
        self.assertIn("ok|1", out, err)
        self.assertIn("'s_chunks' already exists", err)

    def test_memory_kvindex_does_not_capture_an_existing_data_table(self):
        out, err = shell(self.db_path, "CREATE TABLE m_data(x);\n"
                                       "CREATE VIRTUAL TABLE m USING kvindex(csbtree, storage=memory);\n"
                                       "INSERT INTO m_data VALUES (1); SELECT 'n', count(*) FROM m_data;\n")
        self.assertIn("n|1", out, err)
        self.assertIn("'m_data' already exists", err)

    def test_rename_does_not_capture_existing_user_tables(self):
        for module, using in MODULES.items():
            with self.subTest(module=module):
                self.conn.execute(f"CREATE VIRTUAL TABLE b USING {using}")
                self.conn.execute("CREATE TABLE c_data(x)")
                self.assertIn("'c_data' already exists", error_of(self.conn, "ALTER TABLE b RENAME TO c") or "")
                self.conn.execute("DROP TABLE b")
                self.conn.execute("DROP TABLE c_data")
        out, err = shell(self.db_path, "CREATE VIRTUAL TABLE b USING kvcolumn(f64);\n"
                                       "CREATE TABLE c_idx(x);\n"
                                       "ALTER TABLE b RENAME TO c;\n"
                                       "INSERT INTO c_idx VALUES (1); SELECT 'n', count(*) FROM c_idx;\n")
        self.assertIn("n|1", out, err)

    def test_a_refused_rename_in_a_transaction_keeps_the_buffered_rows(self):
        # The shadow table c_info cannot be created over an index of that name;
        # xRename used to flush the write buffer first, and the failed ALTER's
        # rollback then took the flushed rows with it.
        for using in ("kvcolumn(i64)", "kvcolumn(msgpack)"):
            with self.subTest(using=using):
                self.conn.execute(f"CREATE VIRTUAL TABLE b USING {using}")
                self.conn.execute("INSERT INTO b(value) VALUES (1), (2)")
                self.conn.execute("CREATE TABLE other(x)")
                self.conn.execute("CREATE INDEX c_info ON other(x)")
                self.conn.execute("BEGIN")
                self.conn.execute("INSERT INTO b(value) VALUES (3)")
                self.assertIn("index 'c_info' already exists", error_of(self.conn, "ALTER TABLE b RENAME TO c") or "")
                self.conn.execute("COMMIT")
                self.assertEqual(self.rows("SELECT value FROM b"), [(1,), (2,), (3,)])
                self.assertEqual(self.rows("SELECT kvcolumn_check('b')"), [("ok",)])
                self.conn.execute("DROP TABLE b")
                self.conn.execute("DROP TABLE other")

    def test_rename_in_a_transaction_keeps_the_buffered_rows(self):
        for using in ("kvcolumn(i64)", "kvcolumn(msgpack)"):
            with self.subTest(using=using):
                self.conn.execute(f"CREATE VIRTUAL TABLE b USING {using}")
                self.conn.execute("BEGIN")
                self.conn.execute("INSERT INTO b(value) VALUES (1), (2)")
                self.conn.execute("ALTER TABLE b RENAME TO c")
                self.conn.execute("INSERT INTO c(value) VALUES (3)")
                self.conn.execute("COMMIT")
                self.assertEqual(self.rows("SELECT value FROM c"), [(1,), (2,), (3,)])
                self.assertEqual(self.rows("SELECT kvcolumn_check('c')"), [("ok",)])
                self.conn.execute("DROP TABLE c")

    def test_an_index_named_like_an_unused_suffix_does_not_block_a_fixed_column(self):
        self.conn.execute("CREATE TABLE other(x)")
        self.conn.execute("CREATE INDEX a_idx ON other(x)")
        self.conn.execute("CREATE VIRTUAL TABLE a USING kvcolumn(f64)")
        self.conn.execute("INSERT INTO a(value) VALUES (1)")
        self.assertEqual(self.rows("SELECT value FROM a"), [(1.0,)])

    # One case rule for xShadowName (common/table_names.hpp claims_shadow_suffix):
    # SQLite passes the suffix as written, and names compare case-insensitively.
    SHADOW_SUFFIX = {"kvcolumn": "info", "kvindex": "log", "kvault": "data"}

    def test_a_differently_cased_shadow_name_is_protected_in_every_module(self):
        for module, using in MODULES.items():
            suffix = self.SHADOW_SUFFIX[module]
            with self.subTest(module=module):
                self.conn.execute(f"CREATE VIRTUAL TABLE a USING {using}")
                self.conn.execute("INSERT INTO a(value) VALUES (1)" if module == "kvcolumn"
                                  else "INSERT INTO a(key, value) VALUES (x'01', x'01')")
                before = self.rows(f"SELECT count(*) FROM a_{suffix}")
                out, err = shell(self.db_path, f"DELETE FROM A_{suffix.upper()};\n"
                                               f"CREATE TABLE A_{suffix.upper()}X(x);\n"  # not a shadow name
                                               f"INSERT INTO a_{suffix}x VALUES (1);\n"
                                               f"SELECT 'w', count(*) FROM A_{suffix.upper()}X;\n")
                self.assertIn("may not be modified", err)
                self.assertEqual(err.count("error"), 1, err)
                self.assertIn("w|1", out, err)
                self.assertEqual(self.rows(f"SELECT count(*) FROM a_{suffix}"), before)
                self.conn.execute("DROP TABLE a")
                self.conn.execute(f"DROP TABLE a_{suffix}x")

    def test_a_differently_cased_claimed_name_cannot_be_created_later(self):
        for module, using in MODULES.items():
            suffix = self.SHADOW_SUFFIX[module]
            with self.subTest(module=module):
                out, err = shell(self.db_path, f"CREATE VIRTUAL TABLE a USING {using};\n"
                                               f"CREATE TABLE A_{suffix.swapcase()}(x);\n"  # a's shadow name: refused
                                               f"CREATE TABLE A_{suffix.upper()}2(x);\n")  # not claimed: allowed
                self.assertIn("reserved for internal use", err)
                self.assertEqual(err.count("error"), 1, err)
                self.assertEqual(self.rows("SELECT count(*) FROM sqlite_schema WHERE name = ?",
                                           (f"A_{suffix.swapcase()}",)), [(0,)])
                self.conn.execute("DROP TABLE a")
                self.conn.execute(f"DROP TABLE A_{suffix.upper()}2")

    def test_defensive_mode_refuses_to_create_a_claimed_name_later(self):
        out, err = shell(self.db_path, "CREATE VIRTUAL TABLE a USING kvcolumn(f64);\n"
                                       "CREATE TABLE a_data(x);\n")
        self.assertIn("reserved for internal use", err)


class Resolution(Fixture):
    def setUp(self):
        super().setUp()
        self.conn.execute("ATTACH ? AS aux", (os.path.join(self.dir, "aux.db"),))
        self.conn.execute("ATTACH ? AS aux2", (os.path.join(self.dir, "aux2.db"),))

    def test_temp_shadows_main_for_every_function_as_for_select(self):
        for schema, byte in (("main", b"\x01"), ("temp", b"\x02")):
            self.conn.execute(f"CREATE VIRTUAL TABLE {schema}.f USING kvault")
            self.conn.execute(f"INSERT INTO {schema}.f(key, value) VALUES ('k', ?)", (byte,))
        self.assertEqual(self.rows("SELECT value FROM f WHERE key = 'k'"), [(b"\x02",)])
        self.assertEqual(self.rows("SELECT kvault_read('f', 'k', 0)"), [(b"\x02",)])
        out = os.path.join(self.dir, "out.bin")
        self.conn.execute("SELECT kvault_export('f', 'k', ?)", (out,))
        with open(out, "rb") as fh:
            self.assertEqual(fh.read(), b"\x02")
        with open(out, "wb") as fh:
            fh.write(b"\x03")
        self.conn.execute("SELECT kvault_import('f', 'new', ?)", (out,))
        self.assertEqual(self.rows("SELECT value FROM temp.f WHERE key = 'new'"), [(b"\x03",)])
        self.assertEqual(self.rows("SELECT count(*) FROM main.f WHERE key = 'new'"), [(0,)])
        # kvcolumn_check: main.t is a kvcolumn, but SELECT ... FROM t reads the temp table.
        self.conn.execute("CREATE VIRTUAL TABLE main.t USING kvcolumn(f64)")
        self.conn.execute("CREATE TEMP TABLE t(x)")
        self.assertIn("temp.t is an ordinary table", error_of(self.conn, "SELECT kvcolumn_check('t')") or "")
        self.assertEqual(self.rows("SELECT kvcolumn_check('main.t'), kvcolumn_check('main', 't')"), [("ok", "ok")])

    def test_a_table_only_in_an_attached_database_is_found(self):
        self.conn.execute("CREATE VIRTUAL TABLE aux2.f USING kvault")
        self.conn.execute("INSERT INTO aux2.f(key, value) VALUES ('k', x'07')")
        self.conn.execute("CREATE VIRTUAL TABLE aux2.c USING kvcolumn(f64)")
        self.assertEqual(self.rows("SELECT kvault_read('f', 'k', 0), kvcolumn_check('c')"), [(b"\x07", "ok")])

    def test_attached_databases_are_searched_in_attach_order(self):
        for schema, byte in (("aux2", b"\x02"), ("aux", b"\x01")):
            self.conn.execute(f"CREATE VIRTUAL TABLE {schema}.f USING kvault")
            self.conn.execute(f"INSERT INTO {schema}.f(key, value) VALUES ('k', ?)", (byte,))
        self.assertEqual(self.rows("SELECT value FROM f"), [(b"\x01",)])
        self.assertEqual(self.rows("SELECT kvault_read('f', 'k', 0)"), [(b"\x01",)])

    def test_schema_qualified_names(self):
        self.conn.execute("CREATE VIRTUAL TABLE aux.f USING kvault")
        self.conn.execute("CREATE VIRTUAL TABLE main.f USING kvault")
        self.conn.execute("INSERT INTO aux.f(key, value) VALUES ('k', x'0a')")
        self.conn.execute("INSERT INTO main.f(key, value) VALUES ('k', x'0b')")
        self.assertEqual(self.rows("SELECT kvault_read('AUX.f', 'k', 0), kvault_read('main.F', 'k', 0)"),
                         [(b"\x0a", b"\x0b")])
        self.assertIn("no such kvault table: 'aux.nope' (searched aux)",
                      error_of(self.conn, "SELECT kvault_read('aux.nope', 'k', 0)") or "")
        self.conn.execute('CREATE VIRTUAL TABLE main."a.b" USING kvault')
        self.conn.execute('INSERT INTO "a.b"(key, value) VALUES (\'k\', x\'0c\')')
        self.assertEqual(self.rows("SELECT kvault_read('a.b', 'k', 0), kvault_read('main.a.b', 'k', 0)"),
                         [(b"\x0c", b"\x0c")])
        self.assertIn("no such database: 'nodb'", error_of(self.conn, "SELECT kvcolumn_check('nodb', 'f')") or "")
        err = error_of(self.conn, "SELECT kvault_read('nope', 'k', 0)") or ""
        self.assertIn("no such kvault table: 'nope' (searched ", err)
        self.assertTrue(err.endswith("main, aux, aux2)"), err)

    def test_the_first_match_decides_even_when_it_is_not_the_module(self):
        self.conn.execute("CREATE VIRTUAL TABLE main.v USING kvault")
        self.conn.execute("CREATE TEMP VIEW v AS SELECT 1")
        self.assertIn("temp.v is a view", error_of(self.conn, "SELECT kvault_read('v', 'k', 0)") or "")

    def test_a_name_containing_using_is_not_taken_for_the_module(self):
        self.conn.execute('CREATE VIRTUAL TABLE "x using kvault" USING kvcolumn(f64)')
        self.assertIn("virtual table of another module",
                      error_of(self.conn, "SELECT kvault_read('x using kvault', 'k', 0)") or "")
        self.assertEqual(self.rows("SELECT name FROM kvcolumns"), [("x using kvault",)])


if __name__ == "__main__":
    unittest.main()
