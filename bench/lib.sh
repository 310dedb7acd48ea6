# Shared by the benchmark scripts: start a server on a fresh store, run wrk
# against it, print markdown table rows.  Source it; bench_start sets url,
# pid, dir.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bin=${CASESD_BIN:-build/casesd}
[ -x "$bin" ] || make -s
command -v wrk >/dev/null || { echo "wrk missing: run scripts/install-deps.sh" >&2; exit 1; }
# Where the scripts write their results-*.md: bench/ unless BENCH_RESULTS
# names another folder (tests/bench_smoke.sh writes to a temporary one, so
# a smoke run leaves the committed results alone).
results_dir=${BENCH_RESULTS:-bench}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Starts $bin, under the assignments in $server_env if any, on 127.0.0.1:PORT
# over STORE, its stderr appended to LOG, and waits until it answers.  Sets
# server_pid as soon as it runs (for the caller's exit trap); exits with the
# log shown if the server dies first.  Polls every millisecond (start-up time
# is measured), then, after 200 polls, every 50 ms: a store that rebuilds
# its full-text index on opening takes a minute or more.
server_start() {  # port store log [server flags...]
  local port=$1 store=$2 log=$3 polls=0
  shift 3
  local command=("$bin")
  [ -z "${server_env:-}" ] || command=(env $server_env "$bin")
  "${command[@]}" --listen "127.0.0.1:$port" --store "$store" --log-level warn "$@" 2>>"$log" &
  server_pid=$!
  until curl -sf "http://127.0.0.1:$port/health" >/dev/null; do
    kill -0 "$server_pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
    if (( polls++ < 200 )); then sleep 0.001; else sleep 0.05; fi
  done
}

bench_start() {  # extra server flags...
  dir=$(mktemp -d)
  port=$(free_port)
  url="http://127.0.0.1:$port"
  trap 'kill ${server_pid:-} 2>/dev/null; wait ${server_pid:-} 2>/dev/null; rm -rf "$dir"' EXIT
  start_ns=$(date +%s%N)
  server_start "$port" "$dir/bench.db" "$dir/server.log" "$@"
  pid=$server_pid
  ready_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
}

rss_mib() { echo $(( $(awk '/VmRSS/ {print $2}' "/proc/$pid/status") / 1024 )); }

bench_header() {  # connections seconds
  echo "$(date -u +%Y-%m-%d), $(nproc) cores, $1 keep-alive connections, ${2}s per endpoint, wrk -t2 on the same machine."
  echo
  echo "| endpoint     | req/s | p50 ms | p99 ms | socket errors | non-2xx |"
  echo "|--------------|-------|--------|--------|---------------|---------|"
}

bench_row() {  # connections seconds label method path [body]
  local conns=$1 secs=$2 label=$3; shift 3
  local line
  line=$(wrk -t2 -c"$conns" -d"${secs}s" --latency -s bench/request.lua "$url" -- "$@" | grep '^RESULT')
  printf '| %-12s | %s |\n' "$label" "$(sed -E 's/RESULT rps=([0-9]+) p50=([0-9.]+) p99=([0-9.]+) errors=([0-9]+) non2xx=([0-9]+)/\1 | \2 | \3 | \4 | \5/' <<<"$line")"
}

# The CreateCase body of the cases benchmarks: 10 fields, 3 of them custom,
# with a per-request counter in the values that vary (bench/request.lua).
cases_create_body() {  # template order-field amount-field priority-field
  tr -d '\n' <<JSON
{"templateId":"$1","fields":[
 {"id":"title","value":{"stringValue":"Bench case %d"}},
 {"id":"customer_id","value":{"stringValue":"arn:aws:profile:us-east-1:000000000000:domains/d/profiles/p%d"}},
 {"id":"status","value":{"stringValue":"open"}},
 {"id":"summary","value":{"stringValue":"The customer reported a problem with order %d"}},
 {"id":"assigned_queue","value":{"stringValue":"arn:aws:connect:us-east-1:000000000000:instance/i/queue/q"}},
 {"id":"assigned_user","value":{"userArnValue":"arn:aws:connect:us-east-1:000000000000:instance/i/agent/a%d"}},
 {"id":"case_reason","value":{"stringValue":"billing"}},
 {"id":"$2","value":{"stringValue":"ORD-%d"}},
 {"id":"$3","value":{"doubleValue":42.5}},
 {"id":"$4","value":{"stringValue":"high"}}]}
JSON
}
