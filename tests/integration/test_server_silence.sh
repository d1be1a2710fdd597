#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Silence (DESIGN §6, docs/operations.md "Silence") with a real maydayd, real
# maydayctl, curl over mTLS as the device and acs_itool for the envelopes:
# a device heard once by a periodic CWMP Inform and one heard once by a
# signed distress indication both go silent and become unreachable; so does
# a device enrolled and never heard from; a device of a class with a long
# interval stays healthy. Each move is an incident event and one notice
# line; maydayctl shows last seen; /metrics counts them. An unverified
# indication naming a silent device brings nothing back; an Inform brings
# its device back (healthy, silence incident closed), a new signed
# indication its device (in distress again). The interval is 2 s and every
# wait polls with a generous bound, so a busy machine only makes it slower.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/test_server_common.sh"
command -v curl >/dev/null || fail "curl missing"
command -v jq >/dev/null || fail "jq missing"
acs=$build/tests/acs_itool
[ -x "$acs" ] || fail "missing $acs"

make_ca opca "mayday test operator CA"
issue server opca "/CN=hems.mayday.test" serverAuth 30 "DNS:hems.mayday.test,IP:127.0.0.1"
for d in hnb-1 hnb-2 hnb-3; do issue $d opca "/O=operator/CN=$d" clientAuth 30; done
for d in hnb-1 hnb-2 hnb-3; do enrol $d; done
# hnb-5: a class whose interval is an hour
ec_key "$work/hnb-5.key"
openssl pkey -in "$work/hnb-5.key" -pubout -out "$work/hnb-5.pub" 2>/dev/null
"$ctl" -d "$store" enrol --device hnb-5 --class femto-long --pubkey "$work/hnb-5.pub" >/dev/null ||
  fail "enrol hnb-5"
mkdir "$work/bundles"

aport=$("$here/../../scripts/free-port.sh" tcp)
start_daemon "" "[https]
listen = 127.0.0.1:$aport
cert = $work/server.pem
key = $work/server.key
ca = $work/opca.pem

[acs]
url = https://127.0.0.1:$aport/cwmp
bundle_dir = $work/bundles

[silence]
default = 2
class.femto-long = 3600

[admin]
listen = 127.0.0.1:0"
base="https://127.0.0.1:$aport"
admin_port=$(listen_port admin)
[ -n "$admin_port" ] || fail "no admin port in the log"
grep -q 'silence: devices unheard for 2s (class overrides: 1) become unreachable; swept every 1s' \
  "$work/maydayd.log" || fail "the sweeper did not start"
: > "$work/empty"

# wait_state ID STATE: polls for up to 60 s
wait_state() {
  for _ in $(seq 600); do
    [ "$(state "$1")" = "$2" ] && return 0
    sleep 0.1
  done
  fail "$1 is $(state "$1") after 60 s, expected $2"
}
seen_s() { "$ctl" -d "$store" --json show "$1" | jq -r .device.last_seen_s; }
events() { q "SELECT count(*) FROM incident_events e JOIN incidents i ON i.id = e.incident_id
              WHERE i.device_id = '$1' AND e.kind = '$2' $3"; }
inform() {
  rm -f "$work/$1.jar"
  "$acs" inform "$1" "2 PERIODIC" > "$work/inform-$1"
  [ "$(cwmp "$1" "$work/inform-$1")" = 200 ] && [ "$(kind)" = InformResponse ] ||
    fail "Inform of $1: $(tail -1 "$work/curl.err")"
  [ "$(cwmp "$1" "$work/empty")" = 204 ] || fail "empty POST of $1"
}
distress() {
  local ind
  ind=$(sign "$1" "$2" 3)
  [ "$(tls "$1" -H 'Content-Type: application/cose' --data-binary @"$ind" "$base/v1/distress")" = 200 ] ||
    fail "distress of $1: $(tail -1 "$work/curl.err")"
}

# ---- contact: a periodic Inform, a signed indication ----------------------------------------
[ "$(seen_s hnb-1)" = null ] || fail "hnb-1 seen before it said anything"
t0=$(date +%s)
inform hnb-1
distress hnb-2 1
for d in hnb-1 hnb-2; do
  s=$(seen_s $d)
  [ "$s" != null ] && [ "$s" -ge "$t0" ] || fail "$d last seen '$s', expected at least $t0"
done
[ "$(seen_s hnb-3)" = null ] || fail "hnb-3 seen"

# ---- silence: all three unreachable; the long class not -------------------------------------
# (A device may already have been silent once, from its enrolment, by the time
# the daemon started on a busy machine: the checks hold either way.)
for d in hnb-1 hnb-2 hnb-3; do wait_state $d unreachable; done
latest_silent() { q "SELECT e.from_state || ' ' || (e.at >= $2) FROM incident_events e JOIN incidents i
                     ON i.id = e.incident_id WHERE i.device_id = '$1' AND e.kind = 'silent'
                     ORDER BY e.id DESC LIMIT 1"; }
[ "$(latest_silent hnb-1 "$t0")" = "healthy 1" ] || fail "hnb-1: silent event $(latest_silent hnb-1 "$t0")"
case "$(latest_silent hnb-2 "$t0")" in
  "in_distress 1"|"remediation_scheduled 1") ;;
  *) fail "hnb-2: silent event $(latest_silent hnb-2 "$t0")" ;;
esac
[ "$(events hnb-3 silent "")" = 1 ] || fail "hnb-3: not one silent event"
[ "$(q "SELECT count(*) FROM incidents WHERE device_id = 'hnb-3' AND state = 'unreachable'
        AND closed_at IS NULL")" = 1 ] || fail "hnb-3: no open silence incident"
# More sweeps (one a second) move nobody twice and log nothing again: one
# notice line per silent event.
sleep 3
for d in hnb-1 hnb-2 hnb-3; do
  n=$(events $d silent "")
  [ "$(grep -c "notice: silence: device $d (class femto-it) unreachable" "$work/maydayd.log")" = "$n" ] ||
    fail "$d: not one notice line per move ($n): $(grep "silence: device $d" "$work/maydayd.log")"
  [ "$(state $d)" = unreachable ] || fail "$d: $(state $d) while silent"
done
[ "$(events hnb-3 silent "")" = 1 ] || fail "hnb-3 moved twice"
[ "$(state hnb-5)" = healthy ] || fail "hnb-5 (an hour's interval) is $(state hnb-5)"

# ---- what operators see ------------------------------------------------------------------------
"$ctl" -d "$store" devices > "$work/devices.txt" || fail "maydayctl devices"
head -1 "$work/devices.txt" | grep -q 'LAST SEEN$' || fail "no LAST SEEN column: $(head -1 "$work/devices.txt")"
grep -q '^hnb-3 .* unreachable .* never$' "$work/devices.txt" || fail "hnb-3 row: $(cat "$work/devices.txt")"
grep -Eq '^hnb-1 .* unreachable .* [0-9]+s ago$' "$work/devices.txt" || fail "hnb-1 row: $(cat "$work/devices.txt")"
"$ctl" -d "$store" show hnb-1 | grep -q '^  last seen 20.*Z (.* ago)$' || fail "show: no last seen"
"$ctl" -d "$store" show hnb-3 | grep -q '^  last seen never' || fail "show hnb-3: not never"
[ "$("$ctl" -d "$store" --json devices | jq -r '[.[] | select(.state == "unreachable")] | length')" = 3 ] ||
  fail "--json devices"
curl -sS --max-time 10 "http://127.0.0.1:$admin_port/metrics" > "$work/metrics" || fail "scrape"
grep -qx 'maydayd_devices{state="unreachable"} 3' "$work/metrics" || fail "metrics: $(grep devices "$work/metrics")"
grep -qx 'maydayd_devices{state="healthy"} 1' "$work/metrics" || fail "metrics: $(grep devices "$work/metrics")"
awk -f "$here/check_metrics.awk" "$work/metrics" || fail "metrics format"

# ---- an unverified indication is no contact -------------------------------------------------------
ec_key "$work/forger.key"
"$itool" sign --key "$work/forger.key" --device hnb-3 --counter 7 --transport 3 --out "$work/forged.cose" ||
  fail "sign forged"
tls hnb-3 -H 'Content-Type: application/cose' --data-binary @"$work/forged.cose" "$base/v1/distress" >/dev/null
[ "$(q "SELECT count(*) FROM indications WHERE device_id = 'hnb-3' AND trust = 'unverified'")" = 1 ] ||
  fail "the forged indication was not recorded unverified"
[ "$(state hnb-3)" = unreachable ] && [ "$(seen_s hnb-3)" = null ] || fail "a forgery brought hnb-3 back"
[ "$(events hnb-3 heard "")" = 0 ] || fail "hnb-3 heard from by a forgery"

# ---- back: an Inform, a signed indication ------------------------------------------------------
# (The 2 s interval may make them silent again at once: the history and the
# log say what happened, whatever the state by the time we look.)
t1=$(date +%s)
inform hnb-1
[ "$(events hnb-1 heard "AND e.from_state = 'unreachable' AND e.to_state = 'healthy' AND e.at >= $t1")" = 1 ] ||
  fail "hnb-1: no heard event"
[ "$(q "SELECT count(*) FROM incidents WHERE device_id = 'hnb-1' AND closed_at >= $t1
        AND state = 'healthy'")" = 1 ] || fail "hnb-1: its silence incident was not closed"
grep -q 'notice: silence: device hnb-1 heard from again (CWMP Inform): healthy' "$work/maydayd.log" ||
  fail "hnb-1: no notice of its return"
left=$(latest_silent hnb-2 0)
left=${left% *}
distress hnb-2 2
[ "$(events hnb-2 heard "AND e.to_state = '$left' AND e.at >= $t1")" = 1 ] ||
  fail "hnb-2: no heard event back to the state it left ($left)"
[ "$(q "SELECT count(*) FROM incidents WHERE device_id = 'hnb-2'")" = 1 ] ||
  fail "hnb-2: its report opened another incident"
grep -q 'notice: silence: device hnb-2 heard from again (distress indication)' "$work/maydayd.log" ||
  fail "hnb-2: no notice of its return"

# ---- a restart keeps it: unreachable stays, nothing is logged again ----------------------------------
stop_daemon
start_daemon "" "[https]
listen = 127.0.0.1:$aport
cert = $work/server.pem
key = $work/server.key
ca = $work/opca.pem

[acs]
url = https://127.0.0.1:$aport/cwmp
bundle_dir = $work/bundles

[silence]
default = 2
class.femto-long = 3600"
sleep 2
[ "$(state hnb-3)" = unreachable ] || fail "hnb-3 after a restart: $(state hnb-3)"
grep -q "silence: device hnb-3" "$work/maydayd.log" && fail "hnb-3 moved again after a restart"
# each move is in the outbox (docs/operations.md "Events") with the state it left
[ "$(q "SELECT count(*) FROM events WHERE type = 'device.unreachable' AND device_id = 'hnb-3'
       AND json_extract(payload, '\$.to_state') = 'unreachable'")" = 1 ] ||
  fail "hnb-3's unreachable event: $(q "SELECT type, device_id, payload FROM events")"
[ "$(q "SELECT count(*) FROM events WHERE type = 'device.reachable'")" -ge 1 ] ||
  fail "no device.reachable event: $(q "SELECT type, device_id FROM events")"
[ "$(q "SELECT count(*) FROM events WHERE type = 'device.unreachable' AND device_id = 'hnb-5'")" = 0 ] ||
  fail "hnb-5 (an hour's interval) has an unreachable event"
stop_daemon
echo "ok: silence -> unreachable (Inform, distress, never heard), back by contact, not by a forgery"
