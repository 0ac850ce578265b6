"""Loading the module adds exactly the documented SQL surface, nothing more.

Compares pragma_function_list / pragma_module_list of a connection before and
after loading. A function or module that appears, disappears, changes its
argument count, kind or safety flags fails here, so the SQL surface can't
drift unnoticed. When a component lands or changes, update EXPECTED_* below
together with the docs.
"""
import sqlite3
import unittest

import kvtest

# pragma_function_list flag bits (sqlite3.h)
DETERMINISTIC = 0x000000800
DIRECTONLY = 0x000080000
INNOCUOUS = 0x000200000
SAFETY = {"deterministic": DETERMINISTIC, "directonly": DIRECTONLY, "innocuous": INNOCUOUS}

PURE = frozenset({"deterministic", "innocuous"})

# (name, nargs) -> (type, safety flags); type 's' scalar, 'a' aggregate, 'w' window.
EXPECTED_FUNCTIONS = {
    ("kohakuvault_version", 0): ("s", PURE),
    # not deterministic: the host SQLite version can differ between loads
    ("kohakuvault_debug", 0): ("s", frozenset({"innocuous"})),
    # DataPacker (kv_pack and friends): pure
    ("kv_dtype", 1): ("s", PURE),
    ("kv_pack", 2): ("s", PURE),
    ("kv_pack", 3): ("s", PURE),
    ("kv_pack_agg", 2): ("a", PURE),
    ("kv_pack_many", 2): ("s", PURE),
    ("kv_unpack", 2): ("s", PURE),
    ("kv_unpack", 3): ("s", PURE),
    ("kv_unpack_many", 2): ("s", PURE),
    ("kv_unpack_many", 3): ("s", PURE),
    ("kv_validate", 2): ("s", PURE),
    ("kv_validate_errors", 2): ("s", PURE),
    # kvcolumn integrity check (docs/kvcolumn.md): reads the database, so not pure
    ("kvcolumn_check", 1): ("s", frozenset()),
    ("kvcolumn_check", 2): ("s", frozenset()),
    # set-based column functions (docs/set_functions.md): read tables, so not pure
    ("kvcolumn_slice", 2): ("s", frozenset()),
    ("kvcolumn_slice", 3): ("s", frozenset()),
    # kvault streaming (docs/kvault.md): file functions are direct-only
    ("kvault_import", 3): ("s", frozenset({"directonly"})),
    ("kvault_import", 4): ("s", frozenset({"directonly"})),
    ("kvault_export", 3): ("s", frozenset({"directonly"})),
    ("kvault_export", 4): ("s", frozenset({"directonly"})),
    ("kvault_read", 3): ("s", frozenset()),
    ("kvault_read", 4): ("s", frozenset()),
}

# Virtual table modules, including eponymous / table-valued functions.
EXPECTED_MODULES = {"kv_unpack_each", "kvcolumn", "kvcolumns", "kvindex", "kvault",
                    # set-based column functions (docs/set_functions.md)
                    "kvcolumn_stats", "kvcolumn_buckets",
                    # vector search (docs/vector_search.md)
                    "kvcolumn_knn",
                    # KohakuVault's own files (docs/kohakuvault_files.md), names from SQL_INTERFACE.md section 10
                    "kohakuvault_columns", "kohakuvault_column"}


def functions(conn):
    rows = conn.execute("select name, narg, type, flags from pragma_function_list").fetchall()
    return {(name, narg): (kind, frozenset(k for k, bit in SAFETY.items() if flags & bit))
            for name, narg, kind, flags in rows}


def modules(conn):
    return {name for (name,) in conn.execute("select name from pragma_module_list")}


class SurfaceTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        plain = sqlite3.connect(":memory:")
        cls.before_functions, cls.before_modules = functions(plain), modules(plain)
        loaded = kvtest.connect()
        cls.after_functions, cls.after_modules = functions(loaded), modules(loaded)

    def test_added_functions_are_exactly_the_documented_set(self):
        added = {k: v for k, v in self.after_functions.items() if k not in self.before_functions}
        self.assertEqual(set(added), set(EXPECTED_FUNCTIONS),
                         "functions added by loading differ from the documented set")
        for key, (kind, safety) in EXPECTED_FUNCTIONS.items():
            with self.subTest(function=key):
                self.assertEqual(added[key], (kind, safety))

    def test_no_builtin_function_is_replaced(self):
        changed = {k for k, v in self.before_functions.items() if self.after_functions.get(k) != v}
        self.assertEqual(changed, set())
        query = "select name, narg from pragma_function_list where builtin"
        plain = sqlite3.connect(":memory:")
        self.assertEqual(set(kvtest.connect().execute(query)), set(plain.execute(query)))

    def test_added_modules_are_exactly_the_documented_set(self):
        self.assertEqual(self.after_modules - self.before_modules, EXPECTED_MODULES)
        self.assertEqual(self.before_modules - self.after_modules, set())

    def test_every_added_name_is_namespaced(self):
        # Everything we add starts with kv or kohakuvault, so it can't collide
        # with SQLite's own functions or other extensions' common names.
        for name, _ in EXPECTED_FUNCTIONS:
            self.assertTrue(name.startswith(("kv", "kohakuvault")), name)
        for name in EXPECTED_MODULES:
            self.assertTrue(name.startswith(("kv", "kohakuvault")), name)

    def test_loading_twice_adds_nothing_more(self):
        conn = kvtest.connect()
        once = functions(conn), modules(conn)
        conn.enable_load_extension(True)
        conn.load_extension(kvtest.MODULE)
        self.assertEqual((functions(conn), modules(conn)), once)


if __name__ == "__main__":
    unittest.main()
