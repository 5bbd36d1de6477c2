# SPDX-License-Identifier: BSD-2-Clause
# The secure core stops mid-run (the host kills teevard when it sees
# TV-OUTAGE-READY) and comes back (after TV-OUTAGE-SEEN): efivarfs gives I/O
# errors meanwhile, never an oops, and works again once it returns. Then the
# bridge is killed and restarted.
. /teevar/lib.sh

check "tee_stmm_efi binds to the virtual TEE" start_tee
check "efivarfs mounts read-write" mount_rw
V="$EV/TvOutage-$TG"
check "a write before the outage" sh -c "printf '\\007\\000\\000\\000before' > '$V'"
check "chattr -i (vendor variables are created immutable)" chattr -i "$V"

# cat reports a failed write with strerror: EIO is "Input/output error".
printf '\007\000\000\000during' > /tmp/during
write_fails() { ! cat /tmp/during 2>/tmp/err > "$V"; }
echo "TV-OUTAGE-READY"
wait_for 60 write_fails
check "a write during the outage fails with EIO" sh -c 'cat /tmp/err; grep -q "Input/output error" /tmp/err'
check "a read during the outage fails with EIO" sh -c "cat '$V' 2>&1 >/dev/null | grep -q 'Input/output error'"
check "efivar -p during the outage fails" sh -c "! efivar -p -n '$TG-TvOutage' >/dev/null 2>&1"
echo "TV-OUTAGE-SEEN"
write_works() { printf '\007\000\000\000after' > "$V"; }
check "writes work again once the secure core is back" wait_for 90 write_works
check "and read back" content_is "TvOutage-$TG" "070000006166746572"
# The bridge itself dies: the module fails calls at once (no bridge), and a
# new bridge takes over the driver's session (the INVOKE names its TA).
kill -9 "$BRIDGE_PID"; wait "$BRIDGE_PID" 2>/dev/null
check "with the bridge killed a write fails with EIO" \
    sh -c "! cat /tmp/during 2>/tmp/err > '$V'; grep -q 'Input/output error' /tmp/err"
/teevar/teevar-vtee-bridge 2>/tmp/bridge2.log &
check "a new bridge takes over the driver's session" wait_for 30 write_works
check "its log says so" grep -q "taking over session" /tmp/bridge2.log
check "no oops, BUG or warning in the kernel log" sh -c '! dmesg | grep -E -q "Oops|BUG:|WARNING:|Call trace|Internal error"'
dumpvar "TvOutage-$TG"
finish
