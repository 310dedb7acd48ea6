"""Templates: CreateTemplate, GetTemplate, UpdateTemplate, DeleteTemplate, ListTemplates."""

import time
import unittest
import uuid

from harness import CasesTestCase, UUID_RE, unique, walk


def tpc(tags):
    return [{"resourceType": "Cases", "tagMap": tags}]


class TemplateTests(CasesTestCase):

    def setUp(self):
        super().setUp()
        self.dom = self.new_domain()
        self.f1 = self.new_field(self.dom, "Text")
        self.f2 = self.new_field(self.dom, "Number")
        self.lay = self.new_layout(self.dom, [self.f1])

    def templates(self, **kw):
        return {t["templateId"]: t for t in
                walk(self.cc.list_templates, "templates", domainId=self.dom, **kw)[0]}

    def get(self, tid):
        return self.cc.get_template(domainId=self.dom, templateId=tid)

    def test_minimal_template_defaults(self):
        r = self.cc.create_template(domainId=self.dom, name="Basic")
        tid = r["templateId"]
        self.assertRegex(tid, UUID_RE)
        self.assertEqual(r["templateArn"], self.sub_arn(self.dom, "template", tid))
        g = self.get(tid)
        self.assertEqual(g["templateId"], tid)
        self.assertEqual(g["templateArn"], r["templateArn"])
        self.assertEqual(g["name"], "Basic")
        self.assertEqual(g["status"], "Active")
        self.assertFalse(g.get("deleted", False))
        self.assertEqual(g.get("requiredFields", []), [])
        self.assertEqual(g.get("tagPropagationConfigurations", []), [])
        self.assertEqual(g.get("tags", {}), {})
        self.assertNotIn("defaultLayout", g.get("layoutConfiguration", {}))
        self.assertIn(g.get("description", ""), ("",))
        self.assertRecent(g["createdTime"])
        self.assertRecent(g["lastModifiedTime"])

    def test_full_template_round_trip(self):
        req = [{"fieldId": self.f1}, {"fieldId": "customer_id"}, {"fieldId": self.f2}]
        prop = tpc({"Department": "Fraud", "Region": "EU-west/1"})
        tid = self.new_template(self.dom, name="Full", description="all the things",
                                layoutConfiguration={"defaultLayout": self.lay},
                                requiredFields=req, status="Inactive",
                                tagPropagationConfigurations=prop)
        g = self.get(tid)
        self.assertEqual(g["name"], "Full")
        self.assertEqual(g["description"], "all the things")
        self.assertEqual(g["layoutConfiguration"], {"defaultLayout": self.lay})
        self.assertEqual(g["requiredFields"], req)
        self.assertEqual(g["status"], "Inactive")
        self.assertEqual(g["tagPropagationConfigurations"], prop)

    def test_list_templates_and_status_filter(self):
        a = self.new_template(self.dom, name="A")
        b = self.new_template(self.dom, name="B", status="Active")
        c = self.new_template(self.dom, name="C", status="Inactive",
                              tagPropagationConfigurations=tpc({"team": "x"}))
        all_ = self.templates()
        self.assertEqual(set(all_), {a, b, c})
        self.assertEqual(all_[a]["templateArn"], self.sub_arn(self.dom, "template", a))
        self.assertEqual((all_[a]["name"], all_[a]["status"]), ("A", "Active"))
        self.assertEqual((all_[b]["name"], all_[b]["status"]), ("B", "Active"))
        self.assertEqual(all_[a].get("tagPropagationConfigurations", []), [])
        self.assertEqual(all_[c]["status"], "Inactive")
        self.assertEqual(all_[c]["tagPropagationConfigurations"], tpc({"team": "x"}))
        self.assertEqual(set(self.templates(status=["Active"])), {a, b})
        self.assertEqual(set(self.templates(status=["Inactive"])), {c})
        self.assertEqual(set(self.templates(status=["Active", "Inactive"])), {a, b, c})

    def test_list_empty(self):
        r = self.cc.list_templates(domainId=self.dom)
        self.assertEqual(r["templates"], [])
        self.assertNotIn("nextToken", r)

    def test_duplicate_name_conflict(self):
        self.new_template(self.dom, name="Same")
        self.assertConflict(self.cc.create_template, domainId=self.dom, name="Same")
        self.assertEqual(len(self.templates()), 1)

    def test_name_reusable_after_delete(self):
        old = self.new_template(self.dom, name="Again")
        self.cc.delete_template(domainId=self.dom, templateId=old)
        new = self.new_template(self.dom, name="Again")
        self.assertNotEqual(old, new)
        self.assertEqual(set(self.templates()), {new})

    def test_unknown_references_rejected(self):
        self.assertValidation(self.cc.create_template, domainId=self.dom, name=unique("t"),
                              requiredFields=[{"fieldId": str(uuid.uuid4())}])
        self.assertValidation(self.cc.create_template, domainId=self.dom, name=unique("t"),
                              layoutConfiguration={"defaultLayout": str(uuid.uuid4())})
        other = self.new_domain()
        foreign_field = self.new_field(other)
        foreign_layout = self.new_layout(other, [])
        self.assertValidation(self.cc.create_template, domainId=self.dom, name=unique("t"),
                              requiredFields=[{"fieldId": foreign_field}])
        self.assertValidation(self.cc.create_template, domainId=self.dom, name=unique("t"),
                              layoutConfiguration={"defaultLayout": foreign_layout})
        self.assertEqual(self.templates(), {})

    def test_same_required_field_twice_rejected(self):
        self.assertValidation(self.cc.create_template, domainId=self.dom, name=unique("t"),
                              requiredFields=[{"fieldId": self.f1}, {"fieldId": self.f1}])
        tid = self.new_template(self.dom, requiredFields=[{"fieldId": self.f1}])
        self.assertValidation(self.cc.update_template, domainId=self.dom, templateId=tid,
                              requiredFields=[{"fieldId": self.f2}, {"fieldId": self.f2}])
        self.assertEqual(self.get(tid)["requiredFields"], [{"fieldId": self.f1}])

    def test_tag_propagation_validation(self):
        def bad(prop):
            self.assertValidation(self.nv.create_template, domainId=self.dom, name=unique("t"),
                                  tagPropagationConfigurations=prop)
        bad([{"resourceType": "Case", "tagMap": {"a": "b"}}])
        bad([{"resourceType": "Cases", "tagMap": {"k%d" % i: "v" for i in range(11)}}])
        bad([{"resourceType": "Cases", "tagMap": {"aws:team": "x"}}])
        bad([{"resourceType": "Cases", "tagMap": {"AWS:team": "x"}}])
        bad([{"resourceType": "Cases", "tagMap": {"bad*key": "x"}}])
        bad([{"resourceType": "Cases", "tagMap": {"k": "bad*value"}}])
        bad([{"resourceType": "Cases", "tagMap": {"k" * 129: "v"}}])
        bad([{"resourceType": "Cases", "tagMap": {"k": "v" * 257}}])
        bad(tpc({"a": "1"}) + tpc({"b": "2"}))
        bad([{"tagMap": {"a": "b"}}])
        bad([{"resourceType": "Cases"}])
        self.assertEqual(self.templates(), {})
        ten = {"k%d" % i: "v" * 256 for i in range(10)}
        tid = self.new_template(self.dom, tagPropagationConfigurations=tpc(ten))
        self.assertEqual(self.get(tid)["tagPropagationConfigurations"], tpc(ten))

    def test_update_partial(self):
        tid = self.new_template(self.dom, name="Orig", description="d1",
                                layoutConfiguration={"defaultLayout": self.lay},
                                requiredFields=[{"fieldId": self.f1}])
        before = self.get(tid)
        time.sleep(0.01)
        r = self.cc.update_template(domainId=self.dom, templateId=tid, name="Renamed")
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 200)
        g = self.get(tid)
        self.assertEqual(g["name"], "Renamed")
        self.assertEqual(g["description"], "d1")
        self.assertEqual(g["layoutConfiguration"], {"defaultLayout": self.lay})
        self.assertEqual(g["requiredFields"], [{"fieldId": self.f1}])
        self.assertEqual(g["status"], "Active")
        self.assertEqual(g["createdTime"], before["createdTime"])
        self.assertGreaterEqual(g["lastModifiedTime"], before["lastModifiedTime"])

    def test_update_replaces_lists_and_status(self):
        tid = self.new_template(self.dom, requiredFields=[{"fieldId": self.f1}])
        lay2 = self.new_layout(self.dom, [self.f2])
        prop = tpc({"Dept": "Finance"})
        self.cc.update_template(domainId=self.dom, templateId=tid,
                                requiredFields=[{"fieldId": self.f2}, {"fieldId": "summary"}],
                                status="Inactive", description="new",
                                layoutConfiguration={"defaultLayout": lay2},
                                tagPropagationConfigurations=prop)
        g = self.get(tid)
        self.assertEqual(g["requiredFields"], [{"fieldId": self.f2}, {"fieldId": "summary"}])
        self.assertEqual(g["status"], "Inactive")
        self.assertEqual(g["description"], "new")
        self.assertEqual(g["layoutConfiguration"], {"defaultLayout": lay2})
        self.assertEqual(g["tagPropagationConfigurations"], prop)
        self.assertEqual(set(self.templates(status=["Inactive"])), {tid})
        self.assertEqual(self.templates(status=["Active"]), {})
        self.cc.update_template(domainId=self.dom, templateId=tid, status="Active")
        self.assertEqual(set(self.templates(status=["Active"])), {tid})

    def test_update_validation(self):
        tid = self.new_template(self.dom, name="V")
        self.assertValidation(self.cc.update_template, domainId=self.dom, templateId=tid,
                              requiredFields=[{"fieldId": "nope"}])
        self.assertValidation(self.cc.update_template, domainId=self.dom, templateId=tid,
                              layoutConfiguration={"defaultLayout": "nope"})
        self.assertValidation(self.nv.update_template, domainId=self.dom, templateId=tid,
                              status="Paused")
        self.assertValidation(self.nv.update_template, domainId=self.dom, templateId=tid,
                              name="n" * 101)
        self.assertValidation(self.nv.update_template, domainId=self.dom, templateId=tid,
                              tagPropagationConfigurations=tpc({"aws:x": "y"}))
        g = self.get(tid)
        self.assertEqual((g["name"], g["status"]), ("V", "Active"))
        self.assertEqual(g.get("requiredFields", []), [])

    def test_update_requires_an_attribute(self):
        tid = self.new_template(self.dom, name="Untouched")
        self.assertValidation(self.nv.update_template, domainId=self.dom, templateId=tid)
        self.assertEqual(self.get(tid)["name"], "Untouched")

    def test_update_to_taken_name_conflict(self):
        self.new_template(self.dom, name="One")
        tid = self.new_template(self.dom, name="Two")
        self.assertConflict(self.cc.update_template, domainId=self.dom, templateId=tid, name="One")
        self.assertEqual(self.get(tid)["name"], "Two")

    def test_delete_is_soft(self):
        tid = self.new_template(self.dom, name="Bye", requiredFields=[{"fieldId": self.f1}])
        keep = self.new_template(self.dom)
        r = self.cc.delete_template(domainId=self.dom, templateId=tid)
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 200)
        g = self.get(tid)
        self.assertIs(g["deleted"], True)
        self.assertEqual(g["name"], "Bye")
        self.assertEqual(g["requiredFields"], [{"fieldId": self.f1}])
        self.assertEqual(set(self.templates()), {keep})
        self.assertEqual(set(self.templates(status=["Active", "Inactive"])), {keep})
        self.assertValidation(self.cc.update_template, domainId=self.dom, templateId=tid,
                              name="Back")
        self.assertValidation(self.cc.update_template, domainId=self.dom, templateId=tid,
                              status="Inactive")

    def test_deleted_field_dropped_from_template(self):
        tid = self.new_template(self.dom, requiredFields=[{"fieldId": self.f1},
                                                          {"fieldId": self.f2},
                                                          {"fieldId": "summary"}])
        self.cc.delete_field(domainId=self.dom, fieldId=self.f1)
        self.assertEqual(self.get(tid)["requiredFields"],
                         [{"fieldId": self.f2}, {"fieldId": "summary"}])

    def test_not_found(self):
        self.assertNotFound(self.cc.get_template, resource_id="ghost", domainId=self.dom,
                            templateId="ghost")
        self.assertNotFound(self.cc.update_template, resource_id="ghost", domainId=self.dom,
                            templateId="ghost", name="x")
        self.assertNotFound(self.cc.delete_template, resource_id="ghost", domainId=self.dom,
                            templateId="ghost")
        d = str(uuid.uuid4())
        self.assertNotFound(self.cc.create_template, resource_id=d, domainId=d, name="x")
        self.assertNotFound(self.cc.list_templates, resource_id=d, domainId=d)
        self.assertNotFound(self.cc.get_template, resource_id=d, domainId=d, templateId="x")

    def test_template_of_other_domain_404(self):
        tid = self.new_template(self.dom)
        other = self.new_domain()
        self.assertNotFound(self.cc.get_template, domainId=other, templateId=tid)


class TemplateValidationTests(CasesTestCase):

    def setUp(self):
        super().setUp()
        self.dom = self.new_domain()

    def test_shape_violations(self):
        bad = lambda **kw: self.assertValidation(self.nv.create_template, domainId=self.dom, **kw)
        bad(name="n" * 101)
        bad(name="")
        bad(name="trailing ")
        bad()
        bad(name="ok1", description="d" * 256)
        bad(name="ok2", status="Paused")
        bad(name="ok3", requiredFields=[{}])
        bad(name="ok4", requiredFields=[{"fieldId": "title"}] * 101)
        self.assertEqual(self.cc.list_templates(domainId=self.dom)["templates"], [])

    def test_boundaries_accepted(self):
        tid = self.new_template(self.dom, name="n" * 100, description="d" * 255)
        g = self.cc.get_template(domainId=self.dom, templateId=tid)
        self.assertEqual((g["name"], g["description"]), ("n" * 100, "d" * 255))

    def test_list_bounds(self):
        self.assertValidation(self.nv.list_templates, domainId=self.dom, maxResults=0)
        self.assertValidation(self.nv.list_templates, domainId=self.dom, maxResults=101)
        self.assertValidation(self.nv.list_templates, domainId=self.dom, status=["Paused"])
        self.assertValidation(self.nv.list_templates, domainId=self.dom,
                              status=["Active", "Inactive", "Active"])


class TemplateQuotaTests(CasesTestCase):
    server_args = ["--quota", "templates=2"]

    def test_template_quota(self):
        dom = self.new_domain()
        self.new_template(dom)
        self.new_template(dom, status="Inactive")
        exc = self.assertQuota(self.cc.create_template, domainId=dom, name=unique("t"))
        self.assertTrue(exc.response["Error"]["Message"])
        self.assertEqual(len(self.cc.list_templates(domainId=dom)["templates"]), 2)
        self.new_template(self.new_domain())


if __name__ == "__main__":
    unittest.main()
