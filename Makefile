# A thin wrapper around CMake.  `make run` builds and runs the demo;
# `make test` builds and runs every test (ctest: busted specs).
BUILD ?= build
CMAKE_FLAGS ?=
JOBS ?= $(shell nproc)

.PHONY: all deps build run test test-asan install man clean

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

# man/nono.1's OPTIONS section, made from nono's option table (a spec fails
# when it is out of date).
man: build
	$(BUILD)/nono help --man-options > $(BUILD)/man-options.roff
	awk -v gen=$(BUILD)/man-options.roff \
	  '/^\.\\" END GENERATED OPTIONS/ { skip = 0 } !skip { print } \
	   /^\.\\" BEGIN GENERATED OPTIONS/ { while ((getline l < gen) > 0) print l; skip = 1 }' \
	  man/nono.1 > man/nono.1.new
	mv man/nono.1.new man/nono.1

# Start-up, run-time overhead, 10,000 rules, memory, next to a minimal
# Landlock launcher and the peers (docs/benchmarks.md); a few minutes.
.PHONY: bench
bench: build
	sh bench/run.sh $(BUILD)/nono

clean:
	rm -rf build build-asan
