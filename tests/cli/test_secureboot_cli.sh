#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# teevar secureboot against a service with Secure Boot (authenticated
# variables, PK/KEK/db/dbx, the four modes), end to end as TAP: keys made at
# test time with openssl and efitools, enrolled through the CLI, signed
# updates, refusals, mode transitions. Each test gets a fresh state directory
# (a fresh store starts in setup mode). Usage: test_secureboot_cli.sh PATH/TO/teevar
set -uo pipefail

TEEVAR=${1:?usage: test_secureboot_cli.sh PATH/TO/teevar}
[[ $TEEVAR == /* ]] || TEEVAR=$PWD/$TEEVAR
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

for tool in openssl cert-to-efi-sig-list sign-efi-sig-list python3; do
	if ! command -v $tool >/dev/null; then
		echo "1..0 # SKIP $tool not installed (Debian: openssl, efitools, python3)"
		exit 0
	fi
done

OWN=11111111-2222-3333-4444-123456789abc  # signature owner
K=$TMP/keys

# ---- keys (efivarfs-and-tools.md's recipe) ----

# Certificates PK, KEK, db, db2; their .esl; .auth files with fixed, rising
# timestamps: PK by PK, KEK by PK, db by KEK, db2 appended by KEK, an empty
# list by PK (deletes PK); a dbx hash list; db2 in an unsigned descriptor; a PK
# list of two certificates.
make_keys() {
	mkdir -p "$K"
	local n
	for n in PK KEK db db2; do
		openssl req -new -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 \
			-subj "/CN=Test $n/" -keyout "$K/$n.key" -out "$K/$n.crt" 2>/dev/null
		cert-to-efi-sig-list -g $OWN "$K/$n.crt" "$K/$n.esl" >/dev/null
	done
	sign() { sign-efi-sig-list "$@" >/dev/null; }
	sign -t "2021-01-01 00:00:00" -g $OWN -k "$K/PK.key" -c "$K/PK.crt" PK "$K/PK.esl" "$K/PK.auth"
	sign -t "2021-01-02 00:00:00" -g $OWN -k "$K/PK.key" -c "$K/PK.crt" KEK "$K/KEK.esl" "$K/KEK.auth"
	sign -t "2021-01-03 00:00:00" -g $OWN -k "$K/KEK.key" -c "$K/KEK.crt" db "$K/db.esl" "$K/db.auth"
	sign -a -t "2021-01-04 00:00:00" -g $OWN -k "$K/KEK.key" -c "$K/KEK.crt" db "$K/db2.esl" \
		"$K/db2-append.auth"
	: >"$K/empty.esl"
	sign -t "2021-01-05 00:00:00" -g $OWN -k "$K/PK.key" -c "$K/PK.crt" PK "$K/empty.esl" \
		"$K/noPK.auth"
	cat "$K/PK.esl" "$K/KEK.esl" >"$K/twoPK.esl"
	python3 - "$K" "$OWN" <<-'PYEOF'
	import hashlib, struct, sys, uuid
	k, own = sys.argv[1], uuid.UUID(sys.argv[2]).bytes_le
	sha256 = uuid.UUID("c1c41626-504c-4092-aca9-41f936934328").bytes_le
	hashes = [hashlib.sha256(x).digest() for x in (b"revoked-1", b"revoked-2")]
	open(k + "/dbx.esl", "wb").write(sha256 + struct.pack("<III", 28 + 2 * 48, 0, 48) +
	                                  b"".join(own + h for h in hashes))
	# an unsigned descriptor (efi-updatevar -e): 2030-01-01, dwLength 24, no CertData
	pkcs7 = uuid.UUID("4aafd29d-68df-49ee-8aa9-347d375665a7").bytes_le
	desc = struct.pack("<HBBBBBBIhBB", 2030, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0)
	desc += struct.pack("<IHH", 24, 0x0200, 0x0EF1) + pkcs7
	open(k + "/db2-unsigned.auth", "wb").write(desc + open(k + "/db2.esl", "rb").read())
	PYEOF
}
make_keys || { echo "1..0 # SKIP cannot make the test keys"; exit 0; }

sha_hex() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }
# sb_json EXPR: secureboot status --json, then a Python check on it.
sb_json() { run secureboot status --json; rc_is 0; json_ok; py "$1"; }
enroll_signed() {
	run secureboot enroll --db "$K/db.auth" --kek "$K/KEK.auth" --pk "$K/PK.auth"; rc_is 0
}

# ---- status ----

t_fresh_setup() { run secureboot; rc_is 0; out_has "mode:             setup"
	out_has "SetupMode:        1"; out_has "SecureBoot:       0"; out_has "PK:               absent"
	sb_json "j['mode']=='setup' and j['variables']['SetupMode']==1 and j['variables']['SecureBoot']==0"
	py "not j['keys']['PK']['present'] and j['note'] is None"
	py "j['signature_support'] is not None and 'X509' in j['signature_support'] and 'SHA256' in j['signature_support']"
	run info; rc_is 0; out_has "secure boot: setup"
	run info --json; rc_is 0; py "j['secure_boot']['mode']=='setup' and j['secure_boot']['setup_mode']==1"; }

# ---- enroll ----

t_enroll_signed() { enroll_signed; out_has "enrolled db-$DB: 1 entry from $K/db.auth (.auth as is)"
	out_has "enrolled KEK-$G"; out_has "enrolled PK-$G"; out_has "secure boot mode: user"
	# PK last: db and KEK were written before it
	[ "$(grep -n "enrolled PK" "$OUT" | cut -d: -f1)" -eq 3 ]
	run secureboot; rc_is 0; out_has "mode:             user"; out_has "SetupMode:        0"
	out_has "PK:               present, 1 entry"; out_has "KEK:              present, 1 entry"
	out_has "db:               present, 1 entry"
	sb_json "j['mode']=='user' and j['variables']['SetupMode']==0 and j['keys']['PK']['present']"
	# every command is a boot here: SecureBoot follows PK from the next one on
	py "j['variables']['SecureBoot']==1 and j['keys']['db']['entries']==1"
	run info; out_has "secure boot: user"
	run get PK --esl; rc_is 0; out_has "attributes: 0x00000027 (nv,bs,rt,at)"
	out_has "subject=\"CN=Test PK\""; }
t_enroll_esl_defaults() {
	run secureboot enroll --db "$K/db.esl" --dbx "$K/dbx.esl" --kek "$K/KEK.esl" \
		--pk "$K/PK.esl" --defaults; rc_is 0
	out_has "enrolled dbx-$DB: 2 entries from $K/dbx.esl (.esl in an unsigned descriptor)"
	out_has "wrote factory default PKDefault-$TSB: 1 entry"; out_has "secure boot mode: user"
	sb_json "j['mode']=='user' and j['keys']['dbx']['entries']==2"
	py "j['defaults']=={'PKDefault': True, 'KEKDefault': True, 'dbDefault': True, 'dbxDefault': True, 'dbtDefault': False}"
	run get db --esl; rc_is 0; out_has "subject=\"CN=Test db\""
	run get dbx --esl; rc_is 0; out_has "list 0 entry 1: SHA256 owner=$OWN hash=$(sha_hex revoked-2)"
	run get dbDefault-$TSB --esl; rc_is 0; out_has "attributes: 0x00000003 (nv,bs)"
	out_has "subject=\"CN=Test db\""
	# the read-only BS|RT mirror under the global GUID
	run get KEKDefault-$G --esl; rc_is 0; out_has "subject=\"CN=Test KEK\""
	run --runtime get PKDefault-$G --esl; rc_is 0; out_has "subject=\"CN=Test PK\""; }
t_enroll_defaults_of_auth() {
	run secureboot enroll --db "$K/db.auth" --defaults; rc_is 0
	# the descriptor is stripped: the default is the bare list
	run get dbDefault-$TSB --raw; rc_is 0; cmp -s "$OUT" "$K/db.esl"; }
t_esl_refused_in_user_mode() { enroll_signed
	run secureboot enroll --db "$K/db2.esl"; rc_is 3; one_err_line
	err_has "the service is in user mode (SetupMode 0): --db $K/db2.esl is a bare .esl"
	err_has "nothing was written"; [ ! -s "$OUT" ]
	run get db --esl; rc_is 0; not_in_out "CN=Test db2"; }
t_enroll_stops_at_first_failure() { enroll_signed
	# db.auth again: its timestamp is not later than the stored one
	run secureboot enroll --db "$K/db.auth" --pk "$K/PK.auth"; rc_is 3; one_err_line
	err_has "secureboot enroll: writing db-$DB: EFI_SECURITY_VIOLATION"; not_in_out "enrolled PK"; }
t_enroll_names_the_variable() {
	run secureboot enroll --db "$K/db.esl" --pk "$K/twoPK.esl"; rc_is 3; one_err_line
	out_has "enrolled db-$DB"; err_has "writing PK-$G: EFI_INVALID_PARAMETER"
	sb_json "j['mode']=='setup' and j['keys']['db']['present'] and not j['keys']['PK']['present']"; }
t_enroll_defaults_at_runtime() {
	run --runtime secureboot enroll --db "$K/db.esl" --defaults; rc_is 3; one_err_line
	out_has "enrolled db-$DB"; err_has "--defaults: writing dbDefault-$TSB: EFI_"; }

# ---- signed updates through teevar set ----

t_db_append() { enroll_signed
	run set db --attrs nv,bs,rt,at --append --file "$K/db2-append.auth"; rc_is 0
	run get db --esl; rc_is 0; out_has "attributes: 0x00000027 (nv,bs,rt,at)"
	out_has "subject=\"CN=Test db\""; out_has "subject=\"CN=Test db2\""
	[ "$(grep -c ' X509 ' "$OUT")" -eq 2 ]
	run get db --esl --json; rc_is 0; json_ok
	py "sorted(e['subject'] for l in j['lists'] for e in l['entries'])==['CN=Test db','CN=Test db2']"; }
t_unsigned_refused() { enroll_signed
	run set db --attrs nv,bs,rt,at --file "$K/db2-unsigned.auth"; rc_is 3; one_err_line
	err_has "set db-$DB: EFI_SECURITY_VIOLATION"
	run secureboot enroll --db "$K/db2-unsigned.auth"; rc_is 3
	err_has "writing db-$DB: EFI_SECURITY_VIOLATION"
	run get db --esl; rc_is 0; not_in_out "CN=Test db2"; }
t_pk_delete() { enroll_signed
	run set PK-$G --attrs nv,bs,rt,at --file "$K/noPK.auth"; rc_is 0
	run get PK; rc_is 2
	run secureboot; rc_is 0; out_has "mode:             setup"; out_has "SetupMode:        1"
	out_has "PK:               absent"
	sb_json "j['mode']=='setup' and j['variables']['SetupMode']==1 and j['keys']['KEK']['present']"; }

# ---- modes ----

t_modes() { enroll_signed
	run secureboot mode deployed; rc_is 0; out_has "secure boot mode: deployed (was user)"
	sb_json "j['mode']=='deployed' and j['variables']['DeployedMode']==1 and j['variables']['SetupMode']==0"
	run secureboot mode audit; rc_is 3; one_err_line; err_has "EFI_WRITE_PROTECTED"
	err_has "refuses audit mode from deployed mode"; err_has "from deployed mode: user"
	run secureboot mode deployed; rc_is 0; out_has "(already)"
	run secureboot mode user; rc_is 0; out_has "secure boot mode: user (was deployed)"
	sb_json "j['mode']=='user' and j['variables']['DeployedMode'] in (0, None)"
	run secureboot mode audit; rc_is 0; out_has "secure boot mode: audit (was user)"
	sb_json "j['mode']=='audit' and j['variables']['AuditMode']==1 and j['variables']['SetupMode']==1"
	py "not j['keys']['PK']['present']"
	run secureboot mode user; rc_is 3; err_has "from audit mode: deployed by enrolling PK"
	# audit takes an unsigned PK like setup does, and goes to deployed
	run secureboot enroll --pk "$K/PK.esl"; rc_is 0; out_has "secure boot mode: deployed"
	sb_json "j['mode']=='deployed' and j['variables']['AuditMode'] in (0, None)"; }
t_mode_setup_to_audit() {
	run secureboot mode audit; rc_is 0; out_has "secure boot mode: audit (was setup)"
	run secureboot mode deployed; rc_is 3; err_has "from audit mode: deployed by enrolling PK"; }
t_mode_at_runtime() { enroll_signed
	run --runtime secureboot mode deployed; rc_is 3; one_err_line
	err_has "EFI_WRITE_PROTECTED"; err_has "before exit-boot-services"
	sb_json "j['mode']=='user'"; }

tests=(
	"a fresh store: setup mode, SetupMode 1, SecureBoot 0, no PK:t_fresh_setup"
	"enroll signed db, KEK, PK (.auth): user mode, SetupMode 0:t_enroll_signed"
	"enroll bare .esl in setup mode, with --defaults: user mode, defaults and their mirror:t_enroll_esl_defaults"
	"enroll --defaults of an .auth stores the bare list:t_enroll_defaults_of_auth"
	"enroll of an .esl outside setup mode: refused before any write:t_esl_refused_in_user_mode"
	"enroll stops at the first failure, naming the variable:t_enroll_stops_at_first_failure"
	"enroll of a PK with two entries: EFI_INVALID_PARAMETER for PK:t_enroll_names_the_variable"
	"enroll --defaults at runtime: the default write is refused:t_enroll_defaults_at_runtime"
	"a KEK-signed db append through teevar set; get db --esl shows both:t_db_append"
	"an unsigned db write in user mode: EFI_SECURITY_VIOLATION:t_unsigned_refused"
	"deleting PK with a signed empty list: back to setup mode:t_pk_delete"
	"mode deployed, audit refused, user, audit, PK enrolled: deployed:t_modes"
	"mode audit from setup; deployed from audit refused:t_mode_setup_to_audit"
	"mode changes at runtime: EFI_WRITE_PROTECTED:t_mode_at_runtime"
)

run_tests "${tests[@]}"
