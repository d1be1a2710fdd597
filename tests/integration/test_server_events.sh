#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Events (issue 13 point 3, docs/operations.md "Events") with a real
# maydayd, real SQLite and a webhook receiver stand-in (python3's
# http.server on loopback) that checks each body's HMAC-SHA256 signature
# and records the event ids it accepts. Three devices' indications open
# three incidents while the receiver is down: the events are committed with
# the incidents, delivery fails and backs off, syslog (the daemon's log)
# has each once. maydayd is killed with SIGKILL, the receiver started,
# maydayd started again: every event of the outbox arrives, signed, in id
# order, none lost (duplicates by id would be allowed; the receiver keeps
# the first), and syslog does not log them a second time. Waits poll with
# generous bounds, so a busy machine only makes it slower.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/test_server_common.sh"
command -v python3 >/dev/null || fail "python3 missing"

for d in hnb-1 hnb-2 hnb-3; do enrol $d; done
(umask 077 && head -c 32 /dev/urandom | od -An -tx1 -v | tr -d ' \n' > "$work/events.key")
rport=$("$here/../../scripts/free-port.sh" tcp)
hook="http://127.0.0.1:$rport/hook"
events="[events]
webhook_1 = $hook
secret_file = $work/events.key
syslog = yes
retry_min_ms = 50
retry_max_ms = 400"

# the receiver: 200 and one line "ID TYPE" per correctly signed POST, 401 otherwise
cat > "$work/receiver.py" <<'PY'
import hashlib, hmac, sys
from http.server import BaseHTTPRequestHandler, HTTPServer
key = open(sys.argv[2], 'rb').read().strip()
class H(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers['Content-Length']))
        want = 'sha256=' + hmac.new(key, body, hashlib.sha256).hexdigest()
        ok = hmac.compare_digest(want, self.headers.get('X-Mayday-Signature', ''))
        with open(sys.argv[3], 'a') as f:
            f.write('%s %s\n' % (self.headers.get('X-Mayday-Event-Id'), 'ok' if ok else 'bad'))
        self.send_response(200 if ok else 401)
        self.send_header('Content-Length', '0')
        self.end_headers()
    def log_message(self, *a):
        pass
HTTPServer(('127.0.0.1', int(sys.argv[1])), H).serve_forever()
PY

# wait_for CMD...: polls for up to 60 s
wait_for() {
  for _ in $(seq 600); do
    "$@" && return 0
    sleep 0.1
  done
  return 1
}
n_events() { q "SELECT count(*) FROM events"; }
cursor_is() { [ "$(cursor "$1")" = "$2" ]; }
cursor() { q "SELECT coalesce((SELECT delivered_up_to FROM event_cursors WHERE endpoint = '$1'), 0)"; }

start_daemon "" "$events"
grep -q 'events: delivering to 2 consumer(s)' "$work/maydayd.log" || fail "delivery did not start"
for d in hnb-1 hnb-2 hnb-3; do
  "$itool" udp --port "$port" --in "$(sign $d 1 1)" --hems-pub "$work/hems.pub" --wait-ms 10000 \
    >/dev/null || fail "$d: no ack"
done
[ "$(q "SELECT count(*) FROM events WHERE type = 'incident.opened'")" = 3 ] ||
  fail "3 incidents, $(q "SELECT count(*) FROM events WHERE type = 'incident.opened'") events"
[ "$(q "SELECT count(*) FROM events e JOIN incidents i ON i.device_id = e.device_id
        WHERE e.type = 'incident.opened' AND json_extract(e.payload, '$.incident_id') = i.id")" = 3 ] ||
  fail "the events do not name their incidents"
total=$(n_events)
last=$(q "SELECT max(id) FROM events")
# committed, not delivered: the webhook is down and backing off
wait_for grep -q "events: $hook did not take event" "$work/maydayd.log" || fail "no failed delivery"
wait_for cursor_is syslog "$last" || fail "syslog cursor $(cursor syslog), want $last"
[ "$(grep -c ': event [0-9]* incident.opened: ' "$work/maydayd.log")" = 3 ] ||
  fail "syslog: not one line per event"
[ "$(cursor "$hook")" = 0 ] || fail "the webhook's cursor moved with the receiver down"

kill -KILL "$daemon_pid"
wait "$daemon_pid" 2>/dev/null || true
daemon_pid=
[ "$(n_events)" = "$total" ] || fail "events lost with the daemon"

python3 -B "$work/receiver.py" "$rport" "$work/events.key" "$work/received" &
bg_pids="$bg_pids $!"
start_daemon "" "$events"
wait_for cursor_is "$hook" "$last" || fail "webhook cursor $(cursor "$hook"), want $last"
grep -q ' bad$' "$work/received" && fail "a badly signed POST: $(cat "$work/received")"
# every event of the outbox at the receiver, once per id, first seen in id order
got=$(awk '!seen[$1]++ { print $1 }' "$work/received" | tr '\n' ' ')
want=$(q "SELECT id FROM events ORDER BY id" | tr '\n' ' ')
[ "$got" = "$want" ] || fail "received '$got', outbox '$want'"
[ "$(grep -c ': event [0-9]* ' "$work/maydayd.log")" = 0 ] || fail "syslog logged an event twice"
alive
stop_daemon
echo "PASS: $total events committed before SIGKILL, delivered after restart once each (ids $want)"
