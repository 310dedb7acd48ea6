"""Raw HTTP: routing, error envelopes, limits, request ids, wire formats, and the
command-line contract of the binary."""

import http.client
import os
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.parse
import uuid

from harness import (BIN, CasesTestCase, ISO8601_RE, Server, free_port, make_client,
                     random_account, started, unique)


class WireTests(CasesTestCase):

    def raw(self, method, path, body=None, **kw):
        return self.server.raw(method, path, body, account=self.account, **kw)

    def assertErrorResponse(self, r, status, error_type=None):
        self.assertEqual(r.status, status, r)
        etype = r.header("x-amzn-ErrorType")
        self.assertTrue(etype, "error without x-amzn-ErrorType: %r" % r)
        if error_type is not None:
            self.assertEqual(etype.split(":")[0], error_type)
        self.assertTrue(r.header("x-amzn-RequestId"), r)
        self.assertIn("application/json", r.header("content-type") or "", r)
        body = r.json()
        self.assertIsInstance(body, dict, r)
        msg = body.get("message", body.get("Message"))
        self.assertIsInstance(msg, str, r)
        self.assertTrue(msg, r)
        return body

    def assertHealthy(self):
        r = self.server.raw("GET", "/health", sign=False)
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json(), {"status": "ok"})

    # ---- health and request ids -----------------------------------------
    def test_health(self):
        r = self.server.raw("GET", "/health", sign=False)
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json(), {"status": "ok"})
        self.assertIn("application/json", r.header("content-type"))
        self.assertTrue(r.header("x-amzn-RequestId"), r)

    def test_request_id_on_success_and_error(self):
        ok = self.raw("POST", "/domains-list", b"")
        self.assertEqual(ok.status, 200, ok)
        bad = self.raw("POST", "/domains/%s" % uuid.uuid4(), b"")
        self.assertEqual(bad.status, 404, bad)
        ids = [ok.header("x-amzn-RequestId"), bad.header("x-amzn-RequestId"),
               self.raw("POST", "/domains-list", b"").header("x-amzn-RequestId")]
        self.assertTrue(all(ids), ids)
        self.assertEqual(len(set(ids)), 3, "request ids must be unique: %r" % ids)

    def test_boto3_sees_request_id(self):
        r = self.cc.list_domains()
        self.assertTrue(r["ResponseMetadata"]["RequestId"])
        with self.assertAwsError("ResourceNotFoundException", status=404) as ctx:
            self.cc.get_domain(domainId="missing")
        self.assertTrue(ctx.exception.response["ResponseMetadata"]["RequestId"])

    # ---- routing ---------------------------------------------------------
    def test_unknown_route_404(self):
        for method, path in [("GET", "/no/such/route"), ("POST", "/domainz"),
                             ("POST", "/domains/x/y/z/w/v"), ("GET", "/")]:
            with self.subTest(path=path):
                r = self.raw(method, path, b"{}" if method == "POST" else None)
                self.assertErrorResponse(r, 404)
        self.assertHealthy()

    def test_wrong_method_405(self):
        for method, path in [("GET", "/domains"), ("DELETE", "/domains-list"),
                             ("GET", "/domains/x/fields-list"), ("PATCH", "/domains/x")]:
            with self.subTest(method=method, path=path):
                r = self.raw(method, path)
                self.assertErrorResponse(r, 405)
        self.assertHealthy()

    def test_resource_not_found_body(self):
        missing = str(uuid.uuid4())
        r = self.raw("POST", "/domains/%s" % missing, b"")
        body = self.assertErrorResponse(r, 404, "ResourceNotFoundException")
        self.assertEqual(body["resourceId"], missing)
        self.assertIsInstance(body["resourceType"], str)
        self.assertTrue(body["resourceType"])

    def test_validation_error_envelope(self):
        r = self.raw("POST", "/domains", {"name": ""})
        self.assertErrorResponse(r, 400, "ValidationException")
        r = self.raw("POST", "/domains", {})
        self.assertErrorResponse(r, 400, "ValidationException")

    def test_conflict_envelope(self):
        name = unique("wire")
        self.assertEqual(self.raw("POST", "/domains", {"name": name}).status, 200)
        r = self.raw("POST", "/domains", {"name": name})
        self.assertErrorResponse(r, 409, "ConflictException")

    # ---- malformed bodies and limits -------------------------------------
    def test_malformed_json_400(self):
        for body in [b"{", b'{"name": "x"', b"not json", b'{"name": "x",}', b"\xff\xfe{}",
                     b'{"name": "x"} trailing']:
            with self.subTest(body=body):
                self.assertErrorResponse(self.raw("POST", "/domains", body), 400)
        self.assertEqual(self.cc.list_domains()["domains"], [])
        self.assertHealthy()

    def test_non_object_json_400(self):
        for body in [b'[{"name": "x"}]', b'"name"', b"42", b"null", b"true"]:
            with self.subTest(body=body):
                self.assertErrorResponse(self.raw("POST", "/domains", body), 400)
        self.assertEqual(self.cc.list_domains()["domains"], [])

    def test_wrong_member_type_400(self):
        self.assertErrorResponse(self.raw("POST", "/domains", {"name": 5}), 400)
        self.assertErrorResponse(self.raw("POST", "/domains", {"name": ["x"]}), 400)
        self.assertErrorResponse(self.raw("POST", "/domains", {"name": None}), 400)

    def test_bad_query_values_400(self):
        for q in ["maxResults=abc", "maxResults=1.5", "maxResults=", "maxResults=99999999999999999999"]:
            with self.subTest(q=q):
                self.assertErrorResponse(self.raw("POST", "/domains-list?" + q, b""), 400)

    def test_deeply_nested_json_400(self):
        depth = 100
        body = '{"name": "deep", "x": ' + "[" * depth + "]" * depth + "}"
        self.assertErrorResponse(self.raw("POST", "/domains", body), 400, "ValidationException")
        body = '{"name": "deep2", "x": ' + '{"a":' * depth + "1" + "}" * depth + "}"
        self.assertErrorResponse(self.raw("POST", "/domains", body), 400, "ValidationException")
        # unterminated: refused on depth before the end is missed
        body = '{"name": "deep3", "x": ' + "[" * depth
        self.assertErrorResponse(self.raw("POST", "/domains", body), 400, "ValidationException")
        self.assertEqual(self.cc.list_domains()["domains"], [])
        # 32 levels are accepted (the body itself is the first); unknown members are ignored
        body = '{"name": "deep4", "x": ' + "[" * 31 + "]" * 31 + "}"
        self.assertEqual(self.raw("POST", "/domains", body).status, 200)
        body = '{"name": "deep5", "x": ' + "[" * 32 + "]" * 32 + "}"
        self.assertErrorResponse(self.raw("POST", "/domains", body), 400, "ValidationException")
        self.assertHealthy()

    def test_body_over_one_mib_413(self):
        r = self.server.raw_oversized("POST", "/domains", 1024 * 1024 + 4096)
        self.assertEqual(r.status, 413, r)
        self.assertTrue(r.header("x-amzn-ErrorType"), r)
        self.assertTrue(r.header("x-amzn-RequestId"), r)
        self.assertHealthy()
        # A body just under the cap is read and judged on its content.
        big = {"name": "x", "pad": "p" * (1024 * 1024 - 200)}
        r = self.raw("POST", "/domains", big)
        self.assertNotEqual(r.status, 413, r)
        self.assertHealthy()

    def test_unknown_members_ignored(self):
        name = unique("extra")
        r = self.raw("POST", "/domains", {"name": name, "somethingNew": {"a": 1}})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["domainStatus"], "Active")

    def test_server_survives_garbage(self):
        for junk in [b"\x00\x01\x02garbage\r\n\r\n", b"GET\r\n\r\n",
                     b"POST /domains HTTP/1.1\r\nContent-Length: 10\r\n\r\n{"]:
            s = socket.create_connection(("127.0.0.1", self.server.port), timeout=1)
            try:
                s.sendall(junk)
                s.shutdown(socket.SHUT_WR)
                try:
                    s.recv(4096)
                except OSError:
                    pass
            finally:
                s.close()
        self.assertHealthy()
        self.assertEqual(self.cc.list_domains()["domains"], [])

    # ---- wire formats ----------------------------------------------------
    def test_timestamps_are_iso8601_strings(self):
        dom = self.new_domain()
        fid = self.new_field(dom)
        lid = self.new_layout(dom, [fid])
        tid = self.new_template(dom)
        stamps = []
        g = self.raw("POST", "/domains/%s" % dom, b"").json()
        stamps.append(g["createdTime"])
        f = self.raw("POST", "/domains/%s/fields-batch" % dom, {"fields": [{"id": fid}]}).json()
        stamps += [f["fields"][0]["createdTime"], f["fields"][0]["lastModifiedTime"]]
        lay = self.raw("POST", "/domains/%s/layouts/%s" % (dom, lid), b"").json()
        stamps += [lay["createdTime"], lay["lastModifiedTime"]]
        t = self.raw("POST", "/domains/%s/templates/%s" % (dom, tid), b"").json()
        stamps += [t["createdTime"], t["lastModifiedTime"]]
        for s in stamps:
            self.assertIsInstance(s, str)
            self.assertRegex(s, ISO8601_RE)

    def test_empty_output_operations(self):
        dom = self.new_domain()
        fid = self.new_field(dom)
        r = self.raw("PUT", "/domains/%s/fields/%s" % (dom, fid), {"name": "renamed"})
        self.assertEqual(r.status, 200, r)
        self.assertIn(r.body.strip(), (b"", b"{}"))
        r = self.raw("DELETE", "/domains/%s/fields/%s" % (dom, fid))
        self.assertEqual(r.status, 200, r)
        self.assertIn(r.body.strip(), (b"", b"{}"))

    def test_get_ops_accept_empty_body(self):
        dom = self.new_domain()
        for body in [None, b"", b"{}"]:
            r = self.raw("POST", "/domains/%s" % dom, body)
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.json()["domainId"], dom)

    def test_percent_encoded_arn_path(self):
        dom = self.new_domain()
        arn = self.domain_arn(dom)
        enc = urllib.parse.quote(arn, safe="-._~")
        r = self.raw("POST", "/tags/" + enc, {"tags": {"k": "v"}})
        self.assertEqual(r.status, 200, r)
        r = self.raw("GET", "/tags/" + enc)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["tags"], {"k": "v"})
        r = self.raw("DELETE", "/tags/%s?tagKeys=k" % enc)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.cc.list_tags_for_resource(arn=arn)["tags"], {})

    def test_repeated_query_values(self):
        dom = self.new_domain()
        self.new_template(dom, status="Active")
        self.new_template(dom, status="Inactive")
        r = self.raw("POST", "/domains/%s/templates-list?status=Active&status=Inactive" % dom, b"")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(len(r.json()["templates"]), 2)
        r = self.raw("POST", "/domains/%s/templates-list?status=Inactive" % dom, b"")
        self.assertEqual([t["status"] for t in r.json()["templates"]], ["Inactive"])


def thread_run_ns(pid, wanted):
    """Time on CPU, in ns, of each thread of process pid whose name wanted
    accepts."""
    times = {}
    for tid in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/comm" % (pid, tid)) as f:
            if not wanted(f.read().strip()):
                continue
        with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
            times[tid] = int(f.read().split()[0])
    return times


class EventLoopTests(CasesTestCase):
    """Connections are spread over the event loops (src/http/listener.c)."""

    server_args = ("--workers", "2")

    def loop_run_ns(self):
        """Time on CPU, in ns, of each of the server's event-loop threads."""
        return thread_run_ns(self.server.proc.pid, lambda name: name.startswith("MHD-"))

    def test_keep_alive_connections_share_the_loops(self):
        # One client's connections, opened one after another: when the
        # loops accepted for themselves, all of them could land on one
        # loop, which then did all the work while the other idled.
        conns = [http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10)
                 for _ in range(8)]
        for c in conns:
            c.request("GET", "/health")
            self.assertEqual(c.getresponse().read(), b'{"status":"ok"}')
        before = self.loop_run_ns()
        self.assertEqual(len(before), 2, before)
        for _ in range(300):
            for c in conns:
                c.request("GET", "/health")
                r = c.getresponse()
                r.read()
                self.assertEqual(r.status, 200)
        after = self.loop_run_ns()
        for c in conns:
            c.close()
        work = [after[t] - before[t] for t in before]
        self.assertGreater(min(work), max(work) * 0.5,
                           "event loops' CPU time (ns): %s" % work)


class SearchThreadTests(CasesTestCase):
    """Searches run on threads of their own (--search-threads), never on the
    event loops, where a long one held every other request of the loop's
    connections behind it."""

    server_args = ("--search-threads", "3")

    def search_run_ns(self):
        return thread_run_ns(self.server.proc.pid, lambda name: name == "casesd-search")

    def test_searches_run_on_the_search_threads(self):
        dom = self.new_domain()
        before = self.search_run_ns()
        self.assertEqual(len(before), 3, before)
        for _ in range(50):
            self.cc.search_cases(domainId=dom)
            self.cc.search_all_related_items(domainId=dom)
        time.sleep(0.2)  # the last job's thread goes back to waiting
        searched = self.search_run_ns()
        self.assertGreater(sum(searched.values()), sum(before.values()))
        # other reads stay on the event loops: the search threads sleep
        for _ in range(50):
            self.cc.get_domain(domainId=dom)
            self.cc.list_fields(domainId=dom)
        self.assertEqual(self.search_run_ns(), searched)


def clean_env():
    return {k: v for k, v in os.environ.items() if not k.startswith("CASESD_")}


class CliTests(unittest.TestCase):
    """The binary's own flags; each test runs its own short-lived process."""

    def run_bin(self, *args, env=None, timeout=10):
        e = clean_env()
        e.update(env or {})
        return subprocess.run([BIN] + list(args), capture_output=True, timeout=timeout, env=e)

    def test_help(self):
        r = self.run_bin("--help")
        self.assertEqual(r.returncode, 0, r)
        out = (r.stdout + r.stderr).decode()
        for flag in ["--listen", "--store", "--region", "--account-id", "--log-level", "--quota"]:
            self.assertIn(flag, out)

    def test_version(self):
        r = self.run_bin("--version")
        self.assertEqual(r.returncode, 0, r)
        self.assertRegex((r.stdout + r.stderr).decode(), r"\d+\.\d+")

    def test_unknown_flag_fails(self):
        r = self.run_bin("--no-such-flag")
        self.assertNotEqual(r.returncode, 0, r)

    def test_bad_quota_fails(self):
        with tempfile.TemporaryDirectory() as d:
            for q in ["bogus=3", "domains=abc", "domains"]:
                r = self.run_bin("--listen", "127.0.0.1:0", "--store", os.path.join(d, "s.db"),
                                 "--quota", q)
                self.assertNotEqual(r.returncode, 0, (q, r))

    def test_bad_thread_counts_fail(self):
        with tempfile.TemporaryDirectory() as d:
            for flag in ["--workers", "--write-threads", "--search-threads"]:
                for value in ["0", "x", "-2"]:
                    r = self.run_bin("--listen", "127.0.0.1:0",
                                     "--store", os.path.join(d, "s.db"), flag, value)
                    self.assertNotEqual(r.returncode, 0, (flag, value, r))
            r = self.run_bin("--listen", "127.0.0.1:0", "--store", os.path.join(d, "s.db"),
                             env={"CASESD_SEARCH_THREADS": "0"})
            self.assertNotEqual(r.returncode, 0, r)

    def test_postgresql_store_refused(self):
        r = self.run_bin("--listen", "127.0.0.1:0", "--store",
                         "postgresql://user:pw@127.0.0.1:1/cases")
        self.assertNotEqual(r.returncode, 0, r)
        self.assertIn("postgresql", (r.stdout + r.stderr).decode().lower())

    def test_configuration_from_environment(self):
        with tempfile.TemporaryDirectory() as d:
            srv = Server(store_dir=d)      # used only for its health polling
            srv.port = free_port()
            env = {"CASESD_LISTEN": "127.0.0.1:%d" % srv.port,
                   "CASESD_STORE": os.path.join(d, "env.db"),
                   "CASESD_ACCOUNT_ID": "444455556666", "CASESD_LOG_LEVEL": "error"}
            e = clean_env()
            e.update(env)
            log = open(os.path.join(d, "log"), "wb")
            proc = subprocess.Popen([BIN], stdout=log, stderr=subprocess.STDOUT, env=e)
            srv.proc = proc
            try:
                srv.wait_healthy()
                c = make_client(srv.endpoint, account="not-an-account")
                r = c.create_domain(name="env")
                self.assertEqual(r["domainArn"],
                                 "arn:aws:cases:us-east-1:444455556666:domain/%s" % r["domainId"])
                self.assertTrue(os.path.exists(os.path.join(d, "env.db")))
            finally:
                proc.terminate()
                rc = proc.wait(10)
                log.close()
            self.assertEqual(rc, 0)

    def test_account_flag_and_log_level(self):
        with started(["--account-id", "123456789012", "--log-level", "debug"]) as srv:
            c = make_client(srv.endpoint, account="AKIDEXAMPLE")
            r = c.create_domain(name="flagged")
            self.assertEqual(r["domainArn"],
                             "arn:aws:cases:us-east-1:123456789012:domain/%s" % r["domainId"])
            # A 12-digit access key id still names its own account.
            c2 = make_client(srv.endpoint, account="210987654321")
            self.assertEqual(c2.list_domains()["domains"], [])
            self.assertEqual([d["name"] for d in c.list_domains()["domains"]], ["flagged"])
            self.assertEqual(srv.stop(), 0)

    def test_region_flag_and_env_apply_without_credential_scope(self):
        # An unsigned request names no region, so the configured one applies.
        with started(["--region", "eu-central-1"]) as srv:
            r = srv.raw("POST", "/domains", {"name": "unsigned"}, sign=False)
            self.assertEqual(r.status, 200, r)
            self.assertTrue(r.json()["domainArn"].startswith(
                "arn:aws:cases:eu-central-1:000000000000:domain/"), r)
            # A signed request's credential scope wins over the flag.
            c = make_client(srv.endpoint, account="000000000000", region="us-west-2")
            self.assertTrue(c.create_domain(name="signed")["domainArn"].startswith(
                "arn:aws:cases:us-west-2:000000000000:domain/"))
            self.assertEqual(srv.stop(), 0)
        with started(env={"CASESD_REGION": "ap-south-1"}) as srv:
            r = srv.raw("POST", "/domains", {"name": "unsigned"}, sign=False)
            self.assertEqual(r.status, 200, r)
            self.assertTrue(r.json()["domainArn"].startswith("arn:aws:cases:ap-south-1:"), r)

    def test_sigterm_exit_zero_with_open_connection(self):
        with started() as srv:
            s = socket.create_connection(("127.0.0.1", srv.port), timeout=3)
            try:
                make_client(srv.endpoint, account=random_account()).list_domains()
                self.assertEqual(srv.stop(), 0)
            finally:
                s.close()


if __name__ == "__main__":
    unittest.main()
