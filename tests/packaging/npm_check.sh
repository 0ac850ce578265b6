#!/usr/bin/env bash
# The npm package from a clean project's point of view:
#   1. bindings/node/pack.sh builds the tarball from this build's module;
#   2. the tarball holds exactly the package's files;
#   3. a fresh project runs `npm install <tarball> better-sqlite3@12.11.1`
#      (the registry's better-sqlite3; its native addon is the one
#      install_hosts.sh compiled, offered as a local prebuild through
#      $hosts/prebuilds, so it does not compile again), and npm_smoke.js runs
#      there: load(db), every family, the newer-SQLite paths;
#   4. load(db) on a node-sqlite3 connection resolves and the module answers,
#      when the host cache has sqlite3.
#   tests/packaging/npm_check.sh   (env KV_BUILD_DIR, KV_SOURCE_DIR, KV_NODE_HOSTS; set by ctest)
set -uo pipefail
src=${KV_SOURCE_DIR:?}
build=${KV_BUILD_DIR:?}
hosts_dir=${KV_NODE_HOSTS:-$src/build/node-hosts}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
ok() { echo "ok $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1"; failed=$((failed + 1)); }
check() { local name=$1; shift; if "$@" >"$tmp/out" 2>&1; then ok "$name"; else fail "$name"; cat "$tmp/out"; fi; }
equals() { [ "$1" = "$2" ] || { echo "got:      $1"; echo "expected: $2"; return 1; }; }
# The sanitizer runtime (ctest preloads it under KV_SANITIZE) stays off npm itself.
host_preload=${LD_PRELOAD:-}
unset LD_PRELOAD KOHAKUVAULT_EXTENSION

tarball=$(bash "$src/bindings/node/pack.sh" "$build" "$tmp/dist") || { echo "FAIL npm pack"; exit 1; }
ok "npm pack: $(basename "$tarball") ($(stat -c %s "$tarball") bytes)"
target=$(node -p 'process.platform + "-" + process.arch')
check "tarball contents" equals "$(tar -tzf "$tarball" | sort)" "package/LICENSE
package/README.md
package/index.d.ts
package/index.js
package/package.json
package/prebuilt/$target/kohakuvault.so"

hosts=$(bash "$src/tests/drivers/node/install_hosts.sh" "$hosts_dir") || { echo "FAIL install the Node.js hosts"; exit 1; }
project=$tmp/project
mkdir -p "$project"
echo '{"name": "kohakuvault-smoke", "version": "1.0.0", "private": true}' >"$project/package.json"
check "npm install <tarball> better-sqlite3@12.11.1 in a fresh project" bash -c "cd '$project' &&
  npm_config_better_sqlite3_local_prebuilds='$hosts/prebuilds' npm install --prefer-offline --no-audit --no-fund \
    --loglevel=error '$tarball' better-sqlite3@12.11.1"
check "the project depends on the tarball" grep -Eq '"kohakuvault": ?"file:' "$project/package.json"
if LD_PRELOAD=$host_preload node "$src/tests/packaging/npm_smoke.js" "$project" >"$tmp/out" 2>&1; then
  ok "smoke test: $(tail -1 "$tmp/out")"
else
  fail "smoke test"; cat "$tmp/out"
fi

if [ -d "$hosts/node_modules/sqlite3" ]; then
  check "load(db) with node-sqlite3" env LD_PRELOAD="$host_preload" node -e '
    const [kohakuvault, sqlite3] = process.argv.slice(1).map(require);
    const db = new sqlite3.Database(":memory:");
    kohakuvault.load(db).then((same) => {
      if (same !== db) throw new Error("load() did not resolve to db");
      db.get("select hex(kv_pack(\x27i32\x27, 7)) as h, sqlite_version() as v", (err, row) => {
        if (err) throw err;
        if (row.h !== "07000000") throw new Error("got " + row.h);
        console.log("node-sqlite3 " + row.v + ": " + row.h);
      });
    });' "$project/node_modules/kohakuvault" "$hosts/node_modules/sqlite3"
fi

echo "npm: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
