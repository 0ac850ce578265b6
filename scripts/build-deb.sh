#!/usr/bin/env bash
# Builds the Debian package (cmake/KohakuvaultPackage.cmake) in its own build
# tree, configured for /usr so the files land in Debian's multiarch libdir:
#   scripts/build-deb.sh PACKAGE_BUILD_DIR OUT_DIR   ->  OUT_DIR/kohakuvault_<version>_<arch>.deb
# Builds only what the package installs (module, static libraries), never the
# tests; a second run rebuilds only what changed. Prints the .deb's path.
set -euo pipefail
pkgbuild=${1:?usage: build-deb.sh PACKAGE_BUILD_DIR OUT_DIR}
out=${2:?usage: build-deb.sh PACKAGE_BUILD_DIR OUT_DIR}
src=$(cd "$(dirname "$0")/.." && pwd)
jobs=${JOBS:-$(nproc)}

# Serialized: ctest -j and `make package` may ask for the package at once.
mkdir -p "$pkgbuild" "$out"
exec 9>"$pkgbuild/.build.lock"
flock 9
cmake -S "$src" -B "$pkgbuild" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
  -DKV_BENCH=OFF -DCMAKE_SKIP_INSTALL_ALL_DEPENDENCY=ON >"$pkgbuild/configure.log" 2>&1 ||
  { cat "$pkgbuild/configure.log" >&2; exit 1; }
cmake --build "$pkgbuild" -j "$jobs" --target kohakuvault kohakuvault_static kvengine >"$pkgbuild/build.log" 2>&1 ||
  { tail -50 "$pkgbuild/build.log" >&2; exit 1; }
rm -rf "$pkgbuild/cpack"
(cd "$pkgbuild" && cpack -G DEB >cpack.log 2>&1) || { cat "$pkgbuild/cpack.log" >&2; exit 1; }
debs=("$pkgbuild"/cpack/*.deb)
[ ${#debs[@]} -eq 1 ] && [ -f "${debs[0]}" ] || { echo "build-deb.sh: expected one .deb, got: ${debs[*]}" >&2; exit 1; }
cp "${debs[0]}" "$out/"
echo "$out/$(basename "${debs[0]}")"
