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
