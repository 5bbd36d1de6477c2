# SPDX-License-Identifier: BSD-2-Clause
# The module's supplicant side (booted with efi=noruntime, so that efivarfs
# exists only through tee_stmm_efi), loaded with supp_enum=1: /dev/teepriv0
# beside /dev/tee0, Debian's tee-supplicant 3.19 serving the RPCs a fake
# bridge (vtee_rpc_check) writes while it serves a /dev/tee0 client, and the
# StMM device appearing only when the supplicant first opens teepriv0. Then
# the real bridge takes over, tee_stmm_efi is bound again through sysfs, and
# efivarfs works.
. /teevar/lib.sh

STMM_DEV=teevar-vtee-ta-ed32d533-99e6-4209-9cc0-2d72cdd998a7
P=/sys/module/teevar_vtee/parameters
check "the module loads with supp_enum=1" insmod /teevar/teevar_vtee.ko supp_enum=1
check "/dev/tee0 and the privileged /dev/teepriv0 are there" \
    sh -c '[ -c /dev/tee0 ] && [ -c /dev/teepriv0 ]'
check "supp_enum, rpc_timeout_ms (5000) and supp_requests (0) are module parameters" \
    sh -c "[ \"\$(cat $P/supp_enum)\" = Y ] && [ \"\$(cat $P/rpc_timeout_ms)\" = 5000 ] && [ \"\$(cat $P/supp_requests)\" = 0 ]"
check "supp_requests is read-only" sh -c "! echo 7 > $P/supp_requests"
check "Debian's tee-supplicant is in the guest" [ -x /usr/sbin/tee-supplicant ]

/teevar/vtee_rpc_check
check "the fake bridge saw every check hold" [ $? -eq 0 ]
check "tee_stmm_efi's probe failed cleanly without a supplicant" \
    sh -c 'dmesg | grep -q "probe with driver tee-stmm-efi failed"'
check "the module noticed the supplicant that died holding its memory" \
    sh -c 'dmesg | grep -q "teevar-vtee: the supplicant went away"'
[ -f /tmp/tee-supplicant.log ] && sed 's/^/TV: #   tee-supplicant: /' /tmp/tee-supplicant.log | head -n 20

# The real bridge; a supplicant stays attached; tee_stmm_efi bound again.
/usr/sbin/tee-supplicant 2>/tmp/tee-supplicant2.log &
SUPP_PID=$!
wait_for 5 sh -c "ls -l /proc/$SUPP_PID/fd | grep -q teepriv0"
before=$(cat $P/supp_requests)
/teevar/teevar-vtee-bridge 2>/tmp/bridge.log &
check "the real bridge holds the device" wait_for 20 sh -c 'grep -q "serving /dev/teevar-vtee" /tmp/bridge.log'
check "tee_stmm_efi binds again through sysfs" \
    sh -c "echo $STMM_DEV > /sys/bus/tee/drivers/tee-stmm-efi/bind"
check "and takes over the variable services" wait_for 20 stmm_bound
check "efivarfs mounts read-write" mount_rw
check "a shell write works" sh -c "printf '\\007\\000\\000\\000supp' > '$EV/TvSuppModule-$TG'"
check "it reads back" content_is "TvSuppModule-$TG" "0700000073757070"
check "tee_stmm_efi's traffic asked the supplicant nothing (supp_requests $before)" \
    [ "$(cat $P/supp_requests)" = "$before" ]
kill "$SUPP_PID"
check "no oops, BUG or warning in the kernel log" \
    sh -c '! dmesg | grep -E -q "Oops|BUG:|WARNING:|Call trace|Internal error"'
dumpvar "TvSuppModule-$TG"
finish
