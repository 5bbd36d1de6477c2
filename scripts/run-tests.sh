#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Runs every test of a build dir through `meson test` (TAP), then prints the total
# as "N passed, N failed" and, last, each failed test with the end of its output.
# Exits non-zero on any failure.
set -uo pipefail
build=${1:?usage: run-tests.sh BUILD_DIR}
export CMOCKA_MESSAGE_OUTPUT=TAP
extra=()
if [ "${VALGRIND:-0}" = 1 ]; then
	extra=(--wrapper 'valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite -q'
		--timeout-multiplier 20)
fi
meson test -C "$build" --print-errorlogs "${extra[@]}"
rc=$?
log=$(ls -t "$build"/meson-logs/testlog*.json | head -n 1)
python3 - "$log" "$rc" <<'PY'
import json, re, sys
passed = failed = 0
failures = []
for line in open(sys.argv[1]):
    t = json.loads(line)
    out = t.get("stdout") or ""
    for note in re.findall(r"^# (.*(?:checked|survived|steps).*)$", out, re.M):
        print(f"{t['name']}: {note}")
    ok = len(re.findall(r"^ok \d+", out, re.M))
    bad = len(re.findall(r"^not ok \d+", out, re.M))
    if ok == 0 and bad == 0:          # a test that is not TAP counts once
        ok, bad = (1, 0) if t.get("result") == "OK" else (0, 1)
    elif t.get("result") not in ("OK", "EXPECTEDFAIL") and bad == 0:
        bad = 1                       # crashed or timed out after its last TAP line
    passed += ok
    failed += bad
    if bad:
        failures.append(t)
print(f"{passed} passed, {failed} failed")
# The failures once more, last: CI shows the end of this output.
for t in failures:
    out = (t.get("stdout") or "") + (t.get("stderr") or "")
    print(f"FAILED {t['name']} ({t.get('result')}, {t.get('duration', 0):.1f} s):")
    lines = out.splitlines()
    for l in [l for l in lines if l.startswith("not ok")][:10]:
        print(f"  {l}")
    for l in lines[-15:]:
        print(f"  | {l}")
sys.exit(1 if failed or int(sys.argv[2]) != 0 else 0)
PY
