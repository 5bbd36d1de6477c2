# SPDX-License-Identifier: BSD-2-Clause
# The RPMB route through the guest's own supplicant, with Debian's unmodified
# tee-supplicant 3.19 (RPMB emulated in its RAM: a store that lives for one
# boot). The host runs teevard --rpmb rpc on a fresh state: the secure core's
# frames go through the bridge, the module and /dev/teepriv0, nowhere else.
. /teevar/supp_lib.sh

startup_order start_debian_supp "TvSuppDebian-$TG"
check "efivar -p reads it" sh -c "efivar -p -n '$TG-TvSuppDebian' | grep -q start"
check "Debian's supplicant was asked (RPCs through /dev/teepriv0: $(supp_requests))" \
    test "$(supp_requests)" -gt 0
# Debian's tee-supplicant has no signal handler: SIGTERM ends it at once.
supplicant_dies "TvSuppDebian-$TG" TERM
# A new Debian supplicant is a blank RAM device (no key, counter 0): the
# secure core must refuse it, not take it for its store.
start_debian_supp
sleep 2
check "a restarted Debian supplicant (a blank device) is refused: writes still fail with EIO" \
    sh -c "! cat /tmp/one 2>/tmp/err > '$EV/TvSuppDebian-$TG'; grep -q 'Input/output error' /tmp/err"
check "and reads still give the value the secure core holds" test "$(value_index "TvSuppDebian-$TG")" = "$got"
stop_supp TERM
check "no oops, BUG or warning in the kernel log" \
    sh -c '! dmesg | grep -E -q "Oops|BUG:|WARNING:|Call trace|Internal error"'
finish
