"""SearchCases end to end: every filter operator on every field type, not /
andAll / orAll nesting, tags, searchTerm, sorts and the projection, each
checked against a reference evaluation written here over the same seeded,
random data set (same data, same query, same answer: the set, the order and
totalCount, walking every page).  Also the errors, the nextToken guarantees
(opaque, tamper-evident, bound to its query) and the snapshot property: a
walk returns each case that existed when it started exactly once, however
many cases are created meanwhile.

Semantics the reference encodes (see src/api/case_filter.h and search.c):
  * equalTo is exact (case-sensitive) on strings, numeric on Number and
    Boolean (0/1), chronological on DateTime; equalTo emptyValue (or a blank
    stringValue) matches cases where the field has no value.
  * contains is an ASCII-case-insensitive substring match.
  * greaterThan... compare numbers numerically, DateTime chronologically and
    Text in code-point order; a case without a value never matches them.
  * not(x) holds exactly when x does not (cases without a value included).
  * tag equalTo matches an exact key and value.
  * searchTerm: every word of the term (runs of letters and digits) must be,
    case-insensitively, a prefix of a word of some string value of the case
    (any field, deleted fields included).
  * sorts order by value (Number/Boolean numerically, the rest as strings);
    cases without a value come last in either direction; ties keep a
    stable order, the same on every walk.
"""

import concurrent.futures
import datetime
import functools
import json
import random
import re
import unittest

from harness import CasesTestCase, SYSTEM_FIELD_IDS, random_account, unique

SEED = 20240611
N_CASES = 2000
THREADS = 8
N_RANDOM_QUERIES = 160
MAX_PAGES = 40     # per walk, unless a test asks for an exact page size

# Every word has a letter beyond 'f', so none is a prefix of a hexadecimal
# token (case ids), and none starts a word of the fixed values (ARNs, URLs,
# status, dates), so searchTerm results depend on the chosen words only.
WORDS = ["mango", "quokka", "walrus", "tundra", "violet", "sparrow", "lynx",
         "yak", "zephyr", "ruby", "saffron", "topaz", "moss", "hollow", "jolt",
         "pylon", "quill", "mangrove", "tuna", "walnut"]
LINK_WORDS = ["kiwi", "kumquat", "lime", "plum"]
OLD_WORDS = ["nectar", "nettle", "nimbus"]
PICKS = ["low", "medium", "high", "urgent"]
TEAMS = ["blue", "red", "green"]
TIERS = ["gold", "silver"]
NUMBERS = [-3, -1.5, 0, 0.5, 1, 2, 2.5, 7, 10, 42, 100.25, 1e6]
OFFSETS = [datetime.timedelta(0), datetime.timedelta(hours=5, minutes=30),
           datetime.timedelta(hours=-8), datetime.timedelta(hours=1)]
EPOCH0 = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)

# The custom fields: key -> type ("old" is deleted once the cases exist).
CUSTOM = [("txt", "Text"), ("num", "Number"), ("flag", "Boolean"),
          ("when", "DateTime"), ("pick", "SingleSelect"), ("link", "Url"),
          ("agent", "User"), ("old", "Text")]

SYSTEM_TYPES = {
    "case_id": "Text", "title": "Text", "status": "SingleSelect",
    "customer_id": "Text", "reference_number": "Text", "summary": "Text",
    "case_reason": "SingleSelect", "created_datetime": "DateTime",
    "last_updated_datetime": "DateTime", "last_closed_datetime": "DateTime",
    "last_reopened_datetime": "DateTime", "last_updated_user": "User",
    "assigned_queue": "Text", "assigned_user": "User",
    "next_sla_breach_datetime": "DateTime",
}

WORD_RE = re.compile(r"[A-Za-z0-9]+")
ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def iso_ms(dt):
    """The stored form of an instant: UTC with milliseconds."""
    dt = dt.astimezone(datetime.timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (dt.microsecond // 1000)


def written(dt, offset, style):
    """dt written at a UTC offset in one of several accepted styles."""
    local = dt.astimezone(datetime.timezone(offset))
    if style == 0 and offset == datetime.timedelta(0):
        return local.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (local.microsecond // 1000)
    text = local.isoformat(timespec="milliseconds" if style == 1 else "seconds")
    return text.replace("+00:00", "Z") if style == 2 else text


def vary_case(rng, word):
    return rng.choice([word, word.upper(), word.capitalize(),
                       "".join(ch.upper() if rng.random() < 0.5 else ch for ch in word)])


def words(rng, lo, hi, vocab=WORDS):
    return " ".join(vary_case(rng, rng.choice(vocab)) for _ in range(rng.randint(lo, hi)))


def every_page(c, **kw):
    """The cases of every page of search_cases(**kw), in order."""
    out, token = [], None
    while True:
        r = c.search_cases(**kw, **({"nextToken": token} if token else {}))
        out += r["cases"]
        token = r.get("nextToken")
        if not token:
            return out


def sv(s):
    return {"stringValue": s}


B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def flip(token, pos):
    """token with the character at pos changed in its top bit, so the decoded
    bytes surely differ (a low bit of the last character may be padding)."""
    c = token[pos]
    alphabet = B64 if c in B64 else B64.replace("-_", "+/")
    repl = alphabet[(alphabet.index(c) + 32) % 64] if c in alphabet else "A"
    return token[:pos] + repl + token[pos + 1:]


# ---- the reference evaluation --------------------------------------------------

class Reference:
    """Evaluates queries over the cases as stored (values read back with GetCase)."""

    def __init__(self, cases, types):
        self.cases = cases      # caseId -> {"fields": {id: union}, "tags": {}, ...}
        self.types = types      # field id -> type

    @staticmethod
    def scalar(ftype, union):
        if ftype == "Number":
            return float(union["doubleValue"])
        if ftype == "Boolean":
            return 1.0 if union["booleanValue"] else 0.0
        if ftype == "User":
            return union["userArnValue"]
        return union["stringValue"]

    def constant(self, ftype, union):
        if ftype == "DateTime":
            dt = datetime.datetime.fromisoformat(union["stringValue"].replace("Z", "+00:00"))
            if dt.tzinfo is None:             # a bare date: midnight UTC
                dt = dt.replace(tzinfo=datetime.timezone.utc)
            return iso_ms(dt)
        return self.scalar(ftype, union)

    def field_holds(self, op, fv, case):
        fid, val = fv["id"], fv["value"]
        stored = case["fields"].get(fid)
        blank_string = "stringValue" in val and not val["stringValue"].strip()
        if "emptyValue" in val or (op == "equalTo" and blank_string):
            return stored is None
        if stored is None:
            return False
        ftype = self.types[fid]
        a, b = self.scalar(ftype, stored), self.constant(ftype, val)
        if op == "contains":
            return b.translate(ASCII_LOWER) in a.translate(ASCII_LOWER)
        return {"equalTo": a == b, "greaterThan": a > b, "greaterThanOrEqualTo": a >= b,
                "lessThan": a < b, "lessThanOrEqualTo": a <= b}[op]

    def holds(self, f, case):
        (kind, body), = f.items()
        if kind == "field":
            (op, fv), = body.items()
            return self.field_holds(op, fv, case)
        if kind == "not":
            return not self.holds(body, case)
        if kind == "tag":
            eq = body["equalTo"]
            return case["tags"].get(eq["key"]) == eq["value"]
        if kind == "andAll":
            return all(self.holds(x, case) for x in body)
        return any(self.holds(x, case) for x in body)

    @staticmethod
    def term_holds(term, case):
        wanted = [w.lower() for w in WORD_RE.findall(term or "")]
        if not wanted:
            return True
        have = set()
        for union in case["fields"].values():
            s = union.get("stringValue") or union.get("userArnValue")
            if s:
                have.update(w.lower() for w in WORD_RE.findall(s))
        return all(any(h.startswith(w) for h in have) for w in wanted)

    def sort_value(self, case, fid):
        union = case["fields"].get(fid)
        return None if union is None else self.scalar(self.types[fid], union)

    def sort_key(self, case, sorts):
        return tuple(self.sort_value(case, s["fieldId"]) for s in sorts)

    @staticmethod
    def compare_keys(ka, kb, sorts):
        for va, vb, s in zip(ka, kb, sorts):
            if va == vb:
                continue
            if va is None or vb is None:      # no value: last either way
                return 1 if va is None else -1
            r = -1 if va < vb else 1
            return -r if s["sortOrder"] == "Desc" else r
        return 0

    def run(self, query):
        """The ids that match query, in order (ties in any order)."""
        f, term = query.get("filter"), query.get("searchTerm")
        sorts = query.get("sorts") or DEFAULT_SORTS
        hits = [cid for cid, c in self.cases.items()
                if (f is None or self.holds(f, c)) and self.term_holds(term, c)]
        keyed = {cid: self.sort_key(self.cases[cid], sorts) for cid in hits}
        cmp = functools.cmp_to_key(lambda a, b: self.compare_keys(keyed[a], keyed[b], sorts))
        return sorted(hits, key=cmp)


DEFAULT_SORTS = [{"fieldId": "last_updated_datetime", "sortOrder": "Desc"}]


# ---- the data set ---------------------------------------------------------------

def case_spec(rng, i, n_templates):
    """A random case: its symbolic values ({key: union}) and tags."""
    values = {"title": sv(words(rng, 1, 4)),
              "customer_id": sv("arn:aws:profile:us-east-1:123456789012:domains/d1/profiles/p%d"
                                % rng.randrange(50))}
    maybe = lambda p: rng.random() < p  # noqa: E731
    if maybe(0.8):
        values["txt"] = sv(words(rng, 1, 5))
    if maybe(0.85):
        values["num"] = {"doubleValue": float(rng.choice(NUMBERS))}
    if maybe(0.75):
        values["flag"] = {"booleanValue": rng.random() < 0.5}
    if maybe(0.85):
        dt = EPOCH0 + datetime.timedelta(days=rng.randrange(40), hours=rng.randrange(4) * 6,
                                         milliseconds=rng.choice([0, 0, 250, 999]))
        values["when"] = sv(written(dt, rng.choice(OFFSETS), rng.randrange(3)))
    if maybe(0.7):
        values["pick"] = sv(rng.choice(PICKS))
    if maybe(0.6):
        values["link"] = sv("https://%s.example.com/%s/%d" % (
            rng.choice(LINK_WORDS), rng.choice(LINK_WORDS), rng.randrange(100)))
    if maybe(0.5):
        values["agent"] = {"userArnValue": "arn:aws:connect:us-east-1:123456789012:"
                                           "instance/inst-1/agent/a%d" % rng.randrange(8)}
    if maybe(0.3):
        values["old"] = sv(words(rng, 1, 2, OLD_WORDS))
    if maybe(0.05):
        values["txt"] = {"emptyValue": {}}
    if maybe(0.1):
        values["status"] = sv("closed")
    tags = {}
    if maybe(0.4):
        tags["team"] = rng.choice(TEAMS)
    if maybe(0.2):
        tags["tier"] = rng.choice(TIERS)
    return {"values": values, "tags": tags, "template": i % n_templates}


def seed_domain(client, n_cases, seed, threads=THREADS):
    """Creates a domain with the custom fields and n_cases random cases.
    Returns (domain, field ids by key, {caseId: spec}, template ids)."""
    rng = random.Random(seed)
    dom = client.create_domain(name=unique("search"))["domainId"]
    ids = {key: client.create_field(domainId=dom, name="%s-%s" % (key, unique("f")),
                                    type=ftype)["fieldId"] for key, ftype in CUSTOM}
    client.batch_put_field_options(domainId=dom, fieldId=ids["pick"], options=[
        {"name": p.title(), "value": p, "active": True} for p in PICKS])
    templates = [client.create_template(domainId=dom, name=unique("tpl"))["templateId"]
                 for _ in range(2)]
    specs = [case_spec(rng, i, len(templates)) for i in range(n_cases)]

    def create(spec):
        fields = [{"id": ids.get(k, k), "value": v} for k, v in spec["values"].items()]
        kw = {"tags": spec["tags"]} if spec["tags"] else {}
        r = client.create_case(domainId=dom, templateId=templates[spec["template"]],
                               fields=fields, **kw)
        return r["caseId"], spec

    with concurrent.futures.ThreadPoolExecutor(threads) as ex:
        created = dict(ex.map(create, specs))
    return dom, ids, created, templates


def read_back(client, dom, case_ids, field_ids, threads=THREADS):
    """{caseId: {"fields": {id: union}, "tags", "templateId"}} as GetCase reports them."""
    def get(cid):
        r = client.get_case(domainId=dom, caseId=cid, fields=[{"id": f} for f in field_ids])
        return cid, {"fields": {f["id"]: f["value"] for f in r["fields"]},
                     "tags": r.get("tags") or {}, "templateId": r["templateId"]}
    with concurrent.futures.ThreadPoolExecutor(threads) as ex:
        return dict(ex.map(get, case_ids))


def strip_meta(union):
    """A FieldValueUnion as boto3 returns it, without empty members."""
    return {k: v for k, v in union.items() if v is not None}


class SearchTests(CasesTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.acct = random_account()
        c = cls.server.client(account=cls.acct)
        cls.dom, cls.ids, cls.specs, cls.templates = seed_domain(c, N_CASES, SEED)
        cls.types = dict(SYSTEM_TYPES)
        cls.types.update({cls.ids[k]: t for k, t in CUSTOM})
        c.delete_field(domainId=cls.dom, fieldId=cls.ids["old"])
        stored = read_back(c, cls.dom, list(cls.specs),
                           sorted(SYSTEM_FIELD_IDS) + [cls.ids[k] for k, _ in CUSTOM])
        cls.ref = Reference(stored, cls.types)

    def setUp(self):
        super().setUp()
        self.cc = self.server.client(account=self.acct)
        self.nv = self.server.client(account=self.acct, validate=False)

    # ---- helpers ---------------------------------------------------------------
    def f(self, key):
        return self.ids.get(key, key)

    def field(self, op, key, value):
        return {"field": {op: {"id": self.f(key), "value": value}}}

    def search(self, client=None, **query):
        return (client or self.cc).search_cases(domainId=self.dom, **query)

    def walk_all(self, query, page_size, client=None):
        """Every page of query: (items, totals, pages)."""
        items, totals, token, pages = [], [], None, 0
        while True:
            kw = dict(query, maxResults=page_size)
            if token:
                kw["nextToken"] = token
            r = self.search(client, **kw)
            pages += 1
            self.assertLessEqual(len(r["cases"]), page_size)
            items.extend(r["cases"])
            totals.append(r.get("totalCount"))
            token = r.get("nextToken")
            if not token:
                return items, totals, pages
            self.assertTrue(r["cases"], "an empty page before the end")
            self.assertLess(pages, 3000, "the walk does not end")

    def check(self, query, page_size=None, exact_size=False):
        """Walks query and compares set, order and totalCount to the reference."""
        want = self.ref.run(query)
        if page_size is None:
            page_size = max(min(len(want) // 6 + 1, 100), 1)
        elif not exact_size:
            # Small pages over a large result add time, not coverage.
            page_size = min(max(page_size, -(-len(want) // MAX_PAGES)), 100)
        items, totals, _ = self.walk_all(query, page_size)
        got = [i["caseId"] for i in items]
        label = json.dumps(query, sort_keys=True)
        self.assertEqual(len(got), len(set(got)), "a case came twice: " + label)
        missing, extra = set(want) - set(got), set(got) - set(want)
        self.assertFalse(missing or extra, "%s\n%d missing (e.g. %s), %d extra (e.g. %s)" % (
            label, len(missing), sorted(missing)[:3], len(extra), sorted(extra)[:3]))
        sorts = query.get("sorts") or DEFAULT_SORTS
        keys = lambda ids: [self.ref.sort_key(self.ref.cases[c], sorts) for c in ids]  # noqa: E731
        self.assertEqual(keys(got), keys(want), "order differs: " + label)
        self.assertEqual(set(totals), {len(want)}, "totalCount: " + label)
        return got

    # ---- the data set itself ---------------------------------------------------
    def test_data_set_as_created(self):
        """GetCase gives back what was created (so the reference is sound)."""
        rng = random.Random(1)
        for cid in rng.sample(sorted(self.specs), 50):
            spec, case = self.specs[cid], self.ref.cases[cid]
            self.assertEqual(case["tags"], spec["tags"])
            self.assertEqual(case["templateId"], self.templates[spec["template"]])
            for key, value in spec["values"].items():
                got = case["fields"].get(self.f(key))
                if "emptyValue" in value:
                    self.assertIsNone(got)
                elif key == "when":
                    self.assertEqual(got["stringValue"], self.ref.constant("DateTime", value))
                else:
                    self.assertEqual(self.ref.scalar(self.types[self.f(key)], strip_meta(got)),
                                     self.ref.scalar(self.types[self.f(key)], value))

    # ---- everything, in every order ----------------------------------------------
    def test_all_cases_default_order(self):
        got = self.check({}, page_size=100)
        self.assertEqual(len(got), N_CASES)
        self.assertEqual(got, self.check({}, page_size=13, exact_size=True),
                         "walks differ in tie order")

    def test_default_page_size_is_25(self):
        r = self.search()
        self.assertEqual(len(r["cases"]), 25)
        self.assertIn("nextToken", r)
        self.assertEqual(r["totalCount"], N_CASES)

    def test_small_pages(self):
        """Pages of 1, 7 and 100 give the same cases in the same order."""
        q = {"filter": {"andAll": [self.field("equalTo", "pick", sv("urgent")),
                                   self.field("equalTo", "flag", {"booleanValue": True})]},
             "sorts": [{"fieldId": self.f("num"), "sortOrder": "Asc"}]}
        one = self.check(q, page_size=1, exact_size=True)
        self.assertGreater(len(one), 20)
        self.assertEqual(one, self.check(q, page_size=7, exact_size=True))
        self.assertEqual(one, self.check(q, page_size=100))

    # ---- operator x type -------------------------------------------------------------
    def operator_queries(self):
        rng = random.Random(SEED + 1)
        some = lambda key: next(c["fields"][self.f(key)]  # noqa: E731
                                for c in rng.sample(list(self.ref.cases.values()), N_CASES)
                                if self.f(key) in c["fields"])
        qs = []
        # Text
        txt = some("txt")["stringValue"]
        qs += [self.field("equalTo", "txt", sv(txt)),
               self.field("equalTo", "txt", sv(txt.swapcase())),
               self.field("equalTo", "txt", {"emptyValue": {}}),
               self.field("equalTo", "txt", sv("")),
               self.field("equalTo", "txt", sv("   ")),
               self.field("contains", "txt", sv("ANG")),
               self.field("contains", "txt", sv("quokka walrus")),
               self.field("contains", "txt", sv("o")),
               self.field("contains", "title", sv("Pylon")),
               self.field("greaterThan", "txt", sv("mango")),
               self.field("greaterThanOrEqualTo", "txt", sv(txt)),
               self.field("lessThan", "txt", sv("SPARROW")),
               self.field("lessThanOrEqualTo", "txt", sv("m")),
               self.field("greaterThan", "title", sv("t"))]
        # Number
        qs += [self.field(op, "num", {"doubleValue": v}) for op in
               ("equalTo", "greaterThan", "greaterThanOrEqualTo", "lessThan", "lessThanOrEqualTo")
               for v in (2.5, 0, -1.5, 7, 1e6, 3.25)]
        qs += [self.field("equalTo", "num", {"emptyValue": {}})]
        # Boolean
        qs += [self.field("equalTo", "flag", {"booleanValue": b}) for b in (True, False)]
        qs += [self.field("equalTo", "flag", {"emptyValue": {}})]
        # DateTime: the same instants written in several ways
        for days, hours in ((0, 0), (10, 6), (20, 12), (39, 18), (-5, 0), (50, 0)):
            dt = EPOCH0 + datetime.timedelta(days=days, hours=hours)
            for op in ("equalTo", "greaterThan", "greaterThanOrEqualTo", "lessThan",
                       "lessThanOrEqualTo"):
                off = OFFSETS[(days + len(op)) % len(OFFSETS)]
                qs.append(self.field(op, "when", sv(written(dt, off, (days + hours) % 3))))
        qs += [self.field("greaterThanOrEqualTo", "when", sv("2024-01-15")),
               self.field("lessThan", "when", sv("2024-01-15T00:00:00.000000001Z")),
               self.field("equalTo", "when", {"emptyValue": {}}),
               self.field("greaterThan", "created_datetime", sv("2000-01-01T00:00:00Z")),
               self.field("lessThan", "last_updated_datetime", sv("2000-01-01T00:00:00Z"))]
        # SingleSelect, Url, User
        qs += [self.field("equalTo", "pick", sv(p)) for p in PICKS]
        qs += [self.field("equalTo", "pick", sv("High")),
               self.field("contains", "pick", sv("IG")),
               self.field("equalTo", "pick", {"emptyValue": {}}),
               self.field("equalTo", "status", sv("closed")),
               self.field("equalTo", "status", sv("open"))]
        link = some("link")["stringValue"]
        qs += [self.field("equalTo", "link", sv(link)),
               self.field("contains", "link", sv("KIWI.example")),
               self.field("contains", "link", sv("/plum/")),
               self.field("equalTo", "link", {"emptyValue": {}})]
        agent = some("agent")["userArnValue"]
        qs += [self.field("equalTo", "agent", {"userArnValue": agent}),
               self.field("contains", "agent", {"userArnValue": "AGENT/A3"}),
               self.field("equalTo", "agent", {"emptyValue": {}})]
        # a deleted field still matches
        qs += [self.field("contains", "old", sv("nect")),
               self.field("equalTo", "old", {"emptyValue": {}}),
               self.field("greaterThan", "old", sv("nettle"))]
        # tags
        qs += [{"tag": {"equalTo": {"key": "team", "value": t}}} for t in TEAMS]
        qs += [{"tag": {"equalTo": {"key": "team", "value": "Blue"}}},
               {"tag": {"equalTo": {"key": "tier", "value": "gold"}}},
               {"tag": {"equalTo": {"key": "nope", "value": ""}}}]
        return qs

    def test_every_operator_and_type(self):
        for filt in self.operator_queries():
            with self.subTest(filter=filt):
                self.check({"filter": filt})

    def test_not_of_every_operator(self):
        for filt in self.operator_queries()[::3]:
            with self.subTest(filter=filt):
                self.check({"filter": {"not": filt}})

    def test_and_or_nesting(self):
        qs = self.operator_queries()
        rng = random.Random(SEED + 2)
        cases = [{"andAll": []}, {"orAll": []}, {"not": {"andAll": []}},
                 {"andAll": [qs[0]]}, {"orAll": [qs[5], qs[20]]}]
        for _ in range(40):
            cases.append(self.random_filter(rng, qs, 3))
        for filt in cases:
            with self.subTest(filter=filt):
                self.check({"filter": filt})

    def random_filter(self, rng, atoms, depth):
        roll = rng.random()
        if depth == 0 or roll < 0.35:
            return rng.choice(atoms)
        if roll < 0.5:
            return {"not": self.random_filter(rng, atoms, depth - 1)}
        kids = [self.random_filter(rng, atoms, depth - 1) for _ in range(rng.randint(1, 4))]
        return {"andAll" if roll < 0.75 else "orAll": kids}

    def test_filters_nested_to_the_limits(self):
        atom = self.field("equalTo", "pick", sv("low"))
        deep = atom
        for _ in range(27):   # 27 nots + 4 levels of the atom: JSON depth 31
            deep = {"not": deep}
        self.check({"filter": deep})
        wide = {"orAll": [{"andAll": [self.field("greaterThan", "num", {"doubleValue": i})] * 10}
                          for i in range(10)]}
        self.check({"filter": wide})

    # ---- searchTerm ------------------------------------------------------------------
    def test_search_term(self):
        terms = ["mango", "MANGO", "MaNgO", "man", "mang", "quo", "Walrus tundra",
                 "zephyr  ruby", "kiwi", "KUM", "nect", "nimbus", "closed", "high",
                 "q", "lynx-yak", "  ", "zzzz"]
        for term in terms:
            with self.subTest(searchTerm=term):
                self.check({"searchTerm": term})

    def test_search_term_with_filter_and_sort(self):
        q = {"searchTerm": "mango", "filter": self.field("greaterThan", "num", {"doubleValue": 0}),
             "sorts": [{"fieldId": self.f("when"), "sortOrder": "Asc"}]}
        self.check(q, page_size=9)

    # ---- sorts ---------------------------------------------------------------------
    def test_sorts(self):
        keys = ["num", "when", "txt", "flag", "pick", "link", "agent", "title", "old",
                "created_datetime", "status"]
        combos = [[k] for k in keys] + [["pick", "num"], ["flag", "when"], ["txt", "num"],
                                        ["status", "title"], ["num", "when"]]
        rng = random.Random(SEED + 3)
        filt = {"orAll": [self.field("equalTo", "pick", sv("low")),
                          self.field("equalTo", "flag", {"booleanValue": True})]}
        for combo in combos:
            for orders in (("Asc", "Desc"), ("Desc", "Asc")):
                sorts = [{"fieldId": self.f(k), "sortOrder": o} for k, o in zip(combo, orders)]
                q = {"sorts": sorts}
                if rng.random() < 0.5:
                    q["filter"] = filt
                with self.subTest(query=q):
                    self.check(q, page_size=rng.choice([50, 100]))

    # ---- random combinations -------------------------------------------------------
    def test_random_queries(self):
        rng = random.Random(SEED + 4)
        atoms = self.operator_queries()
        keys = ["num", "when", "txt", "flag", "pick", "title", "created_datetime"]
        for i in range(N_RANDOM_QUERIES):
            q = {}
            if rng.random() < 0.85:
                q["filter"] = self.random_filter(rng, atoms, 3)
            if rng.random() < 0.25:
                q["searchTerm"] = vary_case(rng, rng.choice(WORDS))[:rng.randint(2, 6)]
            if rng.random() < 0.7:
                q["sorts"] = [{"fieldId": self.f(k), "sortOrder": rng.choice(["Asc", "Desc"])}
                              for k in rng.sample(keys, rng.randint(1, 2))]
            with self.subTest(i=i, query=q):
                self.check(q, page_size=rng.choice([3, 10, 25, 100]) if i % 4 else None)

    # ---- the items -------------------------------------------------------------------
    def test_projection_and_item_shape(self):
        wanted = ["txt", "num", "when", "flag", "pick", "link", "agent", "old", "txt"]
        fields = [{"id": self.f(k)} for k in wanted] + [{"id": "no-such-field"}, {"id": "title"}]
        items, _, _ = self.walk_all({"fields": fields}, 100)
        self.assertEqual(len(items), N_CASES)
        order = list(dict.fromkeys(self.f(k) for k in wanted)) + ["title"]
        for item in items:
            case = self.ref.cases[item["caseId"]]
            self.assertEqual(item["templateId"], case["templateId"])
            self.assertEqual(item.get("tags") or {}, case["tags"])
            want = [{"id": fid, "value": case["fields"][fid]} for fid in order
                    if fid in case["fields"]]
            got = [{"id": f["id"], "value": strip_meta(f["value"])} for f in item["fields"]]
            self.assertEqual(got, [{"id": w["id"], "value": strip_meta(w["value"])} for w in want])

    def test_no_projection_gives_empty_fields(self):
        r = self.search(maxResults=5)
        for item in r["cases"]:
            self.assertEqual(item["fields"], [])

    # ---- errors ------------------------------------------------------------------------
    def test_unknown_field_ids(self):
        bad = {"field": {"equalTo": {"id": "no-such-field", "value": sv("x")}}}
        for filt in (bad, {"not": bad}, {"andAll": [self.field("equalTo", "pick", sv("low")), bad]},
                     {"orAll": [{"andAll": [bad]}]}):
            with self.subTest(filter=filt):
                exc = self.assertValidation(self.search, filter=filt)
                self.assertIn("no-such-field", exc.response["Error"]["Message"])
        exc = self.assertValidation(self.search, sorts=[{"fieldId": "no-such-sort",
                                                         "sortOrder": "Asc"}])
        self.assertIn("no-such-sort", exc.response["Error"]["Message"])

    def test_values_that_do_not_fit(self):
        bad = [self.field("equalTo", "num", sv("7")),
               self.field("equalTo", "flag", sv("true")),
               self.field("equalTo", "txt", {"doubleValue": 1}),
               self.field("equalTo", "agent", sv("arn:x")),
               self.field("contains", "num", {"doubleValue": 1}),
               self.field("contains", "when", sv("2024")),
               self.field("greaterThan", "flag", {"booleanValue": True}),
               self.field("lessThan", "pick", sv("low")),
               self.field("greaterThan", "link", sv("https://a")),
               self.field("contains", "txt", {"emptyValue": {}}),
               self.field("greaterThan", "when", sv("next tuesday"))]
        for filt in bad:
            with self.subTest(filter=filt):
                exc = self.assertValidation(self.search, client=self.nv, filter=filt)
                (_, fv), = filt["field"].items()
                self.assertIn(fv["id"], exc.response["Error"]["Message"])
        # Not one member exactly: refused by the model's union rule.
        for value in ({"stringValue": "a", "doubleValue": 1}, {}):
            with self.subTest(value=value):
                self.assertValidation(self.search, client=self.nv,
                                      filter=self.field("equalTo", "txt", value))

    def test_model_limits(self):
        self.assertValidation(self.search, client=self.nv, maxResults=0)
        self.assertValidation(self.search, client=self.nv, maxResults=101)
        self.assertValidation(self.search, client=self.nv, sorts=[
            {"fieldId": "title", "sortOrder": "Asc"}] * 3)
        self.assertValidation(self.search, client=self.nv, fields=[{"id": "title"}] * 26)
        self.assertValidation(self.search, client=self.nv, filter={"andAll": [
            self.field("equalTo", "pick", sv("low"))] * 11})
        self.assertValidation(self.search, client=self.nv, filter={
            "not": self.field("equalTo", "pick", sv("low")),
            "tag": {"equalTo": {"key": "team", "value": "blue"}}})
        self.assertValidation(self.search, client=self.nv, searchTerm="x" * 256)
        self.assertValidation(self.search, client=self.nv, sorts=[
            {"fieldId": "title", "sortOrder": "Up"}])
        r = self.search(maxResults=100)
        self.assertEqual(len(r["cases"]), 100)

    def test_unknown_domain(self):
        self.assertNotFound(self.cc.search_cases, domainId="no-such-domain")

    # ---- nextToken -------------------------------------------------------------------
    def first_token(self, **query):
        r = self.search(maxResults=2, **query)
        self.assertIn("nextToken", r)
        return r["nextToken"]

    def test_token_is_tamper_evident(self):
        token = self.first_token()
        self.assertLessEqual(len(token), 9000)
        for pos in (0, 1, len(token) // 3, len(token) // 2, len(token) - 2):
            with self.subTest(pos=pos):
                self.assertValidation(self.search, nextToken=flip(token, pos))
        for t in (token[:-4], token + "AAAA", "", "not a token", "x" * 9000):
            with self.subTest(token=t[:20]):
                self.assertValidation(self.search, client=self.nv, nextToken=t)

    def test_token_is_bound_to_its_query(self):
        filt = self.field("equalTo", "pick", sv("low"))
        sorts = [{"fieldId": self.f("num"), "sortOrder": "Asc"}]
        token = self.first_token(filter=filt, sorts=sorts, searchTerm="m")
        others = [dict(filter=self.field("equalTo", "pick", sv("high")), sorts=sorts,
                       searchTerm="m"),
                  dict(sorts=sorts, searchTerm="m"),
                  dict(filter=filt, sorts=sorts),
                  dict(filter=filt, searchTerm="m"),
                  dict(filter=filt, searchTerm="mo", sorts=sorts),
                  dict(filter=filt, searchTerm="m",
                       sorts=[{"fieldId": self.f("num"), "sortOrder": "Desc"}])]
        for q in others:
            with self.subTest(query=q):
                self.assertValidation(self.search, nextToken=token, **q)
        # Another domain, another account, another operation's token.
        other_dom = self.cc.create_domain(name=unique("other"))["domainId"]
        self.assertValidation(self.cc.search_cases, domainId=other_dom, nextToken=token,
                              filter=filt, sorts=sorts, searchTerm="m")
        stranger = self.server.client(account=random_account())
        sdom = stranger.create_domain(name=unique("s"))["domainId"]
        self.assertValidation(stranger.search_cases, domainId=sdom, nextToken=token,
                              filter=filt, sorts=sorts, searchTerm="m")
        list_token = self.cc.list_fields(domainId=self.dom, maxResults=1)["nextToken"]
        self.assertValidation(self.search, nextToken=list_token)
        # The same query goes on, whatever the page size or projection.
        r = self.search(nextToken=token, filter=filt, sorts=sorts, searchTerm="m",
                        maxResults=3, fields=[{"id": "title"}])
        self.assertLessEqual(len(r["cases"]), 3)

    # ---- consistency and the snapshot --------------------------------------------------
    def test_new_case_is_found_at_once(self):
        word = "quincunx%d" % random.randrange(10 ** 6)
        c = self.server.client(account=self.acct)
        dom, ids, _, templates = seed_domain(c, 3, SEED + 5)
        cid = c.create_case(domainId=dom, templateId=templates[0], fields=[
            {"id": "title", "value": sv("fresh " + word)},
            {"id": "customer_id", "value": sv(
                "arn:aws:profile:us-east-1:123456789012:domains/d1/profiles/p1")}])["caseId"]
        r = c.search_cases(domainId=dom, searchTerm=word)
        self.assertEqual([i["caseId"] for i in r["cases"]], [cid])
        self.assertEqual(r["totalCount"], 1)

    def test_search_term_words_beyond_ascii(self):
        """Words split at separators of any script (an em dash here), and
        match without regard to case or diacritics."""
        c = self.server.client(account=self.acct)
        dom, _, _, templates = seed_domain(c, 2, SEED + 6)
        cid = c.create_case(domainId=dom, templateId=templates[0], fields=[
            {"id": "title", "value": sv("Caf\u00e9\u2014Lisboa na\u00efve")},
            {"id": "customer_id", "value": sv(
                "arn:aws:profile:us-east-1:123456789012:domains/d1/profiles/p1")}])["caseId"]
        for term, want in [("caf\u00e9\u2014lisboa", [cid]), ("CAFE", [cid]),
                           ("lisb", [cid]), ("naive", [cid]),
                           ("\u2014 Na\u00efv \u2014", [cid]),
                           ("caf\u00e9\u2014porto", [])]:
            with self.subTest(searchTerm=term):
                r = c.search_cases(domainId=dom, searchTerm=term)
                self.assertEqual([i["caseId"] for i in r["cases"]], want)

    def test_search_term_follows_concurrent_updates_and_deletes(self):
        """Writes committed together in one batch must each reach the
        full-text index: the new words found, the old and deleted ones not."""
        acct = random_account()  # the class account holds few domains
        c = self.server.client(account=acct)
        dom, ids, _, templates = seed_domain(c, 2, SEED + 7)
        customer = "arn:aws:profile:us-east-1:123456789012:domains/d1/profiles/p1"
        tag = random.randrange(10 ** 6)

        def create(i):
            cc = self.server.client(account=acct)
            return cc.create_case(domainId=dom, templateId=templates[0], fields=[
                {"id": "title", "value": sv("oldword%d n%04d" % (tag, i))},
                {"id": "customer_id", "value": sv(customer)}])["caseId"]

        def update(cid):
            cc = self.server.client(account=acct)
            cc.update_case(domainId=dom, caseId=cid, fields=[
                {"id": "title", "value": sv("newword%d" % tag)}])

        def delete(cid):
            self.server.client(account=acct).delete_case(domainId=dom, caseId=cid)

        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            cases = list(pool.map(create, range(40)))
            list(pool.map(update, cases[:20]))
            list(pool.map(delete, cases[20:30]))

        def found(word):
            return {i["caseId"] for i in self.full_search(c, dom, word)}

        self.assertEqual(found("newword%d" % tag), set(cases[:20]))
        self.assertEqual(found("oldword%d" % tag), set(cases[30:]))
        for i in range(40):
            want = {cases[i]} if i >= 30 else set()
            self.assertEqual(found("n%04d" % i) & set(cases), want, i)

    def test_tag_total_follows_every_tag_change(self):
        """A lone tag equality is counted from kept counts: they must follow
        tags given at creation, retagging, untagging and case deletion."""
        acct = random_account()  # the class account holds few domains
        c = self.server.client(account=acct)
        dom, ids, _, templates = seed_domain(c, 1, SEED + 8)
        customer = "arn:aws:profile:us-east-1:123456789012:domains/d1/profiles/p1"

        def new_case(tags):
            return c.create_case(domainId=dom, templateId=templates[0], tags=tags, fields=[
                {"id": "title", "value": sv("tagged")},
                {"id": "customer_id", "value": sv(customer)}])["caseId"]

        def total(key, value):
            r = c.search_cases(domainId=dom, maxResults=2,
                               filter={"tag": {"equalTo": {"key": key, "value": value}}})
            n, token, seen = r["totalCount"], r.get("nextToken"), len(r["cases"])
            while token:  # the count must agree with what the pages hold
                r = c.search_cases(domainId=dom, maxResults=2, nextToken=token,
                                   filter={"tag": {"equalTo": {"key": key, "value": value}}})
                seen += len(r["cases"])
                token = r.get("nextToken")
            self.assertEqual(seen, n)
            return n

        def arn(cid):
            return "arn:aws:cases:us-east-1:%s:domain/%s/case/%s" % (acct, dom, cid)

        a = [new_case({"team": "red"}) for _ in range(3)]
        b = [new_case({"team": "blue", "tier": "gold"}) for _ in range(2)]
        self.assertEqual((total("team", "red"), total("team", "blue"),
                          total("tier", "gold")), (3, 2, 2))
        c.tag_resource(arn=arn(a[0]), tags={"team": "blue"})
        self.assertEqual((total("team", "red"), total("team", "blue")), (2, 3))
        c.untag_resource(arn=arn(b[0]), tagKeys=["team", "tier"])
        self.assertEqual((total("team", "blue"), total("tier", "gold")), (2, 1))
        c.delete_case(domainId=dom, caseId=a[1])
        self.assertEqual((total("team", "red"), total("team", "green")), (1, 0))
        c.tag_resource(arn=arn(b[0]), tags={"team": "red"})
        self.assertEqual(total("team", "red"), 2)

        # a walk keeps the total it started with, though cases arrive
        r = c.search_cases(domainId=dom, maxResults=1,
                           filter={"tag": {"equalTo": {"key": "team", "value": "red"}}})
        self.assertEqual(r["totalCount"], 2)
        new_case({"team": "red"})
        r = c.search_cases(domainId=dom, maxResults=1, nextToken=r["nextToken"],
                           filter={"tag": {"equalTo": {"key": "team", "value": "red"}}})
        self.assertEqual(r["totalCount"], 2)
        self.assertEqual(total("team", "red"), 3)

    def test_tag_pages_follow_update_order(self):
        """A tag filter sorted by last update reads the tag's cases in update
        order (migration 008): creation, UpdateCase, retagging, untagging and
        deletion must each move or drop a case, in both directions and with
        another condition ANDed in."""
        acct = random_account()  # the class account holds few domains
        c = self.server.client(account=acct)
        dom, ids, _, templates = seed_domain(c, 1, SEED + 9)
        customer = "arn:aws:profile:us-east-1:123456789012:domains/d1/profiles/p1"
        teams = ["red", "blue"]
        cases = []
        for i in range(12):
            cases.append(c.create_case(
                domainId=dom, templateId=templates[0],
                tags={"team": teams[i % 2]} if i % 3 else {},
                fields=[{"id": "title", "value": sv("t%d" % (i % 4))},
                        {"id": "customer_id", "value": sv(customer)}])["caseId"])

        def arn(cid):
            return "arn:aws:cases:us-east-1:%s:domain/%s/case/%s" % (acct, dom, cid)

        for cid in cases[2:6]:
            c.update_case(domainId=dom, caseId=cid,
                          fields=[{"id": "title", "value": sv("t9")}])
        c.tag_resource(arn=arn(cases[0]), tags={"team": "red"})
        c.tag_resource(arn=arn(cases[1]), tags={"team": "red"})
        c.untag_resource(arn=arn(cases[4]), tagKeys=["team"])
        c.delete_case(domainId=dom, caseId=cases[7])
        c.update_case(domainId=dom, caseId=cases[1],
                      fields=[{"id": "title", "value": sv("t3")}])
        c.tag_resource(arn=arn(cases[11]), tags={"team": "red"})  # blue before

        alive = [cid for cid in cases if cid != cases[7]]
        info = {}
        for cid in alive:
            r = c.get_case(domainId=dom, caseId=cid, fields=[
                {"id": "last_updated_datetime"}, {"id": "title"}])
            vals = {f["id"]: f["value"]["stringValue"] for f in r["fields"]}
            info[cid] = (vals["last_updated_datetime"], vals["title"],
                         (r.get("tags") or {}).get("team"))

        def walk(**kw):
            return [i["caseId"] for i in every_page(
                c, domainId=dom, maxResults=2, fields=[{"id": "title"}], **kw)]

        def expected(team, title=None, descending=True):
            # ties in update time fall back to creation order, like case seq
            rows = [cid for cid in alive if info[cid][2] == team and
                    (title is None or info[cid][1] == title)]
            rows.sort(key=lambda cid: (info[cid][0], cases.index(cid)),
                      reverse=descending)
            return rows

        for team in teams:
            tag = {"tag": {"equalTo": {"key": "team", "value": team}}}
            self.assertEqual(walk(filter=tag), expected(team), team)
            self.assertEqual(walk(filter=tag, sorts=[{"fieldId": "last_updated_datetime",
                                                      "sortOrder": "Asc"}]),
                             expected(team, descending=False), team)
            both = {"andAll": [tag, {"field": {"equalTo": {
                "id": "title", "value": sv("t9")}}}]}
            self.assertEqual(walk(filter=both), expected(team, "t9"), team)
        self.assertIn(cases[1], expected("red"))
        self.assertIn(cases[11], expected("red"))
        self.assertNotIn(cases[4], expected("red") + expected("blue"))
        # each result carries the tags the case has now, as GetCase gives them
        items = list(every_page(c, domainId=dom, maxResults=5, fields=[{"id": "title"}]))
        self.assertLessEqual(set(alive), {i["caseId"] for i in items})
        for item in items:
            now = c.get_case(domainId=dom, caseId=item["caseId"],
                             fields=[{"id": "title"}]).get("tags") or {}
            self.assertEqual(item.get("tags") or {}, now, item["caseId"])

    def test_projection_of_a_case_with_many_values(self):
        """Search results copy the projected values out of the stored case;
        a case holding more values than that reader takes on its stack is
        read whole, with the same answer."""
        acct = random_account()  # the class account holds few domains
        c = self.server.client(account=acct)
        dom = c.create_domain(name=unique("many"))["domainId"]
        ids = [c.create_field(domainId=dom, name="f%02d" % i, type="Text")["fieldId"]
               for i in range(70)]
        tpl = c.create_template(domainId=dom, name=unique("tpl"))["templateId"]
        customer = "arn:aws:profile:us-east-1:123456789012:domains/d1/profiles/p1"
        for n in (3, 70):
            c.create_case(domainId=dom, templateId=tpl, fields=[
                {"id": "title", "value": sv("n%d" % n)},
                {"id": "customer_id", "value": sv(customer)}] +
                [{"id": ids[i], "value": sv("v%d-%d" % (n, i))} for i in range(n)])
        wanted = [ids[69], ids[0], "title", ids[2], ids[50]]
        r = c.search_cases(domainId=dom, fields=[{"id": f} for f in wanted],
                           sorts=[{"fieldId": "title", "sortOrder": "Asc"}])
        got = [[(f["id"], f["value"]["stringValue"]) for f in item["fields"]]
               for item in r["cases"]]
        self.assertEqual(got, [
            [(ids[0], "v3-0"), ("title", "n3"), (ids[2], "v3-2")],
            [(ids[69], "v70-69"), (ids[0], "v70-0"), ("title", "n70"),
             (ids[2], "v70-2"), (ids[50], "v70-50")]])

        # blank text is no value: spaces, an escaped tab, nothing at all
        blanks = {ids[10]: "   ", ids[11]: "\t", ids[12]: " \t x", ids[13]: ""}
        r = c.create_case(domainId=dom, templateId=tpl, fields=[
            {"id": "title", "value": sv("blanks")},
            {"id": "customer_id", "value": sv(customer)}] +
            [{"id": k, "value": sv(v)} for k, v in blanks.items() if v])
        r = c.search_cases(domainId=dom, fields=[{"id": k} for k in blanks],
                           filter={"field": {"equalTo": {"id": "title",
                                                         "value": sv("blanks")}}})
        self.assertEqual([(f["id"], f["value"]["stringValue"])
                          for f in r["cases"][0]["fields"]], [(ids[12], " \t x")])

    @staticmethod
    def full_search(c, dom, term):
        return every_page(c, domainId=dom, searchTerm=term, maxResults=100)

    def test_walk_is_a_snapshot(self):
        c = self.server.client(account=self.acct)
        dom, ids, created, templates = seed_domain(c, 150, SEED + 6)
        customer = "arn:aws:profile:us-east-1:123456789012:domains/d1/profiles/p1"
        filt = {"orAll": [{"field": {"greaterThan": {"id": "title", "value": sv("")}}}]}
        for sorts in ([{"fieldId": "title", "sortOrder": "Asc"}], None):
            before = {i["caseId"] for i in self.full_walk(c, dom, filt, sorts, 100)}
            self.assertGreaterEqual(len(before), len(created))
            seen, token, n = [], None, 0
            while True:
                kw = {"domainId": dom, "filter": filt, "maxResults": 7}
                if sorts:
                    kw["sorts"] = sorts
                if token:
                    kw["nextToken"] = token
                r = c.search_cases(**kw)
                seen += [i["caseId"] for i in r["cases"]]
                self.assertEqual(r["totalCount"], len(before))
                token = r.get("nextToken")
                if not token:
                    break
                for title in ("AAA first %d" % n, "zzz last %d" % n, "Mango %d" % n):
                    c.create_case(domainId=dom, templateId=templates[0], fields=[
                        {"id": "title", "value": sv(title)},
                        {"id": "customer_id", "value": sv(customer)}])
                n += 1
            self.assertEqual(len(seen), len(set(seen)), "a case came twice")
            self.assertEqual(set(seen), before)
            after = {i["caseId"] for i in self.full_walk(c, dom, filt, sorts, 100)}
            self.assertEqual(len(after), len(before) + 3 * n)

    @staticmethod
    def full_walk(c, dom, filt, sorts, size):
        return every_page(c, domainId=dom, filter=filt, maxResults=size,
                          **({"sorts": sorts} if sorts else {}))


if __name__ == "__main__":
    unittest.main()
