#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Distress as VES 7.2 faults (issue 13 point 4, docs/operations.md "VES
# faults") with a real maydayd, real SQLite, curl over mTLS as the CPE,
# srv_itool as a device over UDP, and a VES collector stand-in (python3's
# http.server on loopback, HTTP Basic authentication, answering 500 to its
# first POST and every fourth one, 202 otherwise, so retries happen).
#   deviceDistress:    hnb-1's signed indication opens an incident
#                      (CRITICAL), remediation is scheduled and pushed
#                      (MAJOR), the new image boots: recovered (NORMAL).
#   fleetAnomaly:      hnb-1 and hnb-2 report the same failed component:
#                      [fleet] class.femto-it = 2/20 finds it (CRITICAL);
#                      maydayctl resume femto-it clears it (NORMAL).
#   deviceUnreachable: hnb-3 (class femto-quiet, [silence] 2 s) is never
#                      heard from (MAJOR); its periodic Inform brings it
#                      back (NORMAL).
# Batches of 4 first ({"eventList":..} to .../eventBatch), then a second
# collector resource with batch 1 (one {"event":..} per POST) gets the whole
# outbox again from its own cursor. Every event the collector took validates
# against the vendored schema (tests/data/ves, draft-04); each fault the
# outbox holds arrives once per eventId; every raise has its NORMAL clear
# with the same alarmCondition and sourceName. Waits poll with generous
# bounds, so a busy machine only makes it slower.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/test_server_common.sh"
command -v curl >/dev/null || fail "curl missing"
command -v jq >/dev/null || fail "jq missing"
python3 -c 'import jsonschema' 2>/dev/null || fail "python3-jsonschema missing (scripts/deps.sh)"
acs=$build/tests/acs_itool
[ -x "$acs" ] || fail "missing $acs"
schema=$here/../data/ves/CommonEventFormat_30.2.1_ONAP.json
[ -f "$schema" ] || fail "missing $schema"

make_ca opca "mayday test operator CA"
issue server opca "/CN=hems.mayday.test" serverAuth 30 "DNS:hems.mayday.test,IP:127.0.0.1"
for d in hnb-1 hnb-2; do enrol $d; done
ec_key "$work/hnb-3.key"
openssl pkey -in "$work/hnb-3.key" -pubout -out "$work/hnb-3.pub" 2>/dev/null
issue hnb-1 opca "/O=operator/CN=hnb-1" clientAuth 30
issue hnb-3 opca "/O=operator/CN=hnb-3" clientAuth 30
"$ctl" -d "$store" enrol --device hnb-3 --class femto-quiet --pubkey "$work/hnb-3.pub" >/dev/null ||
  fail "enrol hnb-3"
mkdir "$work/bundles"
head -c 4096 /dev/urandom > "$work/bundles/femto-it.bundle"
printf 'ves-secret-%s\n' "$RANDOM" > "$work/ves.password"
chmod 600 "$work/ves.password"

# ---- the collector stand-in -------------------------------------------------------------------
cport=$("$here/../../scripts/free-port.sh" tcp)
cat > "$work/collector.py" <<'PY'
import base64, json, sys
from http.server import BaseHTTPRequestHandler, HTTPServer
port, log, user, pwfile = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
pw = open(pwfile).read().rstrip('\n')
want = 'Basic ' + base64.b64encode(('%s:%s' % (user, pw)).encode()).decode()
n = 0
class H(BaseHTTPRequestHandler):
    def do_POST(self):
        global n
        n += 1
        body = self.rfile.read(int(self.headers['Content-Length']))
        if self.headers.get('Authorization') != want:
            code = 401
        elif self.headers.get('Content-Type') != 'application/json':
            code = 415
        else:
            code = 500 if n == 1 or n % 4 == 0 else 202
        with open(log, 'a') as f:
            f.write(json.dumps({'n': n, 'path': self.path, 'code': code,
                                'body': body.decode('utf-8')}) + '\n')
        self.send_response(code)
        self.send_header('Content-Length', '0')
        self.end_headers()
    def log_message(self, *a):
        pass
HTTPServer(('127.0.0.1', port), H).serve_forever()
PY
python3 -B "$work/collector.py" "$cport" "$work/received" mayday "$work/ves.password" &
bg_pids="$bg_pids $!"

# ---- the checks of what the collector took ----------------------------------------------------
# check.py SCHEMA RECEIVED PATH MODE LAST EXPECTED_IDS...: every POST to PATH
# validates and has the mode's shape ("batch": eventList, "single": event);
# of the events up to outbox id LAST (hnb-3 may go silent again meanwhile),
# the eventIds taken are the expected ones, once each, and each of the three
# alarms is raised and later cleared (NORMAL) with the same alarmCondition
# and sourceName; at least one POST was answered 500 and its events taken
# later.
cat > "$work/check.py" <<'PY'
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
root = jsonschema.Draft4Validator(schema)
event_v = jsonschema.Draft4Validator({'$ref': '#/definitions/event',
                                      'definitions': schema['definitions']})
path, mode, last, want = sys.argv[3], sys.argv[4], int(sys.argv[5]), set(sys.argv[6:])
def fail(msg):
    print('FAIL: ' + msg, file=sys.stderr)
    sys.exit(1)
posts = [json.loads(l) for l in open(sys.argv[2])]
posts = [p for p in posts if p['path'] == path]
if any(p['code'] in (401, 415) for p in posts):
    fail('a POST without the credentials or JSON: %r' % [p for p in posts if p['code'] in (401, 415)][:1])
taken, refused = [], set()
for p in posts:
    body = json.loads(p['body'])
    errs = sorted(root.iter_errors(body), key=str)
    if errs:
        fail('POST %d does not validate: %s' % (p['n'], errs[0].message))
    if mode == 'batch':
        if list(body) != ['eventList'] or not 1 <= len(body['eventList']) <= 4:
            fail('POST %d is not a batch of 1..4: %s' % (p['n'], p['body'][:200]))
        events = body['eventList']
    else:
        if list(body) != ['event']:
            fail('POST %d is not one event: %s' % (p['n'], p['body'][:200]))
        events = [body['event']]
    for e in events:
        errs = list(event_v.iter_errors(e))
        if errs:
            fail('an event of POST %d does not validate: %s' % (p['n'], errs[0].message))
        h = e['commonEventHeader']
        if h['domain'] != 'fault' or 'faultFields' not in e:
            fail('not a fault: %r' % h)
    events = [e for e in events if e['commonEventHeader']['sequence'] <= last]
    ids = [e['commonEventHeader']['eventId'] for e in events]
    if p['code'] // 100 == 2:
        taken.extend(events)
    else:
        refused.update(ids)
ids = [e['commonEventHeader']['eventId'] for e in taken]
dups = set(i for i in ids if ids.count(i) > 1)
if dups:
    fail('taken more than once: %s' % sorted(dups))
if set(ids) != want:
    fail('taken %s, the outbox has %s' % (sorted(ids), sorted(want)))
if not refused:
    fail('the collector refused nothing: the retry was not exercised')
if not refused <= set(ids):
    fail('refused and never taken later: %s' % sorted(refused - set(ids)))
alarms = {}
for e in sorted(taken, key=lambda e: e['commonEventHeader']['sequence']):
    f = e['faultFields']
    alarms.setdefault((f['alarmCondition'], e['commonEventHeader']['sourceName']), []).append(
        (f['eventSeverity'], f['specificProblem']))
need = [('deviceDistress', 'hnb-1'), ('deviceUnreachable', 'hnb-3'), ('fleetAnomaly', 'femto-it')]
for k in need:
    seq = [s for s, _ in alarms.get(k, [])]
    if not seq or seq[0] == 'NORMAL' or 'NORMAL' not in seq:
        fail('%s on %s: not a raise then its clear: %r' % (k[0], k[1], seq))
d = alarms[('deviceDistress', 'hnb-1')]
if d[0] != ('CRITICAL', 'component-mismatch: component rootfs.img'):
    fail('hnb-1 raised as %r' % (d[0],))
if 'MAJOR' not in [s for s, _ in d] or len(set(p for _, p in d)) != 1:
    fail('hnb-1 not MAJOR under remediation, or its problem changed: %r' % d)
print('%d POSTs to %s (%d refused), %d faults taken; %s' % (
    len(posts), path, sum(1 for p in posts if p['code'] // 100 != 2), len(taken),
    '; '.join('%s/%s %s' % (k[0], k[1], '>'.join(s for s, _ in v)) for k, v in sorted(alarms.items()))))
PY

# wait_for CMD...: polls for up to 60 s
wait_for() {
  for _ in $(seq 600); do
    "$@" && return 0
    sleep 0.1
  done
  return 1
}
state_is() { [ "$(state "$1")" = "$2" ]; }
cursor() { q "SELECT coalesce((SELECT delivered_up_to FROM event_cursors WHERE endpoint = '$1'), 0)"; }
cursor_is() { [ "$(cursor "$1")" = "$2" ]; }
# faults LAST: the outbox's faults up to id LAST, as srv_ves maps them
# (docs/operations.md "VES faults")
faults() {
  q "SELECT 'mayday-' || id FROM events WHERE id <= $1 AND ((type IN ('incident.opened', 'incident.state_changed')
       AND json_extract(payload, '$.to_state') IN ('in_distress', 'remediation_scheduled',
       'remediation_in_progress', 'installed', 'remediation_failed', 'recovered', 'resolved', 'healthy'))
       OR type IN ('device.unreachable', 'device.reachable', 'fleet.anomaly', 'class.resumed'))
     ORDER BY id"
}

aport=$("$here/../../scripts/free-port.sh" tcp)
conf() {
  echo "[https]
listen = 127.0.0.1:$aport
cert = $work/server.pem
key = $work/server.key
ca = $work/opca.pem

[acs]
url = https://127.0.0.1:$aport/cwmp
bundle_dir = $work/bundles

[silence]
default = 0
$3

[fleet]
class.femto-it = 2/20

[events]
retry_min_ms = 50
retry_max_ms = 400

[ves]
collector = $1
$2
username = mayday
password_file = $work/ves.password
reporting_entity = hems-it"
}
collector="http://127.0.0.1:$cport/eventListener/v7"
start_daemon "" "$(conf "$collector" "batch = 4" "class.femto-quiet = 2")"
base="https://127.0.0.1:$aport"
grep -q "ves: faults to $collector as hems-it, 4 per POST, Basic auth" "$work/maydayd.log" ||
  fail "VES delivery did not start"
: > "$work/empty"

# ---- deviceUnreachable: hnb-3 is never heard from, then Informs -------------------------------
wait_for state_is hnb-3 unreachable || fail "hnb-3 is $(state hnb-3), not unreachable"

# ---- deviceDistress and fleetAnomaly: two devices report rootfs.img ---------------------------
ind=$(sign hnb-1 1 3)
[ "$(tls hnb-1 -H 'Content-Type: application/cose' --data-binary @"$ind" "$base/v1/distress")" = 200 ] ||
  fail "distress of hnb-1: $(tail -1 "$work/curl.err")"
"$itool" udp --port "$port" --in "$(sign hnb-2 1 1)" --hems-pub "$work/hems.pub" --wait-ms 10000 \
  >/dev/null || fail "hnb-2: no ack"
state_is hnb-1 remediation_scheduled || fail "hnb-1 is $(state hnb-1)"
wait_for grep -q 'fleet: anomaly [0-9]*: 2 devices of class femto-it' "$work/maydayd.log" ||
  fail "no fleet anomaly"

# hnb-3 back: a periodic Inform over its certificate
"$acs" inform hnb-3 "2 PERIODIC" > "$work/inform-3"
[ "$(cwmp hnb-3 "$work/inform-3")" = 200 ] && [ "$(kind)" = InformResponse ] ||
  fail "Inform of hnb-3: $(tail -1 "$work/curl.err")"
[ "$(cwmp hnb-3 "$work/empty")" = 204 ] || fail "empty POST of hnb-3"
# (its state, not checked: 2 s later it may be silent again)
[ "$(q "SELECT count(*) FROM events WHERE type = 'device.reachable' AND device_id = 'hnb-3'")" -ge 1 ] ||
  fail "hnb-3's Inform did not bring it back"

# hnb-1's remediation: Download pushed, the new image boots and reports
"$acs" inform hnb-1 "X A1B2C3 DISTRESS" > "$work/inform"
[ "$(cwmp hnb-1 "$work/inform")" = 200 ] && [ "$(kind)" = InformResponse ] || fail "Inform of hnb-1"
[ "$(cwmp hnb-1 "$work/empty")" = 200 ] && [ "$(kind)" = GetParameterValues ] || fail "expected GPV: $(kind)"
"$acs" gpvr 100000000 200000000 > "$work/gpvr"
[ "$(cwmp hnb-1 "$work/gpvr")" = 200 ] && [ "$(kind)" = Download ] || fail "expected Download: $(kind)"
key=$(field key)
"$acs" dlr > "$work/dlr"
[ "$(cwmp hnb-1 "$work/dlr")" = 204 ] || fail "DownloadResponse"
state_is hnb-1 remediation_in_progress || fail "hnb-1 is $(state hnb-1)"
rm -f "$work/hnb-1.jar"
"$acs" inform hnb-1 "1 BOOT" "7 TRANSFER COMPLETE" "M Download" > "$work/inform-boot"
"$acs" tc "$key" 0 > "$work/tc"
[ "$(cwmp hnb-1 "$work/inform-boot")" = 200 ] && [ "$(kind)" = InformResponse ] || fail "BOOT Inform"
[ "$(cwmp hnb-1 "$work/tc")" = 200 ] && [ "$(kind)" = TransferCompleteResponse ] ||
  fail "TransferComplete answered with $(kind)"
state_is hnb-1 healthy || fail "hnb-1 is $(state hnb-1) after the new image booted"

# the operator resumes the class: the fleet anomaly clears
"$ctl" --socket "$work/api.sock" resume femto-it >/dev/null || fail "maydayctl resume"

# ---- batches: everything arrives, once per eventId ---------------------------------------------
last=$(q "SELECT max(id) FROM events")
wait_for cursor_is "ves:$collector" "$last" ||
  fail "VES cursor $(cursor "ves:$collector"), want $last"
grep -q "events: ves:$collector did not take event" "$work/maydayd.log" || fail "no failed POST logged"
alive
# shellcheck disable=SC2046
python3 -B "$work/check.py" "$schema" "$work/received" /eventListener/v7/eventBatch batch \
  "$last" $(faults "$last") || fail "batches"
stop_daemon
# hnb-3 may have gone silent again since; from here on nothing changes
last=$(q "SELECT max(id) FROM events")

# ---- one event per POST, from a cursor of its own ----------------------------------------------
single="http://127.0.0.1:$cport/single/eventListener/v7"
start_daemon "" "$(conf "$single" "" "")"
wait_for cursor_is "ves:$single" "$last" || fail "VES cursor $(cursor "ves:$single"), want $last"
alive
# shellcheck disable=SC2046
python3 -B "$work/check.py" "$schema" "$work/received" /single/eventListener/v7 single \
  "$last" $(faults "$last") || fail "single events"
stop_daemon
echo "PASS: $(faults "$last" | wc -l) faults of $last outbox events, in batches and one by one, schema-valid, raised and cleared"
