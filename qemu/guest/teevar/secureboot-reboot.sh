# SPDX-License-Identifier: BSD-2-Clause
# The second boot of the secureboot scenario's store: the power cycle restarted
# the secure core, so the PK enrolled at runtime now gives SecureBoot 1 (user
# mode). efitools and mokutil see it; efi-updatevar signs a db append itself
# with the KEK's key (-k); qemu/check.sh reads the key variables back.
. /teevar/lib.sh

check "tee_stmm_efi binds to the virtual TEE" start_tee
check "efivarfs mounts read-write" mount_rw
check "the host's keys unpack from /dev/vdb" unpack_keys
efitools_mount_wrapper
cd "$KEYS" || exit 1
DB="$EV/db-$IS"
dbx_n=$(($(awk '$1 == "dbx40" { print $3 }' sizes) + 2))

check "SecureBoot is 1 after the restart" sb_var_is SecureBoot 1
check "SetupMode is 0" sb_var_is SetupMode 0
mokutil --sb-state >/tmp/sb.out 2>&1
sed 's/^/TV: #   mokutil: /' /tmp/sb.out
check "mokutil --sb-state: SecureBoot enabled, not in setup mode" \
    sh -c 'grep -qx "SecureBoot enabled" /tmp/sb.out && ! grep -q "Setup Mode" /tmp/sb.out'
efi-readvar >/tmp/rv.out 2>&1
counts=$(readvar_counts /tmp/rv.out)
echo "TV: # efi-readvar: $counts"
check "efi-readvar lists what the first boot left" [ "$counts" = "PK 1 KEK 1 db 51 dbx $dbx_n" ]

# efi-updatevar signs in user mode itself: -c certificate -k the KEK's key.
check "chattr -i db" chattr -i "$DB"
check "efi-updatevar -a -c db3.crt -k KEK.key db (signed in the guest)" \
    efi-updatevar -a -c db3.crt -k KEK.key db
efi-readvar >/tmp/rv.out 2>&1
counts=$(readvar_counts /tmp/rv.out)
echo "TV: # efi-readvar: $counts"
check "db holds 52 certificates, db3's last" sh -c "[ '$counts' = 'PK 1 KEK 1 db 52 dbx $dbx_n' ] &&
    grep 'CN=teevar test db' /tmp/rv.out | tail -n 1 | grep -q 'CN=teevar test db3'"
check "an unsigned db write is still refused" sh -c "! efi-updatevar -f db2-unsigned.auth db"

efitools_done
for v in "PK-$GLOBAL" "KEK-$GLOBAL" "db-$IS" "dbx-$IS"; do
    dumpvar "$v"
done
finish
