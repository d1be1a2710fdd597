#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A distress-indication client written from docs/protocol.md alone (issue 12).

It imports and runs nothing of mayday: Python's standard library, plus the
openssl(1) command for ECDSA P-256 (the standard library has none). What it
follows, section by section: deterministic CBOR (§2), the COSE_Sign1 profile
and its Sig_structure (§3), the version 1 indication claims (§6) with the
evidence of §5, the acknowledgement in both forms (§7, and the batch form of §7.2 with
RFC 9162's inclusion proof, over hashlib), and plain HTTP (§11.3).

  indication --key KEY.pem --device-id ID --counter N --time T
             [--dcf-version S] [--transport T] [--free-space B]
             [--max-image-size B] [--evidence FILE.json] --out FILE
      writes the signed indication (tag 18 COSE_Sign1, kid = device ID).
      The evidence JSON names the §5 claims: reason, image_version,
      manifest_rollback, slot, boot_attempts, failed (a list of name, flags,
      expected_size, measured_size, expected and measured as hex) and
      optional attach (stage, tries, episodes, last_error). Without it: one
      component, "rootfs.img", with a digest mismatch.
  post --url URL [--ack-out FILE] FILE
      POSTs FILE as application/cose (§11.3); prints the HTTP status; the
      body goes to --ack-out. Exit 0 whatever the status, 1 if no answer.
  verify-ack --pub PUB.pem --in FILE [--device-id ID] [--counter N]
      verifies an acknowledgement, single or batch form (§7, §7.2), with
      openssl and prints
      "status=S action=A incident=I retry_after=R device=D counter=C"
      (and " acs_url=U" when present). Exit 1 if it does not verify, does
      not decode, or echoes another device or counter.
  selftest PROTOCOL_MD
      encodes the §10 example inputs and compares the evidence, the
      attach-failed evidence, the indication claims, the signed indication
      up to its signature and the Sig_structure with the hex of §10; signs
      with the §10 test key and verifies that signature with openssl; verifies
      the §10 signed indication and signed acknowledgement and decodes the
      acknowledgement; recomputes the §10 batch tree from the three
      acknowledgement claims, verifies the §10 batch acknowledgement, and
      checks that a changed path, index or leaf does not verify. Exit 0
      when all hold.
"""
import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

MAX_INDICATION = 8192  # §6
MAX_ACK = 1024  # §7


# ---- deterministic CBOR (§2): only the types the messages use --------------------------------
class Tag:
    def __init__(self, number, item):
        self.number, self.item = number, item


def _head(major, arg):
    if arg < 24:
        return bytes([major << 5 | arg])
    for ai, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if arg < 1 << (8 * size):
            return bytes([major << 5 | ai]) + arg.to_bytes(size, "big")
    raise ValueError("integer over 64 bits")


def cbor(item):
    if isinstance(item, bool):
        return b"\xf5" if item else b"\xf4"
    if isinstance(item, int):
        return _head(0, item) if item >= 0 else _head(1, -1 - item)
    if isinstance(item, (bytes, bytearray)):
        return _head(2, len(item)) + bytes(item)
    if isinstance(item, str):
        raw = item.encode("utf-8")
        return _head(3, len(raw)) + raw
    if isinstance(item, list):
        return _head(4, len(item)) + b"".join(cbor(x) for x in item)
    if isinstance(item, dict):
        # keys sorted by the bytewise order of their encodings (§2 rule 3)
        pairs = sorted((cbor(k), cbor(v)) for k, v in item.items())
        return _head(5, len(pairs)) + b"".join(k + v for k, v in pairs)
    if isinstance(item, Tag):
        return _head(6, item.number) + cbor(item.item)
    raise TypeError("no CBOR encoding for %r" % type(item))


class Malformed(Exception):
    pass


def cbor_decode(data):
    """Strict decoder for the acknowledgement: deterministic heads, definite
    lengths, sorted unique map keys, no floats or other simple values."""
    item, pos = _decode(data, 0, 0)
    if pos != len(data):
        raise Malformed("trailing bytes")
    return item


def _decode(data, pos, depth):
    if depth > 8:
        raise Malformed("nested too deep")
    if pos >= len(data):
        raise Malformed("truncated")
    ib = data[pos]
    major, ai = ib >> 5, ib & 31
    pos += 1
    if ai < 24:
        arg = ai
    elif ai <= 27:
        size = 1 << (ai - 24)
        if pos + size > len(data):
            raise Malformed("truncated")
        arg = int.from_bytes(data[pos:pos + size], "big")
        pos += size
        if arg < (24 if size == 1 else 1 << (4 * size)):
            raise Malformed("head not the shortest")
    else:
        raise Malformed("indefinite length or reserved")
    if major == 0:
        return arg, pos
    if major == 1:
        return -1 - arg, pos
    if major in (2, 3):
        if pos + arg > len(data):
            raise Malformed("truncated")
        raw = data[pos:pos + arg]
        return (raw if major == 2 else raw.decode("utf-8")), pos + arg
    if major == 4:
        out = []
        for _ in range(arg):
            x, pos = _decode(data, pos, depth + 1)
            out.append(x)
        return out, pos
    if major == 5:
        out, last = {}, None
        for _ in range(arg):
            start = pos
            k, pos = _decode(data, pos, depth + 1)
            kb = data[start:pos]
            if last is not None and kb <= last:
                raise Malformed("map keys not sorted or not unique")
            last = kb
            out[k], pos = _decode(data, pos, depth + 1)
        return out, pos
    if major == 6:
        x, pos = _decode(data, pos, depth + 1)
        return Tag(arg, x), pos
    if ib == 0xf4:
        return False, pos
    if ib == 0xf5:
        return True, pos
    if ib == 0xf6:
        return None, pos
    raise Malformed("type not allowed")


# ---- claims (§5, §6) ---------------------------------------------------------------------------
def evidence_map(ev):
    m = {
        0: 1,
        1: ev["reason"],
        2: ev.get("image_version", ""),
        3: ev.get("manifest_rollback", 0),
        4: ev.get("slot", 0),
        5: ev.get("boot_attempts", 0),
        6: [{
            0: c["name"],
            1: c["flags"],
            2: c["expected_size"],
            3: c["measured_size"],
            4: bytes.fromhex(c["expected"]),
            5: bytes.fromhex(c["measured"]),
        } for c in ev.get("failed", [])],
    }
    if "attach" in ev:
        a = ev["attach"]
        m[7] = {0: a["stage"], 1: a["tries"], 2: a["episodes"], 3: a.get("last_error", "")}
    return m


def check_device_id(device_id):
    raw = device_id.encode("utf-8")
    if not 1 <= len(raw) <= 64 or any(b < 0x21 or b > 0x7e for b in raw):
        raise ValueError("device ID: 1..64 bytes of printable ASCII without space (§1)")
    return raw


def indication_claims(device_id, counter, time, dcf_version, transport, free_space,
                      max_image_size, ev):
    check_device_id(device_id)
    return {
        0: 1,
        1: device_id,
        2: counter,
        3: time,
        4: dcf_version,
        5: transport,
        6: free_space,
        7: max_image_size,
        8: evidence_map(ev),
    }


# ---- COSE_Sign1 (§3) ---------------------------------------------------------------------------
PROTECTED = cbor({1: -7})  # a1 01 26


def sig_structure(payload):
    return cbor(["Signature1", PROTECTED, b"", payload])


def _der_len(data, pos):
    n = data[pos]
    pos += 1
    if n < 0x80:
        return n, pos
    k = n & 0x7f
    return int.from_bytes(data[pos:pos + k], "big"), pos + k


def der_to_raw(der):
    """ECDSA-Sig-Value (SEQUENCE of INTEGER r, s) -> r || s, 32 bytes each."""
    if der[0] != 0x30:
        raise ValueError("signature is not a DER SEQUENCE")
    _, pos = _der_len(der, 1)
    out = b""
    for _ in range(2):
        if der[pos] != 0x02:
            raise ValueError("signature value is not a DER INTEGER")
        n, pos = _der_len(der, pos + 1)
        v = int.from_bytes(der[pos:pos + n], "big")
        pos += n
        out += v.to_bytes(32, "big")
    return out


def raw_to_der(raw):
    def integer(b):
        b = b.lstrip(b"\0") or b"\0"
        if b[0] & 0x80:
            b = b"\0" + b
        return b"\x02" + bytes([len(b)]) + b
    body = integer(raw[:32]) + integer(raw[32:])
    return b"\x30" + bytes([len(body)]) + body


def es256_sign(key_pem, data):
    with tempfile.NamedTemporaryFile() as f:
        f.write(data)
        f.flush()
        der = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key_pem, f.name],
                             check=True, stdout=subprocess.PIPE).stdout
    return der_to_raw(der)


def es256_verify(pub_pem, data, raw):
    if len(raw) != 64:
        return False
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "data"), "wb") as f:
            f.write(data)
        with open(os.path.join(d, "sig"), "wb") as f:
            f.write(raw_to_der(raw))
        r = subprocess.run(["openssl", "dgst", "-sha256", "-verify", pub_pem, "-signature",
                            os.path.join(d, "sig"), os.path.join(d, "data")],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return r.returncode == 0


def sign1(key_pem, claims, kid):
    payload = cbor(claims)
    sig = es256_sign(key_pem, sig_structure(payload))
    return cbor(Tag(18, [PROTECTED, {4: kid}, payload, sig]))


def open_sign1(data, pub_pem):
    """Decodes a §3 COSE_Sign1 and verifies it; returns the claims map."""
    top = cbor_decode(data)
    if not isinstance(top, Tag) or top.number != 18 or not isinstance(top.item, list) \
            or len(top.item) != 4:
        raise Malformed("not a tag 18 COSE_Sign1")
    prot, unprot, payload, sig = top.item
    if prot != PROTECTED:
        raise Malformed("protected header is not {1: -7}")
    if not isinstance(unprot, dict) or set(unprot) - {4}:
        raise Malformed("unprotected header other than kid")
    if not isinstance(payload, bytes) or not isinstance(sig, bytes) or len(sig) != 64:
        raise Malformed("payload or signature of the wrong type")
    if not es256_verify(pub_pem, sig_structure(payload), sig):
        raise Malformed("signature does not verify")
    return cbor_decode(payload)


def merkle_leaf(data):
    return hashlib.sha256(b"\x00" + data).digest()


def merkle_node(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def merkle_root_from_path(leaf, index, size, path):
    """RFC 9162 §2.1.3.2 (§7.2): the root the path leads to, None if it cannot."""
    if index >= size:
        return None
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = merkle_node(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = merkle_node(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def open_ack(data, pub_pem):
    """Either form of §7: a tag 18 COSE_Sign1, or the §7.2 batch array whose
    path leads to a root signed with the key. Returns the claims map."""
    if data[:1] != b"\x84":
        return open_sign1(data, pub_pem)
    top = cbor_decode(data)
    if not isinstance(top, list) or len(top) != 4:
        raise Malformed("not a 4-item batch acknowledgement")
    claims, index, path, root = top
    if not isinstance(claims, bytes) or type(index) is not int or not isinstance(path, list) \
            or len(path) > 10 or not isinstance(root, bytes) \
            or any(not isinstance(p, bytes) or len(p) != 32 for p in path):
        raise Malformed("batch acknowledgement of the wrong shape")
    rc = open_sign1(root, pub_pem)
    if not isinstance(rc, dict) or rc.get(0) != 1 or set(k for k in rc if k >= 0) != {0, 1, 2} \
            or type(rc[1]) is not int or not 1 <= rc[1] <= 1024 \
            or not isinstance(rc[2], bytes) or len(rc[2]) != 32:
        raise Malformed("not a batch root")
    if merkle_root_from_path(merkle_leaf(claims), index, rc[1], path) != rc[2]:
        raise Malformed("audit path does not lead to the signed root")
    return cbor_decode(claims)


def ack_fields(claims):
    if not isinstance(claims, dict) or claims.get(0) != 1:
        raise Malformed("not a version 1 acknowledgement")
    for k in claims:
        if isinstance(k, int) and k >= 0 and k > 7:
            raise Malformed("unknown critical claim %d" % k)
    for k in range(7):
        want = str if k == 1 else int
        if k not in claims or type(claims[k]) is not want:  # bool is no int here
            raise Malformed("claim %d missing or of the wrong type" % k)
    if 7 in claims and (type(claims[7]) is not str or not 1 <= len(claims[7].encode()) <= 255):
        raise Malformed("acs_url of the wrong type or size")
    if claims[4] not in (0, 1, 2) or claims[5] not in (0, 1, 2, 3, 4):
        raise Malformed("status or action unsupported")
    if claims[5] == 2 and 7 not in claims:
        raise Malformed("remediate without acs_url")
    return claims


# ---- commands ----------------------------------------------------------------------------------
DEFAULT_EVIDENCE = {
    "reason": 1, "image_version": "1.0.0", "manifest_rollback": 0, "slot": 0,
    "boot_attempts": 0,
    "failed": [{"name": "rootfs.img", "flags": 4, "expected_size": 4096,
                "measured_size": 4096, "expected": "aa" * 32, "measured": "bb" * 32}],
}


def cmd_indication(a):
    ev = DEFAULT_EVIDENCE
    if a.evidence:
        with open(a.evidence) as f:
            ev = json.load(f)
    claims = indication_claims(a.device_id, a.counter, a.time, a.dcf_version, a.transport,
                               a.free_space, a.max_image_size, ev)
    msg = sign1(a.key, claims, check_device_id(a.device_id))
    if len(msg) > MAX_INDICATION:
        raise ValueError("signed indication over 8192 bytes")
    with open(a.out, "wb") as f:
        f.write(msg)
    return 0


def cmd_post(a):
    with open(a.file, "rb") as f:
        body = f.read()
    req = urllib.request.Request(a.url, data=body, method="POST", headers={
        "Content-Type": "application/cose", "Accept": "application/cose"})
    try:
        with urllib.request.urlopen(req, timeout=a.timeout) as r:
            status, answer = r.status, r.read(MAX_ACK + 1)
    except urllib.error.HTTPError as e:
        status, answer = e.code, e.read(MAX_ACK + 1)
    except OSError as e:
        print("proto_client: %s: %s" % (a.url, e), file=sys.stderr)
        return 1
    if a.ack_out:
        with open(a.ack_out, "wb") as f:
            f.write(answer)  # up to 1025 bytes: verify-ack refuses what is over 1024
    print(status)
    return 0


def cmd_verify_ack(a):
    with open(a.input, "rb") as f:
        data = f.read(MAX_ACK + 1)
    try:
        if len(data) > MAX_ACK:
            raise Malformed("over 1024 bytes")
        c = ack_fields(open_ack(data, a.pub))
    except (Malformed, UnicodeDecodeError) as e:
        print("proto_client: %s: %s" % (a.input, e), file=sys.stderr)
        return 1
    if (a.device_id is not None and c[1] != a.device_id) or \
            (a.counter is not None and c[2] != a.counter):
        print("proto_client: the ack echoes %s/%s" % (c[1], c[2]), file=sys.stderr)
        return 1
    line = "status=%d action=%d incident=%d retry_after=%d device=%s counter=%d" % (
        c[4], c[5], c[3], c[6], c[1], c[2])
    if 7 in c:
        line += " acs_url=" + c[7]
    print(line)
    return 0


# ---- selftest against §10 ----------------------------------------------------------------------
EXAMPLE_EVIDENCE = {  # §10: app.bin truncated, libradio.so missing
    "reason": 1, "image_version": "2.4.1", "manifest_rollback": 7, "slot": 0,
    "boot_attempts": 1,
    "failed": [
        {"name": "app.bin", "flags": 6, "expected_size": 3, "measured_size": 0,
         "expected": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
         "measured": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"name": "libradio.so", "flags": 1, "expected_size": 70000, "measured_size": 0,
         "expected": bytes(range(32)).hex(), "measured": "00" * 32},
    ],
}
ATTACH_EVIDENCE = {  # §10: image 2.4.1 in slot B, no SeGW in 3 tries
    "reason": 7, "image_version": "2.4.1", "manifest_rollback": 7, "slot": 1,
    "boot_attempts": 1, "failed": [],
    "attach": {"stage": 1, "tries": 3, "episodes": 1, "last_error": "connection refused"},
}


def doc_vector(doc, title):
    """The hex block under '#### TITLE (N bytes)' in §10, checked to be N bytes."""
    m = re.search(r"^#### " + re.escape(title) + r" \((\d+) bytes\)\n\n```\n([0-9a-f\n]+)```",
                  doc, re.M)
    if not m:
        raise LookupError("no vector '%s' in protocol.md" % title)
    raw = bytes.fromhex(m.group(2).replace("\n", ""))
    if len(raw) != int(m.group(1)):
        raise LookupError("vector '%s' is not %s bytes" % (title, m.group(1)))
    return raw, m.end()


def doc_sig_structure(doc, after):
    m = re.compile(r"^Sig_structure \(the bytes signed, (\d+) bytes\):\n\n```\n([0-9a-f\n]+)```",
                   re.M).search(doc, after)
    raw = bytes.fromhex(m.group(2).replace("\n", ""))
    assert len(raw) == int(m.group(1))
    return raw


def cmd_selftest(a):
    with open(a.protocol_md) as f:
        doc = f.read()
    begin = doc.index("<!-- BEGIN VECTORS")
    doc10 = doc[begin:doc.index("<!-- END VECTORS -->")]
    fails = []

    def same(what, ours, theirs):
        ok = ours == theirs
        print("%s %s (%d bytes)" % ("ok  " if ok else "FAIL", what, len(theirs)))
        if not ok:
            print("  ours:     " + ours.hex() + "\n  protocol: " + theirs.hex())
            fails.append(what)

    ev, _ = doc_vector(doc10, "Evidence")
    same("evidence", cbor(evidence_map(EXAMPLE_EVIDENCE)), ev)
    ev7, _ = doc_vector(doc10, "Evidence, attach-failed")
    same("evidence, attach-failed", cbor(evidence_map(ATTACH_EVIDENCE)), ev7)
    claims = indication_claims("hnb-acme-000123", 42, 1767225600, "1.0.0", 3, 268435456,
                               134217728, EXAMPLE_EVIDENCE)
    doc_claims, _ = doc_vector(doc10, "Indication claims")
    same("indication claims", cbor(claims), doc_claims)
    doc_signed, end = doc_vector(doc10, "Signed indication")
    doc_sig = doc_sig_structure(doc10, end)
    same("Sig_structure", sig_structure(cbor(claims)), doc_sig)
    same("protected header", PROTECTED, bytes.fromhex("a10126"))

    with tempfile.TemporaryDirectory() as d:
        key, pub = os.path.join(d, "key.pem"), os.path.join(d, "pub.pem")
        for path, kind in ((key, "PRIVATE KEY"), (pub, "PUBLIC KEY")):
            pem = re.search(r"-----BEGIN %s-----\n.*?-----END %s-----\n" % (kind, kind),
                            doc[:begin], re.S).group(0)
            with open(path, "w") as f:
                f.write(pem)
        ours = sign1(key, claims, b"hnb-acme-000123")
        # everything but the 64 signature bytes is fixed (§10)
        same("signed indication without its signature", ours[:-64], doc_signed[:-64])
        ok = es256_verify(pub, sig_structure(cbor(claims)), ours[-64:])
        print("%s our signature verifies with the §10 public key" % ("ok  " if ok else "FAIL"))
        ok or fails.append("our signature")
        bad = bytearray(ours[-64:])
        bad[5] ^= 1
        ok = not es256_verify(pub, sig_structure(cbor(claims)), bytes(bad))
        print("%s a flipped signature bit does not verify" % ("ok  " if ok else "FAIL"))
        ok or fails.append("flipped signature")
        try:
            opened = open_sign1(doc_signed, pub)
            ok = opened[1] == "hnb-acme-000123" and opened[2] == 42
        except Malformed:
            ok = False
        print("%s the §10 signed indication verifies and decodes" % ("ok  " if ok else "FAIL"))
        ok or fails.append("§10 signed indication")
        doc_ack, _ = doc_vector(doc10, "Signed acknowledgement, remediate")
        try:
            c = ack_fields(open_sign1(doc_ack, pub))
            ok = (c[1], c[2], c[3], c[4], c[5], c[6], c[7]) == (
                "hnb-acme-000123", 42, 1001, 0, 2, 0, "https://127.0.0.1:7547/acs")
        except Malformed:
            ok = False
        print("%s the §10 signed acknowledgement verifies and decodes" % ("ok  " if ok else "FAIL"))
        ok or fails.append("§10 signed acknowledgement")
        rem, _ = doc_vector(doc10, "Acknowledgement claims, remediate")
        same("acknowledgement claims, re-encoded", cbor(cbor_decode(rem)), rem)
        # §7.2: the tree of the three acknowledgement claims, and leaf 2's message.
        retry, _ = doc_vector(doc10, "Acknowledgement claims, retry-after")
        wait, _ = doc_vector(doc10, "Acknowledgement claims, wait")
        node = merkle_node(merkle_leaf(retry), merkle_leaf(wait))
        root = merkle_node(node, merkle_leaf(rem))
        doc_root, _ = doc_vector(doc10, "Batch root claims")
        same("batch root claims", cbor({0: 1, 1: 3, 2: root}), doc_root)
        doc_batch, _ = doc_vector(doc10, "Batch acknowledgement, remediate, leaf 2 of 3")
        doc_sroot, _ = doc_vector(doc10, "Signed batch root")
        same("batch acknowledgement, rebuilt", cbor([rem, 2, [node], doc_sroot]), doc_batch)
        try:
            c = ack_fields(open_ack(doc_batch, pub))
            ok = (c[1], c[2], c[5], c[7]) == ("hnb-acme-000123", 42, 2,
                                              "https://127.0.0.1:7547/acs")
        except Malformed:
            ok = False
        print("%s the §10 batch acknowledgement verifies and decodes" % ("ok  " if ok else "FAIL"))
        ok or fails.append("§10 batch acknowledgement")
        bad_node = bytes([node[0] ^ 1]) + node[1:]
        for what, msg in (("a changed path", cbor([rem, 2, [bad_node], doc_sroot])),
                          ("another index", cbor([rem, 1, [node], doc_sroot])),
                          ("another leaf", cbor([wait, 2, [node], doc_sroot])),
                          ("a path too long", cbor([rem, 2, [node, node], doc_sroot]))):
            try:
                open_ack(msg, pub)
                ok = False
            except Malformed:
                ok = True
            print("%s a batch acknowledgement with %s does not verify" % ("ok  " if ok else "FAIL",
                                                                           what))
            ok or fails.append("batch acknowledgement with " + what)
    if fails:
        print("selftest: %d failed: %s" % (len(fails), ", ".join(fails)))
        return 1
    print("selftest: all match")
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("indication")
    s.add_argument("--key", required=True)
    s.add_argument("--device-id", required=True)
    s.add_argument("--counter", type=int, required=True)
    s.add_argument("--time", type=int, required=True)
    s.add_argument("--dcf-version", default="proto-client-1")
    s.add_argument("--transport", type=int, default=2)
    s.add_argument("--free-space", type=int, default=1 << 20)
    s.add_argument("--max-image-size", type=int, default=1 << 24)
    s.add_argument("--evidence")
    s.add_argument("--out", required=True)
    s = sub.add_parser("post")
    s.add_argument("--url", required=True)
    s.add_argument("--ack-out")
    s.add_argument("--timeout", type=float, default=10)
    s.add_argument("file")
    s = sub.add_parser("verify-ack")
    s.add_argument("--pub", required=True)
    s.add_argument("--in", dest="input", required=True)
    s.add_argument("--device-id")
    s.add_argument("--counter", type=int)
    s = sub.add_parser("selftest")
    s.add_argument("protocol_md")
    a = p.parse_args()
    cmd = {"indication": cmd_indication, "post": cmd_post, "verify-ack": cmd_verify_ack,
           "selftest": cmd_selftest}[a.cmd]
    try:
        return cmd(a)
    except (OSError, ValueError, LookupError, subprocess.CalledProcessError) as e:
        print("proto_client: %s" % e, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
