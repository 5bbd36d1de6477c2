#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# fetch-debs.sh OUTDIR
#
# Download the Debian 12 arm64 packages the QEMU guest's userland is made of
# (busybox, efivar, efibootmgr, efitools, mokutil, tee-supplicant and the shared libraries they
# need) into OUTDIR, then check that the dynamic binaries' NEEDED closure is
# satisfied by what those packages provide. The guest's initramfs is built from
# these by build-initramfs.sh.
#
# Environment:
#   TEEVAR_EXTRA_DEBS  more arm64 package names to fetch (space separated)
set -euo pipefail

ARCH=arm64
TRIPLET=aarch64-linux-gnu
# e2fsprogs for chattr/lsattr (efivarfs immutable flags; busybox has neither);
# efitools (efi-updatevar, efi-readvar) and mokutil for the secureboot scenario,
# with libssl3 (both), libcrypt1 and libkeyutils1 (mokutil); dash as the /bin/sh
# of efitools' system("mount -l") (busybox's sh runs its own mount applet
# whatever PATH says); OP-TEE's tee-supplicant 3.19 (RPMB emulated in its RAM)
# with libteec1, for the supp-module scenario (its unit file is not used)
PKGS=(busybox-static efivar libefivar1 libefiboot1 efibootmgr libpopt0 libc6 e2fsprogs libext2fs2 libcom-err2
	efitools mokutil libssl3 libcrypt1 libkeyutils1 dash tee-supplicant libteec1)
# shellcheck disable=SC2206 # word splitting is the point
PKGS+=(${TEEVAR_EXTRA_DEBS:-})
# The binaries the guest runs; their NEEDED closure must be in PKGS.
BINS=(bin/busybox usr/bin/efivar bin/efibootmgr bin/efibootdump usr/bin/chattr usr/bin/lsattr
	usr/bin/efi-updatevar usr/bin/efi-readvar usr/bin/mokutil bin/dash
	usr/sbin/tee-supplicant)

die() { echo "fetch-debs: $*" >&2; exit 1; }
log() { echo "fetch-debs: $*"; }

[ $# -eq 1 ] || die "usage: $0 OUTDIR"
OUTDIR=$1
mkdir -p "$OUTDIR"

# Fill ver[PKG] with the candidate version of PKG:arm64 for every package.
# One apt-cache call for all of them: each call costs most of a second.
declare -A ver=()
query_versions() {
	local p v
	ver=()
	while read -r p v; do
		ver[$p]=$v
	done < <(apt-cache policy "${PKGS[@]/%/:$ARCH}" 2>/dev/null | awk '
		/^[^ ]/ { sub(/:$/, ""); sub(/:[^:]*$/, ""); pkg = $0 }
		$1 == "Candidate:" && $2 != "(none)" { print pkg, $2 }')
}

# --- arm64 multiarch ------------------------------------------------------
query_versions
if [ -z "${ver[busybox-static]:-}" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		cat >&2 <<EOF
fetch-debs: apt knows no $ARCH packages. Enable multiarch as root, then rerun:
    dpkg --add-architecture $ARCH
    apt-get update
EOF
		exit 1
	fi
	log "enabling $ARCH multiarch"
	dpkg --add-architecture "$ARCH"
	apt-get update
	query_versions
	[ -n "${ver[busybox-static]:-}" ] ||
		die "still no candidate for busybox-static:$ARCH after apt-get update"
fi

# --- download what is missing or stale ------------------------------------
# What OUTDIR already holds, as "package version" per .deb.
declare -A have=()
for f in "$OUTDIR"/*.deb; do
	[ -e "$f" ] || continue
	p=$(dpkg-deb -f "$f" Package) a=$(dpkg-deb -f "$f" Architecture)
	[ "$a" = "$ARCH" ] || continue
	have["$p $(dpkg-deb -f "$f" Version)"]=$f
done

want=()
for p in "${PKGS[@]}"; do
	v=${ver[$p]:-}
	[ -n "$v" ] || die "no candidate version for $p:$ARCH"
	[ -n "${have["$p $v"]:-}" ] || want+=("$p:$ARCH=$v")
done

if [ ${#want[@]} -gt 0 ]; then
	log "downloading: ${want[*]}"
	# Drop stale versions of the packages we are about to fetch, so that
	# OUTDIR holds one version of each (build-initramfs.sh unpacks all).
	for k in "${!have[@]}"; do
		p=${k% *}
		for w in "${want[@]}"; do
			if [ "${w%%:*}" = "$p" ]; then rm -f -- "${have[$k]}"; fi
		done
	done
	apt_opts=()
	# As root apt drops to _apt for the download and warns when _apt
	# cannot write OUTDIR; the download itself is authenticated either way.
	[ "$(id -u)" -ne 0 ] || apt_opts+=(-o APT::Sandbox::User=root)
	(cd "$OUTDIR" && apt-get "${apt_opts[@]}" download "${want[@]}") ||
		die "apt-get download failed"
else
	log "all .debs current in $OUTDIR"
fi

# --- check the NEEDED closure ---------------------------------------------
if command -v "$TRIPLET-readelf" >/dev/null; then
	READELF=$TRIPLET-readelf
else
	READELF=readelf
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for p in "${PKGS[@]}"; do
	f=
	for g in "$OUTDIR/${p}_"*"_$ARCH.deb"; do
		[ -e "$g" ] || continue
		if [ "$(dpkg-deb -f "$g" Version)" = "${ver[$p]}" ]; then f=$g; fi
	done
	[ -n "$f" ] || die "$p ${ver[$p]} not in $OUTDIR after download"
	dpkg-deb -x "$f" "$tmp"
done

# Where ld.so looks without an ld.so.cache (Debian's multiarch trusted dirs).
LIBDIRS=("lib/$TRIPLET" "usr/lib/$TRIPLET" lib usr/lib)
declare -A seen=()
queue=()
for b in "${BINS[@]}"; do
	[ -e "$tmp/$b" ] || die "/$b is in none of the packages"
	queue+=("$b")
done
missing=0
while [ ${#queue[@]} -gt 0 ]; do
	obj=${queue[0]}
	queue=("${queue[@]:1}")
	[ -z "${seen[$obj]:-}" ] || continue
	seen[$obj]=1
	interp=$("$READELF" -lW "$tmp/$obj" |
		sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
	if [ -n "$interp" ]; then
		[ -e "$tmp$interp" ] || { echo "fetch-debs: MISSING interpreter $interp (for /$obj)" >&2; missing=1; }
	fi
	for so in $("$READELF" -dW "$tmp/$obj" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
		found=
		for d in "${LIBDIRS[@]}"; do
			if [ -e "$tmp/$d/$so" ]; then found=$d/$so; break; fi
		done
		if [ -z "$found" ]; then
			echo "fetch-debs: MISSING soname $so (NEEDED by /$obj); add its package to PKGS" >&2
			missing=1
		else
			queue+=("$found")
		fi
	done
done
[ $missing -eq 0 ] || die "NEEDED closure not satisfied"

for p in "${PKGS[@]}"; do
	printf '  %-16s %s\n' "$p:$ARCH" "${ver[$p]}"
done
log "NEEDED closure of ${BINS[*]} satisfied"
