#!/usr/bin/env bash
# Installs the Node.js drivers listed in package.json (next to this script,
# pinned by package-lock.json) into a cached project directory and prints it:
#   tests/drivers/node/install_hosts.sh DIR
# Only the npm registry is contacted (npm's cache first). The drivers'
# prebuilt binaries live on GitHub, which this machine cannot reach, so
# better-sqlite3 and sqlite3 compile from source, their SQLite included (about
# 3 minutes of CPU each), against the installed Node.js headers.
#
# Two caches keep that to once per machine and Node.js version:
#   DIR itself, reused until package.json, package-lock.json or Node.js change;
#   the compiled addons, packed as prebuild-install's local prebuilds in
#   $KV_NODE_PREBUILDS (default ~/.cache/kohakuvault/node-prebuilds, shared
#   by every build tree), e.g. better-sqlite3-v12.11.1-node-v115-linux-x64.tar.gz.
#   With npm_config_<package>_local_prebuilds pointing there, an install (here,
#   or npm_package's fresh project through DIR/prebuilds) unpacks the addon
#   instead of compiling it. Delete that directory to force a source build.
set -euo pipefail
dir=${1:?usage: install_hosts.sh DIR}
if ! command -v npm >/dev/null || [ "$(node -p 'Number(process.versions.node.split(".")[0]) >= 20' 2>/dev/null)" != true ]; then
  echo "install_hosts.sh: needs Node.js 20 or newer with npm (better-sqlite3 12.x; Debian 12's nodejs is 18):" \
    "found node $(node --version 2>/dev/null || echo none), npm $(npm --version 2>/dev/null || echo none)" >&2
  exit 1
fi
here=$(cd "$(dirname "$0")" && pwd)
prebuilds=${KV_NODE_PREBUILDS:-${XDG_CACHE_HOME:-$HOME/.cache}/kohakuvault/node-prebuilds}
mkdir -p "$dir" "$prebuilds"
exec 9>"$dir/.install.lock"
flock 9
stamp=$dir/node_modules/.kv-installed
if [ -e "$stamp" ] && [ ! "$here/package.json" -nt "$stamp" ] && [ ! "$here/package-lock.json" -nt "$stamp" ] &&
   [ "$(cat "$stamp")" = "$(node --version)" ] && [ -d "$dir/prebuilds/" ]; then
  echo "$dir"; exit 0
fi
rm -rf "$dir/node_modules"
cp "$here/package.json" "$here/package-lock.json" "$dir/"
(cd "$dir" && npm_config_better_sqlite3_local_prebuilds=$prebuilds npm_config_sqlite3_local_prebuilds=$prebuilds \
  npm ci --prefer-offline --no-audit --no-fund --loglevel=error >"$dir/install.log" 2>&1) ||
  { tail -40 "$dir/install.log" >&2; exit 1; }

# keep <package>'s compiled addon as the prebuild named <tag>, unless it is there already
keep_prebuild() {  # keep_prebuild <package> <abi tag, e.g. node-v115> <addon path inside the package>
  local pkg=$dir/node_modules/$1 name
  name=$1-v$(node -p "require('$pkg/package.json').version")-$2-$(node -p 'process.platform + "-" + process.arch').tar.gz
  [ -e "$prebuilds/$name" ] && return 0
  tar -czf "$prebuilds/$name.tmp.$$" -C "$pkg" "$3" && mv "$prebuilds/$name.tmp.$$" "$prebuilds/$name"
}
keep_prebuild better-sqlite3 "node-v$(node -p process.versions.modules)" build/Release/better_sqlite3.node
# sqlite3 is built for the newest N-API version it lists that this Node.js has.
keep_prebuild sqlite3 "napi-v$(node -p "Math.max(...require('$dir/node_modules/sqlite3/package.json').binary.napi_versions
  .filter((v) => v <= Number(process.versions.napi)))")" build/Release/node_sqlite3.node
ln -sfn "$prebuilds" "$dir/prebuilds"
node --version >"$stamp"
echo "$dir"
