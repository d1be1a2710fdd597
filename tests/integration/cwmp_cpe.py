#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A scripted standard TR-069 CPE that is not mayday's code (issue 12).

Written from TR-069 alone, with the Python standard library only: it speaks
the namespace it is told (cwmp-1-0 or cwmp-1-2), authenticates with HTTP
Digest (RFC 7616: MD5 or SHA-256, qop=auth) and no client certificate, has
the TR-098 data model (root "InternetGatewayDevice.", no vendor parameters:
any other name gets Fault 9005), refuses Reboot (Fault 9001), and listens
for Connection Requests on loopback (HTTP GET, Digest-authenticated with its
own realm), which it answers 200 and follows with a "6 CONNECTION REQUEST"
session.

The script, run as one process by test_acs_thirdparty.sh:
  remediate   with --cr-wait: a "1 BOOT" session first (so the ACS learns its
              ConnectionRequestURL), "READY" printed, then a Connection
              Request awaited; session 1 ("6 CONNECTION REQUEST", or
              "2 PERIODIC" without --cr-wait): GetRPCMethods to the ACS, then
              whatever the ACS asks; a Download is accepted (Status 1) and
              its URL fetched over HTTPS with the same Digest login, the
              image "installed" (its SHA-256 checked against --expect-sha256);
              session 2 ("7 TRANSFER COMPLETE", "M Download"): TransferComplete
              fault 0, then the ACS's Reboot is refused (9001); session 3 after
              its own reboot ("1 BOOT", "7 TRANSFER COMPLETE", "M Download"):
              TransferComplete fault 0 again, from the new image.
  refuse-gpv  one session whose GetParameterValues it faults (9002).
Every envelope sent and received is written to --log-dir as NNN-sent.xml /
NNN-recv.xml for schema validation; every step is printed. Exit 0 when the
script ran as planned, 1 otherwise (with the reason on stderr).
"""
import argparse
import hashlib
import http.client
import http.server
import os
import re
import secrets
import ssl
import sys
import threading
import time
import urllib.parse
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

SOAPENV = "http://schemas.xmlsoap.org/soap/envelope/"
NS = {"1-0": "urn:dslforum-org:cwmp-1-0", "1-2": "urn:dslforum-org:cwmp-1-2"}
ROOT = "InternetGatewayDevice."
TIMEOUT = 30


class Fail(Exception):
    pass


def hexdigest(alg, text):
    h = hashlib.md5() if alg == "MD5" else hashlib.sha256()
    h.update(text.encode())
    return h.hexdigest()


def parse_challenges(headers):
    """WWW-Authenticate Digest challenges -> {algorithm: params}."""
    out = {}
    for value in headers:
        if not value.lower().startswith("digest "):
            continue
        params = dict((k.lower(), v1 if v1 else v2) for k, v1, v2 in
                      re.findall(r'(\w+)=(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))', value[7:]))
        out[params.get("algorithm", "MD5").upper()] = params
    return out


class Digest:
    """The client side of RFC 7616 (qop=auth) for one user."""

    def __init__(self, user, password, alg):
        self.user, self.password, self.alg = user, password, alg
        self.chal, self.nc = None, 0

    def take(self, headers):
        chals = parse_challenges(headers)
        if self.alg not in chals:
            raise Fail("no %s challenge in %r" % (self.alg, headers))
        self.chal, self.nc = chals[self.alg], 0

    def header(self, method, uri):
        if self.chal is None:
            return None
        self.nc += 1
        nc = "%08x" % self.nc
        cnonce = secrets.token_hex(8)
        ha1 = hexdigest(self.alg, "%s:%s:%s" % (self.user, self.chal["realm"], self.password))
        ha2 = hexdigest(self.alg, "%s:%s" % (method, uri))
        resp = hexdigest(self.alg, ":".join([ha1, self.chal["nonce"], nc, cnonce, "auth", ha2]))
        return ('Digest username="%s", realm="%s", nonce="%s", uri="%s", algorithm=%s, '
                'qop=auth, nc=%s, cnonce="%s", response="%s"' %
                (self.user, self.chal["realm"], self.chal["nonce"], uri, self.alg, nc, cnonce,
                 resp))


class Cpe:
    def __init__(self, a):
        self.a = a
        self.ns = NS[a.ns]
        self.url = urllib.parse.urlsplit(a.acs)
        self.ctx = ssl.create_default_context(cafile=a.ca)
        self.auth = Digest(a.username, a.password, a.alg)
        self.seq = 0
        self.cookie = None
        self.conn = None
        self.msg_id = 0
        self.version = "1.0.0"
        self.download = None        # (CommandKey, URL, FileSize)
        self.cr_event = threading.Event()
        self.cr_port = 0

    def log(self, what):
        print("cpe[%s]: %s" % (self.a.ns, what), flush=True)

    def save(self, direction, body):
        if not body:
            return
        self.seq += 1
        with open(os.path.join(self.a.log_dir, "%s-%03d-%s.xml" % (self.a.ns, self.seq,
                                                                     direction)), "wb") as f:
            f.write(body)

    # ---- HTTP -----------------------------------------------------------------------
    def request(self, method, path, body=b"", headers=None, save=True):
        """One request on the session's connection, answering a 401 once."""
        for _ in range(2):
            h = dict(headers or {})
            auth = self.auth.header(method, path)
            if auth:
                h["Authorization"] = auth
            if self.cookie:
                h["Cookie"] = self.cookie
            if method == "POST":
                h["Content-Length"] = str(len(body))
            self.conn.request(method, path, body=body if method == "POST" else None, headers=h)
            r = self.conn.getresponse()
            data = r.read()
            if r.status == 401:
                self.auth.take(r.headers.get_all("WWW-Authenticate") or [])
                continue
            sc = r.headers.get("Set-Cookie")
            if sc:
                self.cookie = sc.split(";", 1)[0]
            return r.status, r.headers, data
        raise Fail("%s %s: still 401 after answering the challenge" % (method, path))

    def post(self, body):
        if save_ok(body):
            self.save("sent", body)
        hdr = {"Content-Type": 'text/xml; charset="utf-8"', "SOAPAction": ""} if body else {}
        status, headers, data = self.request("POST", self.url.path, body, hdr)
        if status == 204 or (status == 200 and not data.strip()):
            return None
        if status != 200:
            raise Fail("ACS answered %d: %r" % (status, data[:200]))
        self.save("recv", data)
        return data

    # ---- envelopes -----------------------------------------------------------------
    def envelope(self, body, msg_id=None):
        if msg_id is None:
            self.msg_id += 1
            msg_id = "cpe-%d" % self.msg_id
        return ('<?xml version="1.0" encoding="UTF-8"?>\n'
                '<soap:Envelope xmlns:soap="%s" xmlns:soapenc="http://schemas.xmlsoap.org/soap/'
                'encoding/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
                'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:cwmp="%s">'
                '<soap:Header><cwmp:ID soap:mustUnderstand="1">%s</cwmp:ID></soap:Header>'
                '<soap:Body>%s</soap:Body></soap:Envelope>\n' %
                (SOAPENV, self.ns, escape(msg_id), body)).encode()

    def params_xml(self, params):
        items = "".join('<ParameterValueStruct><Name>%s</Name><Value xsi:type="xsd:%s">%s'
                        '</Value></ParameterValueStruct>' % (escape(n), t, escape(v))
                        for n, v, t in params)
        return ('<ParameterList soapenc:arrayType="cwmp:ParameterValueStruct[%d]">%s'
                '</ParameterList>' % (len(params), items))

    def model(self):
        """The CPE's data model (TR-098 names), without vendor parameters."""
        return {
            ROOT + "DeviceSummary": ("InternetGatewayDevice:1.4[](Baseline:2)", "string"),
            ROOT + "DeviceInfo.Manufacturer": ("Example Networks", "string"),
            ROOT + "DeviceInfo.ManufacturerOUI": (self.a.oui, "string"),
            ROOT + "DeviceInfo.ProductClass": (self.a.product_class, "string"),
            ROOT + "DeviceInfo.SerialNumber": (self.a.serial, "string"),
            ROOT + "DeviceInfo.HardwareVersion": ("hw-2", "string"),
            ROOT + "DeviceInfo.SoftwareVersion": (self.version, "string"),
            ROOT + "ManagementServer.ConnectionRequestURL":
                ("http://127.0.0.1:%d/cr" % self.cr_port, "string"),
            ROOT + "ManagementServer.ParameterKey": ("", "string"),
        }

    def inform(self, events):
        m = self.model()
        names = [ROOT + "DeviceSummary", ROOT + "DeviceInfo.HardwareVersion",
                 ROOT + "DeviceInfo.SoftwareVersion",
                 ROOT + "ManagementServer.ConnectionRequestURL",
                 ROOT + "ManagementServer.ParameterKey"]
        ev = "".join("<EventStruct><EventCode>%s</EventCode><CommandKey>%s</CommandKey>"
                     "</EventStruct>" % (escape(c), escape(k)) for c, k in events)
        body = ('<cwmp:Inform><DeviceId><Manufacturer>Example Networks</Manufacturer>'
                '<OUI>%s</OUI><ProductClass>%s</ProductClass><SerialNumber>%s</SerialNumber>'
                '</DeviceId><Event soapenc:arrayType="cwmp:EventStruct[%d]">%s</Event>'
                '<MaxEnvelopes>1</MaxEnvelopes><CurrentTime>%s</CurrentTime>'
                '<RetryCount>0</RetryCount>%s</cwmp:Inform>' %
                (self.a.oui, escape(self.a.product_class), escape(self.a.serial), len(events),
                 ev, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                 self.params_xml([(n,) + m[n] for n in names])))
        return self.envelope(body)

    def fault(self, msg_id, code, text):
        return self.envelope('<soap:Fault><faultcode>soap:Client</faultcode><faultstring>CWMP fault'
                             '</faultstring><detail><cwmp:Fault><FaultCode>%d</FaultCode>'
                             '<FaultString>%s</FaultString></cwmp:Fault></detail></soap:Fault>'
                             % (code, escape(text)), msg_id)

    def transfer_complete(self, key):
        return self.envelope('<cwmp:TransferComplete><CommandKey>%s</CommandKey><FaultStruct>'
                             '<FaultCode>0</FaultCode><FaultString></FaultString></FaultStruct>'
                             '<StartTime>%s</StartTime><CompleteTime>%s</CompleteTime>'
                             '</cwmp:TransferComplete>' %
                             (escape(key), now_text(), now_text()))

    def parse(self, data):
        """(method local name, cwmp:ID, body element) of an ACS envelope in our namespace."""
        root = ET.fromstring(data)
        if root.tag != "{%s}Envelope" % SOAPENV:
            raise Fail("not a SOAP envelope")
        idel = root.find("{%s}Header/{%s}ID" % (SOAPENV, self.ns))
        body = root.find("{%s}Body" % SOAPENV)
        if body is None or len(body) != 1:
            raise Fail("no method in the Body")
        el = body[0]
        if el.tag == "{%s}Fault" % SOAPENV:
            return "Fault", idel.text if idel is not None else "", el
        if not el.tag.startswith("{%s}" % self.ns):
            raise Fail("ACS answered in another namespace: %s" % el.tag)
        return el.tag.split("}", 1)[1], idel.text if idel is not None else "", el

    # ---- sessions ------------------------------------------------------------------
    def session(self, events, script):
        """One session: Inform, the CPE's own requests (script), then the ACS's turn."""
        self.cookie = None
        self.conn = http.client.HTTPSConnection(self.url.hostname, self.url.port,
                                                context=self.ctx, timeout=TIMEOUT)
        try:
            self.log("Inform %s" % [c for c, _ in events])
            kind, _, _ = self.parse(self.post(self.inform(events)))
            if kind != "InformResponse":
                raise Fail("Inform answered with %s" % kind)
            for req in script.get("requests", []):
                kind, _, el = self.parse(self.post(req))
                self.log("-> %s" % kind)
                script.setdefault("answers", []).append((kind, el))
            data = self.post(b"")
            while data is not None:
                kind, msg_id, el = self.parse(data)
                self.log("ACS: %s" % kind)
                script.setdefault("asked", []).append(kind)
                data = self.post(self.answer(kind, msg_id, el, script))
            self.log("session over (204)")
        finally:
            self.conn.close()

    def answer(self, kind, msg_id, el, script):
        if kind == "GetParameterValues":
            names = [s.text or "" for s in el.iter("string")]
            script.setdefault("gpv_names", []).extend(names)
            if script.get("refuse_gpv"):
                return self.fault(msg_id, 9002, "internal error (scripted)")
            m = self.model()
            values = []
            for n in names:
                full = [k for k in m if k == n or (n.endswith(".") and k.startswith(n))]
                if not full:
                    return self.fault(msg_id, 9005, "Invalid parameter name " + n)
                values += [(k,) + m[k] for k in full]
            return self.envelope('<cwmp:GetParameterValuesResponse>%s'
                                 '</cwmp:GetParameterValuesResponse>' %
                                 self.params_xml(values), msg_id)
        if kind == "Download":
            key = el.findtext("CommandKey") or ""
            url = el.findtext("URL") or ""
            size = int(el.findtext("FileSize") or "0")
            self.download = (key, url, size)
            return self.envelope('<cwmp:DownloadResponse><Status>1</Status><StartTime>'
                                 '0001-01-01T00:00:00Z</StartTime><CompleteTime>'
                                 '0001-01-01T00:00:00Z</CompleteTime></cwmp:DownloadResponse>',
                                 msg_id)
        if kind == "Reboot":
            script["reboot_key"] = el.findtext("CommandKey") or ""
            return self.fault(msg_id, 9001, "Request denied: reboot is up to the operator"
                              " of this device")
        return self.fault(msg_id, 9000, "Method not supported")

    def fetch(self):
        key, url, size = self.download
        u = urllib.parse.urlsplit(url)
        self.conn = http.client.HTTPSConnection(u.hostname, u.port, context=self.ctx,
                                                timeout=TIMEOUT)
        try:
            self.cookie = None
            status, _, data = self.request("GET", u.path)
        finally:
            self.conn.close()
        if status != 200:
            raise Fail("bundle GET answered %d" % status)
        got = hashlib.sha256(data).hexdigest()
        if len(data) != size or got != self.a.expect_sha256:
            raise Fail("bundle of %d bytes, sha256 %s; expected %d, %s" %
                       (len(data), got, size, self.a.expect_sha256))
        self.log("bundle %s fetched: %d bytes, sha256 ok; installing" % (key, len(data)))
        self.version = "2.0.0-remediated"

    # ---- Connection Request listener (TR-069 3.2.2) --------------------------------
    def start_cr(self):
        cpe = self
        nonce = secrets.token_hex(16)
        realm = "cpe-cr"

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                auth = self.headers.get("Authorization", "")
                if auth.lower().startswith("digest ") and self.path == "/cr":
                    p = dict((k.lower(), v1 if v1 else v2) for k, v1, v2 in re.findall(
                        r'(\w+)=(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))', auth[7:]))
                    alg = p.get("algorithm", "MD5").upper()
                    if alg in ("MD5", "SHA-256") and p.get("nonce") == nonce and \
                            p.get("username") == cpe.a.cr_username:
                        ha1 = hexdigest(alg, "%s:%s:%s" % (cpe.a.cr_username, realm,
                                                           cpe.a.cr_password))
                        ha2 = hexdigest(alg, "GET:" + p.get("uri", ""))
                        want = hexdigest(alg, ":".join([ha1, nonce, p.get("nc", ""),
                                                        p.get("cnonce", ""), "auth", ha2]))
                        if p.get("response") == want:
                            self.send_response(200)
                            self.send_header("Content-Length", "0")
                            self.end_headers()
                            cpe.log("Connection Request accepted")
                            cpe.cr_event.set()
                            return
                self.send_response(401)
                for alg in ("SHA-256", "MD5"):
                    self.send_header("WWW-Authenticate", 'Digest realm="%s", qop="auth", '
                                     'algorithm=%s, nonce="%s"' % (realm, alg, nonce))
                self.send_header("Content-Length", "0")
                self.end_headers()

        srv = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.cr_port = srv.server_address[1]
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        self.log("Connection Request listener on 127.0.0.1:%d" % self.cr_port)


def now_text():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def save_ok(body):
    return bool(body)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("scenario", choices=["remediate", "refuse-gpv"])
    ap.add_argument("--acs", required=True)
    ap.add_argument("--ca", required=True)
    ap.add_argument("--ns", choices=sorted(NS), required=True)
    ap.add_argument("--alg", choices=["MD5", "SHA-256"], default="SHA-256")
    ap.add_argument("--serial", required=True)
    ap.add_argument("--username", required=True)
    ap.add_argument("--password-file", required=True)
    ap.add_argument("--oui", default="00D09E")
    ap.add_argument("--product-class", default="femto-it")
    ap.add_argument("--cr-username", default="mayday-acs")
    ap.add_argument("--cr-password", default="")
    ap.add_argument("--cr-wait", type=float, default=0,
                    help="seconds to wait for a Connection Request before session 1")
    ap.add_argument("--expect-sha256", default="")
    ap.add_argument("--log-dir", required=True)
    a = ap.parse_args()
    with open(a.password_file) as f:
        a.password = f.read().strip()
    cpe = Cpe(a)
    try:
        cpe.start_cr()
        if a.scenario == "refuse-gpv":
            s = {"refuse_gpv": True}
            cpe.session([("2 PERIODIC", "")], s)
            if s.get("asked") != ["GetParameterValues"]:
                raise Fail("expected one GetParameterValues, got %r" % s.get("asked"))
            print("RESULT refused-gpv")
            return 0
        first = "2 PERIODIC"
        if a.cr_wait > 0:
            # booted before its distress: the ACS learns the ConnectionRequestURL
            s0 = {}
            cpe.session([("1 BOOT", "")], s0)
            if s0.get("asked"):
                raise Fail("boot session: ACS asked %r" % s0.get("asked"))
            print("READY", flush=True)
            if not cpe.cr_event.wait(a.cr_wait):
                raise Fail("no Connection Request within %g s" % a.cr_wait)
            first = "6 CONNECTION REQUEST"
        rpc = cpe.envelope("<cwmp:GetRPCMethods></cwmp:GetRPCMethods>")
        s1 = {"requests": [rpc]}
        cpe.session([(first, "")], s1)
        kind, el = s1["answers"][0]
        methods = [x.text for x in el.iter("string")] if kind == "GetRPCMethodsResponse" else []
        if "Inform" not in methods or "TransferComplete" not in methods:
            raise Fail("GetRPCMethods answered with %s %r" % (kind, methods))
        cpe.log("ACS methods: %s" % methods)
        names = s1.get("gpv_names", [])
        if not names or any(not n.startswith(ROOT) or "X_" in n for n in names):
            raise Fail("GetParameterValues names %r" % names)
        if s1.get("asked") != ["GetParameterValues", "Download"] or cpe.download is None:
            raise Fail("session 1: ACS asked %r" % s1.get("asked"))
        cpe.fetch()
        key = cpe.download[0]
        s2 = {"requests": [cpe.transfer_complete(key)]}
        cpe.session([("7 TRANSFER COMPLETE", ""), ("M Download", key)], s2)
        if s2["answers"][0][0] != "TransferCompleteResponse":
            raise Fail("TransferComplete answered with %s" % s2["answers"][0][0])
        if s2.get("asked") != ["Reboot"] or s2.get("reboot_key") != key:
            raise Fail("session 2: ACS asked %r (Reboot key %r)" % (s2.get("asked"),
                                                                   s2.get("reboot_key")))
        cpe.log("rebooting on its own into %s" % cpe.version)
        s3 = {"requests": [cpe.transfer_complete(key)]}
        cpe.session([("1 BOOT", ""), ("7 TRANSFER COMPLETE", ""), ("M Download", key)], s3)
        if s3["answers"][0][0] != "TransferCompleteResponse" or s3.get("asked"):
            raise Fail("session 3: %r, then asked %r" % (s3["answers"][0][0], s3.get("asked")))
        print("RESULT recovered %s via %s" % (key, first))
        return 0
    except (Fail, OSError, ET.ParseError, http.client.HTTPException) as e:
        print("cpe[%s]: FAIL: %s" % (a.ns, e), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
