#!/usr/bin/env bash
# Runs the JavaScript SDK end-to-end tests against casesd (CASESD_BIN, or
# build/casesd in the repo root).  Installs the pinned SDK first when
# node_modules is missing.  The last line is "js: N passed, N failed"; the
# exit status is node's (non-zero when any test failed).
set -uo pipefail
cd "$(dirname "$0")"

summary_fail() { echo "js: 0 passed, 1 failed"; exit 1; }

if [ ! -d node_modules/@aws-sdk/client-connectcases ]; then
  if [ -f package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error >/dev/null || { echo "npm ci failed" >&2; summary_fail; }
  else
    npm install --no-audit --no-fund --loglevel=error >/dev/null || { echo "npm install failed" >&2; summary_fail; }
  fi
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT

node --test --test-reporter=tap ./*.test.mjs 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}

count() { grep -E "^# $1 [0-9]+$" "$log" | tail -1 | awk '{print $3}'; }
pass=$(count pass); fail=$(count fail); cancelled=$(count cancelled)
# A failed before/after hook (e.g. the server not exiting 0 on SIGTERM) is
# not counted under "# fail"; count each one as a failure too.
hooks=$(grep -cE "^ *failureType: 'hookFailed'" "$log")
pass=${pass:-0}; fail=$(( ${fail:-0} + ${cancelled:-0} + hooks ))
if [ "$rc" -ne 0 ] && [ "$fail" -eq 0 ]; then
  fail=1   # node failed without counting a failed test (a crash, a bad file)
fi
echo "js: $pass passed, $fail failed"
exit "$rc"
