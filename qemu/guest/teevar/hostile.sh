# SPDX-License-Identifier: BSD-2-Clause
# The module against a lying bridge (booted with efi=noruntime, so that
# efivarfs exists only through tee_stmm_efi). vtee_hostile holds the device
# while tee_stmm_efi probes: malformed answers must be refused with the right
# errno and never reach the driver, an unanswered call must time out, the
# probe must fail cleanly. Then the real bridge takes over, tee_stmm_efi is
# bound again through sysfs, and efivarfs works.
. /teevar/lib.sh

STMM_DEV=teevar-vtee-ta-ed32d533-99e6-4209-9cc0-2d72cdd998a7
check "the module loads" insmod /teevar/teevar_vtee.ko
echo 2000 > /sys/module/teevar_vtee/parameters/timeout_ms
/teevar/vtee_hostile
check "the lying bridge saw every check hold" [ $? -eq 0 ]
check "tee_stmm_efi's probe failed cleanly" \
    sh -c 'dmesg | grep -q "probe with driver tee-stmm-efi failed"'
check "tee_stmm_efi did not take over the variable services" \
    sh -c '! dmesg | grep -q "Using TEE-based EFI runtime variable services"'
check "efivarfs cannot be mounted" sh -c "! mount -t efivarfs efivarfs '$EV' 2>/dev/null"

echo 15000 > /sys/module/teevar_vtee/parameters/timeout_ms
/teevar/teevar-vtee-bridge 2>/tmp/bridge.log &
check "the real bridge holds the device" wait_for 20 sh -c 'grep -q "serving /dev/teevar-vtee" /tmp/bridge.log'
check "tee_stmm_efi binds again through sysfs" \
    sh -c "echo $STMM_DEV > /sys/bus/tee/drivers/tee-stmm-efi/bind"
check "and takes over the variable services" wait_for 20 stmm_bound
check "efivarfs mounts read-write" mount_rw
check "a shell write works" sh -c "printf '\\007\\000\\000\\000liar' > '$EV/TvHostile-$TG'"
check "it reads back" content_is "TvHostile-$TG" "070000006c696172"
check "no oops, BUG or warning in the kernel log" \
    sh -c '! dmesg | grep -E -q "Oops|BUG:|WARNING:|Call trace|Internal error"'
dumpvar "TvHostile-$TG"
finish
