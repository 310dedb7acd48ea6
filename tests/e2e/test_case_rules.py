"""Case rules: CreateCaseRule, UpdateCaseRule, DeleteCaseRule, ListCaseRules,
BatchGetCaseRule."""

import unittest

from harness import CasesTestCase, UUID_RE, unique, walk


def compare(field, op="equalTo", result=True, **operand):
    """One comparison condition; operand is e.g. stringValue="open"."""
    return {op: {"operandOne": {"fieldId": field}, "operandTwo": operand,
                 "result": result}}


def required(*conditions, default=False):
    return {"required": {"defaultValue": default, "conditions": list(conditions)}}


def hidden(*conditions, default=True):
    return {"hidden": {"defaultValue": default, "conditions": list(conditions)}}


def field_options(parent, child, mappings=None):
    return {"fieldOptions": {
        "parentFieldId": parent, "childFieldId": child,
        "parentChildFieldOptionsMappings": mappings or [
            {"parentFieldOptionValue": "us", "childFieldOptionValues": ["east", "west"]}]}}


OPEN = compare("status", stringValue="open")


class CaseRuleTests(CasesTestCase):

    def setUp(self):
        super().setUp()
        self.dom = self.new_domain()

    def create(self, rule=None, name=None, **kw):
        r = self.cc.create_case_rule(domainId=self.dom, name=name or unique("rule"),
                                     rule=rule or required(OPEN), **kw)
        return r["caseRuleId"]

    def get(self, rid):
        r = self.cc.batch_get_case_rule(domainId=self.dom, caseRules=[{"id": rid}])
        self.assertEqual(r["errors"], [])
        self.assertEqual(len(r["caseRules"]), 1)
        return r["caseRules"][0]

    def listed(self):
        return walk(self.cc.list_case_rules, "caseRules", domainId=self.dom)[0]

    # ---- CreateCaseRule --------------------------------------------------
    def test_create_returns_id_and_arn(self):
        r = self.cc.create_case_rule(domainId=self.dom, name="Needs reason",
                                     rule=required(OPEN))
        self.assertRegex(r["caseRuleId"], UUID_RE)
        self.assertEqual(r["caseRuleArn"],
                         self.sub_arn(self.dom, "case-rule", r["caseRuleId"]))

    def test_create_then_get_round_trips(self):
        rule = required(OPEN, compare("summary", "notEqualTo", False, emptyValue={}))
        rid = self.create(rule, name="r", description="why")
        got = self.get(rid)
        self.assertEqual(got["caseRuleId"], rid)
        self.assertEqual(got["name"], "r")
        self.assertEqual(got["description"], "why")
        self.assertEqual(got["rule"], rule)
        self.assertFalse(got["deleted"])
        self.assertRecent(got["createdTime"])
        self.assertEqual(got["createdTime"], got["lastModifiedTime"])
        self.assertEqual(got["tags"], {})

    def test_every_rule_type(self):
        parent = self.new_field(self.dom, "SingleSelect")
        child = self.new_field(self.dom, "SingleSelect")
        text = self.new_field(self.dom, "Text")
        num = self.new_field(self.dom, "Number")
        rules = [
            required(compare(num, doubleValue=2.5)),
            hidden({"andAll": {"conditions": [compare(text, emptyValue={}), OPEN]}},
                   {"orAll": {"conditions": [OPEN, compare("status", stringValue="closed")]}}),
            field_options(parent, child),
        ]
        for rule in rules:
            self.assertEqual(self.get(self.create(rule))["rule"], rule)

    def test_names_need_not_be_unique(self):
        a = self.create(name="same")
        b = self.create(name="same")
        self.assertNotEqual(a, b)
        self.assertEqual(sorted(r["name"] for r in self.listed()), ["same", "same"])

    def test_unknown_domain(self):
        self.assertNotFound(self.cc.create_case_rule, domainId="no-such-domain",
                            name="r", rule=required(OPEN))

    def test_unknown_or_deleted_field(self):
        gone = self.new_field(self.dom)
        self.cc.delete_field(domainId=self.dom, fieldId=gone)
        for fid in ["no-such-field", gone]:
            exc = self.assertValidation(self.cc.create_case_rule, domainId=self.dom,
                                        name="r", rule=required(compare(fid, stringValue="x")))
            self.assertIn(fid, exc.response["Error"]["Message"])
        nested = {"orAll": {"conditions": [OPEN, compare("nope", booleanValue=True)]}}
        self.assertValidation(self.cc.create_case_rule, domainId=self.dom, name="r",
                              rule=hidden(nested))

    def test_field_options_checks(self):
        a = self.new_field(self.dom, "SingleSelect")
        b = self.new_field(self.dom, "SingleSelect")
        text = self.new_field(self.dom, "Text")
        bad = [field_options(a, a), field_options(a, text), field_options(text, b),
               field_options(a, "no-such-field"),
               field_options(a, b, [{"parentFieldOptionValue": "x", "childFieldOptionValues": []},
                                    {"parentFieldOptionValue": "x", "childFieldOptionValues": []}]),
               {"fieldOptions": {"parentFieldId": a, "parentChildFieldOptionsMappings": [
                   {"parentFieldOptionValue": "x", "childFieldOptionValues": []}]}}]
        for rule in bad:
            self.assertValidation(self.cc.create_case_rule, domainId=self.dom, name="r",
                                  rule=rule)
        self.create(field_options("status", b))

    def test_condition_limits(self):
        five = [OPEN] * 5
        self.create(required(*five))
        self.create(required({"andAll": {"conditions": five}}))
        too_many = [required(*([OPEN] * 6)),
                    required(OPEN, {"orAll": {"conditions": five}})]
        too_deep = [required({"andAll": {"conditions": [{"orAll": {"conditions": [OPEN]}}]}})]
        empty = [required({"andAll": {"conditions": []}})]
        for rule in too_many + too_deep + empty:
            self.assertValidation(self.cc.create_case_rule, domainId=self.dom, name="r",
                                  rule=rule)

    def test_model_validation(self):
        # Two rule kinds at once, and no name: the model refuses both.
        self.assertValidation(self.nv.create_case_rule, domainId=self.dom, name="r",
                              rule={**required(OPEN), **hidden(OPEN)})
        self.assertValidation(self.nv.create_case_rule, domainId=self.dom,
                              rule=required(OPEN))

    # ---- UpdateCaseRule --------------------------------------------------
    def test_update_is_partial(self):
        rid = self.create(name="before", description="d")
        before = self.get(rid)
        self.cc.update_case_rule(domainId=self.dom, caseRuleId=rid, name="after")
        got = self.get(rid)
        self.assertEqual((got["name"], got["description"], got["rule"]),
                         ("after", "d", before["rule"]))
        self.assertGreaterEqual(got["lastModifiedTime"], before["lastModifiedTime"])
        self.assertEqual(got["createdTime"], before["createdTime"])
        new_rule = hidden(compare("title", emptyValue={}))
        self.cc.update_case_rule(domainId=self.dom, caseRuleId=rid, rule=new_rule,
                                 description="")
        got = self.get(rid)
        self.assertEqual((got["name"], got["description"], got["rule"]),
                         ("after", "", new_rule))
        self.assertEqual([r["ruleType"] for r in self.listed()], ["Hidden"])

    def test_update_errors(self):
        rid = self.create()
        self.assertNotFound(self.cc.update_case_rule, "no-such-rule", domainId=self.dom,
                            caseRuleId="no-such-rule", name="x")
        self.assertNotFound(self.cc.update_case_rule, domainId="no-such-domain",
                            caseRuleId=rid, name="x")
        self.assertValidation(self.cc.update_case_rule, domainId=self.dom, caseRuleId=rid,
                              rule=required(compare("no-such-field", stringValue="x")))
        self.assertValidation(self.cc.update_case_rule, domainId=self.dom, caseRuleId=rid,
                              rule=required(*([OPEN] * 6)))
        self.assertEqual(self.get(rid)["rule"], required(OPEN))
        self.cc.delete_case_rule(domainId=self.dom, caseRuleId=rid)
        self.assertValidation(self.cc.update_case_rule, domainId=self.dom, caseRuleId=rid,
                              name="x")

    # ---- DeleteCaseRule --------------------------------------------------
    def test_delete_is_soft(self):
        keep = self.create(name="keep")
        rid = self.create(name="gone")
        self.cc.delete_case_rule(domainId=self.dom, caseRuleId=rid)
        self.assertEqual([r["caseRuleId"] for r in self.listed()], [keep])
        got = self.get(rid)
        self.assertTrue(got["deleted"])
        self.assertEqual(got["name"], "gone")
        # Deleting again changes nothing.
        self.cc.delete_case_rule(domainId=self.dom, caseRuleId=rid)
        self.assertEqual(self.get(rid)["lastModifiedTime"], got["lastModifiedTime"])

    def test_delete_errors(self):
        rid = self.create()
        self.assertNotFound(self.cc.delete_case_rule, "no-such-rule", domainId=self.dom,
                            caseRuleId="no-such-rule")
        self.assertNotFound(self.cc.delete_case_rule, domainId="no-such-domain",
                            caseRuleId=rid)

    def test_delete_rule_attached_to_template(self):
        rid = self.create()
        tpl = self.new_template(self.dom, rules=[{"caseRuleId": rid, "fieldId": "summary"}])
        self.assertConflict(self.cc.delete_case_rule, domainId=self.dom, caseRuleId=rid)
        self.assertFalse(self.get(rid)["deleted"])
        self.cc.delete_template(domainId=self.dom, templateId=tpl)
        self.cc.delete_case_rule(domainId=self.dom, caseRuleId=rid)
        self.assertTrue(self.get(rid)["deleted"])

    # ---- ListCaseRules ---------------------------------------------------
    def test_list_summaries(self):
        parent = self.new_field(self.dom, "SingleSelect")
        child = self.new_field(self.dom, "SingleSelect")
        a = self.create(required(OPEN), name="a", description="first")
        b = self.create(hidden(OPEN), name="b")
        c = self.create(field_options(parent, child), name="c")
        got = self.listed()
        self.assertEqual([r["caseRuleId"] for r in got], [a, b, c])
        self.assertEqual([r["ruleType"] for r in got], ["Required", "Hidden", "FieldOptions"])
        self.assertEqual(got[0]["description"], "first")
        self.assertNotIn("description", got[1])
        for r in got:
            self.assertEqual(r["caseRuleArn"], self.sub_arn(self.dom, "case-rule", r["caseRuleId"]))
            self.assertNotIn("rule", r)

    def test_list_pages(self):
        ids = [self.create(name="r%d" % i) for i in range(7)]
        items, pages = walk(self.cc.list_case_rules, "caseRules", page_size=3, tc=self,
                            domainId=self.dom)
        self.assertEqual([r["caseRuleId"] for r in items], ids)
        self.assertEqual(pages, 3)
        self.assertEqual(len(self.cc.list_case_rules(domainId=self.dom)["caseRules"]), 7)

    def test_list_errors(self):
        self.assertNotFound(self.cc.list_case_rules, domainId="no-such-domain")
        self.assertValidation(self.cc.list_case_rules, domainId=self.dom, nextToken="junk")
        self.assertValidation(self.nv.list_case_rules, domainId=self.dom, maxResults=101)
        other = self.new_domain()
        self.create()
        self.assertEqual(self.cc.list_case_rules(domainId=other)["caseRules"], [])

    # ---- BatchGetCaseRule ------------------------------------------------
    def test_batch_get_mixed(self):
        a = self.create(name="a")
        b = self.create(name="b")
        self.cc.delete_case_rule(domainId=self.dom, caseRuleId=b)
        r = self.cc.batch_get_case_rule(domainId=self.dom, caseRules=[
            {"id": a}, {"id": "no-such-rule"}, {"id": b}])
        self.assertEqual([x["caseRuleId"] for x in r["caseRules"]], [a, b])
        self.assertEqual([x["deleted"] for x in r["caseRules"]], [False, True])
        self.assertEqual(len(r["errors"]), 1)
        self.assertEqual(r["errors"][0]["id"], "no-such-rule")
        self.assertEqual(r["errors"][0]["errorCode"], "NotFound")
        self.assertTrue(r["errors"][0]["message"])
        self.assertEqual(r["unprocessedCaseRules"], [])

    def test_batch_get_tags_and_scope(self):
        rid = self.create()
        arn = self.sub_arn(self.dom, "case-rule", rid)
        self.cc.tag_resource(arn=arn, tags={"team": "ops"})
        self.assertEqual(self.get(rid)["tags"], {"team": "ops"})
        other = self.new_domain()
        r = self.cc.batch_get_case_rule(domainId=other, caseRules=[{"id": rid}])
        self.assertEqual(r["caseRules"], [])
        self.assertEqual([e["id"] for e in r["errors"]], [rid])

    def test_batch_get_errors(self):
        self.assertNotFound(self.cc.batch_get_case_rule, domainId="no-such-domain",
                            caseRules=[{"id": "x"}])
        self.assertValidation(self.nv.batch_get_case_rule, domainId=self.dom, caseRules=[])
        self.assertValidation(self.nv.batch_get_case_rule, domainId=self.dom,
                              caseRules=[{"id": "x"}] * 51)

    def test_other_account_cannot_see_rules(self):
        rid = self.create()
        stranger = self.client(account="999988887777")
        self.assertNotFound(stranger.batch_get_case_rule, domainId=self.dom,
                            caseRules=[{"id": rid}])


class CaseRuleQuotaTests(CasesTestCase):
    server_args = ["--quota", "case_rules=2"]

    def test_live_rule_quota(self):
        dom = self.new_domain()
        rule = required(OPEN)
        ids = [self.cc.create_case_rule(domainId=dom, name="r", rule=rule)["caseRuleId"]
               for _ in range(2)]
        self.assertQuota(self.cc.create_case_rule, domainId=dom, name="r", rule=rule)
        # A deleted rule frees its place; other domains have their own.
        self.cc.create_case_rule(domainId=self.new_domain(), name="r", rule=rule)
        self.cc.delete_case_rule(domainId=dom, caseRuleId=ids[0])
        self.cc.create_case_rule(domainId=dom, name="r", rule=rule)


if __name__ == "__main__":
    unittest.main()
