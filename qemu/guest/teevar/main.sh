# SPDX-License-Identifier: BSD-2-Clause
# First boot: the real tee_stmm_efi binds to teevar-vtee, efivarfs comes up
# read-write, and Debian's efivar and efibootmgr and plain shell I/O work
# against the secure core. The host then reads every result back from the
# secure core's state (qemu/check.sh compares the TV-VAR lines byte by byte).
. /teevar/lib.sh

check "tee_stmm_efi binds to the virtual TEE" start_tee
check "efivarfs mounts" mount_efivarfs
check "efivarfs is read-write without a remount ($(mount_opts))" mounted_rw

# Set by the host's firmware stage before exit-boot-services.
check "an nv,bs,rt variable from the firmware stage is visible" \
    content_is "TvSeed-$TG" "0700000066726f6d2d6669726d77617265"
check "a volatile bs,rt variable is visible" content_is "TvVolatile-$TG" "06000000766f6c6174696c65"
check "a boot-services-only variable is invisible" lacks "TvBsOnly-$TG"

# efivar (Debian arm64): list, print, write, append
check "efivar -l lists the firmware's variable" sh -c "efivar -l | grep -qx '$TG-TvSeed'"
check "efivar -p prints it" sh -c "efivar -p -n '$TG-TvSeed' | grep -q 'from-firmware'"
printf 'written by efivar\n\001\002\377' > /tmp/w1
printf ' and appended' > /tmp/w2
# efivar -w keeps an existing variable's attributes; a new one needs -t
# (without it efivar writes attributes 0, which UEFI takes as a delete).
check "efivar -w without -t cannot create a variable" sh -c "! efivar -n '$TG-TvNoAttrs' -w -f /tmp/w1"
check "efivar -w -t 7 writes a new variable" efivar -n "$TG-TvEfivar" -w -t 7 -f /tmp/w1
check "efivar -a appends to it" efivar -n "$TG-TvEfivar" -a -f /tmp/w2
check "efivarfs shows the written and appended bytes" \
    content_is "TvEfivar-$TG" "07000000$(cat /tmp/w1 /tmp/w2 | od -An -tx1 -v | tr -d ' \n')"

# efibootmgr (Debian arm64) on a virtio disk with a GPT and an ESP
check "efibootmgr creates entry A" \
    efibootmgr -q -c -d /dev/vda -p 1 -L "teevar A" -l '\EFI\teevar\a.efi'
check "efibootmgr creates entry B" \
    efibootmgr -q -c -d /dev/vda -p 1 -L "teevar B" -l '\EFI\teevar\b.efi'
check "BootOrder lists B then A" content_is "BootOrder-$GLOBAL" "0700000001000000"
check "efibootmgr reorders" efibootmgr -q -o 0000,0001
check "BootOrder is A then B" content_is "BootOrder-$GLOBAL" "0700000000000100"
check "efibootmgr creates entry C" \
    efibootmgr -q -c -d /dev/vda -p 1 -L "teevar C" -l '\EFI\teevar\c.efi'
check "efibootmgr deletes entry C" efibootmgr -q -b 0002 -B
check "Boot0002 is gone" lacks "Boot0002-$GLOBAL"
check "BootOrder is A then B again" content_is "BootOrder-$GLOBAL" "0700000000000100"
check "efibootmgr lists both entries" sh -c 'efibootmgr | grep -q "teevar A" && efibootmgr | grep -q "teevar B"'
efibootmgr -v | sed 's/^/TV: # /'

# Shell I/O: write, append (attributes | 0x40), read, chattr, delete.
# efivarfs makes variables outside its known list immutable (chattr +i).
V="$EV/TvShell-$TG"
check "a shell write creates a variable" sh -c "printf '\\007\\000\\000\\000abc' > '$V'"
check "a new vendor variable is immutable" sh -c "lsattr '$V' | grep -q '^----i'"
check "appending fails while immutable" sh -c "! printf '\\107\\000\\000\\000def' 2>/dev/null >> '$V'"
check "chattr -i" chattr -i "$V"
check "a shell append extends it" sh -c "printf '\\107\\000\\000\\000def' >> '$V'"
check "it reads back as attributes + abcdef" content_is "TvShell-$TG" "07000000616263646566"
check "a bad write (attributes 0x80) is refused" sh -c "! printf '\\200\\000\\000\\000x' 2>/dev/null > '$V'"
check "a write of 3 bytes is refused" sh -c "! printf 'abc' 2>/dev/null > '$V'"
check "the refused writes changed nothing" content_is "TvShell-$TG" "07000000616263646566"
printf '\007\000\000\000gone' > "$EV/TvGone-$TG"
check "rm fails while immutable" sh -c "! rm -f '$EV/TvGone-$TG' 2>/dev/null"
check "chattr -i, then rm deletes it" sh -c "chattr -i '$EV/TvGone-$TG' && rm '$EV/TvGone-$TG'"
check "it is gone" lacks "TvGone-$TG"
check "a Boot#### variable is not immutable" sh -c "lsattr '$EV/Boot0001-$GLOBAL' | grep -q '^-----'"

# libteevar's optee: transport on /dev/tee0 (a second session, beside the
# driver's; teevard allows it where OP-TEE's StMM would answer BUSY)
if /teevar/optee_check "$TG"; then ok "optee_check ran"; else nok "optee_check ran"; fi

# df: QueryVariableInfo through efivarfs' statfs (f_bsize 1). efivarfs asks
# at most 5 times in 2 s and otherwise repeats its last answer; efivar and
# efibootmgr statfs the mount too, so wait for a fresh window first.
sleep 2.5
total=$(stat -f -c %b "$EV"); free=$(stat -f -c %f "$EV")
echo "TV-DF $total $free"
if [ "$total" -gt 0 ]; then ok "df shows the store: $total bytes, $free free"; else
    nok "df shows the store (it reports 0)"; fi
df "$EV" | sed 's/^/TV: # /'

for v in "TvEfivar-$TG" "TvShell-$TG" "BootOrder-$GLOBAL" "Boot0000-$GLOBAL" "Boot0001-$GLOBAL"; do
    dumpvar "$v"
done
finish
