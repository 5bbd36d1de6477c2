# SPDX-License-Identifier: BSD-2-Clause
# Thin wrapper over meson + ninja. The README's two commands: `make run`, `make check`.

BUILD       ?= build
CHECK_BUILD ?= build-check
BENCH_BUILD ?= build-bench
MESON       ?= meson

.PHONY: all deps build run check bench valgrind clean

all: build

deps:
	@./scripts/install-deps.sh

$(BUILD)/build.ninja:
	$(MESON) setup $(BUILD) --buildtype=debugoptimized

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

# Tests run in their own build with AddressSanitizer and UBSan.
$(CHECK_BUILD)/build.ninja:
	$(MESON) setup $(CHECK_BUILD) --buildtype=debug -Db_sanitize=address,undefined \
		-Db_lundef=false

check: deps $(CHECK_BUILD)/build.ninja
	ninja -C $(CHECK_BUILD)
	./scripts/run-tests.sh $(CHECK_BUILD)

run: build
	./scripts/run-demo.sh $(BUILD)

$(BENCH_BUILD)/build.ninja:
	$(MESON) setup $(BENCH_BUILD) --buildtype=release -Dtests=false

bench: deps $(BENCH_BUILD)/build.ninja
	ninja -C $(BENCH_BUILD)
	./scripts/run-bench.sh $(BENCH_BUILD)

# The unit tests once more under valgrind (slow; not part of `make check`).
valgrind: build
	VALGRIND=1 ./scripts/run-tests.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(CHECK_BUILD) $(BENCH_BUILD)
