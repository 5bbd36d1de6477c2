# SPDX-License-Identifier: BSD-2-Clause
# The second boot on teevar-supplicant's image (/dev/vdb): what the first
# wrote is still there, then the clean shutdown order once more.
. /teevar/supp_lib.sh

startup_order start_teevar_supp "TvSuppBoot2-$TG"
# efivarfs lists what it found when it was mounted, the firmware's variables:
# the secure core's appear once it is mounted again.
check "the early mount does not list the secure core's variables (efivarfs never rescans)" \
    lacks "TvSuppKeep-$TG"
check "a remount lists them" sh -c "umount '$EV' && mount -t efivarfs efivarfs '$EV'"
check "the variable written before the clean stop survived the reboot" \
    content_is "TvSuppTeevar-$TG" 07000000726573756d656431
check "the one written at the start of the first boot too" content_is "TvSuppKeep-$TG" 070000006b656570
check "the clean order: the stop helper unmounts efivarfs and unbinds tee_stmm_efi" clean_stop_order
stop_supp TERM
check "then the supplicant stops cleanly (exit 0)" test "$supp_rc" -eq 0
check "no oops, BUG or warning in the kernel log" \
    sh -c '! dmesg | grep -E -q "Oops|BUG:|WARNING:|Call trace|Internal error"'
finish
