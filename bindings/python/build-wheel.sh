#!/usr/bin/env bash
# build-wheel.sh BUILD_DIR OUT_DIR
#
# Builds the kohakuvault Python wheel around BUILD_DIR/kohakuvault.so, offline,
# with Debian's tools only (python3-setuptools, python3-wheel, pip with
# --no-build-isolation --no-index). Writes OUT_DIR/kohakuvault_sqlite-<version>-py3-none-<platform>.whl
# and prints its path. The package version must equal the module's
# kohakuvault_version(); a mismatch stops the build.
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 BUILD_DIR OUT_DIR" >&2
  exit 2
fi
build_dir=$(cd "$1" && pwd)
mkdir -p "$2"
out_dir=$(cd "$2" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
module="$build_dir/kohakuvault.so"
python=/usr/bin/python3

[ -f "$module" ] || { echo "build-wheel: $module not found (build the kohakuvault target first)" >&2; exit 1; }

module_version=$("$python" - "$module" <<'PY'
import sqlite3, sys
c = sqlite3.connect(":memory:")
c.enable_load_extension(True)
c.execute("SELECT load_extension(?, 'sqlite3_kohakuvault_init')", (sys.argv[1],))
print(c.execute("SELECT kohakuvault_version()").fetchone()[0])
PY
)
package_version=$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' "$here/src/kohakuvault/_version.py")
if [ "$module_version" != "$package_version" ]; then
  echo "build-wheel: module version $module_version != package version $package_version (src/kohakuvault/_version.py)" >&2
  exit 1
fi

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
cp "$here/pyproject.toml" "$here/setup.py" "$here/README.md" "$stage/"
cp -r "$here/src" "$stage/src"
find "$stage/src" -name '__pycache__' -prune -exec rm -rf {} +
mkdir -p "$stage/src/kohakuvault/_lib"
cp "$module" "$stage/src/kohakuvault/_lib/kohakuvault.so"

PIP_NO_CACHE_DIR=1 "$python" -m pip wheel --quiet --no-build-isolation --no-index --no-deps \
  --disable-pip-version-check -w "$out_dir" "$stage" >&2
wheel=$(ls "$out_dir"/kohakuvault_sqlite-"$package_version"-py3-none-*.whl)
echo "$wheel"
