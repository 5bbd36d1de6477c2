# SPDX-License-Identifier: BSD-2-Clause
# shellcheck shell=sh disable=SC2034  # sourced by the supplicant scenarios
# The route through the guest's own supplicant (docs/qemu.md, "The RPMB route
# through the guest"): the module enumerates the StMM device only once a
# supplicant has opened /dev/teepriv0, as OP-TEE's PTA_CMD_GET_DEVICES_SUPP.
. /teevar/lib.sh

STMM_DEV=teevar-vtee-ta-ed32d533-99e6-4209-9cc0-2d72cdd998a7
VP=/sys/module/teevar_vtee/parameters

# Milliseconds since boot (/proc/uptime has 10 ms steps).
uptime_ms() { awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime; }

# The module with supplicant enumeration, and the bridge (the secure core's
# calls and its RPCs); no supplicant yet.
load_tee_supp() {
    insmod /teevar/teevar_vtee.ko supp_enum=1 "$@" || return 1
    # shellcheck disable=SC2086 # BRIDGE_OPTS is word-split on purpose
    /teevar/teevar-vtee-bridge ${BRIDGE_OPTS---verbose} 2>>/tmp/bridge.log &
    BRIDGE_PID=$!
    wait_for 20 sh -c 'grep -q "serving /dev/teevar-vtee" /tmp/bridge.log'
}

# Debian's tee-supplicant 3.19 (RPMB emulated in its RAM), as its unit starts it.
start_debian_supp() {
    /usr/sbin/tee-supplicant >>/tmp/supp.log 2>&1 &
    SUPP_PID=$!
}

# teevar-supplicant on the guest's persistent RPMB image, the disk /dev/vdb
# (formatted at the first start when blank: 256 KiB, as Debian's emulation).
start_teevar_supp() {
    /teevar/teevar-supplicant --tee-dev /dev/teepriv0 --image /dev/vdb --size-mult 2 \
        >>/tmp/supp.log 2>&1 &
    SUPP_PID=$!
}

stop_supp() { # SIGNAL; its exit status in supp_rc
    kill "-$1" "$SUPP_PID" 2>/dev/null
    wait "$SUPP_PID" 2>/dev/null
    supp_rc=$?
    SUPP_PID=
}

supp_requests() { cat "$VP/supp_requests"; }

# The clean order before stopping a supplicant, as the shipped stop helper
# (dist/libexec/tee-supplicant-unbind, the drop-in's ExecStop=) does it:
# unmount efivarfs, then unbind every TEE device that needs a supplicant.
clean_stop_order() { /teevar/tee-supplicant-unbind >/tmp/unbind.log 2>&1; }

# A write stream on VAR in the background: value i (8 digits) after the
# attributes, each acknowledged i appended to /tmp/acked. stream_stop ends it.
stream_start() {
    rm -f /tmp/acked /tmp/stream.stop
    (
        i=0
        while [ ! -f /tmp/stream.stop ]; do
            if printf '\007\000\000\000%08d' "$i" > "$1" 2>/dev/null; then
                echo "$i" >> /tmp/acked
            fi
            i=$((i + 1))
        done
    ) &
    STREAM_PID=$!
}
stream_stop() { touch /tmp/stream.stop; wait "$STREAM_PID" 2>/dev/null; }
last_acked() { tail -n 1 /tmp/acked; }
acked_hex() { printf '07000000'; printf '%08d' "$1" | od -An -tx1 | tr -d ' \n'; }

# The mount ID of efivarfs in /proc/self/mountinfo: unchanged means not remounted.
mount_id() { awk -v m="$EV" '$5 == m { print $1 }' /proc/self/mountinfo; }

# ms_of CMD...: how long CMD took, in ms, into $took; CMD's status returned.
ms_of() {
    _t=$(uptime_ms); "$@"; _rc=$?; took=$(($(uptime_ms) - _t)); return $_rc
}

# The start-up order: efivarfs mounted by init before any supplicant runs;
# then START_SUPP; tee_stmm_efi binds; the same mount serves the secure
# core's variables (TV-STARTUP-MS: the supplicant's start to the first
# working write of VAR).
startup_order() { # START_SUPP VAR
    check "the module and the bridge start; no supplicant yet" load_tee_supp
    check "no StMM device on the TEE bus before a supplicant opens teepriv0" \
        test ! -e "/sys/bus/tee/devices/$STMM_DEV"
    check "efivarfs is mounted before any supplicant runs" mount_efivarfs
    mid=$(mount_id)
    echo "TV: # efivarfs before the supplicant: $(mount_opts), the firmware's variable services"
    t0=$(uptime_ms)
    $1
    check "the StMM device appears on the TEE bus, with need_supplicant" \
        wait_for 30 test -f "/sys/bus/tee/devices/$STMM_DEV/need_supplicant"
    check "tee_stmm_efi binds once the supplicant runs" wait_for 30 stmm_bound
    SV="$EV/$2"
    check "a write through the same efivarfs mount works" wait_for 30 first_write
    echo "TV-STARTUP-MS $(($(uptime_ms) - t0))"
    check "efivarfs was not remounted (mount ID $mid) and is read-write" \
        test "$mid" = "$(mount_id)" -a "$(mount_opts | cut -d, -f1)" = rw
    check "the write reads back through the secure core" content_is "$2" 070000007374617274
    chattr -i "$SV"
}
first_write() { printf '\007\000\000\000start' > "$SV"; }

# The index in VAR's value (a stream_start value), or nothing.
value_index() { tail -c 8 "$EV/$1" 2>/dev/null | tr -dc 0-9; }

# The supplicant dies under a write stream on VAR (SIGNALS: what stops it,
# e.g. "TERM" or "TERM KILL": SIGTERM, then SIGKILL after 2 s). Writes must
# fail with EIO, each within the module's rpc_timeout_ms; reads are served
# from the secure core's RAM; the last acknowledged value is what it holds.
supplicant_dies() { # VAR SIGNALS...
    var=$1; shift
    stream_start "$EV/$var"
    check "a write stream runs through the supplicant" wait_for 30 sh -c '[ "$(wc -l < /tmp/acked)" -ge 5 ]'
    sig=$1; shift
    kill "-$sig" "$SUPP_PID" 2>/dev/null
    for sig in "$@"; do
        sleep 2
        kill "-$sig" "$SUPP_PID" 2>/dev/null
    done
    wait "$SUPP_PID" 2>/dev/null
    SUPP_PID=
    sleep 1
    stream_stop
    last=$(last_acked)
    echo "TV: # the stream's last acknowledged value: $last ($(wc -l < /tmp/acked) acknowledged)"
    printf '\007\000\000\000x' > /tmp/one
    ms_of sh -c "cat /tmp/one > '$EV/$var'" 2>/tmp/err
    check "with the supplicant gone a write fails with EIO" grep -q "Input/output error" /tmp/err
    limit=$(($(cat "$VP/rpc_timeout_ms") + 1000))
    check "and fails within the module's rpc_timeout_ms ($took ms)" test "$took" -lt "$limit"
    check "reads are served from the secure core's RAM" cat "$EV/$var"
    got=$(value_index "$var")
    check "the variable holds the last acknowledged value or a later attempt ($got >= $last)" \
        test -n "$got" -a "${got:-0}" -ge "${last:-99999999}"
}
