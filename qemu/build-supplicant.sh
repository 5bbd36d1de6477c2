#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Cross-compile the guest's supplicants for arm64:
#   qemu/build-supplicant.sh OUT
#     -> OUT/teevar-supplicant  (the shipped tool: --tee / --tee-dev in the guest)
#     -> OUT/supp_hostile       (a lying supplicant, tests only:
#                                qemu/guest-tools/supp_hostile.c)
# Both are linked dynamically against Debian 12's arm64 libcrypto (libssl3,
# which qemu/fetch-debs.sh already puts in the guest). The headers and the
# libcrypto.so link name come from libssl-dev:arm64 of the same version,
# downloaded with apt as fetch-debs.sh does and unpacked into OUT/sysroot.
# Rebuilt only when a source, a header, the compiler, the sysroot or this
# script changed. CROSS_CC overrides the compiler (default aarch64-linux-gnu-gcc).
set -euo pipefail

ARCH=arm64
TRIPLET=aarch64-linux-gnu
out=$(realpath -m "${1:?usage: build-supplicant.sh OUT}")
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
cc=${CROSS_CC:-$TRIPLET-gcc}
sysroot=$out/sysroot
debdir=$out/sysroot-debs
stampfile=$out/.teevar-supplicant-stamp

die() { echo "build-supplicant: $*" >&2; exit 1; }
log() { echo "build-supplicant: $*"; }

command -v "$cc" >/dev/null ||
    die "$cc missing (apt-get install gcc-aarch64-linux-gnu libc6-dev-arm64-cross)"

# --- libssl-dev:arm64 and libssl3:arm64, one version ----------------------
candidate() {
    apt-cache policy "$1:$ARCH" 2>/dev/null | awk '$1 == "Candidate:" && $2 != "(none)" { print $2 }'
}
ver=$(candidate libssl-dev)
if [ -z "$ver" ]; then
    if [ "$(id -u)" -ne 0 ]; then
        die "apt knows no $ARCH packages. Enable multiarch as root, then rerun:
    dpkg --add-architecture $ARCH
    apt-get update"
    fi
    log "enabling $ARCH multiarch"
    dpkg --add-architecture "$ARCH"
    apt-get update
    ver=$(candidate libssl-dev)
    [ -n "$ver" ] || die "still no candidate for libssl-dev:$ARCH after apt-get update"
fi
[ "$(candidate libssl3)" = "$ver" ] || die "libssl3:$ARCH and libssl-dev:$ARCH candidates differ"

mkdir -p "$debdir"
want=()
for p in libssl-dev libssl3; do
    found=
    for f in "$debdir/${p}_"*"_$ARCH.deb"; do
        [ -e "$f" ] || continue
        if [ "$(dpkg-deb -f "$f" Version)" = "$ver" ]; then found=$f; else rm -f -- "$f"; fi
    done
    [ -n "$found" ] || want+=("$p:$ARCH=$ver")
done
if [ ${#want[@]} -gt 0 ]; then
    log "downloading: ${want[*]}"
    apt_opts=()
    # As root apt drops to _apt for the download and warns when _apt cannot
    # write the directory; the download itself is authenticated either way.
    [ "$(id -u)" -ne 0 ] || apt_opts+=(-o APT::Sandbox::User=root)
    (cd "$debdir" && apt-get "${apt_opts[@]}" download "${want[@]}") || die "apt-get download failed"
fi
if [ ! -f "$sysroot/.version" ] || [ "$(cat "$sysroot/.version")" != "$ver" ]; then
    rm -rf "$sysroot"
    mkdir -p "$sysroot"
    for f in "$debdir"/*.deb; do dpkg-deb -x "$f" "$sysroot"; done
    echo "$ver" > "$sysroot/.version"
fi
libdir=$sysroot/usr/lib/$TRIPLET
if [ ! -e "$libdir/libcrypto.so" ] || [ ! -e "$sysroot/usr/include/openssl/evp.h" ]; then
    die "libssl-dev $ver unpacked into $sysroot has no libcrypto.so or openssl/evp.h"
fi

# --- compile --------------------------------------------------------------
cd "$top"
rpmb=(src/rpmb/rpmb_frame.c src/rpmb/rpmb_emu.c src/rpmb/rpmb_rpc.c
      src/rpmb/supp_tee.c src/rpmb/supp_tee_req.c src/rpmb/supp_tee_shm.c
      src/common/tv_err.c src/common/tv_hmac.c src/common/tee_dev_ops.c)
supp_srcs=(tools/teevar-supplicant.c tools/tool_util.c "${rpmb[@]}"
           src/rpmb/rpmb_mmc.c src/rpmb/supp_wire.c src/rpmb/sock_io.c
           src/rpmb/supp_handler.c src/rpmb/supplicant.c)
hostile_srcs=(qemu/guest-tools/supp_hostile.c tests/supplicant/rpmb_liar.c "${rpmb[@]}")
incs=(-Isrc/common -Isrc/rpmb -Iinclude -Itools -Itests/supplicant
      -I"$sysroot/usr/include" -I"$sysroot/usr/include/$TRIPLET")
flags=(-O2 -std=c17 -Wall -Wextra -Werror -D_GNU_SOURCE -Wno-missing-field-initializers)
# shellcheck disable=SC2054 # the commas are the linker's
ldflags=(-L"$libdir" -Wl,-rpath-link,"$libdir" -lcrypto)

# Every file the compiler reads from the tree or the sysroot, for the stamp.
deps=$("$cc" "${incs[@]}" "${flags[@]}" -MM "${supp_srcs[@]}" "${hostile_srcs[@]}" |
       sed -e 's/^[^:]*://' -e 's/\\$//' | tr ' ' '\n' | grep -v '^$' |
       grep -v '^/usr/' | sort -u)
# shellcheck disable=SC2086 # $deps is a list of paths without spaces
stamp=$( { "$cc" --version | head -n 1; echo "$ver"; printf '%s\n' "${flags[@]}" "${incs[@]}";
           cat $deps "$0"; } | sha256sum | cut -d' ' -f1)
if [ -x "$out/teevar-supplicant" ] && [ -x "$out/supp_hostile" ] && [ -f "$stampfile" ] &&
   [ "$(cat "$stampfile")" = "$stamp" ]; then
    log "$out/teevar-supplicant and supp_hostile are up to date"
    exit 0
fi
rm -f "$stampfile"
build() {
    local bin=$1; shift
    log "$cc -> $out/$bin"
    "$cc" "${flags[@]}" "${incs[@]}" -o "$out/$bin.tmp" "$@" "${ldflags[@]}"
    mv "$out/$bin.tmp" "$out/$bin"
}
build teevar-supplicant "${supp_srcs[@]}"
build supp_hostile "${hostile_srcs[@]}"

# Dynamic, against libcrypto.so.3 and libc only: what the initramfs carries.
for bin in teevar-supplicant supp_hostile; do
    needed=$("$TRIPLET-readelf" -dW "$out/$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort | tr '\n' ' ')
    [ "$needed" = "libc.so.6 libcrypto.so.3 " ] || die "$bin needs: $needed"
done
echo "$stamp" > "$stampfile"
log "$out/teevar-supplicant, $out/supp_hostile"
