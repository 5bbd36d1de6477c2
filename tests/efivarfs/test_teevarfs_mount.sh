#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# teevarfs on a real FUSE mount against teevard over unix: (TAP): the command
# line, every failing operation's errno, exact sizes, flags through lsattr and
# chattr, immutability, create/write/close, open-then-unlink, last close,
# -o ro and the automatic read-only mount, the CLI changing variables while
# mounted, and a teevard restart under the mount. The daemon's sanitizer
# reports (ASan/UBSan builds) go to files that the last test checks.
# Usage: test_teevarfs_mount.sh TEEVARD TEEVAR TEEVARFS
# shellcheck disable=SC2034,SC2086,SC2015,SC2010
# (TEEVARD/TEEVAR are the library's; $NOBODY/$FSOP are command prefixes that
# split on purpose; "cond && ok || not_ok" is what it says; ls is what it tests)
set -u
TEEVARD=$(realpath "$1")
TEEVAR=$(realpath "$2")
TEEVARFS=$(realpath "$3")
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib/teevarfs_lib.sh
. "$HERE/../lib/teevarfs_lib.sh"

tvfs_require python3 lsattr chattr setpriv df
tvfs_init

G=$TVFS_GLOBAL
T=a96b90e0-c450-4e75-914e-c14eedb25fad # a test vendor GUID
# Boot0001 records: attributes 7, then EFI_LOAD_OPTION: active, a 4-byte
# file path list, "A", the end node (BOOT_BAD: a node that never ends).
BOOT_OK=07000000010000000400410000007fff0400
BOOT_BAD=070000000100000004004100000001010400
SEED=1ce1e5bc-7ceb-42f2-81e5-8aadf180f57b
# The system's python3: a per-user shim (pyenv's) is slow to start and may
# not be another user's to run.
NPY=/usr/bin/python3
[ -x "$NPY" ] || NPY=$(command -v python3)
FSOP="$NPY $HERE/fsop.py"
NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"

# Sanitizer reports of every teevarfs process land in $SAN.* files.
SAN=$TVFS_TMP/san/report
mkdir -m 1777 "$TVFS_TMP/san"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$SAN"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$SAN"

n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1))
	fails=$((fails + 1))
	echo "not ok $n - $1"
}
# check NAME EXPECTED ACTUAL
check() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1"
		echo "#   expected: $2"
		echo "#   got:      $3"
	fi
}

FG_PIDS=()
# mount_fg DIR [ARG...]: teevarfs -f in the background (stderr to DIR.log),
# ready once /proc/mounts shows it. A runs as prefix (e.g. $NOBODY).
mount_fg() {
	local dir=$1 i
	shift
	mkdir -p "$dir"
	TVFS_MOUNTS+=("$dir")
	${AS:-} "$TEEVARFS" --tee "$TVFS_TEE" -f "$@" "$dir" 2>"$dir.log" &
	FG_PIDS+=($!)
	for ((i = 0; i < 400; i++)); do
		tvfs_mounted "$dir" && return 0
		kill -0 "${FG_PIDS[-1]}" 2>/dev/null || break
		sleep 0.05
	done
	echo "# teevarfs -f $* $dir did not mount:" >&2
	sed 's/^/# /' "$dir.log" >&2
	return 1
}
# umount_fg DIR: unmount and wait for the foreground daemon to end.
umount_fg() {
	local pid=${FG_PIDS[-1]}
	${AS:-} fusermount3 -u "$1" 2>/dev/null || umount "$1"
	wait "$pid"
}

tvfs_start_teevard || { echo "Bail out! teevard did not start"; exit 1; }

# ---- the command line ----
out=$("$TEEVARFS" --help 2>&1)
rc=$?
help_ok=yes
for w in unix: optee: inproc: --state "-o ro" "uid=N" EFIVARFS_PATH=/run/efivars/ \
	efibootmgr mokutil "fusermount3 -u"; do
	case $out in *"$w"*) ;; *) help_ok="missing $w" ;; esac
done
check "--help exits 0 and names the transports, options and EFIVARFS_PATH=DIR/" "0 yes" \
	"$rc $help_ok"
"$TEEVARFS" --version | grep -q '^teevarfs ' && ok "--version" || not_ok "--version"
"$TEEVARFS" >/dev/null 2>&1
r1=$?
"$TEEVARFS" --bogus "$TVFS_TMP/m0" >/dev/null 2>&1
r2=$?
"$TEEVARFS" --tee "$TVFS_TEE" --state x "$TVFS_TMP/m0" >/dev/null 2>&1
r3=$?
"$TEEVARFS" --tee nocolon "$TVFS_TMP/m0" >/dev/null 2>&1
r4=$?
"$TEEVARFS" -o uid=abc "$TVFS_TMP/m0" >/dev/null 2>&1
r5=$?
check "usage errors exit 1 (no mountpoint, unknown option, --tee with --state, bad spec, bad uid)" \
	"1 1 1 1 1" "$r1 $r2 $r3 $r4 $r5"
mkdir -p "$TVFS_TMP/m0"
msg=$("$TEEVARFS" --tee unix:"$TVFS_TMP/none.sock" "$TVFS_TMP/m0" 2>&1)
rc=$?
mounted=no
tvfs_mounted "$TVFS_TMP/m0" && mounted=yes
case $msg in *"unix:$TVFS_TMP/none.sock"*) named=yes ;; *) named=no ;; esac
check "an unreachable backend: exit 4 before mounting, the message names the transport" \
	"4 no yes" "$rc $mounted $named"
"$TEEVARFS" --state "$TVFS_TMP/no-such-state" "$TVFS_TMP/m0" >/dev/null 2>&1
rc=$?
check "a --state directory that does not exist: exit 4, nothing created" "4 no" \
	"$rc $([ -e "$TVFS_TMP/no-such-state" ] && echo yes || echo no)"
(cd "$TVFS_TMP" && "$TEEVARFS" --tee unix:teevard.sock m0)
rc=$?
check "a relative unix: path works (made absolute)" "0 5" "$rc $($FSOP size "$TVFS_TMP/m0/SecureBoot-$G")"
fusermount3 -u "$TVFS_TMP/m0"

"$TEEVARFS" --tee "$TVFS_TEE" -o bogusopt "$TVFS_TMP/m0" >/dev/null 2>&1
r1=$?
"$TEEVARFS" --tee "$TVFS_TEE" "$TVFS_TMP/no/such/dir" >/dev/null 2>&1
r2=$?
check "an unknown -o option: exit 1; a mount point that is not there: exit 5" "1 5" "$r1 $r2"

# ---- the daemonized mount ----
D=$TVFS_TMP/daemon
mkdir -p "$D"
TVFS_MOUNTS+=("$D")
"$TEEVARFS" --tee "$TVFS_TEE" "$D"
rc=$?
line=$(awk -v d="$D" '$2 == d' /proc/mounts)
opts=$(echo "$line" | awk '{print $4}')
check "without -f: exit 0 once the mount is live" "0 teevarfs fuse.teevarfs" \
	"$rc $(echo "$line" | awk '{print $1, $3}')"
case ",$opts," in *,default_permissions,*allow_other,*) o=yes ;; *) o="$opts" ;; esac
check "mount options: default_permissions, allow_other (as root)" yes "$o"
check "listed at once" 5 "$($FSOP size "$D/SecureBoot-$G")"
fusermount3 -u "$D"
tvfs_mounted "$D" && not_ok "fusermount3 -u unmounts" || ok "fusermount3 -u unmounts"

# ---- the foreground mount for the rest ----
M=$TVFS_TMP/mnt
mount_fg "$M" || { echo "Bail out! no mount"; exit 1; }

check "SecureBoot: exact size (4 + 1), mode 0644 root" "5 100644 0 0" \
	"$($FSOP size "$M/SecureBoot-$G") $($FSOP mode "$M/SecureBoot-$G")"
check "the directory: 0755 root" "40755 0 0" "$($FSOP mode "$M")"
check "content = attributes (u32 LE) + data" 0600000000 "$($FSOP read "$M/SecureBoot-$G")"
check "the GUID is looked up in any case, the name exactly" "5 ENOENT" \
	"$($FSOP size "$M/SecureBoot-${G^^}") $($FSOP size "$M/secureboot-$G")"
check "the listing holds only variables" "" \
	"$(ls -A "$M" | grep -Ev "^.+-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")"

# ---- create, write, sizes ----
check "printf > Timeout (removable): created and written" OK \
	"$($FSOP write "$M/Timeout-$G" wct 070000000500)"
check "its size is 4 + 2" 6 "$($FSOP size "$M/Timeout-$G")"
check "removable: no immutable flag (lsattr)" "----" \
	"$(lsattr "$M/Timeout-$G" | cut -c1-4)"
check "each write replaces the whole value; the size follows GetVariable" "8 6 10" \
	"$($FSOP sizes_while_open "$M/Timeout-$G" 0700000001000200 070000000300 47000000aaaabbbb)"
check "APPEND (0x40 in the attributes) appended" 070000000300aaaabbbb \
	"$($FSOP read "$M/Timeout-$G")"
check "a new variable outside the list: created immutable, the creating fd writes" \
	"second_open=EPERM write=OK size=9" \
	"$($FSOP immutable_creator "$M/Foo-$T" 0700000068656c6c6f)"
check "lsattr shows i" "----i" "$(lsattr "$M/Foo-$T" | cut -c1-5)"
check "FS_IOC_GETFLAGS gives FS_IMMUTABLE_FL" 0x10 "$($FSOP getflags "$M/Foo-$T")"

# ---- immutability enforced ----
check "immutable: open for write EPERM" EPERM "$($FSOP open "$M/Foo-$T" w)"
check "immutable: open O_RDWR EPERM" EPERM "$($FSOP open "$M/Foo-$T" b)"
check "immutable: open O_RDONLY|O_TRUNC EPERM" EPERM "$($FSOP open "$M/Foo-$T" rt)"
check "immutable: truncate EPERM" EPERM "$($FSOP truncate "$M/Foo-$T")"
check "immutable: unlink EPERM" EPERM "$($FSOP unlink "$M/Foo-$T")"
check "immutable: the variable is untouched" 0700000068656c6c6f "$($FSOP read "$M/Foo-$T")"
check "chattr +a (another flag): EOPNOTSUPP" ENOTSUP "$($FSOP setflags "$M/Foo-$T" 0x30)"
$NOBODY chattr -i "$M/Foo-$T" 2>/dev/null && r=0 || r=$?
check "chattr -i as another user fails, the flag stays" "1 0x10" \
	"$r $($FSOP getflags "$M/Foo-$T")"
chattr -i "$M/Foo-$T"
check "chattr -i as root: lsattr shows no i" "----" "$(lsattr "$M/Foo-$T" | cut -c1-4)"
check "now writable; truncate is accepted and changes nothing" "OK OK 9" \
	"$($FSOP open "$M/Foo-$T" w) $($FSOP truncate "$M/Foo-$T") $($FSOP size "$M/Foo-$T")"
chattr +i "$M/Foo-$T"
check "chattr +i again" "----i" "$(lsattr "$M/Foo-$T" | cut -c1-5)"
chattr -i "$M/Foo-$T"
check "rm deletes" "OK ENOENT" "$($FSOP unlink "$M/Foo-$T") $($FSOP size "$M/Foo-$T")"
check "recreated: immutable again" "----i" \
	"$($FSOP write "$M/Foo-$T" wcx 0700000001 >/dev/null; lsattr "$M/Foo-$T" | cut -c1-5)"

# ---- write errors ----
check "write of 3 bytes: EINVAL" write:EINVAL "$($FSOP write "$M/Timeout-$G" w 070000)"
check "attribute bits outside 0x7f: EINVAL" write:EINVAL \
	"$($FSOP write "$M/Timeout-$G" w 870000000500)"
check "NV alone (the service's INVALID_PARAMETER): EINVAL" write:EINVAL \
	"$($FSOP write "$M/Timeout-$G" w 010000000500)"
check "an invalid Boot0001 (the kernel's load option check): EINVAL" write:EINVAL \
	"$($FSOP write "$M/Boot0001-$G" wc $BOOT_BAD)"
check "a valid Boot0001" OK \
	"$($FSOP write "$M/Boot0001-$G" wc $BOOT_OK)"
check "Boot0001's size" 18 "$($FSOP size "$M/Boot0001-$G")"
chattr -i "$M/SecureBoot-$G"
check "a WRITE_PROTECTED variable: EROFS" write:EROFS \
	"$($FSOP write "$M/SecureBoot-$G" w 0600000001)"
check "its unlink refused by the service: EINVAL (6.12)" EINVAL \
	"$($FSOP unlink "$M/SecureBoot-$G")"
chattr +i "$M/SecureBoot-$G"
check "deleting a variable that is not there through a write: EIO" "write:EIO" \
	"$($FSOP write "$M/BootNext-$G" wcx 07000000)"

# ---- names ----
check "create without a GUID: EINVAL" EINVAL "$($FSOP open "$M/NoGuid" wc)"
check "create with a bad GUID: EINVAL" EINVAL \
	"$($FSOP open "$M/A-8be4df61-93ca-11d2-aa0d-00e098032bxx" wc)"
check "create of the random seed GUID: EPERM" EPERM "$($FSOP open "$M/Seed-$SEED" wc)"
long=$(printf 'a%.0s' $(seq 1 230))
check "a name over 255 bytes: ENAMETOOLONG" ENAMETOOLONG "$($FSOP open "$M/$long-$T" wc)"
check "mkdir and rename: EPERM" "EPERM EPERM" \
	"$($FSOP mkdir "$M/d") $($FSOP rename "$M/Timeout-$G" "$M/X-$G")"
check "nothing was left by the failures" "" "$(ls "$M" | grep -E 'NoGuid|^A-|Seed|^d$|^X-')"

# ---- deletes and last close ----
check "a write of only the attributes deletes: gone at once" "after_write=ENOENT listed=no" \
	"$($FSOP delete_by_write "$M/Timeout-$G" 07000000)"
$FSOP write "$M/Lang-$G" wcx 07000000656e00 >/dev/null
check "open, then unlink: EOF, no link, the size it had (6.12's inode), not listed" \
	"nlink=0 size=7 read=0 exists=ENOENT listed=no" "$($FSOP open_unlink "$M/Lang-$G")"
check "created, never written: 0 bytes while open, gone at the last close" \
	"size=0 listed=yes after=ENOENT" "$($FSOP create_close "$M/Empty-$T")"
check "two open files: it stays until the last one closes" \
	"after_first=yes after_last=ENOENT" "$($FSOP two_fds "$M/Empty-$T")"

# ---- other users, statfs ----
check "another user reads (allow_other, 0644)" 0600000000 \
	"$($NOBODY $NPY "$HERE/fsop.py" read "$M/SecureBoot-$G")"
check "another user may not write (default_permissions)" open:EACCES \
	"$($NOBODY $NPY "$HERE/fsop.py" write "$M/BootNext-$G" wc 070000000100)"
sv=$($FSOP statvfs "$M")
blocks=$(echo "$sv" | sed 's/.*blocks=\([0-9]*\).*/\1/')
case $sv in "bsize=1 frsize=1 blocks="*" namemax=255") f=yes ;; *) f="$sv" ;; esac
[ "${blocks:-0}" -gt 0 ] || f="$sv"
check "statfs: bsize 1, the store's size in blocks, namemax 255" yes "$f"
df -B1 "$M" | awk 'NR == 2 { exit !($2 > 0 && $2 >= $3) }' && ok "df shows the store" ||
	not_ok "df shows the store"

# ---- the CLI changes variables while mounted ----
tvfs_cli set "CliVar-$T" --hex 01020304 >/dev/null
check "a variable set by the CLI shows at once, exact size" "8 yes" \
	"$($FSOP size "$M/CliVar-$T") $(ls "$M" | grep -c "^CliVar-$T$" | sed 's/1/yes/')"
check "changed by the CLI: fstat of an open file shows the new size 0.1 s later, and stat" \
	"before=8/8 fstat=10 path=10" \
	"$($FSOP stat_around "$M/CliVar-$T" "$TEEVAR" --tee "$TVFS_TEE" set "CliVar-$T" --hex 010203040506)"
tvfs_cli set "CliVar-$T" --hex 0102 >/dev/null
check "shortened by the CLI: stat shows the new size at once" 6 "$($FSOP size "$M/CliVar-$T")"
tvfs_cli delete "CliVar-$T" >/dev/null 2>&1
check "deleted by the CLI: gone at once" ENOENT "$($FSOP size "$M/CliVar-$T")"

# ---- teevard restarts under the mount ----
tvfs_stop_teevard
check "teevard stopped: reads fail with EIO" EIO "$($FSOP read "$M/SecureBoot-$G")"
check "teevard stopped: listing, stat and create fail with EIO" "EIO EIO EIO" \
	"$(ls "$M" >/dev/null 2>&1 || echo EIO) $($FSOP size "$M/Boot0001-$G") \
$($FSOP open "$M/Down-$T" wcx)"
tvfs_start_teevard || echo "# teevard did not start again"
check "teevard back: the mount reads again" 0600000000 "$($FSOP read "$M/SecureBoot-$G")"
check "and writes again" OK "$($FSOP write "$M/Boot0001-$G" w $BOOT_OK)"

umount_fg "$M"
check "unmounted; the foreground daemon exited 0" "0 no" \
	"$? $(tvfs_mounted "$M" && echo yes || echo no)"

# ---- read-only ----
R=$TVFS_TMP/ro
mount_fg "$R" -o ro,uid=1234,gid=5678 || not_ok "-o ro mount"
case ",$(awk -v d="$R" '$2 == d {print $4}' /proc/mounts)," in *,ro,*) r=ro ;; *) r=rw ;; esac
check "-o ro: mounted ro" ro "$r"
check "-o ro: reads work, create/write/unlink/chattr: EROFS" "0600000000 EROFS open:EROFS EROFS" \
	"$($FSOP read "$R/SecureBoot-$G") $($FSOP open "$R/New-$T" wc) \
$($FSOP write "$R/Boot0001-$G" w 0700000000) $($FSOP unlink "$R/Boot0001-$G")"
check "-o ro: chattr refused (EROFS)" EROFS "$($FSOP setflags "$R/Boot0001-$G" 0x10)"
check "-o uid=1234,gid=5678: every file and the directory are theirs" "100644 1234 5678 40755 1234 5678" \
	"$($FSOP mode "$R/SecureBoot-$G") $($FSOP mode "$R")"
umount_fg "$R"

# teevard lets everyone read but only its owner (root) write: teevarfs as
# another user finds writes refused and mounts read-only by itself. That
# needs /dev/fuse open to other users (Debian's default; not in every
# container).
if $NOBODY sh -c ': <>/dev/fuse' 2>/dev/null; then
	tvfs_stop_teevard
	tvfs_start_teevard --read-access all --write-access owner || echo "# teevard did not start"
	chmod 711 "$TVFS_TMP"
	A=$TVFS_TMP/auto
	mkdir -p "$A"
	chown 65534:65534 "$A"
	AS=$NOBODY mount_fg "$A" || not_ok "mount as another user"
	case ",$(awk -v d="$A" '$2 == d {print $4}' /proc/mounts)," in *,ro,*) r=ro ;; *) r=rw ;; esac
	grep -q "read-only" "$A.log" && said=yes || said=no
	check "writes refused by teevard: read-only by itself, and it says so" "ro yes" "$r $said"
	check "there: reads work, writes EROFS" "0600000000 open:EROFS" \
		"$($NOBODY $NPY "$HERE/fsop.py" read "$A/SecureBoot-$G") \
$($NOBODY $NPY "$HERE/fsop.py" write "$A/New-$T" wcx 0700000001)"
	AS=$NOBODY umount_fg "$A"
else
	for w in "read-only by itself when teevard refuses writes" "there: reads work, writes EROFS"; do
		n=$((n + 1))
		echo "ok $n - $w # SKIP /dev/fuse is not open to other users"
	done
fi

# ---- SIGTERM unmounts cleanly ----
S=$TVFS_TMP/sig
if mount_fg "$S"; then
	kill -TERM "${FG_PIDS[-1]}"
	wait "${FG_PIDS[-1]}"
	rc=$?
	check "-f: SIGTERM unmounts, exit 0" "0 no" "$rc $(tvfs_mounted "$S" && echo yes || echo no)"
else
	not_ok "-f: SIGTERM unmounts, exit 0"
fi

# ---- the daemons' sanitizer reports ----
sleep 0.2
if ls "$SAN".* >/dev/null 2>&1; then
	not_ok "no sanitizer report from teevarfs"
	sed 's/^/# /' "$SAN".* | head -60
else
	ok "no sanitizer report from teevarfs"
fi
for l in "$M.log" "$R.log"; do
	if grep -qE "runtime error|AddressSanitizer|LeakSanitizer" "$l"; then
		sed 's/^/# /' "$l" | head -40
		not_ok "sanitizer output in $(basename "$l")"
	fi
done

echo "1..$n"
[ "$fails" -eq 0 ]
