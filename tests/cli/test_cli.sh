#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The teevar CLI end to end, as TAP: every command, every error path, exit codes.
# Each test gets a fresh state directory. Usage: test_cli.sh PATH/TO/teevar
set -uo pipefail

TEEVAR=${1:?usage: test_cli.sh PATH/TO/teevar}
[[ $TEEVAR == /* ]] || TEEVAR=$PWD/$TEEVAR
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# shellcheck source=lib.sh
. "$HERE/lib.sh"
V=11111111-2222-3333-4444-555555555555    # a vendor GUID of our own

# run_list ARGS: `list` without the variables the secure core keeps itself
# (Secure Boot's status variables, present in every store).
OWN_RE='^(SetupMode|SecureBoot|AuditMode|DeployedMode|VendorKeys|SignatureSupport)-8be4df61-93ca-11d2-aa0d-00e098032b8c$'
OWN_PY="('SetupMode','SecureBoot','AuditMode','DeployedMode','VendorKeys','SignatureSupport')"
run_list() {
	run list "$@"
	if [ "${1:-}" = --json ]; then
		python3 -c "import json,sys; j=json.load(open('$OUT')); json.dump([e for e in j if e['name'] not in $OWN_PY], open('$OUT','w'))"
	else
		grep -Ev "$OWN_RE" "$OUT" >"$OUT.own" || true
		mv "$OUT.own" "$OUT"
	fi
}


# ---- help and usage ----

t_help() { run --help; rc_is 0; for c in list get set delete info phase lock property check \
	recover secureboot import export; do out_has "  $c "; done; out_has "exit codes"
	out_has "4  cannot reach"; out_has "6  the variable store is damaged"
	out_has "7  malformed signature data"; out_has "8  damaged firmware store image"
	out_has "teevar-sb"; }
t_version() { run --version; rc_is 0; out_has "teevar "; }
t_no_command() { run; rc_is 1; err_has "no command"; one_err_line; }
t_unknown_command() { run frobnicate; rc_is 1; err_has "unknown command"; one_err_line; }
t_unknown_option() { run list --bogus; rc_is 1; err_has "unknown option"; }
t_option_not_for_cmd() { run list --raw; rc_is 1; err_has "does not apply"; }
t_option_twice() { run get --name A --name B --guid global; rc_is 1; err_has "twice"; }
t_missing_value() { run get --name; rc_is 1; err_has "needs a value"; }
t_get_missing_name() { run get; rc_is 1; err_has "missing variable"; one_err_line; }
t_bad_guid() { run get Foo-8be4df61-93ca-11d2-aa0d-00e098032bXX; rc_is 1; err_has "expected Name-GUID"; }
t_short_name() { run get Foo; rc_is 1; err_has "expected Name-GUID"; }
t_name_alias_strict() { run get Foo-global; rc_is 1; }
t_bad_guid_option() { run get --name Foo --guid nonsense; rc_is 1; err_has "bad GUID"; }
t_name_without_guid() { run get --name Foo; rc_is 1; err_has "go together"; }
t_both_forms() { run get Foo-$G --name Foo --guid global; rc_is 1; err_has "not both"; }
t_empty_name() { run get --name "" --guid global; rc_is 1; err_has "empty"; }
t_bad_utf8_name() { run set --name "$(printf 'A\xffB')" --guid global --hex 01; rc_is 1
	err_has "UTF-8"; }
t_long_name() {
	local long; long=$(printf 'N%.0s' $(seq 1025))
	run set "$long-$V" --hex 01; rc_is 1; err_has "1024"
	long=${long:1}
	run set "$long-$V" --hex 01; rc_is 0
	run get "$long-$V" --raw; rc_is 0; bytes '\x01'; out_is_file "$TMP/expect"
}
t_bad_hex() { run set Foo-$V --hex "zz"; rc_is 1; err_has "bad --hex"; one_err_line; }
t_odd_hex() { run set Foo-$V --hex "abc"; rc_is 1; err_has "bad --hex"
	run set Foo-$V --hex "de a"; rc_is 1; }
t_bad_attrs() {
	for a in nv,xx "" nv,,bs 0x1ffffffff 12abc -1; do
		run set Foo-$V --attrs "$a" --hex 01; rc_is 1; err_has "bad --attrs"
	done
}
t_attrs_zero() { run set Foo-$V --attrs 0 --hex 01; rc_is 1; err_has "teevar delete"; }
t_no_data() { run set Foo-$V; rc_is 1; err_has "no data"; }
t_two_data() { run set Foo-$V --hex 01 --string x; rc_is 1; err_has "only one"; }
t_empty_needs_flag() { run set Foo-$V --hex ""; rc_is 1; err_has "--empty"
	: >"$TMP/empty"; run set Foo-$V --file "$TMP/empty"; rc_is 1; err_has "--empty"; }
t_raw_and_json() { run get Foo-$V --raw --json; rc_is 1; }
t_extra_arg() { run get Foo-$V Bar-$V; rc_is 1; err_has "unexpected argument"; }
t_bad_numbers() {
	run property set Foo-$V --max 18446744073709551616; rc_is 1; err_has "bad --max"
	run property set Foo-$V --min -1; rc_is 1; err_has "bad --min"
	run property set Foo-$V --min 5 --max 4; rc_is 1; err_has "larger than"
	run property set Foo-$V --min 0x; rc_is 1
}
t_property_usage() { run property; rc_is 1; run property frob Foo-$V; rc_is 1
	run property get Foo-$V --read-only; rc_is 1; }
t_phase_usage() { run phase bogus; rc_is 1; err_has "unknown phase"; }

# ---- set / get ----

t_hex_roundtrip() { run set Foo-$V --hex "de ad be ef"; rc_is 0
	run get Foo-$V --raw; rc_is 0; bytes '\xde\xad\xbe\xef'; out_is_file "$TMP/expect"
	run set Foo-$V --hex "00:01,0x0203 ff"; rc_is 0
	run get Foo-$V --raw; bytes '\x00\x01\x02\x03\xff'; out_is_file "$TMP/expect"; }
t_string_roundtrip() { run set Str-$V --string "hello, world"; rc_is 0
	run get Str-$V --raw; printf 'hello, world' >"$TMP/expect"; out_is_file "$TMP/expect"; }
t_string16() { run set Lang-$V --string16 "Hé"; rc_is 0
	run get Lang-$V --raw; bytes 'H\x00\xe9\x00\x00\x00'; out_is_file "$TMP/expect"; }
t_file_roundtrip() {
	python3 -c "import sys; sys.stdout.buffer.write(bytes(range(256)) * 3)" >"$TMP/in.bin"
	run set Blob-$V --file "$TMP/in.bin"; rc_is 0
	run get Blob-$V --raw; rc_is 0; out_is_file "$TMP/in.bin"
}
t_stdin_roundtrip() {
	printf 'a\x00b\nc' >"$TMP/in.bin"
	IN=$TMP/in.bin run set In-$V --stdin; rc_is 0
	run get In-$V --raw; out_is_file "$TMP/in.bin"
	printf 'zz' >"$TMP/in2.bin"
	IN=$TMP/in2.bin run set In-$V --file -; rc_is 0
	run get In-$V --raw; out_is_file "$TMP/in2.bin"
}
t_big_roundtrip() {
	head -c 60000 /dev/urandom >"$TMP/in.bin"
	run set Big-$V --file "$TMP/in.bin"; rc_is 0
	run get Big-$V --raw; rc_is 0; out_is_file "$TMP/in.bin"
}
t_too_big() { head -c 70000 /dev/zero >"$TMP/in.bin"
	run set Big-$V --file "$TMP/in.bin"; rc_is 3; err_has "EFI_INVALID_PARAMETER"
	err_has "size: 70000 bytes of data and 8 of name are above the largest variable"
	one_err_line; }
t_default_attrs() { run set Foo-$V --hex 01; run get Foo-$V; rc_is 0
	out_has "attributes: 0x00000007 (nv,bs,rt)"; }
t_attrs_names() { run set A-$V --attrs rt,nv,bs --hex 01; rc_is 0
	run get A-$V; out_has "attributes: 0x00000007 (nv,bs,rt)"
	run set B-$V --attrs non-volatile,bootservice-access,runtime-access --hex 01; rc_is 0
	run get B-$V; out_has "attributes: 0x00000007 (nv,bs,rt)"
	run set C-$V --attrs NV,BS --hex 01; rc_is 0
	run get C-$V; out_has "attributes: 0x00000003 (nv,bs)"; }
t_attrs_numbers() { run set A-$V --attrs 0x3 --hex 01; rc_is 0
	run get A-$V; out_has "attributes: 0x00000003 (nv,bs)"
	run set B-$V --attrs 7 --hex 01; rc_is 0
	run get B-$V; out_has "attributes: 0x00000007"; }
t_append() { run set Log-$V --hex 0102; run set Log-$V --append --hex 0304; rc_is 0
	run get Log-$V --raw; bytes '\x01\x02\x03\x04'; out_is_file "$TMP/expect"
	run set Log-$V --attrs nv,bs,rt,append --hex 05; rc_is 0
	run get Log-$V; out_has "attributes: 0x00000007"; out_has "size: 5"; }
t_append_empty_missing() { run set None-$V --append --empty; rc_is 0
	run get None-$V; rc_is 2; }
t_attrs_mismatch() { run set Foo-$V --hex 01; run set Foo-$V --attrs bs,rt --hex 02; rc_is 3
	err_has "EFI_INVALID_PARAMETER"; err_has "attribute mismatch: the variable exists with attributes nv,bs,rt (0x7)"; one_err_line
	run get Foo-$V --raw; bytes '\x01'; out_is_file "$TMP/expect"; }
t_rt_alone() { run set Foo-$V --attrs rt --hex 01; rc_is 3; err_has "EFI_INVALID_PARAMETER"
	err_has "attribute rule: rt needs bs"
	run set Foo-$V --attrs nv --hex 01; rc_is 3; err_has "attribute rule: nv alone is invalid"; }
t_deprecated_aw() { run set Foo-$V --attrs nv,bs,rt,aw --hex 01; rc_is 3
	err_has "EFI_UNSUPPORTED"; }
t_hwerr_name() { run set --name NotHwErr --guid hwerr --attrs hr,nv,bs,rt --hex 01; rc_is 3
	err_has "EFI_INVALID_PARAMETER"; err_has "hr needs a HwErrRec#### name"; }
t_get_human() { run set Foo-$V --hex "de ad be ef"; run get Foo-$V; rc_is 0
	out_has "Foo-$V"; out_has "size: 4"; out_has "00000000  de ad be ef"; out_has "|....|"; }
t_hexdump_lines() { run set Foo-$V --string "0123456789abcdefXY"; run get Foo-$V; rc_is 0
	out_has "|0123456789abcdef|"; out_has "00000010  58 59"; out_has "|XY|"; }
t_get_json() { run set Foo-$V --hex "de ad"; run get Foo-$V --json; rc_is 0; json_ok
	py "j['name']=='Foo' and j['guid']=='$V' and j['attributes']==7 and j['size']==2 and j['data']=='dead' and j['attribute_names']==['nv','bs','rt']"; }
t_get_missing() { run get Nope-$V; rc_is 2; err_has "EFI_NOT_FOUND"; err_has "case-sensitive"
	one_err_line; }
t_case_sensitive() { run set Foo-$V --hex 01; run get foo-$V; rc_is 2
	run get Foo-${V^^}; rc_is 0; }
t_name_guid_option() { run set --name BootOrder --guid global --hex 0100; rc_is 0
	run get BootOrder-$G --raw; bytes '\x01\x00'; out_is_file "$TMP/expect"
	run get --name BootOrder --guid ${G^^}; rc_is 0; }
t_guid_aliases() { run set --name X --guid db --hex 01; rc_is 0; run get X-$DB --raw; rc_is 0
	bytes '\x01'; out_is_file "$TMP/expect"
	run set --name M --guid shim --hex 02; rc_is 0
	run get M-605dab50-e046-4300-abb6-3dd810dd8b23 --raw; rc_is 0
	bytes '\x02'; out_is_file "$TMP/expect"; }
t_unicode_name() { run set "Größe-$V" --hex 01; rc_is 0; run list; out_has "Größe-$V"
	run list --json; json_ok; py "j[0]['name']=='Größe'"; }
t_odd_names_json() { run set --name 'q"b\s' --guid $V --hex 01; rc_is 0
	run set --name $'new\nline' --guid $V --hex 02; rc_is 0
	run_list --json; json_ok; py "sorted(e['name'] for e in j)==['new\\nline', 'q\"b\\\\s']"
	run_list; out_has "new\u000aline-$V"
	run get --name $'new\nline' --guid $V --json; json_ok; py "j['name']=='new\\nline'"; }
t_persistent_nv() { run set Keep-$V --hex 01; run set Gone-$V --attrs bs,rt --hex 02
	run get Keep-$V; rc_is 0; run get Gone-$V; rc_is 2; }

# ---- list ----

t_list() { run set BootOrder-$G --hex 0100; run set Timeout-$G --hex 0500
	run set Demo-$V --string x; run_list; rc_is 0
	[ "$(sort "$OUT")" = "$(printf '%s\n' BootOrder-$G Demo-$V Timeout-$G | sort)" ]; }
t_list_empty() { run list; rc_is 0; [ "$(grep -cE "$OWN_RE" "$OUT")" -eq 6 ] && [ "$(wc -l <"$OUT")" -eq 6 ]
	run_list; rc_is 0; [ ! -s "$OUT" ]; run_list --json; rc_is 0; json_ok; py "j==[]"; }
t_list_json() { run set BootOrder-$G --hex 01000200; run set Vol-$V --attrs bs,rt --hex 01
	run_list --json; rc_is 0; json_ok
	py "sorted((e['name'],e['guid'],e['attributes'],e['size']) for e in j)==[('BootOrder','$G',7,4)]"; }
t_list_json_many() { for i in $(seq 1 30); do run set "Var$i-$V" --hex "$(printf %02x "$i")"; done
	run_list --json; rc_is 0; json_ok; py "len(j)==30 and all(e['size']==1 for e in j)"; }

# ---- delete ----

t_delete() { run set Foo-$V --hex 01; run delete Foo-$V; rc_is 0; run get Foo-$V; rc_is 2
	err_has "EFI_NOT_FOUND"; run_list; [ ! -s "$OUT" ]; }
t_delete_missing() { run delete Nope-$V; rc_is 2; err_has "EFI_NOT_FOUND"; }
t_set_empty_deletes() { run set Foo-$V --hex 01; run set Foo-$V --empty; rc_is 0
	run get Foo-$V; rc_is 2; }

# ---- info ----

t_info() { run info; rc_is 0; out_has "non-volatile (nv,bs,rt)"; out_has "volatile (bs,rt)"
	out_has "hardware-error (nv,bs,rt,hr)"; out_has "max storage"; out_has "remaining"
	out_has "max var size"; out_has "RPMB write counter"; out_has "segments"
	out_has "phase:              boot-services"; out_has "format version:"
	out_has "health:             ok"; out_has "read-only:          no"; out_has "last mount read:"
	out_has "route:              inproc"; }
t_info_json() { run info --json; rc_is 0; json_ok
	py "len(j['classes'])==3 and all('remaining' in c and 'max_storage' in c and 'max_variable_size' in c for c in j['classes'])"
	py "'write_counter' in j['store'] and j['store']['phase']=='boot-services'"
	py "j['store']['format_version']>=1 and j['store']['damaged'] is False and j['store']['read_only'] is False"
	py "j['store']['damage_count']==0 and j['store']['first_damage_block']==0"
	py "'mount_blocks_read' in j['store'] and 'mount_read_ops' in j['store']"
	py "j['store']['route']=='inproc'"; }
t_info_remaining_drops() {
	run info --json; local before; before=$(python3 -c "import json; print(json.load(open('$OUT'))['classes'][0]['remaining'])")
	head -c 1000 /dev/zero >"$TMP/in.bin"; run set Big-$V --file "$TMP/in.bin"
	run info --json; local after; after=$(python3 -c "import json; print(json.load(open('$OUT'))['classes'][0]['remaining'])")
	[ "$after" -le $((before - 1000)) ]
}
t_info_counter() { run info --json; local c1; c1=$(python3 -c "import json; print(json.load(open('$OUT'))['store']['write_counter'])")
	run set Foo-$V --hex 01; run info --json
	py "j['store']['write_counter'] > $c1 and j['store']['variables']==1"; }

# ---- check, recover: a damaged medium is reported, never served ----

t_check_healthy() { run set A-$V --hex 01; run set B-$V --hex 0202; run check; rc_is 0
	out_has "store check: format version"; out_has "records verified:"
	out_has "variables:          2"; out_has "damage:             none"
	out_has "matches served:     yes"; out_has "result: ok"; [ ! -s "$ERR" ]
	run check --json; rc_is 0; json_ok
	py "j['ok'] and not j['damaged'] and j['matches_served'] and j['variables']==2"
	py "j['records']>=2 and j['blocks_read']>0 and j['format_version']>=1 and j['detail']==''"; }
t_check_empty_store() { run check; rc_is 0; out_has "variables:          0"; }
t_check_usage() { run check extra; rc_is 1; err_has "unexpected argument"
	run check --raw; rc_is 1; run recover --json; rc_is 1; run recover extra; rc_is 1; }
t_recover_healthy() { run set A-$V --hex 01; run recover; rc_is 3
	err_has "the store is not damaged: nothing to recover"; one_err_line; [ ! -s "$OUT" ]
	run set A-$V --hex 02; rc_is 0; }

DAMAGE=DAMAGE-ME-0f1e2d3c4b5a69788796a5b4c3d2e1f0
# make_damaged: variables with distinctive data; one bit flipped inside the data
# of Damaged on the image. Damaged comes after a first record and before the
# others: a store proves damage (rather than a torn last write) by newer valid
# records after it.
make_damaged() {
	run set Lead-$V --string "lead-value"; rc_is 0
	run set Damaged-$V --string "$DAMAGE"; rc_is 0
	local i
	for i in 1 2 3 4; do run set Keep$i-$V --string "keep-value-$i"; rc_is 0; done
	python3 "$HERE/../lib/flip_bit.py" "$ST/rpmb.img" "$DAMAGE" >/dev/null
}
store_json() { python3 -c "import json; print(json.load(open('$OUT'))['store']['$1'])"; }
get_is() { run get "$1" --raw; rc_is 0; printf '%s' "$2" >"$TMP/expect"; out_is_file "$TMP/expect"; }

t_damaged() {
	make_damaged
	run info; rc_is 0; out_has "health:             DAMAGED"; out_has "read-only:          yes"
	run info --json; rc_is 0; json_ok
	py "j['store']['damaged'] and j['store']['read_only'] and j['store']['damage_count']>=1"
	local blk fmt i; blk=$(store_json first_damage_block); fmt=$(store_json format_version)
	run check; rc_is 6; out_has "result: DAMAGED"; out_has "first at RPMB block $blk"
	err_has "RPMB block $blk"; err_has "teevar recover"; one_err_line
	run check --json; rc_is 6; json_ok
	py "not j['ok'] and j['damaged'] and j['first_damage_block']==$blk and j['detail']!=''"
	run set Keep1-$V --string "new"; rc_is 6; one_err_line
	err_has "the variable store is damaged (first damage at RPMB block $blk): writes are refused"
	run delete Lead-$V; rc_is 6; err_has "the variable store is damaged"
	# what verifies is served; the damaged data never is
	get_is Lead-$V "lead-value"
	run get Damaged-$V --raw; rc_is 2
	for i in 1 2 3 4; do
		run get Keep$i-$V --raw
		if [ "$fmt" -ge 2 ] || [ "$RC" -eq 0 ]; then get_is Keep$i-$V "keep-value-$i"; else rc_is 2; fi
	done
	run recover; rc_is 0; out_has "recovered: kept"; out_has "the first at RPMB block $blk"
	out_has "writes are allowed again"
	# Format 1 gives the damaged records up in RAM only: the next process
	# mounts the same damage again. From format 2 on, the recovery persists.
	if [ "$fmt" -lt 2 ]; then echo "# format $fmt: recovery does not persist yet" >&2; return 0; fi
	run check; rc_is 0; out_has "result: ok"
	run set Keep1-$V --string "new"; rc_is 0; get_is Keep1-$V "new"; get_is Lead-$V "lead-value"
	run recover; rc_is 3; err_has "not damaged"
}

# ---- phases and runtime ----

t_phase_show() { run phase; rc_is 0; out_has "boot-services"
	run --runtime phase; rc_is 0; out_has "runtime"; }
t_phase_calls() { run phase ready-to-boot; rc_is 0; run phase exit-boot-services; rc_is 0
	run --runtime phase ready-to-boot; rc_is 3; err_has "EFI_UNSUPPORTED"; }
t_runtime_bs_create() { run --runtime set Foo-$V --attrs nv,bs --hex 01; rc_is 3
	err_has "EFI_INVALID_PARAMETER"; run --runtime set Vol-$V --attrs bs,rt --hex 01; rc_is 3
	run get Foo-$V; rc_is 2; }
t_runtime_nv_create() { run --runtime set Foo-$V --hex 01; rc_is 0
	run --runtime get Foo-$V --raw; rc_is 0; bytes '\x01'; out_is_file "$TMP/expect"; }
t_runtime_hides_bs() { run set Hidden-$V --attrs nv,bs --hex 01; run set Seen-$V --hex 02
	run --runtime get Hidden-$V; rc_is 2; err_has "hidden at runtime"
	run --runtime list; rc_is 0; out_has "Seen-$V"; not_in_out Hidden
	run get Hidden-$V; rc_is 0; }
t_runtime_bs_readonly() { run set Hidden-$V --attrs nv,bs --hex 01
	run --runtime set Hidden-$V --attrs nv,bs --hex 02; rc_is 3
	run get Hidden-$V --raw; bytes '\x01'; out_is_file "$TMP/expect"; }
t_runtime_info() { run --runtime info; rc_is 0; out_has "phase:              runtime"; }

# ---- lock and property ----

t_lock() { run set Foo-$V --hex 01; run lock Foo-$V; rc_is 0; one_err_line
	err_has "note: the lock of Foo-$V ends with this command: the in-process secure core is reset"
	run set Foo-$V --hex 02; rc_is 0   # the next process starts unlocked
	run get Foo-$V --raw; bytes '\x02'; out_is_file "$TMP/expect"; }
t_lock_runtime() { run --runtime lock Foo-$V; rc_is 3; err_has "EFI_ACCESS_DENIED"
	err_has "before ready-to-boot"; }
t_property_set() { run property set Foo-$V --read-only --min 1 --max 8 --attrs nv,bs,rt; rc_is 0
	out_has "read-only: yes"; out_has "min-size: 1"; out_has "max-size: 8"
	out_has "attributes: 0x00000007 (nv,bs,rt)"; }
t_property_defaults() { run property set Foo-$V; rc_is 0; out_has "read-only: no"
	out_has "max-size: unlimited"; out_has "(any)"; }
t_property_json() { run property set --name Foo --guid $V --max 0x10 --json; rc_is 0; json_ok
	py "j['revision']==1 and j['read_only']==False and j['max_size']==16 and j['min_size']==0"; }
t_property_reset() { run property set Foo-$V --read-only; rc_is 0
	run property get Foo-$V; rc_is 2; err_has "EFI_NOT_FOUND"; err_has "no property"; }
t_property_runtime() { run --runtime property set Foo-$V --read-only; rc_is 3
	err_has "EFI_ACCESS_DENIED"; }

# ---- transport and I/O ----

t_state_busy() { RC=0
	flock "$ST/lock" "$TEEVAR" --state "$ST" list >"$OUT" 2>"$ERR" || RC=$?
	rc_is 4; err_has "state directory in use"; one_err_line; }
t_state_unusable() { : >"$TMP/afile"; run_env --state "$TMP/afile/sub" list; rc_is 4
	err_has "cannot open"; }
t_tee_spec() { run_env --tee "inproc:$ST" set Foo-$V --hex 01; rc_is 0
	run_env --tee "unix:/nonexistent" list; rc_is 4; run_env --tee garbage list; rc_is 1
	run_env --tee "inproc:$ST" --state "$ST" list; rc_is 1; }
t_env_tee() { TEEVAR_TEE="inproc:$ST" run_env set Foo-$V --hex 01; rc_is 0
	run get Foo-$V --raw; rc_is 0; bytes '\x01'; out_is_file "$TMP/expect"; }
t_env_state() { TEEVAR_STATE="$ST" run_env set Foo-$V --hex 01; rc_is 0
	run get Foo-$V --raw; rc_is 0; bytes '\x01'; out_is_file "$TMP/expect"; }
t_default_state() { mkdir -m 700 "$ST/teevar-state"
	(cd "$ST" && "$TEEVAR" set Foo-$V --hex 01 >/dev/null) && [ -f "$ST/teevar-state/rpmb.img" ]; }
# ---- the state directory: missing pieces, --format, permissions, causes ----

t_missing_image() { run set Foo-$V --hex 01; rc_is 0; rm "$ST/rpmb.img"
	run list; rc_is 4; one_err_line; err_has "rpmb.img is missing, but"
	err_has "rpmb-provisioned"; err_has "teevar --format"; no_file "$ST/rpmb.img"
	run --format list; rc_is 0; not_in_out "Foo-$V"; [ -f "$ST/rpmb.img" ]
	run set Foo-$V --hex 02; rc_is 0; run list; rc_is 0; out_has "Foo-$V"; }
t_missing_huk() { run set Foo-$V --hex 01; rc_is 0; rm "$ST/huk"
	run list; rc_is 4; one_err_line; err_has "huk is missing, but"
	err_has "restore huk from its backup"; err_has "--format"; no_file "$ST/huk"
	run --format list; rc_is 0; not_in_out "Foo-$V"; [ -f "$ST/huk" ]; }
t_format_starts_over() { run set Foo-$V --hex 01; rc_is 0
	run --format set Bar-$V --hex 02; rc_is 0; run list; rc_is 0; out_has "Bar-$V"
	not_in_out "Foo-$V"; }
t_format_inproc_only() { run_env --tee unix:/nonexistent --format list; rc_is 1
	err_has "in-process"; one_err_line; }
t_loose_permissions_warn() { run set Foo-$V --hex 01; rc_is 0; chmod 755 "$ST"
	run list; rc_is 0; out_has "Foo-$V"; one_err_line
	err_has "warning: the state directory $ST is mode 0755"; chmod 700 "$ST"
	chmod 640 "$ST/rpmb.img"; run list; rc_is 0; one_err_line
	err_has "warning: the RPMB image $ST/rpmb.img is mode 0640"; err_has "in clear"
	chmod 600 "$ST/rpmb.img"; run list; rc_is 0; [ ! -s "$ERR" ]; }
t_missing_parent() { run_env --state "$ST/no/such/state" --format list; rc_is 4; one_err_line
	err_has "creating the state directory $ST/no/such/state: No such file or directory"
	! grep -q "Input/output error" "$ERR"; }
# A full file system under the image: a small tmpfs in a private mount
# namespace (root and unshare only; else skipped).
t_full_disk() {
	if [ "$(id -u)" -ne 0 ] || ! unshare -m true 2>/dev/null; then
		echo "# skipped: needs root and unshare -m" >&2
		return 0
	fi
	head -c 30000 /dev/urandom >"$TMP/blob"
	RC=0
	unshare -m bash -c 'set -e
		mount -t tmpfs -o size=256k tmpfs "$1"
		mkdir -m 700 "$1/s"
		"$2" --state "$1/s" set -q Small-$3 --hex 01
		dd if=/dev/zero of="$1/fill" bs=4k 2>/dev/null || true
		rc=0; "$2" --state "$1/s" set -q Big-$3 --file "$4" 2>"$5" || rc=$?
		rm "$1/fill"
		"$2" --state "$1/s" list >"$6"
		exit $rc' full "$ST" "$TEEVAR" "$V" "$TMP/blob" "$ERR" "$OUT" || RC=$?
	rc_is 3; one_err_line; err_has "EFI_DEVICE_ERROR"
	err_has "writing blocks to $ST/s/rpmb.img: No space left on device"
	out_has "Small-$V"; not_in_out "Big-$V"; }

t_missing_file() { run set Foo-$V --file "$TMP/nope"; rc_is 5; err_has "cannot read"; one_err_line; }
t_dir_file() { run set Foo-$V --file "$TMP"; rc_is 5; }
t_write_error() { run set Foo-$V --hex 01
	RC=0
	"$TEEVAR" --state "$ST" list >/dev/full 2>"$ERR" || RC=$?; rc_is 5; }

# ---- Secure Boot, CLI side (no Secure Boot service needed: signature lists in
# plain variables, argument errors, commands that run either way) ----

TSB=171c99b8-4321-4775-aaca-d8ec51ffa051  # teevar Secure Boot GUID (factory defaults)
OWN=11111111-2222-3333-4444-123456789abc  # signature owner of the test lists
SB=$TMP/sb
# sb_files: a certificate "Test db" made now, its .esl, a list of two SHA-256
# hashes, both lists together; made once, on first use.
sb_files() {
	[ -f "$SB/both.esl" ] && return 0
	mkdir -p "$SB"
	openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 -subj "/CN=Test db/" \
		-keyout "$SB/db.key" -out "$SB/db.crt" 2>/dev/null
	openssl x509 -in "$SB/db.crt" -outform der -out "$SB/db.der"
	if command -v cert-to-efi-sig-list >/dev/null; then
		cert-to-efi-sig-list -g $OWN "$SB/db.crt" "$SB/db.esl" >/dev/null
	else
		python3 "$TMP/esl.py" x509 "$SB/db.der" >"$SB/db.esl"
	fi
	python3 "$TMP/esl.py" sha256 a b >"$SB/hash.esl"
	cat "$SB/db.esl" "$SB/hash.esl" >"$SB/both.esl"
}
# esl.py: EFI_SIGNATURE_LIST bytes (owner $OWN): "x509 DER-FILE", "sha256 TEXT...".
cat >"$TMP/esl.py" <<PYEOF
import hashlib, struct, sys, uuid
own = uuid.UUID("$OWN").bytes_le
def esl(type_guid, entries):
    size = 16 + len(entries[0])
    hdr = uuid.UUID(type_guid).bytes_le + struct.pack("<III", 28 + size * len(entries), 0, size)
    return hdr + b"".join(own + e for e in entries)
if sys.argv[1] == "x509":
    out = esl("a5c059a1-94e4-4aa7-87b5-ab155c2bf072", [open(sys.argv[2], "rb").read()])
else:
    out = esl("c1c41626-504c-4092-aca9-41f936934328",
              [hashlib.sha256(a.encode()).digest() for a in sys.argv[2:]])
sys.stdout.buffer.write(out)
PYEOF
sha_of() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }
fingerprint() { openssl x509 -in "$SB/db.crt" -noout -fingerprint -sha256 | cut -d= -f2 |
	tr -d : | tr A-F a-f; }

t_esl_hash() { sb_files; run set Hashes-$V --file "$SB/hash.esl"; rc_is 0
	run get Hashes-$V --esl; rc_is 0; out_has "Hashes-$V"; out_has "size: 124"
	out_has "list 0 entry 0: SHA256 owner=$OWN hash=$(sha_of a)"
	out_has "list 0 entry 1: SHA256 owner=$OWN hash=$(sha_of b)"; [ ! -s "$ERR" ]; }
t_esl_x509() { sb_files; run set Certs-$V --file "$SB/db.esl"; rc_is 0
	run get Certs-$V --esl; rc_is 0
	out_has "list 0 entry 0: X509 owner=$OWN subject=\"CN=Test db\" issuer=\"CN=Test db\""
	out_has "sha256=$(fingerprint)"; not_in_out "00000000  "; }
t_esl_two_lists() { sb_files; run set Both-$V --file "$SB/both.esl"; rc_is 0
	run get Both-$V --esl; rc_is 0; out_has "list 0 entry 0: X509"
	out_has "list 1 entry 1: SHA256 owner=$OWN hash=$(sha_of b)"
	[ "$(grep -c ' entry ' "$OUT")" -eq 3 ]; }
t_esl_json() { sb_files; run set Both-$V --file "$SB/both.esl"; rc_is 0
	run get Both-$V --esl --json; rc_is 0; json_ok
	py "j['name']=='Both' and j['size']==$(stat -c %s "$SB/both.esl") and j['error'] is None"
	py "[l['type'] for l in j['lists']]==['X509','SHA256'] and j['lists'][1]['offset']==$(stat -c %s "$SB/db.esl")"
	py "j['lists'][0]['entries'][0]['subject']=='CN=Test db' and j['lists'][0]['entries'][0]['owner']=='$OWN'"
	py "j['lists'][0]['entries'][0]['sha256']=='$(fingerprint)'"
	py "j['lists'][1]['entries'][1]['hash']=='$(sha_of b)'"; }
t_esl_malformed() { sb_files; local cut; cut=$(stat -c %s "$SB/db.esl")
	head -c $((cut + 40)) "$SB/both.esl" >"$TMP/cut.esl"
	run set Cut-$V --file "$TMP/cut.esl"; rc_is 0
	run get Cut-$V --esl; rc_is 7; out_has "list 0 entry 0: X509"; out_has "CN=Test db"
	err_has "get Cut-$V: not a well-formed signature list at offset $cut:"
	err_has "SignatureListSize runs past the end"; one_err_line
	run get Cut-$V --esl --json; rc_is 7; json_ok
	py "j['error']['offset']==$cut and len(j['lists'])==1 and 'past the end' in j['error']['reason']"
	run set Text-$V --string "not a signature list"; run get Text-$V --esl; rc_is 7
	err_has "at offset 0:"; }
t_esl_odd_entries() {
	# an X509 list whose entry is not a certificate, a list of an unknown type
	python3 - "$TMP/odd.esl" <<-'PYEOF'
	import struct, sys, uuid
	def esl(t, data):
	    return uuid.UUID(t).bytes_le + struct.pack("<III", 28 + 16 + len(data), 0, 16 + len(data)) + bytes(16) + data
	open(sys.argv[1], "wb").write(esl("a5c059a1-94e4-4aa7-87b5-ab155c2bf072", b"junk") +
	                              esl("01234567-89ab-cdef-0123-456789abcdef", b"\x01\x02"))
	PYEOF
	run set Odd-$V --file "$TMP/odd.esl"; run get Odd-$V --esl; rc_is 0
	out_has "list 0 entry 0: X509 owner=00000000-0000-0000-0000-000000000000 not a DER X.509 certificate (4 bytes)"
	out_has "list 1 entry 0: unknown-type(01234567-89ab-cdef-0123-456789abcdef) owner=00000000-0000-0000-0000-000000000000 data=0102"; }
t_esl_usage() { run get Foo-$V --esl --raw; rc_is 1; err_has "--raw excludes"; }
t_default_guids() {
	run get dbt; rc_is 2; err_has "get dbt-$DB: EFI_NOT_FOUND"
	run get --name dbx; rc_is 2; err_has "get dbx-$DB:"
	run get PK; rc_is 2; err_has "get PK-$G:"; run get --name KEK --json; rc_is 2; err_has "KEK-$G"
	run delete dbr; [ "$RC" -ne 0 ]; err_has "delete dbr-$DB:"
	# a descriptor (dwLength 24) whose payload is no signature list: refused by
	# any service, under the image-security GUID
	printf '\xe4\x07\x04\x01\0\0\0\0\0\0\0\0\0\0\0\0\x18\0\0\0\0\x02\xf1\x0e\x9d\xd2\xaf\x4a\xdf\x68\xee\x49\x8a\xa9\x34\x7d\x37\x56\x65\xa7junk' >"$TMP/bad.auth"
	run set db --attrs nv,bs,rt,at --file "$TMP/bad.auth"; rc_is 3; err_has "set db-$DB:"
	run get DB; rc_is 1; err_has "expected Name-GUID"   # names are case-sensitive
	run get --name Foo; rc_is 1; err_has "go together"; }
t_sb_status() { run secureboot; rc_is 0; out_has "mode:"; out_has "SetupMode:"
	out_has "SecureBoot:"; out_has "AuditMode:"; out_has "DeployedMode:"; out_has "PK:"
	out_has "dbx:"; out_has "defaults:"; [ ! -s "$ERR" ]
	run secureboot status --json; rc_is 0; json_ok
	py "j['mode'] in ('unknown','setup') and set(j['keys'])=={'PK','KEK','db','dbx','dbt'}"
	py "set(j['variables'])=={'SetupMode','SecureBoot','AuditMode','DeployedMode','VendorKeys'}"
	py "set(j['defaults'])=={'PKDefault','KEKDefault','dbDefault','dbxDefault','dbtDefault'}"; }
t_sb_status_defaults() { sb_files
	run set dbDefault-$TSB --attrs nv,bs --file "$SB/db.esl"; rc_is 0
	run secureboot status --json; rc_is 0; py "j['defaults']['dbDefault'] and not j['defaults']['PKDefault']"; }
t_info_secure_boot() { run info; rc_is 0; out_has "secure boot: "
	run info --json; rc_is 0; json_ok
	py "j['secure_boot']['mode'] in ('unknown','setup') and 'setup_mode' in j['secure_boot'] and 'pk_present' in j['secure_boot']"
	run --runtime info; rc_is 0; out_has "secure boot: "; }
t_enroll_usage() {
	run secureboot enroll; rc_is 1; err_has "nothing to enroll"; one_err_line
	run secureboot enroll --defaults; rc_is 1; err_has "nothing to enroll"
	run secureboot enroll --db x --json; rc_is 1; err_has "--json belongs to secureboot status"
	run secureboot status --db x; rc_is 1; err_has "belong to secureboot enroll"
	run secureboot mode user --pk x; rc_is 1
	run secureboot enroll extra --db x; rc_is 1; err_has "unexpected argument"
	run secureboot frobnicate; rc_is 1; err_has "unknown sub-command"; one_err_line; }
t_enroll_missing_file() { sb_files
	run secureboot enroll --db "$SB/db.esl" --kek "$TMP/nope.esl"; rc_is 5; one_err_line
	err_has "secureboot enroll: cannot read $TMP/nope.esl: No such file or directory"
	run_list; rc_is 0; [ ! -s "$OUT" ]; }
t_enroll_not_key_file() { sb_files
	run secureboot enroll --db "$SB/db.crt"; rc_is 7; one_err_line
	err_has "--db $SB/db.crt: neither an .auth"; err_has "nor an .esl"
	: >"$TMP/empty"; run secureboot enroll --pk "$TMP/empty"; rc_is 7; err_has "is empty"
	printf '\xe4\x07\x04\x01\0\0\0\0\0\0\0\0\0\0\0\0\x18\0\0\0\0\x02\xf1\x0e\x9d\xd2\xaf\x4a\xdf\x68\xee\x49\x8a\xa9\x34\x7d\x37\x56\x65\xa7junk' >"$TMP/bad.auth"
	run secureboot enroll --kek "$TMP/bad.auth"; rc_is 7; one_err_line
	err_has "an .auth, but the signature lists after its descriptor are malformed: at offset 40"
	printf '\xe4\x07\x04\x01\0\0\0\0\0\0\0\0\0\0\0\0\xff\0\0\0\0\x02\xf1\x0e\x9d\xd2\xaf\x4a\xdf\x68\xee\x49\x8a\xa9\x34\x7d\x37\x56\x65\xa7' >"$TMP/long.auth"
	run secureboot enroll --kek "$TMP/long.auth"; rc_is 7; err_has "dwLength 255 runs past the end"
	head -c 28 "$SB/hash.esl" | python3 -c "import sys,struct; d=bytearray(sys.stdin.buffer.read()); d[16:20]=struct.pack('<I',28); sys.stdout.buffer.write(d)" >"$TMP/none.esl"
	run secureboot enroll --pk "$TMP/none.esl"; rc_is 7; err_has "holds no signature"
	# every file is checked before anything is written
	run secureboot enroll --db "$SB/db.esl" --pk "$SB/db.crt"; rc_is 7
	run_list; rc_is 0; [ ! -s "$OUT" ]; }
t_mode_usage() { run secureboot mode bogus; rc_is 1; err_has "unknown mode 'bogus'"; one_err_line
	run secureboot mode; rc_is 1; err_has "which mode"
	run secureboot mode setup; rc_is 1; err_has "deleting PK"
	run secureboot mode user extra; rc_is 1; err_has "unexpected argument"
	run secureboot mode audit --json; rc_is 1; }

tests=(
	"--help lists the commands and exit codes:t_help"
	"--version:t_version"
	"no command: exit 1:t_no_command"
	"unknown command: exit 1:t_unknown_command"
	"unknown option: exit 1:t_unknown_option"
	"option of another command: exit 1:t_option_not_for_cmd"
	"option given twice: exit 1:t_option_twice"
	"option without its value: exit 1:t_missing_value"
	"get without a name: exit 1:t_get_missing_name"
	"malformed GUID in Name-GUID: exit 1:t_bad_guid"
	"name without GUID: exit 1:t_short_name"
	"Name-alias is not accepted: exit 1:t_name_alias_strict"
	"bad --guid: exit 1:t_bad_guid_option"
	"--name without --guid: exit 1:t_name_without_guid"
	"Name-GUID and --name together: exit 1:t_both_forms"
	"empty name: exit 1:t_empty_name"
	"invalid UTF-8 name: exit 1:t_bad_utf8_name"
	"1024-character name works, 1025 is refused:t_long_name"
	"bad hex: exit 1:t_bad_hex"
	"odd hex digits: exit 1:t_odd_hex"
	"bad --attrs: exit 1:t_bad_attrs"
	"--attrs 0 on set: exit 1:t_attrs_zero"
	"set without data: exit 1:t_no_data"
	"two data sources: exit 1:t_two_data"
	"empty data needs --empty:t_empty_needs_flag"
	"--raw with --json: exit 1:t_raw_and_json"
	"extra argument: exit 1:t_extra_arg"
	"bad numbers for property set: exit 1:t_bad_numbers"
	"property usage errors: exit 1:t_property_usage"
	"unknown phase: exit 1:t_phase_usage"
	"set/get --hex round trip, byte-exact:t_hex_roundtrip"
	"set/get --string round trip:t_string_roundtrip"
	"--string16 writes UCS-2 LE with NUL:t_string16"
	"set/get --file round trip (all byte values):t_file_roundtrip"
	"set --stdin and --file - round trip:t_stdin_roundtrip"
	"60000-byte variable round trip:t_big_roundtrip"
	"too large a variable: EFI_INVALID_PARAMETER, exit 3:t_too_big"
	"default attributes nv,bs,rt:t_default_attrs"
	"attributes by short and long name:t_attrs_names"
	"attributes by number:t_attrs_numbers"
	"--append appends:t_append"
	"append of nothing to a missing variable creates nothing:t_append_empty_missing"
	"attributes of an existing variable must match: exit 3:t_attrs_mismatch"
	"rt alone and nv alone: EFI_INVALID_PARAMETER:t_rt_alone"
	"deprecated 0x10: EFI_UNSUPPORTED:t_deprecated_aw"
	"hr with a name not HwErrRec####: exit 3:t_hwerr_name"
	"get: attributes and hexdump:t_get_human"
	"get: hexdump over two lines with ASCII:t_hexdump_lines"
	"get --json:t_get_json"
	"get of a missing variable: exit 2 with a hint:t_get_missing"
	"names are case-sensitive, GUIDs are not:t_case_sensitive"
	"--name/--guid with an alias:t_name_guid_option"
	"GUID aliases security, db, shim:t_guid_aliases"
	"UTF-8 name through list and list --json:t_unicode_name"
	"names with quotes and control characters in JSON and list:t_odd_names_json"
	"nv variables persist, volatile ones do not:t_persistent_nv"
	"list: one Name-GUID a line:t_list"
	"list of an empty store:t_list_empty"
	"list --json: name, guid, attributes, size:t_list_json"
	"list --json with 30 variables:t_list_json_many"
	"delete, then get: exit 2:t_delete"
	"delete of a missing variable: exit 2:t_delete_missing"
	"set --empty deletes:t_set_empty_deletes"
	"info: the three classes and the store:t_info"
	"info --json:t_info_json"
	"info: remaining drops after a set:t_info_remaining_drops"
	"info: write counter and variable count:t_info_counter"
	"check of a healthy store: exit 0, what it verified:t_check_healthy"
	"check of an empty store: exit 0:t_check_empty_store"
	"check and recover usage errors: exit 1:t_check_usage"
	"recover of a healthy store: refused, exit 3:t_recover_healthy"
	"a flipped bit in a variable's data: info, check (exit 6), set refused, reads go on, recover:t_damaged"
	"phase shows boot-services, --runtime shows runtime:t_phase_show"
	"phase ready-to-boot / exit-boot-services:t_phase_calls"
	"--runtime: creating a bs-only variable fails, exit 3:t_runtime_bs_create"
	"--runtime: creating an nv,bs,rt variable works:t_runtime_nv_create"
	"--runtime: bs-only variables are hidden:t_runtime_hides_bs"
	"--runtime: bs-only variables cannot be changed:t_runtime_bs_readonly"
	"--runtime info shows the runtime phase:t_runtime_info"
	"lock before ready-to-boot works:t_lock"
	"lock at runtime: EFI_ACCESS_DENIED, exit 3:t_lock_runtime"
	"property set shows the property:t_property_set"
	"property set defaults:t_property_defaults"
	"property set --json, --name/--guid:t_property_json"
	"property is gone in the next process (reset):t_property_reset"
	"property set at runtime: exit 3:t_property_runtime"
	"state directory in use: exit 4:t_state_busy"
	"unusable state directory: exit 4:t_state_unusable"
	"--tee inproc:, unsupported and malformed specs:t_tee_spec"
	"TEEVAR_TEE selects the transport:t_env_tee"
	"TEEVAR_STATE selects the state directory:t_env_state"
	"default state directory ./teevar-state:t_default_state"
	"a missing rpmb.img of a keyed store: refused, --format starts over:t_missing_image"
	"a missing huk beside a store: refused, --format starts over:t_missing_huk"
	"--format gives up the store:t_format_starts_over"
	"--format with a unix: transport: exit 1:t_format_inproc_only"
	"loose permissions on the state directory or rpmb.img: one warning:t_loose_permissions_warn"
	"a missing parent directory is named with its errno:t_missing_parent"
	"a full disk under rpmb.img is named with its errno:t_full_disk"
	"--file of a missing file: exit 5:t_missing_file"
	"--file of a directory: exit 5:t_dir_file"
	"write error on stdout: exit 5:t_write_error"
	"get --esl: a list of SHA-256 hashes:t_esl_hash"
	"get --esl: an X.509 list: subject, issuer, SHA-256 fingerprint:t_esl_x509"
	"get --esl: two lists back to back:t_esl_two_lists"
	"get --esl --json:t_esl_json"
	"get --esl of a malformed list: what parsed, then the offset, exit 7:t_esl_malformed"
	"get --esl: an entry that is no certificate, an unknown type:t_esl_odd_entries"
	"get --esl with --raw: exit 1:t_esl_usage"
	"PK, KEK, db, dbx, dbt, dbr without a GUID get their default GUID:t_default_guids"
	"secureboot status runs with or without Secure Boot, --json:t_sb_status"
	"secureboot status sees a factory default under the teevar GUID:t_sb_status_defaults"
	"info: a secure boot line and a secure_boot object:t_info_secure_boot"
	"secureboot enroll and status usage errors: exit 1:t_enroll_usage"
	"secureboot enroll of a missing file: exit 5, nothing written:t_enroll_missing_file"
	"secureboot enroll of a file that is neither .auth nor .esl: exit 7:t_enroll_not_key_file"
	"secureboot mode usage errors: exit 1:t_mode_usage"
)

help_test() { run "$HELP_CMD" --help; rc_is 0; out_has "usage: teevar $HELP_CMD"; }
for c in list get set delete info phase lock property check recover secureboot import export; do
	HELP_CMD=$c t "$c --help exits 0" help_test
done
run_tests "${tests[@]}"
