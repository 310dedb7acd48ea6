"""Account and region isolation: the access key id (12 digits) names the account,
the SigV4 credential scope names the region."""

import unittest

from botocore.exceptions import ClientError

from harness import CasesTestCase, basic_layout, random_account, unique


class IsolationTests(CasesTestCase):

    def setUp(self):
        super().setUp()
        self.acct_a = random_account()
        self.acct_b = random_account()
        self.a = self.server.client(account=self.acct_a, region="us-east-1")
        self.b = self.server.client(account=self.acct_b, region="us-east-1")
        self.a_eu = self.server.client(account=self.acct_a, region="eu-west-1")
        self.dom = self.a.create_domain(name=unique("iso"))["domainId"]
        self.fid = self.a.create_field(domainId=self.dom, name="f", type="SingleSelect")["fieldId"]
        self.lid = self.a.create_layout(domainId=self.dom, name="l",
                                        content=basic_layout([self.fid]))["layoutId"]
        self.tid = self.a.create_template(domainId=self.dom, name="t")["templateId"]

    def assertInvisible(self, c, account, region="us-east-1"):
        dom, fid, lid, tid = self.dom, self.fid, self.lid, self.tid
        self.assertEqual(c.list_domains()["domains"], [])
        self.assertNotFound(c.get_domain, resource_id=dom, domainId=dom)
        self.assertNotFound(c.list_fields, domainId=dom)
        self.assertNotFound(c.batch_get_field, domainId=dom, fields=[{"id": fid}])
        self.assertNotFound(c.create_field, domainId=dom, name="intruder", type="Text")
        self.assertNotFound(c.update_field, domainId=dom, fieldId=fid, name="intruder")
        self.assertNotFound(c.delete_field, domainId=dom, fieldId=fid)
        self.assertNotFound(c.list_field_options, domainId=dom, fieldId=fid)
        self.assertNotFound(c.batch_put_field_options, domainId=dom, fieldId=fid,
                            options=[{"name": "X", "value": "x", "active": True}])
        self.assertNotFound(c.get_layout, domainId=dom, layoutId=lid)
        self.assertNotFound(c.list_layouts, domainId=dom)
        self.assertNotFound(c.delete_layout, domainId=dom, layoutId=lid)
        self.assertNotFound(c.get_template, domainId=dom, templateId=tid)
        self.assertNotFound(c.list_templates, domainId=dom)
        self.assertNotFound(c.update_template, domainId=dom, templateId=tid, name="x")
        self.assertNotFound(c.get_case_event_configuration, domainId=dom)
        self.assertNotFound(c.put_case_event_configuration, domainId=dom,
                            eventBridge={"enabled": True})
        self.assertNotFound(c.delete_domain, domainId=dom)
        # Tag operations on the ARNs the resources would have for this caller.
        for arn in self.own_arns(account, region):
            self.assertNotFound(c.list_tags_for_resource, arn=arn)
            self.assertNotFound(c.tag_resource, arn=arn, tags={"x": "y"})

    def own_arns(self, account, region):
        base = "arn:aws:cases:%s:%s:domain/%s" % (region, account, self.dom)
        return [base, base + "/field/" + self.fid, base + "/layout/" + self.lid,
                base + "/template/" + self.tid]

    def assertUntouched(self):
        g = self.a.get_domain(domainId=self.dom)
        self.assertEqual(g["domainArn"], "arn:aws:cases:us-east-1:%s:domain/%s"
                         % (self.acct_a, self.dom))
        f = self.a.batch_get_field(domainId=self.dom, fields=[{"id": self.fid}])["fields"][0]
        self.assertEqual(f["name"], "f")
        self.assertFalse(f.get("deleted", False))
        self.assertEqual(self.a.list_field_options(domainId=self.dom, fieldId=self.fid)["options"], [])
        self.assertFalse(self.a.get_layout(domainId=self.dom, layoutId=self.lid).get("deleted", False))
        self.assertEqual(self.a.get_template(domainId=self.dom, templateId=self.tid)["name"], "t")
        self.assertEqual(self.a.get_domain(domainId=self.dom).get("tags", {}), {})
        self.assertEqual(self.a.get_case_event_configuration(domainId=self.dom)["eventBridge"],
                         {"enabled": False})

    def test_other_account_same_region(self):
        self.assertInvisible(self.b, self.acct_b)
        self.assertUntouched()

    def test_same_account_other_region(self):
        self.assertInvisible(self.a_eu, self.acct_a, region="eu-west-1")
        self.assertUntouched()

    def test_owner_sees_it(self):
        self.assertEqual([d["domainId"] for d in self.a.list_domains()["domains"]], [self.dom])
        self.assertEqual(self.a.get_domain(domainId=self.dom)["domainArn"],
                         "arn:aws:cases:us-east-1:%s:domain/%s" % (self.acct_a, self.dom))

    def test_foreign_arn_gives_no_access(self):
        arn = "arn:aws:cases:us-east-1:%s:domain/%s" % (self.acct_a, self.dom)
        for c in (self.b, self.a_eu):
            for call in (lambda: c.list_tags_for_resource(arn=arn),
                         lambda: c.tag_resource(arn=arn, tags={"x": "y"}),
                         lambda: c.untag_resource(arn=arn, tagKeys=["x"])):
                try:
                    call()
                except ClientError as e:
                    code = e.response["Error"]["Code"]
                    self.assertIn(code, ("ResourceNotFoundException", "AccessDeniedException"))
                else:
                    self.fail("a foreign account/region reached %s" % arn)
        self.assertEqual(self.a.list_tags_for_resource(arn=arn).get("tags", {}), {})

    def test_region_and_account_in_arns(self):
        c = self.server.client(account=self.acct_b, region="ap-southeast-2")
        r = c.create_domain(name=unique("syd"))
        d = r["domainId"]
        base = "arn:aws:cases:ap-southeast-2:%s:domain/%s" % (self.acct_b, d)
        self.assertEqual(r["domainArn"], base)
        f = c.create_field(domainId=d, name="x", type="Text")
        self.assertEqual(f["fieldArn"], base + "/field/" + f["fieldId"])
        lay = c.create_layout(domainId=d, name="x", content={"basic": {}})
        self.assertEqual(lay["layoutArn"], base + "/layout/" + lay["layoutId"])
        t = c.create_template(domainId=d, name="x")
        self.assertEqual(t["templateArn"], base + "/template/" + t["templateId"])
        self.assertEqual(c.list_tags_for_resource(arn=base).get("tags", {}), {})
        self.assertEqual(self.server.client(account=self.acct_b).list_domains()["domains"], [])

    def test_same_names_in_each_partition(self):
        name = unique("same")
        for c in (self.a, self.b, self.a_eu):
            c.create_domain(name=name)
        for c in (self.a, self.b, self.a_eu):
            names = [d["name"] for d in c.list_domains()["domains"]]
            self.assertEqual(names.count(name), 1)

    def test_non_numeric_access_key_uses_default_account(self):
        c = self.server.client(account="AKIAEXAMPLEKEY")
        d = c.create_domain(name=unique("dflt"))
        self.assertEqual(d["domainArn"], "arn:aws:cases:us-east-1:000000000000:domain/%s"
                         % d["domainId"])
        # 13 or 11 digits are not an account id either.
        for key in ("0000000000000", "00000000000"):
            c2 = self.server.client(account=key)
            ids = [x["domainId"] for x in c2.list_domains()["domains"]]
            self.assertIn(d["domainId"], ids)
        c.delete_domain(domainId=d["domainId"])


if __name__ == "__main__":
    unittest.main()
