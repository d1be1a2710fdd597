# SPDX-License-Identifier: Apache-2.0
# Thin wrapper around CMake/CTest. Every target does its own set-up (deps, configure),
# so `make demo` and `make check` work on a fresh Debian 12 machine.
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
JOBS       ?= $(shell nproc)
CTEST_ARGS ?=

.PHONY: all build deps configure check check-unit check-asan fuzz fuzz-smoke demo bench install clean \
        cross check-cross

all: build

deps:
	@scripts/deps.sh

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo

configure: $(BUILD)/CMakeCache.txt

build: configure
	cmake --build $(BUILD) -j $(JOBS)

# All tests: unit, integration, and a short libFuzzer smoke run of every decoder.
check: build fuzz-smoke
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)

# The same suite under AddressSanitizer + UndefinedBehaviorSanitizer.
check-asan: deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DMAYDAY_SANITIZE=ON
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS) -LE "bench|repro" $(CTEST_ARGS)

$(FUZZ_BUILD)/CMakeCache.txt: | deps
	CC=clang cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=Debug -DMAYDAY_FUZZ=ON

fuzz-build: $(FUZZ_BUILD)/CMakeCache.txt
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_all

fuzz-smoke: fuzz-build
	cd $(FUZZ_BUILD) && ctest --output-on-failure -j $(JOBS) -L fuzz-smoke

# Longer fuzzing session: FUZZ_SECONDS per target.
FUZZ_SECONDS ?= 60
fuzz: fuzz-build
	scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

# make demo ROT=tpm2: every device's RoT a TPM (a swtpm per device).
ROT ?= file
demo: build
	ROT=$(ROT) scripts/demo.sh $(if $(filter 1 yes,$(KEEP)),--keep) $(BUILD)

bench: build
	@scripts/deps.sh bench
	bench/run.sh $(BUILD)

# The device side cross-built for ARCH (arm64 or armhf) with Debian's cross
# compiler and multiarch libraries (scripts/deps.sh cross ARCH), in
# $(CROSS_BUILD): libmayday, mayday-boot, mayday-dcf (static), mayday-install
# and mayday-normal. SOURCE_DATE_EPOCH is the commit's time (reproducible
# builds, docs/dcf-partition.md).
ARCH        ?= arm64
CROSS_BUILD ?= build-$(ARCH)
CROSS_PROGRAMS = mayday-boot mayday-dcf mayday-install mayday-normal
cross check-cross $(CROSS_BUILD)/CMakeCache.txt: export SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null)

$(CROSS_BUILD)/CMakeCache.txt:
	@scripts/deps.sh cross $(ARCH)
	cmake -S . -B $(CROSS_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-$(ARCH).cmake -DMAYDAY_DEVICE_ONLY=ON \
	  -DMAYDAY_HOST_BUILD_DIR=$(abspath $(BUILD))

cross: $(CROSS_BUILD)/CMakeCache.txt
	cmake --build $(CROSS_BUILD) -j $(JOBS) --target $(CROSS_PROGRAMS)

# The device side's unit and integration tests on the cross-built programs,
# under qemu-user (scripts/cross-run.sh), the integration tests against the
# host build's maydayd on loopback (hence `build`).
check-cross: build cross
	cmake --build $(CROSS_BUILD) -j $(JOBS)
	scripts/cross-run.sh $(ARCH) sh -c 'cd $(CROSS_BUILD) && ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)'

# Install the programs, man pages, examples, systemd unit and sysusers.d entry
# (cmake/install.cmake): under DESTDIR when given (a package build), into
# PREFIX when given, else the configured prefix (/usr/local).
#   make install DESTDIR=/tmp/stage PREFIX=/usr
DESTDIR ?=
PREFIX  ?=
install: build
	DESTDIR="$(DESTDIR)" cmake --install $(BUILD) $(if $(PREFIX),--prefix "$(PREFIX)")

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) build-arm64 build-armhf
