"""Domains: CreateDomain, GetDomain, ListDomains, DeleteDomain."""

import unittest
import uuid

from harness import (CasesTestCase, SYSTEM_FIELD_IDS, UUID_RE, random_account,
                     run_concurrently, unique, walk)


class DomainTests(CasesTestCase):

    def test_create_domain_returns_active_domain_with_arn(self):
        name = unique("acme")
        r = self.cc.create_domain(name=name)
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 200)
        did = r["domainId"]
        self.assertRegex(did, UUID_RE)
        self.assertEqual(r["domainArn"], "arn:aws:cases:us-east-1:%s:domain/%s" % (self.account, did))
        self.assertEqual(r["domainStatus"], "Active")

    def test_get_domain_returns_every_attribute(self):
        name = unique("support")
        did = self.new_domain(name=name)
        r = self.cc.get_domain(domainId=did)
        self.assertEqual(r["domainId"], did)
        self.assertEqual(r["domainArn"], self.domain_arn(did))
        self.assertEqual(r["name"], name)
        self.assertEqual(r["domainStatus"], "Active")
        self.assertRecent(r["createdTime"])
        self.assertEqual(r.get("tags", {}), {})

    def test_domain_ids_are_distinct(self):
        ids = {self.new_domain() for _ in range(3)}
        self.assertEqual(len(ids), 3)

    def test_name_edge_lengths_and_characters(self):
        for name in ["x", "n" * 100, "Ünïcødé domain ✓", "inner  spaces ok"]:
            did = self.new_domain(name=name)
            self.assertEqual(self.cc.get_domain(domainId=did)["name"], name)

    def test_list_domains_returns_exactly_the_accounts_domains(self):
        made = {}
        for _ in range(3):
            n = unique("ld")
            made[self.new_domain(name=n)] = n
        r = self.cc.list_domains()
        self.assertNotIn("nextToken", r)
        got = {d["domainId"]: d for d in r["domains"]}
        self.assertEqual(set(got), set(made))
        for did, d in got.items():
            self.assertEqual(d["name"], made[did])
            self.assertEqual(d["domainArn"], self.domain_arn(did))

    def test_list_domains_empty_for_new_account(self):
        r = self.cc.list_domains()
        self.assertEqual(r["domains"], [])
        self.assertNotIn("nextToken", r)

    def test_duplicate_name_is_conflict(self):
        name = unique("dup")
        self.new_domain(name=name)
        self.assertConflict(self.cc.create_domain, name=name)
        self.assertEqual(len(self.cc.list_domains()["domains"]), 1)

    def test_same_name_allowed_in_other_account_and_region(self):
        name = unique("shared")
        self.new_domain(name=name)
        other = self.client(account=random_account())
        self.assertTrue(other.create_domain(name=name)["domainId"])
        eu = self.client(region="eu-west-1")
        r = eu.create_domain(name=name)
        self.assertEqual(r["domainArn"], "arn:aws:cases:eu-west-1:%s:domain/%s"
                         % (self.account, r["domainId"]))

    def test_get_unknown_domain_is_404(self):
        missing = str(uuid.uuid4())
        exc = self.assertNotFound(self.cc.get_domain, resource_id=missing, domainId=missing)
        self.assertTrue(exc.response["Error"]["Message"])

    def test_any_id_string_is_404_not_400(self):
        for did in ["x", "not-a-uuid", "a" * 500]:
            self.assertNotFound(self.cc.get_domain, domainId=did)

    def test_delete_domain(self):
        did = self.new_domain()
        keep = self.new_domain()
        r = self.cc.delete_domain(domainId=did)
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertNotFound(self.cc.get_domain, resource_id=did, domainId=did)
        self.assertEqual([d["domainId"] for d in self.cc.list_domains()["domains"]], [keep])
        self.assertNotFound(self.cc.delete_domain, domainId=did)
        self.assertEqual(self.cc.get_domain(domainId=keep)["domainId"], keep)

    def test_delete_domain_cascades_to_its_resources(self):
        did = self.new_domain()
        fid = self.new_field(did, "SingleSelect")
        self.cc.batch_put_field_options(domainId=did, fieldId=fid, options=[
            {"name": "A", "value": "a", "active": True}])
        lid = self.new_layout(did, [fid])
        tid = self.new_template(did, layoutConfiguration={"defaultLayout": lid})
        self.cc.tag_resource(arn=self.domain_arn(did), tags={"k": "v"})
        self.cc.delete_domain(domainId=did)
        self.assertNotFound(self.cc.list_fields, domainId=did)
        self.assertNotFound(self.cc.batch_get_field, domainId=did, fields=[{"id": fid}])
        self.assertNotFound(self.cc.list_field_options, domainId=did, fieldId=fid)
        self.assertNotFound(self.cc.get_layout, domainId=did, layoutId=lid)
        self.assertNotFound(self.cc.list_layouts, domainId=did)
        self.assertNotFound(self.cc.get_template, domainId=did, templateId=tid)
        self.assertNotFound(self.cc.list_templates, domainId=did)
        self.assertNotFound(self.cc.create_field, domainId=did, name="f", type="Text")
        self.assertNotFound(self.cc.get_case_event_configuration, domainId=did)
        self.assertNotFound(self.cc.list_tags_for_resource, arn=self.domain_arn(did))
        self.assertNotFound(self.cc.list_tags_for_resource,
                            arn=self.sub_arn(did, "field", fid))

    def test_name_reusable_after_delete(self):
        name = unique("reuse")
        old = self.new_domain(name=name)
        self.cc.delete_domain(domainId=old)
        new = self.new_domain(name=name)
        self.assertNotEqual(new, old)
        self.assertEqual(self.cc.get_domain(domainId=new)["name"], name)
        # The new domain starts clean: only system fields.
        ids = {f["fieldId"] for f in walk(self.cc.list_fields, "fields", domainId=new)[0]}
        self.assertEqual(ids, set(SYSTEM_FIELD_IDS))

    def test_default_domain_quota_is_five(self):
        for _ in range(5):
            self.new_domain()
        self.assertQuota(self.cc.create_domain, name=unique("sixth"))
        self.assertEqual(len(self.cc.list_domains()["domains"]), 5)


class DomainValidationTests(CasesTestCase):

    def test_name_too_long(self):
        self.assertValidation(self.nv.create_domain, name="n" * 101)

    def test_name_empty(self):
        self.assertValidation(self.nv.create_domain, name="")

    def test_name_trailing_whitespace(self):
        self.assertValidation(self.nv.create_domain, name="ends with space ")

    def test_name_only_whitespace(self):
        self.assertValidation(self.nv.create_domain, name="   ")

    def test_name_missing(self):
        self.assertValidation(self.nv.create_domain)

    def test_name_wrong_type(self):
        self.assertValidation(self.nv.create_domain, name=42)

    def test_nothing_created_by_rejected_requests(self):
        for bad in ["", "n" * 101, "x "]:
            with self.assertAwsError("ValidationException", status=400):
                self.nv.create_domain(name=bad)
        self.assertEqual(self.cc.list_domains()["domains"], [])

    def test_list_max_results_bounds(self):
        self.assertValidation(self.nv.list_domains, maxResults=0)
        self.assertValidation(self.nv.list_domains, maxResults=11)
        self.assertValidation(self.nv.list_domains, maxResults=-1)
        self.assertEqual(self.cc.list_domains(maxResults=10)["domains"], [])
        self.assertEqual(self.cc.list_domains(maxResults=1)["domains"], [])

    def test_domain_id_too_long(self):
        self.assertValidation(self.nv.get_domain, domainId="d" * 501)
        self.assertValidation(self.nv.delete_domain, domainId="d" * 501)


class DomainQuotaTests(CasesTestCase):
    server_args = ["--quota", "domains=2"]

    def test_third_domain_exceeds_quota(self):
        self.new_domain()
        self.new_domain()
        exc = self.assertQuota(self.cc.create_domain, name=unique("third"))
        self.assertTrue(exc.response["Error"]["Message"])
        self.assertEqual(len(self.cc.list_domains()["domains"]), 2)

    def test_quota_is_per_account_and_region(self):
        self.new_domain()
        self.new_domain()
        eu = self.client(region="eu-west-1")
        self.new_domain(client=eu)
        self.new_domain(client=eu)
        self.assertQuota(eu.create_domain, name=unique("x"))
        other = self.client(account=random_account())
        self.new_domain(client=other)

    def test_concurrent_creates_respect_quota(self):
        outcomes = run_concurrently(6, lambda c: c.create_domain(name=unique("race"))["domainId"],
                                    self.server.endpoint, self.account)
        wins = [o for o in outcomes if not isinstance(o, tuple)]
        self.assertEqual(len(wins), 2, outcomes)
        self.assertEqual([o for o in outcomes if isinstance(o, tuple)],
                         [("ServiceQuotaExceededException", 402)] * 4)
        self.assertEqual(sorted(d["domainId"] for d in self.cc.list_domains()["domains"]),
                         sorted(wins))

    def test_deleting_frees_quota(self):
        a = self.new_domain()
        self.new_domain()
        self.assertQuota(self.cc.create_domain, name=unique("x"))
        self.cc.delete_domain(domainId=a)
        self.new_domain()


if __name__ == "__main__":
    unittest.main()
