"""Related items: CreateRelatedItem, UpdateRelatedItem, DeleteRelatedItem,
SearchRelatedItems, SearchAllRelatedItems, ListCasesForContact.

SLA Overdue and NotMet need the clock to pass a target time of at least a
minute; tests/unit/test_sla.c covers them on a pinned clock."""

import datetime
import re

from harness import CasesTestCase, UUID_RE, walk

CUSTOMER = "arn:aws:profile:us-east-1:123456789012:domains/shop/profiles/0f1e2d3c"
USER = "arn:aws:connect:us-east-1:123456789012:instance/inst-1/agent/agent-1"
INSTANCE = "arn:aws:connect:us-east-1:123456789012:instance/inst-1"
ITEM_ARN_RE = re.compile(
    r"^arn:aws:cases:us-east-1:(\d{12}):domain/([^/]+)/case/([^/]+)/related-item/([^/]+)$")


def s(v):
    return {"stringValue": v}


def contact_arn(n):
    return "%s/contact/contact-%s" % (INSTANCE, n)


def file_arn(n):
    return "%s/file/file-%s" % (INSTANCE, n)


def comment(body="A note"):
    return {"comment": {"body": body, "contentType": "Text/Plain"}}


def sla(name="resolve", field="status", target="closed", minutes=60):
    return {"sla": {"slaInputConfiguration": {
        "name": name, "type": "CaseField", "fieldId": field,
        "targetFieldValues": [s(target)], "targetSlaMinutes": minutes}}}


def custom(*pairs):
    return {"custom": {"fields": [{"id": fid, "value": v} for fid, v in pairs]}}


class RelatedItemBase(CasesTestCase):
    """A domain with custom fields, an Active template and one case."""

    def setUp(self):
        super().setUp()
        self.dom = self.new_domain()
        self.sku = self.new_field(self.dom, "Text")
        self.qty = self.new_field(self.dom, "Number")
        self.paid = self.new_field(self.dom, "Boolean")
        self.size = self.new_field(self.dom, "SingleSelect")
        self.cc.batch_put_field_options(domainId=self.dom, fieldId=self.size, options=[
            {"name": "Small", "value": "s", "active": True},
            {"name": "Large", "value": "l", "active": True},
            {"name": "Gone", "value": "gone", "active": False}])
        self.tpl = self.new_template(self.dom, status="Active")
        self.case = self.new_case()

    # ---- helpers ---------------------------------------------------------
    def new_case(self, dom=None, tpl=None):
        return self.cc.create_case(
            domainId=dom or self.dom, templateId=tpl or self.tpl,
            fields=[{"id": "title", "value": s("A case")},
                    {"id": "customer_id", "value": s(CUSTOMER)}])["caseId"]

    def add(self, content, case=None, type_=None, **kw):
        kind = type_ or {"contact": "Contact", "comment": "Comment", "file": "File",
                         "sla": "Sla", "connectCase": "ConnectCase",
                         "custom": "Custom"}[next(iter(content))]
        r = self.cc.create_related_item(domainId=self.dom, caseId=case or self.case,
                                        type=kind, content=content, **kw)
        return r["relatedItemId"]

    def search(self, case=None, **kw):
        items, _ = walk(self.cc.search_related_items, "relatedItems", tc=self,
                        domainId=self.dom, caseId=case or self.case, **kw)
        return items

    def search_all(self, **kw):
        items, _ = walk(self.cc.search_all_related_items, "relatedItems", tc=self,
                        domainId=self.dom, **kw)
        return items

    def item(self, item_id, case=None):
        for it in self.search(case):
            if it["relatedItemId"] == item_id:
                return it
        self.fail("related item %s not found" % item_id)

    def sla_conf(self, item_id, case=None):
        return self.item(item_id, case)["content"]["sla"]["slaConfiguration"]

    def set_status(self, value, case=None):
        self.cc.update_case(domainId=self.dom, caseId=case or self.case,
                            fields=[{"id": "status", "value": s(value)}])

    def events(self, case=None):
        return self.cc.get_case_audit_events(domainId=self.dom,
                                             caseId=case or self.case)["auditEvents"]

    def ids(self, items):
        return [it["relatedItemId"] for it in items]


class CreateTests(RelatedItemBase):

    def test_every_type_is_created_and_returned(self):
        other = self.new_case()
        made = {
            "Contact": self.add({"contact": {"contactArn": contact_arn(1)}}),
            "Comment": self.add(comment("Call back tomorrow")),
            "File": self.add({"file": {"fileArn": file_arn(1)}}),
            "Sla": self.add(sla(minutes=90)),
            "ConnectCase": self.add({"connectCase": {"caseId": other}}),
            "Custom": self.add(custom((self.sku, s("W-1")), (self.qty, {"doubleValue": 2}))),
        }
        items = {it["type"]: it for it in self.search()}
        self.assertEqual(set(items), set(made))
        for kind, item_id in made.items():
            it = items[kind]
            self.assertRegex(item_id, UUID_RE)
            self.assertEqual(it["relatedItemId"], item_id)
            self.assertRecent(it["associationTime"])
            self.assertEqual(it["tags"], {})
            self.assertNotIn("caseId", it)
        contact = items["Contact"]["content"]["contact"]
        self.assertEqual(contact["contactArn"], contact_arn(1))
        self.assertEqual(contact["channel"], "VOICE")
        self.assertEqual(contact["connectedToSystemTime"], items["Contact"]["associationTime"])
        self.assertEqual(items["Comment"]["content"]["comment"],
                         {"body": "Call back tomorrow", "contentType": "Text/Plain"})
        self.assertEqual(items["File"]["content"]["file"], {"fileArn": file_arn(1)})
        conf = items["Sla"]["content"]["sla"]["slaConfiguration"]
        self.assertEqual((conf["name"], conf["type"], conf["status"], conf["fieldId"]),
                         ("resolve", "CaseField", "Active", "status"))
        self.assertEqual(conf["targetFieldValues"], [s("closed")])
        self.assertEqual(conf["targetTime"] - items["Sla"]["associationTime"],
                         datetime.timedelta(minutes=90))
        self.assertNotIn("completionTime", conf)
        self.assertEqual(items["ConnectCase"]["content"]["connectCase"], {"caseId": other})
        self.assertEqual(items["Custom"]["content"]["custom"]["fields"],
                         [{"id": self.sku, "value": s("W-1")},
                          {"id": self.qty, "value": {"doubleValue": 2.0}}])

    def test_response_and_arn(self):
        r = self.cc.create_related_item(domainId=self.dom, caseId=self.case, type="Comment",
                                        content=comment())
        m = ITEM_ARN_RE.match(r["relatedItemArn"])
        self.assertIsNotNone(m, r["relatedItemArn"])
        self.assertEqual(m.groups(), (self.account, self.dom, self.case, r["relatedItemId"]))

    def test_performed_by_is_kept(self):
        a = self.add(comment(), performedBy={"userArn": USER})
        b = self.add(comment(), performedBy={"customEntity": "billing-bot"})
        c = self.add(comment())
        self.assertEqual(self.item(a)["performedBy"], {"userArn": USER})
        self.assertEqual(self.item(b)["performedBy"], {"customEntity": "billing-bot"})
        self.assertNotIn("performedBy", self.item(c))
        self.assertValidation(self.cc.create_related_item, domainId=self.dom,
                              caseId=self.case, type="Comment", content=comment(),
                              performedBy={"userArn": "not-an-arn"})

    def test_type_must_match_content(self):
        for kind, content in [("Comment", {"contact": {"contactArn": contact_arn(1)}}),
                              ("Contact", comment()), ("Sla", custom((self.sku, s("x")))),
                              ("Custom", sla()), ("File", {"connectCase": {"caseId": self.case}})]:
            self.assertValidation(self.cc.create_related_item, domainId=self.dom,
                                  caseId=self.case, type=kind, content=content)
        self.assertEqual(self.search(), [])

    def test_unknown_domain_or_case(self):
        exc = self.assertNotFound(self.cc.create_related_item, domainId="nope",
                                  caseId=self.case, type="Comment", content=comment())
        self.assertEqual(exc.response["resourceType"], "Domain")
        exc = self.assertNotFound(self.cc.create_related_item, resource_id="nope",
                                  domainId=self.dom, caseId="nope", type="Comment",
                                  content=comment())
        self.assertEqual(exc.response["resourceType"], "Case")

    def test_contact_and_file_arn_shapes(self):
        for bad in ["contact-1", "arn:aws:connect:us-east-1:123456789012:instance/i",
                    "arn:aws:connect:us-east-1:1234:instance/i/contact/c",
                    "arn:aws:cases:us-east-1:123456789012:instance/i/contact/c",
                    file_arn(1)]:
            self.assertValidation(self.cc.create_related_item, domainId=self.dom,
                                  caseId=self.case, type="Contact",
                                  content={"contact": {"contactArn": bad}})
        self.assertValidation(self.cc.create_related_item, domainId=self.dom,
                              caseId=self.case, type="File",
                              content={"file": {"fileArn": contact_arn(1)}})
        self.add({"contact": {"contactArn":
                              "arn:aws-us-gov:connect:us-gov-west-1:123456789012:"
                              "instance/i-1/contact/c.2_x"}})

    def test_comment_limits(self):
        self.add(comment("x" * 15000))
        for body in ["x" * 15001, ""]:
            self.assertValidation(self.nv.create_related_item, domainId=self.dom,
                                  caseId=self.case, type="Comment", content=comment(body))
        self.assertValidation(self.nv.create_related_item, domainId=self.dom,
                              caseId=self.case, type="Comment",
                              content={"comment": {"body": "x", "contentType": "Text/Html"}})

    def test_custom_rules(self):
        bad = [
            custom(("title", s("system fields are refused"))),
            custom(("status", s("open"))),
            custom(("no-such-field", s("x"))),
            custom((self.sku, s("a")), (self.sku, s("b"))),
            custom((self.qty, s("not a number"))),
            custom((self.size, s("gone"))),
            custom((self.size, s("unknown"))),
        ]
        for content in bad:
            self.assertValidation(self.cc.create_related_item, domainId=self.dom,
                                  caseId=self.case, type="Custom", content=content)
        deleted = self.new_field(self.dom, "Text")
        self.cc.delete_field(domainId=self.dom, fieldId=deleted)
        self.assertValidation(self.cc.create_related_item, domainId=self.dom,
                              caseId=self.case, type="Custom",
                              content=custom((deleted, s("x"))))
        self.assertEqual(self.search(), [])
        five = [self.new_field(self.dom, "Text") for _ in range(5)]
        self.add(custom(*[(f, s("v")) for f in five]))
        six = five + [self.sku]
        self.assertQuota(self.cc.create_related_item, domainId=self.dom, caseId=self.case,
                         type="Custom", content=custom(*[(f, s("v")) for f in six]))

    def test_sla_rules(self):
        bad = [
            sla(field=self.sku, target="x"),          # not a SingleSelect field
            sla(field="status", target="pending"),    # no such option
            sla(field="no-such-field"),
        ]
        for content in bad:
            self.assertValidation(self.cc.create_related_item, domainId=self.dom,
                                  caseId=self.case, type="Sla", content=content)
        no_field = sla()
        del no_field["sla"]["slaInputConfiguration"]["fieldId"]
        self.assertValidation(self.cc.create_related_item, domainId=self.dom,
                              caseId=self.case, type="Sla", content=no_field)
        number = sla()
        number["sla"]["slaInputConfiguration"]["targetFieldValues"] = [{"doubleValue": 1}]
        self.assertValidation(self.cc.create_related_item, domainId=self.dom,
                              caseId=self.case, type="Sla", content=number)
        two = sla()
        two["sla"]["slaInputConfiguration"]["targetFieldValues"] = [s("closed"), s("open")]
        self.assertValidation(self.nv.create_related_item, domainId=self.dom,
                              caseId=self.case, type="Sla", content=two)
        for minutes in (0, 1051201):
            self.assertValidation(self.nv.create_related_item, domainId=self.dom,
                                  caseId=self.case, type="Sla", content=sla(minutes=minutes))
        self.add(sla(field=self.size, target="l", minutes=1051200))

    def test_connect_case_must_name_another_case_of_the_domain(self):
        other_dom = self.new_domain()
        foreign = self.new_case(other_dom, self.new_template(other_dom, status="Active"))
        for target in ["no-such-case", self.case, foreign]:
            self.assertValidation(self.cc.create_related_item, domainId=self.dom,
                                  caseId=self.case, type="ConnectCase",
                                  content={"connectCase": {"caseId": target}})
        self.add({"connectCase": {"caseId": self.new_case()}})


class QuotaTests(RelatedItemBase):
    """Default quotas: 200 items, 50 files and 10 SLAs per case."""

    def test_related_items_per_case(self):
        for i in range(150):
            self.add(comment("note %d" % i))
        for i in range(40):
            self.add({"contact": {"contactArn": contact_arn(i)}})
        for i in range(10):
            self.add({"file": {"fileArn": file_arn(i)}})
        self.assertQuota(self.cc.create_related_item, domainId=self.dom,
                         caseId=self.case, type="Comment", content=comment())
        self.assertEqual(len(self.search()), 200)
        # the quota is per case, and a deletion frees a place
        self.add(comment(), case=self.new_case())
        victim = self.cc.search_related_items(domainId=self.dom, caseId=self.case,
                                              filters=[{"comment": {}}],
                                              maxResults=1)["relatedItems"][0]["relatedItemId"]
        self.cc.delete_related_item(domainId=self.dom, caseId=self.case, relatedItemId=victim)
        self.add(comment("fits again"))

    def test_files_per_case(self):
        for i in range(50):
            self.add({"file": {"fileArn": file_arn(i)}})
        self.assertQuota(self.cc.create_related_item, domainId=self.dom, caseId=self.case,
                         type="File", content={"file": {"fileArn": file_arn(99)}})
        self.add(comment("other types still fit"))

    def test_slas_per_case(self):
        for i in range(10):
            self.add(sla(name="sla %d" % i))
        self.assertQuota(self.cc.create_related_item, domainId=self.dom, caseId=self.case,
                         type="Sla", content=sla(name="one too many"))
        self.add(comment("other types still fit"))


class UpdateDeleteTests(RelatedItemBase):

    def test_update_comment(self):
        item_id = self.add(comment("first"), performedBy={"customEntity": "creator"})
        r = self.cc.update_related_item(domainId=self.dom, caseId=self.case,
                                        relatedItemId=item_id,
                                        content={"comment": {"body": "second",
                                                             "contentType": "Text/Plain"}},
                                        performedBy={"userArn": USER})
        self.assertEqual(r["relatedItemId"], item_id)
        self.assertEqual(ITEM_ARN_RE.match(r["relatedItemArn"]).group(4), item_id)
        self.assertEqual(r["type"], "Comment")
        self.assertEqual(r["content"], comment("second"))
        self.assertEqual(r["associationTime"], self.item(item_id)["associationTime"])
        self.assertEqual(r["tags"], {})
        self.assertEqual(r["lastUpdatedUser"], {"userArn": USER})
        self.assertEqual(r["createdBy"], {"customEntity": "creator"})
        self.assertEqual(self.item(item_id)["content"], comment("second"))
        self.assertEqual(self.item(item_id)["performedBy"], {"customEntity": "creator"})

    def test_update_custom_replaces_every_field(self):
        item_id = self.add(custom((self.sku, s("A")), (self.qty, {"doubleValue": 1})))
        r = self.cc.update_related_item(domainId=self.dom, caseId=self.case,
                                        relatedItemId=item_id,
                                        content=custom((self.paid, {"booleanValue": True})))
        self.assertEqual(r["content"]["custom"]["fields"],
                         [{"id": self.paid, "value": {"booleanValue": True}}])
        self.assertEqual(self.item(item_id)["content"]["custom"]["fields"],
                         [{"id": self.paid, "value": {"booleanValue": True}}])
        fields = [self.new_field(self.dom, "Text") for _ in range(6)]
        self.assertQuota(self.cc.update_related_item, domainId=self.dom, caseId=self.case,
                         relatedItemId=item_id, content=custom(*[(f, s("v")) for f in fields]))
        self.assertValidation(self.cc.update_related_item, domainId=self.dom,
                              caseId=self.case, relatedItemId=item_id,
                              content=custom(("title", s("no"))))
        self.assertEqual(len(self.item(item_id)["content"]["custom"]["fields"]), 1)

    def test_update_refuses_other_types_and_mismatches(self):
        others = [self.add({"contact": {"contactArn": contact_arn(1)}}),
                  self.add({"file": {"fileArn": file_arn(1)}}), self.add(sla()),
                  self.add({"connectCase": {"caseId": self.new_case()}})]
        for item_id in others:
            self.assertValidation(self.cc.update_related_item, domainId=self.dom,
                                  caseId=self.case, relatedItemId=item_id,
                                  content=comment("no"))
        note = self.add(comment())
        self.assertValidation(self.cc.update_related_item, domainId=self.dom,
                              caseId=self.case, relatedItemId=note,
                              content=custom((self.sku, s("x"))))
        self.assertNotFound(self.cc.update_related_item, resource_id="nope",
                            domainId=self.dom, caseId=self.case, relatedItemId="nope",
                            content=comment())
        self.assertNotFound(self.cc.update_related_item, domainId=self.dom,
                            caseId=self.new_case(), relatedItemId=note, content=comment())

    def test_delete(self):
        keep = self.add(comment("keep"))
        gone = self.add(sla())
        arn = "%s/case/%s/related-item/%s" % (self.domain_arn(self.dom), self.case, gone)
        self.cc.tag_resource(arn=arn, tags={"team": "blue"})
        self.assertEqual(self.item(gone)["tags"], {"team": "blue"})
        r = self.cc.delete_related_item(domainId=self.dom, caseId=self.case,
                                        relatedItemId=gone)
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertEqual(self.ids(self.search()), [keep])
        exc = self.assertNotFound(self.cc.delete_related_item, resource_id=gone,
                                  domainId=self.dom, caseId=self.case, relatedItemId=gone)
        self.assertEqual(exc.response["resourceType"], "RelatedItem")
        self.assertNotFound(self.cc.list_tags_for_resource, arn=arn)
        self.assertNotFound(self.cc.delete_related_item, domainId=self.dom,
                            caseId="nope", relatedItemId=keep)

    def test_files_cannot_be_deleted(self):
        item_id = self.add({"file": {"fileArn": file_arn(1)}})
        self.assertValidation(self.cc.delete_related_item, domainId=self.dom,
                              caseId=self.case, relatedItemId=item_id)
        self.assertEqual(self.ids(self.search()), [item_id])

    def test_audit_events(self):
        note = self.add(comment(), performedBy={"userArn": USER})
        self.cc.update_related_item(domainId=self.dom, caseId=self.case, relatedItemId=note,
                                    content=comment("edited"),
                                    performedBy={"customEntity": "editor"})
        self.cc.delete_related_item(domainId=self.dom, caseId=self.case, relatedItemId=note)
        self.add({"contact": {"contactArn": contact_arn(1)}})
        got = [(e["type"], e.get("relatedItemType"), e["fields"], e["performedBy"].get("user"))
               for e in self.events() if e["type"].startswith("RelatedItem.")]
        self.assertEqual(got, [
            ("RelatedItem.Created", "Contact", [], None),
            ("RelatedItem.Deleted", "Comment", [], None),
            ("RelatedItem.Updated", "Comment", [], {"customEntity": "editor"}),
            ("RelatedItem.Created", "Comment", [], {"userArn": USER}),
        ])
        for e in self.events():
            self.assertTrue(e["performedBy"]["iamPrincipalArn"].startswith("arn:aws:iam::"))

    def test_failed_writes_leave_no_event(self):
        before = len(self.events())
        self.assertValidation(self.cc.create_related_item, domainId=self.dom,
                              caseId=self.case, type="Comment", content=sla())
        self.assertEqual(len(self.events()), before)

    def test_delete_case_removes_its_items(self):
        contact = contact_arn("shared")
        other = self.new_case()
        self.add({"contact": {"contactArn": contact}})
        gone = self.add(comment())
        kept = self.add({"contact": {"contactArn": contact}}, case=other)
        arn = "%s/case/%s/related-item/%s" % (self.domain_arn(self.dom), self.case, gone)
        self.cc.tag_resource(arn=arn, tags={"k": "v"})
        self.cc.delete_case(domainId=self.dom, caseId=self.case)
        self.assertEqual(self.ids(self.search_all()), [kept])
        self.assertEqual([c["caseId"] for c in self.cc.list_cases_for_contact(
            domainId=self.dom, contactArn=contact)["cases"]], [other])
        self.assertNotFound(self.cc.search_related_items, domainId=self.dom, caseId=self.case)
        self.assertNotFound(self.cc.list_tags_for_resource, arn=arn)

    def test_delete_domain_removes_its_items(self):
        self.add(comment())
        self.cc.delete_domain(domainId=self.dom)
        self.assertNotFound(self.cc.search_all_related_items, domainId=self.dom)


class SlaTests(RelatedItemBase):

    def test_met_when_the_field_reaches_the_target(self):
        item_id = self.add(sla(minutes=30))
        self.assertEqual(self.sla_conf(item_id)["status"], "Active")
        self.set_status("closed")
        conf = self.sla_conf(item_id)
        self.assertEqual(conf["status"], "Met")
        self.assertRecent(conf["completionTime"])
        self.assertLessEqual(conf["completionTime"], conf["targetTime"])
        # the completion stays as first seen, whatever the field does next
        self.set_status("open")
        self.assertEqual(self.sla_conf(item_id), conf)

    def test_completion_is_when_the_field_changed(self):
        item_id = self.add(sla(minutes=30))
        self.set_status("closed")
        changed = [e for e in self.events() if e["type"] == "Case.Updated"][0]["performedTime"]
        self.cc.update_case(domainId=self.dom, caseId=self.case,
                            fields=[{"id": "title", "value": s("later change")}])
        conf = self.sla_conf(item_id)
        self.assertEqual(conf["status"], "Met")
        self.assertEqual(conf["completionTime"], changed)

    def test_met_at_association_when_already_at_target(self):
        self.set_status("closed")
        item_id = self.add(sla(minutes=5))
        it = self.item(item_id)
        conf = it["content"]["sla"]["slaConfiguration"]
        self.assertEqual(conf["status"], "Met")
        self.assertEqual(conf["completionTime"], it["associationTime"])

    def test_custom_field_sla_and_status_filter(self):
        small = self.add(sla(name="small", field=self.size, target="s"))
        large = self.add(sla(name="large", field=self.size, target="l"))
        self.cc.update_case(domainId=self.dom, caseId=self.case,
                            fields=[{"id": self.size, "value": s("l")}])
        self.assertEqual(self.ids(self.search(filters=[{"sla": {"status": "Met"}}])), [large])
        self.assertEqual(self.ids(self.search(filters=[{"sla": {"status": "Active"}}])), [small])
        self.assertEqual(self.ids(self.search_all(filters=[{"sla": {"status": "Met"}}])),
                         [large])
        self.assertEqual(self.ids(self.search(filters=[{"sla": {"name": "small"}}])), [small])


class SearchTests(RelatedItemBase):

    def setUp(self):
        super().setUp()
        self.c1 = self.add({"contact": {"contactArn": contact_arn(1)}})
        self.c2 = self.add({"contact": {"contactArn": contact_arn(2)}})
        self.note = self.add(comment())
        self.file = self.add({"file": {"fileArn": file_arn(1)}})
        self.sla = self.add(sla(name="first response"))
        self.linked = self.new_case()
        self.link = self.add({"connectCase": {"caseId": self.linked}})
        self.cu1 = self.add(custom((self.sku, s("Widget-7")), (self.qty, {"doubleValue": 5})))
        self.cu2 = self.add(custom((self.sku, s("Gadget-1")), (self.qty, {"doubleValue": 1}),
                                   (self.paid, {"booleanValue": True})))

    def found(self, *filters, **kw):
        return set(self.ids(self.search(filters=list(filters), **kw)))

    def test_no_filters_return_everything_newest_first(self):
        self.assertEqual(self.ids(self.search()), [self.cu2, self.cu1, self.link, self.sla,
                                                   self.file, self.note, self.c2, self.c1])

    def test_type_filters(self):
        self.assertEqual(self.found({"contact": {}}), {self.c1, self.c2})
        self.assertEqual(self.found({"comment": {}}), {self.note})
        self.assertEqual(self.found({"file": {}}), {self.file})
        self.assertEqual(self.found({"file": {"fileArn": file_arn(2)}}), set())
        self.assertEqual(self.found({"sla": {}}), {self.sla})
        self.assertEqual(self.found({"connectCase": {"caseId": self.linked}}), {self.link})
        self.assertEqual(self.found({"connectCase": {"caseId": self.case}}), set())
        self.assertEqual(self.found({"custom": {}}), {self.cu1, self.cu2})

    def test_filters_are_ored_attributes_anded(self):
        self.assertEqual(self.found({"comment": {}}, {"file": {}}), {self.note, self.file})
        self.assertEqual(self.found({"contact": {"contactArn": contact_arn(1)}},
                                    {"contact": {"contactArn": contact_arn(2)}}),
                         {self.c1, self.c2})
        self.assertEqual(self.found({"contact": {"contactArn": contact_arn(1),
                                                 "channel": ["VOICE"]}}), {self.c1})
        self.assertEqual(self.found({"contact": {"contactArn": contact_arn(1),
                                                 "channel": ["CHAT", "TASK"]}}), set())
        self.assertEqual(self.found({"contact": {"channel": ["CHAT", "VOICE"]}}),
                         {self.c1, self.c2})
        self.assertEqual(self.found({"sla": {"name": "first response", "status": "Met"}}),
                         set())

    def test_custom_field_filters(self):
        def f(op, fid, value):
            return {"custom": {"fields": {"field": {op: {"id": fid, "value": value}}}}}
        self.assertEqual(self.found(f("equalTo", self.sku, s("Widget-7"))), {self.cu1})
        self.assertEqual(self.found(f("contains", self.sku, s("GET"))), {self.cu1, self.cu2})
        self.assertEqual(self.found(f("greaterThan", self.qty, {"doubleValue": 2})), {self.cu1})
        self.assertEqual(self.found(f("lessThanOrEqualTo", self.qty, {"doubleValue": 1})),
                         {self.cu2})
        self.assertEqual(self.found(f("equalTo", self.paid, {"emptyValue": {}})), {self.cu1})
        self.assertEqual(self.found({"custom": {"fields": {"not": {"field": {"equalTo": {
            "id": self.paid, "value": {"booleanValue": True}}}}}}}), {self.cu1})
        both = {"custom": {"fields": {"andAll": [
            {"field": {"contains": {"id": self.sku, "value": s("widget")}}},
            {"field": {"greaterThanOrEqualTo": {"id": self.qty, "value": {"doubleValue": 5}}}}]}}}
        self.assertEqual(self.found(both), {self.cu1})
        either = {"custom": {"fields": {"orAll": [
            {"field": {"equalTo": {"id": self.sku, "value": s("Gadget-1")}}},
            {"field": {"equalTo": {"id": self.qty, "value": {"doubleValue": 5}}}}]}}}
        self.assertEqual(self.found(either, {"comment": {}}), {self.cu1, self.cu2, self.note})
        for bad in [f("equalTo", "no-such-field", s("x")),
                    f("equalTo", self.qty, s("5")),
                    f("contains", self.qty, {"doubleValue": 5})]:
            self.assertValidation(self.cc.search_related_items, domainId=self.dom,
                                  caseId=self.case, filters=[bad])

    def test_paging(self):
        for i in range(22):
            self.add(comment("more %d" % i))
        everything = self.ids(self.search())
        self.assertEqual(len(everything), 30)
        items, pages = walk(self.cc.search_related_items, "relatedItems", page_size=7,
                            tc=self, domainId=self.dom, caseId=self.case)
        self.assertEqual(self.ids(items), everything)
        self.assertEqual(pages, 5)
        items, pages = walk(self.cc.search_related_items, "relatedItems", page_size=4,
                            tc=self, domainId=self.dom, caseId=self.case,
                            filters=[{"comment": {}}])
        self.assertEqual(len(items), 23)
        self.assertEqual(pages, 6)
        first = self.cc.search_related_items(domainId=self.dom, caseId=self.case,
                                             maxResults=25)
        self.assertEqual(len(first["relatedItems"]), 25)
        for bad in (0, 26):
            self.assertValidation(self.nv.search_related_items, domainId=self.dom,
                                  caseId=self.case, maxResults=bad)
        # a token belongs to its filters and its case
        token = self.cc.search_related_items(domainId=self.dom, caseId=self.case,
                                             maxResults=1)["nextToken"]
        self.assertValidation(self.cc.search_related_items, domainId=self.dom,
                              caseId=self.case, nextToken=token, filters=[{"comment": {}}])
        self.assertValidation(self.cc.search_related_items, domainId=self.dom,
                              caseId=self.linked, nextToken=token)
        self.assertValidation(self.cc.search_related_items, domainId=self.dom,
                              caseId=self.case, nextToken="garbage")

    def test_unknown_case_or_domain(self):
        self.assertNotFound(self.cc.search_related_items, resource_id="nope",
                            domainId=self.dom, caseId="nope")
        self.assertNotFound(self.cc.search_related_items, domainId="nope", caseId=self.case)

    def test_other_accounts_see_nothing(self):
        other = self.client(account="999999999999")
        self.assertAwsError(lambda: other.search_related_items(domainId=self.dom,
                                                               caseId=self.case),
                            "ResourceNotFoundException")


class SearchAllTests(RelatedItemBase):

    def setUp(self):
        super().setUp()
        self.cases = sorted([self.case, self.new_case(), self.new_case()])
        self.made = []      # (case, item id) in creation order
        for round_ in range(3):
            for case in self.cases:
                self.made.append((case, self.add(comment("r%d" % round_), case=case)))
        self.contact = self.add({"contact": {"contactArn": contact_arn(1)}},
                                case=self.cases[1])
        self.made.append((self.cases[1], self.contact))

    def pairs(self, items):
        return [(it["caseId"], it["relatedItemId"]) for it in items]

    def test_default_order_is_newest_first(self):
        items = self.search_all()
        self.assertEqual(self.pairs(items), list(reversed(self.made)))
        for it in items:
            self.assertIn("content", it)
            self.assertEqual(it["tags"], {})

    def test_sorts(self):
        def order(key, desc):
            return sorted(range(len(self.made)), key=lambda i: (key(i), i),
                          reverse=desc)
        case_asc = [self.made[i] for i in sorted(
            range(len(self.made)), key=lambda i: (self.made[i][0], i))]
        self.assertEqual(self.pairs(self.search_all(sorts=[
            {"sortProperty": "CaseId", "sortOrder": "Asc"}])), case_asc)
        # CaseId Desc, then AssociationTime Desc
        want = [self.made[i] for i in order(lambda i: self.made[i][0], True)]
        self.assertEqual(self.pairs(self.search_all(sorts=[
            {"sortProperty": "CaseId", "sortOrder": "Desc"},
            {"sortProperty": "AssociationTime", "sortOrder": "Desc"}])), want)
        # CaseId Asc, then AssociationTime Desc: mixed directions
        want = sorted(self.made, key=lambda p: (p[0], -self.made.index(p)))
        self.assertEqual(self.pairs(self.search_all(sorts=[
            {"sortProperty": "CaseId", "sortOrder": "Asc"},
            {"sortProperty": "AssociationTime", "sortOrder": "Desc"}])), want)
        self.assertEqual(self.pairs(self.search_all(sorts=[
            {"sortProperty": "AssociationTime", "sortOrder": "Asc"}])), self.made)
        self.assertValidation(self.cc.search_all_related_items, domainId=self.dom, sorts=[
            {"sortProperty": "CaseId", "sortOrder": "Asc"},
            {"sortProperty": "CaseId", "sortOrder": "Desc"}])

    def test_paging_with_every_sort(self):
        sorts = [[], [{"sortProperty": "CaseId", "sortOrder": "Asc"}],
                 [{"sortProperty": "AssociationTime", "sortOrder": "Asc"},
                  {"sortProperty": "CaseId", "sortOrder": "Desc"}],
                 [{"sortProperty": "CaseId", "sortOrder": "Desc"},
                  {"sortProperty": "AssociationTime", "sortOrder": "Asc"}]]
        for sort in sorts:
            whole = self.pairs(self.search_all(sorts=sort, maxResults=25))
            items, pages = walk(self.cc.search_all_related_items, "relatedItems",
                                page_size=3, tc=self, domainId=self.dom, sorts=sort)
            self.assertEqual(self.pairs(items), whole, sort)
            self.assertEqual(pages, 4, sort)

    def test_filters(self):
        self.assertEqual(self.pairs(self.search_all(filters=[{"contact": {}}])),
                         [(self.cases[1], self.contact)])
        self.assertEqual(len(self.search_all(filters=[{"contact": {}}, {"comment": {}}])), 10)
        self.assertEqual(self.search_all(filters=[{"file": {}}]), [])
        items, pages = walk(self.cc.search_all_related_items, "relatedItems", page_size=2,
                            tc=self, domainId=self.dom, filters=[{"comment": {}}])
        self.assertEqual(len(items), 9)
        self.assertEqual(pages, 5)
        token = self.cc.search_all_related_items(domainId=self.dom, maxResults=1)["nextToken"]
        self.assertValidation(self.cc.search_all_related_items, domainId=self.dom,
                              nextToken=token, sorts=[{"sortProperty": "CaseId",
                                                       "sortOrder": "Asc"}])

    def test_domain_isolation(self):
        other = self.new_domain()
        self.assertEqual(walk(self.cc.search_all_related_items, "relatedItems",
                              domainId=other)[0], [])
        self.assertNotFound(self.cc.search_all_related_items, domainId="nope")


class ListCasesForContactTests(RelatedItemBase):

    def test_cases_of_a_contact_paged(self):
        arn = contact_arn("shared")
        cases = [self.case] + [self.new_case() for _ in range(11)]
        for case in cases:
            self.add({"contact": {"contactArn": arn}}, case=case)
        self.add({"contact": {"contactArn": arn}}, case=cases[3])  # listed once
        self.add({"contact": {"contactArn": contact_arn("other")}}, case=self.new_case())
        items, pages = walk(self.cc.list_cases_for_contact, "cases", page_size=5, tc=self,
                            domainId=self.dom, contactArn=arn)
        self.assertEqual([c["caseId"] for c in items], cases)
        self.assertEqual({c["templateId"] for c in items}, {self.tpl})
        self.assertEqual(pages, 3)
        first = self.cc.list_cases_for_contact(domainId=self.dom, contactArn=arn)
        self.assertEqual(len(first["cases"]), 10)
        self.assertIn("nextToken", first)
        for bad in (0, 11):
            self.assertValidation(self.nv.list_cases_for_contact, domainId=self.dom,
                                  contactArn=arn, maxResults=bad)

    def test_unknown_contact_and_deleted_items(self):
        arn = contact_arn("once")
        self.assertEqual(self.cc.list_cases_for_contact(
            domainId=self.dom, contactArn=arn)["cases"], [])
        item_id = self.add({"contact": {"contactArn": arn}})
        self.assertEqual(len(self.cc.list_cases_for_contact(
            domainId=self.dom, contactArn=arn)["cases"]), 1)
        self.cc.delete_related_item(domainId=self.dom, caseId=self.case,
                                    relatedItemId=item_id)
        self.assertEqual(self.cc.list_cases_for_contact(
            domainId=self.dom, contactArn=arn)["cases"], [])
        self.assertNotFound(self.cc.list_cases_for_contact, domainId="nope",
                            contactArn=arn)
