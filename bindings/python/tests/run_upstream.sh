#!/usr/bin/env bash
# run_upstream.sh MODULE_SO UPSTREAM_DIR
# Runs KohakuVault 0.6.0's own pytest suite IN PLACE (the directory may be
# read-only: no cache, no bytecode) against this package and the built module,
# with Debian's /usr/bin/python3 -m pytest. Deselects only
# test_custom_comparable_objects (Python-object keys: SQLite cannot order by __lt__).
# Passes only when the summary is exactly "278 passed, 1 deselected".
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
module=$(realpath "$1")  # absolute: the suite runs from its own directory
suite=$2
[ -d "$suite" ] || { echo "run_upstream: $suite not found" >&2; exit 1; }

export KOHAKUVAULT_EXTENSION=$module
export PYTHONPATH="$here/../src"
export PYTHONDONTWRITEBYTECODE=1
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cd "$suite"
status=0
/usr/bin/python3 -m pytest -p no:cacheprovider -q --timeout 300 \
  --deselect test_csbtree.py::test_custom_comparable_objects . 2>&1 | tee "$log" || status=$?
summary=$(tail -n 1 "$log")
if [ "$status" -ne 0 ] || ! echo "$summary" | grep -Eq '^=* ?278 passed, 1 deselected in '; then
  echo "run_upstream: expected '278 passed, 1 deselected', got: $summary" >&2
  exit 1
fi
