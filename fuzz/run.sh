#!/usr/bin/env bash
# Builds the libFuzzer drivers (make fuzz) and runs each for SECONDS
# (default 60) over a scratch copy of its committed corpus, so new inputs
# found in CI never dirty fuzz/corpus/.  A target passes when libFuzzer
# exits 0 (no crash, leak, timeout or sanitizer report); a crashing input
# is kept under build/fuzz/artifacts/.  The last line is always
# "fuzz: N passed, N failed", one count per target.
set -uo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-60}
TARGETS=(request sigv4)

summary() { echo "fuzz: $1 passed, $2 failed"; [ "$2" -eq 0 ]; exit $?; }

case "$SECONDS_EACH" in
  ''|*[!0-9]*) echo "usage: fuzz/run.sh SECONDS" >&2; summary 0 ${#TARGETS[@]} ;;
esac
if ! command -v "${FUZZ_CC:-clang}" >/dev/null; then
  echo "fuzz: ${FUZZ_CC:-clang} not found (install the clang package)" >&2
  summary 0 ${#TARGETS[@]}
fi
if ! make --no-print-directory fuzz >/dev/null; then
  echo "fuzz: building the drivers failed" >&2
  summary 0 ${#TARGETS[@]}
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p build/fuzz/artifacts
passed=0; failed=0
for t in "${TARGETS[@]}"; do
  mkdir -p "$work/$t"
  log="$work/$t.log"
  build/fuzz/fuzz_"$t" "$work/$t" "fuzz/corpus/$t" \
    -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="build/fuzz/artifacts/$t-" -print_final_stats=1 >"$log" 2>&1
  rc=$?
  if [ "$rc" -eq 0 ]; then
    passed=$((passed + 1))
    echo "fuzz_$t: ok ($(grep -m1 -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | awk '{print $2}') runs)"
  else
    failed=$((failed + 1))
    echo "fuzz_$t: FAILED (exit $rc); last lines:"
    tail -30 "$log"
  fi
done
summary "$passed" "$failed"
