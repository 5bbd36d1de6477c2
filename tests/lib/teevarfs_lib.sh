# SPDX-License-Identifier: BSD-2-Clause
# shellcheck shell=bash disable=SC2034,SC2153  # sourced; its variables are the callers'
# What the efivarfs shell tests share: teevard on a fresh state directory,
# teevarfs mounted at a plain directory (EFIVARFS_PATH) or, in a private mount
# namespace, at /sys/firmware/efi/efivars over a tmpfs, a `mount` wrapper for
# efitools, loop devices, and one cleanup that runs on every exit (set -e, a
# failed test, SIGINT/SIGTERM) and undoes all of it.
#
# Source it after setting TEEVARD, TEEVAR and TEEVARFS (the binaries); then:
#   tvfs_require [TOOL...]      skip (TAP "1..0 # SKIP why", exit 0) unless root,
#                               /dev/fuse, fusermount3 and every TOOL are there
#   tvfs_init                   scratch dir $TVFS_TMP, the EXIT/INT/TERM trap
#   tvfs_start_teevard [ARG...] teevard on $TVFS_TMP/state (or $TVFS_STATE when
#                               set), socket $TVFS_SOCK, ready when `teevar info`
#                               answers; TVFS_TEE=unix:$TVFS_SOCK
#   tvfs_stop_teevard           SIGTERM it, wait
#   tvfs_cli ARG...             teevar --tee $TVFS_TEE ARG...
#   tvfs_mount DIR [ARG...]     teevarfs --tee $TVFS_TEE ARG... DIR; exports
#                               EFIVARFS_PATH=DIR/ (the trailing slash matters)
#   tvfs_umount DIR             fusermount3 -u (umount -l if that fails)
#   tvfs_mount_wrapper DIR      a directory whose `mount` prints
#                               "efivarfs on DIR type efivarfs (rw)" (efitools);
#                               echoes it, for PATH=$(...):$PATH
#   tvfs_in_namespace CMD...    CMD in a private mount namespace where teevarfs
#                               is mounted at /sys/firmware/efi/efivars over a
#                               tmpfs (EFIVARFS_PATH unset there); its exit code
#   tvfs_gpt_loop               a loop device on a new GPT image with one ESP
#                               in TVFS_LOOP (/dev/loopN, detached by the cleanup)
unset TEEVAR_TEE TEEVAR_STATE

TVFS_GLOBAL=8be4df61-93ca-11d2-aa0d-00e098032b8c
TVFS_TMP=
TVFS_STATE=${TVFS_STATE:-}
TVFS_SOCK=
TVFS_TEE=
TVFS_DPID=
TVFS_MOUNTS=()
TVFS_LOOPS=()
TVFS_NS_PIDFILES=()

tvfs_skip() {
	echo "1..0 # SKIP $*"
	exit 0
}

tvfs_require() {
	[ "$(id -u)" -eq 0 ] || tvfs_skip "needs root (FUSE mounts, loop devices, mount namespaces)"
	[ -c /dev/fuse ] || tvfs_skip "no /dev/fuse"
	local tool
	for tool in fusermount3 "$@"; do
		command -v "$tool" >/dev/null 2>&1 ||
			tvfs_skip "$tool not installed (scripts/install-deps.sh installs it)"
	done
	[ -x "$TEEVARFS" ] || tvfs_skip "teevarfs not built ($TEEVARFS)"
}

tvfs_init() {
	TVFS_TMP=$(mktemp -d /tmp/teevarfs-test.XXXXXX)
	chmod 755 "$TVFS_TMP"
	trap tvfs_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# Everything undone, whatever state the test is in. Never fails.
tvfs_cleanup() {
	local rc=$? m p f
	set +e
	for f in "${TVFS_NS_PIDFILES[@]}"; do
		p=$(cat "$f" 2>/dev/null)
		[ -n "$p" ] && kill -TERM "$p" 2>/dev/null
	done
	for m in "${TVFS_MOUNTS[@]}"; do
		if tvfs_mounted "$m"; then
			fusermount3 -u "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
		fi
	done
	for f in "${TVFS_NS_PIDFILES[@]}"; do
		p=$(cat "$f" 2>/dev/null)
		[ -n "$p" ] && kill -KILL "$p" 2>/dev/null
	done
	if [ -n "$TVFS_DPID" ]; then
		kill -TERM "$TVFS_DPID" 2>/dev/null
		wait "$TVFS_DPID" 2>/dev/null
	fi
	for p in "${TVFS_LOOPS[@]}"; do
		losetup -d "$p" 2>/dev/null
	done
	[ -n "$TVFS_TMP" ] && rm -rf "$TVFS_TMP"
	exit "$rc"
}

tvfs_start_teevard() {
	TVFS_STATE=${TVFS_STATE:-$TVFS_TMP/state}
	TVFS_SOCK=$TVFS_TMP/teevard.sock
	TVFS_TEE=unix:$TVFS_SOCK
	TVFS_LOG=$TVFS_TMP/teevard.log
	"$TEEVARD" --state "$TVFS_STATE" --socket "$TVFS_SOCK" --no-sync "$@" \
		2>>"$TVFS_LOG" </dev/null &
	TVFS_DPID=$!
	local i
	for ((i = 0; i < 600; i++)); do
		if ! kill -0 "$TVFS_DPID" 2>/dev/null; then
			echo "# teevard exited during start-up:" >&2
			sed 's/^/# /' "$TVFS_LOG" >&2
			TVFS_DPID=
			return 1
		fi
		"$TEEVAR" --tee "$TVFS_TEE" info >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	echo "# teevard did not answer" >&2
	return 1
}

tvfs_stop_teevard() {
	[ -n "$TVFS_DPID" ] || return 0
	kill -TERM "$TVFS_DPID" 2>/dev/null
	wait "$TVFS_DPID" 2>/dev/null
	TVFS_DPID=
}

tvfs_cli() { "$TEEVAR" --tee "$TVFS_TEE" "$@"; }

# tvfs_mounted DIR: DIR is a teevarfs mount (in this mount namespace).
tvfs_mounted() {
	local d
	d=$(realpath -m "$1")
	awk -v d="$d" '$2 == d && $3 == "fuse.teevarfs" { f = 1 } END { exit !f }' /proc/mounts
}

tvfs_mount() {
	local dir=$1
	shift
	mkdir -p "$dir"
	TVFS_MOUNTS+=("$dir")
	"$TEEVARFS" --tee "$TVFS_TEE" "$@" "$dir" || {
		echo "# teevarfs $* $dir failed (exit $?)" >&2
		return 1
	}
	tvfs_mounted "$dir" || {
		echo "# teevarfs returned but $dir is not mounted" >&2
		return 1
	}
	export EFIVARFS_PATH=${dir%/}/
}

tvfs_umount() {
	local dir=$1
	tvfs_mounted "$dir" || return 0
	fusermount3 -u "$dir" 2>/dev/null || umount -l "$dir"
}

tvfs_mount_wrapper() {
	local dir=${1%/} bin
	bin=$TVFS_TMP/mountwrap.$RANDOM
	mkdir -p "$bin"
	cat >"$bin/mount" <<-EOF
		#!/bin/sh
		# efitools looks for a line of type efivarfs in \`mount -l\`.
		if [ \$# -eq 0 ] || [ "\$*" = -l ]; then
			echo "efivarfs on $dir type efivarfs (rw,nosuid,nodev,noexec,relatime)"
			exit 0
		fi
		exec /bin/mount "\$@"
	EOF
	chmod 755 "$bin/mount"
	echo "$bin"
}

# tvfs_in_namespace CMD...: teevarfs (foreground, its pid in a file the
# cleanup kills) at /sys/firmware/efi/efivars over a tmpfs in a new private
# mount namespace, then CMD there; unmounted when CMD ends. Exports TEEVARFS
# and TVFS_TEE to CMD; TVFS_NS_OPTS holds extra teevarfs options.
tvfs_in_namespace() {
	local pidfile
	pidfile=$TVFS_TMP/ns-teevarfs.$RANDOM.pid
	TVFS_NS_PIDFILES+=("$pidfile")
	export TEEVARFS TVFS_TEE
	# shellcheck disable=SC2016  # expanded by the inner bash
	TVFS_NS_PIDFILE=$pidfile TVFS_NS_OPTS=${TVFS_NS_OPTS:-} \
		unshare -m --propagation private -- bash -c '
		set -u
		unset EFIVARFS_PATH
		ev=/sys/firmware/efi/efivars
		mount -t tmpfs -o mode=755 tvfs-firmware /sys/firmware || exit 120
		mkdir -p "$ev"
		# shellcheck disable=SC2086
		"$TEEVARFS" --tee "$TVFS_TEE" $TVFS_NS_OPTS -f "$ev" 2>"$TVFS_NS_PIDFILE.log" &
		tfs=$!
		echo "$tfs" >"$TVFS_NS_PIDFILE"
		finish() {
			umount "$ev" 2>/dev/null || umount -l "$ev" 2>/dev/null
			kill -TERM "$tfs" 2>/dev/null
			wait "$tfs" 2>/dev/null
		}
		trap finish EXIT
		for ((i = 0; i < 600; i++)); do
			grep -q " $ev fuse.teevarfs " /proc/mounts && break
			kill -0 "$tfs" 2>/dev/null || { cat "$TVFS_NS_PIDFILE.log" >&2; exit 121; }
			sleep 0.05
		done
		grep -q " $ev fuse.teevarfs " /proc/mounts || exit 122
		"$@"
	' tvfs-ns "$@"
}

tvfs_gpt_loop() {
	local img=$TVFS_TMP/disk.$RANDOM.img
	truncate -s 8M "$img"
	sfdisk -q "$img" >/dev/null <<-'GPT' || return 1
		label: gpt
		label-id: 7E7A1F3C-2D4B-4E5F-8A6B-1C2D3E4F5A6B
		start=2048, size=10240, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, uuid=3C1B2A09-8F7E-4D6C-B5A4-9E8D7C6B5A40, name="ESP"
	GPT
	TVFS_LOOP=$(losetup --show -f "$img") || return 1
	TVFS_LOOPS+=("$TVFS_LOOP")
}
