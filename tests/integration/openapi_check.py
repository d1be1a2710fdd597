#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Every route of docs/openapi.json, called on a live maydayd over its UNIX
socket, answers what the document says.

usage: openapi_check.py SOCKET docs/openapi.json STORE_FACTS.json

STORE_FACTS (written by test_server_api_openapi.sh) names what the store
holds: devices with an open incident, a device to revoke, a new device's
public key to enrol, the product class. Each operation of the document has
calls below (CALLS); an operation without one fails the test, so a route
added to the document is noticed here. Each answer is validated, with the
validator of the unit test (tests/unit/test_api_openapi.py: the same
lookup of the schema by path template, method and status), against the
schema for its status; a JSON answer must say application/json. Paging is
followed to its end. Exit 77 without python3-jsonschema.
"""
import http.client
import json
import os
import socket
import sys
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "unit"))
try:
    import test_api_openapi as spec  # exits 77 itself without jsonschema
except SystemExit:
    raise


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=60)
        self.unix_path = path

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(60)
        s.connect(self.unix_path)
        self.sock = s


class Checker:
    def __init__(self, sock, doc):
        self.sock, self.doc = sock, doc
        self.errors, self.validators, self.seen = [], {}, set()
        self.calls = 0

    def call(self, method, path, body=None, ctype="application/json", want=None):
        """One request; validates the answer; returns (status, parsed body)."""
        c = UnixConnection(self.sock)
        headers = {}
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
        if body is not None or method not in ("GET", "HEAD"):
            headers["Content-Type"] = ctype   # every write, an empty one too
        c.request(method, path, body=data, headers=headers)
        r = c.getresponse()
        raw = r.read()
        status, rtype = r.status, r.getheader("Content-Type") or ""
        c.close()
        self.calls += 1
        where = "%s %s -> %d" % (method, path, status)
        if want is not None and status not in want:
            self.errors.append("%s: want %s: %s" % (where, sorted(want), raw[:300]))
        p = urllib.parse.urlsplit(path).path
        tpl = spec.template_of(self.doc, p)
        if tpl is None:
            self.errors.append(where + ": no documented path")
            return status, None
        self.seen.add((method.lower(), tpl))
        if status == 204:
            if raw:
                self.errors.append(where + ": a body with 204")
            return status, None
        if not rtype.startswith("application/json"):
            self.errors.append("%s: Content-Type %r" % (where, rtype))
            return status, None
        try:
            parsed = json.loads(raw)
        except ValueError as e:
            self.errors.append("%s: not JSON (%s)" % (where, e))
            return status, None
        ptr, why = spec.schema_ptr(self.doc, tpl, method.lower(), status)
        if why:
            self.errors.append(where + ": " + why)
            return status, parsed
        v = self.validators.get(ptr) or self.validators.setdefault(ptr, spec.validator(self.doc, ptr))
        for e in v.iter_errors(parsed):
            self.errors.append("%s: %s at %s" % (where, e.message, list(e.absolute_path)))
        return status, parsed

    def pages(self, path, key):
        """GET every page of a paged list; returns all items."""
        items, cursor, n = [], None, 0
        while True:
            sep = "&" if "?" in path else "?"
            url = path + (sep + "cursor=" + urllib.parse.quote(cursor) if cursor else "")
            status, b = self.call("GET", url, want={200})
            if status != 200 or b is None:
                return items
            items += b[key]
            cursor = b.get("next_cursor")
            n += 1
            if not cursor or n > 1000:
                return items


def main():
    sock, spec_path, facts_path = sys.argv[1:4]
    with open(spec_path) as f:
        doc = json.load(f)
    with open(facts_path) as f:
        facts = json.load(f)
    ck = Checker(sock, doc)
    cls, dev, gone = facts["class"], facts["incident_device"], facts["revoke_device"]
    q = urllib.parse.quote

    # reads
    _, me = ck.call("GET", "/v1/whoami", want={200})
    if me and me.get("role") != "admin":
        ck.errors.append("whoami as root over the socket: %s" % me)
    devices = ck.pages("/v1/devices?limit=2", "devices")
    if len({d["device_id"] for d in devices}) != facts["devices"]:
        ck.errors.append("paging the devices by 2 gave %d distinct, want %d" % (
            len({d["device_id"] for d in devices}), facts["devices"]))
    ck.call("GET", "/v1/devices?state=in_distress&class=%s&maintenance=true" % q(cls), want={200})
    ck.call("GET", "/v1/devices?seen_after=2000-01-01T00:00:00Z", want={200})
    ck.call("GET", "/v1/devices?limit=0", want={400})
    ck.call("GET", "/v1/devices/counts", want={200})
    ck.call("GET", "/v1/devices/" + q(dev), want={200})
    ck.call("GET", "/v1/devices/no-such-device", want={404})
    ind = ck.pages("/v1/devices/%s/indications?limit=1" % q(dev), "indications")
    if not ind:
        ck.errors.append("no indication of %s" % dev)
    allind = ck.pages("/v1/indications?limit=3", "indications")
    if len(allind) < facts["indications"]:
        ck.errors.append("%d indications listed, the store has %d" % (len(allind), facts["indications"]))
    _, unv = ck.call("GET", "/v1/indications?trust=unverified", want={200})
    if unv is not None and not any(not i["device_enrolled"] for i in unv["indications"]):
        ck.errors.append("the unenrolled sender's indication is not listed")
    if allind:
        ck.call("GET", "/v1/indications/%d" % allind[0]["id"], want={200})
    ck.call("GET", "/v1/indications/999999999", want={404})
    ck.call("GET", "/v1/classes", want={200})
    ck.call("GET", "/v1/classes/" + q(cls), want={200})
    for by in ("class", "image", "component", "digest"):
        ck.call("GET", "/v1/fleet/%s?since=30d" % by, want={200})
    ck.call("GET", "/v1/fleet/anomalies", want={200})
    ck.pages("/v1/events?limit=2", "events")

    # writes (the socket's root is admin)
    st, b = ck.call("POST", "/v1/devices/%s/approve" % q(dev), body={}, want={200})
    st, b = ck.call("POST", "/v1/devices/%s/approve" % q(dev), body={}, want={200})
    if b is not None and b.get("already") is not True:
        ck.errors.append("approving twice: %s" % b)
    ck.call("POST", "/v1/devices/%s/approve" % q(gone), body={}, want={200, 409})
    ck.call("PUT", "/v1/devices/%s/cwmp-credentials" % q(dev),
            body={"password": "correct-horse-battery"}, want={200})
    ck.call("GET", "/v1/devices/%s/record" % q(dev), want={200})
    ck.call("GET", "/v1/devices/%s/record?psk=sealed" % q(dev), want={200})
    ck.call("POST", "/v1/devices/%s/revoke" % q(gone), body={"reason": "openapi check"}, want={200})
    ck.call("POST", "/v1/devices/%s/revoke" % q(gone), body={}, want={200})
    new = {"device_id": facts["new_device"], "product_class": cls,
           "public_key_pem": facts["new_device_pem"]}
    ck.call("POST", "/v1/devices", body=new, want={201})
    ck.call("POST", "/v1/devices", body=new, want={200})
    ck.call("POST", "/v1/devices", body=b"{not json", want={400})
    ck.call("POST", "/v1/classes/%s/pause" % q(cls), body={"reason": "openapi check"}, want={200})
    ck.call("POST", "/v1/classes/%s/resume" % q(cls), body=None, want={200})
    ck.call("PUT", "/v1/classes/%s/bundle" % q(cls), body=os.urandom(4096),
            ctype="application/octet-stream", want={422, 503})
    st, tok = ck.call("POST", "/v1/tokens", body={"name": "openapi-bot", "role": "viewer"},
                      want={201})
    ck.call("POST", "/v1/tokens", body={"name": "openapi-bot", "role": "viewer"}, want={409})
    ck.call("GET", "/v1/tokens", want={200})
    if st == 201 and tok:
        ck.call("DELETE", "/v1/tokens/" + q(tok["id"]), want={204})
        ck.call("DELETE", "/v1/tokens/" + q(tok["id"]), want={204})
    ck.call("PATCH", "/v1/devices", body={}, want={405})

    for tpl, item in doc["paths"].items():
        for m in ("get", "post", "put", "delete", "patch"):
            if m in item and (m, tpl) not in ck.seen:
                ck.errors.append("%s %s: documented, never called" % (m.upper(), tpl))
    for e in ck.errors:
        print("FAIL:", e)
    if ck.errors:
        return 1
    print("OK: %d calls over %s, %d operations, every answer as docs/openapi.json says" % (
        ck.calls, sock, len(ck.seen)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
