#!/usr/bin/env bash
# Runs every program in examples/ against the built module and checks what it
# prints: the version line, the kv_pack/kv_unpack round trip and an error that
# starts with "kohakuvault:". (examples/c/ is built and run by install_check.sh
# against an installed copy.) Go and Java examples are compiled into
# $KV_BUILD_DIR/examples/ and rebuilt only when their source changes.
#   tests/drivers/run_examples.sh [language ...]     (env as for run.sh)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=${KV_SOURCE_DIR:-$(cd "$here/../.." && pwd)}
build=${KV_BUILD_DIR:-$src/build}
export KV_MODULE=${KV_MODULE:-$build/kohakuvault}
ex=$src/examples
out=$build/examples
mkdir -p "$out"
host_preload=${LD_PRELOAD:-}
unset LD_PRELOAD
langs=("$@")
[ ${#langs[@]} -eq 0 ] && langs=(shell python apsw tcl perl ruby go java)

passed=0 failed=0 skipped=0
probe() { LD_PRELOAD=$host_preload sqlite3 -batch -cmd ".load $KV_MODULE" :memory: "$1"; }
if ! version=$(probe "select kohakuvault_version()"); then
  echo "FAIL the module does not load into the sqlite3 shell"; echo "examples: 0 passed, 1 failed"; exit 1
fi
has_pack=$(probe "select count(distinct name) from pragma_function_list where name in ('kv_pack', 'kv_unpack')")

stale() { [ ! -e "$1" ] || [ "$2" -nt "$1" ]; }
# ctest -j may run this next to the driver tests; builds share the Go cache.
locked() { (flock 9 && "$@") 9>"$out/.build.lock"; }
build_go() {
  stale "$out/kv_example_go" "$ex/go/main.go" || return 0
  (cd "$ex/go" && GO111MODULE=off GOPATH=/usr/share/gocode GOPROXY=off GOFLAGS= GOENV=off CGO_ENABLED=1 \
    GOCACHE="$build/drivers/go-cache" go build -tags libsqlite3 -o "$out/kv_example_go" main.go)
}
build_java() {
  stale "$out/java/Example.class" "$ex/java/Example.java" || return 0
  javac -d "$out/java" -cp "$jar" "$ex/java/Example.java"
}
jar=/usr/share/java/xerial-sqlite-jdbc.jar

for lang in "${langs[@]}"; do
  if [ "$has_pack" != 2 ]; then
    echo "skip $lang (kv_pack/kv_unpack not registered)"; skipped=$((skipped + 1)); continue
  fi
  case "$lang" in
    shell) cmd=(bash "$ex/shell/example.sh") ;;
    python|apsw) cmd=(/usr/bin/python3 "$ex/$lang/example.py") ;;
    tcl) cmd=(tclsh "$ex/tcl/example.tcl") ;;
    perl) cmd=(perl "$ex/perl/example.pl") ;;
    ruby) cmd=(ruby "$ex/ruby/example.rb") ;;
    go)
      locked build_go || { echo "FAIL go: build"; failed=$((failed + 1)); continue; }
      cmd=("$out/kv_example_go") ;;
    java)
      locked build_java || { echo "FAIL java: build"; failed=$((failed + 1)); continue; }
      cmd=(java -cp "$out/java:$jar" Example) ;;
    *) echo "FAIL $lang: unknown example"; failed=$((failed + 1)); continue ;;
  esac
  if ! text=$(LD_PRELOAD=$host_preload "${cmd[@]}" "$KV_MODULE" 2>&1); then
    echo "FAIL $lang: exited non-zero"; echo "$text" | sed 's/^/    /'; failed=$((failed + 1)); continue
  fi
  problem=""
  grep -q "^kohakuvault $version in SQLite 3\." <<<"$text" || problem="no version line"
  grep -q "^kv_pack('i32', 7) = 07000000 -> 7$" <<<"$text" || problem="${problem:+$problem, }no round trip line"
  grep -q "^error: .*kohakuvault: " <<<"$text" || problem="${problem:+$problem, }no kohakuvault: error"
  if [ -z "$problem" ]; then
    echo "ok $lang"; passed=$((passed + 1))
  else
    echo "FAIL $lang: $problem"; echo "$text" | sed 's/^/    /'; failed=$((failed + 1))
  fi
done
echo "examples: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
