#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The QEMU benchmarks (docs/qemu.md), run by `make bench` when QEMU is there:
#   bench/qemu/qemu-bench.sh HOST_BUILD QEMU_OUT    (after qemu/prepare.sh)
# BENCH qemu_boot_to_efivarfs_s: QEMU start to efivarfs mounted (tee_stmm_efi
#   bound through the virtual TEE), host wall clock, median of BOOTS boots.
# BENCH qemu_efivarfs_write_median_ms: a 100-byte variable written through
#   efivarfs in the guest (open, write, close), median of 200 writes per boot,
#   the median of the boots' medians.
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
done
[ "${#boot_s[@]}" -gt 0 ] && [ "${#write_ms[@]}" -gt 0 ] || { echo "qemu-bench: no measurement" >&2; exit 1; }
printf 'BENCH qemu_boot_to_efivarfs_s %.2f s\n' "$(printf '%s\n' "${boot_s[@]}" | median)"
printf 'BENCH qemu_efivarfs_write_median_ms %.2f ms\n' "$(printf '%s\n' "${write_ms[@]}" | median)"
