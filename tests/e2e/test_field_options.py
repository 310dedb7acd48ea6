"""Field options: BatchPutFieldOptions, ListFieldOptions."""

import unittest
import uuid

from harness import CasesTestCase, walk


def opt(value, name=None, active=True):
    return {"name": name or value.upper(), "value": value, "active": active}


class FieldOptionTests(CasesTestCase):

    def setUp(self):
        super().setUp()
        self.dom = self.new_domain()
        self.fid = self.new_field(self.dom, "SingleSelect")

    def options(self, fid=None, **kw):
        items = walk(self.cc.list_field_options, "options", domainId=self.dom,
                     fieldId=fid or self.fid, **kw)[0]
        return {o["value"]: o for o in items}

    def put(self, options, fid=None):
        r = self.cc.batch_put_field_options(domainId=self.dom, fieldId=fid or self.fid,
                                            options=options)
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertEqual(r.get("errors", []), [])
        return r

    def test_new_field_has_no_options(self):
        r = self.cc.list_field_options(domainId=self.dom, fieldId=self.fid)
        self.assertEqual(r["options"], [])
        self.assertNotIn("nextToken", r)

    def test_put_and_list(self):
        self.put([opt("pdx", "US West (Oregon)"), opt("iad", "US East (N. Virginia)"),
                  opt("fra", "Frankfurt", active=False)])
        got = self.options()
        self.assertEqual(got, {
            "pdx": {"name": "US West (Oregon)", "value": "pdx", "active": True},
            "iad": {"name": "US East (N. Virginia)", "value": "iad", "active": True},
            "fra": {"name": "Frankfurt", "value": "fra", "active": False},
        })

    def test_upsert_by_value(self):
        self.put([opt("a", "Alpha"), opt("b", "Beta")])
        self.put([opt("a", "Alpha renamed", active=False), opt("c", "Gamma")])
        got = self.options()
        self.assertEqual(len(got), 3)
        self.assertEqual(got["a"], {"name": "Alpha renamed", "value": "a", "active": False})
        self.assertEqual(got["b"], {"name": "Beta", "value": "b", "active": True})
        self.assertEqual(got["c"], {"name": "Gamma", "value": "c", "active": True})

    def test_reactivate_option(self):
        self.put([opt("x", active=False)])
        self.put([opt("x", active=True)])
        self.assertTrue(self.options()["x"]["active"])

    def test_same_put_twice_is_idempotent(self):
        batch = [opt("v%d" % i) for i in range(5)]
        self.put(batch)
        self.put(batch)
        self.assertEqual(len(self.options()), 5)

    def test_empty_batch_is_accepted(self):
        self.put([])
        self.assertEqual(self.options(), {})

    def test_fifty_options_in_one_call(self):
        self.put([opt("v%02d" % i) for i in range(50)])
        self.assertEqual(set(self.options()), {"v%02d" % i for i in range(50)})

    def test_lookup_single_value(self):
        self.put([opt("a"), opt("b", active=False), opt("c")])
        r = self.cc.list_field_options(domainId=self.dom, fieldId=self.fid, values=["b"])
        self.assertEqual(r["options"], [{"name": "B", "value": "b", "active": False}])
        r = self.cc.list_field_options(domainId=self.dom, fieldId=self.fid, values=["zzz"])
        self.assertEqual(r["options"], [])

    def test_options_are_per_field(self):
        other = self.new_field(self.dom, "SingleSelect")
        self.put([opt("one")])
        self.put([opt("two")], fid=other)
        self.assertEqual(set(self.options()), {"one"})
        self.assertEqual(set(self.options(fid=other)), {"two"})

    def test_status_field_accepts_extra_option(self):
        self.put([opt("pending", "Pending")], fid="status")
        got = self.options(fid="status")
        self.assertEqual(set(got), {"open", "closed", "pending"})
        self.assertEqual(got["pending"]["name"], "Pending")

    def test_case_reason_system_field_takes_options(self):
        self.put([opt("billing", "Billing")], fid="case_reason")
        self.assertEqual(self.options(fid="case_reason"),
                         {"billing": {"name": "Billing", "value": "billing", "active": True}})

    def test_non_single_select_field_rejected(self):
        for t in ["Text", "Number", "Boolean", "DateTime", "Url", "User"]:
            fid = self.new_field(self.dom, t)
            self.assertValidation(self.cc.batch_put_field_options, domainId=self.dom,
                                  fieldId=fid, options=[opt("a")])
        self.assertValidation(self.cc.batch_put_field_options, domainId=self.dom,
                              fieldId="title", options=[opt("a")])

    def test_deleted_field_rejected(self):
        self.put([opt("a")])
        self.cc.delete_field(domainId=self.dom, fieldId=self.fid)
        self.assertValidation(self.cc.batch_put_field_options, domainId=self.dom,
                              fieldId=self.fid, options=[opt("b")])

    def test_unknown_field_and_domain_404(self):
        self.assertNotFound(self.cc.batch_put_field_options, resource_id="ghost",
                            domainId=self.dom, fieldId="ghost", options=[opt("a")])
        self.assertNotFound(self.cc.list_field_options, resource_id="ghost",
                            domainId=self.dom, fieldId="ghost")
        d = str(uuid.uuid4())
        self.assertNotFound(self.cc.batch_put_field_options, resource_id=d, domainId=d,
                            fieldId=self.fid, options=[opt("a")])
        self.assertNotFound(self.cc.list_field_options, resource_id=d, domainId=d,
                            fieldId=self.fid)

    def test_field_of_other_domain_404(self):
        other = self.new_domain()
        self.assertNotFound(self.cc.list_field_options, domainId=other, fieldId=self.fid)
        self.assertNotFound(self.cc.batch_put_field_options, domainId=other,
                            fieldId=self.fid, options=[opt("a")])


class FieldOptionValidationTests(CasesTestCase):

    def setUp(self):
        super().setUp()
        self.dom = self.new_domain()
        self.fid = self.new_field(self.dom, "SingleSelect")

    def bad_put(self, options):
        self.assertValidation(self.nv.batch_put_field_options, domainId=self.dom,
                              fieldId=self.fid, options=options)

    def test_shape_violations(self):
        self.bad_put([opt("v%d" % i) for i in range(51)])
        self.bad_put([{"name": "n" * 101, "value": "v", "active": True}])
        self.bad_put([{"name": "", "value": "v", "active": True}])
        self.bad_put([{"name": "n", "value": "v" * 101, "active": True}])
        self.bad_put([{"name": "n", "value": "", "active": True}])
        self.bad_put([{"name": "n", "value": "v "}])
        self.bad_put([{"value": "v", "active": True}])
        self.bad_put([{"name": "n", "active": True}])
        self.assertValidation(self.nv.batch_put_field_options, domainId=self.dom,
                              fieldId=self.fid)
        r = self.cc.list_field_options(domainId=self.dom, fieldId=self.fid)
        self.assertEqual(r["options"], [])

    def test_boundary_lengths_accepted(self):
        r = self.cc.batch_put_field_options(domainId=self.dom, fieldId=self.fid, options=[
            {"name": "n" * 100, "value": "v" * 100, "active": True}])
        self.assertEqual(r.get("errors", []), [])
        r = self.cc.list_field_options(domainId=self.dom, fieldId=self.fid, values=["v" * 100])
        self.assertEqual(r["options"], [{"name": "n" * 100, "value": "v" * 100, "active": True}])

    def test_list_bounds(self):
        self.assertValidation(self.nv.list_field_options, domainId=self.dom, fieldId=self.fid,
                              maxResults=0)
        self.assertValidation(self.nv.list_field_options, domainId=self.dom, fieldId=self.fid,
                              maxResults=101)
        self.assertValidation(self.nv.list_field_options, domainId=self.dom, fieldId=self.fid,
                              values=["a", "b"])


class FieldOptionQuotaTests(CasesTestCase):
    server_args = ["--quota", "options=5"]

    def setUp(self):
        super().setUp()
        self.dom = self.new_domain()
        self.fid = self.new_field(self.dom, "SingleSelect")

    def listed(self):
        return walk(self.cc.list_field_options, "options", domainId=self.dom,
                    fieldId=self.fid)[0]

    def test_single_call_over_quota_is_402(self):
        exc = self.assertQuota(self.cc.batch_put_field_options, domainId=self.dom,
                               fieldId=self.fid, options=[opt("v%d" % i) for i in range(6)])
        self.assertTrue(exc.response["Error"]["Message"])
        self.assertEqual(self.listed(), [])

    def test_upserts_do_not_count_twice(self):
        self.cc.batch_put_field_options(domainId=self.dom, fieldId=self.fid,
                                        options=[opt("v%d" % i) for i in range(5)])
        r = self.cc.batch_put_field_options(
            domainId=self.dom, fieldId=self.fid,
            options=[opt("v%d" % i, "renamed %d" % i, active=False) for i in range(5)])
        self.assertEqual(r.get("errors", []), [])
        got = {o["value"]: o for o in self.listed()}
        self.assertEqual(len(got), 5)
        self.assertTrue(all(o["name"].startswith("renamed") and not o["active"]
                            for o in got.values()))

    def test_one_more_beyond_quota_is_refused(self):
        self.cc.batch_put_field_options(domainId=self.dom, fieldId=self.fid,
                                        options=[opt("v%d" % i) for i in range(5)])
        try:
            r = self.cc.batch_put_field_options(domainId=self.dom, fieldId=self.fid,
                                                options=[opt("extra")])
        except self.cc.exceptions.ServiceQuotaExceededException as e:
            self.assertEqual(e.response["ResponseMetadata"]["HTTPStatusCode"], 402)
        else:
            self.assertEqual([e["value"] for e in r.get("errors", [])], ["extra"],
                             "sixth option neither refused with 402 nor reported per option")
            self.assertTrue(r["errors"][0]["errorCode"])
        self.assertEqual(len(self.listed()), 5)

    def test_quota_is_per_field(self):
        other = self.new_field(self.dom, "SingleSelect")
        for fid in (self.fid, other):
            r = self.cc.batch_put_field_options(domainId=self.dom, fieldId=fid,
                                                options=[opt("v%d" % i) for i in range(5)])
            self.assertEqual(r.get("errors", []), [])


if __name__ == "__main__":
    unittest.main()
