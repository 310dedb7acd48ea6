#!/usr/bin/env bash
# Configuration-API benchmark: requests/s and p50/p99 latency at 64
# keep-alive connections for GetTemplate, ListFields and CreateField, in the
# same run as the trivial /health endpoint (the ceiling); idle RSS; time
# from exec until the server answers.  Writes bench/results-config.md.
#
#   bench/run.sh [seconds-per-endpoint]   (default 10)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
conns=64
bin=${CASESD_BIN:-build/casesd}
[ -x "$bin" ] || make -s
command -v wrk >/dev/null || { echo "wrk missing: run scripts/install-deps.sh" >&2; exit 1; }

dir=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port"
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT

start_ns=$(date +%s%N)
"$bin" --listen "127.0.0.1:$port" --store "$dir/bench.db" --log-level warn \
       --quota fields=100000000 2>"$dir/server.log" &
pid=$!
until curl -sf "$url/health" >/dev/null; do sleep 0.001; done
ready_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
idle_rss_kib=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")

read -r domain template <<<"$(python3 - "$url" <<'PY'
import sys, boto3
c = boto3.client("connectcases", endpoint_url=sys.argv[1], region_name="us-east-1",
                 aws_access_key_id="AKIDBENCH", aws_secret_access_key="x")
d = c.create_domain(name="bench")["domainId"]
for i in range(20):
    c.create_field(domainId=d, name=f"field {i}", type="Text")
t = c.create_template(domainId=d, name="bench template",
                      requiredFields=[{"fieldId": "title"}])["templateId"]
print(d, t)
PY
)"

run() {  # label method path [body]
  local label=$1; shift
  local line
  line=$(wrk -t2 -c"$conns" -d"${secs}s" --latency -s bench/request.lua "$url" -- "$@" | grep '^RESULT')
  printf '| %-12s | %s |\n' "$label" "$(sed -E 's/RESULT rps=([0-9]+) p50=([0-9.]+) p99=([0-9.]+) errors=([0-9]+) non2xx=([0-9]+)/\1 | \2 | \3 | \4 | \5/' <<<"$line")"
}

{
  echo "# Configuration API benchmark"
  echo
  echo "$(date -u +%Y-%m-%d), $(nproc) cores, $conns keep-alive connections, ${secs}s per endpoint, wrk -t2 on the same machine."
  echo
  echo "| endpoint     | req/s | p50 ms | p99 ms | socket errors | non-2xx |"
  echo "|--------------|-------|--------|--------|---------------|---------|"
  run health       GET  /health
  run GetTemplate  POST "/domains/$domain/templates/$template" '{}'
  run ListFields   POST "/domains/$domain/fields-list" '{}'
  run CreateField  POST "/domains/$domain/fields" '{"name":"bench field %d","type":"Text"}'
  echo
  echo "- ready to serve: ${ready_ms} ms after exec"
  echo "- idle RSS: $((idle_rss_kib / 1024)) MiB (${idle_rss_kib} KiB)"
  echo "- RSS after the run: $(( $(awk '/VmRSS/ {print $2}' "/proc/$pid/status") / 1024 )) MiB"
} | tee bench/results-config.md
