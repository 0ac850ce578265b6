"""tests/tools/check_readme.py runs exactly the ```sql blocks of a Markdown
file and fails on any error that the block didn't announce."""
import os
import subprocess
import sys
import textwrap
import unittest

import kvtest

SOURCE = os.environ.get("KV_SOURCE_DIR") or os.path.join(os.path.dirname(__file__), "..", "..")
CHECKER = os.path.join(SOURCE, "tests", "tools", "check_readme.py")


def check(markdown):
    with kvtest.temp_db("doc.md") as path:
        with open(path, "w", encoding="utf-8") as f:
            f.write(textwrap.dedent(markdown))
        proc = subprocess.run([sys.executable, CHECKER, kvtest.MODULE, path], capture_output=True, text=True,
                              timeout=120)
    return proc.returncode, proc.stdout


class ReadmeCheckerTest(unittest.TestCase):
    def test_runs_sql_blocks_in_order_on_one_database(self):
        rc, out = check("""
            # Title
            ```sql
            .load ./build/kohakuvault
            create table t(x);
            insert into t values (kohakuvault_version());
            ```
            text
            ```sql
            select count(*) from t;
            select x from t where x = 'no such version' -- error: this line does not fail
            ```
            """)
        self.assertEqual(rc, 1, out)
        self.assertIn("ok doc.md:3", out)
        self.assertIn("expected an error containing 'this line does not fail', got none", out)
        self.assertIn("1 passed, 1 failed", out)

    def test_announced_errors_pass_and_other_blocks_are_skipped(self):
        rc, out = check("""
            ```sql
            select kohakuvault_version(1); -- error: wrong number of arguments
            ```
            ```sql-nocheck
            select * from a_table_that_does_not_exist;
            ```
            ```python
            import this
            ```
            """)
        self.assertEqual(rc, 0, out)
        self.assertIn("1 passed, 0 failed", out)

    def test_an_unannounced_error_fails_naming_the_block(self):
        rc, out = check("""
            intro

            ```sql
            select 1;
            select * from missing_table;
            ```
            """)
        self.assertEqual(rc, 1, out)
        self.assertIn("FAIL doc.md:4", out)
        self.assertIn("block line 2: no such table: missing_table", out)

    def test_a_file_without_sql_blocks_fails(self):
        rc, out = check("no blocks here\n")
        self.assertEqual(rc, 1, out)
        self.assertIn("0 passed, 0 failed", out)


if __name__ == "__main__":
    unittest.main()
