"""Durability: a clean restart keeps everything; after kill -9 every write that
was acknowledged with 200 is still there."""

import os
import threading
import time
import unittest

from botocore.exceptions import BotoCoreError, ClientError

from harness import (SYSTEM_FIELD_IDS, Server, basic_layout, make_client, random_account,
                     unique, walk)


def strip(r):
    r = dict(r)
    r.pop("ResponseMetadata", None)
    return r


class DurabilityBase(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        self.srv = Server()
        self.addCleanup(self._final_stop)
        self.srv.start()
        self.account = random_account()

    def run(self, result=None):
        before = len(result.failures) + len(result.errors) if result is not None else 0
        try:
            return super().run(result)
        finally:
            srv = getattr(self, "srv", None)
            if srv is not None:
                if result is not None and len(result.failures) + len(result.errors) > before:
                    print("\n---- casesd log (%s) ----\n%s\n---- end ----"
                          % (self.id(), srv.stderr_text(3000)))
                if srv.alive():
                    srv.kill9()
                srv.cleanup()

    def _final_stop(self):
        if self.srv.alive():
            rc = self.srv.stop()
            self.assertEqual(rc, 0, "casesd did not exit cleanly on SIGTERM:\n%s"
                             % self.srv.stderr_text())

    def client(self, account=None, region="us-east-1"):
        return make_client(self.srv.endpoint, account or self.account, region)

    def restart(self, hard=False):
        if hard:
            self.srv.kill9()
        else:
            rc = self.srv.stop()
            self.assertEqual(rc, 0, "casesd did not exit cleanly on SIGTERM:\n%s"
                             % self.srv.stderr_text())
        self.srv.start()


class RestartTests(DurabilityBase):

    def build(self, c):
        dom = c.create_domain(name=unique("durable"))["domainId"]
        f_text = c.create_field(domainId=dom, name="Notes", type="Text", description="free text",
                                attributes={"text": {"isMultiline": True}})["fieldId"]
        f_sel = c.create_field(domainId=dom, name="Region", type="SingleSelect")["fieldId"]
        f_gone = c.create_field(domainId=dom, name="Gone", type="Number")["fieldId"]
        c.batch_put_field_options(domainId=dom, fieldId=f_sel, options=[
            {"name": "Oregon", "value": "pdx", "active": True},
            {"name": "Virginia", "value": "iad", "active": False}])
        lay = c.create_layout(domainId=dom, name="Main",
                              content=basic_layout([f_text, f_gone], [f_sel, "summary"]))["layoutId"]
        old_lay = c.create_layout(domainId=dom, name="Old", content={"basic": {}})["layoutId"]
        tpl = c.create_template(domainId=dom, name="Default", description="d",
                                layoutConfiguration={"defaultLayout": lay},
                                requiredFields=[{"fieldId": f_text}, {"fieldId": f_gone}],
                                tagPropagationConfigurations=[
                                    {"resourceType": "Cases", "tagMap": {"Dept": "Fraud"}}])["templateId"]
        off = c.create_template(domainId=dom, name="Off", status="Inactive")["templateId"]
        c.update_field(domainId=dom, fieldId=f_text, name="Notes v2")
        c.delete_field(domainId=dom, fieldId=f_gone)
        c.delete_layout(domainId=dom, layoutId=old_lay)
        c.tag_resource(arn="arn:aws:cases:us-east-1:%s:domain/%s" % (self.account, dom),
                       tags={"env": "prod"})
        c.tag_resource(arn="arn:aws:cases:us-east-1:%s:domain/%s/template/%s"
                       % (self.account, dom, tpl), tags={"owner": "ops"})
        c.put_case_event_configuration(domainId=dom, eventBridge={
            "enabled": True, "includedData": {"caseData": {"fields": [{"id": f_text}, {"id": "title"}]},
                                              "relatedItemData": {"includeContent": True}}})
        return dict(dom=dom, fields=[f_text, f_sel, f_gone], layouts=[lay, old_lay],
                    templates=[tpl, off], sel=f_sel)

    def snapshot(self, c, ids):
        dom = ids["dom"]
        snap = {
            "domain": strip(c.get_domain(domainId=dom)),
            "domains": walk(c.list_domains, "domains")[0],
            "fields": walk(c.list_fields, "fields", domainId=dom)[0],
            "batch": strip(c.batch_get_field(domainId=dom, fields=[
                {"id": i} for i in ids["fields"] + sorted(SYSTEM_FIELD_IDS)])),
            "options": walk(c.list_field_options, "options", domainId=dom, fieldId=ids["sel"])[0],
            "status_options": walk(c.list_field_options, "options", domainId=dom,
                                   fieldId="status")[0],
            "layouts": [strip(c.get_layout(domainId=dom, layoutId=i)) for i in ids["layouts"]],
            "layout_list": walk(c.list_layouts, "layouts", domainId=dom)[0],
            "templates": [strip(c.get_template(domainId=dom, templateId=i))
                          for i in ids["templates"]],
            "template_list": walk(c.list_templates, "templates", domainId=dom)[0],
            "events": strip(c.get_case_event_configuration(domainId=dom)),
        }
        return snap

    def test_clean_restart_keeps_everything(self):
        c = self.client()
        ids = self.build(c)
        before = self.snapshot(c, ids)
        # Sanity: the snapshot holds what was written.
        self.assertEqual(before["domain"]["tags"], {"env": "prod"})
        self.assertEqual(len(before["fields"]), len(SYSTEM_FIELD_IDS) + 2)
        self.assertEqual(len(before["layout_list"]), 1)
        self.assertTrue(before["layouts"][1]["deleted"])
        self.assertTrue(before["events"]["eventBridge"]["enabled"])
        self.restart()
        c = self.client()
        after = self.snapshot(c, ids)
        self.assertEqual(after, before)
        # Uniqueness and soft-delete rules still hold after the restart.
        with self.assertRaises(ClientError) as ctx:
            c.create_field(domainId=ids["dom"], name="Notes v2", type="Text")
        self.assertEqual(ctx.exception.response["Error"]["Code"], "ConflictException")
        with self.assertRaises(ClientError) as ctx:
            c.update_field(domainId=ids["dom"], fieldId=ids["fields"][2], name="back")
        self.assertEqual(ctx.exception.response["Error"]["Code"], "ValidationException")
        # And it keeps accepting writes.
        fid = c.create_field(domainId=ids["dom"], name="After restart", type="Boolean")["fieldId"]
        self.restart()
        c = self.client()
        r = c.batch_get_field(domainId=ids["dom"], fields=[{"id": fid}])
        self.assertEqual(r["fields"][0]["name"], "After restart")

    def test_restart_after_kill9_when_idle(self):
        c = self.client()
        ids = self.build(c)
        before = self.snapshot(c, ids)
        self.restart(hard=True)
        self.assertEqual(self.snapshot(self.client(), ids), before)

    def test_deleted_domain_stays_deleted(self):
        c = self.client()
        a = c.create_domain(name=unique("a"))["domainId"]
        b = c.create_domain(name=unique("b"))["domainId"]
        c.delete_domain(domainId=a)
        self.restart()
        c = self.client()
        self.assertEqual([d["domainId"] for d in c.list_domains()["domains"]], [b])
        with self.assertRaises(ClientError) as ctx:
            c.get_domain(domainId=a)
        self.assertEqual(ctx.exception.response["Error"]["Code"], "ResourceNotFoundException")


class CrashTests(DurabilityBase):

    def test_kill9_during_create_field_stream(self):
        c = self.client()
        dom = c.create_domain(name=unique("crash"))["domainId"]
        acked = []
        lock = threading.Lock()
        stop = threading.Event()
        errors = []

        def writer(tag):
            wc = make_client(self.srv.endpoint, self.account)
            for i in range(200):
                if stop.is_set():
                    return
                name = "w%s-%03d" % (tag, i)
                try:
                    r = wc.create_field(domainId=dom, name=name, type="Text",
                                        description="stream %s" % tag)
                except (ClientError, BotoCoreError, OSError) as e:
                    if isinstance(e, ClientError):
                        errors.append(e.response["Error"])
                    return
                with lock:
                    acked.append((r["fieldId"], name))

        threads = [threading.Thread(target=writer, args=(t,)) for t in ("a", "b")]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            with lock:
                if len(acked) >= 40:
                    break
            time.sleep(0.005)
        self.srv.kill9()
        stop.set()
        for t in threads:
            t.join(30)
        self.assertEqual(errors, [], "CreateField failed with an AWS error before the crash")
        self.assertGreater(len(acked), 0, "no CreateField succeeded before the crash")
        with lock:
            acked_now = list(acked)

        self.srv.start()
        c = self.client()
        for i in range(0, len(acked_now), 50):
            chunk = acked_now[i:i + 50]
            r = c.batch_get_field(domainId=dom, fields=[{"id": fid} for fid, _ in chunk])
            self.assertEqual(r["errors"], [], "acknowledged fields lost after kill -9")
            got = {f["fieldId"]: f for f in r["fields"]}
            for fid, name in chunk:
                self.assertIn(fid, got)
                self.assertEqual(got[fid]["name"], name)
                self.assertEqual(got[fid]["type"], "Text")
                self.assertFalse(got[fid].get("deleted", False))
        listed = {f["fieldId"]: f["name"] for f in walk(c.list_fields, "fields", domainId=dom)[0]}
        for fid, name in acked_now:
            self.assertEqual(listed.get(fid), name)
        # No half-written rows: every custom field listed is complete and unique by name.
        custom = [n for fid, n in listed.items() if fid not in SYSTEM_FIELD_IDS]
        self.assertEqual(len(custom), len(set(custom)))
        # The store is still writable and consistent.
        fid = c.create_field(domainId=dom, name="post-crash", type="Number")["fieldId"]
        self.assertEqual(c.batch_get_field(domainId=dom, fields=[{"id": fid}])["fields"][0]["name"],
                         "post-crash")


class CreateCaseStreamTests(DurabilityBase):
    """CreateCase is answered by the store's own thread once its write is on
    disk; a stop or a crash in the middle of a stream of them loses none
    that was answered."""

    WRITERS = 6

    def stream_then(self, stop_server):
        c = self.client()
        dom = c.create_domain(name=unique("stream"))["domainId"]
        tpl = c.create_template(domainId=dom, name="t")["templateId"]
        acked, errors = [], []
        lock = threading.Lock()
        stop = threading.Event()

        def writer(tag):
            wc = self.client()
            for i in range(400):
                if stop.is_set():
                    return
                title = "case %s-%03d" % (tag, i)
                try:
                    r = wc.create_case(domainId=dom, templateId=tpl, fields=[
                        {"id": "title", "value": {"stringValue": title}},
                        {"id": "customer_id", "value": {"stringValue":
                            "arn:aws:profile:us-east-1:111122223333:domains/d/profiles/p"}}])
                except ClientError as e:
                    errors.append(e.response["Error"])
                    return
                except (BotoCoreError, OSError):
                    return  # the server went away mid-request
                with lock:
                    acked.append((r["caseId"], title))

        threads = [threading.Thread(target=writer, args=(t,)) for t in range(self.WRITERS)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with lock:
                if len(acked) >= 150:
                    break
            time.sleep(0.005)
        stop_server()
        stop.set()
        for t in threads:
            t.join(60)
        self.assertEqual(errors, [], "CreateCase failed with an AWS error")
        with lock:
            acked_now = list(acked)
        self.assertGreater(len(acked_now), 0, "no CreateCase succeeded before the stop")
        self.srv.start()
        c = self.client()
        for case_id, title in acked_now:
            r = c.get_case(domainId=dom, caseId=case_id, fields=[{"id": "title"}])
            self.assertEqual(r["fields"], [{"id": "title", "value": {"stringValue": title}}])
        return acked_now

    def test_sigterm_during_create_case_stream_answers_and_keeps(self):
        def sigterm():
            rc = self.srv.stop()
            self.assertEqual(rc, 0, "casesd did not exit cleanly on SIGTERM during "
                             "CreateCase load:\n%s" % self.srv.stderr_text())
        self.stream_then(sigterm)

    def test_kill9_during_create_case_stream_keeps_every_answered_case(self):
        self.stream_then(self.srv.kill9)


class LogTests(DurabilityBase):
    """The write-ahead log does not grow without end under steady load."""

    SECONDS = 20
    WRITERS = 8
    # The server restarts the log when a checkpoint leaves it over 16 MiB;
    # without that it grew by tens of MiB a second here.
    BOUND = 96 * 1024 * 1024

    def test_log_stays_bounded_under_steady_writes_and_reads(self):
        c = self.client()
        dom = c.create_domain(name=unique("log"))["domainId"]
        tpl = c.create_template(domainId=dom, name="t")["templateId"]
        first = c.create_case(domainId=dom, templateId=tpl, fields=[
            {"id": "title", "value": {"stringValue": "first"}},
            {"id": "customer_id", "value": {"stringValue":
                "arn:aws:profile:us-east-1:111122223333:domains/d/profiles/p"}}])["caseId"]
        wal = self.srv.store + "-wal"
        stop = threading.Event()
        created, errors, largest = [0], [], [0]
        lock = threading.Lock()

        def writer():
            wc = self.client()
            n = 0
            while not stop.is_set():
                n += 1
                try:
                    wc.create_case(domainId=dom, templateId=tpl, fields=[
                        {"id": "title", "value": {"stringValue": "case %d of a steady stream" % n}},
                        {"id": "summary", "value": {"stringValue": "words " * 40}},
                        {"id": "customer_id", "value": {"stringValue":
                            "arn:aws:profile:us-east-1:111122223333:domains/d/profiles/p%d" % n}}])
                except (ClientError, BotoCoreError, OSError) as e:
                    errors.append(repr(e))
                    return
                with lock:
                    created[0] += 1

        def reader():
            rc = self.client()
            while not stop.is_set():
                rc.get_case(domainId=dom, caseId=first, fields=[{"id": "title"}])

        threads = [threading.Thread(target=writer) for _ in range(self.WRITERS)]
        threads.append(threading.Thread(target=reader))
        for t in threads:
            t.start()
        deadline = time.monotonic() + self.SECONDS
        while time.monotonic() < deadline and not errors:
            try:
                largest[0] = max(largest[0], os.path.getsize(wal))
            except FileNotFoundError:
                pass
            time.sleep(0.1)
        stop.set()
        for t in threads:
            t.join(30)
        self.assertEqual(errors, [])
        self.assertGreater(created[0], 500, "too few cases to load the log")
        self.assertLess(largest[0], self.BOUND,
                        "the log reached %d MiB after %d cases"
                        % (largest[0] >> 20, created[0]))


if __name__ == "__main__":
    unittest.main()
