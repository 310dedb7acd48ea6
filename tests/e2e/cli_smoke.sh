#!/usr/bin/env bash
# End-to-end smoke test: drives a real casesd with the AWS CLI.
#
# Starts the server on a free loopback port with a fresh SQLite store, runs a
# short domain/field/layout/template/tag flow plus one error through
# `aws connectcases`, then stops the server with SIGTERM.  Every check counts
# as one test; the last line is "cli: N passed, N failed".
#
#   CASESD_BIN        server binary (default: build/casesd in the repo root)
#   CASESD_LOG_LEVEL  --log-level passed to the server (default: warn)
#   CLI_VERBOSE=1     print every CLI command and its output
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${CASESD_BIN:-$ROOT/build/casesd}
case $BIN in /*) ;; *) BIN=$ROOT/$BIN ;; esac

passed=0
failed=0
SERVER_PID=""
WORK=$(mktemp -d "${TMPDIR:-/tmp}/casesd-cli.XXXXXX")

ok()   { passed=$((passed + 1)); echo "ok   - $1"; }
fail() { failed=$((failed + 1)); echo "FAIL - $1${2:+: $2}"; }

summary() { echo "cli: $passed passed, $failed failed"; }

# Stops the server (if still running), counts a non-zero exit as a failure,
# prints the summary and removes the work directory.
finish() {
  local rc=0
  trap - EXIT INT TERM
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null
    local i
    for ((i = 0; i < 100; i++)); do
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$SERVER_PID" 2>/dev/null; then
      kill -KILL "$SERVER_PID" 2>/dev/null
      wait "$SERVER_PID" 2>/dev/null
      fail "server stops on SIGTERM" "still running 10 s after SIGTERM (killed)"
    else
      wait "$SERVER_PID"; rc=$?
      if [ "$rc" -eq 0 ]; then
        ok "server exits 0 on SIGTERM"
      else
        fail "server exits 0 on SIGTERM" "exit status $rc"
      fi
    fi
  elif [ -n "$SERVER_PID" ]; then
    wait "$SERVER_PID" 2>/dev/null; rc=$?
    fail "server still running at the end" "it had already exited with status $rc"
  fi
  if [ "$failed" -gt 0 ] && [ -s "$WORK/server.log" ]; then
    echo "--- last lines of the server log"
    tail -n 20 "$WORK/server.log"
  fi
  rm -rf "$WORK"
  summary
  [ "$failed" -eq 0 ] && exit 0 || exit 1
}
trap finish EXIT
trap 'exit 1' INT TERM

# ---------------------------------------------------------------- set-up ---

if ! command -v aws >/dev/null 2>&1; then
  fail "aws CLI on PATH" "not found"
  exit 1
fi
if [ ! -x "$BIN" ]; then
  fail "server binary" "$BIN is missing or not executable (run make)"
  exit 1
fi

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
ENDPOINT="http://127.0.0.1:$PORT"

"$BIN" --listen "127.0.0.1:$PORT" --store "$WORK/casesd.db" \
  --region us-east-1 --account-id 123456789012 \
  --log-level "${CASESD_LOG_LEVEL:-warn}" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!

ready=0
for ((i = 0; i < 100; i++)); do
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then break; fi
  body=$(python3 - "$ENDPOINT/health" 2>/dev/null <<'PY'
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=1) as r:
    print(r.status, r.read().decode())
PY
  ) || body=""
  if python3 -c 'import json,sys; s,_,b=sys.argv[1].partition(" "); sys.exit(0 if s=="200" and json.loads(b).get("status")=="ok" else 1)' "$body" 2>/dev/null; then
    ready=1; break
  fi
  sleep 0.1
done
if [ "$ready" -eq 1 ]; then
  ok "GET /health is 200 {\"status\":\"ok\"}"
else
  fail "server ready within 10 s" "GET /health never answered 200 {\"status\":\"ok\"}"
  exit 1
fi

export AWS_ACCESS_KEY_ID=AKIDTEST AWS_SECRET_ACCESS_KEY=x
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
export AWS_EC2_METADATA_DISABLED=true AWS_RETRY_MODE=standard AWS_MAX_ATTEMPTS=1
export AWS_PAGER=""
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_DEFAULT_PROFILE

# A service error ends the CLI with status 254 in AWS CLI v2 and 255 in v1.
case $(aws --version 2>&1) in
  aws-cli/1.*) SERVICE_ERROR_RC=255 ;;
  *)           SERVICE_ERROR_RC=254 ;;
esac

OUT=""   # stdout of the last cli call
ERR=""   # stderr of the last cli call
RC=0     # exit status of the last cli call

# cli SUBCOMMAND ARGS... : runs `aws connectcases` against the server.
cli() {
  OUT=$(aws connectcases "$@" --endpoint-url "$ENDPOINT" --region us-east-1 \
          --output json --cli-read-timeout 10 --cli-connect-timeout 5 2>"$WORK/err")
  RC=$?
  ERR=$(cat "$WORK/err")
  if [ "${CLI_VERBOSE:-0}" = 1 ]; then
    echo "\$ aws connectcases $*  (exit $RC)"
    [ -n "$OUT" ] && echo "$OUT"
    [ -n "$ERR" ] && echo "$ERR" >&2
  fi
  return 0
}

# jcheck NAME PYTHON-EXPR : after a cli call, evaluates PYTHON-EXPR with `d`
# bound to the parsed JSON output; passes when the call exited 0 and the
# expression is truthy.  A second line of output, if any, names the problem.
jcheck() {
  local name=$1 expr=$2 why
  if [ "$RC" -ne 0 ]; then
    fail "$name" "aws exited $RC: $(echo "$ERR" | tr '\n' ' ' | cut -c1-300)"
    return 1
  fi
  why=$(python3 -c '
import json, sys
try:
    d = json.loads(sys.argv[2] or "{}")
except ValueError as e:
    print("output is not JSON: %s" % e); sys.exit(1)
try:
    r = eval(sys.argv[1], {"d": d})
except Exception as e:
    print("%s: %s; output: %s" % (type(e).__name__, e, json.dumps(d)[:300])); sys.exit(1)
if not r:
    print("check `%s` is false; output: %s" % (sys.argv[1], json.dumps(d)[:300])); sys.exit(1)
' "$expr" "$OUT")
  if [ $? -eq 0 ]; then ok "$name"; return 0; fi
  fail "$name" "$why"
  return 1
}

# need NAME VALUE WHAT : fails check NAME (returning 1) when VALUE, which an
# earlier check should have produced, is empty.
need() {
  if [ -z "$2" ]; then fail "$1" "not run: no $3 from an earlier check"; return 1; fi
  return 0
}

# jget PYTHON-EXPR : prints the value of PYTHON-EXPR over the last output.
jget() {
  python3 -c 'import json,sys; d=json.loads(sys.argv[2]); print(eval(sys.argv[1], {"d": d}))' "$1" "$OUT" 2>/dev/null
}

# ------------------------------------------------------------------ tests ---

DOMAIN_NAME="cli-smoke-$$"

cli create-domain --name "$DOMAIN_NAME"
jcheck "create-domain returns id, ARN and Active status" \
  'isinstance(d.get("domainId"), str) and d["domainId"] and d.get("domainArn","").startswith("arn:") and d["domainArn"].endswith("/" + d["domainId"]) and d.get("domainStatus") == "Active"'
DOMAIN_ID=$(jget 'd["domainId"]')
DOMAIN_ARN=$(jget 'd["domainArn"]')
if [ -z "$DOMAIN_ID" ]; then
  fail "domain id available for the remaining checks" "create-domain gave none"
  exit 1
fi

cli get-domain --domain-id "$DOMAIN_ID"
jcheck "get-domain returns the domain" \
  "d.get('domainId') == '$DOMAIN_ID' and d.get('name') == '$DOMAIN_NAME' and d.get('domainArn') == '$DOMAIN_ARN' and d.get('domainStatus') == 'Active' and 'createdTime' in d"

cli list-domains
jcheck "list-domains includes the domain" \
  "any(x.get('domainId') == '$DOMAIN_ID' and x.get('name') == '$DOMAIN_NAME' and x.get('domainArn') == '$DOMAIN_ARN' for x in d.get('domains', []))"

cli create-field --domain-id "$DOMAIN_ID" --name "Priority note" --type Text --description "free text"
jcheck "create-field returns fieldId and fieldArn" \
  "isinstance(d.get('fieldId'), str) and d['fieldId'] and d.get('fieldArn','').startswith('arn:')"
FIELD_ID=$(jget 'd["fieldId"]')

name="list-fields has the new field and the system fields"
need "$name" "$FIELD_ID" "field id" && { cli list-fields --domain-id "$DOMAIN_ID"
jcheck "$name" \
  "any(f.get('fieldId') == '$FIELD_ID' and f.get('name') == 'Priority note' and f.get('type') == 'Text' and f.get('namespace') == 'Custom' for f in d.get('fields', [])) and {'title', 'status'} <= {f.get('fieldId') for f in d.get('fields', []) if f.get('namespace') == 'System'}"; }

# Uses the custom field when there is one, the system fields in any case.
BATCH_IDS='"title","status"'; [ -n "$FIELD_ID" ] && BATCH_IDS="\"$FIELD_ID\",$BATCH_IDS"
cli batch-get-field --domain-id "$DOMAIN_ID" \
  --fields "$(python3 -c 'import json,sys; print(json.dumps([{"id": i} for i in json.loads("[" + sys.argv[1] + "]") + ["no-such-field-id"]]))' "$BATCH_IDS")"
jcheck "batch-get-field returns found fields and reports the missing one" \
  "sorted(f.get('fieldId') for f in d.get('fields', [])) == sorted([$BATCH_IDS]) and [e.get('id') for e in d.get('errors', [])] == ['no-such-field-id']"

MORE_INFO_FIELD=${FIELD_ID:-summary}   # a system field when no custom one was made
LAYOUT_CONTENT="{\"basic\":{\"topPanel\":{\"sections\":[{\"fieldGroup\":{\"name\":\"Summary\",\"fields\":[{\"id\":\"summary\"},{\"id\":\"case_reason\"}]}}]},\"moreInfo\":{\"sections\":[{\"fieldGroup\":{\"fields\":[{\"id\":\"$MORE_INFO_FIELD\"}]}}]}}}"
cli create-layout --domain-id "$DOMAIN_ID" --name "Smoke layout" --content "$LAYOUT_CONTENT"
jcheck "create-layout returns layoutId and layoutArn" \
  "isinstance(d.get('layoutId'), str) and d['layoutId'] and d.get('layoutArn','').startswith('arn:')"
LAYOUT_ID=$(jget 'd["layoutId"]')

name="create-template returns templateId and templateArn"
TEMPLATE_ID=""
need "$name" "$LAYOUT_ID" "layout id" && {
cli create-template --domain-id "$DOMAIN_ID" --name "Smoke template" --description "for the smoke test" \
  --layout-configuration "{\"defaultLayout\":\"$LAYOUT_ID\"}" \
  --required-fields "[{\"fieldId\":\"title\"}]" --status Active
jcheck "$name" \
  "isinstance(d.get('templateId'), str) and d['templateId'] and d.get('templateArn','').startswith('arn:')"
TEMPLATE_ID=$(jget 'd["templateId"]'); }

name="get-template returns what was created"
need "$name" "$TEMPLATE_ID" "template id" && { cli get-template --domain-id "$DOMAIN_ID" --template-id "$TEMPLATE_ID"
jcheck "$name" \
  "d.get('templateId') == '$TEMPLATE_ID' and d.get('name') == 'Smoke template' and d.get('description') == 'for the smoke test' and d.get('status') == 'Active' and d.get('layoutConfiguration', {}).get('defaultLayout') == '$LAYOUT_ID' and d.get('requiredFields') == [{'fieldId': 'title'}]"; }

cli tag-resource --arn "$DOMAIN_ARN" --tags team=support,env=test
if [ "$RC" -eq 0 ]; then ok "tag-resource on the domain ARN"; else
  fail "tag-resource on the domain ARN" "aws exited $RC: $(echo "$ERR" | tr '\n' ' ' | cut -c1-300)"; fi

cli list-tags-for-resource --arn "$DOMAIN_ARN"
jcheck "list-tags-for-resource returns the tags" \
  "d.get('tags') == {'team': 'support', 'env': 'test'}"

cli get-domain --domain-id "00000000-0000-0000-0000-000000000000"
if [ "$RC" -eq "$SERVICE_ERROR_RC" ] && grep -q "ResourceNotFoundException" <<<"$ERR"; then
  ok "get-domain on a missing id fails with ResourceNotFoundException (exit $SERVICE_ERROR_RC)"
else
  fail "get-domain on a missing id fails with ResourceNotFoundException (exit $SERVICE_ERROR_RC)" \
    "exit $RC, stderr: $(echo "$ERR" | tr '\n' ' ' | cut -c1-300)"
fi

cli delete-domain --domain-id "$DOMAIN_ID"
if [ "$RC" -eq 0 ]; then ok "delete-domain"; else
  fail "delete-domain" "aws exited $RC: $(echo "$ERR" | tr '\n' ' ' | cut -c1-300)"; fi

cli get-domain --domain-id "$DOMAIN_ID"
if [ "$RC" -eq "$SERVICE_ERROR_RC" ] && grep -q "ResourceNotFoundException" <<<"$ERR"; then
  ok "get-domain after delete-domain is ResourceNotFoundException"
else
  fail "get-domain after delete-domain is ResourceNotFoundException" \
    "exit $RC, stdout: $(echo "$OUT" | tr '\n' ' ' | cut -c1-200) stderr: $(echo "$ERR" | tr '\n' ' ' | cut -c1-200)"
fi

exit 0   # the EXIT trap stops the server and prints the summary
