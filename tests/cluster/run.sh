#!/usr/bin/env bash
# Builds and runs the dqlite cluster test (ctest: cluster_dqlite).
#   tests/cluster/run.sh
# Environment (set by ctest): KV_MODULE (module path without .so),
# KV_SOURCE_DIR, KV_BUILD_DIR. The node program (examples/dqlite/) and the
# test driver (tests/cluster/) are Go programs built offline in GOPATH mode
# against Debian's golang-github-canonical-go-dqlite-dev, cache in the build
# directory; go build decides what is stale. The test prints its closing
# line "cluster_dqlite: PASS ..." or "cluster_dqlite: FAIL ...".
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export KV_SOURCE_DIR=${KV_SOURCE_DIR:-$(cd "$here/../.." && pwd)}
export KV_BUILD_DIR=${KV_BUILD_DIR:-$KV_SOURCE_DIR/build}
export KV_MODULE=${KV_MODULE:-$KV_BUILD_DIR/kohakuvault}
out=$KV_BUILD_DIR/cluster
mkdir -p "$out"

go_build() {  # go_build <package dir> <output>
  (cd "$1" && GO111MODULE=off GOPATH=/usr/share/gocode GOPROXY=off GOFLAGS= GOENV=off CGO_ENABLED=1 \
    CGO_LDFLAGS_ALLOW='-Wl,-z,now' GOCACHE="$out/go-cache" go build -p 1 -o "$2" .)
}
(
  flock 9
  go_build "$KV_SOURCE_DIR/examples/dqlite" "$out/dqlite-node"
  go_build "$here" "$out/cluster_dqlite"
) 9>"$out/.build.lock"

version=$(sqlite3 -batch -cmd ".load $KV_MODULE" :memory: "select kohakuvault_version()")
workdir=$(mktemp -d "$out/run.XXXXXX")
status=0
"$out/cluster_dqlite" -node "$out/dqlite-node" -extension "$KV_MODULE.so" -workdir "$workdir" \
  -version "$version" || status=$?
if [ "$status" -eq 0 ]; then
  rm -rf "$workdir"
else
  echo "cluster test: node data and logs kept in $workdir"
fi
exit "$status"
