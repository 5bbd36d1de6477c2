# SPDX-License-Identifier: BSD-2-Clause
# make bench: as bench.sh, with the RPMB route through the guest's own
# supplicant (teevar.supp=debian: Debian's tee-supplicant, RPMB in its RAM;
# teevar.supp=teevar: teevar-supplicant on the disk /dev/vdb).
. /teevar/supp_lib.sh

BRIDGE_OPTS=  # no per-request log while timing
supp=$(sed -n 's/.*teevar\.supp=\([a-z]*\).*/\1/p' /proc/cmdline)
check "the module and the bridge start" load_tee_supp
if [ "$supp" = teevar ]; then start_teevar_supp; else start_debian_supp; fi
check "tee_stmm_efi binds once the supplicant runs" wait_for 30 stmm_bound
check "efivarfs mounts read-write" mount_rw
echo "TV-EFIVARFS-READY"
out=$(/teevar/efivarfs_write "$EV/TvBench-$TG" 100 ${TV_BENCH_WRITES:-200}) && echo "TV-BENCH $out"
check "the write benchmark ran" [ -n "$out" ]
finish
