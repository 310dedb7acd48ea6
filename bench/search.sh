#!/usr/bin/env bash
# SearchCases benchmark: seeds N cases (default 1,000,000) with
# build/bench/seed, times the store's part of each search alone
# (build/bench/search_store, 2 connections, no HTTP), then measures
# requests/s and p50/p99 latency at 16 keep-alive connections for the same
# searches, alone and while CreateCase runs alongside; reports RSS.
# Writes bench/results-search.md.
#
#   bench/search.sh [cases] [seconds-per-query]     (defaults 1000000, 15)
#
# The seeded store is kept in $BENCH_DIR (default /tmp/casesd-bench) and
# reused by later runs with the same case count.
source "$(dirname "$0")/lib.sh"
cases=${1:-1000000}
secs=${2:-15}
conns=16
dir=${BENCH_DIR:-/tmp/casesd-bench}
db="$dir/search-$cases.db"
env_file="$dir/search-$cases.env"
make -s "$bin" bench-tools >/dev/null
mkdir -p "$dir"

port=$(free_port)
url="http://127.0.0.1:$port"
server_pid=
pid=
stop() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null; server_pid= pid=; }
trap stop EXIT
start() {
  server_start "$port" "$db" "$dir/server.log"
  pid=$server_pid
}

# --- the store: domain, fields and template through the API, cases seeded ---
seed_secs=reused
if [ ! -s "$env_file" ]; then
  rm -f "$db" "$db-wal" "$db-shm"
  start
  python3 - "$url" >"$env_file.tmp" <<'PY'
import sys, boto3
c = boto3.client("connectcases", endpoint_url=sys.argv[1], region_name="us-east-1",
                 aws_access_key_id="AKIDBENCH", aws_secret_access_key="x")
d = c.create_domain(name="search bench")["domainId"]
text = c.create_field(domainId=d, name="Order", type="Text")["fieldId"]
num = c.create_field(domainId=d, name="Amount", type="Number")["fieldId"]
sel = c.create_field(domainId=d, name="Topic", type="SingleSelect")["fieldId"]
opts = ["billing", "shipping", "returns", "warranty", "account", "technical",
        "delivery", "refund", "complaint", "feedback", "upgrade", "other"]
c.batch_put_field_options(domainId=d, fieldId=sel,
                          options=[{"name": o, "value": o, "active": True} for o in opts])
t = c.create_template(domainId=d, name="bench", requiredFields=[{"fieldId": "title"}])["templateId"]
print(f"DOMAIN={d}\nTEXT_FIELD={text}\nNUMBER_FIELD={num}\nSELECT_FIELD={sel}\nTEMPLATE={t}")
PY
  stop
  # shellcheck disable=SC1091
  . "$env_file.tmp"
  t0=$(date +%s)
  build/bench/seed --store "$db" --domain "$DOMAIN" --template "$TEMPLATE" \
    --text "$TEXT_FIELD" --number "$NUMBER_FIELD" --select "$SELECT_FIELD" \
    --count "$cases" --samples "$env_file.samples"
  seed_secs=$(( $(date +%s) - t0 ))
  cat "$env_file.samples" >>"$env_file.tmp"
  echo "SEED_SECS=$seed_secs" >>"$env_file.tmp"
  mv "$env_file.tmp" "$env_file"
fi
# shellcheck disable=SC1090
. "$env_file"
seed_secs=${SEED_SECS:-?}

store_table=$(build/bench/search_store "$env_file" "$db" 200 2)
start
idle_rss_kib=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
db_mib=$(( $(stat -c %s "$db") / 1048576 ))

path="/domains/$DOMAIN/cases-search"
proj='"fields":[{"id":"title"},{"id":"status"}],"maxResults":25'
q_equal="{\"filter\":{\"field\":{\"equalTo\":{\"id\":\"$TEXT_FIELD\",\"value\":{\"stringValue\":\"$SAMPLE_TEXT\"}}}},$proj}"
q_tag="{\"filter\":{\"tag\":{\"equalTo\":{\"key\":\"team\",\"value\":\"$SAMPLE_TEAM\"}}},$proj}"
q_term="{\"searchTerm\":\"$SAMPLE_RARE_WORD\",$proj}"
q_range="{\"filter\":{\"field\":{\"greaterThanOrEqualTo\":{\"id\":\"created_datetime\",\"value\":{\"stringValue\":\"2025-11-01T00:00:00.000Z\"}}}},\"sorts\":[{\"fieldId\":\"created_datetime\",\"sortOrder\":\"Desc\"}],$proj}"
q_range2="{\"filter\":{\"andAll\":[{\"field\":{\"greaterThanOrEqualTo\":{\"id\":\"$NUMBER_FIELD\",\"value\":{\"doubleValue\":9000}}}},{\"field\":{\"equalTo\":{\"id\":\"$SELECT_FIELD\",\"value\":{\"stringValue\":\"refund\"}}}}]},\"sorts\":[{\"fieldId\":\"$NUMBER_FIELD\",\"sortOrder\":\"Asc\"}],$proj}"
q_broad="{\"filter\":{\"field\":{\"equalTo\":{\"id\":\"status\",\"value\":{\"stringValue\":\"open\"}}}},$proj}"
q_all="{$proj}"
create="{\"templateId\":\"$TEMPLATE\",\"fields\":[{\"id\":\"title\",\"value\":{\"stringValue\":\"bench %d\"}},{\"id\":\"customer_id\",\"value\":{\"stringValue\":\"arn:aws:profile:us-east-1:000000000000:domains/bench/profiles/p%d\"}},{\"id\":\"$TEXT_FIELD\",\"value\":{\"stringValue\":\"NEW-%d\"}}]}"

# Each query must succeed and find what it is meant to find.
check() {  # label body jq-ish expectation printed
  local out
  out=$(curl -sf -X POST -H 'Content-Type: application/json' -d "$2" "$url$path") ||
    { echo "$1: request failed: $(curl -s -X POST -d "$2" "$url$path")" >&2; exit 1; }
  python3 -c 'import json,sys; r=json.loads(sys.argv[2]); print("%-12s totalCount=%s page=%d" % (sys.argv[1], r.get("totalCount"), len(r["cases"])))' "$1" "$out"
}

run() {  # label method path [body]
  local label=$1; shift
  local line
  line=$(wrk -t2 -c"$conns" -d"${secs}s" --latency -s bench/request.lua "$url" -- "$@" | grep '^RESULT')
  printf '| %-22s | %s |\n' "$label" "$(sed -E 's/RESULT rps=([0-9]+) p50=([0-9.]+) p99=([0-9.]+) errors=([0-9]+) non2xx=([0-9]+)/\1 | \2 | \3 | \4 | \5/' <<<"$line")"
}

counts=$(for q in equal tag term range range2 broad all; do v="q_$q"; check "$q" "${!v}"; done)
echo "$counts" >&2

table() {
  echo "| query                  | req/s | p50 ms | p99 ms | socket errors | non-2xx |"
  echo "|------------------------|-------|--------|--------|---------------|---------|"
  run "selective equality" POST "$path" "$q_equal"
  run "tag filter" POST "$path" "$q_tag"
  run "rare searchTerm" POST "$path" "$q_term"
  run "range + sort, page 1" POST "$path" "$q_range"
  run "range+eq, sort other" POST "$path" "$q_range2"
  run "broad + totalCount" POST "$path" "$q_broad"
  run "no filter (default)" POST "$path" "$q_all"
}

{
  echo "# SearchCases benchmark"
  echo
  echo "$(date -u +%Y-%m-%d), $(nproc) cores (shared with other work: load average $(cut -d' ' -f1-3 /proc/loadavg)), $conns keep-alive connections, ${secs}s per query, wrk -t2 on the same machine."
  echo
  echo "Store: $cases cases seeded (10 fields + case_id, 2 tags each, no related items; a reused store also holds the cases earlier runs' CreateCase phases added, see the \"all\" count), $db_mib MiB database file; seeding took ${seed_secs}s (build/bench/seed)."
  echo
  echo '```'
  echo "$counts"
  echo '```'
  echo
  echo "## The store alone (store_cases_search, 2 threads, 200 runs each)"
  echo
  echo "$store_table"
  echo
  echo "## Searches alone"
  echo
  table
  echo
  echo "## Searches while CreateCase runs at 4 connections"
  echo
  wrk -t1 -c4 -d"$(( secs * 8 + 10 ))s" --latency -s bench/request.lua "$url" -- \
      POST "/domains/$DOMAIN/cases" "$create" >"$dir/create.out" &
  create_pid=$!
  sleep 2
  table
  wait "$create_pid"
  echo
  echo "CreateCase alongside: $(grep '^RESULT' "$dir/create.out")"
  echo
  echo "- idle RSS after start: $((idle_rss_kib / 1024)) MiB"
  echo "- RSS after the runs: $(( $(awk '/VmRSS/ {print $2}' "/proc/$pid/status") / 1024 )) MiB, peak $(( $(awk '/VmHWM/ {print $2}' "/proc/$pid/status") / 1024 )) MiB"
} | tee "$results_dir/results-search.md"
