"""Layouts: CreateLayout, GetLayout, UpdateLayout, DeleteLayout, ListLayouts."""

import time
import unittest
import uuid

from harness import CasesTestCase, UUID_RE, basic_layout, layout_field_ids, unique, walk


class LayoutTests(CasesTestCase):

    def setUp(self):
        super().setUp()
        self.dom = self.new_domain()
        self.f1 = self.new_field(self.dom, "Text")
        self.f2 = self.new_field(self.dom, "Number")
        self.f3 = self.new_field(self.dom, "SingleSelect")

    def layouts(self):
        return {x["layoutId"]: x for x in walk(self.cc.list_layouts, "layouts", domainId=self.dom)[0]}

    def test_create_and_get(self):
        content = basic_layout([self.f1, "customer_id"], [self.f2, "summary", self.f3])
        r = self.cc.create_layout(domainId=self.dom, name="Support layout", content=content)
        lid = r["layoutId"]
        self.assertRegex(lid, UUID_RE)
        self.assertEqual(r["layoutArn"], self.sub_arn(self.dom, "layout", lid))
        g = self.cc.get_layout(domainId=self.dom, layoutId=lid)
        self.assertEqual(g["layoutId"], lid)
        self.assertEqual(g["layoutArn"], r["layoutArn"])
        self.assertEqual(g["name"], "Support layout")
        self.assertEqual(g["content"], content)
        self.assertFalse(g.get("deleted", False))
        self.assertEqual(g.get("tags", {}), {})
        self.assertRecent(g["createdTime"])
        self.assertRecent(g["lastModifiedTime"])

    def test_field_order_is_preserved(self):
        order = [self.f3, "summary", self.f1, "customer_id", self.f2]
        lid = self.new_layout(self.dom, order, [])
        g = self.cc.get_layout(domainId=self.dom, layoutId=lid)
        self.assertEqual(layout_field_ids(g["content"]), order)

    def test_empty_layouts(self):
        for content in [{"basic": {}},
                        {"basic": {"topPanel": {"sections": []}, "moreInfo": {"sections": []}}},
                        basic_layout([], [])]:
            r = self.cc.create_layout(domainId=self.dom, name=unique("empty"), content=content)
            g = self.cc.get_layout(domainId=self.dom, layoutId=r["layoutId"])
            self.assertEqual(layout_field_ids(g["content"]), [])
            self.assertIn("basic", g["content"])

    def test_list_layouts(self):
        made = {}
        for _ in range(3):
            n = unique("l")
            made[self.new_layout(self.dom, [self.f1], name=n)] = n
        got = self.layouts()
        self.assertEqual(set(got), set(made))
        for lid, s in got.items():
            self.assertEqual(s["name"], made[lid])
            self.assertEqual(s["layoutArn"], self.sub_arn(self.dom, "layout", lid))

    def test_list_layouts_empty(self):
        r = self.cc.list_layouts(domainId=self.dom)
        self.assertEqual(r["layouts"], [])
        self.assertNotIn("nextToken", r)

    def test_duplicate_name_conflict(self):
        self.new_layout(self.dom, [self.f1], name="Main")
        self.assertConflict(self.cc.create_layout, domainId=self.dom, name="Main",
                            content=basic_layout([self.f2]))
        self.assertEqual(len(self.layouts()), 1)

    def test_same_name_other_domain(self):
        other = self.new_domain()
        self.new_layout(self.dom, [], name="Main")
        self.new_layout(other, [], name="Main")

    def test_name_reusable_after_delete(self):
        old = self.new_layout(self.dom, [self.f1], name="Recycled")
        self.cc.delete_layout(domainId=self.dom, layoutId=old)
        new = self.new_layout(self.dom, [self.f2], name="Recycled")
        self.assertNotEqual(old, new)
        self.assertEqual(set(self.layouts()), {new})

    def test_title_and_status_not_allowed(self):
        for fid in ["title", "status"]:
            self.assertValidation(self.cc.create_layout, domainId=self.dom, name=unique("l"),
                                  content=basic_layout([self.f1, fid], []))
            self.assertValidation(self.cc.create_layout, domainId=self.dom, name=unique("l"),
                                  content=basic_layout([], [fid]))
        self.assertEqual(self.layouts(), {})

    def test_unknown_field_rejected(self):
        self.assertValidation(self.cc.create_layout, domainId=self.dom, name=unique("l"),
                              content=basic_layout([self.f1, str(uuid.uuid4())]))
        other_dom = self.new_domain()
        foreign = self.new_field(other_dom)
        self.assertValidation(self.cc.create_layout, domainId=self.dom, name=unique("l"),
                              content=basic_layout([], [foreign]))
        self.assertEqual(self.layouts(), {})

    def test_update_name_only_keeps_content(self):
        content = basic_layout([self.f1], [self.f2])
        lid = self.new_layout(self.dom, [self.f1], [self.f2], name="Before")
        before = self.cc.get_layout(domainId=self.dom, layoutId=lid)
        time.sleep(0.01)
        r = self.cc.update_layout(domainId=self.dom, layoutId=lid, name="After")
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 200)
        g = self.cc.get_layout(domainId=self.dom, layoutId=lid)
        self.assertEqual(g["name"], "After")
        self.assertEqual(g["content"], content)
        self.assertEqual(g["createdTime"], before["createdTime"])
        self.assertGreaterEqual(g["lastModifiedTime"], before["lastModifiedTime"])
        self.assertEqual(self.layouts()[lid]["name"], "After")

    def test_update_content_only_keeps_name(self):
        lid = self.new_layout(self.dom, [self.f1], [], name="Stable")
        new_content = basic_layout([self.f3, self.f2], ["summary"])
        self.cc.update_layout(domainId=self.dom, layoutId=lid, content=new_content)
        g = self.cc.get_layout(domainId=self.dom, layoutId=lid)
        self.assertEqual(g["name"], "Stable")
        self.assertEqual(g["content"], new_content)

    def test_update_validation(self):
        lid = self.new_layout(self.dom, [self.f1])
        self.assertValidation(self.cc.update_layout, domainId=self.dom, layoutId=lid,
                              content=basic_layout(["title"]))
        self.assertValidation(self.cc.update_layout, domainId=self.dom, layoutId=lid,
                              content=basic_layout(["nope"]))
        self.assertValidation(self.nv.update_layout, domainId=self.dom, layoutId=lid,
                              name="n" * 101)
        g = self.cc.get_layout(domainId=self.dom, layoutId=lid)
        self.assertEqual(layout_field_ids(g["content"]), [self.f1])

    def test_update_to_taken_name_conflict(self):
        self.new_layout(self.dom, [], name="A")
        lid = self.new_layout(self.dom, [], name="B")
        self.assertConflict(self.cc.update_layout, domainId=self.dom, layoutId=lid, name="A")
        self.assertEqual(self.cc.get_layout(domainId=self.dom, layoutId=lid)["name"], "B")

    def test_delete_is_soft(self):
        content = basic_layout([self.f1], [self.f2])
        lid = self.new_layout(self.dom, [self.f1], [self.f2], name="Old")
        keep = self.new_layout(self.dom, [self.f1])
        r = self.cc.delete_layout(domainId=self.dom, layoutId=lid)
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 200)
        g = self.cc.get_layout(domainId=self.dom, layoutId=lid)
        self.assertIs(g["deleted"], True)
        self.assertEqual(g["name"], "Old")
        self.assertEqual(g["content"], content)
        self.assertEqual(set(self.layouts()), {keep})
        self.assertValidation(self.cc.update_layout, domainId=self.dom, layoutId=lid, name="New")
        self.assertValidation(self.cc.update_layout, domainId=self.dom, layoutId=lid,
                              content=basic_layout([self.f2]))

    def test_deleted_field_dropped_from_layout(self):
        lid = self.new_layout(self.dom, [self.f1, self.f2], [self.f3, "summary"])
        self.cc.delete_field(domainId=self.dom, fieldId=self.f2)
        self.cc.delete_field(domainId=self.dom, fieldId=self.f3)
        g = self.cc.get_layout(domainId=self.dom, layoutId=lid)
        self.assertEqual(layout_field_ids(g["content"]), [self.f1, "summary"])

    def test_not_found(self):
        self.assertNotFound(self.cc.get_layout, resource_id="ghost", domainId=self.dom,
                            layoutId="ghost")
        self.assertNotFound(self.cc.update_layout, resource_id="ghost", domainId=self.dom,
                            layoutId="ghost", name="x")
        self.assertNotFound(self.cc.delete_layout, resource_id="ghost", domainId=self.dom,
                            layoutId="ghost")
        d = str(uuid.uuid4())
        self.assertNotFound(self.cc.create_layout, resource_id=d, domainId=d, name="x",
                            content=basic_layout([]))
        self.assertNotFound(self.cc.list_layouts, resource_id=d, domainId=d)
        self.assertNotFound(self.cc.get_layout, resource_id=d, domainId=d, layoutId="x")

    def test_layout_of_other_domain_404(self):
        lid = self.new_layout(self.dom, [self.f1])
        other = self.new_domain()
        self.assertNotFound(self.cc.get_layout, domainId=other, layoutId=lid)


class LayoutValidationTests(CasesTestCase):

    def setUp(self):
        super().setUp()
        self.dom = self.new_domain()
        self.f1 = self.new_field(self.dom)

    def bad_create(self, **kw):
        args = {"domainId": self.dom, "name": unique("l"), "content": basic_layout([self.f1])}
        args.update(kw)
        args = {k: v for k, v in args.items() if v is not None}
        self.assertValidation(self.nv.create_layout, **args)

    def test_shape_violations(self):
        self.bad_create(name="n" * 101)
        self.bad_create(name="")
        self.bad_create(name="trailing ")
        self.bad_create(name=None)
        self.bad_create(content=None)
        self.bad_create(content={})
        two = {"basic": {"topPanel": {"sections": [
            {"fieldGroup": {"fields": [{"id": self.f1}]}},
            {"fieldGroup": {"fields": []}}]}}}
        self.bad_create(content=two)
        self.bad_create(content={"basic": {"topPanel": {"sections": [{"fieldGroup": {}}]}}})
        self.bad_create(content={"basic": {"topPanel": {"sections": [
            {"fieldGroup": {"name": "g" * 101, "fields": []}}]}}})
        self.bad_create(content={"basic": {"moreInfo": {"sections": [
            {"fieldGroup": {"fields": [{}]}}]}}})
        r = self.cc.list_layouts(domainId=self.dom)
        self.assertEqual(r["layouts"], [])

    def test_list_bounds(self):
        self.assertValidation(self.nv.list_layouts, domainId=self.dom, maxResults=0)
        self.assertValidation(self.nv.list_layouts, domainId=self.dom, maxResults=101)


class LayoutQuotaTests(CasesTestCase):
    server_args = ["--quota", "layouts=2", "--quota", "layout_fields=3"]

    def setUp(self):
        super().setUp()
        self.dom = self.new_domain()
        self.fields = [self.new_field(self.dom) for _ in range(4)]

    def test_layout_count_quota(self):
        self.new_layout(self.dom, self.fields[:1])
        self.new_layout(self.dom, self.fields[:1])
        self.assertQuota(self.cc.create_layout, domainId=self.dom, name=unique("l"),
                         content=basic_layout(self.fields[:1]))
        self.assertEqual(len(self.cc.list_layouts(domainId=self.dom)["layouts"]), 2)

    def test_fields_per_layout_quota_on_create(self):
        self.new_layout(self.dom, self.fields[:2], self.fields[2:3])
        self.assertQuota(self.cc.create_layout, domainId=self.dom, name=unique("l"),
                         content=basic_layout(self.fields[:2], self.fields[2:4]))

    def test_fields_per_layout_quota_on_update(self):
        lid = self.new_layout(self.dom, self.fields[:3])
        self.assertQuota(self.cc.update_layout, domainId=self.dom, layoutId=lid,
                         content=basic_layout(self.fields[:4]))
        g = self.cc.get_layout(domainId=self.dom, layoutId=lid)
        self.assertEqual(layout_field_ids(g["content"]), self.fields[:3])


if __name__ == "__main__":
    unittest.main()
