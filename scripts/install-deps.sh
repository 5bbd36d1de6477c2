#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Install the Debian packages teevar needs to build, test and run.
# As root: apt-get installs what is missing. Otherwise: print the exact command.
#   install-deps.sh        what `make run` and `make check` need
#   install-deps.sh qemu   also the arm64 guest's: cross compiler, kernel source,
#                          QEMU and AAVMF, and efitools for the Secure Boot
#                          keys (`make check-qemu`; docs/qemu.md); U-Boot,
#                          sbsigntool and the FAT tools for the firmware
#                          stores (qemu/check-fw.sh); busybox, the userland
#                          the host half of the efivarfs comparison runs with,
#                          as the guest does (qemu/check-efivarfs.sh)
set -eu

# efitools (cert-to-efi-sig-list, sign-efi-sig-list): the Secure Boot tests make
# their .esl and .auth files with it, from keys made at test time.
# zlib1g-dev: CRC-32 of the firmware store formats (src/varimg); ovmf and
# qemu-efi-aarch64: Debian's OVMF/AAVMF variable images the varimg tests read.
# libfuse3-dev, fuse3: teevarfs (efivarfs over FUSE) and its mount tests;
# efivar, efibootmgr, mokutil: the real tools the teevarfs tests drive; e2fsprogs
# (lsattr, chattr), util-linux (losetup, unshare, mount) and fdisk (sfdisk) for
# the flags, the private mount namespace and efibootmgr's GPT loop device.
PKGS="build-essential meson ninja-build pkg-config libssl-dev libcmocka-dev openssl python3 valgrind systemd \
efitools zlib1g-dev ovmf qemu-efi-aarch64 \
libfuse3-dev fuse3 efivar efibootmgr mokutil e2fsprogs util-linux fdisk"
if [ "${1:-}" = qemu ]; then
    PKGS="$PKGS linux-source-6.12 gcc-aarch64-linux-gnu libc6-dev-arm64-cross bc bison flex \
libelf-dev kmod xz-utils cpio fdisk qemu-system-arm qemu-efi-aarch64 efitools \
u-boot-qemu sbsigntool mtools dosfstools busybox"
fi

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done

[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
    echo "install-deps: installing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq || true
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing
else
    echo "install-deps: missing packages:$missing" >&2
    echo "install-deps: run as root: apt-get install -y$missing" >&2
    exit 1
fi
