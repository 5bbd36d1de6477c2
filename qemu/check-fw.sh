# SPDX-License-Identifier: BSD-2-Clause
# shellcheck shell=bash
# Sourced by qemu/check.sh: the firmware stores (docs/qemu.md, "Firmware
# stores"). The real firmware judges what `teevar export` writes and what
# `teevar import` reads:
#   fw-plain   AAVMF boots on a vars pflash teevar exported (no TEE on that
#              boot: efivarfs is AAVMF's runtime services); the guest reads
#              every variable, writes, rewrites and deletes one; after
#              power-off teevar imports the pflash
#   fw-uboot   Debian's U-Boot writes ubootefi.var on the ESP with setenv -e,
#              teevar imports it; then U-Boot loads a ubootefi.var teevar
#              exported and printenv -e shows it (and skips what U-Boot skips)
#   fw-sb      keys enrolled in teevar, exported: AAVMF boots the sbsign'ed
#              kernel with SecureBoot 1, refuses the unsigned one, and the
#              signed one once teevar's dbx revokes its hash
# Uses check.sh's ok/nok/check/relay/kernel_clean, machine.sh's tvq_*,
# and check.sh's Secure Boot keys ($sbkeys) when they were made.

fw="$TVQ_WORK/fw"
mkdir -p "$fw"
fw_here=$(dirname "${BASH_SOURCE[0]}")
FWT="$fw_here/fw-tool.py"
# Debian's python3 when there is one: a python3 earlier in PATH may be a
# version manager's shim that costs seconds a start, and this runs it often.
FW_PY=python3
[ -x /usr/bin/python3 ] && FW_PY=/usr/bin/python3
IMAGE_SECURITY=d719b2cb-3d3a-4596-a3bc-dad00e67656f
SHIM=605dab50-e046-4300-abb6-3dd810dd8b23
ESP_BOOT='\EFI\BOOT\BOOTAA64.EFI'

fw_now() { date +%s.%N; }
fw_since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
# fw_show TEXT: up to 20 lines of TEXT as TAP comments.
fw_show() { head -n 20 <<<"$1" | while IFS= read -r l; do echo "#   $l"; done; }
# fw_quiet CMD...: CMD's output only when it fails.
fw_quiet() {
    local o
    o=$("$@" 2>&1) && return 0
    fw_show "$o"
    return 1
}

# The "Name-GUID HEX" lines of a state directory (fw-tool.py state).
fw_state() { "$FW_PY" "$FWT" state "$TVQ_BIN/tools/teevar" "$1"; }
# The HEX of NAME in such a listing (FILE), or nothing.
fw_get() { awk -v n="$2" '$1 == n { print $2 }' "$1"; }

# fw_cmp DESC EXPECTED ACTUAL: one check, both shown when they differ.
fw_cmp() {
    if [ -n "$2" ] && [ "$2" = "$3" ]; then
        ok "$1"
    else
        nok "$1"
        echo "#   expected: ${2:0:160}"
        echo "#   actual:   ${3:0:160}"
    fi
}

# EDK2's own Secure Boot bookkeeping, which teevar import ignores (CONTRACT).
fw_edk2_own() {
    case $1 in
        certdb-d9bee56e-75dc-49d9-b4d7-b534210f637a | \
        certdbv-d9bee56e-75dc-49d9-b4d7-b534210f637a | \
        VendorKeysNv-9073e4e0-60ec-4b6e-9903-4c223c260f3c | \
        CustomMode-c076ec0c-7028-4399-a072-71ee5c448b9f | \
        SecureBootEnable-f0a30bc7-af08-4556-99c4-001009c93a44) return 0 ;;
    esac
    return 1
}
# fw_seed SCENARIO STATE CMD...: teevar --state STATE CMD for each CMD, then the
# KEK-signed private variable TvAuth when sb-keys.sh made it; 1 (a not-ok line
# said which) when one fails.
fw_seed() {
    local scenario=$1 st=$2 cmd; shift 2
    [ -n "$FW_AUTH" ] && set -- "$@" "set TvAuth-$G --attrs nv,bs,rt,at --file $FW_AUTH"
    for cmd in "$@"; do
        # shellcheck disable=SC2086
        tvq_teevar --state "$st" $cmd >/dev/null || { nok "[$scenario] teevar $cmd"; return 1; }
    done
}


# The attribute word of a HEX (u32 LE in its first 8 digits), as a number.
fw_attrs() { echo $((16#${1:6:2}${1:4:2}${1:2:2}${1:0:2})); }

# fw_guest_run SCENARIO: check.sh's guest_run for these boots (no teevard):
# boot (TVQ_* as set), wait for the power-off, judge the run, relay the
# guest's TAP lines, scan the console. A QEMU still there 30 s after the
# guest's last line (TV-GUEST-END, then `poweroff -f`) is killed and said so:
# once, under load, a guest's power-off here took until TVQ_TIMEOUT. The
# pflash is written through to its file as the guest goes, so nothing the
# check reads is lost with it.
fw_guest_run() {
    local scenario=$1 log="$TVQ_WORK/$1.log" t0 grace=-1
    t0=$(fw_now)
    tvq_boot "$scenario" "$log"
    while kill -0 "$TVQ_QEMU" 2>/dev/null; do
        if [ "$grace" -lt 0 ]; then
            grep -a -q "^TV-GUEST-END rc=" "$log" && grace=300
        else
            grace=$((grace - 1))
            if [ "$grace" -eq 0 ]; then
                echo "# [$scenario] QEMU still running 30 s after the guest's power-off: killed"
                kill "$TVQ_QEMU" 2>/dev/null
                break
            fi
        fi
        sleep 0.1
    done
    wait "$TVQ_QEMU" 2>/dev/null
    TVQ_QEMU=
    check "[$scenario] the guest ran its scenario to the end ($(fw_since "$t0") s)" \
        grep -a -q "^TV-GUEST-END rc=" "$log"
    relay "$scenario" "$log"
    check "[$scenario] no oops, BUG or warning on the console" kernel_clean "$log"
}

# Boot0000 on every store here: the guest disk's ESP, \EFI\BOOT\BOOTAA64.EFI.
FW_BOOT0=$("$FW_PY" "$FWT" loadopt "teevar kernel" "$ESP_BOOT")

# ---------------------------------------------------------------------------
# fw-plain: a teevar state with test variables, exported to AAVMF's pflash.
# ---------------------------------------------------------------------------
fw_plain() {
    local st="$fw/plain-state" vars="$fw/plain-vars.fd" new="$fw/plain-import"
    mkdir -p -m 700 "$st" "$new"   # teevar uses a state directory, never makes one
    local seed=(
        "set Boot0000-$GLOBAL --hex $FW_BOOT0"
        "set BootOrder-$GLOBAL --hex 0000"
        "set Timeout-$GLOBAL --hex 0300"
        "set TvPlain-$G --string exported-by-teevar"
        "set TvBin-$G --hex $("$FW_PY" -c 'print(bytes(range(256)).hex())')"
        "set TvLarge-$G --hex $("$FW_PY" -c 'print((bytes(range(251)) * 24).hex())')"
        "set TvBsOnly-$G --attrs nv,bs --string boot-services-only"
        "set TvRewrite-$G --string before"
        "set TvDelete-$G --string to-be-deleted"
    )
    fw_seed fw-plain "$st" "${seed[@]}" || return 1
    local out
    if out=$(tvq_teevar --state "$st" export "$vars" 2>&1); then
        ok "[fw-plain] teevar export writes the vars pflash ($(grep "^exported" <<<"$out"))"
        grep -v "^exported" <<<"$out" | sed "s/^/# /"
    else
        nok "[fw-plain] teevar export writes the vars pflash"
        fw_show "$out"
        return 1
    fi
    check "[fw-plain] the export is AAVMF's 64 MiB pflash" test "$(stat -c %s "$vars")" -eq 67108864
    fw_state "$st" >"$fw/plain-state.txt"

    TVQ_VARS=$vars TVQ_NO_TEE=1 fw_guest_run fw-plain
    local log="$TVQ_WORK/fw-plain.log"
    "$FW_PY" "$FWT" fwvars "$log" TV-FWVAR >"$fw/plain-guest.txt"

    # Every exported variable as the firmware's runtime services show it.
    local name hex g a
    while read -r name hex; do
        a=$(fw_attrs "$hex")
        g=$(fw_get "$fw/plain-guest.txt" "$name")
        [ $((a & 1)) -eq 1 ] || continue                 # teevar's status variables
        if [ $((a & 4)) -eq 0 ]; then
            check "[fw-plain] ${name%%-*} (nv,bs) is not shown at runtime" test -z "$g"
        elif [ "$name" = "BootOrder-$GLOBAL" ]; then
            # AAVMF registers its boot manager menu (UiApp) as a hidden boot
            # option after the ones it finds, and appends it to BootOrder.
            check "[fw-plain] BootOrder: teevar's Boot0000, then AAVMF's own Boot0001 (${g:8})" \
                test "$g" = "${hex}0100"
        else
            fw_cmp "[fw-plain] the firmware shows ${name%%-*} as exported (attributes, $(((${#hex} - 8) / 2)) bytes)" "$hex" "$g"
        fi
    done <"$fw/plain-state.txt"
    # What AAVMF added or changed at boot (nv variables the guest saw).
    local added="" changed=""
    while read -r name hex; do
        a=$(fw_attrs "$hex")
        [ $((a & 1)) -eq 1 ] || continue
        local was
        was=$(fw_get "$fw/plain-state.txt" "$name")
        if [ -z "$was" ]; then added="$added ${name%%-*}"
        elif [ "$was" != "$hex" ]; then changed="$changed ${name%%-*}"; fi
    done <"$fw/plain-guest.txt"
    echo "# [fw-plain] AAVMF added at boot:$added"
    echo "# [fw-plain] AAVMF changed at boot:${changed:- nothing}"
    local ui
    ui=$(fw_get "$fw/plain-guest.txt" "Boot0001-$GLOBAL")
    check "[fw-plain] AAVMF's Boot0001 is its UiApp, active and hidden (attributes 0x109)" \
        test "${ui:0:16}" = 0700000009010000 -a -n "$(grep -o 5500690041007000700000 <<<"$ui")"
    check "[fw-plain] AAVMF counted the boot in its monotonic counter (MTC added)" \
        grep -q "^MTC-eb704011-1402-11d3-8e77-00a0c969723b 07000000" "$fw/plain-guest.txt"

    # After power-off: the pflash, imported into a new state, is what the
    # guest read, with its writes. The store holds a private authenticated
    # variable: its binding cannot come along, hence --unbound-private.
    if out=$(tvq_teevar --state "$new" import --unbound-private "$vars" 2>&1); then
        ok "[fw-plain] teevar import reads the pflash after power-off ($(tail -n 1 <<<"$out"))"
    else
        nok "[fw-plain] teevar import reads the pflash after power-off"
        fw_show "$out"
        return 1
    fi
    grep -E '^(ignore|invalid|conflict)' <<<"$out" | sed 's/^/# [fw-plain] import: /'
    fw_state "$new" >"$fw/plain-import.txt"
    "$FW_PY" "$FWT" fwvars "$log" TV-FWVAR-AFTER >>"$fw/plain-guest.txt"
    local n=0 bad="" deleted
    deleted=$("$FW_PY" "$FWT" fwvars "$log" TV-FWVAR-AFTER-DELETED)   # Name-GUID alone
    while read -r name; do
        grep -qx "$name" <<<"$deleted" && continue
        hex=$(grep "^$name " "$fw/plain-guest.txt" | tail -n 1 | cut -d' ' -f2)
        a=$(fw_attrs "$hex")
        [ $((a & 1)) -eq 1 ] || continue
        fw_edk2_own "$name" && continue
        n=$((n + 1))
        [ "$(fw_get "$fw/plain-import.txt" "$name")" = "$hex" ] || bad="$bad $name"
    done < <(cut -d' ' -f1 "$fw/plain-guest.txt" | sort -u)
    check "[fw-plain] every nv variable the guest read last ($n, AAVMF's included) is imported byte for byte${bad:+ (differ:$bad)}" \
        test -z "$bad"
    local unseen=""
    while read -r name hex; do
        [ -n "$(fw_get "$fw/plain-guest.txt" "$name")" ] && continue
        a=$(fw_attrs "$hex")
        # nv without rt; teevar's own status variables (volatile) aside
        [ $((a & 1)) -eq 0 ] || [ $((a & 4)) -eq 0 ] || unseen="$unseen ${name%%-*}"
    done <"$fw/plain-import.txt"
    check "[fw-plain] the imported variables the guest did not see are all boot-services-only${unseen:+ (not:$unseen)}" \
        test -z "$unseen"
    fw_cmp "[fw-plain] the guest's new variable TvGuest is imported" \
        "07000000$(printf 'written by the guest' | od -An -tx1 | tr -d ' \n')" \
        "$(fw_get "$fw/plain-import.txt" "TvGuest-$G")"
    fw_cmp "[fw-plain] the guest's rewrite of TvRewrite is imported" \
        "07000000$(printf rewritten | od -An -tx1 | tr -d ' \n')" \
        "$(fw_get "$fw/plain-import.txt" "TvRewrite-$G")"
    check "[fw-plain] the guest's deletion of TvDelete holds" \
        test -z "$(fw_get "$fw/plain-import.txt" "TvDelete-$G")"
    fw_cmp "[fw-plain] TvBsOnly, which the guest could not see, comes back unchanged" \
        "$(fw_get "$fw/plain-state.txt" "TvBsOnly-$G")" "$(fw_get "$fw/plain-import.txt" "TvBsOnly-$G")"
    if [ -n "$FW_AUTH" ]; then
        # TvAuth's timestamp through AAVMF's store and back: export the
        # imported state as a ubootefi.var, whose entries carry it as a u64.
        local secs=x
        tvq_teevar --state "$new" export "$fw/plain-import.var" >/dev/null 2>&1 &&
            secs=$("$FW_PY" "$FWT" vartime "$fw/plain-import.var" TvAuth)
        check "[fw-plain] TvAuth keeps its signing time, 2024-01-01 00:00:00, through the firmware ($secs)" \
            test "$secs" = 1704067200
    fi
    local own=""
    while read -r name _; do
        fw_edk2_own "$name" && own="$own ${name%%-*}"
    done < <("$FW_PY" "$FWT" fwvars "$log" TV-FWVAR)
    check "[fw-plain] EDK2's bookkeeping ($own) is not imported" \
        test -z "$(for v in $own; do grep "^$v-" "$fw/plain-import.txt"; done)"
}

# ---------------------------------------------------------------------------
# fw-uboot: U-Boot's ubootefi.var, both ways.
# ---------------------------------------------------------------------------
# fw_uboot_run NAME DISK CMDS: U-Boot on DISK runs CMDS; console in
# TVQ_WORK/NAME.log. Its pid is TVQ_QEMU while it runs (the cleanup kills it).
fw_uboot_run() {
    local name=$1 disk=$2 cmds=$3 t0
    t0=$(fw_now)
    tvq_uboot_args "$disk"
    timeout 120 "$FW_PY" "$FWT" uboot "$TVQ_WORK/$name.log" "$cmds" -- \
        qemu-system-aarch64 "${TVQ_ARGS[@]}" &
    TVQ_QEMU=$!
    wait "$TVQ_QEMU"
    local rc=$?
    TVQ_QEMU=
    check "[$name] U-Boot ran the commands and powered off ($(fw_since "$t0") s)" test "$rc" -eq 0
}

fw_uboot() {
    local disk="$fw/uboot.img" cmds="$fw/uboot-set.cmds" st="$fw/uboot-import"
    mkdir -p -m 700 "$st" "$fw/uboot-reimport"
    cp "$TVQ_OUT/disk.img" "$disk"
    check "[fw-uboot] a FAT file system on the disk's ESP (mkfs.vfat)" tvq_esp_fat "$disk"
    # setenv -e: a string, a hex byte array (=H), 12 bytes from memory (-i),
    # nv,bs; a volatile one (not in the file); one set and deleted.
    cat >"$cmds" <<EOF
setenv -e -nv -bs -rt -guid $G TvUbStr hello-from-u-boot
setenv -e -nv -bs -rt -guid $G TvUbHex =H00ff7f80deadbeef
mw.l 0x50000000 0x03020100
mw.l 0x50000004 0x07060504
mw.l 0x50000008 0xfffefdfc
setenv -e -nv -bs -rt -guid $G -i 0x50000000:0xc TvUbBin
setenv -e -nv -bs -guid $G TvUbBsOnly boot-services-only
setenv -e -bs -rt -guid $G TvUbVolatile volatile
setenv -e -nv -bs -rt -guid $G TvUbDeleted gone
setenv -e -guid $G TvUbDeleted
EOF
    local v
    for v in TvUbStr TvUbHex TvUbBin TvUbBsOnly TvUbVolatile TvUbDeleted; do
        echo "printenv -e -guid $G $v"
    done >>"$cmds"
    echo "printenv -e -guid $GLOBAL PlatformLang" >>"$cmds"
    fw_uboot_run fw-uboot-set "$disk" "$cmds"
    "$FW_PY" "$FWT" printenv "$TVQ_WORK/fw-uboot-set.log" >"$fw/uboot-shown.txt"
    fw_cmp "[fw-uboot] printenv -e shows the string U-Boot set" \
        "07000000$(printf hello-from-u-boot | od -An -tx1 | tr -d ' \n')" \
        "$(fw_get "$fw/uboot-shown.txt" "TvUbStr-$G")"
    fw_cmp "[fw-uboot] printenv -e shows the =H byte array and the -i memory" \
        "0700000000ff7f80deadbeef 070000000001020304050607fcfdfeff" \
        "$(fw_get "$fw/uboot-shown.txt" "TvUbHex-$G") $(fw_get "$fw/uboot-shown.txt" "TvUbBin-$G")"

    if mcopy -n -i "$disk@@1M" ::ubootefi.var "$fw/uboot-written.var" 2>/dev/null; then
        ok "[fw-uboot] U-Boot wrote ubootefi.var on the ESP ($(stat -c %s "$fw/uboot-written.var") bytes; mcopy)"
    else
        nok "[fw-uboot] U-Boot wrote ubootefi.var on the ESP"
        return 1
    fi
    local out
    if out=$(tvq_teevar --state "$st" import "$fw/uboot-written.var" 2>&1); then
        ok "[fw-uboot] teevar import reads U-Boot's file ($(tail -n 1 <<<"$out"))"
    else
        nok "[fw-uboot] teevar import reads U-Boot's file"
        fw_show "$out"
        return 1
    fi
    fw_state "$st" >"$fw/uboot-import.txt"
    local name hex nv
    nv=$(while read -r name hex; do
        [ $(($(fw_attrs "$hex") & 1)) -eq 1 ] && echo "${name%%-*}"
    done <"$fw/uboot-import.txt" | sort | tr '\n' ' ')
    check "[fw-uboot] the file holds U-Boot's nv variables: its PlatformLang and the four set (${nv% })" \
        test "$nv" = "PlatformLang TvUbBin TvUbBsOnly TvUbHex TvUbStr "
    while read -r name hex; do
        if [ "$hex" = - ]; then
            check "[fw-uboot] ${name%%-*}, deleted in U-Boot, is not imported" \
                test -z "$(fw_get "$fw/uboot-import.txt" "$name")"
        elif [ $(($(fw_attrs "$hex") & 1)) -eq 0 ]; then
            check "[fw-uboot] ${name%%-*}, volatile in U-Boot, is not in the file" \
                test -z "$(fw_get "$fw/uboot-import.txt" "$name")"
        else
            fw_cmp "[fw-uboot] teevar imports ${name%%-*} as U-Boot's printenv -e shows it" \
                "$hex" "$(fw_get "$fw/uboot-import.txt" "$name")"
        fi
    done <"$fw/uboot-shown.txt"

    # The other way: a state with plain variables and what U-Boot skips when
    # it loads the file (its efi_var_restore(): PK, KEK, db, dbx, dbt, dbr,
    # AuditMode, DeployedMode, the shim's GUID, volatile and empty ones).
    local ex="$fw/uboot-export-state" keys=$1
    mkdir -p -m 700 "$ex"
    local seed=(
        "set Boot0000-$GLOBAL --hex $FW_BOOT0"
        "set BootOrder-$GLOBAL --hex 0000"
        "set TvExStr-$G --string exported-by-teevar"
        "set TvExBin-$G --hex $("$FW_PY" -c 'print(bytes(range(256)).hex())')"
        "set TvExBsOnly-$G --attrs nv,bs --string boot-services-only"
        "set MokListTv-$SHIM --attrs nv,bs --string shim-guid"
    )
    fw_seed fw-uboot "$ex" "${seed[@]}" || return 1
    if [ -n "$keys" ]; then
        tvq_teevar --state "$ex" secureboot enroll --pk "$keys/PK.auth" --kek "$keys/KEK.auth" \
            --db "$keys/db.auth" >/dev/null || nok "[fw-uboot] teevar secureboot enroll"
        tvq_teevar --state "$ex" set dbx --attrs nv,bs,rt,at --append \
            --file "$keys/dbx-append.auth" >/dev/null || nok "[fw-uboot] teevar set dbx"
    fi
    if out=$(tvq_teevar --state "$ex" export "$fw/teevar.var" 2>"$fw/uboot-export.err"); then
        ok "[fw-uboot] teevar export writes a ubootefi.var ($out)"
    else
        nok "[fw-uboot] teevar export writes a ubootefi.var"
        fw_show "$out"
        fw_show "$(cat "$fw/uboot-export.err")"
        return 1
    fi
    sed 's/^/# [fw-uboot] /' "$fw/uboot-export.err"
    # teevar's warnings name variables U-Boot will not load from the file.
    local warned
    warned=$(sed -n 's/.*U-Boot will not load \([^-]*\)-.*/\1/p' "$fw/uboot-export.err" | sort | tr '\n' ' ')
    check "[fw-uboot] mcopy puts it on the ESP as ubootefi.var" \
        mcopy -o -i "$disk@@1M" "$fw/teevar.var" ::ubootefi.var
    fw_state "$ex" >"$fw/uboot-export.txt"
    cmds="$fw/uboot-get.cmds"
    # teevar's nv variables (its status variables are volatile).
    while read -r name hex; do
        [ $(($(fw_attrs "$hex") & 1)) -eq 1 ] && echo "$name $hex"
    done <"$fw/uboot-export.txt" >"$fw/uboot-export-nv.txt"
    while read -r name _; do
        echo "printenv -e -guid ${name#*-} ${name%%-*}"
    done <"$fw/uboot-export-nv.txt" >"$cmds"
    # Rewrite: U-Boot saves the whole store at its next SetVariable.
    echo "setenv -e -nv -bs -rt -guid $G TvUbAfter after" >>"$cmds"
    echo "printenv -e -guid $GLOBAL SetupMode" >>"$cmds"
    fw_uboot_run fw-uboot-load "$disk" "$cmds"
    "$FW_PY" "$FWT" printenv "$TVQ_WORK/fw-uboot-load.log" >"$fw/uboot-loaded.txt"
    # efi_var_from_file() complains of a file it cannot read or whose magic,
    # length or CRC32 is wrong, and of each entry it cannot set.
    check "[fw-uboot] U-Boot loads teevar's file without a complaint (no \"Invalid EFI variables file\", no \"Failed to ...\")" \
        sh -c "! grep -a -q -e 'Invalid EFI variables file' -e 'Failed to load EFI variables' \
            -e 'Failed to set EFI variable' '$TVQ_WORK/fw-uboot-load.log'"
    local skipped=""
    while read -r name hex; do
        local shown
        shown=$(fw_get "$fw/uboot-loaded.txt" "$name")
        case $name in
            "PK-$GLOBAL" | "KEK-$GLOBAL" | "db-$IMAGE_SECURITY" | "dbx-$IMAGE_SECURITY" | *-"$SHIM")
                skipped="$skipped ${name%%-*}"
                check "[fw-uboot] U-Boot does not load ${name%%-*} from the file (Secure Boot or shim variable)" \
                    test "$shown" = - ;;
            *)
                fw_cmp "[fw-uboot] U-Boot's printenv -e shows ${name%%-*} as teevar exported it" "$hex" "$shown" ;;
        esac
    done <"$fw/uboot-export-nv.txt"
    local skipped_sorted
    skipped_sorted=$(tr ' ' '\n' <<<"$skipped" | sed '/^$/d' | sort | tr '\n' ' ')
    check "[fw-uboot] teevar export warned of exactly what U-Boot skipped: ${warned:-nothing}" \
        test "$warned" = "$skipped_sorted"
    fw_cmp "[fw-uboot] U-Boot stays in setup mode (the PK in the file is skipped)" \
        06000080"01" "$(fw_get "$fw/uboot-loaded.txt" "SetupMode-$GLOBAL")"
    if mcopy -n -i "$disk@@1M" ::ubootefi.var "$fw/uboot-rewritten.var" 2>/dev/null &&
        tvq_teevar --state "$fw/uboot-reimport" import --unbound-private "$fw/uboot-rewritten.var" \
            >/dev/null 2>&1; then
        fw_state "$fw/uboot-reimport" >"$fw/uboot-reimport.txt"
        local lost=""
        for name in $skipped; do
            grep -q "^$name-" "$fw/uboot-reimport.txt" && lost="$lost $name"
        done
        check "[fw-uboot] U-Boot's next save drops what it skipped (${skipped# }) and keeps TvExStr" \
            test -z "$lost" -a -n "$(fw_get "$fw/uboot-reimport.txt" "TvExStr-$G")"
    else
        nok "[fw-uboot] U-Boot's rewritten ubootefi.var imports"
    fi
}

# ---------------------------------------------------------------------------
# fw-sb: Secure Boot end to end.
# ---------------------------------------------------------------------------
# fw_refused NAME: boot (TVQ_* as set) until the boot manager gives up or
# Linux's EFI stub speaks; then QEMU is killed. Console TVQ_WORK/NAME.log.
fw_refused() {
    local name=$1 log="$TVQ_WORK/$1.log" t0
    t0=$(fw_now)
    tvq_boot fw-sb "$log"
    for _ in $(seq 900); do
        # A whole line: the refusal with its status, up to the CR.
        grep -a -q -e $'BdsDxe: failed to load Boot0000.*\r' -e "BdsDxe: No bootable option" \
            -e "EFI stub:" "$log" 2>/dev/null && break
        kill -0 "$TVQ_QEMU" 2>/dev/null || break
        sleep 0.1
    done
    kill "$TVQ_QEMU" 2>/dev/null
    wait "$TVQ_QEMU" 2>/dev/null
    TVQ_QEMU=
    local line
    line=$(grep -a -m 1 "BdsDxe: failed to load Boot0000" "$log" | tr -d '\r')
    check "[$name] AAVMF refuses it: \"${line:-no refusal on the console}\" ($(fw_since "$t0") s)" \
        grep -a -q "BdsDxe: failed to load Boot0000 \"teevar kernel\" .*: Access Denied" "$log"
    check "[$name] Linux never starts (no EFI stub line on the console)" \
        sh -c "! grep -a -q 'EFI stub' '$log'"
}

# fw_esp_boot DISK IMAGE: a FAT ESP on DISK with IMAGE at \EFI\BOOT\BOOTAA64.EFI.
fw_esp_boot() {
    tvq_esp_fat "$1" && mmd -i "$1@@1M" ::EFI ::EFI/BOOT &&
        mcopy -i "$1@@1M" "$2" ::EFI/BOOT/BOOTAA64.EFI
}

# fw_revocation IMAGE KEYS OUT: OUT, a dbx append signed by KEYS' KEK with
# IMAGE's Authenticode SHA-256 (the hash the firmware computes).
fw_revocation() {
    hash-to-efi-sig-list "$1" "$3.esl" >/dev/null &&
        sign-efi-sig-list -a -g "$G" -k "$2/KEK.key" -c "$2/KEK.crt" dbx "$3.esl" "$3" >/dev/null
}

fw_sb() {
    local keys=$1 st="$fw/sb-state" out
    mkdir -p -m 700 "$st" "$fw/sb-import"
    if [ -z "$keys" ]; then
        nok "[fw-sb] Secure Boot keys (qemu/sb-keys.sh)"
        return 1
    fi
    if out=$(tvq_teevar --state "$st" secureboot enroll --pk "$keys/PK.auth" --kek "$keys/KEK.auth" \
        --db "$keys/db.auth" 2>&1); then
        ok "[fw-sb] teevar secureboot enroll --pk --kek --db (keys made at test time; $(tail -n 1 <<<"$out"))"
    else
        nok "[fw-sb] teevar secureboot enroll --pk --kek --db"
        fw_show "$out"
        return 1
    fi
    # Timeout 0: once -kernel is refused, AAVMF's boot manager would count
    # down its default 5 s before it tries the boot options.
    if ! tvq_teevar --state "$st" set "Boot0000-$GLOBAL" --hex "$FW_BOOT0" >/dev/null ||
        ! tvq_teevar --state "$st" set "BootOrder-$GLOBAL" --hex 0000 >/dev/null ||
        ! tvq_teevar --state "$st" set "Timeout-$GLOBAL" --hex 0000 >/dev/null; then
        nok "[fw-sb] Boot0000, BootOrder and Timeout set"
    fi
    if out=$(tvq_teevar --state "$st" export "$fw/sb.fd" 2>&1); then
        ok "[fw-sb] teevar export ($(grep "^exported" <<<"$out"))"
        grep -v "^exported" <<<"$out" | sed "s/^/# /"
    else
        nok "[fw-sb] teevar export"
        fw_show "$out"
        return 1
    fi
    local image="$TVQ_OUT/linux/arch/arm64/boot/Image" signed="$fw/Image.signed"
    check "[fw-sb] sbsign signs the guest kernel (a PE/COFF EFI stub image) with the db key" \
        fw_quiet sbsign --key "$keys/db.key" --cert "$keys/db.crt" --output "$signed" "$image"
    check "[fw-sb] sbverify: the signature checks against db's certificate" \
        fw_quiet sbverify --cert "$keys/db.crt" "$signed"
    # The ESP carries a copy at \EFI\BOOT\BOOTAA64.EFI, Boot0000's path: the
    # boot manager tries it when the -kernel image is refused, and says so.
    local disk="$fw/sb-disk.img"
    cp "$TVQ_OUT/disk.img" "$disk"
    check "[fw-sb] the ESP (FAT) holds the signed copy at $ESP_BOOT (Boot0000's path)" \
        fw_esp_boot "$disk" "$signed"


    cp "$fw/sb.fd" "$fw/sb-boot.fd"
    TVQ_VARS="$fw/sb-boot.fd" TVQ_KERNEL=$signed TVQ_DISK=$disk TVQ_NO_TEE=1 \
        fw_guest_run fw-sb
    local log="$TVQ_WORK/fw-sb.log"
    check "[fw-sb] the EFI stub says \"UEFI Secure Boot is enabled\"" \
        grep -a -q "EFI stub: UEFI Secure Boot is enabled" "$log"
    fw_state "$st" >"$fw/sb-state.txt"
    "$FW_PY" "$FWT" fwvars "$log" TV-FWVAR >"$fw/sb-guest.txt"
    local v
    for v in "PK-$GLOBAL" "KEK-$GLOBAL" "db-$IMAGE_SECURITY"; do
        fw_cmp "[fw-sb] the firmware shows ${v%%-*} as teevar enrolled it" \
            "$(fw_get "$fw/sb-state.txt" "$v")" "$(fw_get "$fw/sb-guest.txt" "$v")"
    done
    if out=$(tvq_teevar --state "$fw/sb-import" import "$fw/sb-boot.fd" 2>&1); then
        local mode
        mode=$(tvq_teevar --state "$fw/sb-import" secureboot status --json |
            "$FW_PY" -c 'import json, sys; print(json.load(sys.stdin)["mode"])')
        check "[fw-sb] the pflash after that boot imports in user mode ($mode)" test "$mode" = user
        grep '^ignore' <<<"$out" | sed 's/^/# [fw-sb] import: /'
        fw_state "$fw/sb-import" >"$fw/sb-import.txt"
        for v in "PK-$GLOBAL" "KEK-$GLOBAL" "db-$IMAGE_SECURITY"; do
            fw_cmp "[fw-sb] ${v%%-*} comes back from the firmware's pflash as teevar enrolled it" \
                "$(fw_get "$fw/sb-state.txt" "$v")" "$(fw_get "$fw/sb-import.txt" "$v")"
        done
    else
        nok "[fw-sb] the pflash after that boot imports"
        fw_show "$out"
    fi

    # The unsigned kernel, as -kernel and on the ESP: refused.
    mcopy -o -i "$disk@@1M" "$image" "::EFI/BOOT/BOOTAA64.EFI"
    cp "$fw/sb.fd" "$fw/sb-boot.fd"
    TVQ_VARS="$fw/sb-boot.fd" TVQ_KERNEL=$image TVQ_DISK=$disk TVQ_NO_TEE=1 \
        fw_refused fw-sb-unsigned

    # Revoked: the signed kernel's hash in dbx, a KEK-signed append.
    mcopy -o -i "$disk@@1M" "$signed" "::EFI/BOOT/BOOTAA64.EFI"
    check "[fw-sb] the signed kernel's hash as a KEK-signed dbx append (hash-to-efi-sig-list, sign-efi-sig-list -a)" \
        fw_revocation "$signed" "$keys" "$fw/revoke.auth"

    check "[fw-sb] teevar appends the kernel's hash to dbx (a KEK-signed update)" \
        fw_quiet tvq_teevar --state "$st" set dbx --attrs nv,bs,rt,at --append --file "$fw/revoke.auth"
    if out=$(tvq_teevar --state "$st" export "$fw/sb-revoked.fd" 2>&1); then
        ok "[fw-sb] teevar export with the revocation ($(grep "^exported" <<<"$out"))"
        grep -v "^exported" <<<"$out" | sed "s/^/# /"
    else
        nok "[fw-sb] teevar export with the revocation"
        fw_show "$out"
        return 1
    fi
    TVQ_VARS="$fw/sb-revoked.fd" TVQ_KERNEL=$signed TVQ_DISK=$disk TVQ_NO_TEE=1 \
        fw_refused fw-sb-revoked
}

fw_keys=""
if [ -f "${sbkeys:-}/PK.auth" ] && [ -f "$sbkeys/db.key" ]; then
    fw_keys=$sbkeys
elif "$fw_here/sb-keys.sh" "$TVQ_WORK/fw-keys" >"$TVQ_WORK/fw-keys.log" 2>&1; then
    fw_keys="$TVQ_WORK/fw-keys"
fi
# A private authenticated variable (nv,bs,rt,at; not a Secure Boot key),
# signed by KEK at a fixed time, for the stores that carry timestamps.
FW_AUTH=""
if [ -n "$fw_keys" ]; then
    printf 'private authenticated' >"$fw/auth.bin"
    sign-efi-sig-list -t "2024-01-01 00:00:00" -g "$G" -k "$fw_keys/KEK.key" -c "$fw_keys/KEK.crt" \
        TvAuth "$fw/auth.bin" "$fw/auth.auth" >/dev/null && FW_AUTH="$fw/auth.auth"
fi
fw_plain
fw_uboot "$fw_keys"
fw_sb "$fw_keys"
unset TVQ_VARS TVQ_KERNEL TVQ_DISK TVQ_NO_TEE
