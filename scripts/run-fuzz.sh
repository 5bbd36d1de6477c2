#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Runs every libFuzzer harness of a build dir configured with -Dfuzz=true for
# FUZZ_SECONDS each (docs/fuzzing.md) and prints one summary line per harness:
#   FUZZ <harness> ok|FAIL execs=<n> exec/s=<n> cov=<n> ft=<n> corpus=<n>
# The growing corpus is kept in BUILD_DIR/fuzz-corpus/<harness> (seeded from
# fuzz/seeds/<harness>); crashes go to BUILD_DIR/fuzz-artifacts/.
# FUZZ_HARNESSES restricts the set (space-separated names); FUZZ_ARGS adds
# libFuzzer flags. Exit status 1 if any harness found something.
set -uo pipefail
build=${1:?usage: run-fuzz.sh BUILD_DIR}
seconds=${FUZZ_SECONDS:-60}
src=$(cd "$(dirname "$0")/.." && pwd)
harnesses=${FUZZ_HARNESSES:-"fuzz_mm fuzz_tvd_wire fuzz_rpmb_rpc fuzz_store_records fuzz_emu fuzz_vtee_msg fuzz_varimg"}
mkdir -p "$build/fuzz-artifacts"
status=0
for h in $harnesses; do
	bin=$build/fuzz/$h
	if [ ! -x "$bin" ]; then
		echo "FUZZ $h FAIL (no binary $bin)"
		status=1
		continue
	fi
	corpus=$build/fuzz-corpus/$h
	log=$build/fuzz-artifacts/$h.log
	mkdir -p "$corpus"
	seeds=()
	[ -d "$src/fuzz/seeds/$h" ] && seeds=("$src/fuzz/seeds/$h")
	# shellcheck disable=SC2086
	"$bin" -max_total_time="$seconds" -print_final_stats=1 \
		-artifact_prefix="$build/fuzz-artifacts/$h-" ${FUZZ_ARGS:-} \
		"$corpus" "${seeds[@]}" >"$log" 2>&1
	rc=$?
	final_stat() { sed -n "s/^stat::$1: *//p" "$log" | tail -1; }
	last=$(grep -E '^#[0-9]+' "$log" | tail -1)
	cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
	ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
	corp=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$last")
	verdict=ok
	if [ "$rc" -ne 0 ]; then
		verdict=FAIL
		status=1
	fi
	echo "FUZZ $h $verdict execs=$(final_stat number_of_executed_units) exec/s=$(final_stat average_exec_per_sec)" \
		"cov=${cov:-?} ft=${ft:-?} corpus=${corp:-?} (log: $log)"
	if [ "$rc" -ne 0 ]; then
		grep -E 'ERROR|SUMMARY|Test unit written' "$log" | sed 's/^/    /'
	fi
done
exit $status
