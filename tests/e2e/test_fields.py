"""Fields: CreateField, UpdateField, DeleteField, BatchGetField, ListFields."""

import time
import unittest
import uuid

from harness import (CasesTestCase, SYSTEM_FIELD_IDS, UUID_RE, run_concurrently, unique,
                     walk)

ALL_TYPES = ["Text", "Number", "Boolean", "DateTime", "SingleSelect", "Url", "User"]

# Types the administrator guide states for the system fields.
SYSTEM_TYPES = {
    "case_id": "Text",
    "title": "Text",
    "status": "SingleSelect",
    "customer_id": "Text",
    "reference_number": "Text",
    "summary": "Text",
    "case_reason": "SingleSelect",
    "created_datetime": "DateTime",
    "last_updated_datetime": "DateTime",
    "last_closed_datetime": "DateTime",
    "last_updated_user": "User",
}


class FieldTests(CasesTestCase):

    def setUp(self):
        super().setUp()
        self.dom = self.new_domain()

    def list_fields(self, domain=None):
        return walk(self.cc.list_fields, "fields", domainId=domain or self.dom)[0]

    def get_field(self, fid, domain=None):
        r = self.cc.batch_get_field(domainId=domain or self.dom, fields=[{"id": fid}])
        self.assertEqual(r["errors"], [])
        self.assertEqual(len(r["fields"]), 1)
        return r["fields"][0]

    # ---- system fields ---------------------------------------------------
    def test_system_fields_exist_after_create_domain(self):
        fields = self.list_fields()
        self.assertEqual(len(fields), len(SYSTEM_FIELD_IDS))
        byid = {f["fieldId"]: f for f in fields}
        self.assertEqual(set(byid), set(SYSTEM_FIELD_IDS))
        for fid, f in byid.items():
            self.assertEqual(f["namespace"], "System", fid)
            self.assertEqual(f["fieldArn"], self.sub_arn(self.dom, "field", fid))
            self.assertTrue(f["name"])
        for fid, t in SYSTEM_TYPES.items():
            self.assertEqual(byid[fid]["type"], t, fid)

    def test_batch_get_system_fields(self):
        ids = sorted(SYSTEM_FIELD_IDS)
        r = self.cc.batch_get_field(domainId=self.dom, fields=[{"id": i} for i in ids])
        self.assertEqual(r["errors"], [])
        got = {f["fieldId"]: f for f in r["fields"]}
        self.assertEqual(set(got), set(ids))
        for fid, f in got.items():
            self.assertEqual(f["namespace"], "System")
            self.assertFalse(f.get("deleted", False))
            self.assertEqual(f["fieldArn"], self.sub_arn(self.dom, "field", fid))
        self.assertEqual(got["status"]["type"], "SingleSelect")
        self.assertEqual(got["title"]["type"], "Text")

    def test_status_field_has_open_and_closed(self):
        r = self.cc.list_field_options(domainId=self.dom, fieldId="status")
        opts = {o["value"]: o for o in r["options"]}
        self.assertEqual(set(opts), {"open", "closed"})
        self.assertEqual(opts["open"]["name"], "Open")
        self.assertEqual(opts["closed"]["name"], "Closed")
        self.assertTrue(opts["open"]["active"])
        self.assertTrue(opts["closed"]["active"])

    def test_system_field_cannot_be_deleted(self):
        for fid in ["title", "status", "customer_id"]:
            self.assertValidation(self.cc.delete_field, domainId=self.dom, fieldId=fid)
        self.assertFalse(self.get_field("title").get("deleted", False))
        self.assertEqual(len(self.list_fields()), len(SYSTEM_FIELD_IDS))

    def test_system_field_name_and_description_immutable(self):
        before = self.get_field("summary")
        self.assertValidation(self.cc.update_field, domainId=self.dom, fieldId="summary",
                              name="Renamed summary")
        self.assertValidation(self.cc.update_field, domainId=self.dom, fieldId="title",
                              description="new description")
        after = self.get_field("summary")
        self.assertEqual(after["name"], before["name"])
        self.assertEqual(after.get("description"), before.get("description"))

    # ---- create / read ---------------------------------------------------
    def test_create_every_type(self):
        made = {}
        for t in ALL_TYPES:
            name = unique("f-" + t)
            r = self.cc.create_field(domainId=self.dom, name=name, type=t,
                                     description="about " + t)
            self.assertRegex(r["fieldId"], UUID_RE)
            self.assertEqual(r["fieldArn"], self.sub_arn(self.dom, "field", r["fieldId"]))
            made[r["fieldId"]] = (name, t)
        r = self.cc.batch_get_field(domainId=self.dom, fields=[{"id": i} for i in made])
        self.assertEqual(r["errors"], [])
        self.assertEqual(len(r["fields"]), len(ALL_TYPES))
        for f in r["fields"]:
            name, t = made[f["fieldId"]]
            self.assertEqual(f["name"], name)
            self.assertEqual(f["type"], t)
            self.assertEqual(f["namespace"], "Custom")
            self.assertEqual(f["description"], "about " + t)
            self.assertEqual(f["fieldArn"], self.sub_arn(self.dom, "field", f["fieldId"]))
            self.assertFalse(f.get("deleted", False))
            self.assertRecent(f["createdTime"])
            self.assertRecent(f["lastModifiedTime"])
        listed = {f["fieldId"]: f for f in self.list_fields()}
        self.assertEqual(len(listed), len(SYSTEM_FIELD_IDS) + len(ALL_TYPES))
        for fid, (name, t) in made.items():
            self.assertEqual(listed[fid]["name"], name)
            self.assertEqual(listed[fid]["type"], t)
            self.assertEqual(listed[fid]["namespace"], "Custom")
            self.assertEqual(listed[fid]["fieldArn"], self.sub_arn(self.dom, "field", fid))

    def test_create_without_description(self):
        fid = self.new_field(self.dom, "Number", name="Amount")
        f = self.get_field(fid)
        self.assertEqual(f["name"], "Amount")
        self.assertEqual(f["type"], "Number")
        self.assertIn(f.get("description", ""), ("",))

    def test_multiline_text_attribute(self):
        fid = self.new_field(self.dom, "Text", attributes={"text": {"isMultiline": True}})
        self.assertEqual(self.get_field(fid)["attributes"], {"text": {"isMultiline": True}})
        listed = [f for f in self.list_fields() if f["fieldId"] == fid][0]
        self.assertEqual(listed["attributes"], {"text": {"isMultiline": True}})
        self.cc.update_field(domainId=self.dom, fieldId=fid,
                             attributes={"text": {"isMultiline": False}})
        self.assertEqual(self.get_field(fid)["attributes"], {"text": {"isMultiline": False}})

    def test_field_ids_unique(self):
        ids = {self.new_field(self.dom) for _ in range(5)}
        self.assertEqual(len(ids), 5)

    def test_duplicate_name_is_conflict(self):
        self.new_field(self.dom, name="Priority")
        self.assertConflict(self.cc.create_field, domainId=self.dom, name="Priority",
                            type="Number")
        self.assertEqual(sum(1 for f in self.list_fields() if f["name"] == "Priority"), 1)

    def test_concurrent_same_name_one_wins(self):
        outcomes = run_concurrently(8, lambda c: c.create_field(
            domainId=self.dom, name="Raced", type="Text")["fieldId"],
            self.server.endpoint, self.account)
        wins = [o for o in outcomes if not isinstance(o, tuple)]
        self.assertEqual(len(wins), 1, outcomes)
        self.assertEqual(sorted(o for o in outcomes if isinstance(o, tuple)),
                         [("ConflictException", 409)] * 7)
        self.assertEqual([f["fieldId"] for f in self.list_fields() if f["name"] == "Raced"], wins)

    def test_same_name_in_two_domains(self):
        other = self.new_domain()
        a = self.new_field(self.dom, name="Region")
        b = self.new_field(other, name="Region")
        self.assertNotEqual(a, b)
        r = self.cc.batch_get_field(domainId=self.dom, fields=[{"id": b}])
        self.assertEqual(r["fields"], [])
        self.assertEqual([e["id"] for e in r["errors"]], [b])

    def test_name_reusable_after_delete(self):
        old = self.new_field(self.dom, name="Budget")
        self.cc.delete_field(domainId=self.dom, fieldId=old)
        new = self.new_field(self.dom, name="Budget", ftype="Number")
        self.assertNotEqual(old, new)
        self.assertEqual(self.get_field(new)["type"], "Number")
        self.assertTrue(self.get_field(old)["deleted"])

    def test_batch_get_mixes_found_and_missing(self):
        fid = self.new_field(self.dom)
        missing = str(uuid.uuid4())
        r = self.cc.batch_get_field(domainId=self.dom,
                                    fields=[{"id": fid}, {"id": missing}, {"id": "title"}])
        self.assertEqual(sorted(f["fieldId"] for f in r["fields"]), sorted([fid, "title"]))
        self.assertEqual(len(r["errors"]), 1)
        self.assertEqual(r["errors"][0]["id"], missing)
        self.assertTrue(r["errors"][0]["errorCode"])

    def test_batch_get_only_missing(self):
        r = self.cc.batch_get_field(domainId=self.dom, fields=[{"id": "nope"}])
        self.assertEqual(r["fields"], [])
        self.assertEqual([e["id"] for e in r["errors"]], ["nope"])

    def test_batch_get_fifty(self):
        ids = [self.new_field(self.dom) for _ in range(35)] + sorted(SYSTEM_FIELD_IDS)
        r = self.cc.batch_get_field(domainId=self.dom, fields=[{"id": i} for i in ids])
        self.assertEqual(len(ids), 50)
        self.assertEqual(r["errors"], [])
        self.assertEqual(sorted(f["fieldId"] for f in r["fields"]), sorted(ids))

    # ---- update ----------------------------------------------------------
    def test_update_name_and_description(self):
        fid = self.new_field(self.dom, name="Old", description="old text")
        before = self.get_field(fid)
        time.sleep(0.01)
        r = self.cc.update_field(domainId=self.dom, fieldId=fid, name="New",
                                 description="new text")
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 200)
        after = self.get_field(fid)
        self.assertEqual(after["name"], "New")
        self.assertEqual(after["description"], "new text")
        self.assertEqual(after["type"], "Text")
        self.assertEqual(after["createdTime"], before["createdTime"])
        self.assertGreaterEqual(after["lastModifiedTime"], before["lastModifiedTime"])
        self.assertRecent(after["lastModifiedTime"])
        listed = [f for f in self.list_fields() if f["fieldId"] == fid][0]
        self.assertEqual(listed["name"], "New")

    def test_update_only_description_keeps_name(self):
        fid = self.new_field(self.dom, name="Keep", description="a")
        self.cc.update_field(domainId=self.dom, fieldId=fid, description="b")
        f = self.get_field(fid)
        self.assertEqual((f["name"], f["description"]), ("Keep", "b"))

    def test_update_to_taken_name_is_conflict(self):
        self.new_field(self.dom, name="Taken")
        fid = self.new_field(self.dom, name="Free")
        self.assertConflict(self.cc.update_field, domainId=self.dom, fieldId=fid, name="Taken")
        self.assertEqual(self.get_field(fid)["name"], "Free")

    def test_update_unknown_field_404(self):
        self.assertNotFound(self.cc.update_field, resource_id="ghost", domainId=self.dom,
                            fieldId="ghost", name="x")

    def test_update_validation(self):
        fid = self.new_field(self.dom)
        self.assertValidation(self.nv.update_field, domainId=self.dom, fieldId=fid, name="n" * 101)
        self.assertValidation(self.nv.update_field, domainId=self.dom, fieldId=fid, name="")
        self.assertValidation(self.nv.update_field, domainId=self.dom, fieldId=fid,
                              description="d" * 256)

    # ---- delete ----------------------------------------------------------
    def test_delete_field_is_soft(self):
        fid = self.new_field(self.dom, name="Gone")
        keep = self.new_field(self.dom, name="Stays")
        r = self.cc.delete_field(domainId=self.dom, fieldId=fid)
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 200)
        f = self.get_field(fid)
        self.assertIs(f["deleted"], True)
        self.assertEqual(f["name"], "Gone")
        self.assertEqual(f["namespace"], "Custom")
        ids = {x["fieldId"] for x in self.list_fields()}
        self.assertNotIn(fid, ids)
        self.assertIn(keep, ids)
        self.assertFalse(self.get_field(keep).get("deleted", False))

    def test_update_deleted_field_is_validation(self):
        fid = self.new_field(self.dom)
        self.cc.delete_field(domainId=self.dom, fieldId=fid)
        self.assertValidation(self.cc.update_field, domainId=self.dom, fieldId=fid, name="again")
        self.assertValidation(self.cc.update_field, domainId=self.dom, fieldId=fid,
                              description="again")

    def test_delete_unknown_field_404(self):
        self.assertNotFound(self.cc.delete_field, resource_id="ghost", domainId=self.dom,
                            fieldId="ghost")

    # ---- unknown domain --------------------------------------------------
    def test_unknown_domain_404(self):
        d = str(uuid.uuid4())
        self.assertNotFound(self.cc.create_field, resource_id=d, domainId=d, name="x", type="Text")
        self.assertNotFound(self.cc.list_fields, resource_id=d, domainId=d)
        self.assertNotFound(self.cc.batch_get_field, resource_id=d, domainId=d,
                            fields=[{"id": "title"}])
        self.assertNotFound(self.cc.update_field, resource_id=d, domainId=d, fieldId="f", name="x")
        self.assertNotFound(self.cc.delete_field, resource_id=d, domainId=d, fieldId="f")


class FieldValidationTests(CasesTestCase):

    def setUp(self):
        super().setUp()
        self.dom = self.new_domain()

    def test_name_rules(self):
        self.assertValidation(self.nv.create_field, domainId=self.dom, name="n" * 101, type="Text")
        self.assertValidation(self.nv.create_field, domainId=self.dom, name="", type="Text")
        self.assertValidation(self.nv.create_field, domainId=self.dom, name="trailing ", type="Text")
        self.assertValidation(self.nv.create_field, domainId=self.dom, type="Text")
        r = self.cc.create_field(domainId=self.dom, name="n" * 100, type="Text")
        self.assertTrue(r["fieldId"])

    def test_type_rules(self):
        self.assertValidation(self.nv.create_field, domainId=self.dom, name="a", type="Float")
        self.assertValidation(self.nv.create_field, domainId=self.dom, name="a", type="text")
        self.assertValidation(self.nv.create_field, domainId=self.dom, name="a")

    def test_description_length(self):
        self.assertValidation(self.nv.create_field, domainId=self.dom, name="a", type="Text",
                              description="d" * 256)
        fid = self.new_field(self.dom, description="d" * 255)
        r = self.cc.batch_get_field(domainId=self.dom, fields=[{"id": fid}])
        self.assertEqual(r["fields"][0]["description"], "d" * 255)

    def test_attributes_union_needs_is_multiline(self):
        self.assertValidation(self.nv.create_field, domainId=self.dom, name="a", type="Text",
                              attributes={"text": {}})

    def test_nothing_created_by_rejected_requests(self):
        with self.assertAwsError("ValidationException", status=400):
            self.nv.create_field(domainId=self.dom, name="n" * 101, type="Text")
        with self.assertAwsError("ValidationException", status=400):
            self.nv.create_field(domainId=self.dom, name="ok", type="Bogus")
        fields = walk(self.cc.list_fields, "fields", domainId=self.dom)[0]
        self.assertEqual(len(fields), len(SYSTEM_FIELD_IDS))

    def test_batch_get_list_bounds(self):
        self.assertValidation(self.nv.batch_get_field, domainId=self.dom, fields=[])
        self.assertValidation(self.nv.batch_get_field, domainId=self.dom,
                              fields=[{"id": "title"}] * 51)
        self.assertValidation(self.nv.batch_get_field, domainId=self.dom)
        self.assertValidation(self.nv.batch_get_field, domainId=self.dom, fields=[{}])
        self.assertValidation(self.nv.batch_get_field, domainId=self.dom, fields=[{"id": ""}])

    def test_list_max_results_bounds(self):
        self.assertValidation(self.nv.list_fields, domainId=self.dom, maxResults=0)
        self.assertValidation(self.nv.list_fields, domainId=self.dom, maxResults=101)
        r = self.cc.list_fields(domainId=self.dom, maxResults=100)
        self.assertEqual(len(r["fields"]), len(SYSTEM_FIELD_IDS))
        self.assertNotIn("nextToken", r)


class FieldQuotaTests(CasesTestCase):
    server_args = ["--quota", "fields=3", "--quota", "deletions=2"]

    def test_field_quota_counts_custom_fields_only(self):
        dom = self.new_domain()
        for _ in range(3):
            self.new_field(dom)
        exc = self.assertQuota(self.cc.create_field, domainId=dom, name=unique("x"), type="Text")
        self.assertTrue(exc.response["Error"]["Message"])
        fields = walk(self.cc.list_fields, "fields", domainId=dom)[0]
        self.assertEqual(len(fields), len(SYSTEM_FIELD_IDS) + 3)

    def test_field_quota_is_per_domain(self):
        a, b = self.new_domain(), self.new_domain()
        for _ in range(3):
            self.new_field(a)
        self.assertQuota(self.cc.create_field, domainId=a, name=unique("x"), type="Text")
        for _ in range(3):
            self.new_field(b)

    def test_field_deletion_quota(self):
        dom = self.new_domain()
        ids = [self.new_field(dom) for _ in range(3)]
        self.cc.delete_field(domainId=dom, fieldId=ids[0])
        self.cc.delete_field(domainId=dom, fieldId=ids[1])
        self.assertQuota(self.cc.delete_field, domainId=dom, fieldId=ids[2])
        r = self.cc.batch_get_field(domainId=dom, fields=[{"id": ids[2]}])
        self.assertFalse(r["fields"][0].get("deleted", False))


if __name__ == "__main__":
    unittest.main()
