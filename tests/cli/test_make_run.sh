#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# `make run` (scripts/run-demo.sh) as a user meets it, as TAP: the CLI demo,
# teevarfs mounted with efibootmgr and df shown against it, the mount serving
# the store (a CLI change shows in it, efibootmgr reads it), a second make run
# while one serves ("already running", nothing run against the first), two
# started at the same moment, Ctrl-C (SIGINT to the process group) unmounting
# and stopping cleanly, a background run that ignores SIGINT stopped by
# `run-demo.sh --stop` (make stop), and a run killed with SIGKILL whose dead
# mount and socket the next run clears.
# The mount parts need /dev/fuse and fusermount3 (root in CI); without them
# the script must say why there is no mount, and the rest is checked.
# Usage: test_make_run.sh RUN_DEMO BUILD_DIR
set -uo pipefail

RUN_DEMO=${1:?usage: test_make_run.sh RUN_DEMO BUILD_DIR}
BUILD=${2:?usage: test_make_run.sh RUN_DEMO BUILD_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib/tap.sh
. "$HERE/../lib/tap.sh"
TEEVAR=$BUILD/tools/teevar
TMP=$(mktemp -d /tmp/teevar-make-run.XXXXXX)
STATE=$TMP/state
MNT=$TMP/efivars
SOCK=$STATE/teevard.sock
G=8be4df61-93ca-11d2-aa0d-00e098032b8c
unset TEEVAR_TEE TEEVAR_STATE EFIVARFS_PATH
export TEEVAR_STATE=$STATE TEEVAR_EFIVARS=$MNT

GROUPS_STARTED=()
cleanup() {
	local g
	for g in "${GROUPS_STARTED[@]}"; do
		kill -KILL -- "-$g" 2>/dev/null
	done
	for g in "${GROUPS_STARTED[@]}"; do
		wait "$g" 2>/dev/null
	done
	if awk -v d="$MNT" '$2 == d { f = 1 } END { exit !f }' /proc/mounts; then
		fusermount3 -u -z "$MNT" 2>/dev/null || umount -l "$MNT" 2>/dev/null
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

FUSE=1
[ -c /dev/fuse ] && [ -r /dev/fuse ] && [ -w /dev/fuse ] &&
	command -v fusermount3 >/dev/null && [ -x "$BUILD/tools/teevarfs" ] || FUSE=
if [ -n "$FUSE" ] && [ "$(id -u)" -ne 0 ] && [ ! -u "$(command -v fusermount3)" ]; then
	FUSE=
fi
[ -n "$FUSE" ] || echo "# no FUSE here (/dev/fuse, fusermount3, teevarfs): the mount is checked absent"
HAVE_EFIBOOTMGR=
command -v efibootmgr >/dev/null && HAVE_EFIBOOTMGR=1

fail() { echo "# $*"; return 1; }
show() { sed 's/^/#   /' "$1" | tail -n "${2:-25}"; }
mounted() { awk -v d="$MNT" '$2 == d && $3 == "fuse.teevarfs" { f = 1 } END { exit !f }' /proc/mounts; }

# start OUT [launcher...]: run-demo.sh in its own session (as a terminal's
# process group), output to OUT; PID is its pid (= its process group).
start() {
	local out=$1
	shift
	: >"$out"
	"$@" setsid "$RUN_DEMO" "$BUILD" >"$out" 2>&1 </dev/null &
	PID=$!
	GROUPS_STARTED+=("$PID")
}
# serving OUT PID: wait until OUT says it serves (or PID ended).
serving() {
	local i
	for ((i = 0; i < 1200; i++)); do
		grep -q "Press Ctrl-C" "$1" && return 0
		kill -0 "$2" 2>/dev/null || break
		sleep 0.05
	done
	grep -q "Press Ctrl-C" "$1" || { show "$1"; fail "run-demo.sh did not reach 'Press Ctrl-C'"; }
}
# ended PID: wait for it; RC its exit status.
ended() { RC=0; { wait "$1"; } 2>/dev/null || RC=$?; }

# What must hold while a run serves: the mount (or the reason there is none).
check_mount() {
	local out=$1
	if [ -z "$FUSE" ]; then
		grep -q "no teevarfs mount:" "$out" || { show "$out"; fail "no reason given for the missing mount"; }
		return
	fi
	mounted || { show "$out"; fail "$MNT is not a fuse.teevarfs mount"; }
	grep -q "^BootOrder: 0001,0002" "$out" && grep -qP '^Boot0001\* teevar demo A\tFile\(\\EFI\\teevar\\a.efi\)' "$out" &&
		grep -qP '^Boot0002\* teevar demo B\t' "$out" || {
		show "$out"
		fail "efibootmgr's listing against the mount is not in the output"
	}
	grep -q "^teevarfs .*$MNT\$" "$out" || { show "$out"; fail "df's line for the mount is not in the output"; }
	# the mount serves the store: the demo's variable, byte for byte
	# (attributes 7 + UCS-2 "Hello from teevar" and its NUL)
	local want got
	want="07000000$(printf 'Hello from teevar' | od -An -v -tx1 | tr -s ' \n' ' ' |
		sed 's/ \([0-9a-f][0-9a-f]\)/\100/g; s/ //g')0000"
	got=$(od -An -v -tx1 "$MNT/DemoGreeting-74656576-6172-4465-8d6f-000000000001" | tr -d ' \n')
	[ "$got" = "$want" ] || fail "DemoGreeting through the mount: $got, expected $want" || return 1
	# a change through teevard's socket shows in the mount at once
	"$TEEVAR" --tee "unix:$SOCK" set "TestLive-$G" --attrs nv,bs,rt --string live >/dev/null ||
		fail "teevar set through the socket" || return 1
	got=$(od -An -v -tx1 "$MNT/TestLive-$G" 2>&1 | tr -d ' \n')
	[ "$got" = "070000006c697665" ] || fail "TestLive through the mount: $got" || return 1
	"$TEEVAR" --tee "unix:$SOCK" delete "TestLive-$G" >/dev/null && [ ! -e "$MNT/TestLive-$G" ] ||
		fail "the deleted variable is still in the mount" || return 1
	# the tools as the README tells a user to run them
	if [ -n "$HAVE_EFIBOOTMGR" ]; then
		EFIVARFS_PATH=$MNT/ efibootmgr | grep -q "^Boot0002\* teevar demo B" ||
			fail "EFIVARFS_PATH=$MNT/ efibootmgr does not list Boot0002" || return 1
	fi
	# statfs is QueryVariableInfo: df's total is the store's maximum (in teevard's
	# phase, which teevarfs shares; --runtime would change it for every client)
	local blocks max
	blocks=$(stat -f -c '%b %S' "$MNT")
	max=$("$TEEVAR" --tee "unix:$SOCK" info --json |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["classes"][0]["max_storage"])')
	[ "$blocks" = "$max 1" ] || fail "statfs of the mount: '$blocks', QueryVariableInfo's maximum $max"
}

# After a clean stop: nothing left behind.
check_stopped() {
	local out=$1
	[ "$RC" -eq 0 ] || { show "$out"; fail "run-demo.sh exited $RC"; } || return 1
	grep -q "teevard stopped cleanly" "$out" || { show "$out"; fail "no clean stop"; } || return 1
	[ ! -e "$SOCK" ] || fail "the socket is left" || return 1
	[ ! -e "$STATE/make-run.pid" ] || fail "the pid file is left" || return 1
	! mounted || fail "$MNT is still mounted" || return 1
	[ ! -e "$MNT" ] || fail "the mount point this run made is left" || return 1
	if [ -n "$FUSE" ]; then
		grep -q "teevarfs unmounted" "$out" || { show "$out"; fail "no 'teevarfs unmounted'"; }
	fi
}

OUT1=$TMP/run1.out
test_serves() {
	start "$OUT1"
	RUN1=$PID
	serving "$OUT1" "$RUN1" || return 1
	grep -q '^\$ teevar --tee unix:.* set BootOrder-' "$OUT1" && grep -q "DemoGreeting-" "$OUT1" ||
		{ show "$OUT1"; fail "the CLI demo did not run"; } || return 1
	[ "$(cat "$STATE/make-run.pid")" = "$RUN1" ] || fail "make-run.pid does not hold $RUN1" || return 1
	check_mount "$OUT1"
}

test_already_running() {
	local out=$TMP/second.out
	RC=0
	"$RUN_DEMO" "$BUILD" >"$out" 2>&1 </dev/null || RC=$?
	[ "$RC" -eq 4 ] || { show "$out"; fail "exit $RC, expected 4"; } || return 1
	grep -q "already running (pid $RUN1)" "$out" && grep -q "make stop" "$out" &&
		grep -q "teevar --tee unix:$SOCK" "$out" && grep -q "EFIVARFS_PATH=$MNT/ efibootmgr" "$out" ||
		{ show "$out"; fail "the message does not say how to reach and stop the first"; } || return 1
	! grep -q '^\$ ' "$out" || { show "$out"; fail "the second one ran commands"; } || return 1
	kill -0 "$RUN1" 2>/dev/null || fail "the first one ended" || return 1
	"$TEEVAR" --tee "unix:$SOCK" info >/dev/null || fail "the first one's teevard no longer answers" || return 1
	[ -z "$FUSE" ] || mounted || fail "the first one's mount is gone"
}

# Ctrl-C: SIGINT to the whole process group (script, teevard, teevarfs).
test_ctrl_c() {
	kill -INT -- "-$RUN1"
	ended "$RUN1"
	grep -q "stopping on SIGINT" "$OUT1" || { show "$OUT1"; fail "no 'stopping on SIGINT'"; } || return 1
	check_stopped "$OUT1"
}

# Two at the same moment on the (existing) store: one serves, the other says
# so and runs nothing against it (the wait_ready race).
test_two_at_once() {
	local a=$TMP/a.out b=$TMP/b.out pa pb n=0 loser rc_loser=0
	start "$a"
	pa=$PID
	start "$b"
	pb=$PID
	# one of them ends (the loser), the other serves
	local i
	for ((i = 0; i < 1200; i++)); do
		kill -0 "$pa" 2>/dev/null || { loser=$pa; break; }
		kill -0 "$pb" 2>/dev/null || { loser=$pb; break; }
		sleep 0.05
	done
	[ -n "${loser:-}" ] || { show "$a"; show "$b"; fail "neither one gave up"; } || return 1
	wait "$loser" || rc_loser=$?
	local lout wout winner
	if [ "$loser" = "$pa" ]; then lout=$a wout=$b winner=$pb; else lout=$b wout=$a winner=$pa; fi
	serving "$wout" "$winner" || return 1
	[ "$rc_loser" -eq 4 ] || { show "$lout"; fail "the loser exited $rc_loser, expected 4"; } || return 1
	grep -q "already running\|could not start" "$lout" || { show "$lout"; fail "the loser does not say why"; } ||
		return 1
	! grep -q '^\$ ' "$lout" || { show "$lout"; fail "the loser ran commands against the winner"; } || return 1
	n=$(grep -c '^\$ teevar --tee' "$wout")
	[ "$n" -ge 10 ] || { show "$wout"; fail "the winner's demo is incomplete"; } || return 1
	# teevard stopped by itself (SIGTERM to it alone): the script unmounts
	# and ends cleanly
	local tvd
	local st p c pp
	for st in /proc/[0-9]*/stat; do
		{ read -r p c _ pp _ <"$st"; } 2>/dev/null || continue
		[ "$pp" = "$winner" ] && [ "$c" = "(teevard)" ] && tvd=$p
	done
	[ -n "${tvd:-}" ] || fail "no teevard under $winner" || return 1
	kill -TERM "$tvd"
	ended "$winner"
	check_stopped "$wout"
}

# `make run &` in a non-interactive shell: SIGINT is ignored there (kill -INT
# of its pid does nothing), so it is stopped with make stop (run-demo.sh
# --stop): SIGTERM to the script.
test_background_stop() {
	local out=$TMP/bg.out stop=$TMP/stop.out
	: >"$out"
	bash -c 'trap "" INT; exec setsid "$0" "$1" >"$2" 2>&1 </dev/null' "$RUN_DEMO" "$BUILD" "$out" &
	PID=$!
	GROUPS_STARTED+=("$PID")
	serving "$out" "$PID" || return 1
	grep -q "^SigIgn:.*[2367abef]\$" "/proc/$PID/status" || fail "the background run does not ignore SIGINT" ||
		return 1
	kill -INT "$PID"
	# still serving: the socket answers, the mount is there
	"$TEEVAR" --tee "unix:$SOCK" info >/dev/null && kill -0 "$PID" || fail "SIGINT stopped it" || return 1
	[ -z "$FUSE" ] || mounted || fail "SIGINT unmounted it" || return 1
	RC=0
	"$RUN_DEMO" --stop >"$stop" 2>&1 || RC=$?
	[ "$RC" -eq 0 ] && grep -q "stopping make run (pid $PID)" "$stop" && grep -q "make stop: stopped" "$stop" ||
		{ show "$stop"; fail "run-demo.sh --stop: exit $RC"; } || return 1
	ended "$PID"
	grep -q "stopping on SIGTERM" "$out" || { show "$out"; fail "no 'stopping on SIGTERM'"; } || return 1
	check_stopped "$out" || return 1
	RC=0
	"$RUN_DEMO" --stop >"$stop" 2>&1 || RC=$?
	[ "$RC" -eq 0 ] && grep -q "no make run serves" "$stop" || { show "$stop"; fail "--stop with none running"; }
}

# A run killed outright (SIGKILL to the group): the next run clears the dead
# mount and the stale socket and pid file, and serves.
test_after_sigkill() {
	local out=$TMP/k.out out2=$TMP/k2.out
	start "$out"
	serving "$out" "$PID" || return 1
	kill -KILL -- "-$PID"
	ended "$PID"
	[ -e "$SOCK" ] && [ -e "$STATE/make-run.pid" ] || fail "SIGKILL left no socket or pid file?" || return 1
	start "$out2"
	serving "$out2" "$PID" || return 1
	if [ -n "$FUSE" ]; then
		grep -q "unmounting a dead teevarfs" "$out2" || { show "$out2"; fail "the dead mount was not named"; } ||
			return 1
	fi
	check_mount "$out2" || return 1
	kill -INT -- "-$PID"
	ended "$PID"
	check_stopped "$out2"
}

t "make run's script: CLI demo, teevarfs at the mount point, efibootmgr and df shown, the mount serves the store" \
	test_serves
t "a second make run while one serves says 'already running' and how to reach and stop it" test_already_running
t "Ctrl-C unmounts, stops teevard cleanly, leaves nothing behind" test_ctrl_c
t "two make runs at the same moment: one serves, the other says so and runs nothing; SIGTERM to teevard ends it cleanly" \
	test_two_at_once
t "a background make run ignores SIGINT; make stop (run-demo.sh --stop) stops it cleanly" test_background_stop
t "after a SIGKILLed run the next one clears the dead mount and serves" test_after_sigkill
tap_end
