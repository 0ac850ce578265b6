"""Reads checks.tsv and runs it through a driver adapter (Python, APSW, shell).

An adapter has: query(sql, params=()) -> first column of the first row (or
None); execute(sql), which runs a statement of any kind to completion; and
error_type, the driver's exception class. See checks.tsv for the format; the
Tcl/Perl/Ruby/Go/Java drivers implement the same loop in their own language.
KV_DRIVER_CHECKS names another checks file (selftest.tsv).
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
MODULE = os.environ.get("KV_MODULE") or os.path.join(HERE, "..", "..", "build", "kohakuvault")


def load_checks(path=os.environ.get("KV_DRIVER_CHECKS") or os.path.join(HERE, "checks.tsv")):
    checks = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            fields = line.split("\t")
            if len(fields) != 6:
                raise SystemExit(f"checks.tsv: expected 6 TAB-separated fields: {line!r}")
            checks.append(dict(zip(("kind", "requires", "name", "sql", "sql2", "expected"), fields)))
    return checks


def as_text(value):
    return "NULL" if value is None else str(value)


REGISTERED = ("select (select count(*) from pragma_function_list where name = '{0}')"
              " + (select count(*) from pragma_module_list where name = '{0}')")


def run(driver_name, adapter):
    passed = failed = skipped = 0
    for c in load_checks():
        if c["requires"] != "-" and int(adapter.query(REGISTERED.format(c["requires"]))) == 0:
            print(f"skip {c['name']} ({c['requires']} not registered)")
            skipped += 1
            continue
        try:
            problem = check_one(adapter, c)
        except Exception as e:  # an unexpected driver error fails this check only
            problem = f"raised {type(e).__name__}: {e}"
        if problem:
            print(f"FAIL {c['name']}: {problem}")
            failed += 1
        else:
            print(f"ok {c['name']}")
            passed += 1
    print(f"{driver_name}: {passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


def check_one(adapter, c):
    kind, expected = c["kind"], c["expected"]
    if kind == "exec":
        adapter.execute(c["sql"])
        return None
    if kind == "eq":
        got = as_text(adapter.query(c["sql"]))
    elif kind == "bind":
        blob = adapter.query(c["sql"])
        if not isinstance(blob, (bytes, bytearray, memoryview)):
            return f"expected a BLOB from {c['sql']!r}, got {blob!r}"
        got = as_text(adapter.query(c["sql2"], (blob,)))
    elif kind == "error":
        try:
            adapter.execute(c["sql"])
        except adapter.error_type as e:
            return None if expected in str(e) else f"error {str(e)!r} does not contain {expected!r}"
        return "succeeded, expected an error"
    else:
        return f"unknown kind {kind!r}"
    return None if got == expected else f"got {got!r}, expected {expected!r}"


def main(driver_name, adapter_factory):
    sys.exit(run(driver_name, adapter_factory(MODULE)))
