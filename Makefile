# SPDX-License-Identifier: BSD-2-Clause
# Thin wrapper over meson + ninja. The README's two commands: `make run`, `make check`.

BUILD       ?= build
CHECK_BUILD ?= build-check
BENCH_BUILD ?= build-bench
FUZZ_BUILD  ?= build-fuzz
QEMU_BUILD  ?= build-qemu
FUZZ_SECONDS ?= 60
MESON       ?= meson

.PHONY: all deps build run stop check check-qemu qemu-shell bench valgrind fuzz clean

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

# The real Linux tee_stmm_efi driver and efivarfs in an arm64 QEMU guest,
# served by teevard (docs/qemu.md). Builds a kernel the first time (minutes).
check-qemu: build
	./scripts/install-deps.sh qemu
	./qemu/prepare.sh $(QEMU_BUILD)
	./qemu/check.sh $(BUILD) $(QEMU_BUILD)

# The same guest with a shell on its console, efivarfs served by teevard on
# $(TEEVAR_STATE) (default ./teevar-state).
TEEVAR_STATE ?= teevar-state
qemu-shell: build
	./scripts/install-deps.sh qemu
	./qemu/prepare.sh $(QEMU_BUILD)
	./qemu/shell.sh $(BUILD) $(QEMU_BUILD) $(TEEVAR_STATE)

run: build
	./scripts/run-demo.sh $(BUILD)

# Stops a `make run` that serves $(TEEVAR_STATE) (one started in the
# background, which a non-interactive shell starts with SIGINT ignored).
stop:
	@./scripts/run-demo.sh --stop

$(BENCH_BUILD)/build.ninja:
	$(MESON) setup $(BENCH_BUILD) --buildtype=release -Dtests=false

# The QEMU benchmarks run when its packages are installed (make check-qemu
# installs them); they reuse $(QEMU_BUILD).
bench: deps $(BENCH_BUILD)/build.ninja
	ninja -C $(BENCH_BUILD)
	./scripts/run-bench.sh $(BENCH_BUILD)
	@if command -v qemu-system-aarch64 >/dev/null && command -v aarch64-linux-gnu-gcc >/dev/null \
	    && [ -r /usr/src/linux-source-6.12.tar.xz ] && [ -r /usr/share/AAVMF/AAVMF_CODE.fd ]; then \
		./qemu/prepare.sh $(QEMU_BUILD) >&2 && ./bench/qemu/qemu-bench.sh $(BENCH_BUILD) $(QEMU_BUILD); \
	else echo "# QEMU benchmarks skipped: run make check-qemu once to install QEMU and the kernel source"; fi

# The unit tests once more under valgrind (slow; not part of `make check`).
valgrind: build
	VALGRIND=1 ./scripts/run-tests.sh $(BUILD)

# libFuzzer harnesses (fuzz/, docs/fuzzing.md), FUZZ_SECONDS each; needs clang.
# Optional: not part of `make check`, not run by CI.
$(FUZZ_BUILD)/build.ninja:
	CC=clang $(MESON) setup $(FUZZ_BUILD) --buildtype=debugoptimized -Dtests=false -Dfuzz=true \
		-Db_sanitize=address,undefined -Db_lundef=false

fuzz:
	@command -v clang >/dev/null 2>&1 || { \
		echo "make fuzz needs clang with libFuzzer: sudo apt-get install -y clang"; exit 1; }
	$(MAKE) $(FUZZ_BUILD)/build.ninja
	ninja -C $(FUZZ_BUILD)
	FUZZ_SECONDS=$(FUZZ_SECONDS) ./scripts/run-fuzz.sh $(FUZZ_BUILD)

clean:
	rm -rf $(BUILD) $(CHECK_BUILD) $(BENCH_BUILD) $(FUZZ_BUILD) $(QEMU_BUILD)
