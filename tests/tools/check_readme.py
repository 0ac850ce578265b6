#!/usr/bin/python3
"""Runs every SQL example in a Markdown file through the sqlite3 shell, so the
docs can't drift from the code.

    check_readme.py <module> README.md [more.md ...]

Conventions for the Markdown (README.md is written to them):
  * A block fenced as ```sql is executed. Any other info string is not:
    write ```sql-nocheck for SQL that is illustrative only (placeholders,
    paths that don't exist, output shown inline), and ```sh, ```python, ...
    for other languages.
  * The blocks of one file run in order against one database file in a fresh
    temporary directory (the working directory), each block in its own
    `sqlite3 -batch` process with the module loaded, so later blocks see the
    tables earlier blocks created. `./build/kohakuvault` in a block means the
    module under test.
  * A statement that is meant to fail carries `-- error: <text>` on its first
    line; the shell's error message for that line must contain <text>. Any
    other error, or anything the block writes to stderr, fails the check.
Prints one ok/FAIL line per block and 'N passed, N failed'.
"""
import os
import re
import subprocess
import sys
import tempfile

FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*([^`\s]*)\s*(.*)$")
SHELL_ERROR = re.compile(r"^(?:Parse|Runtime) error near line (\d+): (.*)$|^Error: near line (\d+): (.*)$")
EXPECT_ERROR = re.compile(r"--\s*error:\s*(.+?)\s*$")


def sql_blocks(path):
    """Yields (line of the opening fence, text) of each ```sql block."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, info = m.group(2), m.group(3)
        body, start = [], i + 1  # 1-based line of the opening fence
        i += 1
        while i < len(lines) and not lines[i].strip().startswith(fence):
            body.append(lines[i])
            i += 1
        i += 1
        if info == "sql":
            yield start, "\n".join(body)


def check_block(module, db, text):
    """Returns a list of problems (empty when the block ran as documented)."""
    script = text.replace("./build/kohakuvault", module)
    lines = script.split("\n")
    expected = {n: m.group(1) for n, line in enumerate(lines, 1) if (m := EXPECT_ERROR.search(line))}
    proc = subprocess.run(["sqlite3", "-batch", "-cmd", f".load {module}", db], input=script + "\n",
                          capture_output=True, text=True, cwd=os.path.dirname(db), timeout=300)
    problems, seen, after_error = [], set(), False
    for err in proc.stderr.splitlines():
        m = SHELL_ERROR.match(err)
        if not m:
            # A parse error is followed by the statement and a ^--- marker, indented.
            if err.strip() and not (after_error and err.startswith(" ")):
                problems.append(f"stderr: {err}")
            continue
        after_error = True
        n, message = int(m.group(1) or m.group(3)), m.group(2) or m.group(4)
        if n in expected and expected[n] in message:
            seen.add(n)
        else:
            problems.append(f"block line {n}: {message}")
    problems += [f"block line {n}: expected an error containing {text!r}, got none"
                 for n, text in expected.items() if n not in seen]
    return problems


def main(module, paths):
    passed = failed = 0
    for path in paths:
        with tempfile.TemporaryDirectory() as tmp:
            db = os.path.join(tmp, "readme.db")
            for start, text in sql_blocks(path):
                problems = check_block(module, db, text)
                where = f"{os.path.basename(path)}:{start}"
                if problems:
                    failed += 1
                    print(f"FAIL {where}")
                    for p in problems:
                        print(f"    {p}")
                else:
                    passed += 1
                    print(f"ok {where}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    sys.exit(main(os.path.abspath(sys.argv[1]), sys.argv[2:]))
