#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The main job (`make run`): teevard on ./teevar-state (TEEVAR_STATE overrides)
# with the emulated RPMB image and the in-process route, a short teevar CLI
# session through its socket (each command printed before it runs), then
# teevarfs mounts the variables at ./efivars (TEEVAR_EFIVARS overrides) and
# efibootmgr and df run against the mount. teevard and teevarfs then keep
# serving until Ctrl-C (SIGINT), SIGTERM or `make stop`, which unmount
# ./efivars and stop teevard cleanly. It never reads stdin.
#
#   run-demo.sh BUILD_DIR    the demo, serving until stopped
#   run-demo.sh --stop       stop the one that serves TEEVAR_STATE (`make stop`)
#
# Only one serves a state directory: a second one says "already running" and
# how to reach or stop the first (exit 4). Its pid is in STATE/make-run.pid
# while it serves.
set -euo pipefail
state=${TEEVAR_STATE:-teevar-state}
mnt=${TEEVAR_EFIVARS:-efivars}
sock=$state/teevard.sock
pidfile=$state/make-run.pid
unset TEEVAR_TEE TEEVAR_STATE TEEVAR_EFIVARS

global=8be4df61-93ca-11d2-aa0d-00e098032b8c   # EFI_GLOBAL_VARIABLE
demo=74656576-6172-4465-8d6f-000000000001     # the demo's own vendor GUID

say() { echo "run-demo: $*" >&2; }

# The pid of the make run serving $state, if there is one (its pid file
# names a live run-demo.sh).
running_pid() {
	local p
	p=$(cat "$pidfile" 2>/dev/null) || return 1
	[[ $p =~ ^[0-9]+$ ]] && [ "$p" != $$ ] || return 1
	tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q 'run-demo\.sh' || return 1
	echo "$p"
}

# Where make run mounts and serves, for the messages.
abs_mnt=$(realpath -m -- "$mnt")
abs_sock=$(realpath -m -- "$sock")

how_to_reach() {
	echo "  reach it:  build/tools/teevar --tee unix:$abs_sock list"
	echo "             EFIVARFS_PATH=$abs_mnt/ efibootmgr"
	echo "  stop it:   make stop   (or Ctrl-C in its terminal, or kill -TERM $1)"
}

if [ "${1:-}" = --stop ]; then
	if ! p=$(running_pid); then
		echo "make stop: no make run serves $state"
		exit 0
	fi
	echo "make stop: stopping make run (pid $p) on $state"
	kill -TERM "$p"
	for ((i = 0; i < 600; i++)); do
		kill -0 "$p" 2>/dev/null || { echo "make stop: stopped"; exit 0; }
		sleep 0.1
	done
	echo "make stop: pid $p still runs after 60 s" >&2
	exit 1
fi

build=${1:?usage: run-demo.sh BUILD_DIR | run-demo.sh --stop}
teevar=$build/tools/teevar
teevard=$build/tools/teevard
teevarfs=$build/tools/teevarfs

# mounted DIR: DIR (absolute) is a mount point, per /proc/mounts.
mounted() { awk -v d="$1" '$2 == d { f = 1 } END { exit !f }' /proc/mounts; }
# teevarfs_mounted DIR: ... and a teevarfs one.
teevarfs_mounted() { awk -v d="$1" '$2 == d && $3 == "fuse.teevarfs" { f = 1 } END { exit !f }' /proc/mounts; }

# ---- one make run per state directory ----
if p=$(running_pid); then
	echo "run-demo: make run is already running (pid $p) on $state:"
	echo "teevard serves unix:$abs_sock, teevarfs is mounted at $abs_mnt."
	how_to_reach "$p"
	exit 4
fi
if [ -S "$sock" ] && "$teevar" --tee "unix:$sock" info >/dev/null 2>&1; then
	echo "run-demo: a teevard already serves $state on $sock (not started by make run):"
	echo "  reach it:  build/tools/teevar --tee unix:$abs_sock list"
	echo "  stop it, or TEEVAR_STATE=other-dir make run serves another state directory"
	exit 4
fi
if mounted "$abs_mnt"; then
	if teevarfs_mounted "$abs_mnt" && ! stat -- "$abs_mnt/" >/dev/null 2>&1; then
		# a teevarfs whose process is gone ("Transport endpoint is not
		# connected"), left by a killed run: nothing serves it any more
		say "unmounting a dead teevarfs left at $abs_mnt"
		fusermount3 -u -- "$abs_mnt" 2>/dev/null || umount -- "$abs_mnt"
		cleared_mnt=1  # that run's mount point: removed at the end, as it would have
	else
		echo "run-demo: $abs_mnt is already mounted (not by a make run on $state):"
		echo "  unmount it (fusermount3 -u $abs_mnt), or TEEVAR_EFIVARS=other-dir make run"
		exit 4
	fi
fi

pid=       # teevard
fspid=     # teevarfs -f
made_mnt=${cleared_mnt:-}
stop_sig=

# teevarfs first (libefivar's users never see a mount without its backend),
# then teevard; the pid file and a mount point this run made go last.
shutdown() {
	local rc=0
	if [ -n "$fspid" ]; then
		if teevarfs_mounted "$abs_mnt"; then
			fusermount3 -u -- "$abs_mnt" 2>/dev/null || umount -- "$abs_mnt" 2>/dev/null ||
				fusermount3 -u -z -- "$abs_mnt" 2>/dev/null || true
		fi
		kill -TERM "$fspid" 2>/dev/null || true
		wait "$fspid" 2>/dev/null || true
		fspid=
		if teevarfs_mounted "$abs_mnt"; then
			say "$abs_mnt is still mounted: fusermount3 -u $abs_mnt"
		else
			echo "run-demo: teevarfs unmounted $mnt"
		fi
	fi
	if [ -n "$made_mnt" ] && ! mounted "$abs_mnt"; then
		rmdir -- "$abs_mnt" 2>/dev/null || true
		made_mnt=
	fi
	if [ -n "$pid" ]; then
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" || rc=$?
		pid=
	fi
	if [ "$(cat "$pidfile" 2>/dev/null)" = $$ ]; then
		rm -f -- "$pidfile"
	fi
	return "$rc"
}
trap 'shutdown || true' EXIT

step() {
	local arg line="\$ teevar --tee unix:$sock"
	for arg in "$@"; do
		[[ $arg =~ ^[A-Za-z0-9_./:,=-]+$ ]] && line+=" $arg" || line+=" '$arg'"
	done
	printf '\n%s\n' "$line"
	local rc=0
	"$teevar" --tee "unix:$sock" "$@" || rc=$?
	[ "$rc" -eq 0 ] && return 0
	say "that command failed (exit $rc)"
	exit "$rc"
}

# listens PID: PID has a listening Unix socket (per /proc/net/unix).
listens() {
	local fd l ino
	for fd in /proc/"$1"/fd/*; do
		l=$(readlink "$fd" 2>/dev/null) || continue
		[[ $l =~ ^socket:\[([0-9]+)\]$ ]] || continue
		ino=${BASH_REMATCH[1]}
		# Flags 00010000: __SO_ACCEPTCON, a listening socket
		awk -v i="$ino" '$7 == i && $4 == "00010000" { f = 1 } END { exit !f }' \
			/proc/net/unix && return 0
	done
	return 1
}

# Ready when OUR teevard listens and the socket answers. A socket that answers
# is not enough: another teevard on the same state (a second make run started
# at the same moment) may answer while ours is still on its way to failing
# for the state's lock; ours listens only once it holds the lock.
wait_ready() {
	local i
	for ((i = 0; i < 600; i++)); do
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid" || true
			pid=
			if p=$(running_pid); then
				echo "run-demo: make run is already running (pid $p) on $state:"
				how_to_reach "$p"
			elif "$teevar" --tee "unix:$sock" info >/dev/null 2>&1; then
				# the other one won the lock and is not yet ready
				echo "run-demo: make run is already running on $state (it is starting):"
				how_to_reach "\$(cat $pidfile)"
			else
				say "teevard could not start (another teevard or teevar using $state?" \
					"TEEVAR_STATE=other-dir make run uses another)"
			fi
			exit 4
		fi
		if listens "$pid" && "$teevar" --tee "unix:$sock" info >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.1
	done
	say "teevard did not answer on $sock"
	exit 4
}

# load_option DESCRIPTION PATH: an EFI_LOAD_OPTION in hex, active, with one
# media file path node (type 4, subtype 4) and the end node.
ucs2() { printf '%s' "$1" | od -An -v -tx1 | tr -s ' \n' ' ' | sed 's/ \([0-9a-f][0-9a-f]\)/\100/g; s/ //g'; }
le16() { printf '%02x%02x' $(($1 & 255)) $(($1 >> 8)); }
load_option() {
	local desc path node_len
	desc=$(ucs2 "$1")0000
	path=$(ucs2 "$2")0000
	node_len=$((4 + ${#path} / 2))
	echo "01000000$(le16 $((node_len + 4)))${desc}0404$(le16 "$node_len")${path}7fff0400"
}

echo "teevar demo: teevard serves the state directory $state on $sock"
echo "(emulated RPMB image $state/rpmb.img, reached in-process: no supplicant)"
"$teevard" --state "$state" --socket "$sock" </dev/null &
pid=$!
# Ctrl-C reaches teevard and teevarfs too (the terminal's process group);
# SIGTERM (make stop) reaches this script only, which stops them in order.
trap 'stop_sig=INT' INT
trap 'stop_sig=TERM' TERM
wait_ready
echo $$ >"$pidfile"

step set BootOrder-$global --hex "01 00 02 00"
step set Timeout-$global --hex "05 00"
step set Boot0001-$global --hex "$(load_option "teevar demo A" '\EFI\teevar\a.efi')"
step set Boot0002-$global --hex "$(load_option "teevar demo B" '\EFI\teevar\b.efi')"
step set DemoGreeting-$demo --string16 "Hello from teevar"
step set DemoScratch-$demo --attrs nv,bs --string "short-lived"
step list
step get DemoGreeting-$demo
step info
step secureboot
step delete DemoScratch-$demo
step list

# ---- teevarfs: the same variables as files, for efibootmgr, efivar, mokutil ----
fs_note=
if [ ! -x "$teevarfs" ]; then
	fs_note="$teevarfs is not built"
elif [ ! -e /dev/fuse ]; then
	fs_note="there is no /dev/fuse here"
elif [ ! -r /dev/fuse ] || [ ! -w /dev/fuse ]; then
	fs_note="this user may not open /dev/fuse ($(stat -c '%A %U:%G' /dev/fuse))"
elif ! command -v fusermount3 >/dev/null 2>&1; then
	fs_note="fusermount3 is missing (Debian package fuse3)"
fi
if [ -z "$fs_note" ] && [ -z "$stop_sig" ]; then
	[ -d "$abs_mnt" ] || { mkdir -p -- "$abs_mnt" && made_mnt=1; }
	printf '\n$ %s --tee unix:%s -f %s &\n' "$teevarfs" "$abs_sock" "$mnt"
	# In the foreground (-f) as this script's child: stopped with the rest.
	# The socket path is absolute: teevarfs reconnects with it.
	"$teevarfs" --tee "unix:$abs_sock" -f "$abs_mnt" </dev/null &
	fspid=$!
	for ((i = 0; i < 600; i++)); do
		teevarfs_mounted "$abs_mnt" && break
		kill -0 "$fspid" 2>/dev/null || break
		sleep 0.1
	done
	if teevarfs_mounted "$abs_mnt"; then
		export EFIVARFS_PATH=$abs_mnt/
		printf '\n$ ls %s\n' "$mnt"
		ls -- "$abs_mnt"
		if command -v efibootmgr >/dev/null 2>&1; then
			printf '\n$ EFIVARFS_PATH=%s efibootmgr -v\n' "$EFIVARFS_PATH"
			efibootmgr -v || say "efibootmgr failed (exit $?)"
		else
			fs_note="efibootmgr is not installed (Debian package efibootmgr)"
		fi
		printf '\n$ df %s\n' "$mnt"
		df -- "$abs_mnt" || true
	else
		rc=0
		wait "$fspid" || rc=$?
		fspid=
		say "teevarfs could not mount $mnt (exit $rc); teevard still serves"
	fi
fi
[ -z "$fs_note" ] || say "no teevarfs mount: $fs_note"

echo
echo "teevard keeps serving on $sock; from another terminal try"
echo "  $teevar --tee unix:$sock list"
if [ -n "$fspid" ]; then
	echo "teevarfs serves the same variables at $mnt; try"
	echo "  EFIVARFS_PATH=$abs_mnt/ efibootmgr"
	echo "  EFIVARFS_PATH=$abs_mnt/ efivar -l"
	echo "  EFIVARFS_PATH=$abs_mnt/ mokutil --sb-state"
fi
echo "Press Ctrl-C (or run make stop) to stop."
while [ -z "$stop_sig" ]; do
	rc=0
	wait "$pid" || rc=$?
	# wait returns early (> 128) when a trapped signal arrives
	if [ -z "$stop_sig" ] && [ "$rc" -gt 128 ] && kill -0 "$pid" 2>/dev/null; then
		continue
	fi
	break
done
if [ -n "$stop_sig" ]; then
	say "stopping on SIG$stop_sig"
	rc=0
	shutdown || rc=$?
else
	pid=  # teevard has ended by itself (a SIGTERM to it, a failure)
	shutdown || true
fi
trap - EXIT
if [ "$rc" -ne 0 ]; then
	say "teevard exited with $rc"
	exit "$rc"
fi
echo "run-demo: teevard stopped cleanly"
