"""Objects shared across threads: every write lands exactly once, reads never fail."""

import threading

from kohakuvault import ColumnVault, CSBTree, KVault, SkipList


def run_threads(target, n):
    errors = []

    def wrapped(i):
        try:
            target(i)
        except BaseException as exc:  # collected and re-raised in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=wrapped, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def test_kvault_writers_and_readers_with_cache_and_flush_thread(tmp_path):
    kv = KVault(str(tmp_path / "t.db"))
    kv.enable_cache(cap_bytes=64 << 10, flush_threshold=16 << 10, flush_interval=0.01)

    def work(i):
        for j in range(300):
            kv[f"{i}:{j}"] = {"i": i, "j": j}
            if j % 7 == 0:
                assert kv[f"{i}:{j}"] == {"i": i, "j": j}
                kv.delete(f"{i}:{j}")

    run_threads(work, 6)
    kv.close()
    kv = KVault(str(tmp_path / "t.db"))
    expected = {f"{i}:{j}".encode() for i in range(6) for j in range(300) if j % 7}
    assert set(kv.keys()) == expected
    assert kv["3:5"] == {"i": 3, "j": 5}


def test_column_appends_from_threads(tmp_path):
    cv = ColumnVault(str(tmp_path / "c.db"))
    col = cv.create_column("xs", "i64")
    var = cv.create_column("names", "str:utf8")
    cv.enable_cache(flush_interval=0.01)

    def work(i):
        for j in range(500):
            col.append(i * 1000 + j)
            var.append(f"{i}-{j}")
            if j % 50 == 0:
                col[0:1]
                len(var)

    run_threads(work, 4)
    cv.disable_cache()
    assert sorted(col) == sorted(i * 1000 + j for i in range(4) for j in range(500))
    assert sorted(var) == sorted(f"{i}-{j}" for i in range(4) for j in range(500))
    # each thread's appends keep their order
    for i in range(4):
        mine = [v for v in col if v // 1000 == i]
        assert mine == sorted(mine)


def test_ordered_maps_from_threads():
    for cls in (CSBTree, SkipList):
        m = cls()

        def work(i):
            for j in range(400):
                m[i * 1000 + j] = j
                if j % 3 == 0:
                    m.remove(i * 1000 + j)
                list(m.range(i * 1000, i * 1000 + 10))

        run_threads(work, 4)
        assert m.keys() == sorted(i * 1000 + j for i in range(4) for j in range(400) if j % 3)
