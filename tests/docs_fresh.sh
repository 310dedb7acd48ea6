#!/usr/bin/env bash
# Checks that the README says what the code does: the API coverage table
# matches the handler tables, and every command-line flag of the server is
# both in --help and in the README's configuration table.
# Prints "docs: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
bin=${CASESD_BIN:-build/casesd}
passed=0; failed=0
check() {  # description, command...
  local what=$1; shift
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $what"; fi
}

check "README coverage table is current" python3 tools/coverage.py --check README.md
help=$("$bin" --help)
for flag in $(grep -oE '\{"[a-z-]+", (required|no)_argument' src/config.c | sed -E 's/\{"([a-z-]+)".*/\1/'); do
  check "--$flag in --help" grep -q -- "--$flag" <<<"$help"
  check "--$flag in README" grep -q -- "--$flag" README.md
done
echo "docs: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
