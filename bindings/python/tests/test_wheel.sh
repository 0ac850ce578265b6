#!/usr/bin/env bash
# test_wheel.sh BUILD_DIR
# Builds the wheel (build-wheel.sh), installs it from the file into a fresh venv
# made by Debian's /usr/bin/python3 (no system site-packages, no index), and runs
# wheel_smoke.py with sqlite3 and with APSW. APSW is Debian's python3-apsw: the
# venv sees only that one package, through a PYTHONPATH directory holding a
# symlink to it (so --system-site-packages is not needed).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build_dir=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

wheel=$(bash "$here/../build-wheel.sh" "$build_dir" "$work/dist")
/usr/bin/python3 -m venv --without-pip "$work/venv"   # Debian's pip installs into it (--python)
/usr/bin/python3 -m pip --python "$work/venv/bin/python" install --quiet --no-index --no-deps \
  --disable-pip-version-check "$wheel"

unset KOHAKUVAULT_EXTENSION PYTHONPATH
cd "$work"  # not the source tree: the installed package must be the one imported
"$work/venv/bin/python" "$here/wheel_smoke.py" sqlite3

apsw_dir=$(/usr/bin/python3 -c 'import apsw, os; print(os.path.dirname(apsw.__file__))')
mkdir -p "$work/apsw-only"
ln -s "$apsw_dir" "$work/apsw-only/apsw"
PYTHONPATH="$work/apsw-only" "$work/venv/bin/python" "$here/wheel_smoke.py" apsw
