#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The QEMU benchmarks (docs/qemu.md), run by `make bench` when QEMU is there:
#   bench/qemu/qemu-bench.sh HOST_BUILD QEMU_OUT    (after qemu/prepare.sh)
# BENCH qemu_boot_to_efivarfs_s: QEMU start to efivarfs mounted (tee_stmm_efi
#   bound through the virtual TEE), host wall clock, median of BOOTS boots.
# BENCH qemu_efivarfs_write_median_ms: a 100-byte variable written through
#   efivarfs in the guest (open, write, close), median of 200 writes per boot,
#   the median of the boots' medians.
# BENCH qemu_efivarfs_write_supplicant_median_ms: the same write with the RPMB
#   route through the guest's own supplicant (teevard --rpmb rpc; Debian's
#   tee-supplicant, its RPMB in RAM), boots alternating with the ones above.
# BENCH qemu_supplicant_route_cost_ratio: the second over the first.
# BENCH qemu_efivarfs_write_teevar_supplicant_median_ms: the same with
#   teevar-supplicant on an RPMB image on the guest's disk (fdatasync per
#   write, as teevard's own image on the host).
# BENCH guest_efivarfs_ls_1000_ms, guest_efivarfs_read_median_us,
#   guest_efibootmgr_list_ms: bench/bench_teevarfs.sh's work (teevarfs on the
#   host) on the guest's real efivarfs, one boot on a fresh store: 1,000
#   variables written through efivarfs (50 boot entries among them), then
#   `ls -l`, a 100-byte read (open, read to EOF, close) and `efibootmgr`,
#   timed in the guest (bench/qemu/efivarfs_bench.c). TCG-emulated arm64: for
#   orientation, not a goal.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
TVQ_BIN=$(realpath "${1:?usage: qemu-bench.sh HOST_BUILD QEMU_OUT}")
TVQ_OUT=$(realpath "${2:?usage: qemu-bench.sh HOST_BUILD QEMU_OUT}")
boots=${BOOTS:-5}
# shellcheck source=../../qemu/machine.sh
. "$here/../../qemu/machine.sh"
tvq_workdir qemu-bench
trap 'tvq_cleanup; rm -rf "$TVQ_WORK"' EXIT

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }

boot_s=()
write_ms=()
supp_ms=()
tsupp_ms=()
# One boot with the route through the guest's supplicant: SUPP (debian or
# teevar); the median write time is appended to the array named by OUT.
supp_boot() {
    local supp=$1 out=$2 log="$TVQ_WORK/bench-$1-$i.log"
    rm -rf "$TVQ_WORK/supp-state"
    if [ "$supp" = teevar ]; then
        TVQ_RPMB_DISK="$TVQ_WORK/rpmb-disk.img"
        rm -f "$TVQ_RPMB_DISK" && truncate -s 1M "$TVQ_RPMB_DISK"
    fi
    tvq_secure_start_rpc "$TVQ_WORK/supp-state" --provision-rpmb-key || return 1
    tvq_boot bench-supp "$log" "teevar.supp=$supp"
    tvq_wait "$log" || echo "# $supp boot $i did not finish; $(grep -a '^TV: not ok' "$log" | head -3)" >&2
    tvq_secure_stop
    unset TVQ_RPMB_DISK
    local w
    w=$(grep -a '^TV-BENCH ' "$log" | awk '{ print $3 }')
    [ -n "$w" ] && eval "$out+=(\"\$w\")"
}
for i in $(seq "$boots"); do
    log="$TVQ_WORK/bench$i.log"
    tvq_secure_start "$TVQ_WORK/state" || exit 1
    t0=$(date +%s.%N)
    tvq_boot bench "$log"
    if tvq_wait_line "$log" TV-EFIVARFS-READY 120; then
        boot_s+=("$(echo "$(date +%s.%N) - $t0" | bc)")
    fi
    tvq_wait "$log" || echo "# boot $i did not finish; $(grep -a '^TV: not ok' "$log" | head -3)" >&2
    tvq_secure_stop
    w=$(grep -a '^TV-BENCH ' "$log" | awk '{ print $3 }')
    [ -n "$w" ] && write_ms+=("$w")
    supp_boot debian supp_ms
    supp_boot teevar tsupp_ms
done
[ "${#boot_s[@]}" -gt 0 ] && [ "${#write_ms[@]}" -gt 0 ] || { echo "qemu-bench: no measurement" >&2; exit 1; }
printf 'BENCH qemu_boot_to_efivarfs_s %.2f s\n' "$(printf '%s\n' "${boot_s[@]}" | median)"
w_med=$(printf '%s\n' "${write_ms[@]}" | median)
printf 'BENCH qemu_efivarfs_write_median_ms %.2f ms\n' "$w_med"
if [ "${#supp_ms[@]}" -gt 0 ]; then
    s_med=$(printf '%s\n' "${supp_ms[@]}" | median)
    printf 'BENCH qemu_efivarfs_write_supplicant_median_ms %.2f ms\n' "$s_med"
    printf 'BENCH qemu_supplicant_route_cost_ratio %.2f ratio\n' "$(echo "$s_med / $w_med" | bc -l)"
fi
[ "${#tsupp_ms[@]}" -gt 0 ] && printf 'BENCH qemu_efivarfs_write_teevar_supplicant_median_ms %.2f ms\n' \
    "$(printf '%s\n' "${tsupp_ms[@]}" | median)"

# Linux 6.12's efivarfs doing bench_teevarfs.sh's work, one boot.
log="$TVQ_WORK/bench-efivarfs.log"
if tvq_secure_start "$TVQ_WORK/efivarfs-state"; then
    tvq_boot bench-efivarfs "$log"
    tvq_wait "$log" || echo "# efivarfs bench boot did not finish; $(grep -a '^TV: not ok' "$log" | head -3)" >&2
    tvq_secure_stop
fi
read -r -a ev < <(grep -a '^TV-BENCH-EFIVARFS ' "$log" 2>/dev/null | tr -d '\r' | cut -d' ' -f2-)
if [ "${#ev[@]}" -eq 10 ]; then
    echo "# guest_*: the guest's real efivarfs (Linux 6.12, tee_stmm_efi), ${ev[1]} variables, ${ev[3]} boot entries;" \
        "TCG-emulated arm64 on this host, for orientation only"
    printf 'BENCH guest_efivarfs_ls_1000_ms %s ms\n' "${ev[5]}"
    printf 'BENCH guest_efivarfs_read_median_us %s us\n' "${ev[7]}"
    printf 'BENCH guest_efibootmgr_list_ms %s ms\n' "${ev[9]}"
else
    echo "# the guest's efivarfs benchmark printed nothing (see its console: bench-efivarfs.log)" >&2
fi
