# SPDX-License-Identifier: BSD-2-Clause
# make bench: efivarfs is up (the host times the boot until TV-EFIVARFS-READY),
# then a 100-byte variable is written through efivarfs, end to end.
. /teevar/lib.sh

BRIDGE_OPTS=  # no per-request log while timing
check "tee_stmm_efi binds to the virtual TEE" start_tee
check "efivarfs mounts read-write" mount_rw
echo "TV-EFIVARFS-READY"
out=$(/teevar/efivarfs_write "$EV/TvBench-$TG" 100 ${TV_BENCH_WRITES:-200}) && echo "TV-BENCH $out"
check "the write benchmark ran" [ -n "$out" ]
finish
