"""SIGKILL crash safety of variable-size kvcolumns: a child process appends
strings, rewrites old elements (their bytes move to the end of the data
stream) and compacts, in transactions, and is killed at random moments; after
each kill the database must pass integrity_check and kvcolumn_check, hold a
whole number of transactions and every committed value."""
import unittest

import kvtest

K = 5  # elements per transaction

CHILD = r"""
s = lambda j: ("v%d-" % j) * (1 + j % 4)
step = 0
while True:
    n = conn.execute("select count(*) from t").fetchone()[0]
    conn.execute("begin")
    conn.executemany("insert into t(value) values (?)", [(s(v),) for v in range(n, n + K)])
    if n > 0:  # rewrite old elements with their own values: new bytes, repointed entries
        conn.executemany("update t set value = ? where idx = ?", [(s(j), j) for j in (n // 2, n // 3, n - 1)])
    if step % 4 == 3:
        conn.execute("insert into t(t) values ('compact')")
    conn.execute("commit")
    step += 1
    if step == 1:
        sys.stdout.write("started\n"); sys.stdout.flush()
"""


def s(j):
    return ("v%d-" % j) * (1 + j % 4)


class KvColumnVarCrash(unittest.TestCase):
    def test_sigkill_loses_nothing_committed(self):
        kvtest.kvcolumn_sigkill_test(
            self, "create virtual table t using kvcolumn('str:utf8', min_chunk_bytes=64, max_chunk_bytes=512)", CHILD,
            K, s, seed=4321)


if __name__ == "__main__":
    unittest.main()
