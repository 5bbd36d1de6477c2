# SPDX-License-Identifier: BSD-2-Clause
# Secure Boot through the real tee_stmm_efi and efivarfs, on a fresh store (setup
# mode), with Debian's arm64 efitools and mokutil: efi-updatevar enrols db, KEK
# and PK at runtime (EDK2: SetupMode changes at once, SecureBoot at the next
# boot), is refused an unsigned db write, appends to dbx; then a 40 KiB dbx and
# a 50-certificate db, each set and appended. The keys and .auth files are the
# host's (qemu/sb-keys.sh), on /dev/vdb; qemu/check.sh reads the key variables
# back from the secure core's state (TV-VAR) and runs the second boot
# (secureboot-reboot.sh).
. /teevar/lib.sh

check "tee_stmm_efi binds to the virtual TEE" start_tee
check "efivarfs mounts read-write" mount_rw
check "the host's keys unpack from /dev/vdb" unpack_keys
efitools_mount_wrapper
cd "$KEYS" || exit 1
DB="$EV/db-$IS"
DBX="$EV/dbx-$IS"

# Setup mode, as a fresh store starts.
check "SetupMode is 1" sb_var_is SetupMode 1
check "SecureBoot is 0" sb_var_is SecureBoot 0
check "AuditMode is 0, DeployedMode 0, VendorKeys 1" \
    eval "sb_var_is AuditMode 0 && sb_var_is DeployedMode 0 && sb_var_is VendorKeys 1"
# SHA1, SHA256, SHA384, SHA512, RSA2048, X509: six GUIDs, BS|RT
sigsupport() { [ "$(stat -c %s "$EV/SignatureSupport-$GLOBAL")" -eq 100 ] &&
    [ "$(head -c 4 "$EV/SignatureSupport-$GLOBAL" | od -An -tx1 | tr -d ' ')" = 06000000 ]; }
check "SignatureSupport lists six signature types (BS|RT)" sigsupport
mokutil --sb-state >/tmp/sb.out 2>&1
sed 's/^/TV: #   mokutil: /' /tmp/sb.out
check "mokutil --sb-state: SecureBoot disabled, setup mode" \
    sh -c 'grep -qx "SecureBoot disabled" /tmp/sb.out && grep -q "Setup Mode" /tmp/sb.out'
check "efi-readvar runs on the empty key store" sh -c 'efi-readvar >/tmp/rv.out 2>&1'
check "efi-readvar: no PK, KEK or db yet" \
    sh -c 'grep -q "PK has no entries" /tmp/rv.out && grep -q "KEK has no entries" /tmp/rv.out'

# Enrol at runtime, PK last (it ends setup mode).
check "efi-updatevar -f db.auth db" efi-updatevar -f db.auth db
check "efi-updatevar -f KEK.auth KEK" efi-updatevar -f KEK.auth KEK
check "efi-updatevar -f PK.auth PK" efi-updatevar -f PK.auth PK
check "SetupMode is 0 at once" sb_var_is SetupMode 0
check "SecureBoot stays 0 until the next boot (enrolled at runtime)" sb_var_is SecureBoot 0
check "VendorKeys is 0 (keys changed without a signature at runtime)" sb_var_is VendorKeys 0
mokutil --sb-state >/tmp/sb.out 2>&1
sed 's/^/TV: #   mokutil: /' /tmp/sb.out
check "mokutil --sb-state: SecureBoot disabled, no longer in setup mode" \
    sh -c 'grep -qx "SecureBoot disabled" /tmp/sb.out && ! grep -q "Setup Mode" /tmp/sb.out'
check "efi-readvar shows the enrolled keys" sh -c 'efi-readvar >/tmp/rv.out 2>&1 &&
    grep -q "CN=teevar test PK" /tmp/rv.out && grep -q "CN=teevar test KEK" /tmp/rv.out &&
    grep -q "CN=teevar test db" /tmp/rv.out'
check "the key variables are immutable in efivarfs" sh -c "lsattr '$DB' | grep -q '^----i'"

# Unsigned db writes in user mode. refused DESC PATTERN CMD...: CMD fails and
# its first line of output has PATTERN (shown in the test's description).
refused() {
    desc=$1 pat=$2; shift 2
    if "$@" >/tmp/e.out 2>&1; then nok "$desc: it succeeded"; return; fi
    msg=$(head -n 1 /tmp/e.out)
    case $msg in
        *"$pat"*) ok "$desc: \"$msg\"" ;;
        *) nok "$desc: \"$msg\", not \"$pat\"" ;;
    esac
}
db_before=$(hexof "$DB")
refused "efi-updatevar -e -f db2.esl db (an unsigned list) refuses by itself in user mode" \
    "without a key" efi-updatevar -e -f db2.esl db
# The unsigned descriptor as a file (efi-updatevar -f writes it as it is).
refused "an unsigned db write on the immutable file: EPERM from the kernel, the service not asked" \
    "Operation not permitted" efi-updatevar -f db2-unsigned.auth db
check "chattr -i db" chattr -i "$DB"
# efitools reports EACCES as "wrong filesystem permissions".
refused "efi-updatevar -f db2-unsigned.auth db: the secure core refuses (EACCES)" \
    "wrong filesystem permissions" efi-updatevar -f db2-unsigned.auth db
# The errno itself: one write() of attributes 0x27 + the descriptor, as
# efi-updatevar does. EFI_SECURITY_VIOLATION is EACCES in efi_status_to_err().
{ printf '\047\000\000\000'; cat db2-unsigned.auth; } >/tmp/unsigned.bin
dd if=/tmp/unsigned.bin of="$DB" bs=64k conv=notrunc 2>/tmp/e.out
case $(cat /tmp/e.out) in
    *"Permission denied"*) errno=EACCES ;;
    *"Operation not permitted"*) errno=EPERM ;;
    *) errno="other: $(head -n 1 /tmp/e.out)" ;;
esac
echo "TV-SB-UNSIGNED-ERRNO $errno"
check "a shell write of the unsigned descriptor fails with EACCES (the guest saw $errno)" [ "$errno" = EACCES ]
check "the refused writes left db as it was" content_is "db-$IS" "$db_before"

# dbx: an append creates it.
check "efi-updatevar -a -f dbx-append.auth dbx (creates dbx)" efi-updatevar -a -f dbx-append.auth dbx
check "dbx holds the two hashes" [ "$(stat -c %s "$DBX")" -eq $((4 + 28 + 2 * 48)) ]

# Secure Boot sizes, through the driver's one MM buffer (its size from
# GET_PAYLOAD_SIZE): a 40 KiB dbx and a 50-certificate db, set and appended.
dbx40=$(awk '$1 == "dbx40" { print $2 " bytes, " $3 " hashes" }' sizes)
dbx40_n=$(awk '$1 == "dbx40" { print $3 }' sizes)
db50=$(awk '$1 == "db50" { print $2 " bytes, " $3 " certificates" }' sizes)
check "chattr -i dbx" chattr -i "$DBX"
check "efi-updatevar -f dbx40.auth dbx: a 40 KiB dbx ($dbx40)" efi-updatevar -f dbx40.auth dbx
check "efivarfs reads the 40 KiB dbx back byte for byte" sh -c "tail -c +5 '$DBX' | cmp - dbx40.esl"
check "efi-updatevar -a -f dbx40-append.auth dbx (3 hashes, 1 already there)" \
    efi-updatevar -a -f dbx40-append.auth dbx
check "dbx is the 40 KiB list and the 2 new hashes (the duplicate dropped)" \
    sh -c "tail -c +5 '$DBX' | cmp - dbx-final.esl"
check "chattr -i db" chattr -i "$DB"
check "efi-updatevar -f db50.auth db: 50 certificates ($db50)" efi-updatevar -f db50.auth db
check "efivarfs reads the 50-certificate db back byte for byte" sh -c "tail -c +5 '$DB' | cmp - db50.esl"
check "efi-updatevar -a -f db2-append.auth db (signed by KEK)" efi-updatevar -a -f db2-append.auth db
check "db is the 50 certificates and db2" sh -c "tail -c +5 '$DB' | cmp - db-final.esl"
attrs_27() {
    for v in "PK-$GLOBAL" "KEK-$GLOBAL" "db-$IS" "dbx-$IS"; do
        [ "$(head -c 4 "$EV/$v" | od -An -tx1 | tr -d ' ')" = 27000000 ] || return 1
    done
}
check "PK, KEK, db and dbx keep attributes 0x27 (nv,bs,rt,at)" attrs_27
# efi-readvar's view: signatures per variable.
efi-readvar >/tmp/rv.out 2>&1
counts=$(readvar_counts /tmp/rv.out)
echo "TV: # efi-readvar: $counts"
check "efi-readvar lists db's 51 certificates and dbx's $((dbx40_n + 2)) hashes" \
    [ "$counts" = "PK 1 KEK 1 db 51 dbx $((dbx40_n + 2))" ]
check "efi-readvar shows db50's and db2's certificates" \
    sh -c 'grep -q "CN=teevar test db50 50" /tmp/rv.out && grep -q "CN=teevar test db2" /tmp/rv.out'

efitools_done
for v in "PK-$GLOBAL" "KEK-$GLOBAL" "db-$IS" "dbx-$IS"; do
    dumpvar "$v"
done
finish
