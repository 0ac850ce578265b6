#!/usr/bin/env bash
# Builds the Debian package (cmake/KohakuvaultPackage.cmake) from a configured
# and built CMake tree; the package takes that tree's module and libraries:
#   scripts/build-deb.sh BUILD_DIR OUT_DIR   ->  OUT_DIR/kohakuvault_<version>_<arch>.deb
# Prints the .deb's path. Serialized per build tree (ctest -j, make package).
set -euo pipefail
build=$(cd "${1:?usage: build-deb.sh BUILD_DIR OUT_DIR}" && pwd)
mkdir -p "${2:?usage: build-deb.sh BUILD_DIR OUT_DIR}"
out=$(cd "$2" && pwd)
[ -f "$build/CPackConfig.cmake" ] || { echo "build-deb.sh: $build is not a configured kohakuvault build" >&2; exit 1; }

work=$build/cpack
mkdir -p "$work"
exec 9>"$work/.lock"
flock 9
# cpack first builds the install's dependencies (the `preinstall` target): a no-op in a built tree.
rm -rf "$work/out"
cpack -G DEB --config "$build/CPackConfig.cmake" -B "$work/out" >"$work/cpack.log" 2>&1 ||
  { cat "$work/cpack.log" >&2; exit 1; }
debs=("$work"/out/*.deb)
[ ${#debs[@]} -eq 1 ] && [ -f "${debs[0]}" ] || { echo "build-deb.sh: expected one .deb, got: ${debs[*]}" >&2; exit 1; }
cp "${debs[0]}" "$out/"
echo "$out/$(basename "${debs[0]}")"
