#!/usr/bin/env bash
# Checks the built module: it exports exactly the entry point, does not link
# libsqlite3 (the host provides SQLite) or the C++ runtime (linked statically so
# hosts with an older libstdc++ load it), and needs nothing but libc, libm,
# libcbor, libsimdjson and libre2 (JSON Schema regexes) at run time.
set -euo pipefail
so=${1:?usage: check_module.sh path/to/kohakuvault.so}
fail=0

exports=$(nm -D --defined-only "$so" | awk '$2 ~ /^[TtWwDdBbRrVvi]$/ {print $3}' | sort)
if [ "$exports" != "sqlite3_kohakuvault_init" ]; then
  echo "FAIL exports: expected only sqlite3_kohakuvault_init, got:"; echo "$exports" | head -20; fail=1
else
  echo "ok exports: sqlite3_kohakuvault_init only"
fi

needed=$(readelf -d "$so" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort | tr '\n' ' ')
for lib in $needed; do
  case "$lib" in
    libc.so.*|libm.so.*|libcbor.so.*|libsimdjson.so.*|libre2.so.*|ld-linux*) ;;
    *) echo "FAIL needs unexpected library: $lib"; fail=1 ;;
  esac
done
echo "needs: $needed"
if ldd "$so" | grep -q 'not found'; then echo "FAIL ldd: $(ldd "$so" | grep 'not found')"; fail=1; fi

[ $fail -eq 0 ] && echo "1 passed, 0 failed" || echo "0 passed, 1 failed"
exit $fail
