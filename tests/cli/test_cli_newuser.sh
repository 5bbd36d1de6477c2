#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The teevar CLI as a new user meets it (issue 13), as TAP: wrong transports,
# missing state directories, what set does and says, the rule behind an
# EFI_INVALID_PARAMETER, names as list prints them, list --guid/--long,
# efivarfs files, notes. (teevard's side: test_teevard_cli.sh.) Each test gets
# a fresh state directory. Usage: test_cli_newuser.sh PATH/TO/teevar
set -uo pipefail

TEEVAR=${1:?usage: test_cli_newuser.sh PATH/TO/teevar}
[[ $TEEVAR == /* ]] || TEEVAR=$PWD/$TEEVAR
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# shellcheck source=lib.sh
. "$HERE/lib.sh"
V=11111111-2222-3333-4444-555555555555    # a vendor GUID of our own

tests=()

# A state directory that does not exist is refused, not made: a typo must not
# start a new store. --format makes it; an empty one becomes a store.
t_missing_state() { run_env --state "$ST/typo" list; rc_is 4; one_err_line
	err_has "teevar: cannot open the secure core at 'inproc:$ST/typo': the state directory $ST/typo does not exist"
	err_has "create it with mkdir, or give --format"; no_file "$ST/typo"
	RC=0; (cd "$ST" && "$TEEVAR" list) >"$OUT" 2>"$ERR" || RC=$?; rc_is 4
	err_has "the state directory teevar-state does not exist"; no_file "$ST/teevar-state"
	TEEVAR_STATE="$ST/typo" run_env list; rc_is 4; no_file "$ST/typo"
	run_env --tee "inproc:$ST/typo" list; rc_is 4; no_file "$ST/typo"
	run_env --state "$ST/typo" --format list; rc_is 0; [ -f "$ST/typo/rpmb.img" ]
	mkdir -m 700 "$ST/empty"; run_env --state "$ST/empty" set Foo-$V --hex 01; rc_is 0
	[ -f "$ST/empty/rpmb.img" ]; }


# The same wrong --tee: the same exit code and message shape whichever its
# form (--tee X, --tee=X, $TEEVAR_TEE): malformed specs exit 1 with "bad
# transport", unreachable ones exit 4 with "cannot open the secure core at".
t_bad_tee_table() { : >"$TMP/plain"; local spec rc why form
	while IFS='|' read -r spec rc why; do
		for form in opt eq env; do
			case $form in
			opt) run_env --tee "$spec" list ;;
			eq) run_env "--tee=$spec" list ;;
			env) [ -n "$spec" ] || continue; TEEVAR_TEE="$spec" run_env list ;;
			esac
			rc_is "$rc" || { echo "# spec '$spec' ($form)" >&2; return 1; }
			one_err_line; err_has "$why"
			if [ "$rc" -eq 1 ]; then
				err_has "teevar: bad transport '$spec'"
				err_has "(expected inproc:DIR, unix:SOCKET or optee:DEVICE)"
			else
				err_has "teevar: cannot open the secure core at '$spec': "
			fi
			[ "$form" != env ] || [ "$rc" -ne 1 ] || err_has "(from \$TEEVAR_TEE)"
		done
	done <<SPECS
|1|: empty
garbage|1|: no transport scheme
foo:bar|1|: unknown scheme 'foo:'
UNIX:/x|1|: unknown scheme 'UNIX:'
unix:|1|: nothing after 'unix:'
inproc:|1|: nothing after 'inproc:'
optee:|1|: nothing after 'optee:'
unix:$TMP/plain|4|$TMP/plain is a regular file, not a socket
unix:$TMP|4|$TMP is a directory, not a socket
unix:/dev/null|4|/dev/null is a special file, not a socket
unix:$TMP/nope.sock|4|no such socket
optee:$TMP/nope|4|cannot open the secure core
optee:/dev/null|4|not a TEE device
inproc:$TMP/nope|4|the state directory $TMP/nope does not exist
SPECS
}
t_help_transports() { run --help; rc_is 0; out_has "inproc:DIR"; out_has "unix:SOCKET"
	out_has "optee:DEVICE"; out_has "--all-clients"; out_has "DIR/teevard.sock"; }

# Without --attrs an existing variable keeps its attributes.
t_set_keeps_attrs() { run set Foo-$V --attrs nv,bs --hex 01; rc_is 0
	run set Foo-$V --hex 02; rc_is 0; out_has "Foo-$V: replaced (1 byte written, nv,bs)"
	run get Foo-$V; rc_is 0; out_has "attributes: 0x00000003 (nv,bs)"; out_has " 02 "
	run set Foo-$V --append --hex 03; rc_is 0; out_has "Foo-$V: appended (1 byte written, nv,bs)"
	run get Foo-$V --raw; bytes '\x02\x03'; out_is_file "$TMP/expect"
	run set New-$V --hex 01; rc_is 0; out_has "New-$V: created (1 byte written, nv,bs,rt)"; }
t_set_says() { run set Foo-$V --hex 0102; rc_is 0; out_has "Foo-$V: created (2 bytes written, nv,bs,rt)"
	run set Foo-$V --hex 0102; rc_is 0; out_has "Foo-$V: unchanged: the same data"
	run set Foo-$V --hex 03; rc_is 0; out_has "Foo-$V: replaced"
	run set None-$V --append --empty; rc_is 0; out_has "None-$V: unchanged: nothing to append"
	run set Foo-$V --empty; rc_is 0; out_has "Foo-$V: deleted"
	run set Foo-$V --hex 01 --quiet; rc_is 0; [ ! -s "$OUT" ]
	run set Foo-$V --hex 02 -q; rc_is 0; [ ! -s "$OUT" ]; [ ! -s "$ERR" ]
	run get Foo-$V --raw; bytes '\x02'; out_is_file "$TMP/expect"; }

# EFI_INVALID_PARAMETER: the rule that failed, named.
t_invalid_rules() {
	run set Foo-$V --attrs 0x87 --hex 01; rc_is 3
	err_has "attribute rule: 0x80 is not a UEFI variable attribute"
	run set HwErrRec0001-414e6bdd-e47b-47cc-b244-bb61020cf516 --attrs hr,bs,rt --hex 01
	rc_is 3; err_has "attribute rule: hr needs nv,bs,rt"; one_err_line
	run --runtime set Vol-$V --attrs bs,rt --hex 01; rc_is 3
	err_has "runtime rule: at runtime a new variable needs nv,bs,rt"
	run --runtime set NotUefi-$G --hex 01; rc_is 3
	err_has "names under the global GUID must be ones UEFI defines"
	run --runtime set Timeout-$G --hex 01; rc_is 3
	err_has "the variable's property allows 2 to 2 bytes of data, not 1"
	run set Log-$V --hex 01; head -c 61432 /dev/zero >"$TMP/in.bin" # 61432 + 8 fit alone
	run set Log-$V --append --file "$TMP/in.bin"; rc_is 3
	err_has "size: 61433 bytes of data (with what is there) and 8 of name are above the largest variable the service takes for these attributes (61440 bytes"; }

# Names as list shows them go back to get, set and delete; efivar's order.
t_names_round_trip() { run set --name $'a\x01b\\c' --guid $V --hex 05; rc_is 0
	out_has 'a\u0001b\\c-'"$V: created"
	run list --guid $V; rc_is 0; out_has 'a\u0001b\\c-'"$V"
	local shown; shown=$(grep -F "$V" "$OUT")
	run get "$shown" --raw; rc_is 0; bytes '\x05'; out_is_file "$TMP/expect"
	run set "$shown" --hex 06; rc_is 0; out_has "replaced"
	run get --name $'a\x01b\\c' --guid $V --raw; bytes '\x06'; out_is_file "$TMP/expect"
	run set 'lone\ud800-'$V --hex 07; rc_is 0; run list --guid $V; out_has 'lone\ud800-'$V
	run set 'x\q-'$V --hex 08; rc_is 0; run list --guid $V; out_has 'x\\q-'$V
	run get 'x\\q-'$V --raw; rc_is 0
	run set 'nul\u0000-'$V --hex 01; rc_is 1; err_has "bad variable name"
	run delete "$shown"; rc_is 0; run list --guid $V; not_in_out 'a\u0001b'; }
# Names that would mislead: '/' (a path in export --to efivarfs DIR), a C1
# control (U+009B is CSI), a bidi override: shown escaped, and read back.
t_names_that_mislead() { local n='a\u002fb\u009bc\u202ed'
	run set "$n-$V" --hex 01; rc_is 0; out_has "$n-$V: created"
	run list --guid $V; rc_is 0; out_has "$n-$V"
	! LC_ALL=C grep -q $'\xc2\x9b\|\xe2\x80\xae\|/' "$OUT" || return 1
	run get "$n-$V" --raw; rc_is 0; bytes '\x01'; out_is_file "$TMP/expect"
	local out; out=$(mktemp -d "$TMP/out.XXXXXX")
	run export --to efivarfs "$n-$V" "$out"; rc_is 0
	[ -f "$out/$n-$V" ] && [ "$(ls "$out" | wc -l)" -eq 1 ]
	run delete "$n-$V"; rc_is 0; }
t_guid_name_order() { run set Foo-$V --hex 01; rc_is 0; local arg
	for arg in "$V-Foo" "{$V}-Foo" "Foo-{$V}" "Foo-${V^^}"; do
		run get "$arg" --raw; rc_is 0 || { echo "# $arg" >&2; return 1; }
	done
	run get --name Foo --guid "{$V}" --raw; rc_is 0
	run get "{$V-Foo"; rc_is 1; err_has "GUID-Name as efivar prints it"; }
t_list_guid_long() { run set Foo-$V --hex 0102; run set --name Bar --guid shim --attrs nv,bs --hex 01
	run list --guid $V; rc_is 0; out_has "Foo-$V"; not_in_out "Bar-"; not_in_out "SetupMode"
	[ "$(wc -l <"$OUT")" -eq 1 ]
	run list --guid shim -l; rc_is 0; out_has "nv,bs                 1  Bar-605dab50-e046-4300-abb6-3dd810dd8b23"
	run list --long; rc_is 0; out_has "nv,bs,rt              2  Foo-$V"; out_has "bs,rt                 1  SetupMode-$G"
	run list --guid "{$V}" --json; rc_is 0; json_ok; py "len(j)==1 and j[0]['size']==2"
	run list --guid nonsense; rc_is 1; err_has "list: bad GUID 'nonsense'"
	run list --long --json; rc_is 1; err_has "exclude each other"; }

# One variable in efivarfs' format, out and in.
t_efivarfs_files() { run set Foo-$V --attrs nv,bs --hex "de ad"; rc_is 0
	mkdir "$TMP/efi"; run export --to efivarfs Foo-$V "$TMP/efi"; rc_is 0
	out_has "exported Foo-$V to $TMP/efi/Foo-$V (efivarfs, 6 bytes)"
	printf '\x03\x00\x00\x00\xde\xad' >"$TMP/expect"; cmp "$TMP/efi/Foo-$V" "$TMP/expect"
	run export --to efivarfs Foo-$V "$TMP/efi"; rc_is 5; err_has "exists: not overwritten (--force replaces it)"
	run export --to efivarfs Foo-$V "$TMP/efi" --force -q; rc_is 0; [ ! -s "$OUT" ]
	run export --to efivarfs --name Foo --guid $V -; rc_is 0; out_is_file "$TMP/expect"
	# standard output that cannot take it: exit 5, not success with the data lost
	RC=0; "$TEEVAR" --state "$ST" export --to efivarfs Foo-$V - >/dev/full 2>"$ERR" || RC=$?
	rc_is 5; err_has "cannot write the output"
	run export --to efivarfs Nope-$V "$TMP/efi/x"; rc_is 2; [ ! -e "$TMP/efi/x" ]
	run delete Foo-$V; rc_is 0
	run import --from efivarfs "$TMP/efi/Foo-$V"; rc_is 0; out_has "Foo-$V: created (2 bytes written, nv,bs)"
	run get Foo-$V --raw; printf '\xde\xad' >"$TMP/expect"; out_is_file "$TMP/expect"
	run import --from efivarfs "$TMP/efi/Foo-$V" Copy-$V; rc_is 0; out_has "Copy-$V: created"
	run import --from efivarfs "$TMP/efi/Foo-$V" --name Other --guid $V -q; rc_is 0; [ ! -s "$OUT" ]
	run get Other-$V --raw; rc_is 0
	printf '\x43\x00\x00\x00\xbe\xef' >"$TMP/efi/Foo-$V"   # nv,bs and append-write
	run import --from efivarfs "$TMP/efi/Foo-$V"; rc_is 0; out_has "appended"
	run get Foo-$V --raw; printf '\xde\xad\xbe\xef' >"$TMP/expect"; out_is_file "$TMP/expect"
	# attributes without bs and rt: SetVariable would delete; refused
	printf '\x00\x00\x00\x00\x41' >"$TMP/efi/Foo-$V"
	run import --from efivarfs "$TMP/efi/Foo-$V"; rc_is 8; err_has "have neither bs nor rt"
	printf '\x01\x00\x00\x00\x41' >"$TMP/efi/Foo-$V"
	run import --from efivarfs "$TMP/efi/Foo-$V"; rc_is 8
	run get Foo-$V --raw; out_is_file "$TMP/expect"
	printf '\x07\x00\x00\x00' >"$TMP/efi/Short-$V"
	run import --from efivarfs "$TMP/efi/Short-$V"; rc_is 8; err_has "holds only the attributes"
	printf '\x07\x00' >"$TMP/efi/Short-$V"
	run import --from efivarfs "$TMP/efi/Short-$V"; rc_is 8; err_has "shorter than the attributes word"
	printf '\x07\x00\x00\x00\x01' >"$TMP/efi/noname"
	run import --from efivarfs "$TMP/efi/noname"; rc_is 1; err_has "teevar import --from efivarfs FILE Name-GUID"
	run import --from efivarfs "$TMP/efi/nope-$V"; rc_is 5
	run import --from efivarfs "$TMP/efi/noname" Foo-$V --dry-run; rc_is 1; err_has "is for firmware images"
	run import --from efivarfs; rc_is 1
	run export --to efivarfs Foo-$V; rc_is 1; err_has "expected VARIABLE FILE"
	run import "$TMP/efi/noname" --name x; rc_is 1; err_has "go with --from efivarfs"
	run import --from zip "$TMP/efi/noname"; rc_is 1; err_has "expected edk2, uboot or efivarfs"; }

# What ends with the command in-process says so.
t_notes_inproc() { run set Vol-$V --attrs bs,rt --hex 01; rc_is 0; one_err_line
	err_has "note: the volatile variable Vol-$V ends with this command: the in-process secure core is reset at the next command"
	run property set Foo-$V --read-only; rc_is 0; one_err_line; err_has "note: the property of Foo-$V ends with this command"
	run phase exit-boot-services; rc_is 0; one_err_line; err_has "note: the phase change to exit-boot-services ends with this command"
	run set Keep-$V --hex 01; rc_is 0; [ ! -s "$ERR" ]
	run set Keep-$V --empty; rc_is 0; [ ! -s "$ERR" ]; }

# The state directory held by another secure core: a socket in it that does
# not answer is named; with none, what to do.
t_busy_state() { run set Foo-$V --hex 01; rc_is 0
	RC=0; flock "$ST/lock" "$TEEVAR" --state "$ST" list >"$OUT" 2>"$ERR" || RC=$?
	rc_is 4; one_err_line
	err_has "state directory in use by another process (one secure core per store): another teevar command, or a teevard with another --socket (then use --tee unix:SOCKET"
	python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$ST/teevard.sock"
	RC=0; flock "$ST/lock" "$TEEVAR" --state "$ST" list >"$OUT" 2>"$ERR" || RC=$?
	rc_is 4; one_err_line; err_has "$ST/teevard.sock does not answer (nothing serves that socket"
	RC=0; flock "$ST/lock" "$TEEVAR" --tee "inproc:$ST" list >"$OUT" 2>"$ERR" || RC=$?
	rc_is 4; err_has "if teevard serves it, use --tee unix:$ST/teevard.sock (or its --socket)"; }
# A socket in a held state directory is followed only when no one else could
# have put it there: not in a directory others may write, not a symlink.
t_busy_state_foreign() { run set Foo-$V --hex 01; rc_is 0
	python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$TMP/real.sock"
	ln -s "$TMP/real.sock" "$ST/teevard.sock"
	RC=0; flock "$ST/lock" "$TEEVAR" --state "$ST" list >"$OUT" 2>"$ERR" || RC=$?
	rc_is 4; one_err_line; err_has "$ST/teevard.sock is not followed on its own: it is not a socket of its own (a symlink?) (use --tee unix:$ST/teevard.sock if you trust it)"
	rm "$ST/teevard.sock"
	python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$ST/teevard.sock"
	chmod 0770 "$ST"
	RC=0; flock "$ST/lock" "$TEEVAR" --state "$ST" list >"$OUT" 2>"$ERR" || RC=$?
	rc_is 4; one_err_line; err_has "is not followed on its own: others may write in the directory"
	chmod 0700 "$ST"; }
t_efivarfs_write_error() { run set Foo-$V --hex 01; rc_is 0
	run export --to efivarfs Foo-$V "$TMP/no/such/dir/f"; rc_is 5; one_err_line
	err_has "export: $TMP/no/such/dir/f: No such file or directory"
	ln -s "$TMP/target" "$TMP/link"; run export --to efivarfs Foo-$V "$TMP/link" --force
	rc_is 5; [ ! -e "$TMP/target" ]; }

tests+=(
	"issue 13: a held state directory: a silent socket named, else what to do:t_busy_state"
	"issue 13: a held state directory: a socket others could have put there is not followed:t_busy_state_foreign"
	"issue 13: names that would mislead (/, C1 controls, bidi) are shown escaped:t_names_that_mislead"
	"issue 13: export --to efivarfs: write errors exit 5, no symlink followed:t_efivarfs_write_error"
	"issue 13: a table of wrong --tee specs, in every form:t_bad_tee_table"
	"issue 13: --help lists every transport:t_help_transports"
	"issue 13: a state directory that does not exist is refused, not made:t_missing_state"
	"issue 13: set without --attrs keeps an existing variable's attributes:t_set_keeps_attrs"
	"issue 13: set says what it did; --quiet:t_set_says"
	"issue 13: EFI_INVALID_PARAMETER names the rule:t_invalid_rules"
	"issue 13: names as list prints them round-trip:t_names_round_trip"
	"issue 13: GUID-Name order and {GUID}:t_guid_name_order"
	"issue 13: list --guid, --long:t_list_guid_long"
	"issue 13: export/import --to/--from efivarfs:t_efivarfs_files"
	"issue 13: notes for what ends with the command:t_notes_inproc"
)

run_tests "${tests[@]}"
