"""Tagging: TagResource, UntagResource, ListTagsForResource on domain, field, layout
and template ARNs, and the `tags` member of the Get operations."""

import unittest
import uuid

from harness import CasesTestCase


class TagTests(CasesTestCase):

    def setUp(self):
        super().setUp()
        self.dom = self.new_domain()
        self.fid = self.new_field(self.dom)
        self.lid = self.new_layout(self.dom, [self.fid])
        self.tid = self.new_template(self.dom)
        self.arns = {
            "domain": self.domain_arn(self.dom),
            "field": self.sub_arn(self.dom, "field", self.fid),
            "layout": self.sub_arn(self.dom, "layout", self.lid),
            "template": self.sub_arn(self.dom, "template", self.tid),
        }

    def list_tags(self, arn):
        return self.cc.list_tags_for_resource(arn=arn).get("tags", {})

    def embedded_tags(self, kind):
        if kind == "domain":
            return self.cc.get_domain(domainId=self.dom).get("tags", {})
        if kind == "field":
            return self.cc.batch_get_field(domainId=self.dom,
                                           fields=[{"id": self.fid}])["fields"][0].get("tags", {})
        if kind == "layout":
            return self.cc.get_layout(domainId=self.dom, layoutId=self.lid).get("tags", {})
        return self.cc.get_template(domainId=self.dom, templateId=self.tid).get("tags", {})

    def test_untagged_resources_have_no_tags(self):
        for kind, arn in self.arns.items():
            self.assertEqual(self.list_tags(arn), {}, kind)

    def test_tag_list_untag_every_kind(self):
        for kind, arn in self.arns.items():
            with self.subTest(kind=kind):
                tags = {"team": kind, "env": "prod", "empty": "", "Case": "Sensitive"}
                r = self.cc.tag_resource(arn=arn, tags=tags)
                self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 200)
                self.assertEqual(self.list_tags(arn), tags)
                self.assertEqual(self.embedded_tags(kind), tags)
                r = self.cc.untag_resource(arn=arn, tagKeys=["env", "empty"])
                self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 200)
                self.assertEqual(self.list_tags(arn), {"team": kind, "Case": "Sensitive"})
                self.assertEqual(self.embedded_tags(kind), {"team": kind, "Case": "Sensitive"})
        # Tags stay with their own resource.
        self.assertEqual(self.list_tags(self.arns["layout"]), {"team": "layout", "Case": "Sensitive"})

    def test_tagging_overwrites_and_merges(self):
        arn = self.arns["domain"]
        self.cc.tag_resource(arn=arn, tags={"a": "1", "b": "2"})
        self.cc.tag_resource(arn=arn, tags={"b": "20", "c": "3"})
        self.assertEqual(self.list_tags(arn), {"a": "1", "b": "20", "c": "3"})

    def test_keys_are_case_sensitive(self):
        arn = self.arns["template"]
        self.cc.tag_resource(arn=arn, tags={"Key": "1", "key": "2"})
        self.assertEqual(self.list_tags(arn), {"Key": "1", "key": "2"})
        self.cc.untag_resource(arn=arn, tagKeys=["KEY"])
        self.assertEqual(self.list_tags(arn), {"Key": "1", "key": "2"})

    def test_untag_missing_key_is_noop(self):
        arn = self.arns["field"]
        self.cc.tag_resource(arn=arn, tags={"a": "1"})
        self.cc.untag_resource(arn=arn, tagKeys=["zzz"])
        self.assertEqual(self.list_tags(arn), {"a": "1"})

    def test_system_field_arn_taggable(self):
        arn = self.sub_arn(self.dom, "field", "status")
        self.cc.tag_resource(arn=arn, tags={"sys": "yes"})
        self.assertEqual(self.list_tags(arn), {"sys": "yes"})

    def test_deleted_resources_keep_tags(self):
        arn = self.arns["layout"]
        self.cc.tag_resource(arn=arn, tags={"a": "1"})
        self.cc.delete_layout(domainId=self.dom, layoutId=self.lid)
        self.assertEqual(self.cc.get_layout(domainId=self.dom, layoutId=self.lid)["tags"], {"a": "1"})

    def test_aws_prefix_rejected(self):
        arn = self.arns["domain"]
        self.cc.tag_resource(arn=arn, tags={"keep": "1"})
        self.assertValidation(self.nv.tag_resource, arn=arn, tags={"aws:owner": "x"})
        self.assertValidation(self.nv.tag_resource, arn=arn, tags={"ok": "1", "aws:owner": "x"})
        self.assertValidation(self.nv.untag_resource, arn=arn, tagKeys=["aws:owner"])
        self.assertEqual(self.list_tags(arn), {"keep": "1"})

    def test_tag_shape_violations(self):
        arn = self.arns["field"]
        self.assertValidation(self.nv.tag_resource, arn=arn, tags={"k" * 129: "v"})
        self.assertValidation(self.nv.tag_resource, arn=arn, tags={"": "v"})
        self.assertValidation(self.nv.tag_resource, arn=arn, tags={"k": "v" * 257})
        self.assertValidation(self.nv.tag_resource, arn=arn)
        self.assertValidation(self.nv.untag_resource, arn=arn, tagKeys=["k%d" % i for i in range(51)])
        self.assertValidation(self.nv.untag_resource, arn=arn)
        self.assertEqual(self.list_tags(arn), {})
        self.cc.tag_resource(arn=arn, tags={"k" * 128: "v" * 256})
        self.assertEqual(self.list_tags(arn), {"k" * 128: "v" * 256})

    def test_fifty_tags_allowed(self):
        arn = self.arns["template"]
        tags = {"k%02d" % i: str(i) for i in range(50)}
        self.cc.tag_resource(arn=arn, tags=tags)
        self.assertEqual(self.list_tags(arn), tags)

    def test_malformed_arns(self):
        for arn in ["not-an-arn", "arn:aws:s3:::bucket",
                    "arn:aws:cases:us-east-1:%s:widget/x" % self.account,
                    "arn:aws:cases:us-east-1:%s:domain/%s/gadget/y" % (self.account, self.dom),
                    "arn:aws:cases:us-east-1:%s" % self.account]:
            with self.subTest(arn=arn):
                self.assertValidation(self.cc.list_tags_for_resource, arn=arn)
                self.assertValidation(self.cc.tag_resource, arn=arn, tags={"a": "b"})
                self.assertValidation(self.cc.untag_resource, arn=arn, tagKeys=["a"])
        self.assertValidation(self.nv.list_tags_for_resource, arn="a" * 501)

    def test_unknown_resources_404(self):
        ghost = str(uuid.uuid4())
        for arn in [self.domain_arn(ghost),
                    self.sub_arn(self.dom, "field", ghost),
                    self.sub_arn(self.dom, "layout", ghost),
                    self.sub_arn(self.dom, "template", ghost),
                    self.sub_arn(ghost, "field", self.fid)]:
            with self.subTest(arn=arn):
                self.assertNotFound(self.cc.list_tags_for_resource, arn=arn)
                self.assertNotFound(self.cc.tag_resource, arn=arn, tags={"a": "b"})
                self.assertNotFound(self.cc.untag_resource, arn=arn, tagKeys=["a"])

    def test_kind_mismatch_is_404(self):
        # A layout id used as a field or template id does not name a resource.
        for arn in [self.sub_arn(self.dom, "field", self.lid),
                    self.sub_arn(self.dom, "template", self.lid),
                    self.sub_arn(self.dom, "layout", self.tid)]:
            with self.subTest(arn=arn):
                self.assertNotFound(self.cc.list_tags_for_resource, arn=arn)


class TagQuotaTests(CasesTestCase):
    server_args = ["--quota", "tags=3"]

    def test_tags_per_resource_limit(self):
        dom = self.new_domain()
        arn = self.domain_arn(dom)
        self.cc.tag_resource(arn=arn, tags={"a": "1", "b": "2"})
        # TagResource cannot answer 402 per the model; the limit is a validation error.
        self.assertValidation(self.cc.tag_resource, arn=arn, tags={"c": "3", "d": "4"})
        self.assertEqual(self.cc.list_tags_for_resource(arn=arn)["tags"], {"a": "1", "b": "2"})
        self.cc.tag_resource(arn=arn, tags={"a": "10", "c": "3"})
        self.assertEqual(self.cc.list_tags_for_resource(arn=arn)["tags"],
                         {"a": "10", "b": "2", "c": "3"})


if __name__ == "__main__":
    unittest.main()
