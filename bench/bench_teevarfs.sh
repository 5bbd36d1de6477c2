#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# teevarfs (efivarfs over FUSE) against teevard over unix:, as users meet it:
#   BENCH efivarfs_ls_1000_ms      `ls -l` of a mount holding 1,000 variables
#                                  (the ls process included; goal <= 100 ms)
#   BENCH efivarfs_read_median_us  one read of a 100-byte variable as cat does
#                                  it (open, read to EOF, close), timed in one
#                                  process so that no exec is counted
#   BENCH efibootmgr_list_ms       `efibootmgr` listing 50 boot entries
# Each the median of several runs. teevard runs with --no-sync on a fresh
# state directory (the figures are the FUSE and socket path, not fdatasync).
# Skipped (a "#" line, no BENCH) without root, /dev/fuse, teevarfs or
# efibootmgr. Usage: bench_teevarfs.sh BUILD_DIR
# shellcheck disable=SC2012,SC2034  # ls is what it measures; the lib uses TEEVARD, TEEVAR
set -uo pipefail

BUILD=$(realpath "${1:?usage: bench_teevarfs.sh BUILD_DIR}")
HERE=$(cd "$(dirname "$0")" && pwd)
TEEVARD=$BUILD/tools/teevard
TEEVAR=$BUILD/tools/teevar
TEEVARFS=$BUILD/tools/teevarfs
RUNS=${BENCH_TEEVARFS_RUNS:-7}
READS=${BENCH_TEEVARFS_READS:-2000}

skip() {
	echo "# bench_teevarfs: $*: skipped"
	exit 0
}
[ "$(id -u)" -eq 0 ] || skip "needs root (a FUSE mount with allow_other)"
[ -c /dev/fuse ] || skip "no /dev/fuse"
[ -x "$TEEVARFS" ] || skip "no $TEEVARFS"
for tool in fusermount3 efibootmgr python3; do
	command -v $tool >/dev/null || skip "$tool not installed"
done

# shellcheck source=../tests/lib/teevarfs_lib.sh
. "$HERE/../tests/lib/teevarfs_lib.sh"
tvfs_init
tvfs_start_teevard || { echo "# bench_teevarfs: teevard did not start" >&2; exit 1; }
MNT=$TVFS_TMP/mnt
tvfs_mount "$MNT" || { echo "# bench_teevarfs: teevarfs did not mount" >&2; exit 1; }

now_ns() { date +%s%N; }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# The store: 50 boot entries (Boot0000-Boot0031 with an HD() and a file path
# each, as efibootmgr -c makes them) and BootOrder, 949 vendor variables of
# 100 bytes: 1,000 variables in all, written through the mount.
python3 - "$MNT" <<'EOF' || { echo "# bench_teevarfs: filling the store failed" >&2; exit 1; }
import os, struct, sys, uuid
mnt = sys.argv[1]
G = "8be4df61-93ca-11d2-aa0d-00e098032b8c"
TG = "5e0f1d2c-3b4a-4f69-8e7d-6c5b4a392817"
def put(name, attrs, data):
    fd = os.open(os.path.join(mnt, name), os.O_WRONLY | os.O_CREAT, 0o644)
    os.write(fd, struct.pack("<I", attrs) + data)
    os.close(fd)
def node(t, s, body):
    return struct.pack("<BBH", t, s, 4 + len(body)) + body
part = uuid.UUID("3c1b2a09-8f7e-4d6c-b5a4-9e8d7c6b5a40").bytes_le
for i in range(50):
    hd = node(4, 1, struct.pack("<IQQ", 1, 2048, 126976) + part + bytes([2, 2]))
    path = node(4, 4, ("\\EFI\\bench\\entry%02d.efi" % i).encode("utf-16-le") + b"\0\0")
    dp = hd + path + node(0x7F, 0xFF, b"")
    desc = ("Bench entry %02d" % i).encode("utf-16-le") + b"\0\0"
    put("Boot%04X-%s" % (i, G), 7, struct.pack("<IH", 1, len(dp)) + desc + dp)
put("BootOrder-" + G, 7, b"".join(struct.pack("<H", i) for i in range(50)))
present = len(os.listdir(mnt))
for i in range(1000 - present):
    put("BenchVar%04d-%s" % (i, TG), 7, bytes((i + j) & 0xFF for j in range(100)))
EOF
count=$(ls "$MNT" | wc -l)
[ "$count" -eq 1000 ] || echo "# bench_teevarfs: the mount holds $count variables, not 1000" >&2

# ls -l of the whole mount
ls -l "$MNT" >/dev/null # warm-up
for ((i = 0; i < RUNS; i++)); do
	t0=$(now_ns)
	ls -l "$MNT" >/dev/null
	t1=$(now_ns)
	echo $(((t1 - t0) / 1000))
done | median | awk '{ printf "BENCH efivarfs_ls_1000_ms %.1f ms\n", $1 / 1000 }'

# Where ls -l's time goes: the listing alone (GetNextVariableName per entry)
# and one lstat per file (FUSE LOOKUP + GETATTR, each asking teevard).
python3 - "$MNT" "$RUNS" <<'EOF'
import os, statistics, sys, time
mnt, runs = sys.argv[1], int(sys.argv[2])
ls, st = [], []
for _ in range(runs):
    t0 = time.perf_counter_ns()
    names = os.listdir(mnt)
    t1 = time.perf_counter_ns()
    for n in names:
        os.lstat(os.path.join(mnt, n))
    t2 = time.perf_counter_ns()
    ls.append(t1 - t0)
    st.append((t2 - t1) / len(names))
print("# bench_teevarfs: readdir of %d names %.1f ms, lstat %.0f us each (medians)"
      % (len(names), statistics.median(ls) / 1e6, statistics.median(st) / 1e3))
EOF

# open + read to EOF + close of one 100-byte variable
python3 - "$MNT/BenchVar0000-5e0f1d2c-3b4a-4f69-8e7d-6c5b4a392817" "$READS" <<'EOF'
import os, statistics, sys, time
path, n = sys.argv[1], int(sys.argv[2])
t = []
for _ in range(n):
    t0 = time.perf_counter_ns()
    fd = os.open(path, os.O_RDONLY)
    data = b""
    while True:
        b = os.read(fd, 131072)
        if not b:
            break
        data += b
    os.close(fd)
    t.append(time.perf_counter_ns() - t0)
    assert len(data) == 104, len(data)
print("BENCH efivarfs_read_median_us %.1f us" % (statistics.median(t) / 1000))
EOF

# efibootmgr listing the 50 entries
n=$(EFIVARFS_PATH=$MNT/ efibootmgr | grep -c '^Boot00[0-3][0-9A-F]\*')
[ "$n" -eq 50 ] || echo "# bench_teevarfs: efibootmgr listed $n entries, not 50" >&2
for ((i = 0; i < RUNS; i++)); do
	t0=$(now_ns)
	EFIVARFS_PATH=$MNT/ efibootmgr >/dev/null
	t1=$(now_ns)
	echo $(((t1 - t0) / 1000))
done | median | awk '{ printf "BENCH efibootmgr_list_ms %.1f ms\n", $1 / 1000 }'
