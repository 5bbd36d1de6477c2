# SPDX-License-Identifier: BSD-2-Clause
# make bench: bench/bench_teevarfs.sh's work on Linux 6.12's efivarfs (TCG-
# emulated, for orientation): 1,000 variables written through efivarfs, then
# ls -l, a 100-byte read and an efibootmgr listing of 50 entries, timed here
# (bench/qemu/efivarfs_bench.c).
. /teevar/lib.sh

BRIDGE_OPTS=  # no per-request log while timing
check "tee_stmm_efi binds to the virtual TEE" start_tee
check "efivarfs mounts read-write" mount_rw
out=$(/teevar/efivarfs_bench "$EV" "${TV_BENCH_RUNS:-7}" "${TV_BENCH_READS:-500}") &&
    echo "TV-BENCH-EFIVARFS $out"
check "the efivarfs benchmark ran ($out)" [ -n "$out" ]
finish
