#!/usr/bin/env bash
# Installs the build into a temporary prefix and uses it like a library user:
# the installed files are where kohakuvault.pc and kohakuvaultConfig.cmake say,
# examples/c/ builds against them with pkg-config and with find_package and
# runs, and the installed module loads into the sqlite3 shell.
#   tests/drivers/install_check.sh   (env KV_BUILD_DIR, KV_SOURCE_DIR; set by ctest)
set -uo pipefail
src=${KV_SOURCE_DIR:?}
build=${KV_BUILD_DIR:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
passed=0 failed=0
ok() { echo "ok $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1"; failed=$((failed + 1)); }
check() { local name=$1; shift; if "$@" >"$tmp/out" 2>&1; then ok "$name"; else fail "$name"; cat "$tmp/out"; fi; }

check install cmake --install "$build" --prefix "$prefix"
libdir=$(sed -n 's|^libdir=${prefix}/||p' "$build/kohakuvault.pc")
for f in "$libdir/kohakuvault.so" "$libdir/libkohakuvault_static.a" "$libdir/libkohakuvault_engine.a" \
         include/kohakuvault.h "$libdir/pkgconfig/kohakuvault.pc" \
         "$libdir/cmake/kohakuvault/kohakuvaultConfig.cmake" \
         "$libdir/cmake/kohakuvault/kohakuvaultConfigVersion.cmake"; do
  check "installed $f" test -f "$prefix/$f"
done

export PKG_CONFIG_PATH=$prefix/$libdir/pkgconfig
version=$(pkg-config --modversion kohakuvault)
header_version=$(sed -n 's/^#define KOHAKUVAULT_VERSION "\(.*\)"$/\1/p' "$prefix/include/kohakuvault.h")
check "pkg-config version $version = header version $header_version" test "$version" = "$header_version"

module=$(pkg-config --variable=module kohakuvault)
check "installed module loads" test "$(sqlite3 -batch -cmd ".load $module" :memory: 'select kohakuvault_version()')" = "$version"

# The example also packs and unpacks; until kv_pack is registered it must fail
# with exactly that (the surface test pins what is registered).
has_pack=$(sqlite3 -batch -cmd ".load $module" :memory: \
  "select count(*) from pragma_function_list where name = 'kv_pack'")
run_example() {  # run_example <binary>
  if [ "$has_pack" != 0 ]; then
    "$1"
  else
    local out
    out=$("$1" 2>&1) && return 1
    grep -q 'no such function: kv_pack' <<<"$out"
  fi
}

check "example builds with pkg-config" \
  cc -std=c11 -Wall -Wextra -Werror "$src/examples/c/main.c" $(pkg-config --cflags --libs kohakuvault) -o "$tmp/kv_example_pc"
check "example runs (pkg-config build)" run_example "$tmp/kv_example_pc"

check "example configures with find_package" \
  cmake -S "$src/examples/c" -B "$tmp/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release
check "example builds with find_package" cmake --build "$tmp/cmake-build"
check "example runs (find_package build)" run_example "$tmp/cmake-build/kv_example"
mkdir -p "$tmp/newer"
printf 'cmake_minimum_required(VERSION 3.22)\nproject(p LANGUAGES C)\nfind_package(kohakuvault 0.99 REQUIRED)\n' \
  >"$tmp/newer/CMakeLists.txt"
check "find_package refuses a newer minor version" \
  bash -c "! cmake -S '$tmp/newer' -B '$tmp/newer/out' -DCMAKE_PREFIX_PATH='$prefix'"

echo "install: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
