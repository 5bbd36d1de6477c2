#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The OS's own TEE supplicant and the units around it, as TAP: Debian 12's
# tee-supplicant.service (3.19.0-1, a verbatim fixture) with and without
# teevar's drop-in (dist/systemd/tee-supplicant.service.d/teevar-order.conf),
# and teevar-tee-supplicant.service. `systemd-analyze verify` on each, then
# the merged dependencies as systemd's own loader sees them (`systemd --test
# --system`, which loads the units, builds the boot transaction for
# multi-user.target and dumps every unit; it refuses to run as root, so it
# runs as nobody): the start-up and shutdown order against an efivarfs writer.
# Usage: test_tee_supplicant_units.sh DIST_DIR FIXTURE_DIR TEEVAR_SUPPLICANT
set -uo pipefail

DIST=${1:?usage: test_tee_supplicant_units.sh DIST_DIR FIXTURE_DIR TEEVAR_SUPPLICANT}
FIXTURE=${2:?}
SUPPLICANT=${3:?}
DEBIAN_SHA256=dee7c49b8cf4084b605e5ade68dedcd470cf53f14c5fa9196f81c36e02802441

if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "1..0 # SKIP systemd-analyze not installed (Debian package systemd)"
	exit 0
fi
SYSTEMD=
for f in /usr/lib/systemd/systemd /lib/systemd/systemd; do
	[ -x "$f" ] && SYSTEMD=$f && break
done
VENDOR=
for d in /usr/lib/systemd/system /lib/systemd/system; do
	[ -f "$d/sysinit.target" ] && VENDOR=$d && break
done

# In /tmp, not $TMPDIR: systemd --test reads the units as nobody.
TMP=$(mktemp -d /tmp/tee-supplicant-units.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
chmod 755 "$TMP"
export SYSTEMD_LOG_LEVEL=notice SYSTEMD_LOG_COLOR=0

# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
skip() {
	N=$((N + 1))
	echo "ok $N - $1 # SKIP $2"
}

# Stubs for the binaries the units name, so that verify finds them executable.
mkdir -p "$TMP/bin"
printf '#!/bin/sh\nexit 0\n' >"$TMP/bin/tee-supplicant"
chmod 755 "$TMP/bin/tee-supplicant"

# stage DIR [dropin|teevar|nodefault]: a unit directory as an installed system
# would have it: Debian's unit (ExecStart on a stub), enabled in
# multi-user.target like its postinst does, and an efivarfs writer (a plain
# unit with the default dependencies that writes a variable from ExecStop,
# e.g. a boot counter). "dropin" adds teevar's drop-ins; "nodefault" adds them
# without DefaultDependencies=no; "teevar" enables teevar-tee-supplicant
# instead of Debian's unit. The helpers point at dist/libexec/.
stage() {
	local dir=$1 mode=${2:-}
	mkdir -p "$dir/multi-user.target.wants" "$dir/sysinit.target.wants"
	sed "s|^ExecStart=/usr/sbin/tee-supplicant|ExecStart=$TMP/bin/tee-supplicant|" \
		"$FIXTURE/tee-supplicant.service" >"$dir/tee-supplicant.service"
	cat >"$dir/efivar-writer.service" <<-'EOF'
		[Unit]
		Description=an efivarfs writer (a boot counter written at shutdown)

		[Service]
		Type=oneshot
		RemainAfterExit=yes
		ExecStart=/bin/true
		ExecStop=/bin/sh -c 'printf "\\007\\000\\000\\000\\001" >/sys/firmware/efi/efivars/BootCount-7e0a5d64-3c2b-4f6e-9a1d-2b8c4e6f0a13'

		[Install]
		WantedBy=multi-user.target
	EOF
	ln -s ../efivar-writer.service "$dir/multi-user.target.wants/"
	case $mode in
	dropin | nodefault | teevar)
		mkdir -p "$dir/tee-supplicant.service.d" "$dir/dev-teepriv0.device.d"
		sed "s|/usr/libexec/teevar/|$DIST/libexec/|" \
			"$DIST/systemd/tee-supplicant.service.d/teevar-order.conf" \
			>"$dir/tee-supplicant.service.d/teevar-order.conf"
		cp "$DIST/systemd/dev-teepriv0.device.d/teevar-timeout.conf" "$dir/dev-teepriv0.device.d/"
		;;
	esac
	[ "$mode" = nodefault ] && sed -i '/^DefaultDependencies=no$/d' \
		"$dir/tee-supplicant.service.d/teevar-order.conf"
	if [ "$mode" = teevar ]; then
		sed -e "s|^ExecStart=/usr/local/bin/teevar-supplicant |ExecStart=$SUPPLICANT |" \
			-e "s|/usr/libexec/teevar/|$DIST/libexec/|" \
			"$DIST/systemd/teevar-tee-supplicant.service" >"$dir/teevar-tee-supplicant.service"
		ln -s ../teevar-tee-supplicant.service "$dir/sysinit.target.wants/"
	else
		ln -s ../tee-supplicant.service "$dir/multi-user.target.wants/"
	fi
	chmod -R a+rX "$dir"
}

# verify DIR UNIT...: systemd-analyze verify passes with no message at all.
verify() {
	local dir=$1 out rc=0
	shift
	out=$(cd "$dir" && systemd-analyze verify --man=no "$@" 2>&1) || rc=$?
	if [ "$rc" -ne 0 ] || [ -n "$out" ]; then
		echo "# verify: exit $rc" >&2
		printf '%s\n' "$out" | sed 's/^/#   /' >&2
		return 1
	fi
}

# load DIR: systemd's own loader on DIR + the vendor units: the boot
# transaction of multi-user.target, every loaded unit dumped, in DIR/dump.
# Prints systemd's messages; fails if it fails (e.g. an ordering cycle).
load() {
	local dir=$1 run=()
	[ "$(id -u)" -eq 0 ] && run=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	(cd / && HOME=/ SYSTEMD_UNIT_PATH="$dir:$VENDOR" "${run[@]}" "$SYSTEMD" --test --system \
		--unit=multi-user.target --no-pager >"$dir/dump" 2>"$dir/load.err")
	local rc=$?
	[ "$rc" -eq 0 ] || sed 's/^/#   /' "$dir/load.err" >&2
	return "$rc"
}
can_load() {
	[ -n "$SYSTEMD" ] && [ -n "$VENDOR" ] || return 1
	[ "$(id -u)" -ne 0 ] && return 0
	# as nobody, which must reach $TMP
	command -v setpriv >/dev/null 2>&1 &&
		setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$TMP/bin/tee-supplicant"
}

# deps DIR: the dump as "UNIT KEY VALUE" lines: the dependencies (After,
# Before, Wants, Requires, Conflicts, RequiresMountsFor), DefaultDependencies,
# Type and the command lines (ExecStart, ExecStartPost, ExecStop).
deps() {
	python3 - "$1/dump" <<'PY'
import re, sys
unit = exe = None
for line in open(sys.argv[1]):
    m = re.match(r"^\t-> Unit (\S+):$", line)
    if m:
        unit, exe = m.group(1), None
        continue
    if unit is None:
        continue
    m = re.match(r"^\t\t-> (Exec\w+):$", line)
    if m:
        exe = m.group(1)
        continue
    m = re.match(r"^\t\t\tCommand Line: (.*)$", line)
    if m and exe:
        print(unit, exe, m.group(1).replace('\\$', '$').replace('"', ''))
        continue
    m = re.match(r"^\t\t(After|Before|Wants|Requires|Conflicts|RequiresMountsFor|"
                 r"DefaultDependencies|Type|DropIn Path): (\S+)", line)
    if m:
        print(unit, m.group(1).replace(" ", ""), m.group(2))
PY
}

# starts_after DIR A B: in the loaded transaction, A is ordered after B
# (a chain of After= edges): A starts after B and stops before it.
starts_after() {
	python3 - "$1/deps" "$2" "$3" <<'PY'
import sys
after = {}
for line in open(sys.argv[1]):
    u, k, v = line.split(" ", 2)
    if k == "After":
        after.setdefault(u, set()).add(v.strip())
seen, todo = set(), [sys.argv[2]]
while todo:
    u = todo.pop()
    for v in after.get(u, ()):
        if v == sys.argv[3]:
            sys.exit(0)
        if v not in seen:
            seen.add(v)
            todo.append(v)
sys.exit(1)
PY
}

has() { # has DIR "UNIT KEY VALUE": that line is in DIR/deps
	grep -qxF -- "$2" "$1/deps" || { echo "# missing: $2" >&2; return 1; }
}
hasnt() { # hasnt DIR "UNIT KEY" [VALUE]: no such line
	! grep -q -- "^$2${3:+ $3}\( \|$\)" "$1/deps" || { echo "# present: $2 $3" >&2; return 1; }
}

# --- the fixture and systemd-analyze verify ---------------------------------

t_fixture_verbatim() {
	local sum
	sum=$(sha256sum "$FIXTURE/tee-supplicant.service" | cut -d' ' -f1)
	[ "$sum" = "$DEBIAN_SHA256" ] || { echo "# sha256 $sum" >&2; return 1; }
	grep -qx 'Type=simple' "$FIXTURE/tee-supplicant.service" &&
		grep -qx 'ExecStart=/usr/sbin/tee-supplicant' "$FIXTURE/tee-supplicant.service"
}

t_verify_debian() { stage "$TMP/debian" && verify "$TMP/debian" tee-supplicant.service efivar-writer.service; }
t_verify_dropin() { stage "$TMP/dropin" dropin && verify "$TMP/dropin" tee-supplicant.service efivar-writer.service; }
t_verify_teevar() {
	stage "$TMP/teevar" teevar && verify "$TMP/teevar" teevar-tee-supplicant.service tee-supplicant.service
}

# Before=sysinit.target with the default dependencies (After=sysinit.target)
# is an ordering cycle: why the drop-in says DefaultDependencies=no.
t_verify_catches_default_deps() {
	stage "$TMP/nodefault" nodefault
	! verify "$TMP/nodefault" tee-supplicant.service 2>"$TMP/nodefault.err" &&
		grep -q 'ordering cycle' "$TMP/nodefault.err"
}

# efivarfs is an API file system: PID 1 mounts it itself before any unit
# (on an EFI boot) and refuses a mount unit for it, so there is no
# sys-firmware-efi-efivars.mount to order the supplicant against.
t_no_efivarfs_mount_unit() {
	mkdir -p "$TMP/api"
	printf '[Mount]\nWhat=efivarfs\nWhere=/sys/firmware/efi/efivars\nType=efivarfs\n' \
		>"$TMP/api/sys-firmware-efi-efivars.mount"
	! verify "$TMP/api" sys-firmware-efi-efivars.mount 2>"$TMP/api.err" &&
		grep -q 'Cannot create mount unit for API file system /sys/firmware/efi/efivars' "$TMP/api.err"
}

# --- the merged dependencies (systemd's loader) -----------------------------

# Debian's unit alone: what is missing (docs/lifecycle.md).
t_debian_order_missing() {
	local d=$TMP/debian s=tee-supplicant.service
	load "$d" && deps "$d" >"$d/deps" || return 1
	has "$d" "$s DefaultDependencies yes" &&
		has "$d" "$s After sysinit.target" && has "$d" "$s After basic.target" &&
		has "$d" "$s Type simple" &&
		hasnt "$d" "$s After" dev-teepriv0.device && hasnt "$d" "$s Wants" dev-teepriv0.device &&
		hasnt "$d" "$s ExecStop" && hasnt "$d" "$s ExecStartPost" || return 1
	# The writer and the supplicant are not ordered: at shutdown systemd
	# stops them at the same time, the writer's variable can find the route
	# gone (EIO).
	! starts_after "$d" efivar-writer.service "$s" && ! starts_after "$d" "$s" efivar-writer.service
}

t_dropin_order() {
	local d=$TMP/dropin s=tee-supplicant.service
	load "$d" && deps "$d" >"$d/deps" || return 1
	has "$d" "$s DropInPath $d/tee-supplicant.service.d/teevar-order.conf" &&
		has "$d" "$s DefaultDependencies no" &&
		has "$d" "$s Wants dev-teepriv0.device" && has "$d" "$s After dev-teepriv0.device" &&
		has "$d" "$s Before sysinit.target" && has "$d" "$s Before shutdown.target" &&
		has "$d" "$s Conflicts shutdown.target" &&
		hasnt "$d" "$s After" sysinit.target && hasnt "$d" "$s After" basic.target &&
		has "$d" "$s ExecStart $TMP/bin/tee-supplicant" &&
		has "$d" "$s ExecStartPost $DIST/libexec/tee-supplicant-wait-bound \$MAINPID" &&
		has "$d" "$s ExecStop $DIST/libexec/tee-supplicant-unbind" &&
		has "$d" "dev-teepriv0.device DropInPath $d/dev-teepriv0.device.d/teevar-timeout.conf"
}

# With the drop-in every service with the default dependencies, the writer
# among them, starts after the supplicant and so stops before it.
t_dropin_writers_after() {
	local d=$TMP/dropin s=tee-supplicant.service u n=0
	[ -s "$d/deps" ] || return 1
	starts_after "$d" efivar-writer.service "$s" || { echo "# writer not after $s" >&2; return 1; }
	! starts_after "$d" "$s" efivar-writer.service || return 1
	for u in $(awk '$2 == "DefaultDependencies" && $3 == "yes" && $1 ~ /\.service$/ { print $1 }' "$d/deps"); do
		starts_after "$d" "$u" "$s" || { echo "# $u is not after $s" >&2; return 1; }
		n=$((n + 1))
	done
	echo "# $n services with the default dependencies start after the supplicant"
	[ "$n" -ge 2 ]
}

t_teevar_unit_order() {
	local d=$TMP/teevar s=teevar-tee-supplicant.service f=$DIST/systemd/teevar-tee-supplicant.service
	load "$d" && deps "$d" >"$d/deps" || return 1
	has "$d" "$s DefaultDependencies no" && has "$d" "$s Type notify" &&
		has "$d" "$s Wants dev-teepriv0.device" && has "$d" "$s After dev-teepriv0.device" &&
		has "$d" "$s After local-fs.target" &&
		has "$d" "$s RequiresMountsFor /var/lib/teevar-supplicant" &&
		has "$d" "$s Before sysinit.target" && has "$d" "$s Before shutdown.target" &&
		has "$d" "$s Conflicts shutdown.target" && has "$d" "$s Conflicts tee-supplicant.service" &&
		has "$d" "$s ExecStart $SUPPLICANT --tee-dev /dev/teepriv0 \$TEEVAR_RPMB" &&
		has "$d" "$s ExecStop $DIST/libexec/tee-supplicant-unbind" &&
		starts_after "$d" efivar-writer.service "$s" || return 1
	# The helpers write to /sys and (un)mount efivarfs: outside the sandbox.
	grep -qx 'ExecStartPost=-+/usr/libexec/teevar/tee-supplicant-wait-bound $MAINPID' "$f" &&
		grep -qx 'ExecStop=-+/usr/libexec/teevar/tee-supplicant-unbind' "$f" &&
		grep -qx 'ExecStartPost=-/usr/libexec/teevar/tee-supplicant-wait-bound $MAINPID' \
			"$DIST/systemd/tee-supplicant.service.d/teevar-order.conf" &&
		grep -qx 'ExecStop=-/usr/libexec/teevar/tee-supplicant-unbind' \
			"$DIST/systemd/tee-supplicant.service.d/teevar-order.conf"
}

t_device_unit_rules() {
	grep -qx 'SUBSYSTEM=="tee", KERNEL=="teepriv\[0-9\]\*", TAG+="systemd"' \
		"$DIST/udev/60-teevar-teepriv.rules" &&
		grep -qx 'JobRunningTimeoutSec=20s' "$DIST/systemd/dev-teepriv0.device.d/teevar-timeout.conf"
}

t "the fixture is Debian's tee-supplicant.service 3.19.0-1, verbatim" t_fixture_verbatim
t "systemd-analyze verify: Debian's unit as shipped" t_verify_debian
t "systemd-analyze verify: Debian's unit with teevar-order.conf" t_verify_dropin
t "systemd-analyze verify: teevar-tee-supplicant.service" t_verify_teevar
t "verify catches Before=sysinit.target kept with the default dependencies (cycle)" \
	t_verify_catches_default_deps
t "systemd refuses a mount unit for efivarfs (an API file system)" t_no_efivarfs_mount_unit
if can_load; then
	t "Debian's unit alone: late start, no device, no ExecStop, writers not ordered" t_debian_order_missing
	t "with the drop-in: teepriv0, before sysinit.target, stops at shutdown, the helpers" t_dropin_order
	t "with the drop-in: every default-dependency service starts after it, stops before" \
		t_dropin_writers_after
	t "teevar-tee-supplicant.service: the same order, after local-fs, one supplicant" t_teevar_unit_order
else
	for d in "Debian's unit alone" "with the drop-in (order)" "with the drop-in (writers)" \
		"teevar-tee-supplicant.service"; do
		skip "$d" "systemd --test not usable here (no systemd binary or vendor units; as root: no setpriv, or nobody cannot read $TMP)"
	done
fi
t "udev makes teepriv devices systemd units; the device wait is bounded" t_device_unit_rules
if "$SUPPLICANT" --help 2>&1 | grep -qF -- --tee-dev; then
	t "teevar-supplicant --help has --tee-dev" true
else
	skip "teevar-supplicant --help has --tee-dev" "this teevar-supplicant has no TEE mode yet"
fi
tap_end
