"""The domain the CreateCase benchmarks write to (bench/cases.sh, bench/ab.sh).

    python3 bench/cases_setup.py URL

Prints "domain template case field1 field2 field3": a domain named "bench"
with three custom fields (Order: Text, Amount: Number, Priority:
SingleSelect with the option "high"), the option "billing" of case_reason,
a template "bench" and one case made from it.  What the store holds
already is used as it is, so a store left by an earlier run can be
measured again: its size is what some measurements are about.
"""
import sys

import boto3

FIELDS = [("Order", "Text"), ("Amount", "Number"), ("Priority", "SingleSelect")]


def client(url):
    return boto3.client("connectcases", endpoint_url=url, region_name="us-east-1",
                        aws_access_key_id="AKIDBENCH", aws_secret_access_key="x")


def find(list_page, key, name, **args):
    """The item named name in the pages list_page returns, or None."""
    token = None
    while True:
        page = list_page(**args, **({"nextToken": token} if token else {}))
        for item in page[key]:
            if item["name"] == name:
                return item
        token = page.get("nextToken")
        if not token:
            return None


def domain(c):
    found = find(c.list_domains, "domains", "bench")
    return found["domainId"] if found else c.create_domain(name="bench")["domainId"]


def field(c, d, name, kind):
    found = find(c.list_fields, "fields", name, domainId=d)
    return found["fieldId"] if found else c.create_field(domainId=d, name=name, type=kind)["fieldId"]


def template(c, d):
    found = find(c.list_templates, "templates", "bench", domainId=d)
    if found:
        return found["templateId"]
    return c.create_template(domainId=d, name="bench",
                             requiredFields=[{"fieldId": "title"}])["templateId"]


def main(url):
    c = client(url)
    d = domain(c)
    ids = [field(c, d, name, kind) for name, kind in FIELDS]
    # putting an option that exists only updates it
    c.batch_put_field_options(domainId=d, fieldId=ids[2], options=[
        {"name": "High", "value": "high", "active": True}])
    c.batch_put_field_options(domainId=d, fieldId="case_reason", options=[
        {"name": "Billing", "value": "billing", "active": True}])
    t = template(c, d)
    case = c.create_case(domainId=d, templateId=t, fields=[
        {"id": "title", "value": {"stringValue": "first"}},
        {"id": "customer_id", "value": {
            "stringValue": "arn:aws:profile:us-east-1:000000000000:domains/d/profiles/p"}}])
    print(d, t, case["caseId"], *ids)


if __name__ == "__main__":
    main(sys.argv[1])
