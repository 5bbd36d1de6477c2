#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Cross-compile teevar-vtee-bridge for the arm64 guest, as one static binary:
#   qemu/build-bridge.sh OUT        -> OUT/teevar-vtee-bridge
# It is built from exactly the files it needs (the bridge, teevard's protocol
# codec tvd_wire.c and tv_err.c; no OpenSSL), and rebuilt only when one of
# them, a header they include, the compiler or this script changed.
# CROSS_CC overrides the compiler (default aarch64-linux-gnu-gcc).
set -euo pipefail

out=$(realpath -m "${1:?usage: build-bridge.sh OUT}")
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
cc=${CROSS_CC:-aarch64-linux-gnu-gcc}
bin="$out/teevar-vtee-bridge"
stampfile="$out/.teevar-bridge-stamp"

command -v "$cc" >/dev/null || {
    echo "build-bridge: $cc missing (apt-get install gcc-aarch64-linux-gnu libc6-dev-arm64-cross)" >&2
    exit 1
}

cd "$top"
srcs=(tools/teevar-vtee-bridge.c tools/tool_util.c
      src/vtee_bridge/bridge.c src/vtee_bridge/stream.c src/vtee_bridge/vtee_msg.c
      src/vtee_bridge/port.c
      src/common/tvd_wire.c src/common/tv_err.c src/common/tv_signals.c)
incs=(-Isrc/vtee_bridge -Isrc/common -Iinclude -Ikernel/teevar-vtee)
version=$(sed -n "s/^ *version : '\([^']*\)'.*/\1/p" meson.build | head -n 1)
flags=(-static -O2 -std=c17 -Wall -Wextra -Werror -D_GNU_SOURCE
       "-DTEEVAR_VERSION=\"${version:-unknown}\"")

# Every file the compiler reads from the tree (sources and the headers they
# include), so that a changed header rebuilds too.
deps=$("$cc" "${incs[@]}" -D_GNU_SOURCE -std=c17 -MM "${srcs[@]}" \
       | sed -e 's/^[^:]*://' -e 's/\\$//' | tr ' ' '\n' | grep -v '^$' | grep -v '^/' | sort -u)
if grep -qi openssl <<<"$deps"; then
    echo "build-bridge: the bridge must not need OpenSSL:" $(grep -i openssl <<<"$deps") >&2
    exit 1
fi
stamp=$( { "$cc" --version | head -n 1; printf '%s\n' "${flags[@]}" "${incs[@]}";
           cat $deps "$0"; } | sha256sum | cut -d' ' -f1)

if [ -x "$bin" ] && [ -f "$stampfile" ] && [ "$(cat "$stampfile")" = "$stamp" ]; then
    echo "build-bridge: $bin is up to date"
    exit 0
fi

mkdir -p "$out"
rm -f "$stampfile"
echo "build-bridge: $cc ${flags[*]} -> $bin"
"$cc" "${flags[@]}" "${incs[@]}" -o "$bin.tmp" "${srcs[@]}"
mv "$bin.tmp" "$bin"
echo "$stamp" > "$stampfile"
echo "build-bridge: $bin"
