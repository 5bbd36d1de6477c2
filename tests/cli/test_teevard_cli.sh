#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# teevard as an administrator and a user meet it, as TAP: options and usage
# errors, the teevar CLI through its socket, refusals as the CLI reports them
# (as another uid: root only), start-up failures, a stale socket and SIGTERM.
# (`make run` has its own test: test_make_run.sh.)
# Usage: test_teevard_cli.sh TEEVARD TEEVAR
set -uo pipefail

TEEVARD=${1:?usage: test_teevard_cli.sh TEEVARD TEEVAR}
TEEVAR=${2:?}
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d)
chmod 755 "$TMP" # other uids reach the sockets; state directories stay 0700
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap cleanup EXIT
unset TEEVAR_TEE TEEVAR_STATE

G=8be4df61-93ca-11d2-aa0d-00e098032b8c
N=0
FAILED=0
OUT=$TMP/out
ERR=$TMP/err
SOCK=$TMP/s.sock
LOG=$TMP/teevard.log
DPID=

t() {
	local desc=$1 fn=$2
	N=$((N + 1))
	if "$fn"; then
		echo "ok $N - $desc"
	else
		echo "not ok $N - $desc"
		FAILED=1
		[ -f "$LOG" ] && sed 's/^/# log: /' "$LOG" | tail -5
	fi
	# a failed test may leave its teevard running: never let it spoil the next
	if [ -n "$DPID" ] && kill -0 "$DPID" 2>/dev/null; then
		kill -KILL "$DPID"
		wait "$DPID" 2>/dev/null
	fi
	DPID=
}

rc_is() { [ "$RC" -eq "$1" ] || { echo "# exit $RC, expected $1" >&2; return 1; }; }
out_has() { grep -qF -- "$1" "$OUT" || { echo "# stdout lacks '$1'" >&2; return 1; }; }
err_has() { grep -qF -- "$1" "$ERR" || { echo "# stderr lacks '$1'" >&2; return 1; }; }
log_has() { grep -qF -- "$1" "$LOG" || { echo "# log lacks '$1'" >&2; return 1; }; }
clean_log() { ! grep -qE 'Sanitizer|runtime error:' "$LOG" "$ERR" || { echo "# sanitizer report" >&2; return 1; }; }

# d ARGS...: teevard in the foreground; RC, stdout, stderr.
d() { RC=0; "$TEEVARD" "$@" >"$OUT" 2>"$ERR" </dev/null || RC=$?; }
# v ARGS...: teevar through the socket; RC, stdout, stderr.
v() { RC=0; "$TEEVAR" --tee "unix:$SOCK" "$@" >"$OUT" 2>"$ERR" </dev/null || RC=$?; }
# as_nobody ARGS...: the same as uid/gid 65534 with no groups.
as_nobody() {
	RC=0
	setpriv --reuid=65534 --regid=65534 --clear-groups "$TEEVAR" --tee "unix:$SOCK" "$@" \
		>"$OUT" 2>"$ERR" </dev/null || RC=$?
}

# start ARGS...: teevard in the background on $STATE (default $TMP/state), ready
# when it answers.
start() {
	rm -f "$LOG"
	"$TEEVARD" --state "${STATE:-$TMP/state}" --socket "$SOCK" --no-sync "$@" 2>"$LOG" </dev/null &
	DPID=$!
	PIDS+=("$DPID")
	local i
	for ((i = 0; i < 300; i++)); do
		kill -0 "$DPID" 2>/dev/null || return 1
		"$TEEVAR" --tee "unix:$SOCK" info >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	return 1
}

# stop [SIGNAL]: the exit code in RC.
stop() {
	kill -"${1:-TERM}" "$DPID" 2>/dev/null
	RC=0
	wait "$DPID" 2>/dev/null || RC=$?
}

test_help() {
	d --help && rc_is 0 && out_has "--read-access" && out_has "/run/teevar/teevard.sock" &&
		out_has "rpc: through the normal world" && out_has "--kernel-route" &&
		out_has "--rpc-timeout-ms N" && out_has "--boot-phase PHASE" &&
		d --version && rc_is 0 && out_has "teevard "
}

test_usage_errors() {
	local args
	for args in "--bogus" "--rpmb nope" "--read-access group" "--read-access everyone" \
		"--write-access all" "--rpmb supplicant" "--emu-size-mult 0" "--max-clients x" \
		"--io-timeout-ms 1" "--owner no-such-user-here" "extra" "--kernel-route" \
		"--rpmb inproc --kernel-route" "--rpmb rpc --supplicant $TMP/x.sock" \
		"--boot-phase later" "--rpc-timeout-ms 5" "--rpc-timeout-ms 600001"; do
		# shellcheck disable=SC2086
		d --state "$TMP/never" $args
		rc_is 1 || { echo "# for: $args" >&2; return 1; }
		err_has "teevard:" || return 1
	done
	[ ! -e "$TMP/never" ]
}

test_cli_through_socket() {
	start || return 1
	v set Greeting-$G --string "hello" && rc_is 0 &&
		v list && rc_is 0 && out_has "Greeting-$G" &&
		v get Greeting-$G && rc_is 0 && out_has "hello" &&
		v info && rc_is 0 && out_has "RPMB write counter" && out_has "boot-services" &&
		out_has "route:              inproc (the emulated image" &&
		v info --json && rc_is 0 && python3 -c "import json,sys; \
			sys.exit(json.load(open('$OUT'))['store']['route'] != 'inproc')" &&
		v delete Greeting-$G && rc_is 0 &&
		v get Greeting-$G && rc_is 2 || return 1
	stop && rc_is 0 && log_has "stopping on SIGTERM" && log_has "stopped" &&
		[ ! -e "$SOCK" ] && clean_log
}

DAMAGE=DAMAGE-ME-0f1e2d3c4b5a69788796a5b4c3d2e1f0
# raw_is VALUE: stdout is exactly VALUE.
raw_is() { [ "$(cat "$OUT")" = "$1" ] || { echo "# stdout is not '$1'" >&2; return 1; }; }
json_store() { python3 -c "import json; print(json.load(open('$OUT'))['store']['$1'])"; }

# A store written by the in-process CLI, then one bit of Damaged's data flipped
# on the image (after a first record and before newer ones: see test_cli.sh),
# then served by teevard.
test_damage_through_socket() {
	local st=$TMP/dstate blk fmt i
	mkdir -m 700 "$st"
	"$TEEVAR" --state "$st" set -q Lead-$G --string "lead-value" &&
		"$TEEVAR" --state "$st" set -q Damaged-$G --string "$DAMAGE" || return 1
	for i in 1 2 3 4; do
		"$TEEVAR" --state "$st" set -q Keep$i-$G --string "keep-value-$i" || return 1
	done
	python3 "$HERE/../lib/flip_bit.py" "$st/rpmb.img" "$DAMAGE" >/dev/null || return 1
	STATE=$st start --read-access all || return 1
	log_has "the variable store is damaged (" && log_has "writes are refused until" || return 1
	v info --json && rc_is 0 || return 1
	blk=$(json_store first_damage_block) && fmt=$(json_store format_version) || return 1
	v info && rc_is 0 && out_has "health:             DAMAGED" && out_has "read-only:          yes" &&
		v check && rc_is 6 && out_has "result: DAMAGED" && err_has "RPMB block $blk" &&
		v set Keep1-$G --string "new" && rc_is 6 &&
		err_has "the variable store is damaged (first damage at RPMB block $blk)" &&
		v get Lead-$G --raw && rc_is 0 && raw_is "lead-value" &&
		v get Damaged-$G --raw && rc_is 2 || return 1
	for i in 1 2 3 4; do # served as written, or (format 1) not at all
		v get Keep$i-$G --raw
		if [ "$fmt" -ge 2 ] || [ "$RC" -eq 0 ]; then rc_is 0 && raw_is "keep-value-$i" || return 1
		else rc_is 2 || return 1; fi
	done
	if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
		as_nobody check && rc_is 6 && # reads are open to all here, writes are not
			as_nobody recover && rc_is 3 &&
			err_has "recover: teevard refused write access for uid 65534 (write access: owner" ||
			return 1
	fi
	v recover && rc_is 0 && out_has "recovered: kept" && out_has "RPMB block $blk" &&
		v info && out_has "health:             ok" && out_has "read-only:          no" &&
		v set Keep1-$G --string "new" && rc_is 0 && v get Keep1-$G --raw && raw_is "new" &&
		v get Lead-$G --raw && raw_is "lead-value" &&
		v recover && rc_is 3 && err_has "the store is not damaged" || return 1
	# Format 1 gives the damaged records up in RAM only, so the device still
	# holds them; from format 2 on the recovery persists and the store verifies.
	if [ "$fmt" -ge 2 ]; then
		v check && rc_is 0 && out_has "result: ok" || return 1
	else
		echo "# format $fmt: recovery does not persist yet; check after recover not asserted"
	fi
	stop && rc_is 0 && log_has "store recovered for uid" && clean_log
}

test_refusals() {
	if [ "$(id -u)" -ne 0 ] || ! command -v setpriv >/dev/null; then
		echo "# skipped: needs root and setpriv"
		return 0
	fi
	start --read-access all || return 1
	v set Owned-$G --string "mine" && rc_is 0 &&
		as_nobody get Owned-$G && rc_is 0 && out_has "mine" &&
		as_nobody set Owned-$G --string "theirs" && rc_is 3 &&
		err_has "teevard refused write access for uid 65534 (write access: owner" &&
		as_nobody phase ready-to-boot && rc_is 3 && err_has "teevard refused write access" &&
		v get Owned-$G && out_has "mine" || return 1
	stop && rc_is 0 && log_has "refused SET_VARIABLE for uid 65534" || return 1
	start || return 1
	as_nobody list && rc_is 4 &&
		err_has "teevard refused read access for uid 65534 (read access: owner" || return 1
	stop && rc_is 0 && clean_log
}

test_start_failures() {
	start || return 1
	# the same state directory is locked by the running one
	d --state "$TMP/state" --socket "$TMP/other.sock" && rc_is 2 &&
		err_has "cannot open the secure core" || return 1
	# another state, but the socket is in use
	d --state "$TMP/state2" --socket "$SOCK" && rc_is 2 && err_has "is in use" || return 1
	v list && rc_is 0 || return 1 # the first one is unharmed
	stop && rc_is 0 || return 1
	d --state "$TMP/state3" --socket "$TMP/nosuchdir/deeper/s.sock" && rc_is 2 &&
		err_has "cannot listen" || return 1
	d --state "$TMP/state4" --rpmb supplicant --supplicant "$TMP/no-supplicant.sock" &&
		rc_is 2 && err_has "supplicant" || return 1
	: >"$TMP/plain"
	d --state "$TMP/state5" --socket "$TMP/plain" && rc_is 2 && err_has "not a socket"
}

test_stale_socket() {
	start || return 1
	v set Kept-$G --string "kept" && rc_is 0 || return 1
	stop KILL
	[ -S "$SOCK" ] || return 1 # left behind
	v list && rc_is 4 && err_has "nothing serves that socket" || return 1
	start || return 1
	v get Kept-$G && rc_is 0 && out_has "kept" || return 1
	stop && rc_is 0
}

# A missing piece of an existing store is refused with what is missing and
# how to start over; --format starts over; nothing is recreated without it.
test_missing_pieces() {
	d --state "$TMP/no/such/state" --socket "$SOCK" && rc_is 2 &&
		err_has "creating the state directory $TMP/no/such/state: No such file or directory" &&
		! grep -q "I/O error" "$ERR" || return 1
	rm -rf "$TMP/state"
	start || return 1
	v set Kept-$G --string "kept" && rc_is 0 || return 1
	stop && rc_is 0 || return 1
	mv "$TMP/state/huk" "$TMP/huk.saved"
	d --state "$TMP/state" --socket "$SOCK" && rc_is 2 && err_has "huk is missing, but" &&
		err_has "restore huk from its backup" && [ ! -e "$TMP/state/huk" ] || return 1
	mv "$TMP/huk.saved" "$TMP/state/huk"
	rm "$TMP/state/rpmb.img"
	d --state "$TMP/state" --socket "$SOCK" && rc_is 2 &&
		err_has "rpmb.img is missing, but" && err_has "teevard --format" &&
		[ ! -e "$TMP/state/rpmb.img" ] || return 1
	start --format || return 1
	v list && rc_is 0 && ! grep -q "Kept-$G" "$OUT" && v set New-$G --string "new" &&
		rc_is 0 || return 1
	stop && rc_is 0 || return 1
	start || return 1 # without --format: the new store is kept
	v get New-$G && rc_is 0 && out_has "new" || return 1
	stop && rc_is 0 && clean_log
}

test_loose_permissions() {
	rm -rf "$TMP/state"
	start || return 1
	stop && rc_is 0 || return 1
	chmod 750 "$TMP/state"
	chmod 604 "$TMP/state/rpmb.img"
	start || return 1
	v list && rc_is 0 || return 1 # warned, not refused
	stop && rc_is 0 || return 1
	chmod 700 "$TMP/state"
	chmod 600 "$TMP/state/rpmb.img"
	log_has "warning: the state directory $TMP/state is mode 0750" &&
		log_has "warning: the RPMB image $TMP/state/rpmb.img is mode 0604" &&
		clean_log
}

# A full file system under the image: the write fails, teevard logs why. A
# small tmpfs in a private mount namespace (root and unshare only).
test_full_disk_logged() {
	if [ "$(id -u)" -ne 0 ] || ! unshare -m true 2>/dev/null; then
		echo "# skipped: needs root and unshare -m"
		return 0
	fi
	mkdir -p "$TMP/full"
	head -c 30000 /dev/urandom >"$TMP/blob"
	rm -f "$LOG"
	RC=0
	unshare -m bash -c 'mount -t tmpfs -o size=256k tmpfs "$1" || exit 9
		"$2" --state "$1/state" --socket "$1/s.sock" --no-sync 2>"$4" </dev/null &
		pid=$!
		for ((i = 0; i < 300; i++)); do
			"$3" --tee "unix:$1/s.sock" info >/dev/null 2>&1 && break
			sleep 0.05
		done
		dd if=/dev/zero of="$1/fill" bs=4k 2>/dev/null
		rc=0; "$3" --tee "unix:$1/s.sock" set Big-$5 --file "$6" 2>"$7" || rc=$?
		kill -TERM $pid; wait $pid
		exit $rc' full "$TMP/full" "$TEEVARD" "$TEEVAR" "$LOG" "$G" "$TMP/blob" "$ERR" || RC=$?
	rc_is 3 && err_has "EFI_DEVICE_ERROR" &&
		log_has "writing blocks to $TMP/full/state/rpmb.img: No space left on device" &&
		log_has "stopped" && clean_log
}

# The socket path is never followed: a symlink planted there is refused, one
# swapped in while teevard runs is left alone at shutdown, and the mode comes
# from the umask at bind(), not from a chmod() by name.
test_socket_symlinks() {
	rm -rf "$TMP/state"
	: >"$TMP/target"
	chmod 600 "$TMP/target"
	ln -s "$TMP/target" "$SOCK"
	d --state "$TMP/state" --socket "$SOCK" && rc_is 2 && err_has "not a socket" &&
		[ -L "$SOCK" ] && [ -f "$TMP/target" ] &&
		[ "$(stat -c %a "$TMP/target")" = 600 ] || return 1
	rm "$SOCK"
	local um
	um=$(umask)
	umask 077
	start || { umask "$um"; return 1; }
	umask "$um"
	[ "$(stat -c %a "$SOCK")" = 666 ] || { echo "# socket mode $(stat -c %a "$SOCK")"; return 1; }
	mv "$SOCK" "$SOCK.moved"
	ln -s "$SOCK.moved" "$SOCK"
	stop && rc_is 0 || return 1
	# neither the symlink nor what it points at was removed
	[ -L "$SOCK" ] && [ -S "$SOCK.moved" ] && log_has "left in place" || return 1
	rm "$SOCK" "$SOCK.moved"
	command -v strace >/dev/null || { echo "# strace check skipped: no strace"; return 0; }
	RC=0
	# LeakSanitizer cannot run under ptrace
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -qq -e trace=chmod,fchmodat -o "$TMP/strace.out" \
		"$TEEVARD" --state "$TMP/state" --socket "$SOCK" --no-sync 2>"$LOG" </dev/null &
	DPID=$!
	PIDS+=("$DPID")
	local i child
	for ((i = 0; i < 300; i++)); do
		"$TEEVAR" --tee "unix:$SOCK" info >/dev/null 2>&1 && break
		sleep 0.05
	done
	child=$(pgrep -P "$DPID" | head -n 1)
	[ -n "$child" ] || { echo "# strace: no teevard under strace"; return 1; }
	PIDS+=("$child")
	kill -TERM "$child"
	RC=0
	wait "$DPID" || RC=$?
	rc_is 0 || return 1
	! grep -q "chmod.*$SOCK" "$TMP/strace.out" ||
		{ sed 's/^/# strace: /' "$TMP/strace.out"; return 1; }
}

# --rpmb rpc before any client carried RPCs: the CLI is told why nothing works.
test_rpc_not_mounted() {
	rm -f "$LOG"
	"$TEEVARD" --state "$TMP/rpc-state" --socket "$SOCK" --no-sync --rpmb rpc \
		--boot-phase runtime 2>"$LOG" </dev/null &
	DPID=$!
	PIDS+=("$DPID")
	local i
	for ((i = 0; i < 300; i++)); do
		[ -S "$SOCK" ] && break
		sleep 0.05
	done
	v info && rc_is 4 && err_has "TEE_ERROR_STORAGE_NOT_AVAILABLE" && err_has "--rpmb rpc" &&
		v check && [ "$RC" -ne 0 ] && err_has "not mounted" || return 1
	stop && rc_is 0 && log_has "rpmb route rpc" && log_has "not mounted yet" && clean_log &&
		[ ! -e "$TMP/rpc-state/rpmb.img" ] || return 1
	# --boot-phase runtime on a route mounted at start: the OS finds runtime
	start --boot-phase runtime || return 1
	v phase && rc_is 0 && out_has "runtime" && v info && out_has "route:              inproc" &&
		stop && rc_is 0 && log_has "--boot-phase runtime: ready-to-boot and exit-boot-services done" &&
		clean_log
}

echo "1..16"
# hold N: N idle connections to $SOCK in a background process (HOLDER), counted
# by teevard once `teevar info` shows them.
HOLDER=
hold() {
	python3 -c 'import socket, sys, time
conns = []
for _ in range(int(sys.argv[2])):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    conns.append(s)
time.sleep(60)' "$SOCK" "$1" &
	HOLDER=$!
	PIDS+=("$HOLDER")
}
unhold() { kill "$HOLDER" 2>/dev/null; wait "$HOLDER" 2>/dev/null; HOLDER=; }
# wait_clients N: until teevard counts N connections besides the asker.
wait_clients() {
	local i
	for ((i = 0; i < 200; i++)); do
		v info && grep -qF "clients:            $(($1 + 1)) connected" "$OUT" && return 0
		sleep 0.05
	done
	echo "# teevard never counted $1 other clients" >&2
	return 1
}

V13=13131313-1313-1313-1313-131313131313

# Issue 13: `teevar --state DIR` while teevard serves DIR goes through
# DIR/teevard.sock; what needs the store itself says what to do.
test_state_through_teevard() {
	local STATE=$TMP/st13 SOCK=$TMP/st13/teevard.sock
	mkdir -m 700 "$STATE"
	start || return 1
	RC=0; "$TEEVAR" --state "$STATE" set Foo-$V13 --hex 01 >"$OUT" 2>"$ERR" || RC=$?
	rc_is 0 && out_has "Foo-$V13: created" && [ ! -s "$ERR" ] &&
		v get Foo-$V13 --raw && rc_is 0 &&
		{ RC=0; TEEVAR_STATE="$STATE" "$TEEVAR" list >"$OUT" 2>"$ERR" || RC=$?; } &&
		rc_is 0 && out_has "Foo-$V13" || return 1
	RC=0; "$TEEVAR" --state "$STATE" --format list >"$OUT" 2>"$ERR" || RC=$?
	rc_is 4 && err_has "state directory in use: teevard serves it (--tee unix:$SOCK); --format needs the store itself: stop teevard first" || return 1
	RC=0; "$TEEVAR" --state "$STATE" export "$TMP/st13.fd" >"$OUT" 2>"$ERR" || RC=$?
	rc_is 4 && err_has "teevard serves it (--tee unix:$SOCK); this command needs the store itself" &&
		[ ! -e "$TMP/st13.fd" ] || return 1
	RC=0; "$TEEVAR" --tee "unix:$STATE" list >"$OUT" 2>"$ERR" || RC=$?
	rc_is 4 && err_has "$STATE is a directory, not a socket (teevard's socket there: --tee unix:$SOCK)" || return 1
	RC=0; "$TEEVAR" --tee "inproc:$STATE" list >"$OUT" 2>"$ERR" || RC=$?
	rc_is 4 && err_has "state directory in use by another process (one secure core per store); if teevard serves it, use --tee unix:$STATE/teevard.sock" || return 1
	# a property lasts while teevard runs: the diagnosis reads it
	v property set P-$V13 --attrs nv,bs,rt && rc_is 0 && [ ! -s "$ERR" ] &&
		v set P-$V13 --attrs nv,bs --hex 01 && rc_is 3 &&
		err_has "the variable's property requires attributes nv,bs,rt (0x7)" &&
		v lock Foo-$V13 && rc_is 0 && [ ! -s "$ERR" ] &&
		v set Vol-$V13 --attrs bs,rt --hex 01 && rc_is 0 && [ ! -s "$ERR" ] || return 1
	stop && rc_is 0 || return 1
	# teevard on another socket: the state directory is in use, and no socket in it
	local SOCK=$TMP/s.sock
	start || return 1
	RC=0; "$TEEVAR" --state "$STATE" list >"$OUT" 2>"$ERR" || RC=$?
	rc_is 4 && err_has "a teevard with another --socket (then use --tee unix:SOCKET" &&
		stop && clean_log
}

# Issue 13: --runtime through teevard is teevard's phase for every client:
# refused while others are connected unless --all-clients, and said.
test_runtime_all_clients() {
	start || return 1
	v info && rc_is 0 && out_has "clients:            1 connected to teevard" &&
		v info --json && python3 -c "import json,sys; \
			sys.exit(json.load(open('$OUT'))['store']['clients'] != 1)" || return 1
	hold 2; wait_clients 2 || return 1
	v --runtime list && rc_is 1 &&
		err_has "--runtime: teevard at 'unix:$SOCK' serves 2 other clients: the boot phase is teevard's, so every client would be at runtime until teevard restarts; give --all-clients to do it anyway" &&
		v phase && out_has "boot-services" &&
		v --all-clients list && rc_is 1 && err_has "--all-clients goes with --runtime" &&
		v --runtime --all-clients list && rc_is 0 &&
		err_has "note: --runtime: teevard at 'unix:$SOCK' is at runtime for every client, until it restarts" &&
		v phase && out_has "runtime" &&
		v --runtime list && rc_is 0 && [ ! -s "$ERR" ] || return 1
	unhold; stop && rc_is 0 || return 1
	start || return 1
	v phase ready-to-boot && rc_is 0 &&
		err_has "note: phase ready-to-boot: teevard at 'unix:$SOCK' is at ready-to-boot for every client, until it restarts" &&
		v --runtime list && rc_is 0 && err_has "is at runtime for every client" &&
		stop && clean_log
}

# Connections of peers without read access are not clients: they cannot make
# --runtime refuse (teevard drops them at their idle deadline anyway).
test_clients_with_rights() {
	if [ "$(id -u)" -ne 0 ] || ! command -v setpriv >/dev/null; then
		echo "# skipped: needs root and setpriv"
		return 0
	fi
	start || return 1
	# two connections as nobody; teevard accepts in order, so once they are
	# made, the next client's info counts them if it counts them at all
	rm -f "$TMP/held"
	setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 -c 'import socket, sys, time
conns = []
for _ in range(2):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    conns.append(s)
print("held", flush=True)
time.sleep(60)' "$SOCK" >"$TMP/held" &
	HOLDER=$!
	PIDS+=("$HOLDER")
	local i
	for ((i = 0; i < 200; i++)); do
		grep -q held "$TMP/held" 2>/dev/null && break
		sleep 0.05
	done
	grep -q held "$TMP/held" || return 1
	v info && rc_is 0 && out_has "clients:            1 connected to teevard" &&
		v --runtime list && rc_is 0 || return 1
	unhold; stop && rc_is 0
}

# Issue 13: the "too many clients" refusal, named by the CLI.
test_too_many_clients() {
	start --max-clients 2 || return 1
	hold 2
	local i
	for ((i = 0; i < 200; i++)); do
		v list; [ "$RC" -ne 0 ] && break
		sleep 0.05
	done
	rc_is 4 &&
		err_has "teevar: cannot open a session at 'unix:$SOCK': too many clients: teevard serves as many connections as it takes (teevard --max-clients, default 32)" &&
		log_has "too many clients (--max-clients 2)" || return 1
	unhold
	for ((i = 0; i < 100; i++)); do
		v list && [ "$RC" -eq 0 ] && break
		sleep 0.05
	done
	rc_is 0 && stop && clean_log
}

t "teevard --help and --version" test_help
t "usage errors exit 1 and touch nothing" test_usage_errors
t "the teevar CLI through the socket; SIGTERM stops cleanly" test_cli_through_socket
t "refused uids get teevard's reason from the CLI; nothing changes" test_refusals
t "a damaged store through teevard: info, check, refused set, reads, recover" test_damage_through_socket
t "start-up failures are clear (state in use, socket in use, no supplicant)" test_start_failures
t "a stale socket of a killed teevard is replaced" test_stale_socket
t "a missing parent, rpmb.img or huk is refused and named; --format starts over" test_missing_pieces
t "loose permissions on the state directory and rpmb.img are logged" test_loose_permissions
t "a full disk under rpmb.img: the failed write's cause is logged" test_full_disk_logged
t "the socket path is never followed (planted, swapped, no chmod)" test_socket_symlinks
t "--rpmb rpc before any client carried RPCs: the CLI says why; --boot-phase runtime" test_rpc_not_mounted
t "teevar --state DIR reaches the teevard serving DIR; the store itself is refused" test_state_through_teevard
t "--runtime through teevard: refused with other clients unless --all-clients, said" test_runtime_all_clients
t "peers without read access are not counted as clients" test_clients_with_rights
t "too many clients: the CLI says so" test_too_many_clients
exit "$FAILED"
