#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The PSK method: the signed indication sealed in COSE_Encrypt0 under the
# device's PSK, over UDP (srv_itool plays the device). A good datagram is
# stored (method psk, channel psk, the kid as identity) and answered with a
# sealed ack that opens with the device's response key and verifies with
# the H(e)MS key. Dropped without an answer, store unchanged: a wrong PSK,
# an unknown kid, every one-bit flip, every truncation, oversized
# datagrams, a counter claim other than the partial IV, another device's
# indication under this kid, a counter the replay window refuses. A capture
# shows the kid on the wire but never the device ID. The
# window survives restarts: after one, the identical retransmission gets
# the stored answer again and an old counter is still refused. A new PSK
# enrolled under the kid while maydayd runs is used from its first request
# (the keys maydayd caches per kid are checked when they do not open one).
here=$(cd "$(dirname "$0")" && pwd)
. "$here/test_server_common.sh"

KID=a0b1c2d3e4f50617
PSK=$(openssl rand -hex 32)
OTHER=$(openssl rand -hex 32)
enrol hnb-1
enrol hnb-2
"$itool" enrol-psk --db "$store" --kek "$work/psk.kek" --device hnb-1 --kid "$KID" --psk "$PSK" ||
  fail "enrol-psk"
"$itool" enrol-psk --db "$store" --kek "$work/psk.kek" --device hnb-2 --kid 0102030405060708 --psk "$OTHER" ||
  fail "enrol-psk hnb-2"
[ "$("$ctl" -d "$store" --json show hnb-1 | jq -r .device.psk_kid)" = "$KID" ] || fail "maydayctl psk_kid"

psk_conf="[psk]
listen = 127.0.0.1:0"
start_daemon "" "$psk_conf"
[ -n "$psk_port" ] || fail "no psk listener"

# send FILE [options]: seal with hnb-1's PSK and send; prints the answer line
send() {
  local f=$1
  shift
  "$itool" psk --port "$psk_port" --kid "$KID" --psk "$PSK" --hems-pub "$work/hems.pub" \
    --in "$f" --wait-ms 700 "$@"
}

# ---- a good datagram ------------------------------------------------------------
ind1=$(sign hnb-1 1 5)
captured=0
capture_start psk "udp port $psk_port" && captured=1
a1=$(send "$ind1") || fail "good datagram: $a1"
if [ "$captured" = 1 ]; then
  capture_stop
  n=$(packets psk)
  [ "$n" -ge 2 ] || fail "the capture saw $n packets"
  hex_on_wire psk "$KID" || fail "the capture does not show the kid: it saw nothing useful"
  on_wire psk hnb-1 && fail "the device ID travelled in clear"
fi
grep -q '^status=stored incident=[1-9].* device=hnb-1 counter=1$' <<<"$a1" || fail "answer: $a1"
row=$(q "SELECT transport, trust, channel_auth, peer_identity FROM indications")
[ "$row" = "5|signed|psk|$KID" ] || fail "row: $row"
[ "$("$ctl" -d "$store" --json show hnb-1 | jq -r .device.state)" = in_distress ] || fail "state"
# The stored raw bytes are the signed indication, not the sealed datagram.
[ "$(q "SELECT hex(raw) FROM indications")" = "$(od -An -tx1 -v "$ind1" | tr -d ' \n' | tr a-f A-F)" ] ||
  fail "stored raw is not the signed indication"
# The identical retransmission: the same incident, no second row.
[ "$(send "$ind1")" = "$a1" ] || fail "retransmission answered differently"
[ "$(q 'SELECT count(*) FROM indications')" = 1 ] || fail "retransmission stored twice"

# ---- dropped, unanswered, nothing stored ------------------------------------------
before=$(rows)
ind2=$(sign hnb-1 2 5)
out=$("$itool" psk --port "$psk_port" --kid "$KID" --psk "$OTHER" --hems-pub "$work/hems.pub" \
  --in "$ind2" --wait-ms 500) && fail "wrong PSK answered: $out"
[ "$out" = "no answer" ] || fail "wrong PSK: $out"
out=$("$itool" psk --port "$psk_port" --kid 1111111111111111 --psk "$PSK" --hems-pub "$work/hems.pub" \
  --in "$ind2" --wait-ms 500) && fail "unknown kid answered: $out"
for mode in bitflip truncated oversized; do
  out=$(send "$ind2" --mode "$mode") || fail "$mode: $out"
  grep -q 'answers=0$' <<<"$out" || fail "$mode: $out"
done
out=$(send "$ind2" --counter 3) && fail "counter claim 2 under partial IV 3 answered: $out"
out=$(send "$(sign hnb-2 2 5)") && fail "hnb-2's indication under hnb-1's kid answered: $out"
alive
[ "$(rows)" = "$before" ] || fail "rejected datagrams changed the store: $before -> $(rows)"
# None of it used up counter 2.
send "$ind2" | grep -q '^status=stored .*counter=2$' || fail "counter 2 after the rejects"

# ---- the window and the counter rule (protocol.md §6.1), across restarts ------------------
send "$(sign hnb-1 100 5)" | grep -q '^status=stored' || fail "counter 100"
before=$(rows)
# Inside the window but below the highest accepted counter: the counter rule
# refuses it (answered rejected, so the device moves on), and the window
# stays as it was.
out=$(send "$(sign hnb-1 90 5)") || fail "counter 90 (inside the window) unanswered: $out"
grep -q '^status=rejected incident=0 .*counter=90$' <<<"$out" || fail "counter 90: $out"
[ "$(q "SELECT replay_bitmap FROM psk_keys WHERE device_id = 'hnb-1'")" = 1 ] ||
  fail "a refused counter moved the window"
out=$(send "$(sign hnb-1 30 5)") && fail "counter 30 (64 or more below 100) answered: $out"
out=$(send "$(sign hnb-1 100 5 7)") && fail "other claims under counter 100 answered: $out"
[ "$(rows)" = "$before" ] || fail "refused counters changed the store"
stop_daemon
grep -Eq 'psk: unknown kid [1-9][0-9]*, bad seal [1-9][0-9]*, replays [2-9]' "$work/maydayd.log" ||
  fail "psk counters: $(grep 'by method' "$work/maydayd.log")"
grep -Eq 'identity mismatches 1,' "$work/maydayd.log" || fail "kid/device mismatch not counted"

start_daemon "" "$psk_conf"
[ "$(send "$ind1")" = "$a1" ] || fail "after a restart, the retransmission of counter 1"
out=$(send "$(sign hnb-1 30 5)") && fail "after a restart, counter 30 answered: $out"
out=$(send "$(sign hnb-1 100 5 9)") && fail "after a restart, other claims under 100 answered: $out"
[ "$(rows)" = "$before" ] || fail "after a restart the store changed: $before -> $(rows)"
[ "$(q "SELECT replay_highest FROM psk_keys WHERE device_id = 'hnb-1'")" = 100 ] || fail "window"
send "$(sign hnb-1 101 5)" | grep -q '^status=stored' || fail "counter 101 after the restart"

# ---- a new PSK under the same kid while maydayd runs -----------------------------------
# maydayd has hnb-1's keys cached (counter 101 just opened with them): a
# request under the new PSK is answered at once, the old PSK opens nothing.
NEW=$(openssl rand -hex 32)
"$itool" enrol-psk --db "$store" --kek "$work/psk.kek" --device hnb-1 --kid "$KID" --psk "$NEW" ||
  fail "enrol-psk, new PSK"
out=$("$itool" psk --port "$psk_port" --kid "$KID" --psk "$NEW" --hems-pub "$work/hems.pub" \
  --in "$(sign hnb-1 102 5)" --wait-ms 700) || fail "new PSK under the same kid: $out"
grep -q '^status=stored .*counter=102$' <<<"$out" || fail "new PSK: $out"
out=$(send "$(sign hnb-1 103 5)") && fail "the old PSK answered after the new one: $out"
stop_daemon
echo "PASS"
