#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Everything the QEMU tests boot, built into OUT (reused when unchanged):
#   qemu/prepare.sh OUT
# OUT/linux (kernel), OUT/vtee/teevar_vtee.ko, OUT/teevar-vtee-bridge,
# OUT/teevar-supplicant and OUT/supp_hostile (qemu/build-supplicant.sh),
# OUT/initramfs.cpio (Debian arm64 userland + qemu/guest + the four above,
# qemu/guest-tools/*.c, bench/qemu/efivarfs_write and efivarfs_bench,
# tests/efivarfs/efivarfs-sequence.sh),
# OUT/disk.img (a GPT disk with an ESP for efibootmgr), OUT/AAVMF_VARS.fd.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=$(realpath -m "${1:?usage: prepare.sh OUT}")
mkdir -p "$out"

"$here/build-kernel.sh" "$out"
"$here/build-module.sh" "$out"
"$here/build-bridge.sh" "$out"
"$here/build-supplicant.sh" "$out"

rm -rf "$out/extra" && mkdir -p "$out/extra/teevar"
cp "$out/vtee/teevar_vtee.ko" "$out/teevar-vtee-bridge" "$out/extra/teevar/"
# The guest's supplicants, dynamic against Debian's arm64 libcrypto (the
# initramfs follows their NEEDED entries): teevar-supplicant --tee, and the
# lying supp_hostile of the hostile scenarios.
cp "$out/teevar-supplicant" "$out/supp_hostile" "$out/extra/teevar/"
# The stop helper the tee-supplicant drop-in runs (POSIX sh, busybox in the
# guest): the supplicant scenarios use it for the clean shutdown order.
cp "$here/../dist/libexec/tee-supplicant-unbind" "$out/extra/teevar/"
# Small static guest programs: the lying bridge of the hostile scenario, the
# fake bridge of the supp-module scenario (RPCs to Debian's tee-supplicant),
# libteevar's optee: transport on /dev/tee0 (the client library without the
# secure core), and the guest half of `make bench`'s efivarfs write timing.
top="$here/.."
cross() { aarch64-linux-gnu-gcc -static -O2 -std=c17 -Wall -Wextra -Werror -D_GNU_SOURCE "$@"; }
cross -I"$top/kernel/teevar-vtee" -o "$out/extra/teevar/vtee_hostile" "$here/guest-tools/vtee_hostile.c"
cross -pthread -I"$top/kernel/teevar-vtee" -o "$out/extra/teevar/vtee_rpc_check" \
    "$here/guest-tools/vtee_rpc_check.c" "$here/guest-tools/vtee_rpc_supp.c"
cross -I"$top/include" -I"$top/src/common" -I"$top/src/client" -o "$out/extra/teevar/optee_check" \
    "$here/guest-tools/optee_check.c" "$top"/src/client/{client,transport,transport_optee,util,tee_result}.c "$top/src/common/tee_dev_ops.c"
cross -o "$out/extra/teevar/efivarfs_write" "$top/bench/qemu/efivarfs_write.c"
# The efivarfs sequence the host also runs on teevarfs (qemu/check-efivarfs.sh),
# and the guest half of the efivarfs benchmarks (bench/qemu).
cp "$top/tests/efivarfs/efivarfs-sequence.sh" "$out/extra/teevar/"
cross -o "$out/extra/teevar/efivarfs_bench" "$top/bench/qemu/efivarfs_bench.c"
"$here/build-initramfs.sh" "$out" "$here/guest" "$out/extra"

# A 64 MiB disk: GPT with fixed GUIDs and one EFI system partition, so that
# efibootmgr's HD() nodes are the same on every run.
if [ ! -f "$out/disk.img" ]; then
    truncate -s 64M "$out/disk.img.tmp"
    sfdisk -q "$out/disk.img.tmp" <<'GPT'
label: gpt
label-id: 7E7A1F3C-2D4B-4E5F-8A6B-1C2D3E4F5A6B
start=2048, size=126976, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, uuid=3C1B2A09-8F7E-4D6C-B5A4-9E8D7C6B5A40, name="ESP"
GPT
    mv "$out/disk.img.tmp" "$out/disk.img"
fi
cp /usr/share/AAVMF/AAVMF_VARS.fd "$out/AAVMF_VARS.fd"
echo "prepare: $out ready"
