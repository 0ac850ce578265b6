"""Shared helpers for the Python tests: open a connection with the module
loaded, capture errors, and the SIGKILL crash-test loop."""
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time

MODULE = os.environ.get("KV_MODULE") or os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "kohakuvault")


def connect(path=":memory:", **kwargs):
    conn = sqlite3.connect(path, **kwargs)
    conn.enable_load_extension(True)
    conn.load_extension(MODULE)
    conn.enable_load_extension(False)
    return conn


def random_text(r, longest):
    """Text of 0..longest characters mixing ASCII, 2-, 3- and 4-byte UTF-8."""
    n = r.choice([0, 1, r.randint(2, 20), r.randint(20, longest)])
    return "".join(r.choice("abcxyz é€😀") for _ in range(n))


def error_of(conn, sql, params=()):
    """Runs sql and returns the error message it raised (None if it succeeded)."""
    try:
        conn.execute(sql, params).fetchall()
    except sqlite3.Error as e:
        return str(e)
    return None


def sigkill_rounds(test, path, child_source, k, expected, seed, rounds=6):
    """Crash test: `rounds` times, runs child_source (a Python program taking
    argv: db path, module path, k; it prints "started" after its first commit
    and then commits transactions of k elements forever) and kills it with
    SIGKILL at a random moment. After each kill the database must pass
    integrity_check and kvcolumn_check('t'), hold a whole number of
    transactions, more than before, and exactly [expected(i) for i in range(n)].
    The second half of the rounds runs in WAL mode."""
    rng = random.Random(seed)
    last = 0
    for round_ in range(rounds):
        if round_ == rounds // 2:
            c = connect(path)
            c.execute("pragma journal_mode=wal")
            c.close()
        child = subprocess.Popen([sys.executable, "-c", child_source, path, MODULE, str(k)], stdout=subprocess.PIPE)
        test.assertEqual(child.stdout.readline().strip(), b"started")
        time.sleep(rng.uniform(0.05, 0.4))
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
        conn = connect(path)
        test.assertEqual(conn.execute("pragma integrity_check").fetchone()[0], "ok")
        test.assertEqual(conn.execute("select kvcolumn_check('t')").fetchone()[0], "ok")
        values = [v for (v,) in conn.execute("select value from t")]
        test.assertEqual(len(values) % k, 0, f"round {round_}: {len(values)} is not whole transactions")
        test.assertGreaterEqual(len(values), last + k, f"round {round_}: nothing was committed")
        test.assertEqual(values, [expected(i) for i in range(len(values))], f"round {round_}")
        last = len(values)
        conn.close()
