#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# build-initramfs.sh OUT ROOT_EXTRA_DIR...
#
# Build OUT/initramfs.cpio (newc, uncompressed, all files owned by root) for the
# arm64 QEMU guest: a static busybox, efivar, efibootmgr, efitools' efi-updatevar
# and efi-readvar, mokutil, tee-supplicant, the dynamic loader and the shared libraries they
# need, taken from Debian 12 arm64 packages, then the contents of every
# ROOT_EXTRA_DIR copied over the root in order (/init, test scripts, modules,
# ...), and the libraries the dynamic ELF programs among them need (from the
# same packages). The staging tree is OUT/rootfs, rebuilt every time.
#
# Environment:
#   TEEVAR_DEBS_DIR  where the .debs are (default OUT/debs)
#   TEEVAR_FETCH     1 (default): run fetch-debs.sh on TEEVAR_DEBS_DIR first,
#                    which is quick when the .debs are current; 0: use as is
set -euo pipefail

TRIPLET=aarch64-linux-gnu
# What the guest runs; everything else in the packages is left out.
BINS=(bin/busybox usr/bin/efivar bin/efibootmgr bin/efibootdump usr/bin/chattr usr/bin/lsattr
	usr/bin/efi-updatevar usr/bin/efi-readvar usr/bin/mokutil bin/dash
	usr/sbin/tee-supplicant)
# Where ld.so looks without an ld.so.cache (Debian's multiarch trusted dirs).
LIBDIRS=("lib/$TRIPLET" "usr/lib/$TRIPLET" lib usr/lib)

die() { echo "build-initramfs: $*" >&2; exit 1; }

[ $# -ge 1 ] || die "usage: $0 OUT ROOT_EXTRA_DIR..."
OUT=$1
shift
for d in "$@"; do
	[ -d "$d" ] || die "extra root dir $d does not exist"
done
here=$(cd "$(dirname "$0")" && pwd)
DEBS=${TEEVAR_DEBS_DIR:-$OUT/debs}

mkdir -p "$OUT"
if [ "${TEEVAR_FETCH:-1}" = 1 ]; then
	"$here/fetch-debs.sh" "$DEBS"
fi

if command -v "$TRIPLET-readelf" >/dev/null; then
	READELF=$TRIPLET-readelf
else
	READELF=readelf
fi

X=$OUT/extract
R=$OUT/rootfs
rm -rf "$X" "$R"
mkdir -p "$X" "$R"
n=0
for deb in "$DEBS"/*.deb; do
	[ -e "$deb" ] || continue
	dpkg-deb -x "$deb" "$X"
	n=$((n + 1))
done
[ $n -gt 0 ] || die "no .debs in $DEBS"

# copy REL: copy X/REL to R/REL. A symlink is copied as a symlink, and what it
# points at is copied too, so that sonames and the loader path keep the
# packages' layout without duplicating files.
copy() {
	local rel=$1 src=$X/$1 dst=$R/$1 link tgt
	if [ -e "$dst" ] || [ -L "$dst" ]; then return 0; fi
	[ -e "$src" ] || [ -L "$src" ] || die "/$rel is in none of the packages"
	mkdir -p "$(dirname "$dst")"
	if [ -L "$src" ]; then
		link=$(readlink "$src")
		ln -s "$link" "$dst"
		case $link in
		/*) tgt=$link ;;
		*) tgt=$(dirname "/$rel")/$link ;;
		esac
		# -s: normalise only; never resolve against the host's tree.
		tgt=$(realpath -m -s "$tgt")
		copy "${tgt#/}"
	else
		cp -p "$src" "$dst"
	fi
}

# needs FILE NAME: queue FILE's interpreter (copied at once) and the package
# files of its NEEDED sonames; NAME is for error messages.
needs() {
	local file=$1 name=$2 interp so d found
	interp=$("$READELF" -lW "$file" |
		sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
	[ -z "$interp" ] || copy "${interp#/}"
	for so in $("$READELF" -dW "$file" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
		found=
		for d in "${LIBDIRS[@]}"; do
			if [ -e "$X/$d/$so" ]; then found=$d/$so; break; fi
		done
		[ -n "$found" ] || die "MISSING soname $so (NEEDED by $name)"
		queue+=("$found")
	done
}

# Walk the queue's interpreter and NEEDED entries, copying as we go.
declare -A seen=()
walk() {
	local obj
	while [ ${#queue[@]} -gt 0 ]; do
		obj=${queue[0]}
		queue=("${queue[@]:1}")
		[ -z "${seen[$obj]:-}" ] || continue
		seen[$obj]=1
		copy "$obj"
		needs "$X/$obj" "/$obj"
	done
}
queue=("${BINS[@]}")
walk

# Mount points and the directories busybox --install -s fills at run time.
mkdir -p "$R"/{dev,proc,sys,tmp,run,mnt,root,etc,sbin,usr/bin,usr/sbin}
chmod 1777 "$R/tmp"
ln -s busybox "$R/bin/sh"

for d in "$@"; do
	# --remove-destination: never write through a symlink such as /bin/sh.
	cp -a --remove-destination "$d"/. "$R"/
done

# The extra dirs' dynamic programs (teevar-supplicant needs libcrypto): their
# loader and libraries come from the packages too.
queue=()
for d in "$@"; do
	while IFS= read -r -d '' f; do
		[ "$(head -c 4 "$f" | od -An -tx1 | tr -d ' ')" = 7f454c46 ] || continue
		needs "$f" "${f#"$d"}"
	done < <(find "$d" -type f -print0)
done
walk

# newc_entry NAME INO MODE MAJOR MINOR: one data-less newc header and its name.
newc_entry() {
	local name=$1 namesize=$((${#1} + 1)) pad
	printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
		"$2" "$3" 0 0 1 0 0 0 0 "$4" "$5" "$namesize" 0
	printf '%s\0' "$name"
	pad=$(((4 - (110 + namesize) % 4) % 4))
	head -c "$pad" /dev/zero
}

cpio_out=$OUT/initramfs.cpio
(cd "$R" && find . -mindepth 1 | LC_ALL=C sort |
	cpio -o -H newc -R 0:0 --quiet) >"$cpio_out.tmp"
# A second archive appended to the first (the kernel unpacks both): the
# kernel's stdio for /init needs /dev/console, and a device node cannot be
# created in the staging tree without root.
{
	newc_entry dev/console 1 $((8#020600)) 5 1
	newc_entry TRAILER!!! 0 0 0 0
} >>"$cpio_out.tmp"
mv "$cpio_out.tmp" "$cpio_out"

echo "build-initramfs: $cpio_out: $(stat -c %s "$cpio_out") bytes" \
	"($(du -sh "$R" | cut -f1) staged in $R)"
