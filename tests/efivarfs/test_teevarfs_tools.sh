#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Unmodified Debian tools against teevarfs, as TAP: efivar, efibootmgr (an
# entry on a loop device with a GPT image made here), mokutil, efitools'
# efi-readvar and efi-updatevar (keys made here; setup mode -> user mode, a
# wrong signature refused), the shell (cat, hexdump, od, printf >, rm,
# chattr, lsattr, df), the CLI changing the store under the mount, and
# efivarfs-sequence.sh (the sequence make check-qemu also runs on Linux 6.12's
# efivarfs) checked step by step. Each result is checked against what
# teevard holds (`teevar get` through its socket). The tools run with
# EFIVARFS_PATH at a plain mount, and at /sys/firmware/efi/efivars in a
# private mount namespace.
# Usage: test_teevarfs_tools.sh TEEVARD TEEVAR TEEVARFS
# shellcheck disable=SC2010,SC2012,SC2016,SC2034  # ls is what it tests; ns scripts expand inside
set -uo pipefail

TEEVARD=${1:?usage: test_teevarfs_tools.sh TEEVARD TEEVAR TEEVARFS}
TEEVAR=${2:?}
TEEVARFS=${3:?}
HERE=$(cd "$(dirname "$0")" && pwd)
SEQ=$HERE/efivarfs-sequence.sh
# shellcheck source=../lib/teevarfs_lib.sh
. "$HERE/../lib/teevarfs_lib.sh"
# shellcheck source=../lib/tap.sh
. "$HERE/../lib/tap.sh"

tvfs_require efivar efibootmgr mokutil efi-readvar efi-updatevar cert-to-efi-sig-list \
	sign-efi-sig-list openssl sfdisk losetup unshare chattr lsattr hexdump od df python3
tvfs_init

G=$TVFS_GLOBAL
SECDB=d719b2cb-3d3a-4596-a3bc-dad00e67656f
TG=5e0f1d2c-3b4a-4f69-8e7d-6c5b4a392817 # a test vendor GUID
OWN=11111111-2222-3333-4444-123456789abc # signature owner
MNT=$TVFS_TMP/mnt
OUT=$TVFS_TMP/out
ERR=$TVFS_TMP/err
K=$TVFS_TMP/keys

bail() {
	echo "Bail out! $*"
	[ -f "${TVFS_LOG:-}" ] && sed 's/^/# teevard: /' "$TVFS_LOG"
	exit 1
}

# ---- helpers ----

# q CMD...: run it; RC, stdout in $OUT, stderr in $ERR.
q() {
	RC=0
	"$@" >"$OUT" 2>"$ERR" </dev/null || RC=$?
}
rc_is() { [ "$RC" -eq "$1" ] || { echo "# exit $RC, expected $1: $(head -c 300 "$ERR")" >&2; return 1; }; }
rc_fail() { [ "$RC" -ne 0 ] || { echo "# exit 0, expected a failure" >&2; return 1; }; }
out_has() { grep -qF -- "$1" "$OUT" || { echo "# output lacks '$1'" >&2; sed 's/^/#   /' "$OUT" | head -20 >&2; return 1; }; }
out_lacks() { ! grep -qF -- "$1" "$OUT" || { echo "# output has '$1'" >&2; return 1; }; }
err_has() { grep -qF -- "$1" "$ERR" || { echo "# stderr lacks '$1': $(head -c 300 "$ERR")" >&2; return 1; }; }
is() { [ "$1" = "$2" ] || { echo "# got '$1', expected '$2'${3:+ ($3)}" >&2; return 1; }; }

fhex() { od -An -tx1 -v "$1" | tr -d ' \n'; }
# tvhex NAME: the variable as teevard holds it, in efivarfs' file format
# (u32 LE attributes, then the data), in hex; exit 2 when there is none.
tvhex() {
	local j
	j=$(tvfs_cli get "$1" --json 2>/dev/null) || return 2
	python3 -c 'import json, struct, sys
j = json.loads(sys.argv[1])
print(struct.pack("<I", j["attributes"]).hex() + j["data"])' "$j"
}
# same NAME: the mount's file and teevard hold the same bytes, st_size exact.
same() {
	local want got size
	want=$(tvhex "$1") || { echo "# teevard has no $1" >&2; return 1; }
	got=$(fhex "$MNT/$1") || return 1
	size=$(stat -c %s "$MNT/$1")
	is "$got" "$want" "$1: the mount against teevar get" &&
		is "$size" "$((${#want} / 2))" "$1: st_size"
}
# data_is NAME HEX: teevard holds exactly attributes + data HEX.
data_is() { local h; h=$(tvhex "$1") || { echo "# teevard has no $1" >&2; return 1; }; is "$h" "$2" "$1"; }
gone() {
	! tvfs_cli get "$1" >/dev/null 2>&1 || { echo "# teevard still has $1" >&2; return 1; }
	[ ! -e "$MNT/$1" ] || { echo "# the mount still shows $1" >&2; return 1; }
}
listed() { ls "$MNT" | grep -qx -- "$1"; }
efivar_lists() { efivar -l 2>/dev/null | grep -qx -- "$1"; }

tvfs_start_teevard --boot-phase runtime || bail "teevard did not start"
tvfs_mount "$MNT" || bail "teevarfs did not mount"

# ---- the mount ----

test_mounted() {
	local line
	line=$(awk -v d="$MNT" '$2 == d' /proc/mounts)
	is "$(echo "$line" | cut -d' ' -f1,3)" "teevarfs fuse.teevarfs" &&
		is "$EFIVARFS_PATH" "$MNT/"
}
t "teevarfs is mounted (source teevarfs, type fuse.teevarfs), EFIVARFS_PATH=MNT/" test_mounted

test_listing_is_store() {
	is "$(ls "$MNT" | sort | tr '\n' ' ')" "$(tvfs_cli list | sort | tr '\n' ' ')"
}
t "ls shows exactly the variables teevar list shows" test_listing_is_store

# ---- the sequence (also run on Linux 6.12's efivarfs by make check-qemu) ----

# What teevarfs must print: Linux 6.12's fs/efivarfs behaviour (file.c,
# inode.c, vars.c' variable_validate) on this store at runtime, step by step,
# except where teevarfs differs on purpose:
# - remnant-*: 6.12 keeps a created-never-written file as a 0-byte immutable
#   remnant ("size=0 mode=644 flags=i sha=e3b0c44298fc1c14 hex=empty
#   file=present ls=listed"); teevarfs removes it at last close (the first
#   declared difference, as 6.13).
# - write-o-trunc-refused: 6.12 truncates i_size to 0 on open(O_TRUNC) and
#   keeps it 0 when the write is then refused (size=0, the variable intact);
#   teevarfs keeps st_size exact (the contract: truncate is a no-op).
# - create-upper-case-guid: 6.12 lists a file created with an upper-case GUID
#   as typed (until remount); teevarfs lists every GUID in lower case.
expected_sequence() {
	cat <<-'EOF'
	step create-new rc=0 errno=- size=9 mode=644 flags=i sha=983fb116833c6adf hex=0700000068656c6c6f
	step read rc=0 errno=- size=9 mode=644 flags=i sha=983fb116833c6adf hex=0700000068656c6c6f out=0700000068656c6c6f
	step read-3-byte-chunks rc=0 errno=- size=9 mode=644 flags=i sha=983fb116833c6adf hex=0700000068656c6c6f out=0700000068656c6c6f
	step read-upper-case-guid rc=0 errno=- size=9 mode=644 flags=i sha=983fb116833c6adf hex=0700000068656c6c6f out=0700000068656c6c6f
	step write-immutable rc=1 errno=EPERM size=9 mode=644 flags=i sha=983fb116833c6adf hex=0700000068656c6c6f
	step append-immutable rc=1 errno=EPERM size=9 mode=644 flags=i sha=983fb116833c6adf hex=0700000068656c6c6f
	step unlink-immutable rc=1 errno=EPERM size=9 mode=644 flags=i sha=983fb116833c6adf hex=0700000068656c6c6f
	step touch-immutable rc=1 errno=EPERM size=9 mode=644 flags=i sha=983fb116833c6adf hex=0700000068656c6c6f
	step chattr-minus-i rc=0 errno=- size=9 mode=644 flags=- sha=983fb116833c6adf hex=0700000068656c6c6f
	step chattr-plus-a rc=1 errno=EOPNOTSUPP size=9 mode=644 flags=- sha=983fb116833c6adf hex=0700000068656c6c6f
	step rewrite-shorter rc=0 errno=- size=6 mode=644 flags=- sha=233302ce16291c47 hex=070000006869
	step append-attribute rc=0 errno=- size=8 mode=644 flags=- sha=9f0653293684ec15 hex=0700000068692b2b
	step append-o-append rc=0 errno=- size=10 mode=644 flags=- sha=3b2c5bf4cbd4ce93 hex=0700000068692b2b2121
	step write-o-trunc rc=0 errno=- size=7 mode=644 flags=- sha=d502ee4de8aeed96 hex=070000006f6e65
	step write-o-trunc-refused rc=1 errno=EINVAL size=7 mode=644 flags=- sha=d502ee4de8aeed96 hex=070000006f6e65
	step chattr-plus-i rc=0 errno=- size=7 mode=644 flags=i sha=d502ee4de8aeed96 hex=070000006f6e65
	step chattr-minus-i-again rc=0 errno=- size=7 mode=644 flags=- sha=d502ee4de8aeed96 hex=070000006f6e65
	step write-attrs-0x80 rc=1 errno=EINVAL size=7 mode=644 flags=- sha=d502ee4de8aeed96 hex=070000006f6e65
	step write-attrs-0x100 rc=1 errno=EINVAL size=7 mode=644 flags=- sha=d502ee4de8aeed96 hex=070000006f6e65
	step write-3-bytes rc=1 errno=EINVAL size=7 mode=644 flags=- sha=d502ee4de8aeed96 hex=070000006f6e65
	step write-attrs-nv-bs-only rc=1 errno=EINVAL size=7 mode=644 flags=- sha=d502ee4de8aeed96 hex=070000006f6e65
	step write-attrs-hw-error rc=1 errno=EINVAL size=7 mode=644 flags=- sha=d502ee4de8aeed96 hex=070000006f6e65
	step write-time-auth-bogus rc=1 errno=EACCES size=7 mode=644 flags=- sha=d502ee4de8aeed96 hex=070000006f6e65
	step write-70000-bytes rc=1 errno=EINVAL size=7 mode=644 flags=- sha=d502ee4de8aeed96 hex=070000006f6e65
	step write-60000-bytes rc=0 errno=- size=60004 mode=644 flags=- sha=4ee0177988686c9a
	step delete-by-attrs-only-write rc=0 errno=- size=none mode=none flags=none sha=none
	step recreate rc=0 errno=- size=9 mode=644 flags=i sha=983fb116833c6adf hex=0700000068656c6c6f
	step open-then-unlink-read rc=0 errno=- size=none mode=none flags=none sha=none out=empty
	step open-then-unlink-fstat rc=0 errno=- size=none mode=none flags=none sha=none out=size=9,links=0
	step unlink-missing rc=1 errno=ENOENT size=none mode=none flags=none sha=none
	step create-fd-writes-twice rc=0 errno=- size=8 mode=644 flags=i sha=30cd5a704f48667a hex=0700000074776f21
	step touch-immutable-created rc=1 errno=EPERM size=8 mode=644 flags=i sha=30cd5a704f48667a hex=0700000074776f21
	step remnant-after-failed-create rc=1 errno=EINVAL size=none mode=none flags=none sha=none file=absent ls=unlisted
	step remnant-removed rc=0 errno=- size=none mode=none flags=none sha=none file=absent
	step create-name-without-guid rc=1 errno=EINVAL size=none mode=none flags=none sha=none
	step create-name-empty rc=1 errno=EINVAL size=none mode=none flags=none sha=none
	step create-name-no-dash rc=1 errno=EINVAL size=none mode=none flags=none sha=none
	step create-name-bad-guid rc=1 errno=EINVAL size=none mode=none flags=none sha=none
	step create-name-misplaced-dash rc=1 errno=EINVAL size=none mode=none flags=none sha=none
	step create-random-seed-guid rc=1 errno=EPERM size=none mode=none flags=none sha=none
	step create-upper-case-guid rc=0 errno=- size=9 mode=644 flags=i sha=983fb116833c6adf hex=0700000068656c6c6f ls=SeqUpper-6a3f0e2d-5c4b-4a19-8d7e-0f1e2d3c4b5a
	step unlink-lower-case-guid rc=0 errno=- size=none mode=none flags=none sha=none ls=
	step mkdir rc=1 errno=EPERM size=none mode=none flags=none sha=none
	step rename rc=1 errno=EPERM size=9 mode=644 flags=i sha=983fb116833c6adf hex=0700000068656c6c6f ls=
	step symlink rc=1 errno=EPERM size=none mode=none flags=none sha=none
	step hardlink rc=1 errno=EPERM size=none mode=none flags=none sha=none
	step chmod-600 rc=0 errno=- size=9 mode=600 flags=- sha=983fb116833c6adf hex=0700000068656c6c6f
	step chmod-644 rc=0 errno=- size=9 mode=644 flags=- sha=983fb116833c6adf hex=0700000068656c6c6f
	step boot-entry-create rc=0 errno=- size=18 mode=644 flags=- sha=c100b52048b69f64 hex=07000000010000000400540000007fff0400
	step boot-entry-no-end-node rc=1 errno=EINVAL size=18 mode=644 flags=- sha=c100b52048b69f64 hex=07000000010000000400540000007fff0400
	step boot-entry-create-2 rc=0 errno=- size=18 mode=644 flags=- sha=52c0c76753dca227 hex=07000000010000000400550000007fff0400
	step bootorder-write rc=0 errno=- size=8 mode=644 flags=- sha=a617089fb5d84489 hex=07000000017a027a
	step bootorder-odd-length rc=1 errno=EINVAL size=8 mode=644 flags=- sha=a617089fb5d84489 hex=07000000017a027a
	step bootorder-rewrite-shorter rc=0 errno=- size=6 mode=644 flags=- sha=468737ccd5cfea33 hex=07000000017a
	step timeout-write rc=0 errno=- size=6 mode=644 flags=- sha=33d0bc8e35740b59 hex=070000000500
	step timeout-3-bytes rc=1 errno=EINVAL size=6 mode=644 flags=- sha=33d0bc8e35740b59 hex=070000000500
	step timeout-chattr-plus-i rc=0 errno=- size=6 mode=644 flags=i sha=33d0bc8e35740b59 hex=070000000500
	step timeout-write-immutable rc=1 errno=EPERM size=6 mode=644 flags=i sha=33d0bc8e35740b59 hex=070000000500
	step timeout-touch-immutable rc=1 errno=EPERM size=6 mode=644 flags=i sha=33d0bc8e35740b59 hex=070000000500
	step timeout-chattr-minus-i rc=0 errno=- size=6 mode=644 flags=- sha=33d0bc8e35740b59 hex=070000000500
	step timeout-touch rc=0 errno=- size=6 mode=644 flags=- sha=33d0bc8e35740b59 hex=070000000500
	step timeout-delete-by-write rc=0 errno=- size=none mode=none flags=none sha=none
	step efibootmgr-list rc=0 errno=- size=8 mode=644 flags=- sha=a617089fb5d84489 hex=07000000017a027a out=BootOrder:_7A01,7A02|Boot7A01*_T|Boot7A02*_U|
	step efibootmgr-order rc=0 errno=- size=8 mode=644 flags=- sha=2eeef1e6b2aa1dd4 hex=07000000027a017a out=BootOrder:_7A02,7A01|Boot7A01*_T|Boot7A02*_U|
	step efibootmgr-bootnext rc=0 errno=- size=6 mode=644 flags=- sha=468737ccd5cfea33 hex=07000000017a
	step efibootmgr-timeout rc=0 errno=- size=6 mode=644 flags=- sha=c6e438875c5b7da4 hex=070000000700
	step efibootmgr-delete-timeout rc=0 errno=- size=none mode=none flags=none sha=none
	step efibootmgr-delete-entry rc=0 errno=- size=6 mode=644 flags=- sha=468737ccd5cfea33 hex=07000000017a out=BootNext:_7A01|BootOrder:_7A01|Boot7A01*_T|
	step bootnext-unlink rc=0 errno=- size=none mode=none flags=none sha=none
	step efivar-write rc=0 errno=- size=21 mode=644 flags=i sha=ee6a0c46bfefb64d hex=070000006566697661722077726f74652074686973
	step efivar-append rc=0 errno=- size=34 mode=644 flags=i sha=ce8d9da56511105f
	step efivar-rewrite-keeps-attrs rc=0 errno=- size=21 mode=644 flags=i sha=ee6a0c46bfefb64d hex=070000006566697661722077726f74652074686973
	step efivar-print rc=0 errno=- size=21 mode=644 flags=i sha=ee6a0c46bfefb64d hex=070000006566697661722077726f74652074686973 out=e9c544bda0fdffd5
	step efivar-list rc=0 errno=- size=21 mode=644 flags=i sha=ee6a0c46bfefb64d hex=070000006566697661722077726f74652074686973 out=6a3f0e2d-5c4b-4a19-8d7e-0f1e2d3c4b5a-SeqB,6a3f0e2d-5c4b-4a19-8d7e-0f1e2d3c4b5a-SeqEfivar,
	step efivar-print-missing rc=1 errno=ENOENT size=none mode=none flags=none sha=none
	step listing rc=0 errno=- size=21 mode=644 flags=i sha=ee6a0c46bfefb64d hex=070000006566697661722077726f74652074686973 ls=SeqB-6a3f0e2d-5c4b-4a19-8d7e-0f1e2d3c4b5a,SeqEfivar-6a3f0e2d-5c4b-4a19-8d7e-0f1e2d3c4b5a,
	step listing-hides-random-seed rc=0 errno=- size=none mode=none flags=none sha=none seed=0
	step statfs rc=0 errno=- size=21 mode=644 flags=i sha=ee6a0c46bfefb64d hex=070000006566697661722077726f74652074686973 bsize=1 frsize=1 blocks=positive
	EOF
}

# check_transcript FILE WHAT: one test per expected step, then one that
# there is nothing else.
check_transcript() {
	local file=$1 what=$2 line name got
	while IFS= read -r line; do
		name=$(echo "$line" | cut -d' ' -f2)
		got=$(grep -m1 "^step $name " "$file")
		t "$what: $name" is "$got" "$line"
	done < <(expected_sequence)
	t "$what: the same steps, in order, nothing else" \
		is "$(cut -d' ' -f2 "$file" | tr '\n' ' ')" "$(expected_sequence | cut -d' ' -f2 | tr '\n' ' ')"
}

STORE_BEFORE=$(tvfs_cli list | sort | tr '\n' ' ')
sh "$SEQ" "$MNT/" >"$TVFS_TMP/seq.txt" 2>"$TVFS_TMP/seq.err"
t "the sequence ran (sh, coreutils) without messages of its own" \
	is "$?:$(cat "$TVFS_TMP/seq.err")" "0:"
check_transcript "$TVFS_TMP/seq.txt" "sequence"
t "the sequence left the store as it found it" \
	is "$(tvfs_cli list | sort | tr '\n' ' ')" "$STORE_BEFORE"

# The guest runs the sequence with busybox: the same transcript from busybox's
# sh and applets (what the guest has; e2fsprogs' chattr and lsattr).
if command -v busybox >/dev/null; then
	mkdir -p "$TVFS_TMP/bb"
	busybox --install -s "$TVFS_TMP/bb"
	rm -f "$TVFS_TMP/bb/chattr" "$TVFS_TMP/bb/lsattr"
	PATH=$TVFS_TMP/bb:$PATH busybox sh "$SEQ" "$MNT" >"$TVFS_TMP/seq-bb.txt" 2>&1
	t "the sequence under busybox sh and applets prints the same transcript" \
		is "$(cat "$TVFS_TMP/seq-bb.txt")" "$(cat "$TVFS_TMP/seq.txt")"
else
	N=$((N + 1))
	echo "ok $N # SKIP busybox not installed (the sequence under busybox)"
fi

# ---- efivar ----

test_efivar_list() {
	tvfs_cli set "TvCli-$TG" --string "from the CLI" >/dev/null &&
		q efivar -l && rc_is 0 && out_has "$TG-TvCli" && out_has "$G-SecureBoot" &&
		is "$(wc -l <"$OUT")" "$(tvfs_cli list | wc -l)" "as many as teevar list"
}
t "efivar -l lists every variable, the CLI's too" test_efivar_list

test_efivar_print() {
	q efivar -p -n "$TG-TvCli" && rc_is 0 && out_has "Name: \"TvCli\"" &&
		out_has "Non-Volatile" && out_has "Runtime Service Access" &&
		out_has "66 72 6f 6d 20 74 68 65" # "from the"
}
t "efivar -p -n GUID-Name prints the CLI's variable" test_efivar_print

test_efivar_write() {
	printf 'written by efivar\n\001\002\377' >"$TVFS_TMP/w1"
	q efivar -n "$TG-TvEfivar" -w -t 7 -f "$TVFS_TMP/w1" && rc_is 0 &&
		data_is "TvEfivar-$TG" "07000000$(fhex "$TVFS_TMP/w1")" && same "TvEfivar-$TG" &&
		lsattr "$MNT/TvEfivar-$TG" | grep -q '^----i'
}
t "efivar -w -t 7 -f creates a variable: teevard holds the bytes; immutable" test_efivar_write

test_efivar_append() {
	printf ' and appended' >"$TVFS_TMP/w2"
	q efivar -n "$TG-TvEfivar" -a -f "$TVFS_TMP/w2" && rc_is 0 &&
		data_is "TvEfivar-$TG" "07000000$(cat "$TVFS_TMP/w1" "$TVFS_TMP/w2" | fhex /dev/stdin)" &&
		same "TvEfivar-$TG"
}
t "efivar -a -f appends" test_efivar_append

test_efivar_rewrite() {
	printf 'short' >"$TVFS_TMP/w3"
	q efivar -n "$TG-TvEfivar" -w -f "$TVFS_TMP/w3" && rc_is 0 &&
		data_is "TvEfivar-$TG" "07000000$(fhex "$TVFS_TMP/w3")" && same "TvEfivar-$TG"
}
t "efivar -w over a longer value replaces it (attributes kept)" test_efivar_rewrite

test_efivar_no_attrs() {
	q efivar -n "$TG-TvNoAttrs" -w -f "$TVFS_TMP/w1" && rc_fail && gone "TvNoAttrs-$TG" &&
		! listed "TvNoAttrs-$TG"
}
t "efivar -w without -t cannot create (attributes 0), leaves no file" test_efivar_no_attrs

# ---- efibootmgr, with an entry on a loop device ----

LOOP_OK=1
# TEEVARFS_TEST_NO_LOOP=1 tries the path of a machine without loop devices.
[ -z "${TEEVARFS_TEST_NO_LOOP:-}" ] && tvfs_gpt_loop || LOOP_OK=0
# tl DESC FN: a test that needs the loop device (skipped without one).
tl() {
	if [ "$LOOP_OK" = 1 ]; then
		t "$@"
	else
		N=$((N + 1))
		echo "ok $N - $1 # SKIP no loop device"
	fi
}
# Without a loop device, the two entries efibootmgr -c would make, written
# through the mount (an HD() node of the same ESP and a file path), so that
# the tests after them still run.
hand_made_entries() {
	python3 - "$MNT" <<-'EOF'
	import os, struct, sys, uuid
	mnt, G = sys.argv[1], "8be4df61-93ca-11d2-aa0d-00e098032b8c"
	def node(t, s, body):
	    return struct.pack("<BBH", t, s, 4 + len(body)) + body
	def put(name, data):
	    fd = os.open(os.path.join(mnt, name + "-" + G), os.O_WRONLY | os.O_CREAT, 0o644)
	    os.write(fd, struct.pack("<I", 7) + data)
	    os.close(fd)
	part = uuid.UUID("3c1b2a09-8f7e-4d6c-b5a4-9e8d7c6b5a40").bytes_le
	for i, x in enumerate("ab"):
	    dp = (node(4, 1, struct.pack("<IQQ", 1, 2048, 10240) + part + bytes([2, 2])) +
	          node(4, 4, ("\\EFI\\teevar\\%s.efi" % x).encode("utf-16-le") + b"\0\0") +
	          node(0x7F, 0xFF, b""))
	    desc = ("teevar " + x.upper()).encode("utf-16-le") + b"\0\0"
	    put("Boot%04X" % i, struct.pack("<IH", 1, len(dp)) + desc + dp)
	put("BootOrder", struct.pack("<HH", 1, 0))
	EOF
}
# The ESP's partition GUID 3C1B2A09-8F7E-4D6C-B5A4-9E8D7C6B5A40 as UEFI stores it.
ESP_GUID_LE=092a1b3c7e8f6c4db5a49e8d7c6b5a40

test_efibootmgr_empty() {
	q efibootmgr && rc_is 0 && out_has "No BootOrder is set"
}
t "efibootmgr on a store without boot entries" test_efibootmgr_empty

test_efibootmgr_create() {
	q efibootmgr -c -d "$TVFS_LOOP" -p 1 -L "teevar A" -l '\EFI\teevar\a.efi' && rc_is 0 &&
		out_has "Boot0000* teevar A" && data_is "BootOrder-$G" 070000000000 &&
		same "Boot0000-$G" && same "BootOrder-$G" &&
		tvhex "Boot0000-$G" | grep -q "$ESP_GUID_LE" &&
		tvhex "Boot0000-$G" | grep -q "$(printf 'teevar A' | iconv -t UTF-16LE | fhex /dev/stdin)"
}
tl "efibootmgr -c -d LOOP -p 1: Boot0000 with the ESP's GUID and label, BootOrder 0000" \
	test_efibootmgr_create

test_efibootmgr_create2() {
	q efibootmgr -c -d "$TVFS_LOOP" -p 1 -L "teevar B" -l '\EFI\teevar\b.efi' && rc_is 0 &&
		data_is "BootOrder-$G" 0700000001000000 && same "Boot0001-$G" && same "BootOrder-$G"
}
tl "a second entry goes first: BootOrder 0001,0000" test_efibootmgr_create2
[ "$LOOP_OK" = 1 ] || hand_made_entries

test_efibootmgr_order() {
	q efibootmgr -o 0000,0001 && rc_is 0 && out_has "BootOrder: 0000,0001" &&
		data_is "BootOrder-$G" 0700000000000100 && same "BootOrder-$G"
}
t "efibootmgr -o 0000,0001" test_efibootmgr_order

test_efibootmgr_next() {
	q efibootmgr -n 0001 && rc_is 0 && out_has "BootNext: 0001" &&
		data_is "BootNext-$G" 070000000100 && same "BootNext-$G"
}
t "efibootmgr -n 0001 sets BootNext" test_efibootmgr_next

test_efibootmgr_timeout() {
	q efibootmgr -t 5 && rc_is 0 && out_has "Timeout: 5 seconds" &&
		data_is "Timeout-$G" 070000000500 && same "Timeout-$G"
}
t "efibootmgr -t 5 sets Timeout" test_efibootmgr_timeout

test_efibootmgr_delete() {
	q efibootmgr -b 0001 -B && rc_is 0 && gone "Boot0001-$G" &&
		data_is "BootOrder-$G" 070000000000 && is "$(stat -c %s "$MNT/BootOrder-$G")" 6 &&
		same "BootOrder-$G"
}
t "efibootmgr -b 0001 -B deletes it; BootOrder rewritten shorter (6 bytes)" test_efibootmgr_delete

test_efibootmgr_verbose() {
	q efibootmgr -v && rc_is 0 && out_has "Boot0000* teevar A" &&
		out_has "HD(1,GPT,3c1b2a09-8f7e-4d6c-b5a4-9e8d7c6b5a40,0x800,0x2800)" &&
		out_has '\EFI\teevar\a.efi' && out_has "BootNext: 0001" && out_lacks "teevar B"
}
tl "efibootmgr -v shows the entry's HD() node and file path" test_efibootmgr_verbose

# ---- the shell ----

test_shell_read() {
	local want
	want=$(tvhex "Boot0000-$G") &&
		is "$(cat "$MNT/Boot0000-$G" >"$TVFS_TMP/cat" && fhex "$TVFS_TMP/cat")" "$want" "cat" &&
		is "$(od -An -tx1 -v "$MNT/Boot0000-$G" | tr -d ' \n')" "$want" "od" &&
		is "$(hexdump -v -e '1/1 "%02x"' "$MNT/Boot0000-$G")" "$want" "hexdump" &&
		hexdump -C "$MNT/Boot0000-$G" | head -1 | grep -q '^00000000  07 00 00 00 01 00 00 00'
}
t "cat, od and hexdump read attributes + data as teevard holds them" test_shell_read

test_shell_printf() {
	printf '\007\000\000\000shell' >"$MNT/TvShell-$TG" &&
		data_is "TvShell-$TG" "07000000$(printf shell | fhex /dev/stdin)" && same "TvShell-$TG" &&
		is "$(lsattr "$MNT/TvShell-$TG" | cut -d' ' -f1)" "----i-----------------" "lsattr"
}
t "printf '\\007\\0\\0\\0shell' > new file sets it; lsattr shows it immutable" test_shell_printf

test_shell_rm_immutable() {
	q rm -f "$MNT/TvShell-$TG" && rc_fail && err_has "Operation not permitted" &&
		same "TvShell-$TG"
}
t "rm of an immutable file: EPERM, the variable stays" test_shell_rm_immutable

test_shell_chattr_rm() {
	q chattr -i "$MNT/TvShell-$TG" && rc_is 0 &&
		is "$(lsattr "$MNT/TvShell-$TG" | cut -d' ' -f1)" "----------------------" "lsattr" &&
		q rm "$MNT/TvShell-$TG" && rc_is 0 && gone "TvShell-$TG" && ! listed "TvShell-$TG"
}
t "chattr -i, then rm deletes the variable" test_shell_chattr_rm

test_shell_df() {
	local nv total free avail
	# statfs first, then the same figures from teevard (nothing writes between).
	read -r total free avail < <(stat -f -c '%b %f %a' "$MNT") &&
		nv=$(tvfs_cli info --json | python3 -c 'import json, sys
c = [c for c in json.load(sys.stdin)["classes"] if c["attributes"] == 7][0]
print(c["max_storage"], c["remaining"])') &&
		is "$total $free $avail" "$nv ${nv#* }" "statfs blocks/free/avail against teevar info (nv,bs,rt)" &&
		q df -B1 --output=size,avail "$MNT" && rc_is 0 && out_has "${nv%% *}"
}
t "df and statfs: f_blocks, f_bfree, f_bavail = teevar info's nv,bs,rt storage" test_shell_df

# ---- the CLI changes the store under the mount ----

test_cli_set() {
	tvfs_cli set "TvConc-$TG" --hex 0102 >/dev/null &&
		listed "TvConc-$TG" && efivar_lists "$TG-TvConc" && same "TvConc-$TG"
}
t "teevar set: ls, efivar -l and cat show it at once" test_cli_set

test_cli_change() {
	tvfs_cli set "TvConc-$TG" --hex 0102030405060708 >/dev/null &&
		is "$(stat -c %s "$MNT/TvConc-$TG")" 12 && same "TvConc-$TG"
}
t "teevar set of a longer value: the size and content follow at once" test_cli_change

test_cli_delete_open() {
	local got
	exec 7<"$MNT/TvConc-$TG" || return 1
	tvfs_cli delete "TvConc-$TG" >/dev/null || { exec 7<&-; return 1; }
	got=$(od -An -tx1 -v <&7 2>&1 | tr -d ' \n')
	exec 7<&-
	is "$got" "" "a read of the open file after the delete (EOF)" &&
		! listed "TvConc-$TG" && ! efivar_lists "$TG-TvConc" && [ ! -e "$MNT/TvConc-$TG" ]
}
t "teevar delete: gone from ls and efivar -l; an open file reads EOF" test_cli_delete_open

# ---- mokutil and efitools: Secure Boot from setup mode to user mode ----

make_keys() {
	mkdir -p "$K"
	local n
	for n in PK KEK db db2; do
		openssl req -new -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 \
			-subj "/CN=Test $n/" -keyout "$K/$n.key" -out "$K/$n.crt" 2>/dev/null || return 1
		cert-to-efi-sig-list -g $OWN "$K/$n.crt" "$K/$n.esl" >/dev/null || return 1
	done
	sign() { sign-efi-sig-list "$@" >/dev/null; }
	sign -g $OWN -k "$K/PK.key" -c "$K/PK.crt" PK "$K/PK.esl" "$K/PK.auth" &&
		sign -g $OWN -k "$K/PK.key" -c "$K/PK.crt" KEK "$K/KEK.esl" "$K/KEK.auth" &&
		sign -g $OWN -k "$K/KEK.key" -c "$K/KEK.crt" db "$K/db.esl" "$K/db.auth" &&
		sign -a -g $OWN -k "$K/KEK.key" -c "$K/KEK.crt" db "$K/db2.esl" "$K/db2-append.auth" &&
		sign -g $OWN -k "$K/db.key" -c "$K/db.crt" db "$K/db2.esl" "$K/db-wrong.auth" &&
		sign -a -g $OWN -k "$K/db2.key" -c "$K/db2.crt" db "$K/db.esl" "$K/db-wrong-append.auth"
}
make_keys || bail "could not make the keys (openssl, efitools)"
WRAP=$(tvfs_mount_wrapper "$MNT")

# efitools with the mount wrapper first in PATH.
et() { PATH=$WRAP:$PATH q "$@"; }

test_mokutil_setup() {
	q mokutil --sb-state && rc_is 0 && out_has "SecureBoot disabled" &&
		out_has "Platform is in Setup Mode"
}
t "mokutil --sb-state: SecureBoot disabled, setup mode" test_mokutil_setup

test_readvar_empty() {
	q efi-readvar && rc_fail && err_has "No efivarfs filesystem is mounted" &&
		et efi-readvar && rc_is 0 && out_has "Variable PK has no entries" &&
		out_has "Variable db has no entries"
}
t "efi-readvar needs the mount wrapper; with it: no PK, KEK, db" test_readvar_empty

test_updatevar_enrol() {
	et efi-updatevar -f "$K/db.auth" db && rc_is 0 &&
		et efi-updatevar -f "$K/KEK.auth" KEK && rc_is 0 &&
		tvfs_cli secureboot status | grep -q "^mode: *setup" &&
		et efi-updatevar -f "$K/PK.auth" PK && rc_is 0 &&
		tvfs_cli secureboot status | grep -q "^mode: *user" &&
		same "db-$SECDB" && same "KEK-$G" && same "PK-$G" &&
		tvhex "PK-$G" | grep -q '^27000000' &&
		is "$(fhex "$MNT/SetupMode-$G")" 0600000000 "SetupMode"
}
t "efi-updatevar -f db.auth db, KEK.auth KEK, PK.auth PK: user mode, SetupMode 0" test_updatevar_enrol

test_mokutil_user() {
	q mokutil --sb-state && rc_is 0 && out_has "SecureBoot disabled" &&
		out_lacks "Setup Mode" &&
		q mokutil --pk && rc_is 0 && out_has "CN=Test PK" &&
		q mokutil --kek && rc_is 0 && out_has "CN=Test KEK" &&
		q mokutil --db && rc_is 0 && out_has "CN=Test db"
}
t "mokutil --sb-state leaves setup mode; --pk, --kek, --db show the certificates" test_mokutil_user

test_readvar_keys() {
	et efi-readvar && rc_is 0 && out_has "CN=Test PK" && out_has "CN=Test KEK" &&
		out_has "CN=Test db" && out_has "Variable dbx has no entries"
}
t "efi-readvar shows PK, KEK and db" test_readvar_keys

test_updatevar_immutable() {
	local before
	before=$(tvhex "db-$SECDB")
	et efi-updatevar -a -f "$K/db2-append.auth" db && rc_fail && err_has "Operation not permitted" &&
		data_is "db-$SECDB" "$before"
}
t "efi-updatevar on an existing db without chattr -i: EPERM (efitools never clears it)" \
	test_updatevar_immutable

test_updatevar_append() {
	chattr -i "$MNT/db-$SECDB" &&
		et efi-updatevar -a -f "$K/db2-append.auth" db && rc_is 0 &&
		tvfs_cli get db --esl | grep -q "CN=Test db2" && same "db-$SECDB" &&
		et efi-readvar -v db && out_has "CN=Test db2" && out_has "CN=Test db"
}
t "chattr -i, efi-updatevar -a (signed by KEK) appends db2 to db" test_updatevar_append

test_updatevar_wrong() {
	local before
	before=$(tvhex "db-$SECDB")
	chattr -i "$MNT/db-$SECDB" &&
		et efi-updatevar -f "$K/db-wrong.auth" db && rc_fail &&
		data_is "db-$SECDB" "$before" && same "db-$SECDB" &&
		chattr -i "$MNT/db-$SECDB" &&
		et efi-updatevar -a -f "$K/db-wrong-append.auth" db && rc_fail &&
		data_is "db-$SECDB" "$before" && same "db-$SECDB"
}
t "a db signed by db (not KEK) is refused, write and append; db and its size unchanged" \
	test_updatevar_wrong

# ---- at /sys/firmware/efi/efivars in a private mount namespace ----

# The tools find the mount where they look by default. libefivar takes a
# mount whose f_type is not efivarfs' only with EFIVARFS_PATH or
# LIBEFIVAR_OPS=efivarfs (FUSE reports its own magic); efitools only with the
# mount wrapper.
NSWRAP=$(tvfs_mount_wrapper /sys/firmware/efi/efivars)
export TG G NSWRAP
ns() { q tvfs_in_namespace bash -c "$1"; }

test_ns_probe() {
	ns 'efivar -l' && rc_fail && err_has "Function not implemented" &&
		ns 'LIBEFIVAR_OPS=efivarfs efivar -l' && rc_is 0 && out_has "$G-Boot0000" &&
		out_has "$G-PK"
}
t "namespace: libefivar refuses FUSE's f_type at its default path; LIBEFIVAR_OPS=efivarfs lists" \
	test_ns_probe

test_ns_tools() {
	ns 'export LIBEFIVAR_OPS=efivarfs; efibootmgr -v && efibootmgr -t 3 &&
		mokutil --sb-state && mokutil --db && PATH=$NSWRAP:$PATH efi-readvar -v PK' &&
		rc_is 0 && out_has "Boot0000* teevar A" && out_has "Timeout: 3 seconds" &&
		out_has "SecureBoot disabled" && out_has "CN=Test db2" && out_has "CN=Test PK" &&
		data_is "Timeout-$G" 070000000300
}
t "namespace: efibootmgr -v and -t 3, mokutil, efi-readvar at /sys/firmware/efi/efivars" \
	test_ns_tools

test_ns_shell() {
	ns 'printf "\007\000\000\000ns" >/sys/firmware/efi/efivars/TvNs-$TG &&
		chattr -i /sys/firmware/efi/efivars/TvNs-$TG && cat /sys/firmware/efi/efivars/TvNs-$TG &&
		rm /sys/firmware/efi/efivars/TvNs-$TG' &&
		rc_is 0 && is "$(fhex "$OUT")" 070000006e73 && gone "TvNs-$TG" &&
		is "$(awk '$2 == "/sys/firmware/efi/efivars"' /proc/mounts)" "" "no mount outside"
}
t "namespace: printf >, chattr -i, cat, rm; nothing mounted outside it" test_ns_shell

test_ns_sequence() {
	q tvfs_in_namespace sh "$SEQ" /sys/firmware/efi/efivars && rc_is 0 &&
		is "$(cat "$OUT")" "$(cat "$TVFS_TMP/seq.txt")"
}
t "namespace: the sequence at /sys/firmware/efi/efivars prints the same transcript" \
	test_ns_sequence

# ---- the end: nothing left behind ----
test_cleanup() {
	tvfs_umount "$MNT" && ! tvfs_mounted "$MNT" && [ -z "$(ls -A "$MNT")" ]
}
t "fusermount3 -u unmounts" test_cleanup

tap_end
