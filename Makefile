# Thin wrapper over CMake. Every target installs missing Debian packages first.
#   make demo   build (Release) and run sql/quickstart.sql in the sqlite3 shell
#   make test   build and run every test: release build, then ASan+UBSan build
#   make bench  build (Release) and run the benchmarks, printing ratios vs plain SQLite
JOBS ?= $(shell nproc)
BUILD ?= build

.PHONY: all deps build demo test test-release test-asan bench format clean

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	sqlite3 -batch -cmd ".load ./$(BUILD)/kohakuvault" :memory: < sql/quickstart.sql

test: test-release test-asan

test-release: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-asan: deps
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DKV_SANITIZE=ON -DKV_BENCH=OFF
	cmake --build build-asan -j $(JOBS)
	cd build-asan && ctest --output-on-failure -j $(JOBS)

bench: build
	bash bench/run.sh $(BUILD)

format:
	clang-format -i ext/*.cpp ext/*.hpp src/*.cpp src/*.hpp tests/unit/*.cpp tests/sqlite/*.cpp tests/sqlite/*.hpp bench/*.cpp

clean:
	rm -rf build build-asan
