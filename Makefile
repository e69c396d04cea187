# A thin wrapper around CMake.  `make run` builds and runs the demo;
# `make test` builds and runs every test (ctest: busted specs).
BUILD ?= build
CMAKE_FLAGS ?=
JOBS ?= $(shell nproc)

.PHONY: all deps build run test test-asan install clean

all: build

deps:
	@sh scripts/deps.sh

build: deps
	cmake -S . -B $(BUILD) -DNONO_WERROR=ON $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j$(JOBS)

run: build
	@sh scripts/demo.sh $(BUILD)/nono

test: build
	cd $(BUILD) && ctest --output-on-failure --verbose

# The same suite with AddressSanitizer and UndefinedBehaviorSanitizer.
test-asan:
	$(MAKE) test BUILD=build-asan CMAKE_FLAGS="-DNONO_SANITIZE=ON"

install: build
	cmake --install $(BUILD)

# Start-up, run-time overhead, 10,000 rules, memory, next to a minimal
# Landlock launcher and the peers (docs/benchmarks.md); a few minutes.
.PHONY: bench
bench: build
	sh bench/run.sh $(BUILD)/nono

clean:
	rm -rf build build-asan
