#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The fleet anomaly (docs/operations.md "The fleet view") with a real
# maydayd, real maydayctl and srv_itool as the devices: [fleet]
# class.femto-it = 3/40 pause. Two devices reporting the same failed
# component (rootfs.img) find nothing; the third makes one finding: one
# notice line, one fleet_anomalies row, remediation of the class paused. A
# fourth device within the window adds nothing (once per class, component
# and window). maydayctl fleet shows the group. The sweep runs every 10 s
# (a quarter of the window); every wait polls with a generous bound.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/test_server_common.sh"
command -v jq >/dev/null || fail "jq missing"

for d in hnb-1 hnb-2 hnb-3 hnb-4; do enrol $d; done
start_daemon "" "[fleet]
class.femto-it = 3/40 pause"
grep -q 'fleet: anomaly rules for 1 product classes; evaluated every 10s' "$work/maydayd.log" ||
  fail "the fleet sweeper did not start"

send() {
  local f
  f=$(sign "$1" 1 1)
  "$itool" udp --port "$port" --in "$f" --hems-pub "$work/hems.pub" --wait-ms 10000 >/dev/null ||
    fail "indication of $1 not answered"
}
lines() { grep -c 'fleet: anomaly [0-9]*: ' "$work/maydayd.log"; }
paused() { "$ctl" -d "$store" --json classes | jq -r '.[] | select(.product_class == "femto-it") | .paused'; }

send hnb-1
send hnb-2
# A full sweep period and more with two devices: nothing.
sleep 12
alive
[ "$(lines)" = 0 ] || fail "an anomaly with two devices"
[ "$(q 'SELECT count(*) FROM fleet_anomalies')" = 0 ] || fail "a row with two devices"
[ "$(paused)" = false ] || fail "femto-it paused with two devices"

send hnb-3
for _ in $(seq 600); do
  [ "$(lines)" != 0 ] && break
  sleep 0.1
done
[ "$(lines)" = 1 ] || fail "no anomaly line after 60 s"
grep -q 'notice: fleet: anomaly [0-9]*: 3 devices of class femto-it report failed component rootfs.img within 40s (threshold 3); remediation of the class paused' \
  "$work/maydayd.log" || fail "the anomaly line: $(grep 'fleet: anomaly' "$work/maydayd.log")"
[ "$(q "SELECT count(*) FROM fleet_anomalies WHERE product_class = 'femto-it'
        AND component = 'rootfs.img' AND devices = 3 AND paused = 1")" = 1 ] ||
  fail "fleet_anomalies: $(q 'SELECT * FROM fleet_anomalies')"
[ "$(paused)" = true ] || fail "femto-it not paused"
# The finding is an outbox event too, written in the same transaction.
[ "$(q "SELECT count(*) FROM events WHERE type = 'fleet.anomaly'
        AND json_extract(payload, '$.component') = 'rootfs.img'")" = 1 ] ||
  fail "fleet.anomaly events: $(q "SELECT * FROM events WHERE type LIKE 'fleet.%'")"

# Once per window: a fourth device and another sweep add nothing.
send hnb-4
sleep 12
alive
[ "$(lines)" = 1 ] || fail "$(lines) anomaly lines"
[ "$(q 'SELECT count(*) FROM fleet_anomalies')" = 1 ] || fail "more than one row"
[ "$(q "SELECT count(*) FROM events WHERE type = 'fleet.anomaly'")" = 1 ] || fail "more than one fleet.anomaly event"
[ "$(q "SELECT count(*) FROM remediation_class_events WHERE kind = 'paused'")" = 1 ] ||
  fail "paused more than once"

# The operator's view of the same.
"$ctl" -d "$store" --json fleet --by component --since 1h > "$work/fleet.json" || fail "maydayctl fleet"
[ "$(jq -r '.[0].component + " " + (.[0].devices | tostring)' "$work/fleet.json")" = "rootfs.img 4" ] ||
  fail "maydayctl fleet: $(cat "$work/fleet.json")"
"$ctl" -d "$store" --json fleet --by digest > "$work/digest.json" || fail "maydayctl fleet --by digest"
[ "$(jq -r '.[0].component + " " + .[0].measured_digest + " " + (.[0].indications | tostring)' \
      "$work/digest.json")" = "rootfs.img $(printf 'bb%.0s' $(seq 32)) 4" ] ||
  fail "maydayctl fleet --by digest: $(cat "$work/digest.json")"
# Distress over time: every signed indication in its UTC hour, the newest
# hour first (the sends may straddle an hour: the sum is what must match).
"$ctl" -d "$store" --json fleet --by hour > "$work/hour.json" || fail "maydayctl fleet --by hour"
newest=$(q "SELECT strftime('%Y-%m-%dT%H:00:00Z', max(received_at), 'unixepoch') FROM indications WHERE trust = 'signed'")
signed=$(q "SELECT count(*) FROM indications WHERE trust = 'signed'")
[ "$(jq -r '.[0].hour + " " + ([.[].indications] | add | tostring)' "$work/hour.json")" = "$newest $signed" ] ||
  fail "maydayctl fleet --by hour: $(cat "$work/hour.json"), want $newest first, $signed in all"
rc=0; "$ctl" -d "$store" fleet --since 1x >/dev/null 2>&1 || rc=$?
[ $rc = 2 ] || fail "--since 1x: exit $rc, not a usage error"
rc=0; "$ctl" -d "$store" fleet --by device >/dev/null 2>&1 || rc=$?
[ $rc = 2 ] || fail "--by device: exit $rc, not a usage error"
rc=0; "$ctl" -d "$store" fleet --limit 0 >/dev/null 2>&1 || rc=$?
[ $rc = 2 ] || fail "--limit 0: exit $rc, not a usage error"
ctlw resume femto-it >/dev/null || fail "resume"
[ "$(paused)" = false ] || fail "resume did not lift the pause"
stop_daemon
echo "ok"
