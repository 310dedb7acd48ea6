#!/usr/bin/env bash
# Configuration-API benchmark: requests/s and p50/p99 latency at 64
# keep-alive connections for GetTemplate, ListFields and CreateField, in the
# same run as the trivial /health endpoint (the ceiling); idle RSS; time
# from exec until the server answers.  Writes bench/results-config.md.
#
#   bench/run.sh [seconds-per-endpoint]   (default 10)
source "$(dirname "$0")/lib.sh"
secs=${1:-10}
conns=64

bench_start --quota fields=100000000
idle_rss=$(rss_mib)
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

{
  echo "# Configuration API benchmark"
  echo
  bench_header "$conns" "$secs"
  bench_row "$conns" "$secs" health      GET  /health
  bench_row "$conns" "$secs" GetTemplate POST "/domains/$domain/templates/$template" '{}'
  bench_row "$conns" "$secs" ListFields  POST "/domains/$domain/fields-list" '{}'
  bench_row "$conns" "$secs" CreateField POST "/domains/$domain/fields" '{"name":"bench field %d","type":"Text"}'
  echo
  echo "- ready to serve: ${ready_ms} ms after exec"
  echo "- idle RSS: ${idle_rss} MiB"
  echo "- RSS after the run: $(rss_mib) MiB"
} | tee "$results_dir/results-config.md"
