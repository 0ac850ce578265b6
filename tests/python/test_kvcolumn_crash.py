"""SIGKILL crash safety: a child process appends to a kvcolumn in
transactions and is killed at random moments; after each kill the database
must pass integrity_check and kvcolumn_check, hold a whole number of
transactions and every committed value."""
import unittest

import kvtest

K = 7  # elements per transaction

CHILD = r"""
step = 0
while True:
    n = conn.execute("select count(*) from t").fetchone()[0]
    conn.execute("begin")
    if step % 3 == 0:  # bulk command
        conn.execute("insert into t(t, value) values ('append', ?)", (struct.pack("<%dq" % K, *range(n, n + K)),))
    else:
        conn.executemany("insert into t(value) values (?)", [(v,) for v in range(n, n + K)])
    if step % 5 == 0 and n > 0:  # rewrite an old element with its own value (in-place write)
        conn.execute("update t set value = ? where idx = ?", (n // 2, n // 2))
    conn.execute("commit")
    step += 1
    if step == 1:
        sys.stdout.write("started\n"); sys.stdout.flush()
"""


class KvColumnCrash(unittest.TestCase):
    def test_sigkill_loses_nothing_committed(self):
        kvtest.kvcolumn_sigkill_test(
            self, "create virtual table t using kvcolumn(i64, min_chunk_bytes=64, max_chunk_bytes=512)", CHILD, K,
            lambda i: i, seed=1234)


if __name__ == "__main__":
    unittest.main()
