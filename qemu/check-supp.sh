# SPDX-License-Identifier: BSD-2-Clause
# shellcheck shell=bash
# Sourced by qemu/check.sh: the power cycles of the RPMB route through the
# guest's own supplicant (docs/qemu.md, "The RPMB route through the guest").
# teevard runs --rpmb rpc: its store is mounted by the first call, through the
# bridge, the module and /dev/teepriv0, and enters runtime at once
# (--boot-phase runtime: no firmware stage reaches a device the OS carries).

# supp_cycle SCENARIO STATE "TEEVARD OPTS" "KERNEL ARGS"
supp_cycle() {
    local scenario=$1 st=$2 opts=$3 args=$4
    # shellcheck disable=SC2086
    tvq_secure_start_rpc "$st" $opts || { nok "[$scenario] teevard --rpmb rpc starts"; return 1; }
    local driver=()
    [ "$scenario" = supp-hostile ] && driver=(hostile_restart "$st" "$opts")
    guest_run "$scenario" "$args" "${driver[@]}"
    local ms
    ms=$(sed -n 's/^TV-STARTUP-MS \([0-9]*\).*/\1/p' "$TVQ_WORK/$scenario.log" | head -n 1)
    [ -n "$ms" ] && echo "# [$scenario] supplicant start to a working efivarfs write: $ms ms"
}

# supp-hostile's host half: restart teevard (the same state) each time the
# guest asks (three times), so that the secure core mounts its store again
# through the supplicant the guest runs then.
hostile_restart() {
    local st=$1 opts=$2 log=$3 i
    for i in 1 2 3; do
        local left=1200
        while [ "$(grep -a -c '^TV-HOSTILE-RESTART' "$log" 2>/dev/null)" -lt "$i" ]; do
            left=$((left - 1))
            [ "$left" -gt 0 ] || return 0
            sleep 0.1
        done
        tvq_secure_stop
        # shellcheck disable=SC2086
        tvq_secure_start_rpc "$st" $opts && ok "[supp-hostile] teevard restarted on the same state ($i)"
    done
}

# Debian's tee-supplicant: RPMB in its RAM, so every boot is a new device,
# keyed by a fresh secure-core state (--provision-rpmb-key).
supp_cycle supp-debian "$TVQ_WORK/supp-debian-state" "--provision-rpmb-key" ""
# teevard's log lines of the last cycle (the log is shared by all cycles).
last_teevard_log() { awk -v s="$1" 'index($0, "serving ") && index($0, s) { buf = "" } { buf = buf $0 "\n" } END { printf "%s", buf }' "$TVQ_WORK/teevard.log"; }
dlog=$(last_teevard_log supp-debian-state)
check "[supp-debian] Debian's supplicant answered the probe NOT_SUPPORTED; the legacy RPC carried the store" \
    grep -q "RPMB_PROBE_RESET answered 0xffff000a.*legacy" <<<"$dlog"
check "[supp-debian] teevard mounted its store through the guest (route rpc)" \
    grep -q "store mounted through .* (rpmb route rpc)" <<<"$dlog"

# teevar-supplicant on an emulated RPMB image on the guest's disk (a blank
# 1 MiB disk that it formats at the first boot): one state, two boots.
TVQ_RPMB_DISK="$TVQ_WORK/guest-rpmb.img"
truncate -s 1M "$TVQ_RPMB_DISK"
supp_cycle supp-teevar "$TVQ_WORK/supp-teevar-state" "--provision-rpmb-key" ""
supp_cycle supp-teevar-reboot "$TVQ_WORK/supp-teevar-state" "" ""
unset TVQ_RPMB_DISK

# Precedence, per boot: the in-kernel route (modelled by teevard's own image)
# first; the supplicant when there is none.
mkdir -m 700 "$TVQ_WORK/supp-route-state"
tvq_teevar --state "$TVQ_WORK/supp-route-state" info >/dev/null  # its rpmb.img
supp_cycle supp-route "$TVQ_WORK/supp-route-state" "--kernel-route" "teevar.route=kernel"
supp_cycle supp-route "$TVQ_WORK/supp-route2-state" "--provision-rpmb-key" "teevar.route=supplicant"

# A lying supplicant in the guest.
supp_cycle supp-hostile "$TVQ_WORK/supp-hostile-state" "--provision-rpmb-key" ""
n_rej=$(grep -c "failed verification" "$TVQ_WORK/teevard.log")
check "[supp-hostile] teevard logged each rejected mount ($n_rej: RPMB response failed verification)" \
    test "$n_rej" -ge 3
