#!/usr/bin/env bash
# Runs every test suite against the binaries in BUILD (default build/) and
# ends with one line summing them all: "N passed, N failed".
# Each suite prints its own "<suite>: N passed, N failed" line.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
export CASESD_BIN="$PWD/$BUILD/casesd"
log=$(mktemp)
trap 'rm -f "$log"' EXIT

run_suite() {   # name, command...
  local name=$1; shift
  echo "== $name"
  "$@" 2>&1 | tee -a "$log"
  local rc=${PIPESTATUS[0]}
  if [ "$rc" -ne 0 ] && ! tail -5 "$log" | grep -qE "^$name: [0-9]+ passed, [1-9][0-9]* failed"; then
    echo "$name: 0 passed, 1 failed  (exit $rc without a failure count)" | tee -a "$log"
  fi
}

run_suite unit   "$BUILD/unit_tests"
run_suite model  tests/model_fresh.sh
run_suite docs   tests/docs_fresh.sh
run_suite e2e    python3 tests/e2e/run.py
run_suite cli    tests/e2e/cli_smoke.sh
run_suite js     tests/e2e/js/run.sh
run_suite bench  tests/bench_smoke.sh

passed=0; failed=0
while read -r p f; do
  passed=$((passed + p)); failed=$((failed + f))
done < <(grep -E '^[a-z0-9_-]+: [0-9]+ passed, [0-9]+ failed' "$log" | awk '{print $2, $4}')
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
