#!/usr/bin/python3
"""Runs one SQL golden file through the sqlite3 shell and checks every line.

Format of tests/sql/*.sql (one statement per line):

    select 'pack_i8_1', hex(kv_pack('i8', -1)) = 'FF';        -- must print pack_i8_1|1
    select kv_pack('i8', 300); -- error: out of range          -- must fail, message contains the text
    create table t(x);                                         -- any other statement: must succeed

A check line starts with  select '<id>',  and its id must be unique. The
shell runs the whole file once (statements see each other's effects) on a
fresh database file in a temporary directory, with the module loaded.
Prints 'N passed, N failed' and exits non-zero on any failure.
"""
import os
import re
import subprocess
import sys
import tempfile

CHECK = re.compile(r"^\s*select\s+'([^']+)'\s*,", re.I)
EXPECT_ERROR = re.compile(r"--\s*error:\s*(.+?)\s*$")
SHELL_ERROR = re.compile(r"^(?:Parse|Runtime) error near line (\d+): (.*)$|^Error: near line (\d+): (.*)$")


def main(module, path):
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    checks, errors = {}, {}
    for n, line in enumerate(lines, 1):
        m = EXPECT_ERROR.search(line)
        if m:
            errors[n] = m.group(1)
        else:
            c = CHECK.match(line)
            if c:
                if c.group(1) in checks:
                    print(f"FAIL {path}:{n}: duplicate check id {c.group(1)}")
                    return 1
                checks[c.group(1)] = n
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run(
            ["sqlite3", "-batch", "-cmd", f".load {module}", os.path.join(tmp, "golden.db")],
            input="\n".join(lines), capture_output=True, text=True, cwd=tmp, timeout=600)
    failures = []
    seen = {}
    for out in proc.stdout.splitlines():
        key, _, value = out.rpartition("|")
        if key in checks and value == "1":
            seen[key] = True
        else:
            failures.append(f"unexpected output line: {out!r}" + (f" (check at line {checks[key]})" if key in checks else ""))
    for key, n in checks.items():
        if key not in seen and not any(f"check at line {n})" in x for x in failures):
            failures.append(f"line {n}: check {key} printed nothing")
    got_errors = {}
    for err in proc.stderr.splitlines():
        m = SHELL_ERROR.match(err)
        if m:
            got_errors[int(m.group(1) or m.group(3))] = m.group(2) or m.group(4)
        elif err.strip() and not err.startswith(" "):  # indented lines quote the failing SQL
            got_errors.setdefault(-1, "")
            failures.append(f"stderr: {err}")
    for n, text in got_errors.items():
        if n == -1:
            continue
        if n not in errors:
            failures.append(f"line {n}: unexpected error: {text}")
        elif errors[n] not in text:
            failures.append(f"line {n}: error {text!r} does not contain {errors[n]!r}")
    for n, text in errors.items():
        if n not in got_errors:
            failures.append(f"line {n}: expected an error containing {text!r}, statement succeeded")
    passed = len(checks) + len(errors) - len(failures)
    for f in failures:
        print(f"FAIL {os.path.basename(path)}: {f}")
    print(f"{max(passed, 0)} passed, {len(failures)} failed")
    return 1 if failures or proc.returncode not in (0, 1) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
