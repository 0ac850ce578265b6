#!/usr/bin/python3
"""Checks that the extension runs in every SQLite it claims to support.

    check_sqlite_api.py <source dir> [path/to/sqlite3ext.h]

The minimum is KOHAKUVAULT_MIN_SQLITE_VERSION in include/kohakuvault.h (the
entry point refuses older hosts). Every SQLite API routine, flag and module
slot that ext/ uses must exist in that version, unless the file that uses it
also checks the matching kvx::runtime_features() flag, whose threshold in
ext/common/entry.cpp must be at least the version that introduced it. A file
that only reaches such a call after another file's check (an xFilter serving a
plan its xBestIndex chose after checking) says so in a comment
`// runtime-guarded: <flag> <why>`.
Routine versions come from the "Version X and later" sections of
sqlite3ext.h; flags and slots from the table below (sqlite.org release notes).
Prints one line per finding and 'N passed, N failed'.
"""
import glob
import os
import re
import sys

# Flags, constants and module slots newer than 3.20 (older ones predate any
# host we could meet). name -> version that introduced it.
SYMBOL_VERSIONS = {
    "SQLITE_PREPARE_PERSISTENT": "3.20.0", "SQLITE_PREPARE_NO_VTAB": "3.28.0",
    "xShadowName": "3.26.0", "SQLITE_DIRECTONLY": "3.30.0", "SQLITE_SUBTYPE": "3.30.0",
    "SQLITE_INNOCUOUS": "3.31.0", "SQLITE_VTAB_INNOCUOUS": "3.31.0", "SQLITE_VTAB_DIRECTONLY": "3.31.0",
    "SQLITE_INDEX_CONSTRAINT_LIMIT": "3.38.0", "SQLITE_INDEX_CONSTRAINT_OFFSET": "3.38.0",
    "SQLITE_VTAB_USES_ALL_SCHEMAS": "3.44.0", "xIntegrity": "3.44.0", "SQLITE_RESULT_SUBTYPE": "3.45.0",
}

# Newer-than-minimum names that are used behind a run-time check:
# name -> the RuntimeFeatures member that guards it.
GUARDS = {
    "sqlite3_vtab_in": "vtab_in", "sqlite3_vtab_in_first": "vtab_in", "sqlite3_vtab_in_next": "vtab_in",
    "sqlite3_vtab_rhs_value": "vtab_rhs_value", "sqlite3_vtab_distinct": "vtab_rhs_value",
    # LIMIT/OFFSET constraint codes: older hosts never pass them; reading them
    # is harmless, acting on them is guarded like sqlite3_vtab_rhs_value.
    "SQLITE_INDEX_CONSTRAINT_LIMIT": "vtab_rhs_value", "SQLITE_INDEX_CONSTRAINT_OFFSET": "vtab_rhs_value",
    "SQLITE_RESULT_SUBTYPE": "result_subtype_flag",
    "sqlite3_db_name": "db_name",
}

VERSION_SECTION = re.compile(r"^/\*\s*Version (\d+\.\d+\.\d+) and later\s*\*/")
DEFINE = re.compile(r"^#define\s+(sqlite3_\w+)\s+sqlite3_api->\w+")
IDENT = re.compile(r"\b(sqlite3_\w+|SQLITE_\w+|x[A-Z]\w+)\b")
THRESHOLD = re.compile(r"f\.(\w+)\s*=\s*f\.libversion\s*>=\s*(\d+)")


def vnum(text):
    major, minor, patch = (int(x) for x in text.split("."))
    return major * 1000000 + minor * 1000 + patch


def routine_versions(header):
    versions, current = {}, "3.7.15"  # routines before the first section are older than 3.7.16
    with open(header, encoding="utf-8") as f:
        for line in f:
            m = VERSION_SECTION.match(line)  # unindented: the #define list, not the struct
            if m:
                current = m.group(1)
            d = DEFINE.match(line)
            if d:
                versions[d.group(1)] = current
    return versions


def strip_comments(text):
    """Code without comments and without fallback definitions of constants
    (`#ifndef X` / `#define X 0x...`), which define a name rather than use it."""
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    return re.sub(r"(?m)^\s*#\s*(?:ifn?def\s+\w+|define\s+\w+\s+(?:0[xX])?[0-9a-fA-F]+)\s*$", " ", text)


def main(src, header):
    passed, failed = 0, 0

    def report(ok, message):
        nonlocal passed, failed
        print(("ok " if ok else "FAIL ") + message)
        if ok:
            passed += 1
        else:
            failed += 1

    with open(os.path.join(src, "include", "kohakuvault.h"), encoding="utf-8") as f:
        minimum = re.search(r'#define KOHAKUVAULT_MIN_SQLITE_VERSION "([\d.]+)"', f.read()).group(1)
    known = routine_versions(header)
    known.update(SYMBOL_VERSIONS)
    report(len(known) > 200, f"sqlite3ext.h lists {len(known) - len(SYMBOL_VERSIONS)} routines")

    with open(os.path.join(src, "ext", "common", "entry.cpp"), encoding="utf-8") as f:
        thresholds = {name: int(v) for name, v in THRESHOLD.findall(f.read())}
    for symbol, flag in sorted(GUARDS.items()):
        needed = vnum(known[symbol]) if symbol in known else 0
        report(thresholds.get(flag, 0) >= needed,
               f"runtime_features().{flag} threshold {thresholds.get(flag)} covers {symbol} ({known.get(symbol)})")

    files = sorted(glob.glob(os.path.join(src, "ext", "**", "*.cpp"), recursive=True) + glob.glob(os.path.join(src, "ext", "**", "*.hpp"), recursive=True))
    for path in files:
        with open(path, encoding="utf-8") as f:
            raw = f.read()
        code = strip_comments(raw)
        used = {name for name in IDENT.findall(code) if name in known}
        for name in sorted(used):
            if vnum(known[name]) <= vnum(minimum):
                continue
            flag = GUARDS.get(name)
            where = f"{os.path.relpath(path, src)} uses {name} (SQLite {known[name]} > minimum {minimum})"
            guarded = flag is not None and (
                ("runtime_features()" in code and re.search(r"\.\s*" + flag + r"\b", code))
                or re.search(r"runtime-guarded:\s*" + flag + r"\b", raw))
            report(bool(guarded), where + (f", guarded by runtime_features().{flag}" if guarded else
                                           ": check runtime_features() in this file, or say why the call is"
                                           " only reached when that check passed in a comment"
                                           f" `// runtime-guarded: {flag or '<flag>'} <why>`"))
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "/usr/include/sqlite3ext.h"))
