#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Every answer of the API's write routes validates against docs/openapi.json.

usage: test_api_write_openapi.py <test_api_write> <docs/openapi.json>

Runs the write routes' unit test (tests/unit/test_api_write.c) with
MAYDAY_API_WRITE_DUMP set, so it appends each answer it got as a JSON line
{method, path, query, status, body}, and validates every body against the
schema the document gives for its path template, method and status, with
the resolution rules of test_api_openapi.py (the read routes' check). Then
every write route answered its success status at least once. Exit 77
(skipped) without python3-jsonschema.
"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
try:
    import jsonschema  # noqa: F401
except ImportError:
    print("SKIP: python3 jsonschema is not installed (scripts/deps.sh: python3-jsonschema)")
    sys.exit(77)
import test_api_openapi as oa  # noqa: E402

WRITES = {("post", "/v1/devices"): 201, ("post", "/v1/devices/{device}/revoke"): 200,
          ("post", "/v1/devices/{device}/approve"): 200,
          ("put", "/v1/devices/{device}/cwmp-credentials"): 200,
          ("get", "/v1/devices/{device}/record"): 200,
          ("post", "/v1/classes/{class}/pause"): 200, ("post", "/v1/classes/{class}/resume"): 200,
          ("put", "/v1/classes/{class}/bundle"): 200, ("get", "/v1/tokens"): 200,
          ("post", "/v1/tokens"): 201, ("delete", "/v1/tokens/{id}"): 204}


def main():
    test, spec = sys.argv[1], sys.argv[2]
    with open(spec) as f:
        doc = json.load(f)
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "answers.jsonl")
        env = dict(os.environ, MAYDAY_API_WRITE_DUMP=out)
        subprocess.run([test], check=True, env=env, stdout=subprocess.DEVNULL)
        with open(out) as f:
            lines = [json.loads(l) for l in f if l.strip()]
    errors, seen, validators = [], set(), {}
    for a in lines:
        tpl = oa.template_of(doc, a["path"])
        if tpl is None:
            errors.append("%s %s: no path template" % (a["method"], a["path"]))
            continue
        m = a["method"].lower()
        seen.add((m, tpl, a["status"]))
        if a["status"] == 204:
            continue
        ptr, err = oa.schema_ptr(doc, tpl, m, a["status"])
        if err:
            errors.append(err)
            continue
        v = validators.get(ptr) or validators.setdefault(ptr, oa.validator(doc, ptr))
        for e in v.iter_errors(a["body"]):
            errors.append("%s %s -> %d: %s at %s" % (a["method"], a["path"], a["status"],
                                                      e.message, list(e.absolute_path)))
    for (m, tpl), status in WRITES.items():
        if (m, tpl, status) not in seen:
            errors.append("%s %s never answered %d" % (m.upper(), tpl, status))
    for e in errors:
        print("FAIL:", e)
    if errors:
        sys.exit(1)
    print("PASS: %d answers of the write routes validate against %s" % (len(lines), spec))


main()
