"""Shared helpers for the Python tests: open a connection with the module
loaded, temporary database files (temp_db, temp_dir), random values
(random_text, random_json_doc, random_vector), capture errors, and the SIGKILL
crash-test loop (kill_rounds; the kvcolumn crash tests: kvcolumn_sigkill_test)."""
import contextlib
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

MODULE = os.environ.get("KV_MODULE") or os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "kohakuvault")


def connect(path=":memory:", **kwargs):
    conn = sqlite3.connect(path, **kwargs)
    conn.enable_load_extension(True)
    conn.load_extension(MODULE)
    conn.enable_load_extension(False)
    return conn


@contextlib.contextmanager
def temp_db(name="t.db"):
    """with temp_db("x.db") as path: a database file path in a new temporary
    directory, removed (with everything in it) when the block ends."""
    with tempfile.TemporaryDirectory() as tmp:
        yield os.path.join(tmp, name)


def temp_dir(test):
    """A new temporary directory for one test (a unittest.TestCase), removed
    when the test ends (a cleanup, after tearDown)."""
    tmp = tempfile.TemporaryDirectory()
    test.addCleanup(tmp.cleanup)
    return tmp.name


def random_text(r, longest):
    """Text of 0..longest characters mixing ASCII, 2-, 3- and 4-byte UTF-8."""
    n = r.choice([0, 1, r.randint(2, 20), r.randint(20, longest)])
    return "".join(r.choice("abcxyz é€😀") for _ in range(n))


def random_json_doc(r, longest, most_items, more=()):
    """A document for msgpack/cbor columns, as JSON text or a number: an
    integer, an object holding a string of up to `longest` characters, an array
    of up to `most_items` integers, or one of `more`."""
    return r.choice([
        r.randint(-10**12, 10**12),
        '{"k":%d,"s":"%s"}' % (r.randint(0, 99), "x" * r.randint(0, longest)),
        "[%s]" % ",".join(str(r.randint(-5, 300)) for _ in range(r.randint(0, most_items))),
        *more,
    ])


def random_vector(r, n):
    """A vec:f32 element as JSON text: n multiples of 0.25 in -10..10 (exact in f32)."""
    return "[" + ",".join(repr(r.randint(-40, 40) * 0.25) for _ in range(n)) + "]"


def as_python(value):
    """kv_unpack's SQL value as a Python object: JSON text is parsed."""
    return json.loads(value) if isinstance(value, str) else value


class CodecOverSql:
    """Mixin of the interop tests (msgpack, cbor): kv_pack / kv_unpack of the
    format FORMAT on one connection shared by the test class."""

    FORMAT = None

    @classmethod
    def setUpClass(cls):
        cls.db = connect()

    def pack(self, text):
        return self.db.execute("select kv_pack(?, ?)", (self.FORMAT, text)).fetchone()[0]

    def unpack(self, blob):
        return self.db.execute("select kv_unpack(?, ?)", (self.FORMAT, blob)).fetchone()[0]


def error_of(conn, sql, params=()):
    """Runs sql and returns the error message it raised (None if it succeeded)."""
    try:
        conn.execute(sql, params).fetchall()
    except sqlite3.Error as e:
        return str(e)
    return None


# The start of every crash-test child program: argv is the database path, the
# module path and K; the program goes on from `conn` and `K`.
CHILD_PREAMBLE = r"""
import sqlite3, struct, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.enable_load_extension(True)
conn.load_extension(sys.argv[2])
K = int(sys.argv[3])
"""


def kill_rounds(test, path, child_body, k, seed, check, rounds=6):
    """The SIGKILL loop of the crash tests: `rounds` times, runs
    CHILD_PREAMBLE + child_body (it prints "started" once it has committed
    what the test needs, then commits transactions forever) and kills it with
    SIGKILL at a random moment, then calls check(conn, round_) on a fresh
    connection. The second half of the rounds runs in WAL mode."""
    rng = random.Random(seed)
    for round_ in range(rounds):
        if round_ == rounds // 2:
            c = connect(path)
            c.execute("pragma journal_mode=wal")
            c.close()
        child = subprocess.Popen([sys.executable, "-c", CHILD_PREAMBLE + child_body, path, MODULE, str(k)],
                                 stdout=subprocess.PIPE)
        test.assertEqual(child.stdout.readline().strip(), b"started")
        time.sleep(rng.uniform(0.05, 0.4))
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
        conn = connect(path)
        test.assertEqual(conn.execute("pragma integrity_check").fetchone()[0], "ok")
        check(conn, round_)
        conn.close()


def kvcolumn_sigkill_test(test, create_sql, child_body, k, expected, seed, rounds=6):
    """Crash test of a kvcolumn table t made by create_sql in a fresh database:
    kill_rounds(), and after each kill t must pass kvcolumn_check('t'), hold
    a whole number of transactions of k elements, more than before, and
    exactly [expected(i) for i in range(n)]."""
    last = 0

    def check(conn, round_):
        nonlocal last
        test.assertEqual(conn.execute("select kvcolumn_check('t')").fetchone()[0], "ok")
        values = [v for (v,) in conn.execute("select value from t")]
        test.assertEqual(len(values) % k, 0, f"round {round_}: {len(values)} is not whole transactions")
        test.assertGreaterEqual(len(values), last + k, f"round {round_}: nothing was committed")
        test.assertEqual(values, [expected(i) for i in range(len(values))], f"round {round_}")
        last = len(values)

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "crash.db")
        conn = connect(path, isolation_level=None)
        conn.execute(create_sql)
        conn.close()
        kill_rounds(test, path, child_body, k, seed, check, rounds)
