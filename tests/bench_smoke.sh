#!/usr/bin/env bash
# Runs every benchmark script of bench/ for a second or two, so that a
# change which breaks one (a renamed route, a changed body, a store flag)
# fails here and not on the day someone measures.  Nothing is timed: a
# script passes when it exits 0 and every request it sent was answered
# with a 2xx and without a socket error.  The speed targets are checked by
# running the scripts in full (README, "Benchmarks").
# Results go to a temporary folder (BENCH_RESULTS), not bench/.
# Prints "bench: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
bin=${CASESD_BIN:-build/casesd}
make -s bench-tools >/dev/null || { echo "bench: 0 passed, 1 failed  (bench-tools did not build)"; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
export BENCH_RESULTS=$out BENCH_DIR=$out/store CASESD_BIN=$bin
# valgrind cannot run a sanitized binary; the plain suite runs callgrind.
if grep -q __asan_init < <(nm "$bin" 2>/dev/null); then export BENCH_CALLGRIND=0; fi
passed=0; failed=0

# Every markdown table whose header names "socket errors" must show 0 in
# that column and in "non-2xx", and more than 0 requests/s; every RESULT
# line printed outside a table (search.sh's CreateCase alongside) must show
# errors=0 and non2xx=0; ab.sh's run lines must not carry ERRORS=.
answers_ok() {  # file
  python3 - "$1" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
bad, rows = [], 0
cols = None
for line in text.splitlines():
    cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.startswith("|") else None
    if cells is None:
        cols = None
    elif "socket errors" in cells:
        cols = {name: i for i, name in enumerate(cells)}
    elif cols and not set(line) <= set("|- "):
        rows += 1
        rps, err, non2xx = (cells[cols["req/s"]], cells[cols["socket errors"]],
                            cells[cols["non-2xx"]])
        if not (rps.isdigit() and int(rps) > 0 and err == "0" and non2xx == "0"):
            bad.append(line)
for m in re.finditer(r"errors=(\d+) non2xx=(\d+)", text):
    rows += 1
    if m.groups() != ("0", "0"):
        bad.append(m.group(0))
for line in text.splitlines():
    if line.startswith("round ") and "rps=" in line:
        rows += 1
        if "ERRORS=" in line or re.search(r"rps=0\b", line):
            bad.append(line)
for line in bad:
    print("  bad row:", line)
if rows == 0:
    print("  no results found")
sys.exit(1 if bad or rows == 0 else 0)
PY
}

smoke() {  # name results-file command...
  local name=$1 file=$2 log="$out/$1.log" t0=$SECONDS
  shift 2
  if "$@" >"$log" 2>&1 && answers_ok "${file:-$log}"; then
    passed=$((passed + 1)); echo "ok   $name ($((SECONDS - t0)) s)"
  else
    failed=$((failed + 1)); echo "FAIL $name"; tail -20 "$log"
  fi
}

smoke run.sh    "$out/results-config.md" bench/run.sh 1
smoke cases.sh  "$out/results-cases.md"  bench/cases.sh 1 1000 1 1
smoke search.sh "$out/results-search.md" bench/search.sh 2000 1
smoke auth.sh   "$out/results-auth.md"   bench/auth.sh 1 200 1
smoke ab.sh     ""                       bench/ab.sh --rounds 1 --secs 1 "$bin" "$bin"

echo "bench: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
