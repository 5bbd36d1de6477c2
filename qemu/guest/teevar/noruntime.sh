# SPDX-License-Identifier: BSD-2-Clause
# Booted with efi=noruntime: the firmware's runtime services are off (a board
# whose firmware has no runtime SetVariable). Once tee_stmm_efi has bound,
# efivarfs must still come up read-write and work.
. /teevar/lib.sh

check "the kernel runs without EFI runtime services" \
    sh -c 'dmesg | grep -q "EFI runtime services will be disabled"'
check "efivarfs is not mountable before the driver binds" sh -c "! mount -t efivarfs efivarfs '$EV' 2>/dev/null"
check "tee_stmm_efi binds to the virtual TEE" start_tee
check "efivarfs mounts" mount_efivarfs
check "efivarfs is read-write without a remount ($(mount_opts))" mounted_rw
check "a shell write works" sh -c "printf '\\007\\000\\000\\000nort' > '$EV/TvNoRuntime-$TG'"
check "it reads back" content_is "TvNoRuntime-$TG" "070000006e6f7274"
check "efivar -p reads it" sh -c "efivar -p -n '$TG-TvNoRuntime' | grep -q nort"
total=$(stat -f -c %b "$EV")
echo "TV-DF $total $(stat -f -c %f "$EV")"
# efivarfs asks QueryVariableInfo only when the firmware's runtime-supported
# mask allows it; efi=noruntime clears that mask, so statfs reports 0.
check "df reports 0 here (efi=noruntime clears the runtime-supported mask)" [ "$total" -eq 0 ]
dumpvar "TvNoRuntime-$TG"
finish
