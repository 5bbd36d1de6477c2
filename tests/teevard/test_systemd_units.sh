#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The systemd units of dist/systemd/, as TAP: `systemd-analyze verify` on copies
# whose ExecStart points at the built binaries, the start-up and shutdown order
# (route < teevard < variable writers), the options against the daemons' --help,
# and the daemons' Type=notify readiness and clean stop on SIGTERM.
# Also teevarfs' two units (teevarfs.service after teevard,
# teevarfs-optee.service after the OS's TEE supplicant).
# Usage: test_systemd_units.sh UNIT_DIR TEEVARD TEEVAR_SUPPLICANT TEEVAR [TEEVARFS]
set -uo pipefail

UNITS=${1:?usage: test_systemd_units.sh UNIT_DIR TEEVARD TEEVAR_SUPPLICANT TEEVAR}
TEEVARD=${2:?}
SUPPLICANT=${3:?}
TEEVAR=${4:?}
TEEVARFS=${5:-$(dirname "$TEEVAR")/teevarfs}

if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "1..0 # SKIP systemd-analyze not installed (Debian package systemd)"
	exit 0
fi

TMP=$(mktemp -d)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT
export SYSTEMD_LOG_LEVEL=notice SYSTEMD_LOG_COLOR=0

# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"

# stage DIR [split]: copies of the units with ExecStart on the built binaries;
# with "split", teevard gets the split drop-in as systemd would load it.
stage() {
	local dir=$1
	mkdir -p "$dir"
	cp "$UNITS"/*.service "$UNITS"/examples/*.service "$dir"/
	sed -i -e "s|/usr/local/bin/teevard |$TEEVARD |" \
		-e "s|/usr/local/bin/teevarfs |$TEEVARFS |" \
		-e "s|/usr/local/bin/teevar-supplicant |$SUPPLICANT |" \
		-e "s|/usr/local/bin/teevar |$TEEVAR |" "$dir"/*.service
	if [ "${2:-}" = split ]; then
		mkdir -p "$dir/teevard.service.d"
		cp "$UNITS/teevard-split.conf" "$dir/teevard.service.d/split.conf"
	fi
}

# verify DIR: systemd-analyze verify passes with no message at all.
verify() {
	local out rc=0
	out=$(systemd-analyze verify --man=no "$1"/*.service 2>&1) || rc=$?
	if [ "$rc" -ne 0 ] || [ -n "$out" ]; then
		echo "# verify: exit $rc" >&2
		printf '%s\n' "$out" | sed 's/^/#   /' >&2
		return 1
	fi
}

# values FILE... KEY: the space-separated values of KEY= in the files, one a line.
values() {
	local key=${*: -1}
	grep -h -E "^$key=" "${@:1:$#-1}" | cut -d= -f2- | tr ' ' '\n' | sed '/^$/d'
}

has() { # has VALUE KEY FILE...: KEY= lists VALUE
	local v=$1 key=$2
	shift 2
	values "$@" "$key" | grep -qxF -- "$v" || { echo "# $key= lacks $v in $*" >&2; return 1; }
}

lacks() { # lacks LINE FILE: no such line
	! grep -qxF -- "$1" "$2" || { echo "# $2 has $1" >&2; return 1; }
}

# Shutdown order: the reverse of a topological order over After=/Before=
# (teevard.service with the split drop-in). Prints the units as they stop.
stop_order() {
	python3 - "$TMP/split" <<'PY'
import glob, os, sys
d = sys.argv[1]
after = {}  # unit -> units it starts after
for path in glob.glob(os.path.join(d, "*.service")) + glob.glob(os.path.join(d, "*.d", "*.conf")):
    # a drop-in "teevard.service.d/x.conf" belongs to teevard.service
    if path.endswith(".conf"):
        unit = os.path.basename(os.path.dirname(path))[:-2]
    else:
        unit = os.path.basename(path)
    for line in open(path):
        key, _, val = line.strip().partition("=")
        for other in val.split():
            if key == "After":
                after.setdefault(unit, set()).add(other)
            elif key == "Before":
                after.setdefault(other, set()).add(unit)
units = sorted({u for u in after} | {v for s in after.values() for v in s})
order, seen = [], set()
def visit(u, path=()):
    if u in path:
        sys.exit("cycle: " + " -> ".join(path + (u,)))
    if u in seen:
        return
    for v in sorted(after.get(u, ())):
        visit(v, path + (u,))
    seen.add(u)
    order.append(u)
for u in units:
    visit(u)
print(" ".join(reversed(order)))
PY
}

t_verify_default() { stage "$TMP/default" && verify "$TMP/default"; }
t_verify_split() { stage "$TMP/split" split && verify "$TMP/split"; }

# verify would catch the classic mistake: the route ordered after its user.
t_verify_catches_cycle() {
	stage "$TMP/cycle" split
	sed -i 's/^Before=teevard.service/Before=teevard.service\nAfter=teevard.service/' \
		"$TMP/cycle/teevar-supplicant.service"
	! verify "$TMP/cycle" 2>"$TMP/cycle.err" && grep -q 'ordering cycle' "$TMP/cycle.err"
}

t_route_before_teevard() {
	has teevar-supplicant.service After "$UNITS/teevard.service" &&
		has teevard.service Before "$UNITS/teevar-supplicant.service" &&
		lacks "After=teevard.service" "$UNITS/teevar-supplicant.service"
}

t_split_dropin() {
	local f=$UNITS/teevard-split.conf s=$UNITS/teevar-supplicant.service
	has teevar-supplicant.service Wants "$f" &&
		grep -qF -- '--rpmb supplicant --supplicant /run/teevar/supplicant.sock' "$f" &&
		grep -qF -- '--socket /run/teevar/supplicant.sock' "$s" &&
		grep -qF -- '$TEEVARD_ROUTE' "$UNITS/teevard.service"
}

t_writer_after_teevard() {
	local f=$UNITS/examples/teevar-shutdown-stamp.service
	has teevard.service After "$f" && has teevard.service Requires "$f" &&
		grep -q '^ExecStop=.*--tee unix:/run/teevar/teevard.sock set ' "$f"
}

t_stop_order() {
	local order
	order=$(stop_order) || return 1
	echo "# stop order: $order"
	[[ $order == *"teevar-shutdown-stamp.service teevard.service teevar-supplicant.service"* ]]
}

t_lifecycle_settings() {
	local u
	for u in teevard teevar-supplicant; do
		has notify Type "$UNITS/$u.service" &&
			has teevar RuntimeDirectory "$UNITS/$u.service" &&
			has yes RuntimeDirectoryPreserve "$UNITS/$u.service" || return 1
		local stop
		stop=$(values "$UNITS/$u.service" TimeoutStopSec | sed 's/s$//')
		[ "${stop:-0}" -ge 30 ] || { echo "# $u: TimeoutStopSec $stop" >&2; return 1; }
	done
	has teevar StateDirectory "$UNITS/teevard.service" &&
		grep -qF -- '--state /var/lib/teevar --socket /run/teevar/teevard.sock' \
			"$UNITS/teevard.service" &&
		has teevar-supplicant StateDirectory "$UNITS/teevar-supplicant.service" &&
		grep -qF -- '--image /var/lib/teevar-supplicant/rpmb.img' \
			"$UNITS/teevar-supplicant.service"
}

# The supplicant must reach /dev/mmcblkNrpmb.
t_supplicant_devices() {
	local f=$UNITS/teevar-supplicant.service
	! grep -qE '^(PrivateDevices=yes|DevicePolicy=|DeviceAllow=)' "$f" &&
		! grep -qE '^(Protect|Read|Inaccessible)[A-Za-z]*=.*/dev' "$f"
}

help_has() { # help_has BINARY OPTION...
	local bin=$1 help
	shift
	help=$("$bin" --help 2>&1) || return 1
	for o in "$@"; do
		grep -qF -- "$o" <<<"$help" || { echo "# $bin --help lacks $o" >&2; return 1; }
	done
}

t_options_exist() {
	help_has "$TEEVARD" --state --socket --rpmb --supplicant &&
		help_has "$SUPPLICANT" --socket --image --rpmb-cid --rpmb-dev &&
		help_has "$TEEVAR" --tee
}

# notify_wait SOCK: the first datagram on SOCK (READY=1 expected), within 20 s.
notify_listen() {
	python3 - "$1" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(20)
try:
    print(s.recv(4096).decode(errors="replace"), flush=True)
except OSError:
    print("TIMEOUT", flush=True)
PY
}

# ready_then_stop NAME CMD...: CMD sends READY=1 and exits 0 on SIGTERM.
ready_then_stop() {
	local name=$1 sock=$TMP/$1.notify out=$TMP/$1.ready
	shift
	notify_listen "$sock" >"$out"
	local listener=$!
	for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
	NOTIFY_SOCKET=$sock "$@" >"$TMP/$name.log" 2>&1 &
	local pid=$!
	PIDS+=("$pid")
	wait "$listener"
	grep -q 'READY=1' "$out" || { echo "# $name: no READY=1: $(cat "$out")" >&2; return 1; }
	kill -TERM "$pid"
	local rc=0
	wait "$pid" || rc=$?
	PIDS=() # reaped: nothing left to kill
	if [ "$rc" -ne 0 ]; then
		echo "# $name: exit $rc after SIGTERM" >&2
		sed 's/^/#   /' "$TMP/$name.log" >&2
		return 1
	fi
}

t_daemons_notify() {
	mkdir -p "$TMP/run" "$TMP/state" "$TMP/supp"
	ready_then_stop supplicant "$SUPPLICANT" --socket "$TMP/run/supplicant.sock" \
		--image "$TMP/supp/rpmb.img" --size-mult 2 --no-sync &&
		ready_then_stop teevard "$TEEVARD" --state "$TMP/state" \
			--socket "$TMP/run/teevard.sock" --emu-size-mult 2 --no-sync
}

# teevarfs: a variable writer of teevard's (Requires= + After=, so it
# unmounts before teevard stops); the board unit after the OS's supplicant;
# both only where the kernel's efivarfs is not mounted; no option that gives
# the service a mount namespace of its own (its FUSE mount would be invisible).
t_teevarfs_units() {
	local f=$UNITS/teevarfs.service o=$UNITS/teevarfs-optee.service u
	has teevard.service Requires "$f" && has teevard.service After "$f" &&
		grep -qF -- '--tee unix:/run/teevar/teevard.sock' "$f" &&
		grep -qF -- '--tee optee:/dev/tee0' "$o" &&
		has tee-supplicant.service After "$o" && has teevar-tee-supplicant.service After "$o" &&
		has teevarfs.service Conflicts "$o" && has teevarfs-optee.service Conflicts "$f" || return 1
	for u in "$f" "$o"; do
		has '!/sys/firmware/efi/efivars' ConditionPathIsMountPoint "$u" &&
			has forking Type "$u" &&
			grep -q '^ExecStart=.* /sys/firmware/efi/efivars$' "$u" || return 1
		! grep -qE '^(ProtectSystem|ProtectHome|PrivateTmp|PrivateDevices|PrivateMounts|ProtectKernel[A-Za-z]*|ProtectControlGroups|ReadOnlyPaths|ReadWritePaths|InaccessiblePaths|TemporaryFileSystem|BindPaths|MountFlags)=' "$u" ||
			{ echo "# $u: a mount namespace would hide the mount" >&2; return 1; }
	done
	help_has "$TEEVARFS" --tee unix: optee: -o
}

t_teevarfs_stops_first() {
	local order
	order=$(stop_order) || return 1
	[[ $order == *"teevarfs.service"*"teevard.service"* ]] &&
		[[ $order == *"teevarfs-optee.service"*"tee-supplicant.service"* ]]
}

t "systemd-analyze verify: teevard (embedded default), supplicant, writer example" t_verify_default
t "systemd-analyze verify: the split topology (teevard.service.d/split.conf)" t_verify_split
t "verify catches a route ordered after teevard (ordering cycle)" t_verify_catches_cycle
t "teevard starts after the route and stops before it" t_route_before_teevard
t "split drop-in: Wants= the supplicant, --supplicant on its socket" t_split_dropin
t "a variable writer starts after teevard and stops before it" t_writer_after_teevard
t "shutdown order: writer, then teevard, then the route" t_stop_order
t "Type=notify, shared /run/teevar kept, state directories, stop timeouts" t_lifecycle_settings
t "the supplicant's hardening leaves RPMB devices reachable" t_supplicant_devices
t "the options in ExecStart exist (--help of the built daemons)" t_options_exist
t "both daemons send READY=1 and stop with exit 0 on SIGTERM" t_daemons_notify
t "teevarfs units: after teevard / the TEE supplicant, only without efivarfs, no mount namespace" t_teevarfs_units
t "teevarfs stops before teevard and before the TEE supplicant" t_teevarfs_stops_first
tap_end
