#!/usr/bin/env python3
"""Generates the C model tables (src/model/model.h) from botocore's models.

  python3 tools/genmodel.py --out src/model     write <service>_model.c files
  python3 tools/genmodel.py --check src/model   exit 1 if they are stale

The models are read from the installed botocore package, so the tables
always describe exactly the API version the SDK clients speak.  Shapes and
operations are emitted sorted by name (the C side binary-searches them);
structure members keep the model's order, which is the order validation
errors are reported in.  No documentation text is copied.
"""
import argparse
import gzip
import json
import os
import sys

import botocore

# (service directory, API version, C symbol suffix)
SERVICES = [
    ("connectcases", "2022-10-03", "connectcases"),
    ("connect", "2017-08-08", "connect"),
]

SHAPE_TYPES = {
    "structure": "SHAPE_STRUCTURE",
    "list": "SHAPE_LIST",
    "map": "SHAPE_MAP",
    "string": "SHAPE_STRING",
    "integer": "SHAPE_INTEGER",
    "long": "SHAPE_LONG",
    # model.h has one floating type; a float's range fits a double's.
    "float": "SHAPE_DOUBLE",
    "double": "SHAPE_DOUBLE",
    "boolean": "SHAPE_BOOLEAN",
    "timestamp": "SHAPE_TIMESTAMP",
    "blob": "SHAPE_BLOB",
}

LOCATIONS = {
    None: "LOC_BODY",
    "uri": "LOC_URI",
    "querystring": "LOC_QUERY",
    "header": "LOC_HEADER",
}

FLAG_BITS = [
    ("min", "SHAPE_HAS_MIN"),
    ("max", "SHAPE_HAS_MAX"),
    ("union", "SHAPE_UNION"),
    ("iso8601", "SHAPE_ISO8601"),
    ("sparse", "SHAPE_SPARSE"),
    ("error", "SHAPE_ERROR"),
]

WRAP = 100


class ModelError(Exception):
    pass


def load_model(service, version):
    path = os.path.join(os.path.dirname(botocore.__file__), "data", service,
                        version, "service-2.json.gz")
    try:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            return json.load(f)
    except OSError as exc:
        raise ModelError("cannot read %s: %s" % (path, exc))


def c_string(text):
    """A C string literal; bytes outside printable ASCII become octal
    escapes (always three digits, so a following digit cannot join them)."""
    if text is None:
        return "NULL"
    out = []
    for byte in text.encode("utf-8"):
        ch = chr(byte)
        if ch in '"\\?':  # an unescaped "??" could form a trigraph
            out.append("\\" + ch)
        elif 0x20 <= byte < 0x7F:
            out.append(ch)
        else:
            out.append("\\%03o" % byte)
    return '"' + "".join(out) + '"'


def c_int64(value, shape_name, key):
    if isinstance(value, float):
        if not value.is_integer():
            raise ModelError("%s.%s = %r is not integral" % (shape_name, key, value))
        value = int(value)
    if not -2**63 < value < 2**63:
        raise ModelError("%s.%s = %r does not fit int64" % (shape_name, key, value))
    if -2**31 <= value < 2**31:
        return str(value)
    return "INT64_C(%d)" % value


def shape_flags(shape):
    present = {
        "min": "min" in shape,
        "max": "max" in shape,
        "union": bool(shape.get("union")),
        "iso8601": shape.get("timestampFormat") == "iso8601",
        "sparse": bool(shape.get("sparse")),
        "error": bool(shape.get("exception")),
    }
    names = [bit for key, bit in FLAG_BITS if present[key]]
    return " | ".join(names) if names else "0"


def wrap_items(prefix, items, suffix):
    """Joins items after prefix, breaking lines at about WRAP columns."""
    lines, line = [], prefix
    for n, item in enumerate(items):
        piece = item + (", " if n + 1 < len(items) else "")
        if len(line) + len(piece) > WRAP and line.strip():
            lines.append(line.rstrip())
            line = "    "
        line += piece
    lines.append(line + suffix)
    return "\n".join(lines)


class Generator:
    def __init__(self, service, symbol, model):
        self.service = service
        self.symbol = symbol
        self.model = model
        self.shapes = model["shapes"]
        self.names = sorted(self.shapes)
        for name in self.names:
            if not name.isascii():
                raise ModelError("shape name %r is not ASCII" % name)
        self.index = {name: i for i, name in enumerate(self.names)}

    def ref(self, target):
        if target not in self.index:
            raise ModelError("unknown shape %r" % target)
        return self.index[target]

    def member_line(self, shape_name, required, name, member):
        location = member.get("location")
        if location not in LOCATIONS:
            raise ModelError("%s.%s: unsupported location %r" % (shape_name, name, location))
        wire = member.get("locationName") if location else None
        return "    {%s, %d, %s, %s, %s, %s}," % (
            c_string(name), self.ref(member["shape"]), LOCATIONS[location],
            c_string(wire), "true" if name in required else "false",
            "true" if member.get("idempotencyToken") else "false")

    def tables(self, out):
        """Member and enum arrays, named after the shape's index."""
        for i, name in enumerate(self.names):
            shape = self.shapes[name]
            if shape.get("enum"):
                items = [c_string(v) for v in shape["enum"]] + ["NULL"]
                out.append(wrap_items("static const char *const e%d[] = {" % i,
                                      items, "};"))
            if shape["type"] == "structure" and shape.get("members"):
                required = set(shape.get("required", []))
                out.append("static const model_member m%d[] = {" % i)
                for mname, member in shape["members"].items():
                    out.append(self.member_line(name, required, mname, member))
                out.append("};")

    def shape_line(self, i, name):
        shape = self.shapes[name]
        kind = shape["type"]
        if kind not in SHAPE_TYPES:
            raise ModelError("%s: unsupported type %r" % (name, kind))
        members = shape.get("members") if kind == "structure" else None
        element = key = -1
        if kind == "list":
            element = self.ref(shape["member"]["shape"])
        elif kind == "map":
            element = self.ref(shape["value"]["shape"])
            key = self.ref(shape["key"]["shape"])
        status = shape.get("error", {}).get("httpStatusCode", 0)
        return "    {%s, %s, %s, %s, %s, %s, %s, %s, %d, %d, %d, %d}, /* %d */" % (
            c_string(name), SHAPE_TYPES[kind], shape_flags(shape),
            c_int64(shape.get("min", 0), name, "min"),
            c_int64(shape.get("max", 0), name, "max"),
            c_string(shape.get("pattern")),
            "e%d" % i if shape.get("enum") else "NULL",
            "m%d" % i if members else "NULL", len(members or {}),
            element, key, status, i)

    def operations(self, out):
        ops = self.model["operations"]
        names = sorted(ops)
        for i, name in enumerate(names):
            errors = [str(self.ref(e["shape"])) for e in ops[name].get("errors", [])]
            out.append(wrap_items("static const int x%d[] = {" % i, errors + ["-1"], "};"))
        out.append("static const model_operation operations[] = {")
        for i, name in enumerate(names):
            op = ops[name]
            http = op["http"]
            shape_in = self.ref(op["input"]["shape"]) if "input" in op else -1
            shape_out = self.ref(op["output"]["shape"]) if "output" in op else -1
            out.append("    {%s, %s, %s, %d, %d, x%d}," % (
                c_string(name), c_string(http["method"]),
                c_string(http["requestUri"]), shape_in, shape_out, i))
        out.append("};")
        return len(names)

    def render(self, version):
        meta = self.model["metadata"]
        out = [
            "/*",
            " * %s_model.c - tables of the AWS %s API %s (see model/model.h)."
            % (self.symbol, self.service, meta["apiVersion"]),
            " *",
            " * generated by tools/genmodel.py from botocore %s — do not edit." % version,
            " */",
            '#include "model/model.h"',
            "",
            "#include <stddef.h>",
            "",
        ]
        self.tables(out)
        out.append("")
        out.append("static const model_shape shapes[] = {")
        for i, name in enumerate(self.names):
            out.append(self.shape_line(i, name))
        out.append("};")
        out.append("")
        op_count = self.operations(out)
        out.append("")
        out.append("const model_service model_%s = {" % self.symbol)
        out.append("    %s, %s, %s," % (c_string(self.service),
                                        c_string(meta.get("signingName", meta["endpointPrefix"])),
                                        c_string(meta["apiVersion"])))
        out.append("    shapes, %d, operations, %d," % (len(self.names), op_count))
        out.append("};")
        return "\n".join(out) + "\n"


def generate_all():
    """{file name: text} for every service."""
    files = {}
    for service, version, symbol in SERVICES:
        model = load_model(service, version)
        text = Generator(service, symbol, model).render(botocore.__version__)
        files["%s_model.c" % symbol] = text
    return files


def write(files, out_dir):
    for name, text in files.items():
        path = os.path.join(out_dir, name)
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
        print("wrote %s" % path)


def header_line(text):
    for line in text.splitlines()[:8]:
        if "generated by" in line:
            return line.strip(" *")
    return "(no generated-by header)"


def check(files, out_dir):
    stale = []
    for name, text in files.items():
        path = os.path.join(out_dir, name)
        try:
            with open(path, encoding="utf-8") as f:
                old = f.read()
        except OSError:
            stale.append("%s is missing" % path)
            continue
        if old == text:
            continue
        reason = "%s differs from the model" % path
        if header_line(old) != header_line(text):
            reason += " (file: %s; installed: botocore %s)" % (
                header_line(old), botocore.__version__)
        stale.append(reason)
    for reason in stale:
        print("genmodel: %s" % reason, file=sys.stderr)
    if stale:
        print("genmodel: run `python3 tools/genmodel.py --out %s` and commit the result"
              % out_dir, file=sys.stderr)
        return 1
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--out", metavar="DIR", help="write the generated files into DIR")
    group.add_argument("--check", metavar="DIR", help="fail if the files in DIR are stale")
    args = parser.parse_args()
    try:
        files = generate_all()
    except ModelError as exc:
        print("genmodel: %s" % exc, file=sys.stderr)
        return 2
    if args.check:
        return check(files, args.check)
    write(files, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
