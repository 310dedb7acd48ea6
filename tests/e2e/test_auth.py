"""Authentication: --credentials, --auth sigv4|off, --insecure.

A credentials file with three principals (two in account 111111111111, one
in 222222222222) backs a server in --auth sigv4 mode; every failure mode of
a signature is driven through boto3, or through botocore's signer on a raw
request where boto3 cannot produce the fault.  Start-up refusals and file
errors run the binary directly.
"""

import datetime
import http.client
import json
import os
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request
from unittest import mock

import boto3
from botocore import UNSIGNED
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

from harness import BIN, DEFAULT_REGION, CasesTestCase, free_port, unique

ALICE = ("AKIDALICEEXAMPLE", "alice-Secret/Key+0123456789abcdef", "111111111111",
         "arn:aws:iam::111111111111:user/alice",
         "arn:aws:connect:us-east-1:111111111111:instance/inst-1/agent/user-1")
CAROL = ("AKIDCAROLEXAMPLE", "carol-secret-9f8e7d6c5b4a", "111111111111",
         "arn:aws:sts::111111111111:assumed-role/case-bot/session-1", None)
BOB = ("AKIDBOBEXAMPLE", "bob-secret-0a1b2c3d4e5f", "222222222222",
       "arn:aws:iam::222222222222:user/bob", None)
PRINCIPALS = (ALICE, CAROL, BOB)
SECRETS = [p[1] for p in PRINCIPALS]


def credentials_text(principals=PRINCIPALS):
    lines = ["# access-key-id  secret  account  principal-arn  [connect-user-arn]", ""]
    for p in principals:
        lines.append("  ".join(x for x in p if x))
    return "\n".join(lines) + "\n"


def write_file(directory, name, text):
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o600)
    return path


def client_for(endpoint, key, secret, service="connectcases", **cfg):
    config = Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=20, **cfg)
    return boto3.session.Session().client(
        service, endpoint_url=endpoint, region_name=DEFAULT_REGION,
        aws_access_key_id=key, aws_secret_access_key=secret, config=config)


def shifted_clock(delta):
    """Patches the clock botocore's signers read, by delta (a timedelta)."""
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    return mock.patch("botocore.auth.get_current_datetime", return_value=now + delta)


def wait_healthy(port, proc, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/health")
            if conn.getresponse().status == 200:
                return True
        except OSError:
            pass
        finally:
            conn.close()
        time.sleep(0.05)
    return False


def run_binary(args, timeout=10):
    """Runs casesd expecting it to exit on its own; returns (code, output)."""
    proc = subprocess.run([BIN] + list(args), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=timeout)
    return proc.returncode, proc.stdout.decode("utf-8", "replace")


class SignedServerTest(CasesTestCase):
    """casesd --credentials FILE (so --auth sigv4 by default)."""

    @classmethod
    def setUpClass(cls):
        cls.creds_dir = tempfile.mkdtemp(prefix="casesd-auth-")
        cls.creds = write_file(cls.creds_dir, "credentials", credentials_text())
        # info level: the access log is part of what is checked
        cls.server_args = ("--credentials", cls.creds, "--log-level", "info")
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        for name in os.listdir(cls.creds_dir):
            os.unlink(os.path.join(cls.creds_dir, name))
        os.rmdir(cls.creds_dir)

    def signed(self, who, **kw):
        return client_for(self.server.endpoint, who[0], who[1], **kw)

    def assertAuthError(self, code, fn, *args, **kwargs):
        exc = self.assertAwsError(code, status=403)
        with exc:
            fn(*args, **kwargs)
        return exc.exception

    def send_raw(self, method, path, body, headers):
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=20)
        try:
            conn.request(method, path, body=body, headers=headers)
            r = conn.getresponse()
            return r.status, dict((k.lower(), v) for k, v in r.getheaders()), r.read()
        finally:
            conn.close()

    def sign_raw(self, who, method, path, body, service="cases"):
        req = AWSRequest(method=method, url=self.server.endpoint + path, data=body,
                         headers={"Content-Type": "application/json"})
        SigV4Auth(Credentials(who[0], who[1]), service, DEFAULT_REGION).add_auth(req)
        return dict(req.headers.items())

    # ---- accepted ----------------------------------------------------------
    def test_signed_client_works(self):
        c = self.signed(ALICE)
        domain = c.create_domain(name=unique("auth"))["domainId"]
        got = c.get_domain(domainId=domain)
        self.assertEqual(got["domainArn"],
                         "arn:aws:cases:us-east-1:111111111111:domain/%s" % domain)

    def test_principal_account_is_the_scope(self):
        alice, carol, bob = self.signed(ALICE), self.signed(CAROL), self.signed(BOB)
        domain = alice.create_domain(name=unique("scoped"))["domainId"]
        self.assertIn(domain, [d["domainId"] for d in carol.list_domains()["domains"]])
        self.assertNotIn(domain, [d["domainId"] for d in bob.list_domains()["domains"]])
        with self.assertAwsError("ResourceNotFoundException", status=404):
            bob.get_domain(domainId=domain)

    def test_presigned_url_works(self):
        c = self.signed(ALICE)
        domain = c.create_domain(name=unique("presign"))["domainId"]
        arn = c.get_domain(domainId=domain)["domainArn"]
        c.tag_resource(arn=arn, tags={"team": "auth"})
        url = c.generate_presigned_url("list_tags_for_resource", Params={"arn": arn},
                                       ExpiresIn=300)
        self.assertIn("X-Amz-Signature=", url)
        with urllib.request.urlopen(url, timeout=20) as r:
            self.assertEqual(r.status, 200)
            self.assertEqual(json.loads(r.read())["tags"], {"team": "auth"})

    def test_expired_presigned_url_fails(self):
        c = self.signed(ALICE)
        arn = "arn:aws:cases:us-east-1:111111111111:domain/%s" % unique("d")
        with shifted_clock(datetime.timedelta(hours=-2)):
            url = c.generate_presigned_url("list_tags_for_resource",
                                           Params={"arn": arn}, ExpiresIn=60)
        with self.assertRaises(urllib.error.HTTPError) as cm:
            urllib.request.urlopen(url, timeout=20)
        self.assertEqual(cm.exception.code, 403)
        self.assertEqual(cm.exception.headers.get("x-amzn-ErrorType"),
                         "InvalidSignatureException")
        self.assertIn("expired", json.loads(cm.exception.read())["message"])

    def test_health_needs_no_signature(self):
        status, _, body = self.send_raw("GET", "/health", None, {})
        self.assertEqual((status, json.loads(body)), (200, {"status": "ok"}))

    # ---- refused -----------------------------------------------------------
    def test_unsigned_request_is_refused(self):
        c = client_for(self.server.endpoint, "x", "y", signature_version=UNSIGNED)
        exc = self.assertAuthError("MissingAuthenticationTokenException", c.list_domains)
        self.assertEqual(exc.response["Error"]["Message"], "Missing Authentication Token")

    def test_unsigned_unknown_path_is_refused_before_routing(self):
        status, headers, _ = self.send_raw("GET", "/no/such/path", None, {})
        self.assertEqual(status, 403)
        self.assertEqual(headers.get("x-amzn-errortype"),
                         "MissingAuthenticationTokenException")

    def test_unknown_access_key(self):
        c = client_for(self.server.endpoint, "AKIDNOBODY", ALICE[1])
        exc = self.assertAuthError("UnrecognizedClientException", c.list_domains)
        self.assertEqual(exc.response["Error"]["Message"],
                         "The security token included in the request is invalid.")

    def test_wrong_secret(self):
        c = client_for(self.server.endpoint, ALICE[0], "not-alices-secret")
        exc = self.assertAuthError("InvalidSignatureException", c.list_domains)
        self.assertIn("does not match", exc.response["Error"]["Message"])

    def test_clock_skew_past(self):
        c = self.signed(ALICE)
        with shifted_clock(datetime.timedelta(minutes=-16)):
            exc = self.assertAuthError("InvalidSignatureException", c.list_domains)
        self.assertIn("Signature expired", exc.response["Error"]["Message"])

    def test_clock_skew_future(self):
        c = self.signed(ALICE)
        with shifted_clock(datetime.timedelta(minutes=16)):
            exc = self.assertAuthError("InvalidSignatureException", c.list_domains)
        self.assertIn("not yet current", exc.response["Error"]["Message"])

    def test_small_skew_is_accepted(self):
        c = self.signed(ALICE)
        with shifted_clock(datetime.timedelta(minutes=-10)):
            c.list_domains()
        with shifted_clock(datetime.timedelta(minutes=10)):
            c.list_domains()

    def test_tampered_body(self):
        body = json.dumps({"name": unique("tamper")}).encode()
        headers = self.sign_raw(ALICE, "POST", "/domains", body)
        status, _, _ = self.send_raw("POST", "/domains", body, headers)
        self.assertEqual(status, 200)
        body = json.dumps({"name": unique("tamper")}).encode()
        headers = self.sign_raw(ALICE, "POST", "/domains", body)
        tampered = body.replace(b"tamper", b"Tamper")
        status, hdrs, _ = self.send_raw("POST", "/domains", tampered, headers)
        self.assertEqual((status, hdrs.get("x-amzn-errortype")),
                         (403, "InvalidSignatureException"))

    def test_foreign_service_scope(self):
        body = b"{}"
        headers = self.sign_raw(ALICE, "POST", "/domains-list", body, service="s3")
        status, hdrs, _ = self.send_raw("POST", "/domains-list", body, headers)
        self.assertEqual((status, hdrs.get("x-amzn-errortype")),
                         (403, "InvalidSignatureException"))

    def test_connect_scope_uses_the_connect_model(self):
        c = client_for(self.server.endpoint, ALICE[0], ALICE[1], service="connect")
        # Served from the connect model: a Connect operation casesd
        # implements answers, one it does not is named in the error.
        self.assertEqual(c.list_users(InstanceId="inst-1")["UserSummaryList"], [])
        with self.assertAwsError("UnknownOperationException", status=404) as ctx:
            c.list_queues(InstanceId="inst-1")
        self.assertIn("ListQueues", ctx.exception.response["Error"]["Message"])
        bad = client_for(self.server.endpoint, ALICE[0], "wrong", service="connect")
        self.assertAuthError("InvalidSignatureException", bad.list_users,
                             InstanceId="inst-1")

    def test_access_log_names_principal_and_hides_secrets(self):
        self.signed(ALICE).list_domains()
        self.signed(BOB).list_domains()
        for p in PRINCIPALS:
            with self.assertRaises(Exception):
                client_for(self.server.endpoint, p[0], p[1] + "x").list_domains()
        log = ""
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and BOB[3] not in log:
            time.sleep(0.05)
            log = self.server.stderr_text(1 << 20)
        self.assertIn("principal=" + ALICE[3], log)
        self.assertIn("principal=" + BOB[3], log)
        for secret in SECRETS:
            self.assertNotIn(secret, log)


class AuthOffTest(CasesTestCase):
    """casesd --credentials FILE --auth off: signatures are not checked."""

    @classmethod
    def setUpClass(cls):
        cls.creds_dir = tempfile.mkdtemp(prefix="casesd-auth-")
        cls.creds = write_file(cls.creds_dir, "credentials", credentials_text())
        cls.server_args = ("--credentials", cls.creds, "--auth", "off")
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        os.unlink(cls.creds)
        os.rmdir(cls.creds_dir)

    def test_any_signature_is_accepted(self):
        c = client_for(self.server.endpoint, ALICE[0], "whatever")
        domain = c.create_domain(name=unique("off"))["domainId"]
        # a known key still acts in its principal's account
        arn = c.get_domain(domainId=domain)["domainArn"]
        self.assertIn(":111111111111:domain/", arn)
        other = client_for(self.server.endpoint, "333333333333", "anything")
        self.assertNotIn(domain, [d["domainId"] for d in other.list_domains()["domains"]])

    def test_unsigned_is_accepted(self):
        c = client_for(self.server.endpoint, "x", "y", signature_version=UNSIGNED)
        c.list_domains()


class StartupTest(unittest.TestCase):
    """Refusals at start-up: the binary exits non-zero with a message."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="casesd-auth-")
        self.store = os.path.join(self.dir, "cases.db")

    def tearDown(self):
        for name in os.listdir(self.dir):
            os.unlink(os.path.join(self.dir, name))
        os.rmdir(self.dir)

    def base_args(self, host="127.0.0.1"):
        return ["--listen", "%s:%d" % (host, free_port()), "--store", self.store]

    def test_auth_off_on_public_address_is_refused(self):
        for extra in ([], ["--auth", "off"]):
            code, out = run_binary(self.base_args("0.0.0.0") + extra)
            self.assertNotEqual(code, 0, out)
            self.assertIn("--insecure", out)
            self.assertIn("0.0.0.0", out)

    def test_insecure_allows_auth_off_on_public_address(self):
        port = free_port()
        proc = subprocess.Popen([BIN, "--listen", "0.0.0.0:%d" % port, "--store", self.store,
                                 "--insecure"], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT)
        try:
            self.assertTrue(wait_healthy(port, proc), "casesd did not start")
        finally:
            proc.terminate()
            out = proc.communicate(timeout=10)[0].decode("utf-8", "replace")
        self.assertEqual(proc.returncode, 0, out)
        self.assertIn("auth off", out)

    def test_sigv4_needs_credentials(self):
        code, out = run_binary(self.base_args() + ["--auth", "sigv4"])
        self.assertNotEqual(code, 0, out)
        self.assertIn("--credentials", out)

    def test_bad_auth_mode(self):
        code, out = run_binary(self.base_args() + ["--auth", "maybe"])
        self.assertNotEqual(code, 0, out)

    def check_file_error(self, text, line, fragment):
        path = write_file(self.dir, "creds", text)
        code, out = run_binary(self.base_args() + ["--credentials", path])
        self.assertNotEqual(code, 0, out)
        self.assertIn("%s:%d: " % (path, line), out)
        self.assertIn(fragment, out)
        for secret in SECRETS:
            self.assertNotIn(secret, out)
        return out

    def test_credentials_file_errors_name_the_line(self):
        good = credentials_text()  # lines 1-2 are a comment and a blank line
        a, c = "  ".join(ALICE), "  ".join(x for x in CAROL if x)
        self.check_file_error(good + "AKIDX  only-three  111111111111\n", 6,
                              "expected 4 or 5 fields")
        self.check_file_error(good + "AKIDX  %s  1111  %s\n" % (BOB[1], BOB[3]), 6,
                              "account id")
        self.check_file_error(good + "AKIDX  %s  222222222222  user/bob\n" % BOB[1], 6,
                              "principal ARN")
        self.check_file_error(good + "AKIDX  %s  111111111111  %s\n" % (BOB[1], BOB[3]), 6,
                              "different account")
        self.check_file_error(a + "\n" + c + "\n" + a + "\n", 3, "duplicate access key id")
        self.check_file_error("%s  %s  111111111111  %s  arn:aws:connect:x\n"
                              % (ALICE[0], ALICE[1], ALICE[3]), 1, "Connect user ARN")
        self.check_file_error("%s  %s  111111111111  %s\n"
                              % ("K" * 129, ALICE[1], ALICE[3]), 1, "longer than")

    def test_missing_credentials_file(self):
        code, out = run_binary(self.base_args() + ["--credentials",
                                                   os.path.join(self.dir, "absent")])
        self.assertNotEqual(code, 0, out)
        self.assertIn("cannot open", out)


if __name__ == "__main__":
    unittest.main()
