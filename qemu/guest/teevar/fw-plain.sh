# SPDX-License-Identifier: BSD-2-Clause
# Firmware stores, plain variables (qemu/check-fw.sh): booted on a vars pflash
# that `teevar export` wrote, without the virtual TEE, so that efivarfs is
# AAVMF's own runtime services. Every variable the firmware shows is dumped
# (TV-FWVAR NAME HEX: attributes u32 LE, then the data), for the host to
# compare with teevar's state; then the guest writes one variable, rewrites
# one and deletes one through efivarfs, which the host finds again when it
# imports the pflash after power-off.
. /teevar/lib.sh

check "the tee_stmm_efi driver is not bound (no TEE on this boot)" sh -c '! stmm_bound'
check "efivarfs mounts (the firmware's runtime services)" mount_efivarfs
check "efivarfs is read-write ($(mount_opts))" mounted_rw
for f in "$EV"/*; do
    echo "TV-FWVAR ${f##*/} $(hexof "$f")"
done
check "the firmware shows teevar's exported variable TvPlain" has "TvPlain-$TG"
check "an exported nv,bs variable stays hidden at runtime" lacks "TvBsOnly-$TG"

# Writes through the firmware's SetVariable, into its pflash.
check "a shell write creates TvGuest" sh -c "printf '\\007\\000\\000\\000written by the guest' > '$EV/TvGuest-$TG'"
check "chattr -i TvRewrite" chattr -i "$EV/TvRewrite-$TG"
check "a shell write replaces TvRewrite" sh -c "printf '\\007\\000\\000\\000rewritten' > '$EV/TvRewrite-$TG'"
check "chattr -i TvDelete, then rm deletes it" sh -c "chattr -i '$EV/TvDelete-$TG' && rm '$EV/TvDelete-$TG'"
check "TvDelete is gone" lacks "TvDelete-$TG"
for v in "TvGuest-$TG" "TvRewrite-$TG"; do
    echo "TV-FWVAR-AFTER $v $(hexof "$EV/$v")"
done
echo "TV-FWVAR-AFTER-DELETED TvDelete-$TG"
finish
