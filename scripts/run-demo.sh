#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The main job: a short teevar CLI session on ./teevar-state (TEEVAR_STATE
# overrides). Each command is printed before it runs; running it again works too.
set -euo pipefail
build=${1:?usage: run-demo.sh BUILD_DIR}
teevar=$build/tools/teevar
export TEEVAR_STATE=${TEEVAR_STATE:-teevar-state}
unset TEEVAR_TEE

global=8be4df61-93ca-11d2-aa0d-00e098032b8c   # EFI_GLOBAL_VARIABLE
demo=74656576-6172-4465-8d6f-000000000001     # the demo's own vendor GUID

step() {
	local arg line='$ teevar'
	for arg in "$@"; do
		[[ $arg =~ ^[A-Za-z0-9_./:,=-]+$ ]] && line+=" $arg" || line+=" '$arg'"
	done
	printf '\n%s\n' "$line"
	local rc=0
	"$teevar" "$@" || rc=$?
	[ "$rc" -eq 0 ] && return 0
	echo "run-demo: that command failed (exit $rc)" >&2
	if [ "$rc" -eq 4 ]; then
		echo "run-demo: is another teevar using $TEEVAR_STATE, or was it made by an" \
			"incompatible teevar version? TEEVAR_STATE=other-dir make run uses another" >&2
	fi
	exit "$rc"
}

echo "teevar CLI demo on the state directory $TEEVAR_STATE"
echo "(the secure core runs inside each teevar command; the first one creates the store)"
step set BootOrder-$global --hex "01 00 02 00"
step set Timeout-$global --hex "05 00"
step set DemoGreeting-$demo --string16 "Hello from teevar"
step set DemoScratch-$demo --attrs nv,bs --string "short-lived"
step list
step get DemoGreeting-$demo
step info
step delete DemoScratch-$demo
step list
