#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The manual pages, as TAP: each renders without a warning (groff -man -ww when
# groff is there, else man --warnings -l; skipped when neither is), and each
# names every long option of its program's --help (teevar: of every command's
# --help too). teevarfs.8 and its binary are checked when both exist.
# Usage: test_man_pages.sh MAN_DIR TEEVAR TEEVARD TEEVAR_SUPPLICANT [TEEVARFS]
set -uo pipefail

MAN=${1:?usage: test_man_pages.sh MAN_DIR TEEVAR TEEVARD TEEVAR_SUPPLICANT [TEEVARFS]}
TEEVAR=${2:?}
TEEVARD=${3:?}
SUPPLICANT=${4:?}
TEEVARFS=${5:-}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
N=0

ok() { N=$((N + 1)); echo "ok $N - $1"; }
nok() { N=$((N + 1)); echo "not ok $N - $1"; sed 's/^/# /' "$TMP/why"; }
skip() { N=$((N + 1)); echo "ok $N - $1 # SKIP $2"; }

# renders PAGE: no warnings from the formatter.
renders() {
	if command -v groff >/dev/null; then
		groff -man -ww -z "$1" >"$TMP/why" 2>&1 && [ ! -s "$TMP/why" ]
	else
		MANWIDTH=80 man --warnings -l "$1" >/dev/null 2>"$TMP/why" && [ ! -s "$TMP/why" ]
	fi
}

# options_named PAGE HELP_TEXT_FILE: every --option of the help text is in the
# page (roff's \- read as -).
options_named() {
	local opt missing=""
	sed 's/\\-/-/g' "$1" >"$TMP/page"
	for opt in $(grep -oE -- '--[a-z][a-z0-9-]*[a-z0-9]' "$2" | sort -u); do
		grep -qF -- "$opt" "$TMP/page" || missing="$missing $opt"
	done
	echo "options of --help missing from the page:$missing" >"$TMP/why"
	[ -z "$missing" ]
}

# check PAGE PROGRAM HELP_FILE
check() {
	local page=$MAN/$1 name=$1
	if ! command -v groff >/dev/null && ! command -v man >/dev/null; then
		skip "$name renders without warnings" "neither groff nor man is installed"
	elif renders "$page"; then
		ok "$name renders without warnings"
	else
		nok "$name renders without warnings"
	fi
	if options_named "$page" "$3"; then
		ok "$name names every option of $2 --help"
	else
		nok "$name names every option of $2 --help"
	fi
}

"$TEEVAR" --help >"$TMP/teevar.help"
for c in $(sed -n '/^commands:/,/^$/p' "$TMP/teevar.help" | awk 'NF && !/^commands:/ {print $1}'); do
	"$TEEVAR" "$c" --help >>"$TMP/teevar.help"
done
check teevar.1 teevar "$TMP/teevar.help"
"$TEEVARD" --help >"$TMP/teevard.help"
check teevard.8 teevard "$TMP/teevard.help"
"$SUPPLICANT" --help >"$TMP/supplicant.help" 2>&1
check teevar-supplicant.8 teevar-supplicant "$TMP/supplicant.help"
if [ -n "$TEEVARFS" ] && [ -f "$MAN/teevarfs.8" ] && [ -x "$TEEVARFS" ]; then
	"$TEEVARFS" --help >"$TMP/teevarfs.help" 2>&1
	check teevarfs.8 teevarfs "$TMP/teevarfs.help"
else
	skip "teevarfs.8 renders and names teevarfs' options" "no teevarfs.8 or teevarfs binary in this tree"
fi
echo "1..$N"
