#!/usr/bin/env bash
# Builds the npm package from a CMake build of the module:
#   bindings/node/pack.sh BUILD_DIR OUT_DIR   ->  OUT_DIR/kohakuvault-<version>.tgz
# Stages package.json, index.js, index.d.ts, README.md and LICENSE with
# BUILD_DIR/kohakuvault.so as prebuilt/<platform>-<arch>/kohakuvault.so (the
# platform and architecture of this Node.js, which must match the build's),
# stamps the version of include/kohakuvault.h into package.json and runs
# `npm pack`. Needs no network. Prints the tarball's path.
set -euo pipefail
build=$(cd "${1:?usage: pack.sh BUILD_DIR OUT_DIR}" && pwd)
mkdir -p "${2:?usage: pack.sh BUILD_DIR OUT_DIR}"
out=$(cd "$2" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)

module=$build/kohakuvault.so
[ -f "$module" ] || { echo "pack.sh: $module not found; build the kohakuvault target first" >&2; exit 1; }
version=$(sed -n 's/^#define KOHAKUVAULT_VERSION "\(.*\)"$/\1/p' "$src/include/kohakuvault.h")
[ -n "$version" ] || { echo "pack.sh: no KOHAKUVAULT_VERSION in include/kohakuvault.h" >&2; exit 1; }
target=$(node -p 'process.platform + "-" + process.arch')

stage=$build/npm-stage
rm -rf "$stage" && mkdir -p "$stage/prebuilt/$target"
cp "$here/package.json" "$here/index.js" "$here/index.d.ts" "$here/README.md" "$src/LICENSE" "$stage/"
cp "$module" "$stage/prebuilt/$target/kohakuvault.so"
strip --strip-unneeded "$stage/prebuilt/$target/kohakuvault.so"  # the symbol table is 20% of the file
(cd "$stage" && npm pkg set "version=$version" && \
  npm pack --silent --pack-destination "$out" --ignore-scripts >/dev/null)
tarball=$out/kohakuvault-$version.tgz
[ -f "$tarball" ] || { echo "pack.sh: npm pack did not write $tarball" >&2; exit 1; }
echo "$tarball"
