"""Pagination of every List operation: complete walks, opaque tokens bound to
their listing, and tampered tokens."""

import unittest

from harness import CasesTestCase, SYSTEM_FIELD_IDS, random_account, unique, walk


B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def flip(token, pos=None):
    """Changes one character so that the decoded bytes surely differ: the top bit
    of a base64 sextet is never a padding bit."""
    pos = len(token) // 2 if pos is None else pos
    c = token[pos]
    alphabet = B64 if c in B64 else B64.replace("-_", "+/")
    repl = alphabet[(alphabet.index(c) + 32) % 64] if c in alphabet else "A"
    return token[:pos] + repl + token[pos + 1:]


class PaginationTests(CasesTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Shared, read-only data set for the walks.
        cls.acct = random_account()
        c = cls.server.client(account=cls.acct)
        cls.domains = {}
        for _ in range(5):
            n = unique("pd")
            cls.domains[c.create_domain(name=n)["domainId"]] = n
        cls.dom = next(iter(cls.domains))
        cls.dom2 = list(cls.domains)[1]
        cls.custom = [c.create_field(domainId=cls.dom, name=unique("pf"), type="Text")["fieldId"]
                      for _ in range(7)]
        cls.sel = c.create_field(domainId=cls.dom, name="sel", type="SingleSelect")["fieldId"]
        cls.sel2 = c.create_field(domainId=cls.dom, name="sel2", type="SingleSelect")["fieldId"]
        cls.values = ["o%02d" % i for i in range(9)]
        c.batch_put_field_options(domainId=cls.dom, fieldId=cls.sel, options=[
            {"name": v.upper(), "value": v, "active": i % 3 != 0} for i, v in enumerate(cls.values)])
        c.batch_put_field_options(domainId=cls.dom, fieldId=cls.sel2, options=[
            {"name": "X", "value": "x", "active": True}, {"name": "Y", "value": "y", "active": True}])
        cls.layouts = [c.create_layout(domainId=cls.dom, name=unique("pl"),
                                       content={"basic": {}})["layoutId"] for _ in range(5)]
        c.create_layout(domainId=cls.dom2, name=unique("pl"), content={"basic": {}})
        cls.active = [c.create_template(domainId=cls.dom, name=unique("pt"))["templateId"]
                      for _ in range(4)]
        cls.inactive = [c.create_template(domainId=cls.dom, name=unique("pt"),
                                          status="Inactive")["templateId"] for _ in range(3)]
        c.create_template(domainId=cls.dom2, name=unique("pt"))
        cls.all_fields = set(SYSTEM_FIELD_IDS) | set(cls.custom) | {cls.sel, cls.sel2}

    def setUp(self):
        super().setUp()
        self.cc = self.server.client(account=self.acct)
        self.nv = self.server.client(account=self.acct, validate=False)

    def check_walk(self, fn, key, id_key, expected, **kw):
        for size in (1, 2, 3, None):
            with self.subTest(op=fn.__name__, maxResults=size):
                items, pages = walk(fn, key, page_size=size, tc=self, **kw)
                ids = [i[id_key] for i in items]
                self.assertEqual(len(ids), len(set(ids)), "repeated items: %r" % ids)
                self.assertEqual(set(ids), set(expected))
                if size is not None:
                    self.assertGreaterEqual(pages, -(-len(expected) // size))
                    self.assertLessEqual(pages, -(-len(expected) // size) + 1)

    def first_token(self, fn, **kw):
        r = fn(maxResults=1, **kw)
        self.assertIn("nextToken", r, "a listing with more items must return nextToken")
        self.assertIsInstance(r["nextToken"], str)
        return r["nextToken"]

    # ---- complete walks --------------------------------------------------
    def test_walk_domains(self):
        self.check_walk(self.cc.list_domains, "domains", "domainId", self.domains)

    def test_walk_fields(self):
        self.check_walk(self.cc.list_fields, "fields", "fieldId", self.all_fields,
                        domainId=self.dom)

    def test_walk_field_options(self):
        self.check_walk(self.cc.list_field_options, "options", "value", self.values,
                        domainId=self.dom, fieldId=self.sel)

    def test_walk_layouts(self):
        self.check_walk(self.cc.list_layouts, "layouts", "layoutId", self.layouts,
                        domainId=self.dom)

    def test_walk_templates(self):
        self.check_walk(self.cc.list_templates, "templates", "templateId",
                        self.active + self.inactive, domainId=self.dom)
        self.check_walk(self.cc.list_templates, "templates", "templateId", self.active,
                        domainId=self.dom, status=["Active"])
        self.check_walk(self.cc.list_templates, "templates", "templateId", self.inactive,
                        domainId=self.dom, status=["Inactive"])

    def test_exact_page_boundary_ends_cleanly(self):
        # 5 layouts with maxResults=5: one page, or a second empty page without a token.
        r = self.cc.list_layouts(domainId=self.dom, maxResults=5)
        self.assertEqual(len(r["layouts"]), 5)
        if r.get("nextToken"):
            r2 = self.cc.list_layouts(domainId=self.dom, maxResults=5, nextToken=r["nextToken"])
            self.assertEqual(r2["layouts"], [])
            self.assertNotIn("nextToken", r2)

    def test_walk_skips_deleted_items(self):
        acct = random_account()
        c = self.server.client(account=acct)
        dom = c.create_domain(name=unique("pdel"))["domainId"]
        fids = [c.create_field(domainId=dom, name=unique("f"), type="Text")["fieldId"]
                for _ in range(6)]
        lids = [c.create_layout(domainId=dom, name=unique("l"), content={"basic": {}})["layoutId"]
                for _ in range(4)]
        tids = [c.create_template(domainId=dom, name=unique("t"))["templateId"] for _ in range(4)]
        # Start a walk, delete items, and finish it: deleted ones never appear.
        r = c.list_fields(domainId=dom, maxResults=2)
        first = [f["fieldId"] for f in r["fields"]]
        for fid in fids[3:]:
            if fid not in first:
                c.delete_field(domainId=dom, fieldId=fid)
        deleted = {fid for fid in fids[3:] if fid not in first}
        rest, _ = walk(c.list_fields, "fields", page_size=2, tc=self, domainId=dom,
                       nextToken=r["nextToken"])
        seen = first + [f["fieldId"] for f in rest]
        self.assertEqual(len(seen), len(set(seen)))
        self.assertFalse(deleted & set(seen))
        self.assertEqual(set(seen) | deleted, set(SYSTEM_FIELD_IDS) | set(fids))
        c.delete_layout(domainId=dom, layoutId=lids[1])
        c.delete_template(domainId=dom, templateId=tids[2])
        got = [x["layoutId"] for x in walk(c.list_layouts, "layouts", page_size=1, tc=self,
                                            domainId=dom)[0]]
        self.assertEqual(sorted(got), sorted(lids[:1] + lids[2:]))
        got = [x["templateId"] for x in walk(c.list_templates, "templates", page_size=1,
                                              tc=self, domainId=dom)[0]]
        self.assertEqual(sorted(got), sorted(tids[:2] + tids[3:]))

    def test_order_is_stable(self):
        a = [x["fieldId"] for x in walk(self.cc.list_fields, "fields", page_size=4,
                                         domainId=self.dom)[0]]
        b = [x["fieldId"] for x in walk(self.cc.list_fields, "fields", page_size=4,
                                         domainId=self.dom)[0]]
        self.assertEqual(a, b)

    def test_page_size_can_change_mid_walk(self):
        r = self.cc.list_fields(domainId=self.dom, maxResults=3)
        ids = [f["fieldId"] for f in r["fields"]]
        rest, _ = walk(self.cc.list_fields, "fields", page_size=5, tc=self, domainId=self.dom,
                       nextToken=r["nextToken"])
        ids += [f["fieldId"] for f in rest]
        self.assertEqual(len(ids), len(set(ids)))
        self.assertEqual(set(ids), self.all_fields)

    # ---- bad tokens ------------------------------------------------------
    def test_tampered_tokens_rejected(self):
        tok = self.first_token(self.cc.list_fields, domainId=self.dom)
        for bad in [flip(tok), flip(tok, 0), flip(tok, len(tok) - 1), tok[:-4], tok + "AAAA",
                    "garbage", "!!!!", "a" * 200]:
            with self.subTest(token=bad[:40]):
                self.assertValidation(self.cc.list_fields, domainId=self.dom, nextToken=bad)

    def test_token_from_other_domain_rejected(self):
        tok = self.first_token(self.cc.list_fields, domainId=self.dom)
        self.assertValidation(self.cc.list_fields, domainId=self.dom2, nextToken=tok)
        self.assertEqual(len(self.cc.list_fields(domainId=self.dom, nextToken=tok)["fields"]) > 0,
                         True)

    def test_token_from_other_operation_rejected(self):
        tok = self.first_token(self.cc.list_fields, domainId=self.dom)
        self.assertValidation(self.cc.list_layouts, domainId=self.dom, nextToken=tok)
        self.assertValidation(self.cc.list_templates, domainId=self.dom, nextToken=tok)
        self.assertValidation(self.cc.list_domains, nextToken=tok)
        self.assertValidation(self.cc.list_field_options, domainId=self.dom, fieldId=self.sel,
                              nextToken=tok)
        ltok = self.first_token(self.cc.list_layouts, domainId=self.dom)
        self.assertValidation(self.cc.list_fields, domainId=self.dom, nextToken=ltok)
        self.assertValidation(self.cc.list_templates, domainId=self.dom, nextToken=ltok)
        dtok = self.first_token(self.cc.list_domains)
        self.assertValidation(self.cc.list_layouts, domainId=self.dom, nextToken=dtok)

    def test_option_token_bound_to_field(self):
        tok = self.first_token(self.cc.list_field_options, domainId=self.dom, fieldId=self.sel)
        self.assertValidation(self.cc.list_field_options, domainId=self.dom, fieldId=self.sel2,
                              nextToken=tok)

    def test_token_bound_to_account_and_region(self):
        tok = self.first_token(self.cc.list_domains)
        other = self.server.client(account=random_account())
        self.assertValidation(other.list_domains, nextToken=tok)
        eu = self.server.client(account=self.acct, region="eu-west-1")
        self.assertValidation(eu.list_domains, nextToken=tok)

    def test_token_reusable(self):
        tok = self.first_token(self.cc.list_layouts, domainId=self.dom)
        a = self.cc.list_layouts(domainId=self.dom, maxResults=2, nextToken=tok)
        b = self.cc.list_layouts(domainId=self.dom, maxResults=2, nextToken=tok)
        self.assertEqual(a["layouts"], b["layouts"])


if __name__ == "__main__":
    unittest.main()
