#!/usr/bin/env bash
# Runs every bench_* program in the build directory and prints their ratio tables.
set -euo pipefail
build=${1:-build}
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), SQLite $(sqlite3 --version | cut -d' ' -f1)"
for b in "$build"/bench/bench_*; do
  [ -x "$b" ] || continue
  echo "== $(basename "$b")"
  "$b"
done
echo "== bench_python.py (the Python API, bindings/python)"
KOHAKUVAULT_EXTENSION="$build/kohakuvault.so" PYTHONPATH="$(dirname "$0")/../bindings/python/src" \
  PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 "$(dirname "$0")/bench_python.py"
echo "== bench_knn.py (kvcolumn_knn vs sqlite-vec 0.1.9; fetches vec0.so with npm, skips without it)"
/usr/bin/python3 "$(dirname "$0")/bench_knn.py" "$build"
