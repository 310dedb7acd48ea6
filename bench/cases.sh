#!/usr/bin/env bash
# Cases benchmark: CreateCase with 10 fields (3 custom) and GetCase of 10
# fields at 64 keep-alive connections, in the same run as /health; then RSS
# after loading N cases (default 1,000,000) through CreateCase.
# Durable commits throughout (every acknowledged case is fsynced).
# Writes bench/results-cases.md.
#
#   bench/cases.sh [seconds-per-endpoint] [cases-for-rss]
source "$(dirname "$0")/lib.sh"
secs=${1:-10}
load=${2:-1000000}
conns=64

bench_start
read -r domain template case_id f1 f2 f3 <<<"$(python3 - "$url" <<'PY'
import sys, boto3
c = boto3.client("connectcases", endpoint_url=sys.argv[1], region_name="us-east-1",
                 aws_access_key_id="AKIDBENCH", aws_secret_access_key="x")
d = c.create_domain(name="bench")["domainId"]
f1 = c.create_field(domainId=d, name="Order", type="Text")["fieldId"]
f2 = c.create_field(domainId=d, name="Amount", type="Number")["fieldId"]
f3 = c.create_field(domainId=d, name="Priority", type="SingleSelect")["fieldId"]
c.batch_put_field_options(domainId=d, fieldId=f3, options=[
    {"name": "High", "value": "high", "active": True}])
c.batch_put_field_options(domainId=d, fieldId="case_reason", options=[
    {"name": "Billing", "value": "billing", "active": True}])
t = c.create_template(domainId=d, name="bench", requiredFields=[{"fieldId": "title"}])["templateId"]
case = c.create_case(domainId=d, templateId=t, fields=[
    {"id": "title", "value": {"stringValue": "first"}},
    {"id": "customer_id", "value": {"stringValue": "arn:aws:profile:us-east-1:000000000000:domains/d/profiles/p"}}])
print(d, t, case["caseId"], f1, f2, f3)
PY
)"

create_body=$(cat <<JSON
{"templateId":"$template","fields":[
 {"id":"title","value":{"stringValue":"Bench case %d"}},
 {"id":"customer_id","value":{"stringValue":"arn:aws:profile:us-east-1:000000000000:domains/d/profiles/p%d"}},
 {"id":"status","value":{"stringValue":"open"}},
 {"id":"summary","value":{"stringValue":"The customer reported a problem with order %d"}},
 {"id":"assigned_queue","value":{"stringValue":"arn:aws:connect:us-east-1:000000000000:instance/i/queue/q"}},
 {"id":"assigned_user","value":{"userArnValue":"arn:aws:connect:us-east-1:000000000000:instance/i/agent/a%d"}},
 {"id":"case_reason","value":{"stringValue":"billing"}},
 {"id":"$f1","value":{"stringValue":"ORD-%d"}},
 {"id":"$f2","value":{"doubleValue":42.5}},
 {"id":"$f3","value":{"stringValue":"high"}}]}
JSON
)
create_body=$(tr -d '\n' <<<"$create_body")
get_body="{\"fields\":[{\"id\":\"title\"},{\"id\":\"customer_id\"},{\"id\":\"status\"},{\"id\":\"summary\"},{\"id\":\"assigned_queue\"},{\"id\":\"created_datetime\"},{\"id\":\"last_updated_datetime\"},{\"id\":\"$f1\"},{\"id\":\"$f2\"},{\"id\":\"$f3\"}]}"

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
} | tee bench/results-cases.md

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
echo "- RSS with $have cases in the store: $(rss_mib) MiB" | tee -a bench/results-cases.md
