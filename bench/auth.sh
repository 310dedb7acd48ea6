#!/usr/bin/env bash
# Cost of the security path: GetCase and SearchCases requests/s and p50/p99
# latency at 16 keep-alive connections, in one run on one store, served
#   - by a server with --auth off to an administrator (no Connect user: no
#     checks at all; the requests are signed all the same, as SDKs sign
#     them, so every server reads the same bytes), the baseline;
#   - by a server with --auth sigv4 (the default with --credentials) to
#       an administrator principal (signature check only),
#       "one-tag user": a Connect user with one profile restricting cases
#         to team=a,
#       "two-profile user": a Connect user with two restricting profiles,
#         {team=a AND region=eu} OR {team=b};
# alternating, in several rounds (every other round in reverse order, so a
# drift in the machine's speed does not favour one caller).  Runs are
# short and rounds many: this machine's speed drifts over tens of seconds,
# so callers compared within a short round share its speed more closely,
# and the median of many rounds is moved less by a disturbed one.  A second
# --auth off server on its own copy of the store, asked the baseline's
# requests, is the control: it does exactly the baseline's work, so how far
# its figures stray from the baseline's is the noise of the machine.  Every case carries team=a and region=eu, so every
# caller gets the same answers and the differences are the security path
# alone: the signature, the user's access record, the case's tags, and the
# search's tag condition.  Besides requests/s, the server's own CPU time per
# request is reported (from /proc), which load elsewhere on the machine
# disturbs far less.  When valgrind is installed (and BENCH_CALLGRIND is
# not 0), the same requests are also measured in instructions per request
# (callgrind, user space, one request at a time), which the load of a
# shared machine does not disturb.  Writes bench/results-auth.md.
#
#   bench/auth.sh [seconds-per-run] [cases] [rounds]  (defaults 2, 2000, 16)
source "$(dirname "$0")/lib.sh"
make -s "$bin" bench-tools >/dev/null
secs=${1:-2}
cases=${2:-2000}
rounds=${3:-16}
conns=16
account=444455556666
instance=bench-instance

dir=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}" ${server_pid:-}; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  rm -rf "$dir"
}
trap cleanup EXIT

# One server process owns a store file, so each server gets its own copy of
# the seeded store, all with the same content.  The owner keeps its file
# locked while it runs (src/store/sqlite/sqlite_internal.h, SQ_VFS), so
# copies are made from seed.db, a copy no server opens.
copy_store() {  # source destination
  python3 - "$1" "$2" <<'PY'
import sqlite3, sys
src, dst = sqlite3.connect(sys.argv[1]), sqlite3.connect(sys.argv[2])
src.backup(dst)
PY
}

start_server() {  # port, store, flags...
  local port=$1 store=$2; shift 2
  server_start "$port" "$store" "$dir/server.log" --account-id "$account" "$@"
  pids+=("$server_pid")
  server_pid=
}

# --- the admin server, the users, their profiles and the cases ---------------
admin_port=$(free_port)
admin_url="http://127.0.0.1:$admin_port"
start_server "$admin_port" "$dir/bench.db" --auth off
read -r one_arn two_arn domain case_id <<<"$(python3 - "$admin_url" "$account" "$instance" "$cases" <<'PY'
import sys, boto3
url, account, instance, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
kw = dict(endpoint_url=url, region_name="us-east-1",
          aws_access_key_id=account, aws_secret_access_key="x")
conn = boto3.client("connect", **kw)
def user(name, profiles):
    ids = [conn.create_security_profile(
               InstanceId=instance, SecurityProfileName="%s-%d" % (name, i),
               Permissions=["Cases.View", "Cases.Edit"], AllowedAccessControlTags=tags,
               TagRestrictedResources=["Case"])["SecurityProfileId"]
           for i, tags in enumerate(profiles)]
    return conn.create_user(InstanceId=instance, Username=name, RoutingProfileId="rp",
                            SecurityProfileIds=ids)["UserArn"]
one = user("one-tag", [{"team": "a"}])
two = user("two-profile", [{"team": "a", "region": "eu"}, {"team": "b"}])
c = boto3.client("connectcases", **kw)
d = c.create_domain(name="auth bench")["domainId"]
t = c.create_template(domainId=d, name="bench", status="Active")["templateId"]
customer = "arn:aws:profile:us-east-1:%s:domains/d/profiles/p" % account
for i in range(count):
    case = c.create_case(domainId=d, templateId=t, tags={"team": "a", "region": "eu"},
                         fields=[{"id": "title", "value": {"stringValue": "case %d" % i}},
                                 {"id": "customer_id", "value": {"stringValue": customer}}])
print(one, two, d, case["caseId"])
PY
)"

# --- the signed server, with three principals ---------------------------------
secret=bench-secret-0123456789
{
  printf 'AKIDBENCHADMIN %s %s arn:aws:iam::%s:user/admin\n' "$secret" "$account" "$account"
  printf 'AKIDBENCHONE %s %s arn:aws:iam::%s:user/one %s\n' "$secret" "$account" "$account" "$one_arn"
  printf 'AKIDBENCHTWO %s %s arn:aws:iam::%s:user/two %s\n' "$secret" "$account" "$account" "$two_arn"
} >"$dir/credentials"
chmod 600 "$dir/credentials"
signed_port=$(free_port)
signed_url="http://127.0.0.1:$signed_port"
kill "${pids[0]}"
wait "${pids[0]}" 2>/dev/null || true
pids=()
copy_store "$dir/bench.db" "$dir/seed.db"
start_server "$admin_port" "$dir/bench.db" --auth off
copy_store "$dir/seed.db" "$dir/signed.db"
start_server "$signed_port" "$dir/signed.db" --credentials "$dir/credentials"
control_port=$(free_port)
control_url="http://127.0.0.1:$control_port"
copy_store "$dir/seed.db" "$dir/control.db"
start_server "$control_port" "$dir/control.db" --auth off

# request.lua with fixed extra headers (args 4...: "Name: value"), for the
# signed requests: a signature stays valid for 15 minutes, and nothing in
# it changes between requests of one run.
cat >"$dir/signed.lua" <<'LUA'
dofile("bench/request.lua")
local base_init = init
local signed
function init(args)
  base_init(args)
  local h = {["Content-Type"] = "application/json"}
  for i = 4, #args do
    local k, v = string.match(args[i], "^([^:]+):%s*(.*)$")
    h[k] = v
  end
  -- formatted once: the same request every time
  signed = wrk.format(args[1], args[2], h, args[3])
end
function request()
  return signed
end
LUA

# The headers of a request signed now by principal key, one a line.
sign() {  # key method path body [port]
  python3 - "${5:-$signed_port}" "$1" "$secret" "${@:2:3}" <<'PY'
import sys
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
port, key, secret, method, path, body = sys.argv[1:7]
host = "127.0.0.1:%s" % port
req = AWSRequest(method=method, url="http://%s%s" % (host, path), data=body.encode(),
                 headers={"Host": host, "Content-Type": "application/json"})
SigV4Auth(Credentials(key, secret), "cases", "us-east-1").add_auth(req)
for name in ("Host", "X-Amz-Date", "Authorization"):
    print("%s: %s" % (name, req.headers[name]))
PY
}

get_path="/domains/$domain/cases/$case_id"
get_body='{"fields":[{"id":"title"},{"id":"status"}]}'
search_path="/domains/$domain/cases-search"
search_body='{"maxResults":25,"fields":[{"id":"title"},{"id":"status"}]}'

callers=(admin AKIDBENCHADMIN AKIDBENCHONE AKIDBENCHTWO)
timed=(admin control "${callers[@]:1}")
desc() {
  case $1 in
    admin) echo "--auth off, administrator" ;;
    control) echo "control: a second auth off" ;;
    AKIDBENCHADMIN) echo "sigv4, administrator" ;;
    AKIDBENCHONE) echo "sigv4, one-tag user" ;;
    AKIDBENCHTWO) echo "sigv4, two-profile user" ;;
  esac
}

# Every caller must get the administrator's answer before anything is timed.
check() {  # label path body
  local want got who
  want=$(curl -sf -X POST -H 'Content-Type: application/json' -d "$3" "$admin_url$2")
  for who in "${callers[@]:1}"; do
    mapfile -t hdrs < <(sign "$who" POST "$2" "$3")
    got=$(curl -sf -X POST -H 'Content-Type: application/json' \
          "${hdrs[@]/#/-H}" -d "$3" "$signed_url$2")
    python3 - "$1 / $(desc "$who")" "$want" "$got" <<'PY'
import json, sys
a, s = json.loads(sys.argv[2]), json.loads(sys.argv[3])
a.pop("nextToken", None); s.pop("nextToken", None)
assert a == s, "%s: not the administrator's answer" % sys.argv[1]
PY
  done
  python3 -c 'import json,sys; a=json.loads(sys.argv[2]); print("%-11s every caller gets the same answer (%s)" % (sys.argv[1], "totalCount=%d" % a["totalCount"] if "totalCount" in a else "tags=%s" % a["tags"]))' "$1" "$want"
}
checks=$(check GetCase "$get_path" "$get_body"; check SearchCases "$search_path" "$search_body")
echo "$checks" >&2

# One line per timed run, for the summary: op caller round rps cpu-ticks requests.
runs_file=$dir/runs.tsv
# CPU time (user + system, clock ticks) the process has used so far.
server_cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
run() {  # label caller round path body
  local label=$1 who=$2 round=$3 path=$4 body=$5 line pid url port before r
  case $who in
    admin) pid=${pids[0]} url=$admin_url port=$admin_port ;;
    control) pid=${pids[2]} url=$control_url port=$control_port ;;
    *) pid=${pids[1]} url=$signed_url port=$signed_port ;;
  esac
  before=$(server_cpu "$pid")
  # The baseline and the control get the same bytes, signed as an SDK
  # always signs (the server does not check them): the difference is the
  # security work alone.
  case $who in
    admin|control) mapfile -t hdrs < <(sign AKIDBENCHADMIN POST "$path" "$body" "$port") ;;
    *) mapfile -t hdrs < <(sign "$who" POST "$path" "$body") ;;
  esac
  line=$(wrk -t2 -c"$conns" -d"${secs}s" --latency -s "$dir/signed.lua" "$url" \
           -- POST "$path" "$body" "${hdrs[@]}" | grep '^RESULT')
  r=$(sed -E 's/.*rps=([0-9]+).*/\1/' <<<"$line")
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$who" "$round" "$r" \
    $(( $(server_cpu "$pid") - before )) $(( r * secs )) >>"$runs_file"
  printf '| %-11s | %-26s | %s |\n' "$label" "$(desc "$who")" \
    "$(sed -E 's/RESULT rps=([0-9]+) p50=([0-9.]+) p99=([0-9.]+) errors=([0-9]+) non2xx=([0-9]+)/\1 | \2 | \3 | \4 | \5/' <<<"$line")"
}

# Each caller against the baseline, from runs.tsv: the rounds summed, and
# the median of the rounds' own ratios, which one disturbed round cannot
# move far.
summary() {  # callers...
  python3 - "$runs_file" "$(getconf CLK_TCK)" "$@" <<'PY'
import statistics, sys
path, tck, callers = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
names = {"admin": "--auth off, administrator",
         "control": "control: a second auth off",
         "AKIDBENCHADMIN": "sigv4, administrator",
         "AKIDBENCHONE": "sigv4, one-tag user",
         "AKIDBENCHTWO": "sigv4, two-profile user"}
runs = {}
for line in open(path):
    op, who, rnd, rps, ticks, reqs = line.split()
    runs[(op, who, int(rnd))] = (int(rps), int(ticks) * 1e6 / tck / max(int(reqs), 1))
ops = sorted({k[0] for k in runs}, key=lambda o: o != "GetCase")
rounds = sorted({k[2] for k in runs})
print("| operation   | caller                     | req/s, summed | req/s, median | CPU µs/request | CPU, summed | CPU, median |")
print("|-------------|----------------------------|---------------|---------------|----------------|-------------|-------------|")
for op in ops:
    base = [runs[(op, "admin", r)] for r in rounds]
    for who in callers:
        mine = [runs[(op, who, r)] for r in rounds]
        rps_sum = 100 * sum(m[0] for m in mine) / sum(b[0] for b in base)
        rps_med = 100 * statistics.median(m[0] / b[0] for m, b in zip(mine, base))
        cpu = statistics.mean(m[1] for m in mine)
        cpu_sum = 100 * cpu / statistics.mean(b[1] for b in base)
        cpu_med = 100 * statistics.median(m[1] / b[1] for m, b in zip(mine, base))
        print("| %-11s | %-26s | %12.0f%% | %12.0f%% | %14.2f | %10.0f%% | %10.0f%% |"
              % (op, names[who], rps_sum, rps_med, cpu, cpu_sum, cpu_med))
PY
}

# --- instructions per request, under callgrind ------------------------------------

# Sends n requests on one keep-alive connection, signed by key (by the
# administrator's for "admin"), failing on any answer but 200.
send() {  # url key path body n
  python3 - "$@" "$secret" <<'PY'
import http.client, sys, urllib.parse
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
url, key, path, body, n, secret = sys.argv[1:7]
host = urllib.parse.urlparse(url).netloc
headers = {"Host": host, "Content-Type": "application/json"}
if True:  # the baseline's requests too, with a key the server does not check
    key = "AKIDBENCHADMIN" if key == "admin" else key
    req = AWSRequest(method="POST", url=url + path, data=body.encode(), headers=dict(headers))
    SigV4Auth(Credentials(key, secret), "cases", "us-east-1").add_auth(req)
    headers = dict(req.headers.items())
conn = http.client.HTTPConnection(host)
for _ in range(int(n)):
    conn.request("POST", path, body=body, headers=headers)
    r = conn.getresponse()
    r.read()
    assert r.status == 200, r.status
PY
}

# A server under callgrind on the bench store; sets cg_pid and cg_url.
# Runs inside the output pipeline's subshell, so stop_callgrind (not the
# EXIT trap, which cannot see it) ends it.
start_callgrind() {  # flags...
  local port
  port=$(free_port)
  copy_store "$dir/seed.db" "$dir/callgrind-$port.db"
  valgrind --tool=callgrind --callgrind-out-file="$dir/cg.%p" "$bin" \
    --listen "127.0.0.1:$port" --store "$dir/callgrind-$port.db" --log-level warn \
    --account-id "$account" --workers 1 "$@" 2>>"$dir/callgrind.log" &
  cg_pid=$!
  cg_url="http://127.0.0.1:$port"
  until curl -sf "$cg_url/health" >/dev/null; do
    kill -0 "$cg_pid" 2>/dev/null || { cat "$dir/callgrind.log" >&2; exit 1; }
    sleep 0.1
  done
}

stop_callgrind() {
  kill "$cg_pid" 2>/dev/null
  wait "$cg_pid" 2>/dev/null || true
}

# Instructions per request of n requests after a warm-up.
instructions() {  # key path body n
  local dump
  send "$cg_url" "$1" "$2" "$3" 20
  callgrind_control -z "$cg_pid" >/dev/null 2>&1
  send "$cg_url" "$1" "$2" "$3" "$4"
  callgrind_control -d "$cg_pid" >/dev/null 2>&1
  dump=$(ls -t "$dir/cg.$cg_pid".* | head -1)
  echo $(( $(awk '/^summary:/ {print $2}' "$dump") / $4 ))
}

instruction_table() {
  declare -A ins
  local op who p b n
  start_callgrind --auth off
  for op in GetCase SearchCases; do
    if [ "$op" = GetCase ]; then p=$get_path b=$get_body n=200; else p=$search_path b=$search_body n=40; fi
    ins[$op.admin]=$(instructions admin "$p" "$b" "$n")
  done
  stop_callgrind
  start_callgrind --credentials "$dir/credentials"
  for op in GetCase SearchCases; do
    if [ "$op" = GetCase ]; then p=$get_path b=$get_body n=200; else p=$search_path b=$search_body n=40; fi
    for who in "${callers[@]:1}"; do
      ins[$op.$who]=$(instructions "$who" "$p" "$b" "$n")
    done
  done
  stop_callgrind
  echo
  echo "## Instructions per request"
  echo
  echo "valgrind --tool=callgrind, user space only (system calls such as SQLite's file locks are not counted), one request at a time on a keep-alive connection, after 20 of warm-up."
  echo
  echo "| operation   | caller                    | instructions | vs baseline |"
  echo "|-------------|---------------------------|--------------|-------------|"
  for op in GetCase SearchCases; do
    for who in "${callers[@]}"; do
      printf '| %-11s | %-25s | %s | %s%% |\n' "$op" "$(desc "$who")" "${ins[$op.$who]}" \
        "$(( 100 * ${ins[$op.$who]} / ${ins[$op.admin]} ))"
    done
  done
}

{
  echo "# Security path benchmark"
  echo
  echo "$(date -u +%Y-%m-%d), $(nproc) cores (shared with other work: load average $(cut -d' ' -f1-3 /proc/loadavg)), $conns keep-alive connections, ${secs}s per run, $rounds rounds, wrk -t2 on the same machine."
  echo
  echo "Store: $cases cases, each tagged team=a and region=eu, so every caller sees every case and gets the same answers: the differences are the security path alone.  GetCase asks for two fields; SearchCases has no filter, 25 per page, with totalCount."
  echo
  echo '```'
  echo "$checks"
  echo '```'
  echo
  echo "## Throughput"
  echo
  echo "| operation   | caller                     | req/s | p50 ms | p99 ms | socket errors | non-2xx |"
  echo "|-------------|----------------------------|-------|--------|--------|---------------|---------|"
  for (( round = 1; round <= rounds; round++ )); do
    order=("${timed[@]}")
    if (( round % 2 == 0 )); then
      order=()
      for (( i = ${#timed[@]} - 1; i >= 0; i-- )); do order+=("${timed[i]}"); done
    fi
    for op in GetCase SearchCases; do
      if [ "$op" = GetCase ]; then p=$get_path b=$get_body; else p=$search_path b=$search_body; fi
      for who in "${order[@]}"; do
        run "$op" "$who" "$round" "$p" "$b"
      done
    done
  done
  echo
  echo "## Against the baseline (--auth off, administrator)"
  echo
  echo "Requests/s, and the server's CPU time per request (user + system, read from /proc around each run), each relative to the baseline's: the $rounds rounds summed, and the median of the per-round ratios (each round runs every caller back to back, so a slow spell of the machine falls mostly within one round).  The control does the baseline's work on a second server: its distance from 100% is the noise of this machine."
  echo
  summary "${timed[@]}"
  echo
  echo "The signature check alone, on this CPU (build/bench/sigv4_verify: parse and verify the GetCase request above, without HTTP; cold: after reading through 8 MiB, as a request's other work evicts it): $(build/bench/sigv4_verify 20000 | sed 's/^sigv4 parse+verify: //')."
  [ "${BENCH_CALLGRIND:-1}" = 1 ] && command -v valgrind >/dev/null && instruction_table
  cat <<'TXT'

## Where the cost goes

- sigv4, administrator against the baseline: the signature check alone:
  the body's and the canonical request's SHA-256 and one HMAC-SHA256 (the
  signing key is kept per credential and day, auth/signing_cache.h).
  Under callgrind this looks larger than it is: valgrind hides the CPU's
  SHA instructions, so each SHA-256 block counts ~1,900 instructions.
- a user against sigv4, administrator: the user's rights, kept between
  requests (auth/access.h) and checked against the case's tags, which
  GetCase reads for the answer anyway.
- SearchCases for a one-tag user: the tag is ANDed into the search; its
  page walks that tag's cases in update order (migration 008) and its
  totalCount is the kept count of the tag value (migration 007).
- SearchCases for a two-profile user: the OR of the two profiles is
  evaluated once per distinct tag set of the domain (migration 011,
  sqlite_search.c read_tagsets), however many cases carry it: the total
  is the sum of the kept counts of the sets it accepts, and its page
  walks the cases in update order, looking up each case's tag set in the
  list of accepted ones (one lookup a case rather than one per tag); the
  case read then takes the set from the walk instead of looking it up
  again, so the lookup replaces one the administrator's search makes too.
- Throughput and CPU time swing between runs of the same server on this
  shared machine: the control shows by how much.  The instruction counts
  do not swing, but overstate the signature as said above.
TXT
} | tee "$results_dir/results-auth.md"
