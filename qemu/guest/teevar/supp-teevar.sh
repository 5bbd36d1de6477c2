# SPDX-License-Identifier: BSD-2-Clause
# The RPMB route through the guest's own supplicant, with teevar-supplicant
# (cross-built) on an emulated RPMB image on the guest's disk /dev/vdb: a
# store that persists across boots. First boot of two (supp-teevar-reboot).
. /teevar/supp_lib.sh

startup_order start_teevar_supp "TvSuppTeevar-$TG"
check "a second variable" sh -c "printf '\\007\\000\\000\\000keep' > '$EV/TvSuppKeep-$TG'"
# SIGTERM lets teevar-supplicant finish the request in progress; SIGKILL
# follows after 2 s in case it does not stop.
supplicant_dies "TvSuppTeevar-$TG" TERM KILL
echo "TV-SUPP-ACKED $got"
start_teevar_supp
resume() { printf '\007\000\000\000resumed1' > "$EV/TvSuppTeevar-$TG"; }
check "a restarted teevar-supplicant (the same device) resumes service" wait_for 30 resume
check "and the write reads back" content_is "TvSuppTeevar-$TG" 07000000726573756d656431
# The clean order: unbind what needs the supplicant, then stop it.
check "the clean order: the stop helper unmounts efivarfs and unbinds tee_stmm_efi" clean_stop_order
check "efivarfs is unmounted" test -z "$(mount_opts)"
check "tee_stmm_efi is no longer bound" test ! -e "/sys/bus/tee/devices/$STMM_DEV/driver"
dmesg > /tmp/dmesg.before
stop_supp TERM
check "then the supplicant stops cleanly (exit 0)" test "$supp_rc" -eq 0
sleep 1
check "and the kernel logs nothing about it" sh -c 'dmesg | diff /tmp/dmesg.before - | grep "^+[^+]" | grep -q . && exit 1; exit 0'
check "no oops, BUG or warning in the kernel log" \
    sh -c '! dmesg | grep -E -q "Oops|BUG:|WARNING:|Call trace|Internal error"'
finish
