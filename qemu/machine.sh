# SPDX-License-Identifier: BSD-2-Clause
# shellcheck shell=bash disable=SC2034  # sourced; its variables are for the callers
# The test machine, sourced by qemu/check.sh and bench/qemu-bench.sh.
#
# A "machine" is teevard on the host (the secure world, with its state
# directory standing in for the board's RPMB) plus qemu-system-aarch64 (the
# normal world). The guest reaches teevard through a virtio-serial port that
# QEMU connects to teevard's socket (docs/qemu.md). A power cycle restarts
# both: the secure core's RAM (volatile variables, boot phase) does not
# survive it, its state directory does.
#
# Needs: TVQ_OUT (prepared by qemu/prepare.sh), TVQ_BIN (host build dir with
# tools/teevard and tools/teevar); tvq_workdir sets TVQ_WORK.

TVQ_GUID=5e0f1d2c-3b4a-4f69-8e7d-6c5b4a392817
TVQ_TIMEOUT=${TVQ_TIMEOUT:-300}

tvq_teevar() { "$TVQ_BIN/tools/teevar" "$@"; }

# A scratch directory for one run (TVQ_WORK: sockets, logs, the firmware's
# variable store), with a copy of the GPT disk the guest may write.
tvq_workdir() {
    TVQ_WORK=$(mktemp -d "/tmp/teevar-$1.XXXXXX")
    cp "$TVQ_OUT/disk.img" "$TVQ_WORK/disk.img"
}

# The firmware stage of a power cycle: start teevard on STATE with a private
# socket; run "$@" (teevar commands as the firmware, in the boot-services
# phase); signal ready-to-boot and exit-boot-services; only then publish the
# socket where QEMU connects, so that the guest never sees the boot phase.
tvq_secure_start() {
    local state=$1; shift
    local fw="$TVQ_WORK/fw.sock"
    rm -f "$fw"
    "$TVQ_BIN/tools/teevard" --state "$state" --socket "$fw" \
        >>"$TVQ_WORK/teevard.log" 2>&1 &
    TVQ_TEEVARD=$!
    local i
    for i in $(seq 100); do
        [ -S "$fw" ] && break
        sleep 0.05
    done
    [ -S "$fw" ] || { echo "# teevard did not start"; tvq_secure_stop kill; return 1; }
    local cmd
    for cmd in "$@" "phase ready-to-boot" "phase exit-boot-services"; do
        # shellcheck disable=SC2086
        tvq_teevar --tee "unix:$fw" $cmd >/dev/null || {
            echo "# firmware stage: teevar $cmd failed"; tvq_secure_stop kill; return 1; }
    done
    mv -f "$fw" "$TVQ_WORK/tvdp.sock"
}

# The secure core for the route through the guest's supplicant: teevard
# --rpmb rpc on STATE, published at once where QEMU connects (its store is
# mounted by the guest's first call; no firmware stage), in the runtime phase.
tvq_secure_start_rpc() {
    local state=$1; shift
    local sock="$TVQ_WORK/tvdp.sock"
    rm -f "$sock"
    "$TVQ_BIN/tools/teevard" --state "$state" --socket "$sock" --rpmb rpc \
        --boot-phase runtime "$@" >>"$TVQ_WORK/teevard.log" 2>&1 &
    TVQ_TEEVARD=$!
    local i
    for i in $(seq 100); do
        [ -S "$sock" ] && return 0
        sleep 0.05
    done
    echo "# teevard --rpmb rpc did not start"
    tvq_secure_stop kill
    return 1
}

# Stop teevard: SIGTERM (a clean power-off) or, with "kill", SIGKILL.
tvq_secure_stop() {
    [ -n "${TVQ_TEEVARD:-}" ] || return 0
    if [ "${1:-}" = kill ]; then
        kill -KILL "$TVQ_TEEVARD" 2>/dev/null || true
    else
        kill -TERM "$TVQ_TEEVARD" 2>/dev/null || true
    fi
    wait "$TVQ_TEEVARD" 2>/dev/null || true
    TVQ_TEEVARD=
}

# tvq_args SCENARIO [KERNEL ARGS...]: the machine's qemu-system-aarch64
# arguments, in the array TVQ_ARGS; the guest runs /teevar/SCENARIO.sh and
# powers off. The console is stdio. With TVQ_EXTRA_DISK set to a file, that
# file is a second, read-only virtio disk (the guest's /dev/vdb; the
# secureboot scenario's keys, as a tar archive).
# The firmware stores' boots (qemu/check-fw.sh) choose more:
#   TVQ_VARS    the vars pflash (a 64 MiB file the firmware writes), instead
#               of a fresh copy of AAVMF_VARS.fd
#   TVQ_KERNEL  the kernel (an sbsign'ed copy), instead of the built Image
#   TVQ_DISK    the virtio disk, instead of TVQ_WORK/disk.img
#   TVQ_NO_TEE  set: no virtio-serial port to teevard, so that the guest has
#               no way to the secure core and efivarfs is AAVMF's own
tvq_args() {
    local scenario=$1; shift
    local vars=${TVQ_VARS:-}
    if [ -z "$vars" ]; then
        vars="$TVQ_WORK/vars.fd"
        cp "$TVQ_OUT/AAVMF_VARS.fd" "$vars"
    fi
    # shellcheck disable=SC2054 # the commas are QEMU's
    TVQ_ARGS=(
        -M virt,acpi=off -cpu max -smp 1 -m 512
        -nographic -monitor none -no-reboot -nic none
        -drive if=pflash,format=raw,readonly=on,file=/usr/share/AAVMF/AAVMF_CODE.fd
        -drive if=pflash,format=raw,file="$vars"
        -kernel "${TVQ_KERNEL:-$TVQ_OUT/linux/arch/arm64/boot/Image}"
        -initrd "$TVQ_OUT/initramfs.cpio"
        -append "console=ttyAMA0 loglevel=4 rdinit=/init teevar.test=$scenario $*"
        -drive if=none,id=disk,format=raw,file="${TVQ_DISK:-$TVQ_WORK/disk.img}"
        -device virtio-blk-pci,drive=disk
    )
    if [ -z "${TVQ_NO_TEE:-}" ]; then
        # shellcheck disable=SC2054 # the commas are QEMU's
        TVQ_ARGS+=(-chardev socket,id=tvdp,path="$TVQ_WORK/tvdp.sock",reconnect=1
            -device virtio-serial-pci
            -device virtserialport,chardev=tvdp,name=org.teevar.tvdp)
    fi
    if [ -n "${TVQ_RPMB_DISK:-}" ]; then
        # shellcheck disable=SC2054 # the commas are QEMU's
        TVQ_ARGS+=(-drive if=none,id=rpmb,format=raw,file="$TVQ_RPMB_DISK"
            -device virtio-blk-pci,drive=rpmb)
    fi
    if [ -n "${TVQ_EXTRA_DISK:-}" ]; then
        # shellcheck disable=SC2054 # the commas are QEMU's
        TVQ_ARGS+=(-drive if=none,id=extra,format=raw,readonly=on,file="$TVQ_EXTRA_DISK"
            -device virtio-blk-pci,drive=extra)
    fi
}

# tvq_uboot_args DISK: Debian's U-Boot (u-boot-qemu's qemu_arm64 build, as
# the -bios) in the same virt machine, DISK its virtio disk (U-Boot keeps
# its EFI variables in ubootefi.var on DISK's ESP), the console on stdio.
# No pflash: qemu_arm64 runs from the -bios image and needs nothing else.
tvq_uboot_args() {
    # shellcheck disable=SC2054 # the commas are QEMU's
    TVQ_ARGS=(
        -M virt -cpu max -smp 1 -m 512
        -nographic -monitor none -no-reboot -nic none
        -bios /usr/lib/u-boot/qemu_arm64/u-boot.bin
        -drive if=none,id=disk,format=raw,file="$1"
        -device virtio-blk-pci,drive=disk
    )
}

# tvq_esp_fat DISK: a FAT file system on the ESP of DISK (a copy of
# TVQ_OUT/disk.img: partition 1 from sector 2048, 126976 sectors), with a
# fixed serial number; mtools reach it as -i DISK@@1M.
tvq_esp_fat() {
    mkfs.vfat -i 7e7a1f3c -n ESP --offset 2048 "$1" 63488 >/dev/null 2>&1
}

# tvq_boot SCENARIO LOG [KERNEL ARGS...]: the machine in the background,
# console to LOG, at most TVQ_TIMEOUT seconds; TVQ_QEMU is its pid.
tvq_boot() {
    local scenario=$1 log=$2; shift 2
    tvq_args "$scenario" "$@"
    timeout "$TVQ_TIMEOUT" qemu-system-aarch64 "${TVQ_ARGS[@]}" </dev/null >"$log" 2>&1 &
    TVQ_QEMU=$!
}

# Wait for the guest to power off; 0 when it ran its scenario to the end.
tvq_wait() {
    wait "$TVQ_QEMU" 2>/dev/null || true
    TVQ_QEMU=
    grep -a -q "^TV-GUEST-END rc=" "$1"
}

# Wait up to SECONDS for a line starting with WORD in LOG.
tvq_wait_line() {
    local log=$1 word=$2 t=$(($3 * 10))
    while ! grep -q "^$word" "$log" 2>/dev/null; do
        t=$((t - 1))
        [ "$t" -gt 0 ] || return 1
        sleep 0.1
    done
}

tvq_cleanup() {
    [ -n "${TVQ_QEMU:-}" ] && kill "$TVQ_QEMU" 2>/dev/null
    tvq_secure_stop kill
}
