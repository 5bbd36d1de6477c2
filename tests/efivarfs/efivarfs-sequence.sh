#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# efivarfs-sequence.sh DIR
#
# THE one sequence run against two efivarfs mounts: the host's teevarfs
# (tests/efivarfs/test_teevarfs_tools.sh) and the QEMU guest's real Linux 6.12
# efivarfs (make check-qemu). It creates, writes, appends, rewrites shorter,
# reads, chattr/lsattr, unlinks, tries invalid names, bad attributes, short
# writes, an odd BootOrder, writes to an immutable file, reads an open file
# after unlink, drives efivar and efibootmgr, and prints a normalized
# transcript on stdout, one line per step:
#
#   step NAME rc=0|1 errno=E size=S mode=M flags=F sha=H [hex=X] [extra=...]
#
# rc is the step's command's exit status (any failure printed as 1, since
# busybox and GNU tools differ in their codes); errno the error name found in
# the command's message (strerror text, the same from busybox and coreutils),
# "-" when it succeeded; then the file's state after the step: size (stat),
# mode (octal), flags (the letters of lsattr's flag field, "-" for none), the
# first 16 hex digits of the SHA-256 of its content and, for a short content,
# the content in hex; "none" for each when the file does not exist. Nothing
# machine-specific (no inode numbers, times, devices, store sizes).
#
# Three steps hold the declared differences (docs/teevarfs.md "Where teevarfs
# differs from 6.12"): remnant-after-failed-create (Linux 6.12 keeps a
# created-but-never-written file as a 0-byte remnant until unmount; teevarfs,
# like 6.13, removes it at last close), write-o-trunc-refused (6.12 shows
# size 0 after O_TRUNC; teevarfs the true size) and create-upper-case-guid
# (6.12 lists the name as typed; teevarfs in lower case).
#
# The variables it creates: Seq*-TG (TG below, a test vendor GUID), and the
# removable global ones Boot7A01, Boot7A02, BootOrder, BootNext, Timeout.
# BootOrder, BootNext and Timeout are saved first when they exist and put back
# at the end; everything else it created is removed, also on failure.
# POSIX sh; needs only what the guest has: busybox (or coreutils) dd, od, stat,
# sha256sum, ls, rm, mkdir, mv, ln, touch, chmod, grep, sed, tr, cut, sort,
# e2fsprogs' chattr and lsattr, efivar, efibootmgr.
# shellcheck disable=SC2010  # the listing (ls) is what it tests
set -u

case ${1:-} in
'') echo "usage: efivarfs-sequence.sh DIR" >&2; exit 2 ;;
/) D= ;;
*) D=${1%/} ;;
esac
[ -d "$D/" ] || { echo "efivarfs-sequence.sh: $1 is not a directory" >&2; exit 2; }

TG=6a3f0e2d-5c4b-4a19-8d7e-0f1e2d3c4b5a   # the sequence's vendor GUID
G=8be4df61-93ca-11d2-aa0d-00e098032b8c    # EFI_GLOBAL_VARIABLE
SEED=1ce1e5bc-7ceb-42f2-81e5-8aadf180f57b # Linux's random seed: hidden
T=$(mktemp -d) || exit 2
export EFIVARFS_PATH="$D/"
export LC_ALL=C

# ---- helpers ----

# The error name in a message: the first strerror text it contains.
errname() {
	awk '
	BEGIN {
		n = split("Operation not permitted=EPERM|No such file or directory=ENOENT|" \
			"Input/output error=EIO|Permission denied=EACCES|File exists=EEXIST|" \
			"Not a directory=ENOTDIR|Is a directory=EISDIR|Invalid argument=EINVAL|" \
			"No space left on device=ENOSPC|Read-only file system=EROFS|" \
			"Inappropriate ioctl for device=ENOTTY|Function not implemented=ENOSYS|" \
			"Operation not supported=EOPNOTSUPP|Not supported=EOPNOTSUPP|" \
			"Device or resource busy=EBUSY|No data available=ENODATA|" \
			"Bad address=EFAULT|Cannot allocate memory=ENOMEM|" \
			"Illegal seek=ESPIPE|Directory not empty=ENOTEMPTY|" \
			"Transport endpoint is not connected=ENOTCONN|" \
			"Software caused connection abort=ECONNABORTED|" \
			"Value too large for defined data type=EOVERFLOW|" \
			"Numerical result out of range=ERANGE|Cross-device link=EXDEV|" \
			"Stale file handle=ESTALE|Bad file descriptor=EBADF|Broken pipe=EPIPE|" \
			"Resource temporarily unavailable=EAGAIN|File name too long=ENAMETOOLONG|" \
			"Argument list too long=E2BIG|File too large=EFBIG", e, "|")
		for (i = 1; i <= n; i++) { split(e[i], kv, "="); msg[i] = kv[1]; name[i] = kv[2] }
	}
	{ for (i = 1; i <= n; i++) if (index($0, msg[i])) { print name[i]; found = 1; exit } }
	END { if (!found) print "?" }' "$1"
}

hexof() { od -An -tx1 -v "$1" | tr -d ' \n'; }
# outhex: what the step's command printed, in hex ("empty" for nothing).
outhex() { if [ -s "$T/out" ]; then hexof "$T/out"; else echo empty; fi; }

# state FILE: the file's size, mode, flags, digest (and bytes when short).
state() {
	f=$1
	if [ ! -e "$f" ]; then
		echo "size=none mode=none flags=none sha=none"
		return
	fi
	size=$(stat -c %s "$f")
	mode=$(stat -c %a "$f")
	fl=$(lsattr -d "$f" 2>/dev/null | cut -d' ' -f1 | tr -d -)
	if [ -z "$(lsattr -d "$f" 2>/dev/null)" ]; then fl='?'; elif [ -z "$fl" ]; then fl=-; fi
	if cat "$f" >"$T/content" 2>"$T/rerr"; then
		sha=$(sha256sum <"$T/content" | cut -c1-16)
		if [ ! -s "$T/content" ]; then
			sha="$sha hex=empty"
		elif [ $(($(wc -c <"$T/content"))) -le 32 ]; then
			sha="$sha hex=$(hexof "$T/content")"
		fi
	else
		sha="read-error:$(errname "$T/rerr")"
	fi
	echo "size=$size mode=$mode flags=$fl sha=$sha"
}

# step NAME FILE [EXTRA]: one transcript line for the command just run (its
# status in RC, its messages in $T/err), with FILE's state after it.
step() {
	if [ "$RC" -eq 0 ]; then r=0 e=-; else r=1 e=$(errname "$T/err"); fi
	echo "step $1 rc=$r errno=$e $(state "$2")${3:+ $3}"
}

# run CMD...: run it, RC and messages ($T/err) kept; stdout to $T/out.
run() {
	RC=0
	"$@" >"$T/out" 2>"$T/err" </dev/null || RC=$?
}

# bytes NAME ESCAPES: a data file made with printf's octal escapes.
# shellcheck disable=SC2059  # the format is the data
bytes() { printf "$2" >"$T/$1"; }

# One write() of a data file's whole content, as the tools do: wr (open
# O_WRONLY|O_CREAT, no O_TRUNC, as efivar), wr_trunc (the shell's > : O_TRUNC,
# as efitools), wr_append (>>: O_APPEND).
wr() { run dd if="$T/$1" of="$2" bs=1048576 conv=notrunc; }
wr_trunc() { RC=0; { dd if="$T/$1" bs=1048576 >"$2"; } >"$T/out" 2>"$T/err" || RC=$?; }
wr_append() { RC=0; { dd if="$T/$1" bs=1048576 >>"$2"; } >"$T/out" 2>"$T/err" || RC=$?; }
unimm() { chattr -i -a "$1" >/dev/null 2>&1; }
listing() { ls "$D/" | grep -i -- "$1" | sort | tr '\n' ',' | sed 's/,$//'; }

# ---- save the global variables it will replace; clean up on exit ----
for v in BootOrder BootNext Timeout; do
	if [ -e "$D/$v-$G" ]; then
		cat "$D/$v-$G" >"$T/saved.$v"
	fi
done
# BootNext and Timeout start absent (efibootmgr's listing shows them).
for v in BootNext Timeout; do
	if [ -e "$D/$v-$G" ]; then
		unimm "$D/$v-$G"
		rm -f "$D/$v-$G"
	fi
done
cleanup() {
	for f in "$D"/*-"$TG" "$D/Boot7A01-$G" "$D/Boot7A02-$G" "$D/SeqUpper-$(echo "$TG" | tr a-f A-F)"; do
		[ -e "$f" ] || [ -L "$f" ] || continue
		unimm "$f"
		rm -f "$f" 2>/dev/null
	done
	# what only a filesystem that accepts anything would have made
	rmdir "$D/SeqDir-$TG" 2>/dev/null
	rm -f "$D/NoGuidHere" "$D/-$TG" "$D/Seq_$TG" "$D/Seq-6a3f0e2d-5c4b-4a19-8d7e-0f1e2d3c4bzz" \
		"$D/Seq-6a3f0e2d5c4b-4a19-8d7e-0f1e2d3c4b5a0" "$D/Seed-$SEED" 2>/dev/null
	for v in BootOrder BootNext Timeout; do
		f=$D/$v-$G
		if [ -f "$T/saved.$v" ]; then
			unimm "$f"
			dd if="$T/saved.$v" of="$f" bs=1048576 conv=notrunc 2>/dev/null
		elif [ -e "$f" ]; then
			unimm "$f"
			rm -f "$f" 2>/dev/null
		fi
	done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

A=$D/SeqA-$TG
B=$D/SeqB-$TG
C=$D/SeqC-$TG

bytes hello '\007\000\000\000hello'
bytes world '\007\000\000\000world'
bytes hi '\007\000\000\000hi'
bytes app1 '\107\000\000\000++'
bytes app2 '\107\000\000\000!!'
bytes attrs_only '\007\000\000\000'
bytes bad80 '\200\000\000\000x'
bytes bad100 '\000\001\000\000x'
bytes short3 '\007\000\000'
bytes nvbs '\003\000\000\000hi'
bytes hwerr '\017\000\000\000hi'
bytes tauth '\047\000\000\000bogus-authentication'
bytes one '\007\000\000\000one'
bytes two '\007\000\000\000two!'
# a load option: attributes 1, FilePathListLength 4, description "T", END
bytes boot1 '\007\000\000\000\001\000\000\000\004\000T\000\000\000\177\377\004\000'
bytes boot2 '\007\000\000\000\001\000\000\000\004\000U\000\000\000\177\377\004\000'
# its device path without an END node: refused
bytes bootbad '\007\000\000\000\001\000\000\000\004\000T\000\000\000\001\001\004\000'
bytes order2 '\007\000\000\000\001\172\002\172'
bytes order_odd '\007\000\000\000\001\172\002'
bytes order1 '\007\000\000\000\001\172'
bytes timeout5 '\007\000\000\000\005\000'
bytes timeout_bad '\007\000\000\000\005\000\000'
bytes next '\007\000\000\000\001\172'
{ printf '\007\000\000\000'; dd if=/dev/zero bs=1000 count=70 2>/dev/null; } >"$T/big"
{ printf '\007\000\000\000'; dd if=/dev/zero bs=1000 count=60 2>/dev/null; } >"$T/big60"
printf 'efivar wrote this' >"$T/efw"
printf ' and appended' >"$T/efa"

# ---- create, read, immutability ----
wr hello "$A"; step create-new "$A"
run cat "$A"; step read "$A" "out=$(outhex)"
run dd if="$A" bs=3; step read-3-byte-chunks "$A" "out=$(outhex)"
run cat "$D/SeqA-$(echo "$TG" | tr a-f A-F)"; step read-upper-case-guid "$A" "out=$(outhex)"
wr world "$A"; step write-immutable "$A"
wr_append app1 "$A"; step append-immutable "$A"
run rm -f "$A"; step unlink-immutable "$A"
run touch "$A"; step touch-immutable "$A"
run chattr -i "$A"; step chattr-minus-i "$A"
run chattr +a "$A"; step chattr-plus-a "$A"
wr hi "$A"; step rewrite-shorter "$A"
wr app1 "$A"; step append-attribute "$A"
wr_append app2 "$A"; step append-o-append "$A"
wr_trunc one "$A"; step write-o-trunc "$A"
wr_trunc bad80 "$A"; step write-o-trunc-refused "$A"
wr one "$A"
run chattr +i "$A"; step chattr-plus-i "$A"
run chattr -i "$A"; step chattr-minus-i-again "$A"

# ---- refused writes to an existing variable (nothing changes) ----
wr bad80 "$A"; step write-attrs-0x80 "$A"
wr bad100 "$A"; step write-attrs-0x100 "$A"
wr short3 "$A"; step write-3-bytes "$A"
wr nvbs "$A"; step write-attrs-nv-bs-only "$A"
wr hwerr "$A"; step write-attrs-hw-error "$A"
wr tauth "$A"; step write-time-auth-bogus "$A"
wr big "$A"; step write-70000-bytes "$A"
wr big60 "$A"; step write-60000-bytes "$A"
wr one "$A"

# ---- deletes ----
wr attrs_only "$A"; step delete-by-attrs-only-write "$A"
wr hello "$A"; step recreate "$A"
unimm "$A"
run sh -c 'exec 3<"$1" && rm "$1" && cat <&3' sh "$A"
step open-then-unlink-read "$A" "out=$(outhex)"
wr hello "$A"
unimm "$A"
run sh -c 'exec 3<"$1" && rm "$1" && stat -L -c "size=%s links=%h" /proc/self/fd/3' sh "$A"
step open-then-unlink-fstat "$A" "out=$(tr ' ' , <"$T/out")"
run rm "$A"; step unlink-missing "$A"
run sh -c 'exec 4>"$1" && dd if="$2" bs=1048576 >&4 && dd if="$3" bs=1048576 >&4' sh "$B" "$T/one" "$T/two"
step create-fd-writes-twice "$B"
run touch "$B"; step touch-immutable-created "$B"

# ---- the declared difference: a created file that never gets a variable ----
R=$D/SeqRemnant-$TG
wr bad80 "$R"
if [ -e "$R" ]; then p=present; else p=absent; fi
if ls "$D/" | grep -q "^SeqRemnant-$TG\$"; then l=listed; else l=unlisted; fi
step remnant-after-failed-create "$R" "file=$p ls=$l"
unimm "$R"
rm -f "$R" 2>/dev/null
if [ -e "$R" ]; then p=present; else p=absent; fi
RC=0; : >"$T/err"; step remnant-removed "$R" "file=$p"

# ---- names ----
run sh -c ': >"$1"' sh "$D/NoGuidHere"; step create-name-without-guid "$D/NoGuidHere"
run sh -c ': >"$1"' sh "$D/-$TG"; step create-name-empty "$D/-$TG"
run sh -c ': >"$1"' sh "$D/Seq_$TG"; step create-name-no-dash "$D/Seq_$TG"
run sh -c ': >"$1"' sh "$D/Seq-6a3f0e2d-5c4b-4a19-8d7e-0f1e2d3c4bzz"
step create-name-bad-guid "$D/Seq-6a3f0e2d-5c4b-4a19-8d7e-0f1e2d3c4bzz"
run sh -c ': >"$1"' sh "$D/Seq-6a3f0e2d5c4b-4a19-8d7e-0f1e2d3c4b5a0"
step create-name-misplaced-dash "$D/Seq-6a3f0e2d5c4b-4a19-8d7e-0f1e2d3c4b5a0"
wr hello "$D/Seed-$SEED"; step create-random-seed-guid "$D/Seed-$SEED"
U=$D/SeqUpper-$(echo "$TG" | tr a-f A-F)
wr hello "$U"; step create-upper-case-guid "$U" "ls=$(listing SeqUpper)"
unimm "$U"
run rm "$D/SeqUpper-$TG"; step unlink-lower-case-guid "$U" "ls=$(listing SeqUpper)"
run mkdir "$D/SeqDir-$TG"; step mkdir "$D/SeqDir-$TG"
wr hello "$C"
run mv "$C" "$D/SeqMoved-$TG"; step rename "$C" "ls=$(listing SeqMoved)"
run ln -s "$C" "$D/SeqLink-$TG"; step symlink "$D/SeqLink-$TG"
run ln "$C" "$D/SeqHard-$TG"; step hardlink "$D/SeqHard-$TG"
unimm "$C"
run chmod 600 "$C"; step chmod-600 "$C"
run chmod 644 "$C"; step chmod-644 "$C"
rm -f "$C"

# ---- global variables: validation, removable, efibootmgr ----
O=$D/BootOrder-$G
wr boot1 "$D/Boot7A01-$G"; step boot-entry-create "$D/Boot7A01-$G"
wr bootbad "$D/Boot7A01-$G"; step boot-entry-no-end-node "$D/Boot7A01-$G"
wr boot2 "$D/Boot7A02-$G"; step boot-entry-create-2 "$D/Boot7A02-$G"
wr order2 "$O"; step bootorder-write "$O"
wr order_odd "$O"; step bootorder-odd-length "$O"
wr order1 "$O"; step bootorder-rewrite-shorter "$O"
wr order2 "$O"
wr timeout5 "$D/Timeout-$G"; step timeout-write "$D/Timeout-$G"
wr timeout_bad "$D/Timeout-$G"; step timeout-3-bytes "$D/Timeout-$G"
run chattr +i "$D/Timeout-$G"; step timeout-chattr-plus-i "$D/Timeout-$G"
wr timeout5 "$D/Timeout-$G"; step timeout-write-immutable "$D/Timeout-$G"
run touch "$D/Timeout-$G"; step timeout-touch-immutable "$D/Timeout-$G"
run chattr -i "$D/Timeout-$G"; step timeout-chattr-minus-i "$D/Timeout-$G"
run touch "$D/Timeout-$G"; step timeout-touch "$D/Timeout-$G"
wr attrs_only "$D/Timeout-$G"; step timeout-delete-by-write "$D/Timeout-$G"

efibootmgr_state() {
	efibootmgr 2>/dev/null | grep -E '^(BootNext|BootOrder|Timeout|Boot7A0)' | tr '\n' '|' | tr ' ' _
}
run efibootmgr; step efibootmgr-list "$O" "out=$(efibootmgr_state)"
run efibootmgr -o 7A02,7A01; step efibootmgr-order "$O" "out=$(efibootmgr_state)"
run efibootmgr -n 7A01; step efibootmgr-bootnext "$D/BootNext-$G"
run efibootmgr -t 7; step efibootmgr-timeout "$D/Timeout-$G"
run efibootmgr -T; step efibootmgr-delete-timeout "$D/Timeout-$G"
run efibootmgr -b 7A02 -B; step efibootmgr-delete-entry "$O" "out=$(efibootmgr_state)"
run rm "$D/BootNext-$G"; step bootnext-unlink "$D/BootNext-$G"

# ---- efivar ----
E=$D/SeqEfivar-$TG
run efivar -n "$TG-SeqEfivar" -w -t 7 -f "$T/efw"; step efivar-write "$E"
run efivar -n "$TG-SeqEfivar" -a -f "$T/efa"; step efivar-append "$E"
run efivar -n "$TG-SeqEfivar" -w -f "$T/efw"; step efivar-rewrite-keeps-attrs "$E"
run efivar -p -n "$TG-SeqEfivar"; step efivar-print "$E" "out=$(sha256sum <"$T/out" | cut -c1-16)"
run efivar -l; step efivar-list "$E" "out=$(grep -i -- "$TG" "$T/out" | sort | tr '\n' ',')"
run efivar -p -n "$TG-SeqMissing"; step efivar-print-missing "$D/SeqMissing-$TG"

# ---- the directory ----
run ls "$D/"; step listing "$D/SeqEfivar-$TG" "ls=$(grep -i -- "$TG" "$T/out" | sort | tr '\n' ',')"
run ls "$D/"; step listing-hides-random-seed "$D/Seed-$SEED" "seed=$(grep -ci -- "$SEED" "$T/out")"
run stat -f -c '%s %S %b' "$D/"
# shellcheck disable=SC2046  # three numbers
set -- $(cat "$T/out")
step statfs "$D/SeqEfivar-$TG" "bsize=${1:-?} frsize=${2:-?} blocks=$([ "${3:-0}" -gt 0 ] && echo positive || echo zero)"
