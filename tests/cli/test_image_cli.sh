#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# shellcheck disable=SC2034  # RC, ST: read by lib.sh's helpers
# teevar import and export end to end as TAP: the six Debian firmware variable
# store images (ovmf, qemu-efi-aarch64) checked against an independent Python
# reader written here, damaged copies, conflicts, dry runs, export -> import ->
# export round trips with keys made at test time (openssl, efitools), the
# --template layout, and a ubootefi.var from an independent encoder
# (uboot_encoder.py). Each test gets a fresh state directory.
# Usage: test_image_cli.sh PATH/TO/teevar [PATH/TO/teevard]
set -uo pipefail

TEEVAR=${1:?usage: test_image_cli.sh PATH/TO/teevar [PATH/TO/teevard]}
[[ $TEEVAR == /* ]] || TEEVAR=$PWD/$TEEVAR
TEEVARD=${2:-}
[[ -z $TEEVARD || $TEEVARD == /* ]] || TEEVARD=$PWD/$TEEVARD
TMP=$(mktemp -d)
DPID=
trap 'rm -rf "$TMP"' EXIT
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

for tool in python3 openssl cert-to-efi-sig-list sign-efi-sig-list; do
	if ! command -v $tool >/dev/null; then
		echo "1..0 # SKIP $tool not installed (Debian: python3, openssl, efitools)"
		exit 0
	fi
done
AAVMF=/usr/share/AAVMF/AAVMF_VARS
OVMF=/usr/share/OVMF/OVMF_VARS_4M
for f in $AAVMF.fd $AAVMF.ms.fd $AAVMF.snakeoil.fd $OVMF.fd $OVMF.ms.fd $OVMF.snakeoil.fd; do
	if [ ! -r "$f" ]; then
		echo "1..0 # SKIP $f not installed (Debian: ovmf, qemu-efi-aarch64)"
		exit 0
	fi
done

OWN=11111111-2222-3333-4444-123456789abc  # signature owner
VENDOR=5b3c1f0e-8a0d-4c2e-9d4f-2a7c6e1b0f11  # a vendor GUID of these tests
K=$TMP/keys
PY=$TMP/edk2.py

# ---- an independent reader of EDK2 NV store images ----

# Written from the PI/EDK2 layouts (firmware volume header, variable store
# header, authenticated and plain variable headers), not from src/varimg.
#   edk2.py vars IMAGE            the live variables as JSON (name, guid, attrs,
#                                 size, data hex, time hex, offset)
#   edk2.py check-import IMAGE J  J: import --json; same variables, bookkeeping ignored
#   edk2.py check-list IMAGE J    J: list --json; the NV variables are the image's
#   edk2.py diff-in A B RANGES    A and B differ only inside RANGES ("lo-hi,...", hex)
cat >"$PY" <<'PYEOF'
import json, struct, sys, uuid
AUTH = uuid.UUID("aaf32c78-947b-439a-a180-2e144ec37792").bytes_le
PLAIN = uuid.UUID("ddcf3616-3275-4164-98b6-fe85707ffe7d").bytes_le
RECORDS = 0
BOOKKEEPING = {("certdb", "d9bee56e-75dc-49d9-b4d7-b534210f637a"),
               ("certdbv", "d9bee56e-75dc-49d9-b4d7-b534210f637a"),
               ("VendorKeysNv", "9073e4e0-60ec-4b6e-9903-4c223c260f3c"),
               ("CustomMode", "c076ec0c-7028-4399-a072-71ee5c448b9f"),
               ("SecureBootEnable", "f0a30bc7-af08-4556-99c4-001009c93a44")}

def live_vars(path):
    d = open(path, "rb").read()
    if d.count(0) == len(d) or d.count(0xff) == len(d):
        return []
    assert d[40:44] == b"_FVH", "no FV signature"
    fv_len, = struct.unpack_from("<Q", d, 32)
    hl, = struct.unpack_from("<H", d, 48)
    assert sum(struct.unpack_from("<%dH" % (hl // 2), d, 0)) & 0xffff == 0, "FV checksum"
    sig, size, fmt, state = struct.unpack_from("<16sIBB", d, hl)
    assert sig in (AUTH, PLAIN) and fmt == 0x5A and state == 0xFE, "store header"
    assert hl + size <= fv_len <= len(d), "store size"
    auth = sig == AUTH
    off, end, recs = hl + 28, hl + size, []
    while off + 4 <= end and struct.unpack_from("<H", d, off)[0] == 0x55AA:
        if auth:
            _, st, _, attrs, _, ts, _, ns, ds, g = struct.unpack_from("<HBBIQ16sIII16s", d, off)
            hdr = 60
        else:
            _, st, _, attrs, ns, ds, g = struct.unpack_from("<HBBIII16s", d, off)
            hdr, ts = 32, bytes(16)
        assert off + hdr + ns + ds <= end, "record beyond the store"
        name = d[off + hdr:off + hdr + ns].decode("utf-16-le")
        assert name.endswith("\0") and "\0" not in name[:-1], "name"
        recs.append(dict(state=st, name=name[:-1], guid=str(uuid.UUID(bytes_le=g)), attrs=attrs,
                         size=ds, data=d[off + hdr + ns:off + hdr + ns + ds].hex(),
                         time=ts.hex(), offset=off))
        off = (off + hdr + ns + ds + 3) & ~3
    # 0x3F (added) is live; 0x3E (in deletion) is live unless a 0x3F twin exists
    added = {(r["name"], r["guid"]) for r in recs if r["state"] == 0x3F}
    global RECORDS
    RECORDS = len(recs)
    return [r for r in recs if r["state"] == 0x3F or
            (r["state"] == 0x3E and (r["name"], r["guid"]) not in added)]

def key(v):
    return (v["name"], v["guid"])

def fail(msg):
    print("# " + msg, file=sys.stderr)
    sys.exit(1)

cmd = sys.argv[1]
if cmd == "vars":
    json.dump(live_vars(sys.argv[2]), sys.stdout)
elif cmd == "check-import":
    want = live_vars(sys.argv[2])
    j = json.load(open(sys.argv[3]))
    got = j["variables"]
    if j["dead_records"] != RECORDS - len(want):
        fail("dead_records %d, the image has %d" % (j["dead_records"], RECORDS - len(want)))
    if len(got) != len(want):
        fail("import lists %d variables, the image holds %d live" % (len(got), len(want)))
    wmap = {key(v): v for v in want}
    for g in got:
        w = wmap.get(key(g))
        if not w:
            fail("import lists %s-%s, not live in the image" % key(g))
        if (g["attributes"], g["size"]) != (w["attrs"], w["size"]):
            fail("%s-%s: import %#x/%d, image %#x/%d" % (key(g) + (g["attributes"], g["size"],
                                                                     w["attrs"], w["size"])))
        action = "ignore" if key(g) in BOOKKEEPING else "new"
        if g["action"] != action:
            fail("%s-%s: action %s, expected %s" % (key(g) + (g["action"], action)))
elif cmd == "check-list":
    want = {key(v): v for v in live_vars(sys.argv[2]) if key(v) not in BOOKKEEPING}
    got = {key(v): v for v in json.load(open(sys.argv[3])) if v["attributes"] & 1}
    if set(got) != set(want):
        fail("stored %s, image %s" % (sorted(set(got) - set(want)), sorted(set(want) - set(got))))
    for k, w in want.items():
        if (got[k]["attributes"], got[k]["size"]) != (w["attrs"], w["size"]):
            fail("%s-%s: stored %#x/%d, image %#x/%d" % (k + (got[k]["attributes"],
                 got[k]["size"], w["attrs"], w["size"])))
elif cmd == "data":  # data IMAGE NAME GUID: the variable's data, hex
    print(next(v["data"] for v in live_vars(sys.argv[2]) if key(v) == (sys.argv[3], sys.argv[4])))
elif cmd == "diff-in":
    a, b = open(sys.argv[2], "rb").read(), open(sys.argv[3], "rb").read()
    if len(a) != len(b):
        fail("sizes %d and %d" % (len(a), len(b)))
    ranges = [tuple(int(x, 16) for x in r.split("-")) for r in sys.argv[4].split(",")]
    for i in range(len(a)):
        if a[i] != b[i] and not any(lo <= i < hi for lo, hi in ranges):
            fail("the files differ at %#x, outside %s" % (i, sys.argv[4]))
else:
    fail("unknown command " + cmd)
PYEOF

# ---- keys made at test time (as test_secureboot_cli.sh) ----

make_keys() {
	mkdir -p "$K"
	local n
	for n in PK KEK db; do
		openssl req -new -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 \
			-subj "/CN=Image Test $n/" -keyout "$K/$n.key" -out "$K/$n.crt" 2>/dev/null
		cert-to-efi-sig-list -g $OWN "$K/$n.crt" "$K/$n.esl" >/dev/null
	done
	python3 - "$K" "$OWN" <<-'PYEOF'
	import hashlib, struct, sys, uuid
	k, own = sys.argv[1], uuid.UUID(sys.argv[2]).bytes_le
	sha256 = uuid.UUID("c1c41626-504c-4092-aca9-41f936934328").bytes_le
	h = hashlib.sha256(b"revoked").digest()
	open(k + "/dbx.esl", "wb").write(sha256 + struct.pack("<III", 28 + 48, 0, 48) + own + h)
	PYEOF
	sign() { sign-efi-sig-list "$@" >/dev/null; }
	sign -t "2022-03-04 05:06:07" -g $OWN -k "$K/PK.key" -c "$K/PK.crt" PK "$K/PK.esl" "$K/PK.auth"
	sign -t "2022-03-04 05:06:08" -g $OWN -k "$K/PK.key" -c "$K/PK.crt" KEK "$K/KEK.esl" "$K/KEK.auth"
	sign -t "2022-03-04 05:06:09" -g $OWN -k "$K/KEK.key" -c "$K/KEK.crt" db "$K/db.esl" "$K/db.auth"
	sign -t "2022-03-04 05:06:10" -g $OWN -k "$K/KEK.key" -c "$K/KEK.crt" dbx "$K/dbx.esl" "$K/dbx.auth"
}
make_keys || { echo "1..0 # SKIP cannot make the test keys"; exit 0; }

not_in_err() { ! grep -qF -- "$1" "$ERR" || { echo "# stderr has '$1'" >&2; return 1; }; }
# list_nv FILE: the NV variables (name, guid, attributes, size) of list --json
list_nv() {
	run list --json; rc_is 0
	python3 -c "import json,sys; [print(v['name'], v['guid'], v['attributes'], v['size'])
		for v in json.load(open(sys.argv[1])) if v['attributes'] & 1]" "$OUT" >"$1"
}
# raw_is VARIABLE HEX: the variable's data is HEX
raw_is() {
	run get "$1" --raw; rc_is 0
	[ "$(od -An -v -tx1 "$OUT" | tr -d ' \n')" = "$2" ] || { echo "# $1: other data" >&2; return 1; }
}
mode_is() { run secureboot status --json; rc_is 0; py "j['mode']=='$1'"; }

# import_image IMAGE: import --json into the fresh state, checked against the reader
import_image() {
	run import "$1" --json; rc_is 0; json_ok
	python3 "$PY" check-import "$1" "$OUT"
	run list --json; rc_is 0; python3 "$PY" check-list "$1" "$OUT"
}
# keys_equal IMAGE: PK, KEK, db, dbx stored byte-equal to the image's data
keys_equal() {
	local v
	for v in PK-$G KEK-$G db-$DB dbx-$DB; do
		raw_is "$v" "$(python3 "$PY" data "$1" "${v%%-*}" "${v#*-}")"
	done
}

# ---- the six Debian images ----

t_aavmf_blank() { run import $AAVMF.fd; rc_is 0
	out_has "$AAVMF.fd: blank image"; out_has "0 variables; nothing changed"
	run import $AAVMF.fd --json; rc_is 0; json_ok; py "j['blank'] and j['variables']==[]"
	list_nv "$TMP/nv"; [ ! -s "$TMP/nv" ]; mode_is setup; }
t_ovmf_empty() { import_image $OVMF.fd
	run import $OVMF.fd; rc_is 0; out_has "imported 0 variables (0 new"; mode_is setup; }
t_aavmf_ms() { import_image $AAVMF.ms.fd; keys_equal $AAVMF.ms.fd; mode_is user
	run secureboot status; rc_is 0; out_has "mode:             user"
	out_has "PK:               present, 1 entry"; }
t_aavmf_snakeoil() { import_image $AAVMF.snakeoil.fd; keys_equal $AAVMF.snakeoil.fd; mode_is user; }
t_ovmf_ms() { import_image $OVMF.ms.fd; keys_equal $OVMF.ms.fd; mode_is user
	# from standard input (a pipe: read, not mapped)
	fresh; IN=$OVMF.ms.fd run import - --dry-run; rc_is 0; out_has "would import 27 variables"
	cat $OVMF.ms.fd | { RC=0; "$TEEVAR" --state "$ST" import - >"$OUT" 2>"$ERR" || RC=$?; rc_is 0; }
	out_has "imported 27 variables"; }
t_ovmf_snakeoil() { import_image $OVMF.snakeoil.fd; keys_equal $OVMF.snakeoil.fd; mode_is user; }

t_human_output() { run import $AAVMF.ms.fd; rc_is 0
	out_has "imported 18 variables (18 new, 0 replaced, 0 unchanged, 0 skipped, 4 ignored); Secure Boot: user mode"
	grep -qE "^new +Boot0000-$G  nv,bs,rt  62$" "$OUT"
	grep -qE "^new +PK-$G  nv,bs,rt,at  1005$" "$OUT"
	grep -qE "^ignore +certdb-d9bee56e-75dc-49d9-b4d7-b534210f637a  nv,bs,rt,at  4  .+" "$OUT"
	# the same image again: every variable unchanged
	run import $AAVMF.ms.fd; rc_is 0
	out_has "imported 0 variables (0 new, 0 replaced, 18 unchanged, 0 skipped, 4 ignored)"; }

# ---- damaged images: exit 8, an offset, nothing changed ----

damaged() { # damaged FILE: import refused with an offset; the store as before
	run set Keep-$VENDOR --hex 01; rc_is 0
	list_nv "$TMP/before"
	run import "$1"; rc_is 8; one_err_line; err_has "teevar: import: $1: offset 0x"
	[ ! -s "$OUT" ]
	list_nv "$TMP/after"; cmp -s "$TMP/before" "$TMP/after"; }
t_damaged_checksum() { cp $OVMF.ms.fd "$TMP/bad.fd"
	python3 -c "import sys; f=open(sys.argv[1],'r+b'); f.seek(50); b=f.read(1); f.seek(50); f.write(bytes([b[0]^0x01]))" "$TMP/bad.fd"
	damaged "$TMP/bad.fd"; }
t_damaged_truncated() { head -c 300000 $OVMF.ms.fd >"$TMP/short.fd"; damaged "$TMP/short.fd"; }
t_damaged_record() { cp $OVMF.ms.fd "$TMP/bad.fd"
	# the first record's NameSize (store header at 0x48 + 28, NameSize 36 bytes in): odd
	python3 -c "import sys,struct; f=open(sys.argv[1],'r+b'); f.seek(0x64+36); f.write(struct.pack('<I',3))" "$TMP/bad.fd"
	damaged "$TMP/bad.fd"; }
t_not_an_image() { printf 'hello' >"$TMP/x.bin"; damaged "$TMP/x.bin"
	run import "$TMP/missing.fd"; rc_is 5; err_has "cannot read $TMP/missing.fd"; }

# ---- conflicts ----

t_conflict_refused() { run set Timeout-$G --hex 0900; rc_is 0
	list_nv "$TMP/before"
	run import $OVMF.ms.fd; rc_is 3
	err_has "teevar: import: conflict: Timeout-$G (exists with other content; --replace or --skip)"
	err_has "nothing imported: 1 conflict, 0 invalid"
	list_nv "$TMP/after"; cmp -s "$TMP/before" "$TMP/after"; raw_is Timeout-$G 0900; mode_is setup
	run import $OVMF.ms.fd --json; rc_is 3; json_ok
	py "not j['ok'] and j['summary']['conflicts']==1 and [v['action'] for v in j['variables'] if v['name']=='Timeout']==['conflict']"; }
t_conflict_skip() { run set Timeout-$G --hex 0900; rc_is 0
	run import $OVMF.ms.fd --skip; rc_is 0; grep -qE "^skip +Timeout-$G " "$OUT"
	out_has "1 skipped"; raw_is Timeout-$G 0900; raw_is Lang-$G "$(python3 "$PY" data $OVMF.ms.fd Lang $G)"
	mode_is user; }
t_conflict_replace() { run set Timeout-$G --hex 0900; rc_is 0
	run import $OVMF.ms.fd --replace; rc_is 0; grep -qE "^replace +Timeout-$G " "$OUT"
	out_has "(26 new, 1 replaced"; raw_is Timeout-$G "$(python3 "$PY" data $OVMF.ms.fd Timeout $G)"; }
t_dry_run() { run import $OVMF.ms.fd --dry-run; rc_is 0
	out_has "dry run: would import 27 variables (27 new, 0 replaced, 0 unchanged, 0 skipped, 4 ignored); Secure Boot: user mode"
	grep -qE "^new +PK-$G " "$OUT"
	list_nv "$TMP/nv"; [ ! -s "$TMP/nv" ]; mode_is setup
	run import $OVMF.ms.fd --dry-run --json; rc_is 0; json_ok
	py "j['dry_run'] and j['ok'] and j['secure_boot']=='user' and j['summary']['new']==27"
	list_nv "$TMP/nv"; [ ! -s "$TMP/nv" ]
	# a dry run with a conflict: the plan, exit 3, nothing stored
	run set Timeout-$G --hex 0900; rc_is 0
	run import $OVMF.ms.fd --dry-run; rc_is 3; grep -qE "^conflict +Timeout-$G " "$OUT"
	err_has "would be refused (dry run)"; raw_is Timeout-$G 0900; }
t_options() {
	run import $OVMF.ms.fd --replace --skip; rc_is 1
	run import $OVMF.ms.fd --from fat; rc_is 1
	run import; rc_is 1
	run import $OVMF.ms.fd --force; rc_is 1; err_has "does not apply"
	run export "$TMP/x.fd" --skip; rc_is 1
	run export "$TMP/x.var" --template $OVMF.fd; rc_is 1
	# --from names the format: a U-Boot reading of an EDK2 image fails
	run import $OVMF.ms.fd --from uboot; rc_is 8; err_has "offset 0x"
	run import --help; rc_is 0; out_has "--state DIR"; out_has "teevard"; out_has "--dry-run"
	out_has "certdb"; out_has "PK last"
	run export --help; rc_is 0; out_has "--template"; out_has "64 MiB"
	"$TEEVAR" --help | grep -q "8  damaged firmware store image"
	# only before ready-to-boot; export in any phase
	run --runtime import $OVMF.ms.fd; rc_is 3; one_err_line; err_has "boot-services phase"
	list_nv "$TMP/nv"; [ ! -s "$TMP/nv" ]
	run --runtime export "$TMP/rt.fd"; rc_is 0; out_has "exported 0 variables"; }

# ---- unix: ----

t_over_unix() {
	RC=0; "$TEEVAR" --tee "unix:$TMP/no.sock" import $OVMF.ms.fd >"$OUT" 2>"$ERR" || RC=$?
	rc_is 3; one_err_line; err_has "stop teevard and run with --state DIR"
	RC=0; "$TEEVAR" --tee "unix:$TMP/no.sock" export "$TMP/x.fd" >"$OUT" 2>"$ERR" || RC=$?
	rc_is 3; err_has "stop teevard and run with --state DIR"; [ ! -e "$TMP/x.fd" ]; }

# A teevard on the state directory: import over its socket is refused, and
# --state next to it names the way out.
t_teevard_running() {
	[ -n "$TEEVARD" ] || { echo "# no teevard given: skipped" >&2; return 0; }
	local sock=$TMP/d.sock i
	"$TEEVARD" --state "$ST" --socket "$sock" --no-sync 2>"$TMP/d.log" </dev/null &
	DPID=$!
	# the test runs in a subshell: a failure there must not leave teevard behind
	trap '[ -z "$DPID" ] || { kill -KILL "$DPID"; wait "$DPID"; } 2>/dev/null' EXIT
	for ((i = 0; i < 300; i++)); do
		"$TEEVAR" --tee "unix:$sock" info >/dev/null 2>&1 && break
		sleep 0.05
	done
	RC=0; "$TEEVAR" --tee "unix:$sock" import $OVMF.ms.fd >"$OUT" 2>"$ERR" || RC=$?
	rc_is 3; one_err_line; err_has "not unix:"; err_has "stop teevard and run with --state DIR"
	run import $OVMF.ms.fd; rc_is 4; err_has "state directory in use"
	err_has "teevar: import: $ST is in use by another secure core (teevard?): stop it"
	run export "$TMP/busy.fd"; rc_is 4; err_has "teevar: export: $ST is in use"
	[ ! -e "$TMP/busy.fd" ]
	kill -TERM "$DPID"; wait "$DPID" 2>/dev/null; DPID=
	run import $OVMF.ms.fd; rc_is 0; out_has "imported 27 variables"; }

# ---- export ----

# A store with plain variables and Secure Boot keys with timestamps.
populate() {
	run set BootOrder-$G --hex "01 00 02 00"; rc_is 0
	run set Greeting-$VENDOR --string16 "hello, firmware"; rc_is 0
	run set BsOnly-$VENDOR --attrs nv,bs --hex "de ad be ef"; rc_is 0
	head -c 3000 /dev/urandom >"$TMP/blob"
	run set Blob-$VENDOR --file "$TMP/blob"; rc_is 0
	run secureboot enroll --db "$K/db.auth" --dbx "$K/dbx.auth" --kek "$K/KEK.auth" \
		--pk "$K/PK.auth"; rc_is 0
}
# round_trip EXT SIZE: export, import elsewhere, export again: the same bytes
round_trip() {
	local a=$TMP/a.$1 b=$TMP/b.$1 first=$ST
	populate
	run export "$a"; rc_is 0; out_has "exported 8 variables to $a ($2"
	[ -s "$a" ]
	fresh; run import "$a"; rc_is 0; out_has "imported 8 variables (8 new"; mode_is user
	run get PK --raw; rc_is 0; cp "$OUT" "$TMP/pk2"
	run export "$b"; rc_is 0
	cmp "$a" "$b" || { echo "# the second export differs" >&2; return 1; }
	ST=$first; run get PK --raw; rc_is 0; cmp -s "$OUT" "$TMP/pk2"; }
t_round_trip_edk2() { round_trip fd "edk2, 67108864 bytes"
	[ "$(stat -c %s "$TMP/a.fd")" -eq 67108864 ]
	# AAVMF's layout: Debian's AAVMF_VARS.ms.fd outside the variable store
	python3 "$PY" diff-in $AAVMF.ms.fd "$TMP/a.fd" "48-40000"
	# the independent reader finds the variables, with the signing times
	python3 "$PY" vars "$TMP/a.fd" >"$TMP/vars.json"
	python3 - "$TMP/vars.json" "$G" <<-'PYEOF'
	import json, sys
	v = {x["name"]: x for x in json.load(open(sys.argv[1]))}
	assert sorted(v) == ["Blob", "BootOrder", "BsOnly", "Greeting", "KEK", "PK", "db", "dbx"], sorted(v)
	assert v["PK"]["attrs"] == 0x27 and v["BsOnly"]["attrs"] == 3
	# EFI_TIME 2022-03-04 05:06:07
	assert v["PK"]["time"].startswith("e6070304050607"), v["PK"]["time"]
	assert v["Blob"]["size"] == 3000 and v["Blob"]["time"] == "00" * 16
	PYEOF
}
t_round_trip_uboot() { round_trip var "uboot, "
	# U-Boot never takes the Secure Boot keys from the ESP: said on both ways
	run export "$TMP/c.var"; rc_is 0
	err_has "teevar: warning: export: $TMP/c.var: U-Boot will not load PK-$G from it: "
	fresh; run import "$TMP/c.var" --dry-run; rc_is 0; not_in_err "comes from a ubootefi.var"
	run import "$TMP/c.var"; rc_is 0
	err_has "teevar: warning: import: $TMP/c.var: db-$DB comes from a ubootefi.var"; }
t_export_to_option() { populate
	run export "$TMP/store.img" --to uboot; rc_is 0; out_has "(uboot, "
	fresh; run import "$TMP/store.img" --from uboot; rc_is 0; out_has "imported 8 variables"; }

t_template() { import_image $OVMF.ms.fd
	run export "$TMP/t.fd" --template $OVMF.fd; rc_is 0
	out_has "exported 27 variables to $TMP/t.fd (edk2, 540672 bytes)"
	[ "$(stat -c %s "$TMP/t.fd")" -eq 540672 ]
	# only the variable store and the FTW working block header change (the FV header is kept)
	python3 "$PY" diff-in $OVMF.fd "$TMP/t.fd" "48-40000,41000-41020"
	fresh; import_image "$TMP/t.fd"; run list --json; python3 "$PY" check-list $OVMF.ms.fd "$OUT"
	keys_equal $OVMF.ms.fd
	# the template may be the output itself: rewritten in place without --force
	cp $OVMF.fd "$TMP/self.fd"
	run export "$TMP/self.fd" --template "$TMP/self.fd"; rc_is 0; cmp -s "$TMP/self.fd" "$TMP/t.fd"; }
t_template_damaged() { head -c 4096 $OVMF.fd >"$TMP/tpl.fd"; rm -f "$TMP/t.fd"
	run export "$TMP/t.fd" --template "$TMP/tpl.fd"; rc_is 8; err_has "--template $TMP/tpl.fd: offset 0x"
	[ ! -e "$TMP/t.fd" ]; }
t_no_overwrite() { run set A-$VENDOR --hex 01; rc_is 0
	printf 'precious' >"$TMP/x.fd"
	run export "$TMP/x.fd"; rc_is 5; one_err_line; err_has "$TMP/x.fd exists"; err_has "--force"
	[ "$(cat "$TMP/x.fd")" = precious ]
	run export "$TMP/x.fd" --force; rc_is 0; [ "$(stat -c %s "$TMP/x.fd")" -eq 67108864 ]
	# no temporary file left beside it
	[ "$(find "$TMP" -maxdepth 1 -name 'x.fd*' | wc -l)" -eq 1 ]
	run export "$TMP/nodir/x.fd"; rc_is 5; [ ! -e "$TMP/nodir" ]; }
t_export_empty() { run export "$TMP/e.fd"; rc_is 0; out_has "exported 0 variables"
	fresh; run import "$TMP/e.fd"; rc_is 0; out_has "imported 0 variables"; }

# ---- a ubootefi.var from the independent encoder ----

hex_of() { od -An -v -tx1 | tr -d ' \n'; }
t_uboot_encoder() {
	local boot1 setting
	boot1=$(head -c 90 /dev/urandom | hex_of)
	setting=$(printf 'some bytes' | hex_of)
	python3 "$HERE/uboot_encoder.py" "$TMP/u.var" "BootOrder:$G:0x7:01000200" \
		"Timeout:$G:0x7:0500" "Blob:$VENDOR:0x7:$boot1" "Setting:$VENDOR:0x3:$setting"
	run import "$TMP/u.var" --json; rc_is 0; json_ok
	py "[v['action'] for v in j['variables']]==['new']*4 and j['format']=='uboot'"
	raw_is BootOrder-$G 01000200; raw_is Timeout-$G 0500; raw_is Blob-$VENDOR "$boot1"
	raw_is Setting-$VENDOR "$setting"
	run list --json; rc_is 0
	py "{v['name'] for v in j if v['attributes'] & 1}=={'BootOrder','Timeout','Blob','Setting'}"
	# and teevar's export of the same variables is the encoder's file
	run export "$TMP/again.var"; rc_is 0; cmp "$TMP/u.var" "$TMP/again.var"; }

# H1's encoder (tests/varimg): U-Boot's own quirks (an empty entry, the
# read-only marker) and variables the service refuses, all classified
t_uboot_h1_encoder() { python3 "$HERE/../varimg/uboot_encoder.py" "$TMP/h1.var"
	run set Keep-$VENDOR --hex 01; rc_is 0; list_nv "$TMP/before"
	run import "$TMP/h1.var" --dry-run --json; rc_is 3; json_ok
	py "{v['name']: v['action'] for v in j['variables']}=={'BootOrder': 'new', 'Boot0001': 'invalid', 'db': 'invalid', 'MyVar': 'new', 'Empty': 'ignore', 'Late': 'new'}"
	py "'read-only marker' in [v for v in j['variables'] if v['name']=='MyVar'][0]['why']"
	py "j['summary']['ignored']==1 and j['summary']['invalid']==2 and not j['ok']"
	run import "$TMP/h1.var"; rc_is 3
	err_has "teevar: import: invalid: db-$DB: "; err_has "nothing imported: 0 conflicts, 2 invalid"
	list_nv "$TMP/after"; cmp -s "$TMP/before" "$TMP/after"; }

tests=(
	"AAVMF_VARS.fd (all zeros): blank, 0 variables, nothing changed:t_aavmf_blank"
	"OVMF_VARS_4M.fd: a formatted store with 0 variables:t_ovmf_empty"
	"AAVMF_VARS.ms.fd: the reader's variables, keys byte-equal, user mode:t_aavmf_ms"
	"AAVMF_VARS.snakeoil.fd: the reader's variables, keys byte-equal, user mode:t_aavmf_snakeoil"
	"OVMF_VARS_4M.ms.fd: the reader's variables, keys byte-equal, user mode:t_ovmf_ms"
	"OVMF_VARS_4M.snakeoil.fd: the reader's variables, keys byte-equal, user mode:t_ovmf_snakeoil"
	"import's lines and summary; a second import: all unchanged:t_human_output"
	"a flipped FV checksum byte: exit 8 with an offset, the store unchanged:t_damaged_checksum"
	"a truncated image: exit 8 with an offset, the store unchanged:t_damaged_truncated"
	"a corrupted record header: exit 8 with an offset, the store unchanged:t_damaged_record"
	"not an image: exit 8; a missing file: exit 5:t_not_an_image"
	"a conflict: exit 3, listed, nothing stored:t_conflict_refused"
	"--skip keeps teevar's variable, stores the rest:t_conflict_skip"
	"--replace overwrites the conflicting variable:t_conflict_replace"
	"--dry-run prints the plan and the mode, stores nothing:t_dry_run"
	"option errors, help texts, exit code 8 in teevar --help:t_options"
	"over unix: import and export say to stop teevard:t_over_unix"
	"teevard on the state directory: refused over its socket, --state says to stop it:t_teevard_running"
	"edk2 export -> import -> export: byte-identical, timestamps kept:t_round_trip_edk2"
	"uboot export -> import -> export: byte-identical:t_round_trip_uboot"
	"export --to uboot, import --from uboot:t_export_to_option"
	"--template OVMF_VARS_4M.fd: 540672 bytes, only the store areas differ:t_template"
	"a damaged --template: exit 8, nothing written:t_template_damaged"
	"export refuses to overwrite without --force, leaves no temporary file:t_no_overwrite"
	"an empty store exports and imports 0 variables:t_export_empty"
	"a ubootefi.var from the independent encoder imports with the same bytes:t_uboot_encoder"
	"H1's ubootefi.var: empty entry ignored, read-only marker dropped, invalid ones refuse all:t_uboot_h1_encoder"
)

# IMAGE_TESTS=REGEX runs only the tests whose function matches (development).
if [ -n "${IMAGE_TESTS:-}" ]; then
	mapfile -t tests < <(printf '%s\n' "${tests[@]}" | grep -E ":.*(${IMAGE_TESTS})")
fi
run_tests "${tests[@]}"
[ -n "${IMAGE_TESTS:-}" ] || echo "# Debian's 6 OVMF/AAVMF images checked against an independent reader;" \
	"export -> import -> export checked byte for byte (edk2, uboot)"
