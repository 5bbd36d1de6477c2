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

# The efivarfs sequence (tests/efivarfs/efivarfs-sequence.sh), the one the host
# runs on teevarfs over a copy of this boot's store: its transcript goes to the
# host as TV-SEQ lines, which qemu/check-efivarfs.sh compares line by line. It
# puts back what it changes (BootOrder) and removes what it creates.
if [ -f /teevar/efivarfs-sequence.sh ]; then
    echo "TV-SEQ-BEGIN"
    t0=$(cut -d' ' -f1 /proc/uptime)
    sh /teevar/efivarfs-sequence.sh "$EV" >/tmp/seq.out 2>/tmp/seq.err
    seq_rc=$?
    t1=$(cut -d' ' -f1 /proc/uptime)
    sed 's/^/TV-SEQ /' /tmp/seq.out
    echo "TV-SEQ-END rc=$seq_rc"
    echo "TV: # the efivarfs sequence took $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s (guest clock)"
    check "the efivarfs sequence ran to its end ($(grep -c '^step ' /tmp/seq.out) steps)" [ "$seq_rc" -eq 0 ]
    [ -s /tmp/seq.err ] && sed 's/^/TV: #   sequence stderr: /' /tmp/seq.err | head -n 20
    check "BootOrder is back after the sequence" content_is "BootOrder-$GLOBAL" "0700000000000100"
fi
finish
