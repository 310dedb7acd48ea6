#!/usr/bin/env bash
# Cases benchmark: CreateCase with 10 fields (3 custom) and GetCase of 10
# fields at 64 keep-alive connections, in the same run as /health;
# CreateCase again in more windows of the same length; RSS after loading N
# cases (default 1,000,000) through CreateCase; and GetCase against /health
# in alternating short rounds, run before any CreateCase.
# Durable commits throughout (every acknowledged case is fsynced).
# Writes bench/results-cases.md.
#
# Why rounds: this machine's speed drifts by 10-15% over tens of seconds,
# so one run of each endpoint compares them at two different speeds.  Short
# runs back to back, every other pair in reverse order, share the machine's
# speed more closely, and the median of the pairs' ratios is moved little
# by one disturbed pair.  The server's CPU time per request (from /proc) is
# reported beside, as load elsewhere on the machine disturbs it less.
#
# The same drift moves CreateCase's p99 by several milliseconds from one
# 10 s window to the next, so besides the table's window it is measured in
# more windows back to back, each reported, with their median.
#
#   bench/cases.sh [seconds-per-endpoint] [cases-for-rss] [rounds] [create-windows]
source "$(dirname "$0")/lib.sh"
secs=${1:-10}
load=${2:-1000000}
rounds=${3:-10}
create_windows=${4:-5}
round_secs=3
conns=64

bench_start
ids=$(python3 bench/cases_setup.py "$url")
read -r domain template case_id f1 f2 f3 <<<"$ids"
create_body=$(cases_create_body "$template" "$f1" "$f2" "$f3")
get_body="{\"fields\":[{\"id\":\"title\"},{\"id\":\"customer_id\"},{\"id\":\"status\"},{\"id\":\"summary\"},{\"id\":\"assigned_queue\"},{\"id\":\"created_datetime\"},{\"id\":\"last_updated_datetime\"},{\"id\":\"$f1\"},{\"id\":\"$f2\"},{\"id\":\"$f3\"}]}"

# GetCase against /health in alternating rounds, before any CreateCase for
# the reason given below; written out after the table.
server_cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
round_run() {  # method path [body] -> "rps cpu-ticks"
  local before line
  before=$(server_cpu)
  line=$(wrk -t2 -c"$conns" -d"${round_secs}s" -s bench/request.lua "$url" -- "$@" | grep '^RESULT')
  echo "$(sed -E 's/.*rps=([0-9]+).*/\1/' <<<"$line") $(( $(server_cpu) - before ))"
}
round_lines=""
for ((r = 0; r < rounds; r++)); do
  if (( r % 2 )); then
    g=$(round_run POST "/domains/$domain/cases/$case_id" "$get_body"); h=$(round_run GET /health)
  else
    h=$(round_run GET /health); g=$(round_run POST "/domains/$domain/cases/$case_id" "$get_body")
  fi
  round_lines+="$h $g"$'\n'
done
{
  echo "# Cases benchmark"
  echo
  bench_header "$conns" "$secs"
  bench_row "$conns" "$secs" health     GET  /health
  # GetCase before CreateCase: right after a burst of writes the
  # checkpointer is still copying and merging them, and a read measured
  # then shares the cores with that catch-up, which /health did not.
  bench_row "$conns" "$secs" GetCase    POST "/domains/$domain/cases/$case_id" "$get_body"
  bench_row "$conns" "$secs" CreateCase POST "/domains/$domain/cases" "$create_body"
  echo
} | tee "$results_dir/results-cases.md"

# CreateCase in more windows, each as long as the table's.
window_lines=""
for ((w = 0; w < create_windows; w++)); do
  line=$(wrk -t2 -c"$conns" -d"${secs}s" --latency -s bench/request.lua "$url" -- POST "/domains/$domain/cases" "$create_body" | grep '^RESULT')
  window_lines+="$(sed -E 's/RESULT rps=([0-9]+) p50=([0-9.]+) p99=([0-9.]+) errors=([0-9]+) non2xx=([0-9]+)/\1 \2 \3 \4 \5/' <<<"$line")"$'\n'
done
if (( create_windows > 0 )); then
  python3 - "$secs" "$create_windows" <<PY | tee -a "$results_dir/results-cases.md"
import statistics, sys
secs, n = sys.argv[1], sys.argv[2]
rows = [l.split() for l in """$window_lines""".strip().split("\n")]
print("## CreateCase in %s more windows of %ss, back to back" % (n, secs))
print()
print("| window | req/s | p50 ms | p99 ms | socket errors | non-2xx |")
print("|--------|-------|--------|--------|---------------|---------|")
for i, r in enumerate(rows, 1):
    print("| %6d | %s |" % (i, " | ".join(r)))
print()
print("- median of the windows: %d req/s, p99 %.1f ms"
      % (statistics.median(int(r[0]) for r in rows),
         statistics.median(float(r[2]) for r in rows)))
print()
PY
fi

# Memory after a large load: keep creating until the domain holds $load cases.
have=$(python3 -c "
import boto3,sys
c=boto3.client('connectcases',endpoint_url='$url',region_name='us-east-1',aws_access_key_id='AKIDBENCH',aws_secret_access_key='x')
print(c.search_cases(domainId='$domain',maxResults=1).get('totalCount',0))" 2>/dev/null || echo 0)
while [ "$have" -lt "$load" ]; do
  wrk -t2 -c"$conns" -d30s -s bench/request.lua "$url" -- POST "/domains/$domain/cases" "$create_body" >/dev/null
  have=$(python3 -c "
import boto3
c=boto3.client('connectcases',endpoint_url='$url',region_name='us-east-1',aws_access_key_id='AKIDBENCH',aws_secret_access_key='x')
print(c.search_cases(domainId='$domain',maxResults=1).get('totalCount',0))")
done
echo "- RSS with $have cases in the store: $(rss_mib) MiB" | tee -a "$results_dir/results-cases.md"

python3 - "$round_secs" "$(getconf CLK_TCK)" "$rounds" <<PY | tee -a "$results_dir/results-cases.md"
import statistics, sys
secs, tck, rounds = float(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rows = [list(map(int, l.split())) for l in """$round_lines""".strip().split("\n")]
cpu = lambda rps, ticks: ticks * 1e6 / tck / max(rps * secs, 1)
print()
print("## GetCase against /health, %s alternating rounds of %gs each" % (rounds, secs))
print()
print("| round | /health req/s | GetCase req/s | ratio | /health CPU µs/req | GetCase CPU µs/req |")
print("|-------|---------------|---------------|-------|--------------------|--------------------|")
for i, (h, hc, g, gc) in enumerate(rows, 1):
    print("| %5d | %13d | %13d | %4.1f%% | %18.1f | %18.1f |" % (i, h, g, 100 * g / h, cpu(h, hc), cpu(g, gc)))
print()
print("- GetCase / /health: median of the rounds %.1f%%, rounds summed %.1f%%"
      % (100 * statistics.median(g / h for h, _, g, _ in rows),
         100 * sum(r[2] for r in rows) / sum(r[0] for r in rows)))
print("- server CPU per request, median: /health %.1f µs, GetCase %.1f µs"
      % (statistics.median(cpu(h, hc) for h, hc, _, _ in rows),
         statistics.median(cpu(g, gc) for _, _, g, gc in rows)))
print()
PY
