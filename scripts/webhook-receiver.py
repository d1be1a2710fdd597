#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# A minimal receiver of maydayd's event webhooks ([events] webhook_N,
# docs/operations.md "Events"), as `make demo` runs it and as a starting
# point for an operator's own: it listens on loopback, checks each POST's
# X-Mayday-Signature (HMAC-SHA256 of the raw body under the key in
# [events] secret_file) before trusting anything in it, drops event ids it
# has already taken (delivery is at least once), and prints one line per
# event: "event ID TYPE device DEVICE [-> STATE]". A bad signature gets 401 and a
# "REJECTED" line; a body above 64 KiB or without Content-Length, 413/411.
# Python's standard library only.
#
# usage: webhook-receiver.py PORT KEY_FILE [OUT_FILE]   (lines go to OUT_FILE, else stdout)
import hashlib
import hmac
import json
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

BODY_MAX = 65536

port = int(sys.argv[1])
with open(sys.argv[2], 'rb') as f:
    key = f.read().rstrip(b'\r\n')   # maydayd drops a trailing newline too
out = open(sys.argv[3], 'a') if len(sys.argv) > 3 else sys.stdout
seen = set()


def say(line):
    out.write(line + '\n')
    out.flush()


class Receiver(BaseHTTPRequestHandler):
    def answer(self, code):
        self.send_response(code)
        self.send_header('Content-Length', '0')
        self.end_headers()

    def do_POST(self):
        length = self.headers.get('Content-Length')
        if length is None or not length.isdigit():
            return self.answer(411)
        if int(length) > BODY_MAX:
            return self.answer(413)
        body = self.rfile.read(int(length))
        want = 'sha256=' + hmac.new(key, body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(want, self.headers.get('X-Mayday-Signature', '')):
            say('REJECTED: a POST with a bad signature (%d bytes)' % len(body))
            return self.answer(401)
        try:
            event = json.loads(body)
            eid, etype = int(event['id']), str(event['type'])
        except (ValueError, KeyError, TypeError):
            say('REJECTED: a signed POST that is not an event')
            return self.answer(400)
        if eid not in seen:
            seen.add(eid)
            data = event.get('data') or {}
            who = ('device %s' % event['device_id'] if event.get('device_id')
                   else 'class %s' % data.get('product_class', '?'))
            detail = data.get('to_state') or data.get('result') or ''
            say('event %d %s %s%s (signature ok)' % (
                eid, etype, who, ' -> ' + detail if detail else ''))
        self.answer(200)

    def log_message(self, *args):
        pass


HTTPServer(('127.0.0.1', port), Receiver).serve_forever()
