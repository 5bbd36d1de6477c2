# SPDX-License-Identifier: BSD-2-Clause
# Precedence of the RPMB routes, decided per boot as OP-TEE OS decides it: the
# in-kernel route first, the supplicant's legacy RPC when there is none.
# teevar.route=kernel: the host offers the model of the in-kernel route
# (teevard --kernel-route: its own image, no frame through the guest); the
# secure core must use it and never ask the guest's supplicant, which runs
# anyway (Debian's). teevar.route=supplicant: none is offered; the same boot
# falls back to the supplicant with no guest-visible error.
. /teevar/supp_lib.sh

route=$(sed -n 's/.*teevar\.route=\([a-z]*\).*/\1/p' /proc/cmdline)
startup_order start_debian_supp "TvRoute-$TG"
check "efibootmgr works (no guest-visible error)" efibootmgr
check "efivar -l lists the variable" sh -c "efivar -l | grep -q '$TG-TvRoute'"
n=$(supp_requests)
if [ "$route" = kernel ]; then
    check "with the in-kernel route offered the supplicant was never asked ($n RPCs)" test "$n" -eq 0
    stop_supp TERM
    check "and with the supplicant stopped writes still work" \
        sh -c "printf '\\007\\000\\000\\000nosupp' > '$EV/TvRoute-$TG'"
    check "and read back" content_is "TvRoute-$TG" 070000006e6f73757070
else
    check "without it the secure core fell back to the supplicant ($n RPCs)" test "$n" -gt 0
    stop_supp TERM
fi
check "no oops, BUG or warning in the kernel log" \
    sh -c '! dmesg | grep -E -q "Oops|BUG:|WARNING:|Call trace|Internal error"'
finish
