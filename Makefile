# Thin wrapper over CMake. Every target installs missing Debian packages first.
#   make demo   build (Release) and run sql/quickstart.sql in the sqlite3 shell
#   make test   build and run every test: release build, then ASan+UBSan build
#   make bench  build (Release) and run the benchmarks, printing ratios vs plain SQLite
#   make package  build every package into build/dist/: .deb, npm tarball, Python wheel
#   make faults the anomaly tests' full sweep: every injection point (docs/testing.md)
JOBS ?= $(shell nproc)
BUILD ?= build

.PHONY: all deps build package demo test test-release test-asan test-tsan fuzz-build test-fuzz fuzz faults bench format clean

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release
	cmake --build $(BUILD) -j $(JOBS)

# Every package from the Release build into $(DIST): the .deb (scripts/build-deb.sh,
# cpack), the npm tarball (bindings/node/pack.sh) and the Python wheel
# (bindings/python/build-wheel.sh).
DIST ?= $(BUILD)/dist
package: build
	rm -rf $(DIST) && mkdir -p $(DIST)
	bash scripts/build-deb.sh $(BUILD) $(DIST)
	bash bindings/node/pack.sh $(BUILD) $(DIST)
	bash bindings/python/build-wheel.sh $(BUILD) $(DIST)
	@ls -l $(DIST)

demo: build
	sqlite3 -batch -cmd ".load ./$(BUILD)/kohakuvault" :memory: < sql/quickstart.sql

test: test-release test-asan test-tsan test-fuzz
	@# Reached only when every step passed (make stops at the first failure).
	@echo "make test: $$(( $$(cd $(BUILD) && ctest -N | sed -n 's/^Total Tests: //p') \
	  + $$(cd build-asan && ctest -N | sed -n 's/^Total Tests: //p') \
	  + $$(build-tsan/tests/kv_tsan_tests --gtest_list_tests | grep -c '^  ') + 1 )) passed, 0 failed"
	@cat $(BUILD)/fault-report.txt build-asan/fault-report.txt 2>/dev/null | awk '/^\[fault\]/ && !/skipped/ \
	  {p += $$6; s += $$8; k += $$19; n++} END {print "make test: anomaly tests: " n " sweeps (release + asan), " p \
	  " injection points, " s " faults surfaced, 0 crashes, 0 leaks, 0 violations, " k " known-failure hits (tests/fault/scenarios.cpp)"}'

test-release: build
	rm -f $(BUILD)/fault-report.txt
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-asan: deps
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DKV_SANITIZE=ON -DKV_BENCH=OFF
	cmake --build build-asan -j $(JOBS)
	rm -f build-asan/fault-report.txt
	cd build-asan && ctest --output-on-failure -j $(JOBS)

# libFuzzer over kv_unpack's engine for every dtype family, over a
# variable-size column's damaged shadow rows, and over damaged copies of
# KohakuVault's own column files (clang, ASan+UBSan):
# a bounded run in `make test`, a longer one on demand (FUZZ_TIME seconds).
FUZZ_BUILD ?= build-fuzz
FUZZ_TIME ?= 600
fuzz-build: deps
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKV_FUZZ=ON -DKV_BENCH=OFF
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_unpack fuzz_var_column fuzz_kvfiles fuzz_change_batch
	python3 tests/fuzz/make_seeds.py $(FUZZ_BUILD)/fuzz-seeds
	/usr/bin/python3 tests/fuzz/make_kvfiles_seeds.py $(FUZZ_BUILD)/fuzz-kvfiles-seeds
	mkdir -p $(FUZZ_BUILD)/fuzz-corpus

test-fuzz: fuzz-build
	cd $(FUZZ_BUILD) && tests/fuzz/fuzz_unpack -max_total_time=30 -rss_limit_mb=1024 fuzz-corpus fuzz-seeds
	mkdir -p $(FUZZ_BUILD)/fuzz-var-corpus
	cd $(FUZZ_BUILD) && tests/fuzz/fuzz_var_column -max_total_time=20 -rss_limit_mb=1024 fuzz-var-corpus
	mkdir -p $(FUZZ_BUILD)/fuzz-kvfiles-corpus
	cd $(FUZZ_BUILD) && tests/fuzz/fuzz_kvfiles -max_total_time=15 -max_len=16384 -rss_limit_mb=1024 fuzz-kvfiles-corpus fuzz-kvfiles-seeds
	mkdir -p $(FUZZ_BUILD)/fuzz-change-batch-corpus
	cd $(FUZZ_BUILD) && tests/fuzz/fuzz_change_batch -max_total_time=10 -rss_limit_mb=1024 fuzz-change-batch-corpus

fuzz: fuzz-build
	cd $(FUZZ_BUILD) && tests/fuzz/fuzz_unpack -max_total_time=$(FUZZ_TIME) -rss_limit_mb=1024 fuzz-corpus fuzz-seeds
	mkdir -p $(FUZZ_BUILD)/fuzz-var-corpus
	cd $(FUZZ_BUILD) && tests/fuzz/fuzz_var_column -max_total_time=$(FUZZ_TIME) -rss_limit_mb=1024 fuzz-var-corpus
	mkdir -p $(FUZZ_BUILD)/fuzz-kvfiles-corpus
	cd $(FUZZ_BUILD) && tests/fuzz/fuzz_kvfiles -max_total_time=$(FUZZ_TIME) -max_len=16384 -rss_limit_mb=1024 fuzz-kvfiles-corpus fuzz-kvfiles-seeds
	mkdir -p $(FUZZ_BUILD)/fuzz-change-batch-corpus
	cd $(FUZZ_BUILD) && tests/fuzz/fuzz_change_batch -max_total_time=$(FUZZ_TIME) -rss_limit_mb=1024 fuzz-change-batch-corpus

# The concurrent skip list under ThreadSanitizer (stress tests with 4 writers + 4 readers).
test-tsan: deps
	cmake -S . -B build-tsan -DKV_TSAN=ON -DKV_BENCH=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build build-tsan -j $(JOBS) --target kv_tsan_tests
	cd build-tsan && TSAN_OPTIONS=halt_on_error=1 ./tests/kv_tsan_tests

# The anomaly tests (tests/fault/, docs/testing.md) at every injection point instead of
# `make test`'s bounded sample: each scenario's transaction under OOM, I/O errors and a full
# disk, N = 1, 2, ... until a run injects nothing. Prints one line per sweep and the total.
faults: build
	cd $(BUILD) && { KV_FAULT_FULL=1 ./tests/kv_fault_tests > fault-sweep.log 2>&1; status=$$?; \
	  grep -E '^\[fault\]|known:|Failure$$|FAILED' fault-sweep.log; \
	  awk '/^\[fault\]/ && !/skipped/ {p += $$6; n++} END {print "make faults: " n " sweeps, " p " injection points covered"}' fault-sweep.log; \
	  exit $$status; }

bench: build
	bash bench/run.sh $(BUILD)

format:
	clang-format -i ext/*/*.cpp ext/*/*.hpp src/*/*.cpp src/*/*.hpp tests/unit/*.cpp tests/sqlite/*.cpp tests/sqlite/*.hpp tests/fault/*.cpp tests/fault/*.hpp bench/*.cpp

clean:
	rm -rf build build-asan build-tsan build-fuzz
