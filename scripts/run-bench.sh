#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Runs every benchmark of a build dir; each prints "BENCH <metric> <value> <unit>" lines.
set -euo pipefail
build=${1:?usage: run-bench.sh BUILD_DIR}
for b in "$build"/bench/bench_*; do
	if [ -f "$b" ] && [ -x "$b" ]; then
		"$b"
	fi
done
# teevarfs over FUSE against teevard (a script: root and /dev/fuse, else it
# says why it skipped).
"$(dirname "$0")/../bench/bench_teevarfs.sh" "$build"
