#!/usr/bin/env bash
# kohakuvault from the sqlite3 shell: `.load` takes the path without the .so.
#   bash examples/shell/example.sh [path/to/kohakuvault]
set -euo pipefail
module=${1:-${KV_MODULE:-./build/kohakuvault}}
sqlite3 -batch -bail -cmd ".load $module" :memory: <<'SQL'
select 'kohakuvault ' || kohakuvault_version() || ' in SQLite ' || sqlite_version();
select 'kv_pack(''i32'', 7) = ' || hex(kv_pack('i32', 7)) || ' -> ' || kv_unpack('i32', kv_pack('i32', 7));
SQL
# Errors start with "kohakuvault:"; the shell prints them on stderr.
if err=$(sqlite3 -batch -cmd ".load $module" :memory: "select kv_pack('i8', 300)" 2>&1); then
  echo "expected an error" >&2; exit 1
fi
echo "error: ${err#Error: }"  # "stepping, kohakuvault: ... (25)"
