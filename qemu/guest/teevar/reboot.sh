# SPDX-License-Identifier: BSD-2-Clause
# Second boot on the same secure-core state: what the first boot wrote is
# still there; the volatile variable of the first boot's firmware stage is not.
. /teevar/lib.sh

check "tee_stmm_efi binds to the virtual TEE" start_tee
check "efivarfs mounts read-write" mount_rw
check "the efivar-written variable survived the reboot" has "TvEfivar-$TG"
check "the shell-written variable survived with its bytes" \
    content_is "TvShell-$TG" "07000000616263646566"
check "BootOrder survived" content_is "BootOrder-$GLOBAL" "0700000000000100"
check "efibootmgr still lists both entries" \
    sh -c 'efibootmgr | grep -q "teevar A" && efibootmgr | grep -q "teevar B"'
check "the volatile variable of the last boot is gone" lacks "TvVolatile-$TG"
check "the boot-services-only variable stays invisible" lacks "TvBsOnly-$TG"
check "the deleted variable stays deleted" lacks "TvGone-$TG"
for v in "TvEfivar-$TG" "TvShell-$TG" "BootOrder-$GLOBAL" "Boot0000-$GLOBAL" "Boot0001-$GLOBAL"; do
    dumpvar "$v"
done
finish
