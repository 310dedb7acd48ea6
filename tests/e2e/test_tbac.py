"""Connect security profiles and users, and the access they give to cases.

One server runs with a credentials file of several principals: an
administrator (bound to no Connect user) and one principal per Connect
user.  User ids are minted by CreateUser, so the class creates the profiles
and users first (as the administrator, through boto3's "connect" client),
writes the bound principals into the credentials file and restarts the
server on the same store.  Every request is signed with the principal's
real secret (--auth sigv4).  Tests that change a user or profile use their
own; each test works in its own domain.
"""

import os
import tempfile
import uuid

import boto3
from botocore.config import Config

from harness import DEFAULT_REGION, CasesTestCase, unique, walk

ACCOUNT = "444455556666"
INSTANCE = "inst-tbac"
FULL = ["Cases.View", "Cases.Create", "Cases.Edit", "Cases.Delete", "CaseHistory.View"]
CUSTOMER = "arn:aws:profile:us-east-1:%s:domains/d-1/profiles/p-1" % ACCOUNT
CONTACT = "arn:aws:connect:us-east-1:%s:instance/%s/contact/c-1" % (ACCOUNT, INSTANCE)

# name -> (Permissions, AllowedAccessControlTags, TagRestrictedResources)
PROFILES = {
    "and": (FULL, {"team": "a", "region": "eu"}, ["Case"]),
    "b": (FULL, {"team": "b"}, ["Cases"]),
    "full": (FULL, {}, []),
    "not_cases": (FULL, {"team": "a"}, ["User"]),
    "view_only": (["Cases.View"], {}, []),
    "none": ([], {}, []),
    "mutable_a": (FULL, {"team": "a"}, ["Case"]),
    "mutable_b": (FULL, {"team": "b"}, ["Case"]),
}

# user -> profiles
USERS = {
    "u_and": ["and"],
    "u_or": ["and", "b"],
    "u_mixed": ["and", "full"],
    "u_notcases": ["not_cases"],
    "u_viewonly": ["view_only"],
    "u_none": ["none"],
    "u_deleted": ["full"],
    "u_mutable": ["mutable_a"],
}

ADMIN = ("AKIDTBACADMIN", "admin-secret-0123456789", "arn:aws:iam::%s:user/admin" % ACCOUNT)


def key_of(user):
    return "AKIDTBAC" + user.upper().replace("_", "")


def secret_of(user):
    return "secret-of-%s-0123456789" % user


def client(endpoint, key, secret, service="connectcases", validate=True):
    config = Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=20,
                    parameter_validation=validate)
    return boto3.session.Session().client(
        service, endpoint_url=endpoint, region_name=DEFAULT_REGION,
        aws_access_key_id=key, aws_secret_access_key=secret, config=config)


def write_credentials(path, user_arns):
    lines = ["%s %s %s %s" % (ADMIN[0], ADMIN[1], ACCOUNT, ADMIN[2])]
    for user, arn in sorted(user_arns.items()):
        lines.append("%s %s %s arn:aws:iam::%s:user/%s %s" % (
            key_of(user), secret_of(user), ACCOUNT, ACCOUNT, user.replace("_", "-"), arn))
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.chmod(path, 0o600)


def sv(s):
    return {"stringValue": s}


class TbacTest(CasesTestCase):

    @classmethod
    def setUpClass(cls):
        cls.creds_dir = tempfile.mkdtemp(prefix="casesd-tbac-")
        cls.creds = os.path.join(cls.creds_dir, "credentials")
        write_credentials(cls.creds, {})
        # Every test has its own domain, all in the one account of the file.
        cls.server_args = ("--credentials", cls.creds, "--quota", "domains=1000")
        super().setUpClass()
        cls._make_users()
        write_credentials(cls.creds, {u: cls.user_arns[u] for u in USERS})
        cls.server.stop()
        cls.server.start()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        os.unlink(cls.creds)
        os.rmdir(cls.creds_dir)

    @classmethod
    def _make_users(cls):
        conn = client(cls.server.endpoint, ADMIN[0], ADMIN[1], "connect")
        cls.profile_ids, cls.user_ids, cls.user_arns = {}, {}, {}
        for name, (perms, tags, resources) in PROFILES.items():
            r = conn.create_security_profile(
                InstanceId=INSTANCE, SecurityProfileName="tbac-" + name, Permissions=perms,
                AllowedAccessControlTags=tags, TagRestrictedResources=resources)
            cls.profile_ids[name] = r["SecurityProfileId"]
        for user, profiles in USERS.items():
            r = conn.create_user(InstanceId=INSTANCE, Username=user, RoutingProfileId="rp-1",
                                 PhoneConfig={"PhoneType": "SOFT_PHONE"},
                                 SecurityProfileIds=[cls.profile_ids[p] for p in profiles])
            cls.user_ids[user], cls.user_arns[user] = r["UserId"], r["UserArn"]
        conn.delete_user(InstanceId=INSTANCE, UserId=cls.user_ids["u_deleted"])

    # ---- clients and fixtures --------------------------------------------------------
    def setUp(self):
        super().setUp()
        self.admin = client(self.server.endpoint, ADMIN[0], ADMIN[1])
        self.connect = client(self.server.endpoint, ADMIN[0], ADMIN[1], "connect")
        self.dom = self.admin.create_domain(name=unique("tbac"))["domainId"]
        self.tpl = self.admin.create_template(domainId=self.dom, name=unique("tpl"),
                                              status="Active")["templateId"]

    def user(self, name):
        return client(self.server.endpoint, key_of(name), secret_of(name))

    def new_case(self, tags=None, c=None, template=None, **kw):
        args = dict(domainId=self.dom, templateId=template or self.tpl,
                    fields=[{"id": "title", "value": sv("t")},
                            {"id": "customer_id", "value": sv(CUSTOMER)}], **kw)
        if tags is not None:
            args["tags"] = tags
        return (c or self.admin).create_case(**args)["caseId"]

    def case_arn(self, case_id):
        return "arn:aws:cases:%s:%s:domain/%s/case/%s" % (DEFAULT_REGION, ACCOUNT, self.dom,
                                                         case_id)

    def get(self, c, case_id):
        return c.get_case(domainId=self.dom, caseId=case_id, fields=[{"id": "title"}])

    def assertDenied(self, fn, *args, **kwargs):
        exc = self.assertAwsError("AccessDeniedException", status=403)
        with exc:
            fn(*args, **kwargs)
        return exc.exception

    def visible(self, c, case_id):
        try:
            self.get(c, case_id)
            return True
        except c.exceptions.AccessDeniedException:
            return False

    def total(self, c):
        return c.search_cases(domainId=self.dom, maxResults=1)["totalCount"]

    def search_ids(self, c, page_size=None, **kw):
        items, _ = walk(c.search_cases, "cases", page_size=page_size, tc=self,
                        domainId=self.dom, **kw)
        return [i["caseId"] for i in items]

    # ---- the Connect API ----------------------------------------------------------------
    def test_profiles_and_users_round_trip(self):
        inst = unique("inst")
        p = self.connect.create_security_profile(
            InstanceId=inst, SecurityProfileName="agents", Description="desk",
            Permissions=["Cases.View", "Cases.Edit"], Tags={"cost": "7"},
            AllowedAccessControlTags={"team": "a", "site": "x"},
            TagRestrictedResources=["Case", "User"])
        pid = p["SecurityProfileId"]
        self.assertEqual(p["SecurityProfileArn"],
                         "arn:aws:connect:us-east-1:%s:instance/%s/security-profile/%s"
                         % (ACCOUNT, inst, pid))
        got = self.connect.describe_security_profile(InstanceId=inst,
                                                     SecurityProfileId=pid)["SecurityProfile"]
        self.assertEqual({k: got[k] for k in ("Id", "Arn", "SecurityProfileName", "Description",
                                              "Tags", "AllowedAccessControlTags",
                                              "TagRestrictedResources",
                                              "OrganizationResourceId",
                                              "LastModifiedRegion")},
                         {"Id": pid, "Arn": p["SecurityProfileArn"],
                          "SecurityProfileName": "agents", "Description": "desk",
                          "Tags": {"cost": "7"},
                          "AllowedAccessControlTags": {"team": "a", "site": "x"},
                          "TagRestrictedResources": ["Case", "User"],
                          "OrganizationResourceId": inst, "LastModifiedRegion": "us-east-1"})
        self.assertRecent(got["LastModifiedTime"])
        perms = self.connect.list_security_profile_permissions(InstanceId=inst,
                                                               SecurityProfileId=pid)
        self.assertEqual(perms["Permissions"], ["Cases.View", "Cases.Edit"])
        self.connect.update_security_profile(InstanceId=inst, SecurityProfileId=pid,
                                             Permissions=["Cases.View"],
                                             AllowedAccessControlTags={})
        got = self.connect.describe_security_profile(InstanceId=inst,
                                                     SecurityProfileId=pid)["SecurityProfile"]
        self.assertEqual((got["AllowedAccessControlTags"], got["Description"]), ({}, "desk"))
        self.assertEqual(self.connect.list_security_profile_permissions(
            InstanceId=inst, SecurityProfileId=pid)["Permissions"], ["Cases.View"])
        u = self.connect.create_user(InstanceId=inst, Username="ann", RoutingProfileId="rp",
                                     SecurityProfileIds=[pid],
                                     PhoneConfig={"PhoneType": "DESK_PHONE",
                                                  "DeskPhoneNumber": "+15555550100"},
                                     IdentityInfo={"FirstName": "Ann"})
        self.assertEqual(u["UserArn"], "arn:aws:connect:us-east-1:%s:instance/%s/agent/%s"
                         % (ACCOUNT, inst, u["UserId"]))
        user = self.connect.describe_user(InstanceId=inst, UserId=u["UserId"])["User"]
        self.assertEqual((user["Username"], user["SecurityProfileIds"], user["RoutingProfileId"],
                          user["PhoneConfig"], user["IdentityInfo"]),
                         ("ann", [pid], "rp", {"PhoneType": "DESK_PHONE",
                                                "DeskPhoneNumber": "+15555550100"},
                          {"FirstName": "Ann"}))

    def test_connect_errors(self):
        inst = unique("inst")
        pid = self.connect.create_security_profile(InstanceId=inst,
                                                   SecurityProfileName="p")["SecurityProfileId"]
        with self.assertAwsError("DuplicateResourceException", status=409):
            self.connect.create_security_profile(InstanceId=inst, SecurityProfileName="p")
        # The same name in another instance is another profile.
        self.connect.create_security_profile(InstanceId=unique("inst"), SecurityProfileName="p")
        # At most 4 access-control tags: the server judges when boto3 does not.
        raw = client(self.server.endpoint, ADMIN[0], ADMIN[1], "connect", validate=False)
        five = {"k%d" % i: "v" for i in range(5)}
        with self.assertAwsError("ValidationException", status=400):
            raw.create_security_profile(InstanceId=inst, SecurityProfileName="q",
                                        AllowedAccessControlTags=five)
        raw.create_security_profile(InstanceId=inst, SecurityProfileName="q",
                                    AllowedAccessControlTags=dict(list(five.items())[:4]))
        with self.assertAwsError("InvalidParameterException", status=400):
            self.connect.create_user(InstanceId=inst, Username="x", RoutingProfileId="rp",
                                     SecurityProfileIds=[pid, "no-such-profile"])
        uid = self.connect.create_user(InstanceId=inst, Username="x", RoutingProfileId="rp",
                                       SecurityProfileIds=[pid])["UserId"]
        with self.assertAwsError("DuplicateResourceException", status=409):
            self.connect.create_user(InstanceId=inst, Username="x", RoutingProfileId="rp",
                                     SecurityProfileIds=[pid])
        with self.assertAwsError("ResourceInUseException", status=409):
            self.connect.delete_security_profile(InstanceId=inst, SecurityProfileId=pid)
        for fn, kw in [(self.connect.describe_user, {"UserId": "nobody"}),
                       (self.connect.describe_security_profile, {"SecurityProfileId": "none"}),
                       (self.connect.delete_user, {"UserId": "nobody"}),
                       (self.connect.update_user_security_profiles,
                        {"UserId": "nobody", "SecurityProfileIds": [pid]})]:
            with self.assertAwsError("ResourceNotFoundException", status=404):
                fn(InstanceId=inst, **kw)
        self.connect.delete_user(InstanceId=inst, UserId=uid)
        self.connect.delete_security_profile(InstanceId=inst, SecurityProfileId=pid)
        with self.assertAwsError("ResourceNotFoundException", status=404):
            self.connect.describe_user(InstanceId=inst, UserId=uid)

    def test_connect_lists_page(self):
        inst = unique("inst")
        pids = [self.connect.create_security_profile(
            InstanceId=inst, SecurityProfileName="p%d" % i,
            Permissions=["P.%d" % j for j in range(5)])["SecurityProfileId"] for i in range(5)]
        for i in range(5):
            self.connect.create_user(InstanceId=inst, Username="u%d" % i, RoutingProfileId="r",
                                     SecurityProfileIds=[pids[i]])

        def pages(fn, key, **kw):
            out, token = [], None
            while True:
                r = fn(MaxResults=2, **(dict(kw, NextToken=token) if token else kw))
                self.assertLessEqual(len(r[key]), 2)
                out += r[key]
                token = r.get("NextToken")
                if not token:
                    return out
        users = pages(self.connect.list_users, "UserSummaryList", InstanceId=inst)
        self.assertEqual([u["Username"] for u in users], ["u%d" % i for i in range(5)])
        profiles = pages(self.connect.list_security_profiles, "SecurityProfileSummaryList",
                         InstanceId=inst)
        self.assertEqual([p["Name"] for p in profiles], ["p%d" % i for i in range(5)])
        self.assertEqual([p["Id"] for p in profiles], pids)
        perms = pages(self.connect.list_security_profile_permissions, "Permissions",
                      InstanceId=inst, SecurityProfileId=pids[0])
        self.assertEqual(perms, ["P.%d" % j for j in range(5)])

    # ---- tag semantics -------------------------------------------------------------------------
    def test_and_within_a_profile(self):
        u = self.user("u_and")
        cases = {
            "both": self.new_case({"team": "a", "region": "eu"}),
            "both_and_more": self.new_case({"team": "a", "region": "eu", "x": "y"}),
            "team_only": self.new_case({"team": "a"}),
            "region_only": self.new_case({"region": "eu"}),
            "wrong_value": self.new_case({"team": "a", "region": "us"}),
            "case_differs": self.new_case({"Team": "a", "region": "eu"}),
            "untagged": self.new_case(),
        }
        seen = {name for name, cid in cases.items() if self.visible(u, cid)}
        self.assertEqual(seen, {"both", "both_and_more"})

    def test_or_across_profiles(self):
        u = self.user("u_or")
        cases = {
            "a_eu": self.new_case({"team": "a", "region": "eu"}),
            "b": self.new_case({"team": "b"}),
            "b_us": self.new_case({"team": "b", "region": "us"}),
            "a": self.new_case({"team": "a"}),
            "c": self.new_case({"team": "c", "region": "eu"}),
        }
        seen = {name for name, cid in cases.items() if self.visible(u, cid)}
        self.assertEqual(seen, {"a_eu", "b", "b_us"})

    def test_unrestricted_profiles_see_everything(self):
        ids = [self.new_case({"team": "z"}), self.new_case()]
        for name in ("u_mixed", "u_notcases", "u_viewonly"):
            u = self.user(name)
            for cid in ids:
                self.assertTrue(self.visible(u, cid), name)
            self.assertEqual(sorted(self.search_ids(u)), sorted(ids))

    def test_search_filters_counts_and_pages(self):
        visible = [self.new_case({"team": "b", "n": str(i)}) for i in range(4)]
        visible += [self.new_case({"team": "a", "region": "eu"}) for _ in range(3)]
        hidden = [self.new_case({"team": "a"}) for _ in range(5)] + [self.new_case()]
        u = self.user("u_or")
        items, pages = walk(u.search_cases, "cases", page_size=3, tc=self, domainId=self.dom)
        self.assertEqual(sorted(i["caseId"] for i in items), sorted(visible))
        self.assertEqual(pages, 3)
        first = u.search_cases(domainId=self.dom, maxResults=3)
        self.assertEqual(first["totalCount"], len(visible))
        second = u.search_cases(domainId=self.dom, maxResults=3, nextToken=first["nextToken"])
        self.assertEqual(second["totalCount"], len(visible))
        # The caller's own filter is ANDed with access.
        mine = u.search_cases(domainId=self.dom, filter={"tag": {"equalTo": {
            "key": "team", "value": "a"}}})
        self.assertEqual(mine["totalCount"], 3)
        self.assertEqual(sorted(c["caseId"] for c in mine["cases"]), sorted(visible[4:]))
        everything = self.admin.search_cases(domainId=self.dom)
        self.assertEqual(everything["totalCount"], len(visible) + len(hidden))

    # ---- enforcement -------------------------------------------------------------------------
    def test_every_case_operation_is_denied_on_a_hidden_case(self):
        hidden = self.new_case({"team": "a", "secret": "s3cr3t"})
        shown = self.new_case({"team": "a", "region": "eu"})
        items = {}
        for cid in (hidden, shown):
            items[cid] = self.admin.create_related_item(
                domainId=self.dom, caseId=cid, type="Comment",
                content={"comment": {"body": "hi", "contentType": "Text/Plain"}})
        u = self.user("u_and")
        comment = {"comment": {"body": "x", "contentType": "Text/Plain"}}

        def ops(cid):
            item = items[cid]
            return [
                lambda: self.get(u, cid),
                lambda: u.update_case(domainId=self.dom, caseId=cid,
                                      fields=[{"id": "title", "value": sv("new")}]),
                lambda: u.get_case_audit_events(domainId=self.dom, caseId=cid),
                lambda: u.search_related_items(domainId=self.dom, caseId=cid),
                lambda: u.create_related_item(domainId=self.dom, caseId=cid, type="Comment",
                                              content=comment),
                lambda: u.update_related_item(domainId=self.dom, caseId=cid,
                                              relatedItemId=item["relatedItemId"],
                                              content=comment),
                lambda: u.list_tags_for_resource(arn=self.case_arn(cid)),
                lambda: u.list_tags_for_resource(arn=item["relatedItemArn"]),
                lambda: u.tag_resource(arn=self.case_arn(cid), tags={"extra": "1"}),
                lambda: u.untag_resource(arn=self.case_arn(cid), tagKeys=["extra"]),
                lambda: u.tag_resource(arn=item["relatedItemArn"], tags={"k": "v"}),
                lambda: u.untag_resource(arn=item["relatedItemArn"], tagKeys=["k"]),
                lambda: u.delete_related_item(domainId=self.dom, caseId=cid,
                                              relatedItemId=item["relatedItemId"]),
                lambda: u.delete_case(domainId=self.dom, caseId=cid),
            ]
        for i, op in enumerate(ops(hidden)):
            exc = self.assertDenied(op)
            message = exc.response["Error"]["Message"]
            for leak in ("s3cr3t", "secret", "team", hidden):
                self.assertNotIn(leak, message, "operation %d" % i)
        for op in ops(shown):
            op()
        # The hidden case and its item are untouched.
        got = self.get(self.admin, hidden)
        self.assertEqual(got["tags"], {"team": "a", "secret": "s3cr3t"})
        self.assertEqual(len(self.admin.search_related_items(
            domainId=self.dom, caseId=hidden)["relatedItems"]), 1)
        # A missing case is still a 404 for a user who holds the permission.
        with self.assertAwsError("ResourceNotFoundException", status=404):
            self.get(u, str(uuid.uuid4()))

    def test_permissions_gate_operations(self):
        cid = self.new_case({"team": "z"})
        v = self.user("u_viewonly")
        self.get(v, cid)
        v.search_cases(domainId=self.dom)
        denied = [
            lambda: self.new_case(c=v),
            lambda: v.update_case(domainId=self.dom, caseId=cid,
                                  fields=[{"id": "title", "value": sv("n")}]),
            lambda: v.delete_case(domainId=self.dom, caseId=cid),
            lambda: v.get_case_audit_events(domainId=self.dom, caseId=cid),
            lambda: v.create_related_item(domainId=self.dom, caseId=cid, type="Comment",
                                          content={"comment": {"body": "x",
                                                               "contentType": "Text/Plain"}}),
            lambda: v.tag_resource(arn=self.case_arn(cid), tags={"k": "v"}),
        ]
        for op in denied:
            self.assertDenied(op)
        for name in ("u_none", "u_deleted"):
            u = self.user(name)
            for op in (lambda: self.get(u, cid), lambda: u.search_cases(domainId=self.dom),
                       lambda: self.new_case(c=u),
                       lambda: u.list_cases_for_contact(domainId=self.dom, contactArn=CONTACT),
                       lambda: u.search_all_related_items(domainId=self.dom),
                       lambda: u.list_tags_for_resource(arn=self.case_arn(cid))):
                self.assertDenied(op)
        # Configuration is not gated, and the administrator sees everything.
        self.user("u_none").get_domain(domainId=self.dom)
        self.get(self.admin, cid)

    def test_tag_changes_grant_and_revoke(self):
        u = self.user("u_and")
        cid = self.new_case({"team": "a"})
        arn = self.case_arn(cid)
        self.assertFalse(self.visible(u, cid))
        self.admin.tag_resource(arn=arn, tags={"region": "eu"})
        self.assertTrue(self.visible(u, cid))
        self.assertEqual(self.search_ids(u), [cid])
        # A change that keeps access is allowed; one that loses it is not.
        u.tag_resource(arn=arn, tags={"note": "ok"})
        self.assertDenied(u.untag_resource, arn=arn, tagKeys=["region"])
        self.assertDenied(u.tag_resource, arn=arn, tags={"team": "b"})
        self.assertEqual(self.get(self.admin, cid)["tags"],
                         {"team": "a", "region": "eu", "note": "ok"})
        # Through a second profile the same change keeps access.
        self.user("u_or").tag_resource(arn=arn, tags={"team": "b"})
        self.assertFalse(self.visible(u, cid))
        self.assertEqual(self.search_ids(u), [])
        self.admin.tag_resource(arn=arn, tags={"team": "a"})
        self.assertTrue(self.visible(u, cid))
        self.admin.untag_resource(arn=arn, tagKeys=["region"])
        self.assertFalse(self.visible(u, cid))

    def test_search_totals_follow_tag_changes_and_deletions(self):
        # The totals of a restricted user's searches are counted per
        # distinct set of tags; each change must move them at once.
        u_and, u_or = self.user("u_and"), self.user("u_or")
        a_eu = [self.new_case({"team": "a", "region": "eu"}) for _ in range(3)]
        b = [self.new_case({"team": "b"}) for _ in range(2)]
        other = self.new_case({"team": "a"})
        self.assertEqual((self.total(u_and), self.total(u_or)), (3, 5))
        self.admin.tag_resource(arn=self.case_arn(other), tags={"region": "eu"})
        self.assertEqual((self.total(u_and), self.total(u_or)), (4, 6))
        self.admin.tag_resource(arn=self.case_arn(a_eu[0]), tags={"region": "us"})
        self.assertEqual((self.total(u_and), self.total(u_or)), (3, 5))
        self.admin.untag_resource(arn=self.case_arn(b[0]), tagKeys=["team"])
        self.assertEqual((self.total(u_and), self.total(u_or)), (3, 4))
        self.admin.delete_case(domainId=self.dom, caseId=a_eu[1])
        self.assertEqual((self.total(u_and), self.total(u_or)), (2, 3))
        self.new_case({"team": "b", "extra": "x"})
        self.assertEqual((self.total(u_and), self.total(u_or)), (2, 4))
        for c, want in ((u_and, 2), (u_or, 4)):
            self.assertEqual(len(self.search_ids(c)), want)

    def test_create_is_judged_on_the_final_tags(self):
        u = self.user("u_and")
        propagating = self.admin.create_template(
            domainId=self.dom, name=unique("tpl"), status="Active",
            tagPropagationConfigurations=[{"resourceType": "Cases",
                                           "tagMap": {"team": "a"}}])["templateId"]
        self.assertDenied(self.new_case, c=u)
        self.assertDenied(self.new_case, {"team": "a"}, c=u)
        self.assertDenied(self.new_case, c=u, template=propagating)
        # Request tags win over the template's on a shared key.
        self.assertDenied(self.new_case, {"team": "b", "region": "eu"}, c=u,
                          template=propagating)
        made = [self.new_case({"region": "eu"}, c=u, template=propagating),
                self.new_case({"team": "a", "region": "eu"}, c=u)]
        self.assertEqual(sorted(self.search_ids(self.admin)), sorted(made))
        self.assertEqual(self.get(u, made[0])["tags"], {"team": "a", "region": "eu"})

    def test_contact_cases_and_all_related_items_are_filtered(self):
        shown = [self.new_case({"team": "a", "region": "eu"}) for _ in range(3)]
        hidden = [self.new_case({"team": "a"}) for _ in range(4)]
        order = [hidden[0], shown[0], hidden[1], hidden[2], shown[1], hidden[3], shown[2]]
        for cid in order:
            self.admin.create_related_item(domainId=self.dom, caseId=cid, type="Contact",
                                           content={"contact": {"contactArn": CONTACT}})
        u = self.user("u_and")
        got, _ = walk(u.list_cases_for_contact, "cases", page_size=1, tc=self,
                      domainId=self.dom, contactArn=CONTACT)
        self.assertEqual([c["caseId"] for c in got], shown)
        got, _ = walk(u.list_cases_for_contact, "cases", page_size=2, tc=self,
                      domainId=self.dom, contactArn=CONTACT)
        self.assertEqual([c["caseId"] for c in got], shown)
        page = u.list_cases_for_contact(domainId=self.dom, contactArn=CONTACT, maxResults=3)
        self.assertEqual(([c["caseId"] for c in page["cases"]], page.get("nextToken")),
                         (shown, None))
        items, _ = walk(u.search_all_related_items, "relatedItems", page_size=2, tc=self,
                        domainId=self.dom)
        self.assertEqual(sorted(i["caseId"] for i in items), sorted(shown))
        everything, _ = walk(self.admin.list_cases_for_contact, "cases", page_size=3,
                             domainId=self.dom, contactArn=CONTACT)
        self.assertEqual(len(everything), len(order))

    def test_performer_defaults_to_the_callers_user(self):
        u = self.user("u_mixed")
        me = self.user_arns["u_mixed"]
        cid = self.new_case(c=u)
        got = u.get_case(domainId=self.dom, caseId=cid, fields=[{"id": "last_updated_user"}])
        self.assertEqual(got["fields"], [{"id": "last_updated_user",
                                          "value": {"userArnValue": me}}])
        u.update_case(domainId=self.dom, caseId=cid, fields=[{"id": "title", "value": sv("b")}])
        item = u.create_related_item(domainId=self.dom, caseId=cid, type="Comment",
                                     content={"comment": {"body": "x",
                                                          "contentType": "Text/Plain"}})
        events = u.get_case_audit_events(domainId=self.dom, caseId=cid)["auditEvents"]
        self.assertEqual(len(events), 3)
        for ev in events:
            self.assertEqual(ev["performedBy"]["user"], {"userArn": me})
            self.assertEqual(ev["performedBy"]["iamPrincipalArn"],
                             "arn:aws:iam::%s:user/u-mixed" % ACCOUNT)
        found = u.search_related_items(domainId=self.dom, caseId=cid)["relatedItems"]
        self.assertEqual([(i["relatedItemId"], i["performedBy"]) for i in found],
                         [(item["relatedItemId"], {"userArn": me})])
        # A request naming its performer keeps it.
        other = "arn:aws:connect:us-east-1:%s:instance/%s/agent/someone" % (ACCOUNT, INSTANCE)
        u.update_case(domainId=self.dom, caseId=cid, performedBy={"userArn": other},
                      fields=[{"id": "title", "value": sv("c")}])
        got = u.get_case(domainId=self.dom, caseId=cid, fields=[{"id": "last_updated_user"}])
        self.assertEqual(got["fields"][0]["value"], {"userArnValue": other})
        # An administrator's request names no user.
        mine = self.new_case()
        ev = self.admin.get_case_audit_events(domainId=self.dom, caseId=mine)["auditEvents"][0]
        self.assertNotIn("user", ev["performedBy"])

    def test_profile_and_user_changes_apply_to_the_next_request(self):
        u = self.user("u_mutable")
        uid = self.user_ids["u_mutable"]
        a, b = self.new_case({"team": "a"}), self.new_case({"team": "b"})
        self.assertEqual((self.visible(u, a), self.visible(u, b)), (True, False))
        self.connect.update_user_security_profiles(
            InstanceId=INSTANCE, UserId=uid, SecurityProfileIds=[self.profile_ids["mutable_b"]])
        self.assertEqual((self.visible(u, a), self.visible(u, b)), (False, True))
        self.connect.update_security_profile(
            InstanceId=INSTANCE, SecurityProfileId=self.profile_ids["mutable_b"],
            AllowedAccessControlTags={})
        self.assertEqual((self.visible(u, a), self.visible(u, b)), (True, True))
        self.connect.update_security_profile(
            InstanceId=INSTANCE, SecurityProfileId=self.profile_ids["mutable_b"],
            Permissions=["Cases.Create"])
        self.assertDenied(self.get, u, a)
        self.connect.delete_user(InstanceId=INSTANCE, UserId=uid)
        self.assertDenied(self.new_case, c=u)
