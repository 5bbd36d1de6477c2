# SPDX-License-Identifier: BSD-2-Clause
# A lying supplicant in the guest (qemu/guest-tools/supp_hostile: the TEE
# front end of teevar-supplicant over the lying device of
# tests/supplicant/rpmb_liar.h), against the secure core through the real
# module: replayed, reordered and forged RPMB answers must all be rejected,
# never served as data; an honest supplicant then finds the store intact.
# The host restarts teevard each time it sees TV-HOSTILE-RESTART, so that the
# secure core mounts its store again, through each liar in turn.
. /teevar/supp_lib.sh

IMG=/tmp/rpmb.img   # the emulated device, shared by the supplicants of this boot
start_liar() { # MODE
    /teevar/supp_hostile --mode "$1" --image "$IMG" --tee-dev /dev/teepriv0 \
        >>/tmp/supp.log 2>&1 &
    SUPP_PID=$!
}
V=TvHostileSupp-$TG
# cat, not the shell's printf, so that a failed write names its errno
attempt() { printf '\007\000\000\000%s' "$1" > /tmp/value && cat /tmp/value > "$EV/$V"; }
refused() { # VALUE: the write fails with EIO, and so does a read
    ! attempt "$1" 2>/tmp/err && grep -q "Input/output error" /tmp/err &&
        ! cat "$EV/$V" >/dev/null 2>/tmp/err && grep -q "Input/output error" /tmp/err
}

# refused VALUE: a write fails with EIO, and so does a read: with no store
# mounted the secure core serves nothing rather than anything unverified.
refused() {
    if attempt "$1" 2>/tmp/err; then echo "the write of $1 succeeded"; return 1; fi
    grep -q "Input/output error" /tmp/err || { cat /tmp/err; return 1; }
    if cat "$EV/$V" >/tmp/read 2>/tmp/err; then echo "the read succeeded: $(hexof /tmp/read)"; return 1; fi
    grep -q "Input/output error" /tmp/err || { cat /tmp/err; return 1; }
}
# The host restarts teevard: its RAM is gone, and the next session mounts the
# store again, reading it through whichever supplicant runs now.
restart_secure_core() { echo "TV-HOSTILE-RESTART"; sleep 3; }

# Replay, from the first mount on (a new device): every answer remembered and
# replayed when an address is read again, as the mount does: old nonces.
check "the module and the bridge start" load_tee_supp
start_liar replay
check "the StMM device appears once the liar opens teepriv0" \
    wait_for 30 test -e "/sys/bus/tee/devices/$STMM_DEV"
check "replayed answers at the mount are rejected: tee_stmm_efi's probe fails cleanly" \
    wait_for 30 sh -c 'dmesg | grep -q "probe with driver tee-stmm-efi failed"'
check "tee_stmm_efi did not take over the variable services" sh -c '! stmm_bound'
stop_supp TERM

# An honest supplicant: tee_stmm_efi is bound again through sysfs, the store
# is mounted, and holds "one".
start_liar honest
bind_stmm() { echo "$STMM_DEV" > /sys/bus/tee/drivers/tee-stmm-efi/bind; }
check "with an honest supplicant tee_stmm_efi binds through sysfs" wait_for 30 bind_stmm
check "and takes over the variable services" wait_for 30 stmm_bound
check "efivarfs mounts read-write" mount_rw
check "a write through the honest supplicant" attempt one
chattr -i "$EV/$V"
stop_supp TERM

# Reorder: the first and last frames of each multi-block read swapped.
restart_secure_core
start_liar reorder
sleep 1
check "reordered frames at the mount are rejected: writes and reads fail with EIO" refused two
stop_supp TERM
# Forge: one bit flipped in every read, counter read and write result.
restart_secure_core
start_liar forge
sleep 1
check "forged answers at the mount are rejected: writes and reads fail with EIO" refused three
stop_supp TERM

# An honest supplicant on the same device: the store mounts, intact.
restart_secure_core
start_liar honest
check "with an honest supplicant the store mounts again" wait_for 30 cat "$EV/$V"
check "it holds the last acknowledged value, nothing the liars offered" content_is "$V" 070000006f6e65
check "and writes work" attempt four
check "and read back" content_is "$V" 07000000666f7572
stop_supp TERM
check "no oops, BUG or warning in the kernel log" \
    sh -c '! dmesg | grep -E -q "Oops|BUG:|WARNING:|Call trace|Internal error"'
finish
