#!/usr/bin/env python3
"""Prints the API coverage table of the README from the model and the code.

An operation is supported when some src/api/*.c binding table names it.
`--check README.md` exits 1 when the README's table differs from what the
code says, so the README cannot drift from the handlers.
"""
import gzip
import json
import os
import re
import sys

import botocore

BEGIN = "<!-- coverage:begin -->"
END = "<!-- coverage:end -->"


def model_operations(service, version):
    path = os.path.join(os.path.dirname(botocore.__file__), "data", service,
                        version, "service-2.json.gz")
    with gzip.open(path) as f:
        return sorted(json.load(f)["operations"])


def bound_operations(root):
    found = {}
    api = os.path.join(root, "src", "api")
    for name in sorted(os.listdir(api)):
        if name.endswith(".c"):
            with open(os.path.join(api, name), encoding="utf-8") as f:
                for op in re.findall(r'\{"([A-Z][A-Za-z]+)",\s*[a-z_]+[,}]', f.read()):
                    found[op] = "src/api/" + name
    return found


def table(root):
    bound = bound_operations(root)
    lines = ["| operation | supported | handler |", "|---|---|---|"]
    for op in model_operations("connectcases", "2022-10-03"):
        where = bound.get(op)
        lines.append("| %s | %s | %s |" % (op, "yes" if where else "not yet",
                                           "`%s`" % where if where else ""))
    return "\n".join(lines)


def main(argv):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    want = table(root)
    if len(argv) > 2 and argv[1] == "--check":
        text = open(argv[2], encoding="utf-8").read()
        m = re.search(re.escape(BEGIN) + r"\n(.*?)" + re.escape(END), text, re.S)
        if not m or m.group(1).strip() != want.strip():
            print("README coverage table is stale: run tools/coverage.py --write README.md")
            return 1
        return 0
    if len(argv) > 2 and argv[1] == "--write":
        path = argv[2]
        text = open(path, encoding="utf-8").read()
        text = re.sub(re.escape(BEGIN) + r"\n.*?" + re.escape(END),
                      lambda _m: BEGIN + "\n" + want + "\n" + END, text, flags=re.S)
        open(path, "w", encoding="utf-8").write(text)
        return 0
    print(want)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
