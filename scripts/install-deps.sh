#!/usr/bin/env bash
# Installs every Debian package the project needs to build, test, bench and demo.
# Idempotent: does nothing when all packages are present. Needs root (or sudo).
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  sqlite3 libsqlite3-dev
  libmsgpack-dev libcbor-dev nlohmann-json3-dev libvalijson-dev libsimdjson-dev
  libre2-dev  # RE2 runs JSON Schema "pattern"s in linear time
  json-schema-test-suite  # the official JSON Schema Test Suite: draft7 cases run by kv_unit_tests (SchemaOfficialSuite)
  googletest libgtest-dev libbenchmark-dev libabsl-dev
  clang libclang-rt-14-dev clang-format
  python3 python3-msgpack python3-cbor2
  # the Python package (bindings/python): upstream's pytest suite (numpy, timeouts) and the wheel in a venv
  python3-pytest python3-pytest-timeout python3-numpy python3-setuptools python3-wheel python3-venv python3-pip
  binutils time
  sqlcipher  # SQLite 3.15 shell: the oldest host Debian ships, for the minimum-version test
  # driver matrix (tests/drivers/): every common SQLite binding loads the module
  python3-apsw tcl libsqlite3-tcl libdbd-sqlite3-perl ruby ruby-sqlite3
  golang-go golang-github-mattn-go-sqlite3-dev libxerial-sqlite-jdbc-java default-jdk-headless
  golang-github-canonical-go-dqlite-dev  # tests/cluster/, examples/dqlite/: go-dqlite + libdqlite + libraft
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
