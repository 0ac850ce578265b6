"""SIGKILL crash safety of kvindex's change log and snapshot: a child process
commits transactions to a durable kvindex table (inserts, replaces, deletes;
small enough that most commits append a _log record and every ~30th rewrites
_snap) and is killed at random moments. After each kill a fresh connection
must see exactly the state after some whole number of transactions, more than
before, and _info seq must count those transactions. The child announces
itself only after 40 transactions (so a compaction has happened before the
first kill, however slow the machine) and after its first commit in later
rounds."""
import unittest

import kvtest

K = 37  # new keys per transaction

CHILD = r"""
j = conn.execute("select coalesce(max(key), -1) from t").fetchone()[0] // K + 1
announced = False
while True:
    conn.execute("begin")
    conn.executemany("insert into t values (?, ?)", [(j * K + i, "v%d" % j) for i in range(K)])
    if j >= 1:
        conn.execute("update t set value = ? where key = ?", ("u%d" % j, (j - 1) * K))
    if j >= 2:
        conn.execute("delete from t where key = ?", ((j - 2) * K + 1,))
    conn.execute("commit")
    j += 1
    if j >= 40 and not announced:  # by then the log has been compacted into _snap at least once
        announced = True
        sys.stdout.write("started\n"); sys.stdout.flush()
"""


def model(txns):
    """The table after transactions 0 .. txns-1 of CHILD."""
    m = {}
    for j in range(txns):
        for i in range(K):
            m[j * K + i] = "v%d" % j
        if j >= 1:
            m[(j - 1) * K] = "u%d" % j
        if j >= 2:
            m.pop((j - 2) * K + 1, None)
    return sorted(m.items())


class KvindexCrash(unittest.TestCase):
    def run_rounds(self, backend, seed, rounds=6):
        with kvtest.temp_db("crash.db") as path:
            conn = kvtest.connect(path, isolation_level=None)
            conn.execute(f"create virtual table t using kvindex({backend})")
            conn.close()
            last = 0

            def check(conn, round_):
                nonlocal last
                rows = conn.execute("select key, value from t order by key").fetchall()
                txns = rows[-1][0] // K + 1 if rows else 0
                self.assertGreater(txns, last, f"round {round_}: nothing was committed")
                self.assertEqual(rows, model(txns), f"round {round_}")
                self.assertEqual(conn.execute("select v from t_info where k = 'seq'").fetchone()[0], txns)
                last = txns

            kvtest.kill_rounds(self, path, CHILD, K, seed, check, rounds)
            conn = kvtest.connect(path, isolation_level=None)
            self.assertGreater(conn.execute("select v from t_info where k = 'snap_seq'").fetchone()[0], 0,
                               "the log was never compacted")
            conn.close()

    def test_csbtree_sigkill_loses_nothing_committed(self):
        self.run_rounds("csbtree", seed=18)

    def test_skiplist_sigkill_loses_nothing_committed(self):
        self.run_rounds("skiplist", seed=81)


if __name__ == "__main__":
    unittest.main()
