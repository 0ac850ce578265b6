#!/usr/bin/env bash
# Opt-in (not run by ctest): runs the module in a *real* older SQLite built from
# an amalgamation you supply, e.g. SQLite 3.37.2 (the oldest supported line):
#
#   tests/drivers/real_sqlite_host.sh path/to/sqlite3.c [build dir]
#
# Builds libsqlite3.so.0 from that sqlite3.c (with the options Debian's shell
# and Python need), puts it first on LD_LIBRARY_PATH, and runs the Python
# driver check and the components' Python suites in it. (Debian's sqlite3
# shell calls routines newer than 3.38 and can't run on an older library, so
# tests that drive the shell fail here for that reason alone.) Debian 12 ships no SQLite between 3.15 and 3.40, so the
# amalgamation has to come from elsewhere (sqlite.org's releases, or any
# package that bundles one); ctest covers the same ground with a host that
# *reports* 3.37.2 (the *_on_3_37 tests) and with tests/tools/check_sqlite_api.py.
set -uo pipefail
amalgamation=${1:?usage: real_sqlite_host.sh path/to/sqlite3.c [build dir]}
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=$(cd "${2:-$src/build}" && pwd)
lib=$build/real-sqlite
mkdir -p "$lib"
if [ ! -e "$lib/libsqlite3.so.0" ] || [ "$amalgamation" -nt "$lib/libsqlite3.so.0" ] || [ "$0" -nt "$lib/libsqlite3.so.0" ]; then
  echo "building libsqlite3.so.0 from $amalgamation"
  gcc -O1 -shared -fPIC -DSQLITE_THREADSAFE=1 -DSQLITE_ENABLE_FTS5 -DSQLITE_ENABLE_RTREE \
    -DSQLITE_ENABLE_MATH_FUNCTIONS -DSQLITE_ENABLE_DBSTAT_VTAB -DSQLITE_ENABLE_COLUMN_METADATA \
    -DSQLITE_ENABLE_SESSION -DSQLITE_ENABLE_PREUPDATE_HOOK -DSQLITE_ENABLE_UNLOCK_NOTIFY -DSQLITE_ENABLE_JSON1 \
    -Wl,-soname,libsqlite3.so.0 -o "$lib/libsqlite3.so.0" "$amalgamation" -lm -ldl -lpthread || exit 1
fi
export LD_LIBRARY_PATH=$lib KV_SOURCE_DIR=$src KV_BUILD_DIR=$build KV_MODULE=$build/kohakuvault
echo "host SQLite: $(/usr/bin/python3 -c 'import sqlite3; print(sqlite3.sqlite_version)')"
failed=0
bash "$here/run.sh" python | tail -1 || failed=1
cd "$src/tests/python"
for t in test_*.py; do
  case "$t" in test_readme_checker.py|test_sqlite_versions.py|test_surface.py) continue ;; esac
  if out=$(/usr/bin/python3 -m unittest "${t%.py}" 2>&1); then
    echo "ok ${t%.py}"
  else
    echo "FAIL ${t%.py}"; echo "$out" | grep -A15 '^FAIL:\|^ERROR:' | head -40; failed=1
  fi
done
exit $failed
