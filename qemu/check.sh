#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# make check-qemu: the real Linux tee_stmm_efi driver and efivarfs in an arm64
# guest, served by teevar's secure core (teevard on the host). TAP output.
#   qemu/check.sh HOST_BUILD QEMU_OUT     (after qemu/prepare.sh QEMU_OUT)
# Six power cycles on one secure-core state: main (efivar, efibootmgr, shell
# I/O, df), reboot (persistence), noruntime (efi=noruntime), outage (teevard
# killed and restarted mid-run), hostile (a lying bridge against the module),
# supp-module (the module's supplicant side: Debian's tee-supplicant serving
# RPCs on /dev/teepriv0).
# Then two on a fresh state of their own: secureboot (efitools and mokutil
# enrol keys at runtime; a 40 KiB dbx, a 50-certificate db) and
# secureboot-reboot (the next boot: Secure Boot on). Every variable the guest
# dumps (TV-VAR lines) is read back on the host from the state directory and
# compared byte by byte. Last, qemu/check-supp.sh: the RPMB route through the
# guest's own supplicant (Debian's tee-supplicant, teevar-supplicant on the
# guest's disk, the route precedence, a lying supplicant). Then
# qemu/check-fw.sh: the real firmware judges teevar export and import (AAVMF
# on an exported vars pflash, U-Boot's ubootefi.var both ways, Secure Boot
# keys from teevar that boot a signed kernel and refuse the others). Last,
# qemu/check-efivarfs.sh: the reboot boot also ran
# tests/efivarfs/efivarfs-sequence.sh on the guest's efivarfs; the same script
# runs on the host's teevarfs over a copy of that boot's store, and the two
# transcripts are compared step by step.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
TVQ_BIN=$(realpath "${1:?usage: check.sh HOST_BUILD QEMU_OUT}")
TVQ_OUT=$(realpath "${2:?usage: check.sh HOST_BUILD QEMU_OUT}")
# shellcheck source=machine.sh
. "$here/machine.sh"
tvq_workdir qemu
logs="$TVQ_OUT/logs"
rm -rf "$logs" && mkdir -p "$logs"
trap '[ -n "${sbkeys_pid:-}" ] && kill "$sbkeys_pid" 2>/dev/null; tvq_cleanup
    declare -F ev_cleanup >/dev/null && ev_cleanup
    cp "$TVQ_WORK"/*.log "$logs"/ 2>/dev/null; rm -rf "$TVQ_WORK"' EXIT
state="$TVQ_WORK/state"
G=$TVQ_GUID
GLOBAL=8be4df61-93ca-11d2-aa0d-00e098032b8c

t=0
failed=0
ok() { t=$((t + 1)); echo "ok $t - $*"; }
nok() { t=$((t + 1)); failed=$((failed + 1)); echo "not ok $t - $*"; }
check() { local d=$1; shift; if "$@"; then ok "$d"; else nok "$d"; fi; }

# The guest's own TAP lines ("TV: ..."), renumbered into ours.
relay() {
    local scenario=$1 log=$2 line
    while IFS= read -r line; do
        line=${line%$'\r'}
        case "$line" in
            "TV: ok "*) ok "[$scenario] ${line#TV: ok * - }" ;;
            "TV: not ok "*) nok "[$scenario] ${line#TV: not ok * - }" ;;
            "TV: #"*) echo "# ${line#TV: #}" ;;
        esac
    done < <(grep -a '^TV: ' "$log")
}

# The kernel must not oops, BUG or warn, whatever the secure core does.
kernel_clean() {
    ! grep -a -E -q "Oops|BUG:|WARNING:|Call trace|Internal error|Kernel panic" "$1"
}

# What the secure core holds for VAR, as efivarfs shows it: attributes (u32
# LE) then data, in hex. From the state directory (teevard stopped).
state_hex() {
    local json
    json=$(tvq_teevar --state "$state" get --json "$1" 2>/dev/null) || return 0
    python3 -c '
import json, struct, sys
v = json.loads(sys.argv[1])
print(struct.pack("<I", v["attributes"]).hex() + v["data"])' "$json"
}

# Every TV-VAR line of LOG equals the variable read back from the state.
readback() {
    local scenario=$1 log=$2 name hex host n=0
    while read -r _ name hex; do
        hex=${hex%$'\r'}
        host=$(state_hex "$name")
        n=$((n + 1))
        if [ -n "$hex" ] && [ "$host" = "$hex" ]; then
            ok "[$scenario] host reads $name byte-exact from the secure core's state"
        else
            nok "[$scenario] host reads $name byte-exact from the secure core's state"
            echo "#   guest: $hex"
            echo "#   host:  $host"
        fi
    done < <(grep -a '^TV-VAR ' "$log")
    [ "$n" -gt 0 ] || nok "[$scenario] the guest dumped its variables"
}

# guest_run SCENARIO "ARGS" [DRIVER ARGS...]: boot the guest (teevard is up),
# run DRIVER ARGS... LOG (the host half of the scenario, if any) while it
# runs, stop teevard, and judge: it ran to the end, its own TAP lines, a clean
# console. The console is $TVQ_WORK/SCENARIO.log.
guest_run() {
    local scenario=$1 args=$2; shift 2
    local log="$TVQ_WORK/$scenario.log" t0
    t0=$(date +%s.%N)
    # shellcheck disable=SC2086
    tvq_boot "$scenario" "$log" $args
    [ $# -gt 0 ] && "$@" "$log"
    tvq_wait "$log"
    local ended=$?
    check "[$scenario] the guest ran its scenario to the end ($(echo "$(date +%s.%N) - $t0" | bc | cut -c1-5) s)" \
        test "$ended" -eq 0
    tvq_secure_stop
    relay "$scenario" "$log"
    check "[$scenario] no oops, BUG or warning on the console" kernel_clean "$log"
}

# One power cycle: firmware stage ("$@"), boot SCENARIO with ARGS, power off.
cycle() {
    local scenario=$1 args=$2; shift 2
    tvq_secure_start "$state" "$@" || { nok "[$scenario] firmware stage"; return 1; }
    local driver=()
    [ "$scenario" = outage ] && driver=(outage_driver)
    guest_run "$scenario" "$args" "${driver[@]}"
    readback "$scenario" "$TVQ_WORK/$scenario.log"
}

# The outage scenario's host half: kill teevard when the guest is ready,
# bring it back once the guest has seen the failure.
outage_driver() {
    local log=$1
    if tvq_wait_line "$log" TV-OUTAGE-READY 120; then
        tvq_secure_stop kill
        ok "[outage] teevard killed (SIGKILL) mid-run"
        if tvq_wait_line "$log" TV-OUTAGE-SEEN 90; then
            tvq_secure_start "$state" && ok "[outage] teevard restarted on the same state"
        fi
    fi
}

[ -f "$TVQ_OUT/initramfs.cpio" ] || { echo "Bail out! run qemu/prepare.sh $TVQ_OUT first"; exit 1; }

# The secureboot cycles' keys and signed updates (qemu/sb-keys.sh: openssl,
# cert-to-efi-sig-list, sign-efi-sig-list), made while the first cycles run.
sbkeys="$TVQ_WORK/sb-keys"
"$here/sb-keys.sh" "$sbkeys" >"$TVQ_WORK/sb-keys.log" 2>&1 &
sbkeys_pid=$!

cycle main "" \
    "set TvSeed-$G --attrs nv,bs,rt --string from-firmware" \
    "set TvVolatile-$G --attrs bs,rt --string volatile" \
    "set TvBsOnly-$G --attrs nv,bs --string bs-only"
check "[main] the bs-only variable the guest could not see is in the store" \
    test "$(state_hex "TvBsOnly-$G")" = "03000000$(printf bs-only | od -An -tx1 | tr -d ' \n')"
read -r _ df_total df_free < <(grep -a '^TV-DF ' "$TVQ_WORK/main.log" | tr -d '\r')
info=$(tvq_teevar --state "$state" --runtime info --json)
nv_max=$(python3 -c 'import json,sys; c=json.loads(sys.argv[1])["classes"][0]; print(c["max_storage"], c["remaining"])' "$info")
check "[main] df on efivarfs shows QueryVariableInfo's storage and remaining ($df_total $df_free = $nv_max)" \
    test "${df_total:-x} ${df_free:-x}" = "$nv_max"
boot0=$(state_hex "Boot0000-$GLOBAL")
check "[main] Boot0000 holds its description and loader path (UCS-2)" \
    python3 -c 'import sys; b=bytes.fromhex(sys.argv[1]); sys.exit(not ("teevar A".encode("utf-16-le") in b and "\\EFI\\teevar\\a.efi".encode("utf-16-le") in b and bytes.fromhex("092a1b3c7e8f6c4db5a49e8d7c6b5a40") in b))' "$boot0"

# The store as the reboot boot finds it: qemu/check-efivarfs.sh runs the
# guest's efivarfs sequence on the host's teevarfs over this copy.
ev_state="$TVQ_WORK/efivarfs-state"
cp -a "$state" "$ev_state"
cycle reboot ""
check "[reboot] the volatile variable is gone from the secure core" \
    test -z "$(state_hex "TvVolatile-$G")"

cycle noruntime "efi=noruntime"
cycle outage ""
cycle hostile "efi=noruntime"
# The module's supplicant side: Debian's tee-supplicant on /dev/teepriv0, RPCs
# from a fake bridge (vtee_rpc_check), supp_enum=1.
cycle supp-module "efi=noruntime"

# Secure Boot on a fresh store (the cycles above keep theirs in setup mode),
# the keys given to the guest as a tar archive on a second virtio disk.
wait "$sbkeys_pid"
sbkeys_rc=$?
sbkeys_pid=
if [ "$sbkeys_rc" -eq 0 ]; then
    ok "[secureboot] keys and signed updates made (openssl, cert-to-efi-sig-list, sign-efi-sig-list)"
    state="$TVQ_WORK/sb-state"
    # shellcheck disable=SC2034 # read by machine.sh's tvq_args
    TVQ_EXTRA_DISK="$sbkeys/keys.tar"
    cycle secureboot ""
    unsigned=$(sed -n 's/^TV-SB-UNSIGNED-ERRNO \([A-Z]*\).*/\1/p' "$TVQ_WORK/secureboot.log" | tr -d '\r')
    echo "# [secureboot] the guest's unsigned db write failed with ${unsigned:-?} (EFI_SECURITY_VIOLATION)"
    check "[secureboot] host: db is the 50 certificates and the signed append, byte for byte" \
        cmp -s <(tvq_teevar --state "$state" get db --raw) "$sbkeys/db-final.esl"
    check "[secureboot] host: dbx is the 40 KiB list and the appended hashes, byte for byte" \
        cmp -s <(tvq_teevar --state "$state" get dbx --raw) "$sbkeys/dbx-final.esl"
    cycle secureboot-reboot ""
    unset TVQ_EXTRA_DISK
    sb=$(tvq_teevar --state "$state" secureboot status --json)
    check "[secureboot] host: teevar secureboot status says user mode, SecureBoot 1, SetupMode 0" \
        python3 -c 'import json, sys; s = json.loads(sys.argv[1]); v = s["variables"]
sys.exit(not (s["mode"] == "user" and v["SecureBoot"] == 1 and v["SetupMode"] == 0))' "$sb"
    n_db=$(tvq_teevar --state "$state" get db --esl | grep -c ' X509 ')
    n_dbx=$(tvq_teevar --state "$state" get dbx --esl | grep -c ' SHA256 ')
    check "[secureboot] host: teevar get db --esl lists 52 certificates ($n_db), dbx --esl 855 hashes ($n_dbx)" \
        test "$n_db $n_dbx" = "52 855"
else
    nok "[secureboot] keys and signed updates made (see $logs/sb-keys.log)"
fi

# The RPMB route through the guest's own supplicant (qemu/check-supp.sh).
# shellcheck source=check-supp.sh
. "$here/check-supp.sh"

# The firmware stores: AAVMF and U-Boot judge teevar export/import
# (qemu/check-fw.sh).
# shellcheck source=check-fw.sh
. "$here/check-fw.sh"

# The guest's efivarfs and the host's teevarfs, one script on both, compared
# (qemu/check-efivarfs.sh).
# shellcheck source=check-efivarfs.sh
. "$here/check-efivarfs.sh"

echo "1..$t"
echo "# check-qemu: $((t - failed)) passed, $failed failed (logs: $logs)"
[ "$failed" -eq 0 ]
