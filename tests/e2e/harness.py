"""End-to-end harness: runs the real casesd binary and talks to it with boto3.

One Server per TestCase class (see CasesTestCase).  Every test gets its own
random 12-digit account, so domains, quotas and listings never leak between
tests and the suite does not depend on test order.
"""

import contextlib
import datetime
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import uuid

import boto3
import botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("CASESD_BIN") or os.path.join(REPO_ROOT, "build", "casesd")
if not os.path.isabs(BIN):
    BIN = os.path.join(REPO_ROOT, BIN)

DEFAULT_ACCOUNT = "000000000000"
DEFAULT_REGION = "us-east-1"
HEALTH_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0

ERROR_STATUS = {
    "ValidationException": 400,
    "AccessDeniedException": 403,
    "ResourceNotFoundException": 404,
    "ConflictException": 409,
    "ServiceQuotaExceededException": 402,
    "ThrottlingException": 429,
    "InternalServerException": 500,
}

SYSTEM_FIELD_IDS = frozenset([
    "case_id", "title", "status", "customer_id", "reference_number", "summary",
    "case_reason", "created_datetime", "last_updated_datetime",
    "last_closed_datetime", "last_updated_user", "assigned_queue",
    "assigned_user", "next_sla_breach_datetime", "last_reopened_datetime",
])

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
ISO8601_RE = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})$")

_botocore_session = botocore.session.get_session()
_session_lock = threading.Lock()


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def random_account():
    while True:
        acct = "%012d" % random.randrange(10 ** 11, 10 ** 12)
        if acct != DEFAULT_ACCOUNT:
            return acct


def unique(prefix="n"):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:12])


def make_client(endpoint, account=DEFAULT_ACCOUNT, region=DEFAULT_REGION,
                validate=True):
    cfg = Config(retries={"max_attempts": 1}, connect_timeout=5,
                 read_timeout=20, parameter_validation=validate)
    with _session_lock:
        return boto3.session.Session(botocore_session=_botocore_session).client(
            "connectcases", endpoint_url=endpoint, region_name=region,
            aws_access_key_id=account, aws_secret_access_key="x", config=cfg)


class RawResponse:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers          # lower-cased names
        self.body = body                # bytes

    def json(self):
        return json.loads(self.body.decode("utf-8")) if self.body else None

    def header(self, name):
        return self.headers.get(name.lower())

    def __repr__(self):
        return "RawResponse(%d, %r, %r)" % (self.status, self.headers, self.body[:300])


class Server:
    """A casesd process on a free port with its own temporary store."""

    def __init__(self, args=(), env=None, store_dir=None):
        self.args = list(args)
        self.extra_env = dict(env or {})
        self._own_dir = store_dir is None
        self.dir = store_dir or tempfile.mkdtemp(prefix="casesd-e2e-")
        self.store = os.path.join(self.dir, "cases.db")
        self.proc = None
        self.port = None
        self.stderr_path = None
        self._stderr_file = None
        self._runs = 0
        self._clients = {}

    # ---- lifecycle -------------------------------------------------------
    @property
    def endpoint(self):
        return "http://127.0.0.1:%d" % self.port

    def start(self):
        if not os.path.exists(BIN):
            raise RuntimeError("casesd binary not found at %s (set CASESD_BIN or run make)" % BIN)
        self.port = free_port()
        self._runs += 1
        self.stderr_path = os.path.join(self.dir, "stderr.%d.log" % self._runs)
        self._stderr_file = open(self.stderr_path, "wb")
        cmd = [BIN, "--listen", "127.0.0.1:%d" % self.port, "--store", self.store,
               "--log-level", "warn"] + self.args
        # The server reads its configuration from CASESD_* too: start from none of it.
        env = {k: v for k, v in os.environ.items() if not k.startswith("CASESD_")}
        env.update(self.extra_env)
        self.proc = subprocess.Popen(cmd, stdout=self._stderr_file,
                                     stderr=subprocess.STDOUT, env=env)
        self._clients = {}
        self.wait_healthy()
        return self

    def wait_healthy(self, timeout=HEALTH_TIMEOUT):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("casesd exited with %s during start-up:\n%s"
                                   % (self.proc.returncode, self.stderr_text()))
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/health")
                r = conn.getresponse()
                body = r.read()
                conn.close()
                if r.status == 200:
                    return
                last = "status %d %r" % (r.status, body[:200])
            except OSError as e:
                last = repr(e)
            time.sleep(0.02)
        self.kill9()
        raise RuntimeError("casesd not healthy after %.0fs (%s):\n%s"
                           % (timeout, last, self.stderr_text()))

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        """SIGTERM and wait; returns the exit code (None if it had to be killed)."""
        if self.proc is None:
            return 0
        rc = self.proc.poll()
        if rc is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                rc = self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                rc = None
        self._close_log()
        self.proc = None
        return rc

    def kill9(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
        self._close_log()
        self.proc = None

    def _close_log(self):
        if self._stderr_file is not None:
            self._stderr_file.close()
            self._stderr_file = None

    def cleanup(self):
        if self._own_dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    def stderr_text(self, limit=6000):
        try:
            with open(self.stderr_path, "rb") as f:
                data = f.read()
        except (OSError, TypeError):
            return ""
        return data[-limit:].decode("utf-8", "replace")

    # ---- clients ---------------------------------------------------------
    def client(self, account=DEFAULT_ACCOUNT, region=DEFAULT_REGION, validate=True):
        key = (account, region, validate, self.port)
        c = self._clients.get(key)
        if c is None:
            c = make_client(self.endpoint, account, region, validate)
            self._clients[key] = c
        return c

    def raw(self, method, path, body=None, headers=None, account=DEFAULT_ACCOUNT,
            region=DEFAULT_REGION, sign=True, timeout=20):
        """Sends one HTTP request; body may be bytes, str or a JSON-able object."""
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode("utf-8")
        hdrs = {"Host": "127.0.0.1:%d" % self.port}
        if body is not None:
            hdrs["Content-Type"] = "application/json"
        hdrs.update(headers or {})
        if sign:
            req = AWSRequest(method=method, url=self.endpoint + path, data=body or b"",
                             headers=hdrs)
            SigV4Auth(Credentials(account, "x"), "cases", region).add_auth(req)
            hdrs = dict(req.headers.items())
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=hdrs)
            r = conn.getresponse()
            data = r.read()
            return RawResponse(r.status, {k.lower(): v for k, v in r.getheaders()}, data)
        finally:
            conn.close()

    def raw_oversized(self, method, path, size, timeout=20):
        """Streams a body of size bytes; tolerates the server closing early."""
        prefix = b'{"name":"'
        suffix = b'"}'
        fill = size - len(prefix) - len(suffix)
        head = ("%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\n"
                "Authorization: AWS4-HMAC-SHA256 Credential=%s/20240101/%s/cases/aws4_request, "
                "SignedHeaders=host, Signature=00\r\nX-Amz-Date: 20240101T000000Z\r\n"
                "Content-Length: %d\r\nConnection: close\r\n\r\n"
                % (method, path, self.port, DEFAULT_ACCOUNT, DEFAULT_REGION, size)).encode()
        s = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        try:
            try:
                s.sendall(head + prefix)
                chunk = b"a" * 65536
                left = fill
                while left > 0:
                    n = min(left, len(chunk))
                    s.sendall(chunk[:n])
                    left -= n
                s.sendall(suffix)
            except OSError:
                pass
            data = b""
            try:
                while True:
                    part = s.recv(65536)
                    if not part:
                        break
                    data += part
                    if b"\r\n\r\n" in data and _complete(data):
                        break
            except OSError:
                pass
        finally:
            s.close()
        if not data:
            raise AssertionError("no HTTP response to a %d-byte body" % size)
        head_part, _, body = data.partition(b"\r\n\r\n")
        lines = head_part.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        return RawResponse(status, headers, body)


def _complete(data):
    head, _, body = data.partition(b"\r\n\r\n")
    m = re.search(rb"(?i)\r\ncontent-length:\s*(\d+)", head)
    return m is not None and len(body) >= int(m.group(1))


class _AwsErrorContext:
    def __init__(self, tc, code, status):
        self.tc = tc
        self.code = code
        self.status = status
        self.exception = None

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.tc.fail("expected %s (HTTP %s), but the call succeeded" % (self.code, self.status))
        if not issubclass(exc_type, ClientError):
            return False
        self.exception = exc
        got_code = exc.response.get("Error", {}).get("Code")
        got_status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        self.tc.assertEqual(
            (got_code, got_status), (self.code, self.status),
            "expected %s/%s, got %s/%s: %s" % (self.code, self.status, got_code, got_status,
                                               exc.response.get("Error", {}).get("Message")))
        return True


class CasesTestCase(unittest.TestCase):
    """Base class: one casesd per class, a fresh account per test."""

    server_args = ()
    server_env = None
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = Server(cls.server_args, env=cls.server_env)
        # A class cleanup runs even when setUpClass fails half-way.
        cls.addClassCleanup(cls._stop_server, cls.server)
        cls.server.start()

    @staticmethod
    def _stop_server(srv):
        rc = srv.stop()
        log = srv.stderr_text()
        srv.cleanup()
        if rc != 0:
            raise AssertionError("casesd did not exit cleanly on SIGTERM (exit %s); log:\n%s"
                                 % (rc, log))

    def setUp(self):
        self.t0 = datetime.datetime.now(datetime.timezone.utc)
        self.account = random_account()
        self.cc = self.server.client(account=self.account)
        # Same identity, but boto3 does not check shapes: lets the server judge.
        self.nv = self.server.client(account=self.account, validate=False)

    def run(self, result=None):
        before = None
        if result is not None:
            before = len(result.failures) + len(result.errors)
        out = super().run(result)
        if result is not None and len(result.failures) + len(result.errors) > before:
            srv = getattr(type(self), "server", None)
            if srv is not None:
                alive = srv.alive()
                sys.stdout.write("\n---- casesd log (%s; process %s) ----\n%s\n---- end ----\n"
                                 % (self.id(), "alive" if alive else "NOT RUNNING",
                                    srv.stderr_text(3000)))
        return out

    # ---- helpers ---------------------------------------------------------
    def client(self, account=None, region=DEFAULT_REGION, validate=True):
        return self.server.client(account=account or self.account, region=region,
                                  validate=validate)

    def new_domain(self, client=None, name=None):
        c = client or self.cc
        r = c.create_domain(name=name or unique("dom"))
        return r["domainId"]

    def new_field(self, domain, ftype="Text", name=None, client=None, **kw):
        c = client or self.cc
        r = c.create_field(domainId=domain, name=name or unique("fld"), type=ftype, **kw)
        return r["fieldId"]

    def new_layout(self, domain, fields=(), more=(), name=None, client=None):
        c = client or self.cc
        r = c.create_layout(domainId=domain, name=name or unique("lay"),
                            content=basic_layout(fields, more))
        return r["layoutId"]

    def new_template(self, domain, name=None, client=None, **kw):
        c = client or self.cc
        r = c.create_template(domainId=domain, name=name or unique("tpl"), **kw)
        return r["templateId"]

    def domain_arn(self, domain, account=None, region=DEFAULT_REGION):
        return "arn:aws:cases:%s:%s:domain/%s" % (region, account or self.account, domain)

    def sub_arn(self, domain, kind, rid, account=None, region=DEFAULT_REGION):
        return "%s/%s/%s" % (self.domain_arn(domain, account, region), kind, rid)

    def assertAwsError(self, *args, status=None, **kwargs):
        """assertAwsError(callable, code, status=N, *call args) or as a context manager:
        `with self.assertAwsError("ValidationException", status=400): ...`"""
        if args and callable(args[0]):
            fn, code = args[0], args[1]
            call_args = args[2:]
        else:
            fn, code, call_args = None, args[0], ()
        if status is None:
            status = ERROR_STATUS[code]
        ctx = _AwsErrorContext(self, code, status)
        if fn is None:
            return ctx
        with ctx:
            fn(*call_args, **kwargs)
        return ctx.exception

    def assertRecent(self, ts, slack=5.0):
        self.assertIsInstance(ts, datetime.datetime, "timestamp %r is not parsed as ISO-8601" % (ts,))
        self.assertIsNotNone(ts.tzinfo)
        now = datetime.datetime.now(datetime.timezone.utc)
        lo = self.t0 - datetime.timedelta(seconds=slack)
        hi = now + datetime.timedelta(seconds=slack)
        self.assertTrue(lo <= ts <= hi, "timestamp %s not within [%s, %s]" % (ts, lo, hi))

    def assertNotFound(self, fn, resource_id=None, **kwargs):
        exc = self.assertAwsError(lambda: fn(**kwargs), "ResourceNotFoundException", status=404)
        if resource_id is not None:
            self.assertEqual(exc.response.get("resourceId"), resource_id, exc.response)
        self.assertTrue(exc.response.get("resourceType"), "404 without resourceType: %r" % exc.response)
        return exc

    def assertValidation(self, fn, **kwargs):
        """kwargs go to fn (they may include API members such as `status`)."""
        return self.assertAwsError(lambda: fn(**kwargs), "ValidationException", status=400)

    def assertConflict(self, fn, **kwargs):
        return self.assertAwsError(lambda: fn(**kwargs), "ConflictException", status=409)

    def assertQuota(self, fn, **kwargs):
        return self.assertAwsError(lambda: fn(**kwargs), "ServiceQuotaExceededException",
                                   status=402)


def basic_layout(top=(), more=(), top_name="Top", more_name="More"):
    content = {"basic": {}}
    if top is not None:
        content["basic"]["topPanel"] = {"sections": [{"fieldGroup": {
            "name": top_name, "fields": [{"id": f} for f in top]}}]}
    if more is not None:
        content["basic"]["moreInfo"] = {"sections": [{"fieldGroup": {
            "name": more_name, "fields": [{"id": f} for f in more]}}]}
    return content


def layout_field_ids(content):
    out = []
    for panel in ("topPanel", "moreInfo"):
        for sec in content.get("basic", {}).get(panel, {}).get("sections", []):
            out.extend(f["id"] for f in sec.get("fieldGroup", {}).get("fields", []))
    return out


def walk(fn, key, id_key=None, page_size=None, tc=None, **kwargs):
    """Follows nextToken to the end; returns (items, pages).  With tc set it
    checks page sizes and that a page never comes back empty mid-walk."""
    items, pages, token, seen_tokens = [], 0, None, set()
    while True:
        args = dict(kwargs)
        if page_size is not None:
            args["maxResults"] = page_size
        if token:
            args["nextToken"] = token
        r = fn(**args)
        pages += 1
        page = r[key]
        if tc is not None and page_size is not None:
            tc.assertLessEqual(len(page), page_size, "page larger than maxResults")
        items.extend(page)
        token = r.get("nextToken")
        if not token:
            return items, pages
        if tc is not None:
            tc.assertNotIn(token, seen_tokens, "nextToken repeated: endless listing")
        seen_tokens.add(token)
        if pages > 2000:
            raise AssertionError("listing did not end after 2000 pages")


def run_concurrently(n, fn, endpoint, account, region=DEFAULT_REGION):
    """Runs fn(client) on n threads released together.  Returns, per thread,
    fn's result or (error code, HTTP status) for an AWS error."""
    clients = [make_client(endpoint, account, region) for _ in range(n)]
    barrier = threading.Barrier(n)
    out = [None] * n

    def work(i):
        barrier.wait()
        try:
            out[i] = fn(clients[i])
        except ClientError as e:
            out[i] = (e.response["Error"]["Code"],
                      e.response["ResponseMetadata"]["HTTPStatusCode"])
        except Exception as e:  # transport failure: keep it visible in the result
            out[i] = ("transport", repr(e))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return out


@contextlib.contextmanager
def started(args=(), env=None, store_dir=None):
    srv = Server(args, env=env, store_dir=store_dir)
    srv.start()
    try:
        yield srv
    finally:
        if srv.alive():
            srv.stop()
        srv.cleanup()
