#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Build the arm64 guest kernel from Debian's linux-source-6.12 tarball:
#   qemu/build-kernel.sh OUT
# OUT/src is the unpacked source, OUT/linux the build tree (Image, Module.symvers,
# what out-of-tree modules build against). Nothing is redone when the tarball,
# the config fragment and this script are unchanged.
set -euo pipefail

out=$(realpath -m "${1:?usage: build-kernel.sh OUT}")
here=$(cd "$(dirname "$0")" && pwd)
tarball=${LINUX_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
fragment="$here/kernel.config"
kmake=(make -s ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- -j"$(nproc)")

[ -r "$tarball" ] || { echo "build-kernel: $tarball missing (apt-get install linux-source-6.12)" >&2; exit 1; }

stamp=$( { stat -c '%s %Y' "$tarball"; cat "$fragment" "$0"; } | sha256sum | cut -d' ' -f1)
if [ -f "$out/linux/.teevar-stamp" ] && [ "$(cat "$out/linux/.teevar-stamp")" = "$stamp" ] \
   && [ -f "$out/linux/arch/arm64/boot/Image" ]; then
    echo "build-kernel: $out/linux is up to date"
    exit 0
fi

mkdir -p "$out"
if [ ! -f "$out/src/.teevar-unpacked" ] || [ "$(cat "$out/src/.teevar-unpacked")" != "$(stat -c '%s %Y' "$tarball")" ]; then
    echo "build-kernel: unpacking $tarball"
    rm -rf "$out/src" && mkdir -p "$out/src"
    tar -xJf "$tarball" -C "$out/src" --strip-components=1
    stat -c '%s %Y' "$tarball" > "$out/src/.teevar-unpacked"
fi

mkdir -p "$out/linux"
rm -f "$out/linux/.teevar-stamp"
# allnoconfig with the fragment's symbols set; then every one must have survived
# (a symbol whose dependencies are missing is dropped silently by kconfig).
KCONFIG_ALLCONFIG="$fragment" "${kmake[@]}" -C "$out/src" O="$out/linux" allnoconfig
missing=0
while IFS= read -r line; do
    case "$line" in CONFIG_*=*) ;; *) continue ;; esac
    grep -qx "$line" "$out/linux/.config" || { echo "build-kernel: $line did not stick" >&2; missing=1; }
done < "$fragment"
[ "$missing" -eq 0 ] || exit 1

echo "build-kernel: building Image and modules ($(nproc) jobs)"
"${kmake[@]}" -C "$out/src" O="$out/linux" Image modules
echo "$stamp" > "$out/linux/.teevar-stamp"
echo "build-kernel: $out/linux/arch/arm64/boot/Image"
