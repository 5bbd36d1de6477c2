# SPDX-License-Identifier: BSD-2-Clause
# Firmware stores, Secure Boot (qemu/check-fw.sh): AAVMF booted this kernel,
# signed with the db key that teevar enrolled and exported to the vars
# pflash, with Secure Boot on. No TEE on this boot: efivarfs is AAVMF's own.
# The key variables are dumped (TV-FWVAR) for the host to compare with
# teevar's state.
. /teevar/lib.sh

check "the tee_stmm_efi driver is not bound (no TEE on this boot)" sh -c '! stmm_bound'
check "efivarfs mounts (the firmware's runtime services)" mount_efivarfs
check "SecureBoot is 1: the firmware verified this kernel" sb_var_is SecureBoot 1
check "SetupMode is 0 (user mode: teevar's PK)" sb_var_is SetupMode 0
check "PK, KEK and db are there (attributes nv,bs,rt,at)" sh -c \
    "for v in PK-$GLOBAL KEK-$GLOBAL db-$IS; do [ \"\$(head -c 4 $EV/\$v | od -An -tx1 | tr -d ' ')\" = 27000000 ] || exit 1; done"
check "dbx is not (teevar enrolled none)" lacks "dbx-$IS"
for v in "SecureBoot-$GLOBAL" "SetupMode-$GLOBAL" "PK-$GLOBAL" "KEK-$GLOBAL" "db-$IS"; do
    [ -e "$EV/$v" ] && echo "TV-FWVAR $v $(hexof "$EV/$v")"
done
finish
