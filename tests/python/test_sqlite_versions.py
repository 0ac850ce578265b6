"""The module runs in every SQLite from KOHAKUVAULT_MIN_SQLITE_VERSION on and
refuses older hosts cleanly.

* Static: tests/tools/check_sqlite_api.py finds no API routine, flag or module
  slot newer than the minimum in ext/ unless it is behind a runtime_features()
  check (and the checker itself catches an unguarded use).
* Old host: Debian's sqlcipher shell embeds SQLite 3.15.2, older than the
  minimum; loading there fails with a message naming both versions instead of
  calling routines that host lacks. No Debian 12 package ships a SQLite between
  3.15 and 3.40 (and bookworm's source package is 3.40.1), so hosts 3.37-3.39
  are covered by the static check plus a host that reports 3.37.2 (the
  *_on_3_37 tests in tests/drivers/CMakeLists.txt).
* Current host: kohakuvault_debug() reports the SQLite it was compiled against
  and the one it runs in.
"""
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import unittest

import kvtest

SOURCE = os.environ.get("KV_SOURCE_DIR") or os.path.join(os.path.dirname(__file__), "..", "..")
CHECKER = os.path.join(SOURCE, "tests", "tools", "check_sqlite_api.py")


def header_minimum():
    with open(os.path.join(SOURCE, "include", "kohakuvault.h"), encoding="utf-8") as f:
        text = f.read()
    version = re.search(r'#define KOHAKUVAULT_MIN_SQLITE_VERSION "([\d.]+)"', text).group(1)
    number = int(re.search(r"#define KOHAKUVAULT_MIN_SQLITE_VERSION_NUMBER (\d+)", text).group(1))
    return version, number


def run_checker(src):
    return subprocess.run([sys.executable, CHECKER, src], capture_output=True, text=True, timeout=60)


class StaticApiCheck(unittest.TestCase):
    def test_minimum_macros_agree(self):
        version, number = header_minimum()
        major, minor, patch = (int(x) for x in version.split("."))
        self.assertEqual(number, major * 1000000 + minor * 1000 + patch)

    def test_no_unguarded_api_newer_than_minimum(self):
        proc = run_checker(SOURCE)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)

    def test_checker_catches_an_unguarded_call(self):
        with tempfile.TemporaryDirectory() as tmp:
            shutil.copytree(os.path.join(SOURCE, "include"), os.path.join(tmp, "include"))
            shutil.copytree(os.path.join(SOURCE, "ext"), os.path.join(tmp, "ext"))
            with open(os.path.join(tmp, "ext", "bad.cpp"), "w", encoding="utf-8") as f:
                f.write("int probe(sqlite3_index_info* p) { return sqlite3_vtab_in(p, 0, 1); }\n")
            proc = run_checker(tmp)
        self.assertNotEqual(proc.returncode, 0, proc.stdout)
        self.assertIn("FAIL ext/bad.cpp uses sqlite3_vtab_in", proc.stdout)


@unittest.skipUnless(shutil.which("sqlcipher"), "sqlcipher (SQLite 3.15 shell) not installed")
class OldHost(unittest.TestCase):
    def test_older_host_is_refused_with_a_clear_message(self):
        version, _ = header_minimum()
        proc = subprocess.run(["sqlcipher", "-batch", "-cmd", f".load {kvtest.MODULE}", ":memory:",
                               "select sqlite_version()"], capture_output=True, text=True, timeout=60)
        self.assertGreaterEqual(proc.returncode, 0, proc.stderr)  # an error, not a crash (signal)
        self.assertEqual(proc.stdout.strip(), "3.15.2")  # the host ran the query after the refusal
        self.assertIn(f"kohakuvault: needs SQLite {version} or newer, this host runs 3.15.2", proc.stderr)

    def test_older_host_keeps_working_after_the_refusal(self):
        proc = subprocess.run(["sqlcipher", "-batch", ":memory:"], capture_output=True, text=True, timeout=60,
                              input=f"select load_extension('{kvtest.MODULE}');\nselect 40 + 2;\n")
        self.assertIn("needs SQLite", proc.stderr)
        self.assertEqual(proc.stdout.strip(), "42")


class CurrentHost(unittest.TestCase):
    def test_debug_reports_compiled_and_running_sqlite(self):
        (text,) = kvtest.connect().execute("select kohakuvault_debug()").fetchone()
        fields = dict(line.split(": ", 1) for line in text.strip().split("\n"))
        self.assertEqual(fields["sqlite_running"], sqlite3.sqlite_version)
        self.assertRegex(fields["sqlite_compiled"], r"^3\.\d+\.\d+$")
        _, minimum = header_minimum()
        major, minor, patch = (int(x) for x in sqlite3.sqlite_version.split("."))
        self.assertGreaterEqual(major * 1000000 + minor * 1000 + patch, minimum)


if __name__ == "__main__":
    unittest.main()
