# SPDX-License-Identifier: BSD-2-Clause
# shellcheck shell=bash
# Sourced by qemu/check.sh: the guest's real efivarfs and teevarfs, compared
# (docs/qemu.md, "efivarfs and teevarfs, compared"). One script, two mounts:
#   guest  the reboot boot ran tests/efivarfs/efivarfs-sequence.sh on Linux
#          6.12's efivarfs (tee_stmm_efi, served by teevard) and sent its
#          transcript as TV-SEQ lines;
#   host   the same script runs here on teevarfs, mounted over teevard on a
#          copy of the store as the reboot boot found it ($ev_state, copied
#          by check.sh before that cycle), in the runtime phase as the guest
#          sees it, with busybox's applets first in PATH as in the guest.
# Each step is one TAP line: the same line on both mounts, except the
# declared differences (EV_DECLARED; the contract of issue 13,
# docs/teevarfs.md "Where teevarfs differs"), where the step's exit status
# and errno must still agree and each side's line must be exactly the
# declared one:
# - remnant-after-failed-create: 6.12 keeps the created file whose first
#   write failed as a 0-byte remnant (present, listed); teevarfs, like 6.13,
#   removes it at last close (absent, unlisted). Other remnant-* steps must
#   be the same.
# - write-o-trunc-refused: after open(O_TRUNC) and a refused write, 6.12's
#   inode says 0 bytes until the next write or mount; teevarfs never shows
#   a size the variable does not have (7).
# - create-upper-case-guid: 6.12 lists a file created with an upper-case
#   GUID as typed until the mount ends (its dentry); teevarfs lists every
#   variable as the service holds it, the GUID in lower case, as 6.12 does
#   after a remount.
# The host half needs root, /dev/fuse, fusermount3 and build/tools/teevarfs
# (CI has them); without them it says so and skips.
# Uses check.sh's ok/nok and $ev_state, machine.sh's TVQ_*.
# shellcheck disable=SC2154 # ev_state is check.sh's

ev_here=$(dirname "${BASH_SOURCE[0]}")
EV_SEQ=$(realpath "$ev_here/../tests/efivarfs/efivarfs-sequence.sh")
# The declared differences: STEP -> "EFIVARFS|TEEVARFS", each side's line
# after its rc= and errno= fields (which must be the same on both), exactly.
declare -A EV_DECLARED=(
    [remnant-after-failed-create]="size=0 mode=644 flags=i sha=e3b0c44298fc1c14 hex=empty file=present ls=listed|size=none mode=none flags=none sha=none file=absent ls=unlisted"
    [write-o-trunc-refused]="size=0 mode=644 flags=- sha=d502ee4de8aeed96 hex=070000006f6e65|size=7 mode=644 flags=- sha=d502ee4de8aeed96 hex=070000006f6e65"
    [create-upper-case-guid]="size=9 mode=644 flags=i sha=983fb116833c6adf hex=0700000068656c6c6f ls=SeqUpper-6A3F0E2D-5C4B-4A19-8D7E-0F1E2D3C4B5A|size=9 mode=644 flags=i sha=983fb116833c6adf hex=0700000068656c6c6f ls=SeqUpper-6a3f0e2d-5c4b-4a19-8d7e-0f1e2d3c4b5a"
)
EV_TEEVARD=
EV_FS=
EV_MNT=

# Unmount and stop what the host half started (also from check.sh's trap).
ev_cleanup() {
    if [ -n "$EV_MNT" ] && awk -v d="$EV_MNT" '$2 == d { f = 1 } END { exit !f }' /proc/mounts; then
        fusermount3 -u "$EV_MNT" 2>/dev/null || umount -l "$EV_MNT" 2>/dev/null
    fi
    if [ -n "$EV_FS" ]; then
        kill -TERM "$EV_FS" 2>/dev/null
        wait "$EV_FS" 2>/dev/null
        EV_FS=
    fi
    if [ -n "$EV_TEEVARD" ]; then
        kill -TERM "$EV_TEEVARD" 2>/dev/null
        wait "$EV_TEEVARD" 2>/dev/null
        EV_TEEVARD=
    fi
    return 0
}

# Why the host half cannot run here, or nothing.
ev_cannot() {
    [ "$(id -u)" -eq 0 ] || { echo "not root (teevarfs' mount, chattr +i)"; return; }
    [ -c /dev/fuse ] || { echo "no /dev/fuse"; return; }
    command -v fusermount3 >/dev/null || { echo "no fusermount3 (package fuse3)"; return; }
    [ -x "$TVQ_BIN/tools/teevarfs" ] || { echo "no $TVQ_BIN/tools/teevarfs"; return; }
    [ -d "$ev_state" ] || { echo "no copy of the store before the reboot boot"; return; }
}

# The host's userland for the script: busybox's applets (as the guest runs
# it; e2fsprogs' chattr and lsattr, efivar and efibootmgr as there), or, when
# busybox is not installed, the host's own tools.
ev_userland() {
    local bb=$TVQ_WORK/ev-busybox a
    command -v busybox >/dev/null || return 1
    mkdir -p "$bb"
    for a in $(busybox --list); do
        case $a in chattr | lsattr) continue ;; esac
        ln -sf "$(command -v busybox)" "$bb/$a"
    done
    echo "$bb"
}

# ev_host OUT: the sequence on teevarfs over teevard on $ev_state; its
# transcript in OUT. 1 (and a not-ok line) when the mount does not come up.
ev_host() {
    local out=$1 sock=$TVQ_WORK/ev.sock i
    "$TVQ_BIN/tools/teevard" --state "$ev_state" --socket "$sock" --boot-phase runtime --no-sync \
        >>"$TVQ_WORK/efivarfs-teevard.log" 2>&1 </dev/null &
    EV_TEEVARD=$!
    for ((i = 0; i < 600; i++)); do
        tvq_teevar --tee "unix:$sock" info >/dev/null 2>&1 && break
        kill -0 "$EV_TEEVARD" 2>/dev/null || break
        sleep 0.05
    done
    EV_MNT=$TVQ_WORK/ev-mnt
    mkdir -p "$EV_MNT"
    "$TVQ_BIN/tools/teevarfs" --tee "unix:$sock" -f "$EV_MNT" \
        >>"$TVQ_WORK/efivarfs-teevarfs.log" 2>&1 </dev/null &
    EV_FS=$!
    for ((i = 0; i < 600; i++)); do
        grep -q " $EV_MNT fuse.teevarfs " /proc/mounts && break
        kill -0 "$EV_FS" 2>/dev/null || break
        sleep 0.05
    done
    if ! grep -q " $EV_MNT fuse.teevarfs " /proc/mounts; then
        nok "[efivarfs] host: teevarfs mounts over teevard on the reboot boot's store"
        sed 's/^/#   /' "$TVQ_WORK/efivarfs-teevard.log" "$TVQ_WORK/efivarfs-teevarfs.log" | tail -n 10
        ev_cleanup
        return 1
    fi
    local bb sh=sh path=$PATH
    if bb=$(ev_userland); then
        sh=$bb/sh path=$bb:$PATH
        echo "# [efivarfs] host userland: busybox $(busybox | head -n 1 | cut -d' ' -f2)"
    else
        echo "# [efivarfs] host userland: the host's own tools (busybox is not installed)"
    fi
    # a bound, should a FUSE request never come back (300 s; it takes 5-35)
    (cd "$TVQ_WORK" && PATH=$path timeout 300 "$sh" "$EV_SEQ" "$EV_MNT") >"$out" \
        2>"$TVQ_WORK/efivarfs-host-stderr.log"
    local rc=$?
    ev_cleanup
    [ "$rc" -eq 0 ] || nok "[efivarfs] host: the sequence ran to its end on teevarfs (exit $rc)"
    return 0
}

# ev_declared NAME EFIVARFS_LINE TEEVARFS_LINE: the two lines differ exactly
# as declared for step NAME: the same rc and errno, each side's rest as listed.
ev_declared() {
    local want=${EV_DECLARED[$1]:-} g=$2 h=$3
    [ -n "$want" ] || return 1
    [ "$(cut -d' ' -f3,4 <<<"$g")" = "$(cut -d' ' -f3,4 <<<"$h")" ] &&
        [ "$(cut -d' ' -f5- <<<"$g")" = "${want%%|*}" ] &&
        [ "$(cut -d' ' -f5- <<<"$h")" = "${want#*|}" ]
}

ev_compare() {
    local guest=$TVQ_WORK/efivarfs-guest.log host=$TVQ_WORK/efivarfs-host.log
    grep -a '^TV-SEQ step ' "$TVQ_WORK/reboot.log" | sed 's/^TV-SEQ //; s/\r$//' >"$guest"
    if [ ! -s "$guest" ]; then
        nok "[efivarfs] the guest's transcript of the sequence (TV-SEQ lines of the reboot boot)"
        return
    fi
    local why
    why=$(ev_cannot)
    if [ -n "$why" ]; then
        ok "[efivarfs] efivarfs and teevarfs compared # SKIP $why"
        return
    fi
    ev_host "$host" || return
    local -a g h
    mapfile -t g <"$guest"
    mapfile -t h <"$host"
    local n=${#g[@]} i same=0 declared=0 differ=0 name
    [ "${#h[@]}" -gt "$n" ] && n=${#h[@]}
    for ((i = 0; i < n; i++)); do
        name=$(cut -d' ' -f2 <<<"${g[i]:-${h[i]}}")
        if [ -n "${EV_DECLARED[$name]:-}" ]; then
            if ev_declared "$name" "${g[i]:-}" "${h[i]:-}"; then
                ok "[efivarfs] $name: differs as declared"
                declared=$((declared + 1))
            else
                nok "[efivarfs] $name: differs as declared"
                echo "#   declared: ${EV_DECLARED[$name]%%|*} | ${EV_DECLARED[$name]#*|}"
                differ=$((differ + 1))
            fi
            echo "#   efivarfs: ${g[i]:-(no line $((i + 1)))}"
            echo "#   teevarfs: ${h[i]:-(no line $((i + 1)))}"
        elif [ "${g[i]:-}" = "${h[i]:-}" ]; then
            ok "[efivarfs] $name: the same on efivarfs and teevarfs"
            same=$((same + 1))
        else
            nok "[efivarfs] $name: the same on efivarfs and teevarfs"
            echo "#   efivarfs: ${g[i]:-(no line $((i + 1)))}"
            echo "#   teevarfs: ${h[i]:-(no line $((i + 1)))}"
            differ=$((differ + 1))
        fi
    done
    echo "# [efivarfs] $n steps: $same the same, $declared as declared, $differ otherwise"
}

ev_compare
