# SPDX-License-Identifier: BSD-2-Clause
# shellcheck shell=bash disable=SC2034  # sourced; N and FAILED are the callers' too
# The TAP runner the shell tests share: `t DESC CMD...` runs one test (ok when
# CMD succeeds), `tap_end` prints the plan and exits 1 if any test failed.
N=0
FAILED=0
t() {
	local desc=$1
	shift
	N=$((N + 1))
	if "$@"; then
		echo "ok $N - $desc"
	else
		echo "not ok $N - $desc"
		FAILED=1
	fi
}
tap_end() {
	echo "1..$N"
	exit "$FAILED"
}
