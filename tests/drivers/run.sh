#!/usr/bin/env bash
# Runs one driver of the matrix against the built module:
#   tests/drivers/run.sh <shell|python|apsw|tcl|perl|ruby|go|java|node|node-sqlite3>
# Environment (set by ctest): KV_MODULE (module path without .so), KV_SOURCE_DIR,
# KV_BUILD_DIR, KV_NODE_HOSTS. Go and Java programs are compiled once into
# $KV_BUILD_DIR/drivers/ and rebuilt only when their source changes; Go builds
# offline (GOPATH mode against Debian's /usr/share/gocode, GOPROXY=off) with
# its cache in the build directory. The Node.js drivers (better-sqlite3 as
# `node`, sqlite3 as `node-sqlite3`) are installed from the npm registry once
# into $KV_NODE_HOSTS (default build/node-hosts of the source tree, shared by
# the release and sanitizer builds) by node/install_hosts.sh.
set -euo pipefail
driver=${1:?usage: run.sh <driver>}
here=$(cd "$(dirname "$0")" && pwd)
export KV_SOURCE_DIR=${KV_SOURCE_DIR:-$(cd "$here/../.." && pwd)}
export KV_BUILD_DIR=${KV_BUILD_DIR:-$KV_SOURCE_DIR/build}
export KV_MODULE=${KV_MODULE:-$KV_BUILD_DIR/kohakuvault}
out=$KV_BUILD_DIR/drivers
mkdir -p "$out"

# Under the sanitizers ctest preloads the ASan runtime: the hosts run with it,
# the compilers (go, javac) without.
host_preload=${LD_PRELOAD:-}
unset LD_PRELOAD

# ctest -j runs several tests that need the same program: build under a lock.
locked() { (flock 9 && "$@") 9>"$out/.build.lock"; }

stale() {  # stale <target> <sources...>: target missing or older than a source
  local target=$1; shift
  [ ! -e "$target" ] && return 0
  for s in "$@"; do [ "$s" -nt "$target" ] && return 0; done
  return 1
}

case "$driver" in
  shell|python|apsw)
    LD_PRELOAD=$host_preload exec /usr/bin/python3 "$here/driver_$driver.py" ;;
  tcl)
    LD_PRELOAD=$host_preload exec tclsh "$here/driver_tcl.tcl" ;;
  perl)
    LD_PRELOAD=$host_preload exec perl "$here/driver_perl.pl" ;;
  ruby)
    LD_PRELOAD=$host_preload exec ruby "$here/driver_ruby.rb" ;;
  go)
    bin=$out/driver_go
    build_go() {
      stale "$bin" "$here/go/driver_go.go" || return 0
      (cd "$here/go" && GO111MODULE=off GOPATH=/usr/share/gocode GOPROXY=off GOFLAGS= GOENV=off CGO_ENABLED=1 \
        GOCACHE="$out/go-cache" go build -tags libsqlite3 -o "$bin.tmp" driver_go.go) && mv "$bin.tmp" "$bin"
    }
    locked build_go
    LD_PRELOAD=$host_preload exec "$bin" ;;
  java)
    jar=/usr/share/java/xerial-sqlite-jdbc.jar
    classes=$out/java-classes
    build_java() {
      stale "$classes/DriverCheck.class" "$here/java/DriverCheck.java" || return 0
      rm -rf "$classes.tmp" && javac -d "$classes.tmp" -cp "$jar" "$here/java/DriverCheck.java" &&
        rm -rf "$classes" && mv "$classes.tmp" "$classes"
    }
    locked build_java
    LD_PRELOAD=$host_preload exec java -cp "$classes:$jar" DriverCheck ;;
  node|node-sqlite3)
    hosts=$(bash "$here/node/install_hosts.sh" "${KV_NODE_HOSTS:-$KV_SOURCE_DIR/build/node-hosts}")
    package=better-sqlite3
    [ "$driver" = node-sqlite3 ] && package=sqlite3
    LD_PRELOAD=$host_preload NODE_PATH=$hosts/node_modules exec node "$here/driver_node.js" "$package" ;;
  *)
    echo "run.sh: unknown driver '$driver'" >&2; exit 2 ;;
esac
