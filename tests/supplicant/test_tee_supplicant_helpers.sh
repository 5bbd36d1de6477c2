#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The helpers the supplicant's units run (dist/libexec/), as TAP, on a fake
# sysfs, procfs and mount table, with mount/umount replaced by stubs that log
# their arguments: tee-supplicant-unbind (ExecStop=) unmounts efivarfs and
# writes each bound device that has need_supplicant, and only those, to its
# driver's unbind; tee-supplicant-wait-bound (ExecStartPost=) waits for the
# supplicant to open /dev/teepriv*, re-probes, waits for the binding and
# mounts efivarfs. Each case runs under every POSIX shell found (dash, as
# Debian's /bin/sh; busybox sh, as the QEMU guest's; bash --posix).
# Usage: test_tee_supplicant_helpers.sh LIBEXEC_DIR
set -uo pipefail

LIBEXEC=${1:?usage: test_tee_supplicant_helpers.sh LIBEXEC_DIR}
UNBIND=$LIBEXEC/tee-supplicant-unbind
WAIT=$LIBEXEC/tee-supplicant-wait-bound

TMP=$(mktemp -d)
KERNEL_PID=
cleanup() {
	[ -n "$KERNEL_PID" ] && kill "$KERNEL_PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

SHELLS=()
command -v dash >/dev/null && SHELLS+=("dash")
command -v busybox >/dev/null && SHELLS+=("busybox sh")
SHELLS+=("bash --posix")

# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"

STMM=optee-ta-ed32d533-99e6-4209-9cc0-2d72cdd998a7 # StMM: tee_stmm_efi binds it
FTPM=optee-ta-bc50d971-d4c9-42c4-82cb-343fb7f37896 # fTPM: tpm_ftpm_tee
RNG=optee-ta-ab7a617c-b8e7-4d8f-8301-d09b61036b64  # OP-TEE's RNG: no supplicant
LOOSE=optee-ta-00000000-0000-0000-0000-000000000001 # needs it, no driver

# world: a fresh fake machine in $W: sysfs (the devices above, StMM and fTPM
# bound, RNG bound, LOOSE not), an EFI boot, the supplicant as pid 4242 with
# /dev/teepriv0 open, efivarfs mounted, stub mount/umount on PATH.
world() {
	W=$TMP/w$N
	rm -rf "$W"
	local s=$W/sys/bus/tee d
	mkdir -p "$s/devices" "$W/sys/firmware/efi" "$W/proc/4242/fd" "$W/bin"
	for d in tee-stmm-efi ftpm-tee optee-rng; do
		mkdir -p "$s/drivers/$d"
		: >"$s/drivers/$d/unbind"
	done
	: >"$s/drivers_probe"
	for d in $STMM $FTPM $RNG $LOOSE; do mkdir "$s/devices/$d"; done
	for d in $STMM $FTPM $LOOSE; do : >"$s/devices/$d/need_supplicant"; done
	ln -s ../../drivers/tee-stmm-efi "$s/devices/$STMM/driver"
	ln -s ../../drivers/ftpm-tee "$s/devices/$FTPM/driver"
	ln -s ../../drivers/optee-rng "$s/devices/$RNG/driver"
	ln -s /dev/null "$W/proc/4242/fd/0"
	ln -s /dev/teepriv0 "$W/proc/4242/fd/3"
	printf '%s\n' 'sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0' \
		'efivarfs /sys/firmware/efi/efivars efivarfs rw,nosuid,nodev,noexec,relatime 0 0' >"$W/mounts"
	# The stubs log their arguments and, for umount, whether StMM was still
	# bound when efivarfs went away.
	cat >"$W/bin/umount" <<-EOF
		#!/bin/sh
		echo "umount \$* stmm-unbind=[\$(cat $s/drivers/tee-stmm-efi/unbind 2>/dev/null)]" >>$W/calls
		exit \${FAKE_UMOUNT_RC:-0}
	EOF
	cat >"$W/bin/mount" <<-EOF
		#!/bin/sh
		echo "mount \$*" >>$W/calls
		exit \${FAKE_MOUNT_RC:-0}
	EOF
	chmod 755 "$W/bin/umount" "$W/bin/mount"
	: >"$W/calls"
}

# run SHELL SCRIPT ARGS...: the helper under SHELL in the fake world; its exit
# status in RC, stderr in $W/log, elapsed whole seconds in SECS.
run() {
	local sh=$1
	shift
	local t0=$SECONDS
	# shellcheck disable=SC2086 # "busybox sh" is two words
	(cd "$W" && PATH="$W/bin:$PATH" TEEVAR_SYSFS=$W/sys TEEVAR_PROC=$W/proc TEEVAR_MOUNTS=$W/mounts \
		$sh "$@" >"$W/out" 2>"$W/log")
	RC=$?
	SECS=$((SECONDS - t0))
}

logs() { # logs TEXT: the helper logged TEXT
	grep -qF -- "$1" "$W/log" || { echo "# log lacks: $1" >&2; sed 's/^/#   /' "$W/log" >&2; return 1; }
}
content() { # content FILE TEXT: FILE holds exactly TEXT (a line) or is empty
	local want=$2 got
	got=$(cat "$1")
	[ "$got" = "$want" ] || { echo "# $1: '$got', expected '$want'" >&2; return 1; }
}
calls() { content "$W/calls" "$1"; }
unbound_names() { # the names written to each driver's unbind
	content "$W/sys/bus/tee/drivers/tee-stmm-efi/unbind" "$1" &&
		content "$W/sys/bus/tee/drivers/ftpm-tee/unbind" "$2" &&
		content "$W/sys/bus/tee/drivers/optee-rng/unbind" ""
}
rc() { [ "$RC" -eq "$1" ] || { echo "# exit $RC, expected $1" >&2; sed 's/^/#   /' "$W/log" >&2; return 1; }; }

# fake_kernel: binds a device to tee-stmm-efi once its name is written to
# drivers_probe (as the driver core would), in the background.
fake_kernel() {
	local s=$W/sys/bus/tee
	(
		for _ in $(seq 100); do
			if grep -qx "$STMM" "$s/drivers_probe" 2>/dev/null; then
				sleep 0.2
				ln -s ../../drivers/tee-stmm-efi "$s/devices/$STMM/driver"
				exit 0
			fi
			sleep 0.05
		done
	) &
	KERNEL_PID=$!
}

# --- tee-supplicant-unbind ------------------------------------------------

u_unbinds_need_supplicant_only() {
	world
	run "$1" "$UNBIND"
	rc 0 && unbound_names "$STMM" "$FTPM" &&
		logs "unbound $STMM from tee-stmm-efi" && logs "unbound $FTPM from ftpm-tee" &&
		logs "$LOOSE needs the supplicant, no driver bound" && ! grep -q "$RNG" "$W/log"
}

# efivarfs goes first, while StMM is still bound.
u_unmounts_efivarfs_first() {
	world
	run "$1" "$UNBIND"
	rc 0 && calls "umount /sys/firmware/efi/efivars stmm-unbind=[]" &&
		logs "unmounted efivarfs from /sys/firmware/efi/efivars" && unbound_names "$STMM" "$FTPM"
}

u_efivarfs_not_mounted() {
	world
	sed -i '/efivarfs/d' "$W/mounts"
	run "$1" "$UNBIND"
	rc 0 && calls "" && unbound_names "$STMM" "$FTPM"
}

u_efivarfs_left_alone() {
	world
	TEEVAR_EFIVARFS='' run "$1" "$UNBIND"
	rc 0 && calls "" && unbound_names "$STMM" "$FTPM"
}

u_umount_fails() {
	world
	FAKE_UMOUNT_RC=32 run "$1" "$UNBIND"
	rc 1 && logs "could not unmount efivarfs from /sys/firmware/efi/efivars" &&
		unbound_names "$STMM" "$FTPM"
}

u_unbind_fails() {
	world
	rm "$W/sys/bus/tee/drivers/tee-stmm-efi/unbind"
	mkdir "$W/sys/bus/tee/drivers/tee-stmm-efi/unbind" # a write fails, even as root
	run "$1" "$UNBIND"
	rc 1 && logs "could not unbind $STMM from tee-stmm-efi" &&
		content "$W/sys/bus/tee/drivers/ftpm-tee/unbind" "$FTPM" && logs "unbound $FTPM from ftpm-tee"
}

u_no_tee_bus() {
	world
	rm -rf "$W/sys/bus/tee"
	run "$1" "$UNBIND"
	rc 0 && logs "no TEE bus ($W/sys/bus/tee/devices): nothing to unbind"
}

u_nothing_needs_it() {
	world
	rm "$W/sys/bus/tee/devices/"*/need_supplicant
	run "$1" "$UNBIND"
	rc 0 && logs "no TEE device needs the supplicant" && unbound_names "" ""
}

u_usage() {
	world
	run "$1" "$UNBIND" --now
	rc 2 && logs "unexpected argument: --now" && calls "" && unbound_names "" ""
}

# --- tee-supplicant-wait-bound --------------------------------------------

w_bound_mounts_efivarfs() {
	world
	rm "$W/sys/bus/tee/devices/$LOOSE/need_supplicant"
	sed -i '/efivarfs/d' "$W/mounts"
	run "$1" "$WAIT" 4242
	rc 0 && [ "$SECS" -lt 5 ] && logs "the supplicant (pid 4242) has the TEE device open" &&
		logs "$STMM bound to tee-stmm-efi after" && logs "$FTPM bound to ftpm-tee after" &&
		content "$W/sys/bus/tee/drivers_probe" "" &&
		calls "mount -t efivarfs -o nosuid,nodev,noexec efivarfs /sys/firmware/efi/efivars" &&
		logs "mounted efivarfs on /sys/firmware/efi/efivars"
}

# After a restart: the unbind left StMM without a driver; it is probed again
# once the new supplicant has the device open, and the wait ends when the
# (fake) kernel has bound it.
w_reprobes_after_restart() {
	world
	rm "$W/sys/bus/tee/devices/$STMM/driver" "$W/sys/bus/tee/devices/$LOOSE/need_supplicant"
	sed -i '/efivarfs/d' "$W/mounts"
	fake_kernel
	run "$1" "$WAIT" --timeout 20 4242
	wait "$KERNEL_PID"
	KERNEL_PID=
	rc 0 && [ "$SECS" -lt 10 ] && content "$W/sys/bus/tee/drivers_probe" "$STMM" &&
		logs "probing $STMM again" && logs "$STMM bound to tee-stmm-efi after" &&
		calls "mount -t efivarfs -o nosuid,nodev,noexec efivarfs /sys/firmware/efi/efivars"
}

# Never probe before the supplicant holds the device: the probe would fail.
w_waits_for_the_device_open() {
	world
	rm "$W/sys/bus/tee/devices/$STMM/driver"
	ln -sf /dev/tee0 "$W/proc/4242/fd/3"
	run "$1" "$WAIT" --timeout 1 4242
	rc 0 && [ "$SECS" -ge 1 ] && [ "$SECS" -lt 5 ] &&
		logs "the supplicant (pid 4242) has not opened /dev/teepriv* after 1 s" &&
		content "$W/sys/bus/tee/drivers_probe" "" && calls ""
}

w_supplicant_gone() {
	world
	run "$1" "$WAIT" --timeout 20 4243
	rc 0 && [ "$SECS" -lt 5 ] && logs "the supplicant (pid 4243) is gone" && calls ""
}

w_times_out_unbound() {
	world
	rm "$W/sys/bus/tee/devices/$LOOSE/need_supplicant" "$W/sys/bus/tee/devices/$STMM/driver"
	rm "$W/sys/bus/tee/drivers_probe" && mkdir "$W/sys/bus/tee/drivers_probe" # the probe fails
	sed -i '/efivarfs/d' "$W/mounts"
	TEEVAR_SUPPLICANT_WAIT=1 run "$1" "$WAIT" 4242
	rc 0 && [ "$SECS" -ge 1 ] && [ "$SECS" -lt 5 ] &&
		logs "could not ask the kernel to probe $STMM" && logs "not bound after 1 s: $STMM" && calls ""
}

w_no_device_appears() {
	world
	rm "$W/sys/bus/tee/devices/"*/need_supplicant
	run "$1" "$WAIT" --timeout 1 4242
	rc 0 && logs "no TEE device that needs the supplicant appeared within 1 s" && calls ""
}

w_efivarfs_already_mounted() {
	world
	rm "$W/sys/bus/tee/devices/$LOOSE/need_supplicant"
	run "$1" "$WAIT" 4242
	rc 0 && logs "$STMM bound to tee-stmm-efi" && calls ""
}

w_not_an_efi_boot() {
	world
	rm "$W/sys/bus/tee/devices/$LOOSE/need_supplicant"
	sed -i '/efivarfs/d' "$W/mounts"
	rm -rf "$W/sys/firmware/efi"
	run "$1" "$WAIT" 4242
	rc 0 && logs "$STMM bound to tee-stmm-efi" && calls ""
}

w_without_pid() {
	world
	rm "$W/sys/bus/tee/devices/$STMM/driver" "$W/sys/bus/tee/devices/$LOOSE/need_supplicant"
	run "$1" "$WAIT" --timeout 1
	rc 0 && content "$W/sys/bus/tee/drivers_probe" "" && logs "not bound after 1 s: $STMM"
}

w_no_wait() {
	world
	rm "$W/sys/bus/tee/devices/$STMM/driver"
	TEEVAR_SUPPLICANT_WAIT=0 run "$1" "$WAIT" 4242
	rc 0 && [ "$SECS" -lt 2 ] && logs "not bound after 0 s:"
}

w_usage() {
	world
	local bad
	for bad in "--timeout" "--timeout x 4242" "--timeout -1 4242" "12a" "4242 4243" "--wait 4242"; do
		# shellcheck disable=SC2086 # one argument list a string
		run "$1" "$WAIT" $bad
		rc 2 || { echo "# args: $bad" >&2; return 1; }
	done
	calls "" && content "$W/sys/bus/tee/drivers_probe" ""
}

for sh in "${SHELLS[@]}"; do
	t "[$sh] unbind: only devices with need_supplicant, each to its driver" u_unbinds_need_supplicant_only "$sh"
	t "[$sh] unbind: efivarfs unmounted first, while StMM is bound" u_unmounts_efivarfs_first "$sh"
	t "[$sh] unbind: no efivarfs mounted, no umount" u_efivarfs_not_mounted "$sh"
	t "[$sh] unbind: TEEVAR_EFIVARFS= leaves efivarfs alone" u_efivarfs_left_alone "$sh"
	t "[$sh] unbind: a failed umount is logged, exit 1, the unbinds done" u_umount_fails "$sh"
	t "[$sh] unbind: a failed unbind is logged, exit 1, the others done" u_unbind_fails "$sh"
	t "[$sh] unbind: no TEE bus, nothing to do" u_no_tee_bus "$sh"
	t "[$sh] unbind: no device needs the supplicant" u_nothing_needs_it "$sh"
	t "[$sh] unbind: an argument is a usage error, nothing done" u_usage "$sh"
	t "[$sh] wait: devices bound, efivarfs mounted" w_bound_mounts_efivarfs "$sh"
	t "[$sh] wait: after a restart StMM is probed again and waited for" w_reprobes_after_restart "$sh"
	t "[$sh] wait: no probe before the supplicant opens teepriv" w_waits_for_the_device_open "$sh"
	t "[$sh] wait: the supplicant gone, no wait" w_supplicant_gone "$sh"
	t "[$sh] wait: a device that never binds: timeout, no mount" w_times_out_unbound "$sh"
	t "[$sh] wait: no device that needs the supplicant: timeout" w_no_device_appears "$sh"
	t "[$sh] wait: an efivarfs already mounted stays" w_efivarfs_already_mounted "$sh"
	t "[$sh] wait: not an EFI boot, no mount" w_not_an_efi_boot "$sh"
	t "[$sh] wait: without a PID no probe, only the wait" w_without_pid "$sh"
	t "[$sh] wait: TEEVAR_SUPPLICANT_WAIT=0 does not wait" w_no_wait "$sh"
	t "[$sh] wait: bad arguments are usage errors, nothing done" w_usage "$sh"
done
tap_end
