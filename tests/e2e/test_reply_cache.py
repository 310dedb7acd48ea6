"""Configuration reads are answered from a cache of finished replies; every
write that changes what they show must be visible to the next read, from any
connection, and a second server on the same store must be refused."""

import os
import sqlite3
import subprocess
import threading
import unittest

from harness import BIN, CasesTestCase, Server, make_client


class ReplyCacheTests(CasesTestCase):

    def setUp(self):
        super().setUp()
        self.dom = self.new_domain()
        # a second connection pool: reads from it must see writes made here
        self.other = self.server.client(account=self.account)

    def read_twice(self, fn, **kw):
        """Reads through both clients, warming the cache; returns one answer."""
        first = fn(self.cc, **kw)
        self.assertEqual(first, fn(self.other, **kw))
        return first

    def test_template_update_and_tags_are_seen(self):
        tid = self.new_template(self.dom, name="before")

        def get(c, **kw):
            r = c.get_template(domainId=self.dom, templateId=tid)
            return r["name"], r.get("status"), r.get("tags", {})

        self.assertEqual(self.read_twice(get), ("before", "Active", {}))
        self.cc.update_template(domainId=self.dom, templateId=tid, name="after",
                                status="Inactive")
        self.assertEqual(self.read_twice(get), ("after", "Inactive", {}))
        arn = self.sub_arn(self.dom, "template", tid)
        self.cc.tag_resource(arn=arn, tags={"team": "a"})
        self.assertEqual(self.read_twice(get), ("after", "Inactive", {"team": "a"}))
        self.cc.untag_resource(arn=arn, tagKeys=["team"])
        self.assertEqual(self.read_twice(get), ("after", "Inactive", {}))
        self.cc.delete_template(domainId=self.dom, templateId=tid)
        self.assertIs(self.other.get_template(domainId=self.dom, templateId=tid)["deleted"],
                      True)

    def test_field_list_follows_creates_updates_and_deletes(self):
        def names(c, **kw):
            return sorted(f["name"] for f in
                          c.list_fields(domainId=self.dom, maxResults=100)["fields"]
                          if f["namespace"] == "Custom")

        self.assertEqual(self.read_twice(names), [])
        fid = self.new_field(self.dom, name="alpha")
        self.assertEqual(self.read_twice(names), ["alpha"])
        self.cc.update_field(domainId=self.dom, fieldId=fid, name="beta")
        self.assertEqual(self.read_twice(names), ["beta"])

        def batch(c, **kw):
            return c.batch_get_field(domainId=self.dom, fields=[{"id": fid}])["fields"][0]["name"]

        self.assertEqual(self.read_twice(batch), "beta")
        self.cc.update_field(domainId=self.dom, fieldId=fid, name="gamma")
        self.assertEqual(self.read_twice(batch), "gamma")
        self.cc.delete_field(domainId=self.dom, fieldId=fid)
        self.assertEqual(self.read_twice(names), [])

    def test_search_knows_fields_created_after_it_cached_them(self):
        """SearchCases keeps the domain's field types in the cache: a field
        created afterwards must be accepted in a filter at once."""
        tid = self.new_template(self.dom, name="t")
        customer = "arn:aws:profile:us-east-1:%s:domains/d/profiles/p" % self.account

        def count(c, fid=None, **kw):
            f = {"filter": {"field": {"equalTo": {"id": fid, "value": {
                "stringValue": "x"}}}}} if fid else {}
            return c.search_cases(domainId=self.dom, **f)["totalCount"]

        self.assertEqual(self.read_twice(count), 0)
        fid = self.new_field(self.dom, name="late")
        self.cc.create_case(domainId=self.dom, templateId=tid, fields=[
            {"id": "title", "value": {"stringValue": "c"}},
            {"id": "customer_id", "value": {"stringValue": customer}},
            {"id": fid, "value": {"stringValue": "x"}}])
        self.assertEqual(self.read_twice(count, fid=fid), 1)
        with self.assertRaises(self.cc.exceptions.ValidationException):
            count(self.other, fid="nosuchfield")

    def test_options_layouts_rules_and_event_configuration(self):
        fid = self.new_field(self.dom, "SingleSelect")

        def options(c, **kw):
            return [o["value"] for o in
                    c.list_field_options(domainId=self.dom, fieldId=fid)["options"]]

        self.assertEqual(self.read_twice(options), [])
        self.cc.batch_put_field_options(domainId=self.dom, fieldId=fid, options=[
            {"name": "One", "value": "one", "active": True}])
        self.assertEqual(self.read_twice(options), ["one"])

        lid = self.new_layout(self.dom, [fid])

        def layout(c, **kw):
            return c.get_layout(domainId=self.dom, layoutId=lid)["name"]

        before = self.read_twice(layout)
        self.cc.update_layout(domainId=self.dom, layoutId=lid, name=before + " renamed")
        self.assertEqual(self.read_twice(layout), before + " renamed")

        def rules(c, **kw):
            return len(c.list_case_rules(domainId=self.dom)["caseRules"])

        self.assertEqual(self.read_twice(rules), 0)
        self.cc.create_case_rule(domainId=self.dom, name="required", rule={
            "required": {"defaultValue": False,
                         "conditions": [{"equalTo": {"operandOne": {"fieldId": fid},
                                                     "operandTwo": {"stringValue": "one"},
                                                     "result": True}}]}})
        self.assertEqual(self.read_twice(rules), 1)

        def events(c, **kw):
            cfg = c.get_case_event_configuration(domainId=self.dom)["eventBridge"]
            return cfg.get("enabled")

        self.read_twice(events)
        self.cc.put_case_event_configuration(domainId=self.dom,
                                             eventBridge={"enabled": True})
        self.assertTrue(self.read_twice(events))

    def test_domain_delete_is_seen(self):
        def get(c, **kw):
            return c.get_domain(domainId=self.dom)["name"]

        self.read_twice(get)
        self.cc.delete_domain(domainId=self.dom)
        self.assertNotFound(self.other.get_domain, domainId=self.dom)

    def test_case_creation_follows_domain_delete(self):
        # CreateCase learns that its domain exists from the cache, as reads
        # do; the delete must retire that answer for every connection.
        tid = self.new_template(self.dom, name="cases")
        fields = [{"id": "title", "value": {"stringValue": "t"}},
                  {"id": "customer_id", "value": {"stringValue":
                      "arn:aws:profile:us-east-1:123456789012:domains/d/profiles/p"}}]
        for c in (self.cc, self.other):
            c.create_case(domainId=self.dom, templateId=tid, fields=fields)
        self.cc.delete_domain(domainId=self.dom)
        for c in (self.cc, self.other):
            exc = self.assertNotFound(c.create_case, resource_id=self.dom,
                                      domainId=self.dom, templateId=tid,
                                      fields=fields)
            self.assertEqual(exc.response.get("resourceType"), "Domain", exc.response)

    def test_answers_are_per_account(self):
        tid = self.new_template(self.dom, name="mine")
        self.cc.get_template(domainId=self.dom, templateId=tid)
        stranger = self.server.client(account="999988887777")
        self.assertNotFound(stranger.get_template, domainId=self.dom, templateId=tid)

    def test_readers_see_every_acknowledged_write(self):
        tid = self.new_template(self.dom, name="v0")
        stop = threading.Event()
        errors = []

        def reader():
            c = self.server.client(account=self.account)
            while not stop.is_set():
                try:
                    c.get_template(domainId=self.dom, templateId=tid)
                except Exception as e:  # noqa: BLE001 - reported below
                    errors.append(e)
                    return

        threads = [threading.Thread(target=reader) for _ in range(4)]
        for t in threads:
            t.start()
        try:
            for i in range(1, 30):
                self.cc.update_template(domainId=self.dom, templateId=tid, name="v%d" % i)
                self.assertEqual(self.other.get_template(
                    domainId=self.dom, templateId=tid)["name"], "v%d" % i)
        finally:
            stop.set()
            for t in threads:
                t.join()
        self.assertEqual(errors, [])


class OneServerPerStoreTests(unittest.TestCase):

    def test_second_server_on_the_same_store_is_refused(self):
        first = Server().start()
        try:
            proc = subprocess.run(
                [BIN, "--listen", "127.0.0.1:0", "--store", first.store,
                 "--log-level", "warn"],
                capture_output=True, text=True, timeout=30)
            self.assertNotEqual(proc.returncode, 0)
            self.assertIn("in use by another casesd process", proc.stderr)
            self.assertTrue(first.alive())
        finally:
            first.stop()
            first.cleanup()

    def test_store_is_closed_to_other_processes_while_served(self):
        # The server locks the file for its process and keeps the WAL index
        # in its own memory (no -shm file): transactions need no fcntl().
        srv = Server().start()
        try:
            make_client(srv.endpoint).create_domain(name="owned")
            self.assertFalse(os.path.exists(srv.store + "-shm"))
            other = sqlite3.connect(srv.store, timeout=0)
            try:
                with self.assertRaisesRegex(sqlite3.OperationalError, "locked"):
                    other.execute("SELECT count(*) FROM sqlite_master").fetchone()
            finally:
                other.close()
            self.assertTrue(srv.alive())
            srv.stop()
            other = sqlite3.connect(srv.store, timeout=0)
            try:
                self.assertEqual(other.execute(
                    "SELECT count(*) FROM records WHERE name = 'owned'").fetchone()[0], 1)
            finally:
                other.close()
        finally:
            srv.stop()
            srv.cleanup()


if __name__ == "__main__":
    unittest.main()
