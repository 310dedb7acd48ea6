#!/usr/bin/env bash
# CreateCase, two ways in alternating runs: two builds of the server, or
# one build under two environments.  For judging a change on a machine
# whose speed drifts by tens of percent over minutes: each round runs A
# and B back to back (the order flips every round), each run on a store of
# its own, at 64 keep-alive connections with the body of bench/cases.sh.
#
#   bench/ab.sh [--rounds N] [--secs S] [--store FILE] A-BINARY B-BINARY
#
#   --rounds N    rounds of one A run and one B run (default 4)
#   --secs S      measured seconds per run, after 2 s of warm-up (default 8)
#   --store FILE  copy FILE (and FILE-fts) for every run instead of
#                 starting from an empty store: a large store behaves
#                 differently (bench/cases_setup.py finds its bench domain)
#   A_ENV, B_ENV  environment assignments for each side, such as
#                 "CASESD_WORKERS=1"; A-BINARY and B-BINARY may be the same
#
# Per run it prints requests/s, p50 and p99, p99 over the mean latency the
# throughput implies at 64 connections ("tail": at this load about 2 in
# every run, however fast the machine was; a change to the shape of the
# tail moves it), the server's CPU per request
# (from /proc, less disturbed by the machine's drift than throughput), the
# load generator's, the machine's idle share, and each server thread's
# share of a core; then the medians of each side and, per round, whether B
# was below A.  Results are printed, not written to a file.
rounds=4
secs=8
store=""
while [ $# -gt 2 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --secs) secs=$2; shift 2 ;;
    --store) store=$(realpath "$2"); shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[ $# -eq 2 ] || { sed -n '2,/^source/s/^# \{0,1\}//p' "$0" >&2; exit 2; }
# before lib.sh moves to the repository's root
a_bin=$(realpath "$1") b_bin=$(realpath "$2")
source "$(dirname "$0")/lib.sh"
conns=64

ticks() { awk '{print $14 + $15}' "$1"; }           # utime + stime of a stat file
idle_ticks() { awk '/^cpu /{print $5 + $6}' /proc/stat; }
thread_ticks() {  # pid -> "name ticks" per thread
  local t
  for t in /proc/"$1"/task/*; do echo "$(cat "$t/comm") $(ticks "$t/stat")"; done
}

one_run() {  # binary env -> one result line (server_start reads bin, server_env)
  local bin=$1 server_env=$2 run_dir port url pid line
  run_dir=$(mktemp -d)
  if [ -n "$store" ]; then
    cp "$store" "$run_dir/bench.db"
    [ -f "$store-fts" ] && cp "$store-fts" "$run_dir/bench.db-fts"
  fi
  port=$(free_port)
  url="http://127.0.0.1:$port"
  server_start "$port" "$run_dir/bench.db" "$run_dir/server.log"
  pid=$server_pid
  local ids domain template case_id f1 f2 f3 body
  ids=$(python3 bench/cases_setup.py "$url") || { kill "$pid"; exit 1; }
  read -r domain template case_id f1 f2 f3 <<<"$ids"
  body=$(cases_create_body "$template" "$f1" "$f2" "$f3")
  wrk -t2 -c"$conns" -d2s -s bench/request.lua "$url" -- POST "/domains/$domain/cases" "$body" >/dev/null
  local cpu0 idle0 cpu1 idle1 threads0 threads1
  cpu0=$(ticks "/proc/$pid/stat"); idle0=$(idle_ticks); threads0=$(thread_ticks "$pid")
  # times in the subshell: its own CPU, then its children's, which are wrk
  # (and grep)
  line=$( (wrk -t2 -c"$conns" -d"${secs}s" --latency -s bench/request.lua "$url" \
             -- POST "/domains/$domain/cases" "$body" | grep '^RESULT'
           echo WRKCPU; times) | tr '\n' ' ')
  cpu1=$(ticks "/proc/$pid/stat"); idle1=$(idle_ticks); threads1=$(thread_ticks "$pid")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$run_dir"
  python3 - "$line" "$secs" "$(getconf CLK_TCK)" "$(nproc)" "$((cpu1 - cpu0))" \
    "$((idle1 - idle0))" "$threads0" "$threads1" "$conns" <<'PY'
import re, sys
line, secs, tck, cores, cpu, idle, t0, t1, conns = sys.argv[1:]
secs, tck, cores, conns = float(secs), int(tck), int(cores), int(conns)
m = dict(re.findall(r"(\w+)=([\d.]+)", line))
rps = float(m["rps"])
times = [int(mins) * 60 + float(s) for mins, s in
         re.findall(r"(\d+)m([\d.]+)s", line.split("WRKCPU", 1)[1])]
user, system = times[2], times[3]
per_req = lambda seconds: seconds * 1e6 / max(rps * secs, 1)
share = {}
for text, sign in ((t0, -1), (t1, 1)):
    for row in text.strip().split("\n"):
        name, n = row.rsplit(" ", 1)
        share[name] = share.get(name, 0) + sign * int(n)
threads = " ".join("%s:%d%%" % (k, 100 * v / tck / secs)
                   for k, v in sorted(share.items(), key=lambda kv: -kv[1]) if v / tck / secs >= 0.02)
# p99 over the mean latency of a closed loop (Little's law: connections
# over throughput).  A change that only raises throughput leaves it level;
# one that makes the tail longer or shorter moves it.
tail = float(m["p99"]) / (conns * 1000.0 / max(rps, 1))
print("rps=%d p50=%s p99=%s tail=%.2f cpu_us=%.0f wrk_us=%.0f idle=%d%% %s%s" % (
    rps, m["p50"], m["p99"], tail, per_req(int(cpu) / tck), per_req(user + system),
    100 * int(idle) / tck / secs / cores, threads,
    "" if m.get("errors", "0") == "0" and m.get("non2xx", "0") == "0"
    else " ERRORS=%s non2xx=%s" % (m.get("errors"), m.get("non2xx"))))
PY
}

echo "A: $a_bin ${A_ENV:-}"
echo "B: $b_bin ${B_ENV:-}"
echo "$rounds rounds of ${secs}s runs, $conns connections${store:+, copies of $store}"
results=""
for ((r = 0; r < rounds; r++)); do
  if (( r % 2 )); then order="B A"; else order="A B"; fi
  for side in $order; do
    if [ "$side" = A ]; then res=$(one_run "$a_bin" "${A_ENV:-}"); else res=$(one_run "$b_bin" "${B_ENV:-}"); fi
    echo "round $((r + 1)) $side $res"
    results+="$((r + 1)) $side $res"$'\n'
  done
done
python3 - <<PY
import re, statistics
runs = {}
for row in """$results""".strip().split("\n"):
    rnd, side, rest = row.split(" ", 2)
    runs[(int(rnd), side)] = {k: float(v) for k, v in re.findall(r"(\w+)=([\d.]+)", rest)}
rounds = sorted({r for r, _ in runs})
print()
for key, label in (("rps", "req/s"), ("p99", "p99 ms"), ("tail", "p99 / mean"),
                   ("cpu_us", "server CPU us/req")):
    med = lambda s: statistics.median(runs[(r, s)][key] for r in rounds)
    lower = sum(runs[(r, "B")][key] < runs[(r, "A")][key] for r in rounds)
    print("%-18s median A %8.2f  B %8.2f   B lower in %d of %d rounds"
          % (label, med("A"), med("B"), lower, len(rounds)))
PY
