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
