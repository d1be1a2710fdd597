#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Every answer of the API's read routes validates against docs/openapi.json.

usage: test_api_openapi.py <api_dump> <docs/openapi.json>

api_dump (tests/unit/api_dump.c) seeds a store and prints one JSON line per
answer, {method, path, query, status, body}. Each body is validated, with
python3-jsonschema's Draft 2020-12 validator, against the schema the
document gives for that path template, method and status (a status the
document does not list for the operation fails, as does a 405 on a path
with no such method answered with anything but the Error schema). The
document itself is checked with openapi-spec-validator when that is
installed (it is not a dependency). Then:
every GET of the read part answered 200 at least once, and the validator is
shown to catch a field removed or mistyped (so the schemas are strict
enough to matter). Exit 77 (skipped) without python3-jsonschema.
"""
import copy
import json
import os
import subprocess
import sys
import tempfile

try:
    import jsonschema
    from jsonschema.validators import validator_for
except ImportError:
    print("SKIP: python3 jsonschema is not installed (scripts/deps.sh: python3-jsonschema)")
    sys.exit(77)

# Written by the write part; not in the dump of the read routes.
NOT_READ = {("get", "/v1/tokens"), ("get", "/v1/devices/{device}/record")}


def template_of(doc, path):
    """The path template of `path`: literal segments win over parameters."""
    segs = path.split("/")
    best = None
    for tpl in doc["paths"]:
        t = tpl.split("/")
        if len(t) != len(segs):
            continue
        score = 0
        for a, b in zip(t, segs):
            if a.startswith("{") and a.endswith("}"):
                continue
            if a != b:
                break
            score += 1
        else:
            if best is None or score > best[0]:
                best = (score, tpl)
    return best[1] if best else None


def pointer(*parts):
    return "#/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def resolve(doc, node):
    while "$ref" in node:
        ref = node["$ref"]
        assert ref.startswith("#/"), ref
        node = doc
        for p in ref[2:].split("/"):
            node = node[p.replace("~1", "/").replace("~0", "~")]
    return node


def validator(doc, ptr):
    # The whole document as the root, so "#/components/..." refs resolve;
    # its other members are not keywords and are ignored.
    schema = dict(doc)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$ref"] = ptr
    cls = validator_for(schema)
    cls.check_schema({"$ref": ptr, "$schema": schema["$schema"]})
    return cls(schema)


def schema_ptr(doc, tpl, method, status):
    item = doc["paths"][tpl]
    op = item.get(method)
    if op is None:
        if status != 405:
            return None, "%s %s: answered %d, but the document has no such operation" % (
                method.upper(), tpl, status)
        return pointer("components", "schemas", "Error"), None
    resp = op["responses"].get(str(status))
    if resp is None:
        return None, "%s %s: status %d is not documented" % (method.upper(), tpl, status)
    where = ["paths", tpl, method, "responses", str(status)]
    if "$ref" in resp:
        where = resp["$ref"][2:].split("/")
        where = [w.replace("~1", "/").replace("~0", "~") for w in where]
        resp = resolve(doc, resp)
    content = resp.get("content", {}).get("application/json")
    if content is None:
        return None, "%s %s %d: no JSON content documented" % (method.upper(), tpl, status)
    return pointer(*where, "content", "application/json", "schema"), None


def main():
    dump, spec = sys.argv[1], sys.argv[2]
    with open(spec) as f:
        doc = json.load(f)
    assert doc["openapi"].startswith("3.1"), "OpenAPI 3.1"
    try:   # the document itself, where the validator is installed (not a dependency)
        from openapi_spec_validator import validate as validate_spec
    except ImportError:
        print("note: openapi-spec-validator not installed: the document's own structure is not checked")
    else:
        validate_spec(doc)
    for name in ("bearerAuth", "mutualTLS"):
        assert name in doc["components"]["securitySchemes"], name
    with tempfile.TemporaryDirectory() as d:
        out = subprocess.run([dump, d], check=True, stdout=subprocess.PIPE).stdout
    lines = [json.loads(l) for l in out.decode().splitlines() if l.strip()]
    errors, ok200, validators = [], set(), {}
    samples = {}
    for ln in lines:
        method, path, status = ln["method"].lower(), ln["path"], ln["status"]
        tpl = template_of(doc, path)
        where = "%s %s?%s -> %d" % (ln["method"], path, ln.get("query") or "", status)
        if tpl is None:
            if status != 404:
                errors.append("%s: no documented path" % where)
            continue
        ptr, why = schema_ptr(doc, tpl, method, status)
        if why:
            errors.append(where + ": " + why)
            continue
        v = validators.get(ptr) or validators.setdefault(ptr, validator(doc, ptr))
        for e in v.iter_errors(ln["body"]):
            errors.append("%s: %s at %s" % (where, e.message, list(e.absolute_path)))
        if status == 200:
            ok200.add((method, tpl))
            samples.setdefault(tpl, (ptr, ln["body"]))
    for tpl, item in doc["paths"].items():
        if "get" in item and ("get", tpl) not in NOT_READ and ("get", tpl) not in ok200:
            errors.append("GET %s: never answered 200 in the dump" % tpl)

    # The schemas catch what they must: a field missing, a field mistyped,
    # an extra field on a closed object, a time not in RFC 3339.
    def must_fail(tpl, mutate, what):
        ptr, body = samples[tpl]
        bad = copy.deepcopy(body)
        mutate(bad)
        if validators[ptr].is_valid(bad):
            errors.append("the schema of GET %s accepts %s" % (tpl, what))
    must_fail("/v1/devices", lambda b: b["devices"][0].pop("device_id"), "a device without device_id")
    must_fail("/v1/devices", lambda b: b.__setitem__("count", "12"), "a count as a string")
    must_fail("/v1/devices/{device}", lambda b: b.__setitem__("colour", "red"), "an unknown field")
    must_fail("/v1/devices/{device}", lambda b: b.__setitem__("enrolled_at", 1700000000),
              "a time as a number")
    must_fail("/v1/indications", lambda b: b["indications"][0].__setitem__("counter", 1),
              "the counter as a number")
    must_fail("/v1/indications/{id}", lambda b: b.pop("device_enrolled"),
              "an indication without device_enrolled")
    must_fail("/v1/classes", lambda b: b["classes"][0].__setitem__("paused", "no"),
              "paused as a string")

    # The bundle a class shows, decoded from its manifest (api_dump writes
    # femto-a's signed with version 7, image 3.1.4).
    classes = [ln["body"] for ln in lines
               if ln["path"] == "/v1/classes/femto-a" and ln["status"] == 200]
    if not classes or (classes[0].get("bundle") or {}).get("version") != 7 or \
            classes[0]["bundle"].get("image_version") != "3.1.4":
        errors.append("GET /v1/classes/femto-a: the bundle's versions are not shown")

    for e in errors:
        print("FAIL:", e)
    if errors:
        return 1
    print("OK: %d answers of %d operations validate against %s" % (
        len(lines), len(ok200), os.path.basename(spec)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
