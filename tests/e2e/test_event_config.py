"""Case event configuration: PutCaseEventConfiguration, GetCaseEventConfiguration."""

import unittest
import uuid

from harness import CasesTestCase


class EventConfigTests(CasesTestCase):

    def setUp(self):
        super().setUp()
        self.dom = self.new_domain()

    def get(self, dom=None):
        r = self.cc.get_case_event_configuration(domainId=dom or self.dom)
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 200)
        return r["eventBridge"]

    def put(self, cfg, dom=None):
        r = self.cc.put_case_event_configuration(domainId=dom or self.dom, eventBridge=cfg)
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 200)

    def test_default_is_disabled(self):
        self.assertEqual(self.get(), {"enabled": False})

    def test_round_trip_full(self):
        f1 = self.new_field(self.dom)
        f2 = self.new_field(self.dom, "Number")
        cfg = {"enabled": True, "includedData": {
            "caseData": {"fields": [{"id": "title"}, {"id": f1}, {"id": "status"}, {"id": f2}]},
            "relatedItemData": {"includeContent": True}}}
        self.put(cfg)
        self.assertEqual(self.get(), cfg)

    def test_round_trip_enabled_only(self):
        self.put({"enabled": True})
        self.assertEqual(self.get(), {"enabled": True})

    def test_partial_included_data(self):
        cfg = {"enabled": True, "includedData": {"relatedItemData": {"includeContent": False}}}
        self.put(cfg)
        self.assertEqual(self.get(), cfg)
        cfg = {"enabled": False, "includedData": {"caseData": {"fields": [{"id": "summary"}]}}}
        self.put(cfg)
        self.assertEqual(self.get(), cfg)

    def test_put_replaces_whole_configuration(self):
        self.put({"enabled": True, "includedData": {
            "caseData": {"fields": [{"id": "title"}]},
            "relatedItemData": {"includeContent": True}}})
        self.put({"enabled": False})
        self.assertEqual(self.get(), {"enabled": False})

    def test_configuration_is_per_domain(self):
        other = self.new_domain()
        self.put({"enabled": True})
        self.assertEqual(self.get(other), {"enabled": False})

    def test_deleted_fields_are_dropped(self):
        f1 = self.new_field(self.dom)
        f2 = self.new_field(self.dom)
        self.put({"enabled": True, "includedData": {
            "caseData": {"fields": [{"id": f1}, {"id": "title"}, {"id": f2}]}}})
        self.cc.delete_field(domainId=self.dom, fieldId=f1)
        self.assertEqual(self.get(), {"enabled": True, "includedData": {
            "caseData": {"fields": [{"id": "title"}, {"id": f2}]}}})

    def test_unknown_domain_404(self):
        d = str(uuid.uuid4())
        self.assertNotFound(self.cc.get_case_event_configuration, resource_id=d, domainId=d)
        self.assertNotFound(self.cc.put_case_event_configuration, resource_id=d, domainId=d,
                            eventBridge={"enabled": True})

    def test_shape_violations(self):
        bad = lambda **kw: self.assertValidation(self.nv.put_case_event_configuration,
                                                 domainId=self.dom, **kw)
        bad()
        bad(eventBridge={})
        bad(eventBridge={"enabled": "yes"})
        bad(eventBridge={"enabled": True, "includedData": {"caseData": {}}})
        bad(eventBridge={"enabled": True, "includedData": {"relatedItemData": {}}})
        bad(eventBridge={"enabled": True, "includedData": {
            "caseData": {"fields": [{"id": "title"}] * 401}}})
        bad(eventBridge={"enabled": True, "includedData": {"caseData": {"fields": [{}]}}})
        self.assertEqual(self.get(), {"enabled": False})


if __name__ == "__main__":
    unittest.main()
