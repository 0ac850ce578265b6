#!/usr/bin/env bash
# Installs the Node.js drivers listed in package.json (next to this script)
# into a cached project directory and prints that directory:
#   tests/drivers/node/install_hosts.sh DIR
# npm's prebuilt binaries come from GitHub, which this machine cannot reach,
# so better-sqlite3 compiles from source (~2 minutes on 2 cores); the result is
# kept in DIR and reused until package.json, package-lock.json or Node.js's
# version changes. The compiled better-sqlite3 is also packed as a local
# prebuild, DIR/prebuilds/better-sqlite3-v<version>-node-v<abi>-<os>-<arch>.tar.gz:
# with npm_config_better_sqlite3_local_prebuilds=DIR/prebuilds a fresh
# project's `npm install better-sqlite3` takes it instead of compiling again
# (tests/packaging/npm_check.sh).
# The drivers' own SQLite is in their npm tarballs: only the npm registry is
# contacted. Node's headers come from the installed nodejs (/usr/include/node).
set -euo pipefail
dir=${1:?usage: install_hosts.sh DIR}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$dir"
exec 9>"$dir/.install.lock"
flock 9
stamp=$dir/node_modules/.kv-installed
if [ -e "$stamp" ] && [ ! "$here/package.json" -nt "$stamp" ] && [ ! "$here/package-lock.json" -nt "$stamp" ] &&
   [ "$(cat "$stamp")" = "$(node --version)" ]; then
  echo "$dir"; exit 0
fi
rm -rf "$dir/node_modules"
cp "$here/package.json" "$here/package-lock.json" "$dir/"
(cd "$dir" && npm_config_nodedir=${npm_config_nodedir:-/usr} npm ci --prefer-offline --no-audit --no-fund --loglevel=error \
  >"$dir/install.log" 2>&1) || { tail -40 "$dir/install.log" >&2; exit 1; }
abi=$(node -p process.versions.modules)
target=$(node -p 'process.platform + "-" + process.arch')
bs3=$dir/node_modules/better-sqlite3
rm -rf "$dir/prebuilds" && mkdir -p "$dir/prebuilds"
tar -czf "$dir/prebuilds/better-sqlite3-v$(node -p "require('$bs3/package.json').version")-node-v$abi-$target.tar.gz" \
  -C "$bs3" build/Release/better_sqlite3.node
node --version >"$stamp"
echo "$dir"
