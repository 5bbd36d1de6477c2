#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The main job: teevard on ./teevar-state (TEEVAR_STATE overrides) with the
# emulated RPMB image and the in-process route, a short teevar CLI session
# through its socket (each command printed before it runs), then teevard keeps
# serving in the foreground until Ctrl-C (SIGINT) or SIGTERM and stops cleanly.
# Running it again works too; it never reads stdin.
set -euo pipefail
build=${1:?usage: run-demo.sh BUILD_DIR}
teevar=$build/tools/teevar
teevard=$build/tools/teevard
state=${TEEVAR_STATE:-teevar-state}
sock=$state/teevard.sock
unset TEEVAR_TEE TEEVAR_STATE

global=8be4df61-93ca-11d2-aa0d-00e098032b8c   # EFI_GLOBAL_VARIABLE
demo=74656576-6172-4465-8d6f-000000000001     # the demo's own vendor GUID

pid=
stop_teevard() {
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || true
	local rc=0
	wait "$pid" || rc=$?
	pid=
	return "$rc"
}
trap 'stop_teevard || true' EXIT

step() {
	local arg line="\$ teevar --tee unix:$sock"
	for arg in "$@"; do
		[[ $arg =~ ^[A-Za-z0-9_./:,=-]+$ ]] && line+=" $arg" || line+=" '$arg'"
	done
	printf '\n%s\n' "$line"
	local rc=0
	"$teevar" --tee "unix:$sock" "$@" || rc=$?
	[ "$rc" -eq 0 ] && return 0
	echo "run-demo: that command failed (exit $rc)" >&2
	exit "$rc"
}

# Ready when it answers (a socket file alone may be left from a killed run).
wait_ready() {
	local i
	for ((i = 0; i < 300; i++)); do
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid" || true
			pid=
			echo "run-demo: teevard could not start (another teevard or teevar using" \
				"$state? TEEVAR_STATE=other-dir make run uses another)" >&2
			exit 4
		fi
		[ -S "$sock" ] && "$teevar" --tee "unix:$sock" info >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "run-demo: teevard did not answer on $sock" >&2
	exit 4
}

echo "teevar demo: teevard serves the state directory $state on $sock"
echo "(emulated RPMB image $state/rpmb.img, reached in-process: no supplicant)"
"$teevard" --state "$state" --socket "$sock" </dev/null &
pid=$!
wait_ready

step set BootOrder-$global --hex "01 00 02 00"
step set Timeout-$global --hex "05 00"
step set DemoGreeting-$demo --string16 "Hello from teevar"
step set DemoScratch-$demo --attrs nv,bs --string "short-lived"
step list
step get DemoGreeting-$demo
step info
step secureboot
step delete DemoScratch-$demo
step list

echo
echo "teevard keeps serving on $sock; from another terminal try"
echo "  $teevar --tee unix:$sock list"
echo "Press Ctrl-C to stop it."
# A signal to this script (or Ctrl-C, which teevard also gets) stops teevard.
trap 'kill -TERM "$pid" 2>/dev/null || true' INT TERM
while :; do
	rc=0
	wait "$pid" || rc=$?
	# wait returns early (> 128) when a trapped signal arrives: wait again.
	if [ "$rc" -gt 128 ] && kill -0 "$pid" 2>/dev/null; then
		continue
	fi
	break
done
pid=
if [ "$rc" -ne 0 ]; then
	echo "run-demo: teevard exited with $rc" >&2
	exit "$rc"
fi
echo "run-demo: teevard stopped cleanly"
