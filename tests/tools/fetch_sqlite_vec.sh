#!/bin/bash
# Fetches sqlite-vec 0.1.9's prebuilt loadable extension (vec0.so) from the
# npm registry into <build>/sqlite-vec/ for the interop test and the KNN
# bench; never committed. Prints the path of vec0.so on success; exits 1
# (with a message on stderr) when npm or the registry is unavailable.
# Usage: fetch_sqlite_vec.sh <build dir>
set -euo pipefail
build=${1:?usage: fetch_sqlite_vec.sh <build dir>}
dest="$build/sqlite-vec"
if [ -f "$dest/vec0.so" ]; then echo "$dest/vec0.so"; exit 0; fi
command -v npm >/dev/null || { echo "npm not installed" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && timeout 120 npm pack --silent sqlite-vec-linux-x64@0.1.9 >/dev/null 2>"$tmp/err") ||
  { echo "npm pack sqlite-vec-linux-x64@0.1.9 failed: $(tail -1 "$tmp/err")" >&2; exit 1; }
tar -xzf "$tmp"/sqlite-vec-linux-x64-0.1.9.tgz -C "$tmp"
mkdir -p "$dest"
cp "$tmp/package/vec0.so" "$dest/vec0.so.part" && mv "$dest/vec0.so.part" "$dest/vec0.so"
echo "$dest/vec0.so"
