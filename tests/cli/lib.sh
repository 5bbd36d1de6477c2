# SPDX-License-Identifier: BSD-2-Clause
# shellcheck shell=bash disable=SC2034  # sourced; its variables are the callers'
# What the CLI test scripts share: teevar on a fresh state directory per test,
# assertions on its exit code and output, and the TAP runner. Source it after
# setting TEEVAR (the binary, an absolute path) and TMP (a scratch directory).
unset TEEVAR_TEE TEEVAR_STATE

G=8be4df61-93ca-11d2-aa0d-00e098032b8c    # EFI_GLOBAL_VARIABLE
DB=d719b2cb-3d3a-4596-a3bc-dad00e67656f   # EFI_IMAGE_SECURITY_DATABASE
TSB=171c99b8-4321-4775-aaca-d8ec51ffa051  # teevar's Secure Boot platform GUID
N=0
ST=
OUT=$TMP/out
ERR=$TMP/err
SAN=0

fresh() {
	ST=$(mktemp -d "$TMP/state.XXXXXX")
}

# run ARGS...: teevar on $ST; sets RC, output in $OUT / $ERR. Stdin from $IN.
run() {
	RC=0
	"$TEEVAR" --state "$ST" "$@" >"$OUT" 2>"$ERR" <"${IN:-/dev/null}" || RC=$?
	if grep -qE 'Sanitizer|runtime error:' "$ERR"; then
		SAN=1
	fi
	return 0
}

# run_env ARGS...: teevar without --state (transport from the environment).
run_env() {
	RC=0
	"$TEEVAR" "$@" >"$OUT" 2>"$ERR" </dev/null || RC=$?
	if grep -qE 'Sanitizer|runtime error:' "$ERR"; then
		SAN=1
	fi
	return 0
}

out_is_file() { cmp -s "$OUT" "$1" || { echo "# stdout differs from $1" >&2; return 1; }; }
no_file() { [ ! -e "$1" ] || { echo "# $1 was created" >&2; return 1; }; }
# bytes FORMAT: the expected output (printf's FORMAT) in $TMP/expect.
# shellcheck disable=SC2059
bytes() { printf "$1" >"$TMP/expect"; }

rc_is() { [ "$RC" -eq "$1" ] || { echo "# exit $RC, expected $1" >&2; return 1; }; }
out_has() { grep -qF -- "$1" "$OUT" || { echo "# stdout lacks '$1'" >&2; return 1; }; }
err_has() { grep -qF -- "$1" "$ERR" || { echo "# stderr lacks '$1'" >&2; return 1; }; }
not_in_out() { ! grep -qF -- "$1" "$OUT" || { echo "# stdout has '$1'" >&2; return 1; }; }
one_err_line() { [ "$(wc -l <"$ERR")" -eq 1 ] || { echo "# stderr not one line" >&2; return 1; }; }
json_ok() { python3 -m json.tool "$OUT" >/dev/null || { echo "# bad JSON" >&2; return 1; }; }
# py EXPR: a Python expression over the JSON on stdout, bound to j.
py() { python3 -c "import json,sys; j=json.load(open('$OUT')); sys.exit(0 if ($1) else 1)" ||
	{ echo "# JSON check failed: $1" >&2; return 1; }; }

# t DESC FUNC: one TAP test; FUNC runs in a fresh state directory.
t() {
	local desc=$1 fn=$2
	N=$((N + 1))
	fresh
	# Not in a condition: there bash would ignore set -e inside the subshell.
	(
		set -e
		"$fn"
		[ "$SAN" -eq 0 ] || { echo "# sanitizer report" >&2; exit 1; }
	) 2>"$TMP/diag"
	if [ $? -eq 0 ]; then
		echo "ok $N - $desc"
	else
		echo "not ok $N - $desc"
		sed 's/^/# /' "$TMP/diag" "$ERR" 2>/dev/null
	fi
}

# run_tests ENTRY...: each "DESC:FUNC" as one test, then the plan.
run_tests() {
	local entry
	for entry in "$@"; do
		t "${entry%:*}" "${entry##*:}"
	done
	echo "1..$N"
}
