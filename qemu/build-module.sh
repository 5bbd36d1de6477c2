#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Build the teevar-vtee kernel module against the guest kernel:
#   qemu/build-module.sh OUT      (after qemu/build-kernel.sh OUT)
# The sources are copied to OUT/vtee so that the repository stays clean.
set -euo pipefail

out=$(realpath -m "${1:?usage: build-module.sh OUT}")
src=$(cd "$(dirname "$0")/../kernel/teevar-vtee" && pwd)

mkdir -p "$out/vtee"
# Sources no longer in the tree (a renamed file) must not be built.
for f in "$out"/vtee/*.[ch]; do
    case $f in *.mod.c) continue ;; esac
    [ -e "$f" ] || continue
    [ -e "$src/$(basename "$f")" ] || rm -f "$f" "${f%.c}.o"
done
for f in "$src"/*.[ch] "$src/Kbuild"; do
    f=$(basename "$f")
    cmp -s "$src/$f" "$out/vtee/$f" || cp "$src/$f" "$out/vtee/$f"
done
make -s -C "$out/linux" ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- M="$out/vtee" W=1 modules
echo "build-module: $out/vtee/teevar_vtee.ko"
