#!/usr/bin/env bash
# The Debian package from a clean machine's point of view:
#   1. scripts/build-deb.sh builds it from this build (cpack, component `deb`);
#   2. its control fields and its exact file list are what Debian users expect;
#   3. the module extracted from it loads (any user);
#   4. as root, and only when no kohakuvault package is installed already:
#      dpkg -i, `.load kohakuvault` by name and by its installed path in the
#      sqlite3 shell, pkg-config points at it and examples/c links with it,
#      then dpkg -r (and --purge, for
#      the maintainer scripts CPack adds) and nothing is left.
#   tests/packaging/deb_check.sh   (env KV_BUILD_DIR, KV_SOURCE_DIR; set by ctest)
set -uo pipefail
src=${KV_SOURCE_DIR:?}
build=${KV_BUILD_DIR:?}
tmp=$(mktemp -d)
installed_by_us=0
cleanup() {
  [ "$installed_by_us" = 1 ] && dpkg --purge kohakuvault >/dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT
passed=0 failed=0 skipped=0
ok() { echo "ok $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1"; failed=$((failed + 1)); }
skip() { echo "skip $1"; skipped=$((skipped + 1)); }
check() { local name=$1; shift; if "$@" >"$tmp/out" 2>&1; then ok "$name"; else fail "$name"; cat "$tmp/out"; fi; }
equals() { [ "$1" = "$2" ] || { echo "got:      $1"; echo "expected: $2"; return 1; }; }

deb=$(bash "$src/scripts/build-deb.sh" "$build" "$tmp/dist") || { echo "FAIL build the .deb"; exit 1; }
ok "build $(basename "$deb") ($(stat -c %s "$deb") bytes)"

version=$(sed -n 's/^#define KOHAKUVAULT_VERSION "\(.*\)"$/\1/p' "$src/include/kohakuvault.h")
arch=$(dpkg --print-architecture)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
field() { dpkg-deb --field "$deb" "$1"; }
check "file name" equals "$(basename "$deb")" "kohakuvault_${version}_${arch}.deb"
check "Package" equals "$(field Package)" kohakuvault
check "Version = header version" equals "$(field Version)" "$version"
check "Architecture" equals "$(field Architecture)" "$arch"
# dpkg-shlibdeps found what the module links: the C library, libcbor, RE2, simdjson, nothing else.
check "Depends" equals "$(field Depends | tr ',' '\n' | sed 's/^ *//; s/ *(.*//' | sort | tr '\n' ' ')" \
  "libc6 libcbor0.8 libre2-9 libsimdjson14 "

lib=usr/lib/$multiarch
expected_files=$(printf '%s\n' "./$lib/kohakuvault.so" "./$lib/libkohakuvault_static.a" "./$lib/libkohakuvault_engine.a" \
  "./$lib/pkgconfig/kohakuvault.pc" "./$lib/cmake/kohakuvault/kohakuvaultConfig.cmake" \
  "./$lib/cmake/kohakuvault/kohakuvaultConfigVersion.cmake" ./usr/include/kohakuvault.h \
  ./usr/share/doc/kohakuvault/copyright | sort)
check "file list (regular files)" equals "$(dpkg-deb -c "$deb" | awk '$1 ~ /^-/ {print $6}' | sort)" "$expected_files"
check "every file is owned by root" equals "$(dpkg-deb -c "$deb" | awk '{print $2}' | sort -u)" "root/root"

dpkg-deb -x "$deb" "$tmp/root"
check "extracted module loads" equals \
  "$(sqlite3 -batch -cmd ".load $tmp/root/$lib/kohakuvault" :memory: 'select kohakuvault_version()' 2>&1)" "$version"
# The .pc locates its prefix relative to itself (${pcfiledir}/../../..).
check "extracted .pc names the module next to it" equals \
  "$(realpath -m "$(pkg-config --variable=module "$tmp/root/$lib/pkgconfig/kohakuvault.pc")")" "$tmp/root/$lib/kohakuvault"

# Install for real only as root (CI), never over a kohakuvault the machine already has.
status=$(dpkg-query -W -f='${db:Status-Status}' kohakuvault 2>/dev/null)
if [ "$(id -u)" -ne 0 ]; then
  skip "dpkg -i / load / dpkg -r (needs root)"
elif [ -n "$status" ] && [ "$status" != not-installed ] || [ -e "/$lib/kohakuvault.so" ]; then
  skip "dpkg -i / load / dpkg -r (kohakuvault is already installed on this machine: $status)"
else
  # dpkg refuses while apt/dpkg runs elsewhere; wait for the lock (bounded).
  dpkg_locked() {  # retries (bounded) while another apt/dpkg holds the lock
    local _
    for _ in $(seq 60); do
      "$@" >"$tmp/dpkg.out" 2>&1 && { cat "$tmp/dpkg.out"; return 0; }
      grep -q 'lock' "$tmp/dpkg.out" || break
      sleep 2
    done
    cat "$tmp/dpkg.out"; return 1
  }
  installed_by_us=1  # from here on, even a failed dpkg -i may leave it half-installed: purge on exit
  if dpkg_locked dpkg -i "$deb" >"$tmp/out" 2>&1; then
    ok "dpkg -i"
  else
    fail "dpkg -i"; cat "$tmp/out"
  fi
  # From an empty directory: the name resolves through the loader's system search path, not the cwd.
  mkdir -p "$tmp/elsewhere"
  check ".load kohakuvault (by name)" equals \
    "$(cd "$tmp/elsewhere" && sqlite3 -batch -cmd '.load kohakuvault' :memory: 'select kohakuvault_version()' 2>&1)" "$version"
  check ".load /$lib/kohakuvault (installed path)" equals \
    "$(sqlite3 -batch -cmd ".load /$lib/kohakuvault" :memory: "select hex(kv_pack('i32', 7))" 2>&1)" 07000000
  check "pkg-config finds it" equals \
    "$(pkg-config --modversion kohakuvault 2>&1) $(realpath -m "$(pkg-config --variable=module kohakuvault 2>&1)")" \
    "$version /$lib/kohakuvault"
  check "examples/c builds against the installed package (pkg-config)" \
    bash -c "cc -std=c11 -Wall -Werror '$src/examples/c/main.c' \$(pkg-config --cflags --libs kohakuvault) -o '$tmp/kv_example'"
  check "examples/c runs" "$tmp/kv_example"
  check "dpkg -L lists the same files" equals \
    "$(dpkg -L kohakuvault | while read -r f; do [ -f "$f" ] && [ ! -L "$f" ] && echo ".$f"; done | sort)" "$expected_files"
  if dpkg_locked dpkg -r kohakuvault >"$tmp/out" 2>&1; then
    ok "dpkg -r"
  else
    fail "dpkg -r"; cat "$tmp/out"
  fi
  check "dpkg -r removed every file" equals \
    "$(for f in $expected_files; do [ -e "${f#.}" ] && echo "left: ${f#.}"; done)" ""
  if dpkg_locked dpkg --purge kohakuvault >"$tmp/out" 2>&1; then
    installed_by_us=0; ok "dpkg --purge"
  else
    fail "dpkg --purge"; cat "$tmp/out"
  fi
  check "dpkg no longer knows the package" equals "$(dpkg-query -W -f='${db:Status-Status}' kohakuvault 2>/dev/null)" ""
fi

echo "deb: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
