# SPDX-License-Identifier: BSD-2-Clause
# shellcheck shell=sh disable=SC2034  # sourced by the scenarios, which use its variables
# Helpers for the guest scenarios: TAP lines on the console ("TV: " prefix, the
# host renumbers them), starting the virtual TEE, reading efivarfs.
EV=/sys/firmware/efi/efivars
TG=5e0f1d2c-3b4a-4f69-8e7d-6c5b4a392817      # teevar's test vendor GUID
GLOBAL=8be4df61-93ca-11d2-aa0d-00e098032b8c  # EFI_GLOBAL_VARIABLE
n=0
fails=0

ok() { n=$((n + 1)); echo "TV: ok $n - $*"; }
nok() { n=$((n + 1)); fails=$((fails + 1)); echo "TV: not ok $n - $*"; }

# check DESC CMD...: one test, the command's output shown on failure
check() {
    desc=$1; shift
    if "$@" >/tmp/check.out 2>&1; then
        ok "$desc"
    else
        nok "$desc"
        sed 's/^/TV: #   /' /tmp/check.out | head -n 20
    fi
}

finish() {
    echo "TV: 1..$n"
    [ "$fails" -eq 0 ]
}

hexof() { od -An -tx1 -v "$1" | tr -d ' \n'; }

# The bytes of an efivarfs file (attributes + data), for the host to compare
# with what the secure core holds.
dumpvar() { echo "TV-VAR $1 $(hexof "$EV/$1")"; }

# wait_for SECONDS CMD...: poll CMD every 0.1 s
wait_for() {
    t=$(($1 * 10)); shift
    while ! "$@" >/dev/null 2>&1; do
        t=$((t - 1))
        [ "$t" -gt 0 ] || return 1
        sleep 0.1
    done
}

stmm_bound() { dmesg | grep -q "Using TEE-based EFI runtime variable services"; }

# Load the virtual TEE, start the bridge to the secure core, wait for
# tee_stmm_efi to bind (it logs when it takes over the variable services).
start_tee() {
    insmod /teevar/teevar_vtee.ko || return 1
    # shellcheck disable=SC2086 # BRIDGE_OPTS (default --verbose) is word-split on purpose
    /teevar/teevar-vtee-bridge ${BRIDGE_OPTS---verbose} 2>/tmp/bridge.log &
    BRIDGE_PID=$!
    wait_for 20 stmm_bound
}

mount_efivarfs() { mount -t efivarfs efivarfs "$EV"; }

mount_opts() { awk -v m="$EV" '$2 == m { print $4 }' /proc/mounts; }
mounted_rw() { mount_opts | grep -q '^rw'; }
mount_rw() { mount_efivarfs && mounted_rw; }

# has VAR / lacks VAR: in the efivarfs listing
has() { [ -e "$EV/$1" ]; }
lacks() { [ ! -e "$EV/$1" ]; }

# content_is VAR HEX: the file's bytes (attributes + data)
content_is() { [ "$(hexof "$EV/$1")" = "$2" ]; }

# Secure Boot (the secureboot scenarios)
IS=d719b2cb-3d3a-4596-a3bc-dad00e67656f      # EFI_IMAGE_SECURITY_DATABASE (db, dbx)
KEYS=/tmp/keys

# The host's keys and signed updates: a tar archive on the second virtio disk.
unpack_keys() { mkdir -p "$KEYS" && tar xf /dev/vdb -C "$KEYS" && [ -f "$KEYS/sizes" ]; }

# efitools finds efivarfs by running `mount -l` through system() and parsing
# "... on DIR type efivarfs ...". busybox mount has no -l, but without
# arguments it prints that format: a wrapper first in PATH drops the -l.
# system() runs /bin/sh, and Debian's busybox sh runs its own applets before
# it looks at PATH, so /bin/sh is Debian's dash until efitools_done.
efitools_mount_wrapper() {
    mkdir -p /tmp/sbbin
    cat >/tmp/sbbin/mount <<'W'
#!/bin/sh
[ "$1" = -l ] && shift
exec /bin/busybox mount "$@"
W
    chmod +x /tmp/sbbin/mount
    PATH=/tmp/sbbin:$PATH
    export PATH
    ln -sf dash /bin/sh
}
efitools_done() { ln -sf busybox /bin/sh; }

# "PK n KEK n db n dbx n": the signatures efi-readvar's output FILE lists.
readvar_counts() {
    awk '/^Variable / { v = $2; sub(",", "", v) }
        /^ +Signature [0-9]+,/ { n[v]++ }
        END { printf "PK %d KEK %d db %d dbx %d", n["PK"], n["KEK"], n["db"], n["dbx"] }' "$1"
}

# A status variable (BS|RT, one byte) holds VALUE.
sb_var_is() { content_is "$1-$GLOBAL" "060000000$2"; }
