#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The counter rule (protocol.md §6.1), one for every method: a signed
# indication is accepted only above the highest counter maydayd accepted for
# its device; an identical retransmission gets its stored answer again;
# anything else is answered rejected, stored nowhere, moves no state, and is
# counted and logged.
#
# First the replay after a recovery: a device signs counter 1, which an
# attacker captures and keeps from maydayd; the device goes on with counter
# 2 over TLS, is remediated through the ACS (curl as the CPE over mTLS,
# acs_itool making the envelopes) and recovers. The captured counter 1,
# replayed over plain UDP, plain HTTP and TLS, must leave it healthy: answered
# rejected, never remediate, no row, no incident. The retransmission of
# counter 2 gets its stored answer, without remediate either.
# Then, per method (plain UDP, plain HTTP, TLS with mTLS, PSK): a counter
# below the highest accepted one is refused and changes nothing, other
# claims under a stored counter too, and the identical retransmission gets
# the same ack.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/test_server_common.sh"
for c in curl jq; do command -v $c >/dev/null || fail "$c missing"; done
acs=$build/tests/acs_itool
[ -x "$acs" ] || fail "missing $acs"

KID=a0b1c2d3e4f50617
PSK=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
make_ca opca "mayday test operator CA"
issue server opca "/CN=hems.mayday.test" serverAuth 30 "DNS:hems.mayday.test,IP:127.0.0.1"
for d in hnb-r udp-1 http-1 tls-1 psk-1; do
  enrol $d
  issue $d opca "/O=operator/CN=$d" clientAuth 30
done
"$itool" enrol-psk --db "$store" --kek "$work/psk.kek" --device psk-1 --kid "$KID" --psk "$PSK" || fail "enrol-psk"
mkdir "$work/bundles"
head -c 4096 /dev/urandom > "$work/bundles/femto-it.bundle"

aport=$("$here/../../scripts/free-port.sh" tcp)
start_daemon "" "[http]
listen = 127.0.0.1:0

[https]
listen = 127.0.0.1:$aport
cert = $work/server.pem
key = $work/server.key
ca = $work/opca.pem

[psk]
listen = 127.0.0.1:0

[acs]
url = https://127.0.0.1:$aport/cwmp
bundle_dir = $work/bundles"
[ "$https_port" = "$aport" ] && [ -n "$http_port" ] && [ -n "$psk_port" ] || fail "listeners"
base="https://127.0.0.1:$aport"
: > "$work/empty"

# deliver METHOD DEVICE FILE: sends the signed indication FILE as DEVICE
# would over METHOD; prints the verified ack ("no answer" and status 3 when
# none came).
deliver() {
  local m=$1 d=$2 f=$3
  rm -f "$work/ack"
  case $m in
    udp) "$itool" udp --port "$port" --in "$f" --hems-pub "$work/hems.pub" --wait-ms 10000
         return ;;
    http) curl -sS -o "$work/ack" --max-time 10 -H 'Content-Type: application/cose' \
            --data-binary @"$f" "http://127.0.0.1:$http_port/v1/distress" ;;
    tls) tls "$d" -H 'Content-Type: application/cose' --data-binary @"$f" "$base/v1/distress" \
           >/dev/null && cp "$work/resp" "$work/ack" ;;
    psk) "$itool" psk --port "$psk_port" --kid "$KID" --psk "$PSK" --hems-pub "$work/hems.pub" \
           --in "$f" --wait-ms 1500; return ;;
  esac
  [ -s "$work/ack" ] || { echo "no answer"; return 3; }
  ack_of "$work/ack"
}
transport_of() { case $1 in udp) echo 1 ;; http) echo 2 ;; tls) echo 3 ;; psk) echo 5 ;; esac; }
# device_rows ID: "signed rows, incidents, incident events" of one device
device_rows() {
  q "SELECT (SELECT count(*) FROM indications WHERE device_id = '$1' AND trust = 'signed')
    || ' ' || (SELECT count(*) FROM incidents WHERE device_id = '$1')
    || ' ' || (SELECT count(*) FROM incident_events e JOIN incidents i ON e.incident_id = i.id
               WHERE i.device_id = '$1')"
}

# ---- the replay after a recovery ---------------------------------------------------------
captured=$(sign hnb-r 1 1)              # counter 1: captured, never reaches maydayd
ind2=$(sign hnb-r 2 3)
a2=$(deliver tls hnb-r "$ind2") || fail "counter 2: $a2"
grep -q '^status=stored incident=[1-9].* counter=2 action=remediate$' <<<"$a2" || fail "counter 2: $a2"
[ "$(state hnb-r)" = remediation_scheduled ] || fail "hnb-r is $(state hnb-r)"
"$acs" inform hnb-r "X A1B2C3 DISTRESS" > "$work/inform"
[ "$(cwmp hnb-r "$work/inform")" = 200 ] && [ "$(kind)" = InformResponse ] || fail "Inform"
[ "$(cwmp hnb-r "$work/empty")" = 200 ] && [ "$(kind)" = GetParameterValues ] || fail "GPV: $(kind)"
"$acs" gpvr 100000000 200000000 > "$work/gpvr"
[ "$(cwmp hnb-r "$work/gpvr")" = 200 ] && [ "$(kind)" = Download ] || fail "Download: $(kind)"
url=$(field url)
key=$(field key)
"$acs" dlr > "$work/dlr"
[ "$(cwmp hnb-r "$work/dlr")" = 204 ] || fail "DownloadResponse"
[ "$(tls hnb-r "$url")" = 200 ] && cmp -s "$work/resp" "$work/bundles/femto-it.bundle" ||
  fail "bundle"
rm -f "$work/hnb-r.jar"
"$acs" inform hnb-r "1 BOOT" "7 TRANSFER COMPLETE" "M Download" > "$work/inform-boot"
"$acs" tc "$key" 0 > "$work/tc"
[ "$(cwmp hnb-r "$work/inform-boot")" = 200 ] && [ "$(kind)" = InformResponse ] || fail "BOOT Inform"
[ "$(cwmp hnb-r "$work/tc")" = 200 ] && [ "$(kind)" = TransferCompleteResponse ] ||
  fail "TransferComplete: $(kind)"
[ "$(cwmp hnb-r "$work/empty")" = 204 ] || fail "empty POST after recovery"
[ "$(state hnb-r)" = healthy ] || fail "hnb-r did not recover: $(state hnb-r)"
since=$("$ctl" -d "$store" --json show hnb-r | jq -r .device.state_since)
before=$(device_rows hnb-r)

for m in udp http tls; do
  out=$(deliver $m hnb-r "$captured") || fail "replay over $m: $out"
  grep -q '^status=rejected incident=0 device=hnb-r counter=1$' <<<"$out" ||
    fail "the captured counter 1 replayed over $m after the recovery: $out"
  [ "$(state hnb-r)" = healthy ] || fail "replay over $m moved hnb-r to $(state hnb-r)"
  [ "$(device_rows hnb-r)" = "$before" ] || fail "replay over $m: $before -> $(device_rows hnb-r)"
done
# The retransmission of counter 2 (or its replay): its stored answer, no remediation.
out=$(deliver tls hnb-r "$ind2") || fail "counter 2 again: $out"
[ "$(head -n1 <<<"$out")" = "$(head -n1 <<<"$a2" | sed 's/ action=remediate$//')" ] ||
  fail "counter 2 again: $out (first: $a2)"
[ "$(state hnb-r)" = healthy ] && [ "$(device_rows hnb-r)" = "$before" ] || fail "counter 2 again"
[ "$("$ctl" -d "$store" --json show hnb-r | jq -r .device.state_since)" = "$since" ] ||
  fail "the replays touched hnb-r's state"
# The device's own next report is still taken.
out=$(deliver udp hnb-r "$(sign hnb-r 3 1)") || fail "counter 3: $out"
grep -q '^status=stored incident=[1-9].* counter=3 action=remediate$' <<<"$out" || fail "counter 3: $out"

# ---- per method: below the highest accepted counter, other claims, retransmission ---------
for m in udp http tls psk; do
  d=$m-1
  t=$(transport_of $m)
  ind5=$(sign $d 5 "$t")
  a5=$(deliver $m $d "$ind5") || fail "$m counter 5: $a5"
  grep -q "^status=stored incident=[1-9].* device=$d counter=5 action=remediate\$" <<<"$a5" ||
    fail "$m counter 5: $a5"
  st=$(state $d)
  before=$(rows)
  out=$(deliver $m $d "$(sign $d 3 "$t")") || fail "$m counter 3 unanswered: $out"
  grep -q "^status=rejected incident=0 device=$d counter=3\$" <<<"$out" || fail "$m counter 3: $out"
  # Other claims under the stored counter 5: rejected (PSK: dropped unanswered, §12.5).
  out=$(deliver $m $d "$(sign $d 5 "$t" 7)") && [ $m = psk ] && fail "psk: other claims answered: $out"
  [ $m = psk ] || grep -q "^status=rejected incident=0 device=$d counter=5\$" <<<"$out" ||
    fail "$m other claims under counter 5: $out"
  [ "$(rows)" = "$before" ] || fail "$m: refused indications changed the store: $before -> $(rows)"
  [ "$(state $d)" = "$st" ] || fail "$m: refused indications moved $d to $(state $d)"
  [ "$(deliver $m $d "$ind5")" = "$a5" ] || fail "$m: the retransmission of 5 answered otherwise"
  out=$(deliver $m $d "$(sign $d 6 "$t")") || fail "$m counter 6: $out"
  grep -q "^status=stored incident=[1-9].* counter=6" <<<"$out" || fail "$m counter 6: $out"
done
[ "$(q "SELECT signed_counter FROM devices WHERE id = 'psk-1'")" = 6 ] || fail "psk-1's mark"

alive
grep -q 'hnb-r, counter 1: not above the highest accepted.* highest accepted counter is 2: refused' \
  "$work/maydayd.log" || fail "the replay was not logged"
stop_daemon
# stale: 3 replays of hnb-r's counter 1, one lower counter per method;
# conflicts: other claims under a stored counter over udp, http, tls.
grep -q 'replay conflicts 3, stale counters 7,' "$work/maydayd.log" ||
  fail "not counted: $(grep 'stale counters' "$work/maydayd.log")"
echo "PASS"
