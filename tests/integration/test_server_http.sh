#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The plain-HTTP method ("no communications security") with curl: a signed
# indication from an enrolled device is stored signed with channel "none"
# and answered 200 with a signed ack after commit; retransmissions get the
# same incident; unknown or badly signed senders are stored unverified,
# rate-limited per source, and never touch a device. Wrong requests get
# 4xx and change nothing. Open connections are bounded (a new one evicts the
# one waiting longest) and silent ones are closed at the request deadline. The plain UDP listener keeps working beside it.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/test_server_common.sh"
command -v curl >/dev/null || fail "curl missing"

# A per-source rate of 0 never refills the burst: the limit check below sees
# exactly three tokens however long the machine takes between requests.
start_daemon "unverified_per_source = 0
unverified_per_source_burst = 3
http_timeout = 2
http_request_timeout_ms = 1500
http_connections = 4" "[http]
listen = 127.0.0.1:0"
[ -n "$http_port" ] || fail "no http listener"
url="http://127.0.0.1:$http_port/v1/distress"

# post FILE [curl args]: prints the HTTP status; the body goes to $work/body
post() {
  local f=$1
  shift
  curl -sS -o "$work/body" -D "$work/headers" -w '%{http_code}' --max-time 10 \
    -H 'Content-Type: application/cose' --data-binary @"$f" "$@" "$url"
}

enrol hnb-1
enrol hnb-9
ind=$(sign hnb-1 1 2)

# ---- an enrolled device: stored signed, channel none -------------------------
captured=0
capture_start http "tcp port $http_port" && captured=1
[ "$(post "$ind")" = 200 ] || fail "signed indication: HTTP $(cat "$work/body")"
if [ "$captured" = 1 ]; then
  # The control for the TLS and PSK tests' checks: in clear, the ID shows.
  capture_stop
  on_wire http hnb-1 || fail "the capture check cannot see a device ID sent in clear"
fi
grep -qi '^content-type: application/cose' "$work/headers" || fail "ack content type"
a1=$(ack_of "$work/body" hnb-1 1) || fail "ack does not verify"
grep -q '^status=stored incident=[1-9]' <<<"$a1" || fail "ack: $a1"
row=$(q "SELECT transport, trust, channel_auth, peer_identity FROM indications WHERE device_id = 'hnb-1'")
[ "$row" = "2|signed|none|" ] || fail "row: $row"
json=$("$ctl" -d "$store" --json show hnb-1)
[ "$(jq -r '.indications[0].method + " " + .indications[0].channel_auth + " " + .indications[0].msg_auth' <<<"$json")" = "plain-http none signed" ] ||
  fail "maydayctl: $json"
[ "$(jq -r .device.state <<<"$json")" = in_distress ] || fail "device not in distress"

# The identical retransmission: the same incident, no second row.
[ "$(post "$ind")" = 200 ] || fail "retransmission"
a2=$(ack_of "$work/body" hnb-1 1) || fail "second ack"
[ "$a1" = "$a2" ] || fail "retransmission answered differently: $a1 / $a2"
[ "$(q 'SELECT count(*) FROM indications')" = 1 ] || fail "retransmission stored twice"
# Logged once at notice level (not again for the retransmission), with what
# an operator needs first.
[ "$(grep -c 'notice: distress: device hnb-1, incident [1-9][0-9]*, method plain-http, trust signed, channel none, reason [a-z-]*, first failed component rootfs.img (1 failed)' "$work/maydayd.log")" = 1 ] ||
  fail "notice lines: $(grep -c 'notice: distress' "$work/maydayd.log")"

# ---- unverified senders ----------------------------------------------------------
# Signed by a key that is not hnb-9's: stored unverified, hnb-9 stays healthy.
cp "$work/hnb-1.key" "$work/forger.key"
forged="$work/forged.cose"
"$itool" sign --key "$work/forger.key" --device hnb-9 --counter 1 --transport 2 --out "$forged"
[ "$(post "$forged")" = 200 ] || fail "forged: $(cat "$work/body")"
ack_of "$work/body" | grep -q '^status=stored-unverified incident=0' || fail "forged ack"
[ "$("$ctl" -d "$store" --json show hnb-9 | jq -r .device.state)" = healthy ] || fail "forgery marked hnb-9"
# Unknown devices, from the same source: the per-source burst (3) runs out.
ec_key "$work/ghost.key"
codes=
for c in 1 2 3; do
  g=$("$itool" sign --key "$work/ghost.key" --device ghost --counter "$c" --transport 2 \
      --out "$work/ghost-$c.cose" && echo "$work/ghost-$c.cose")
  codes="$codes $(post "$g")"
done
[ "$codes" = " 200 200 429" ] || fail "rate limit: codes$codes"
grep -qi '^retry-after: [0-9]' "$work/headers" || fail "429 without Retry-After"
[ "$(q "SELECT count(*) FROM indications WHERE trust = 'unverified'")" = 3 ] ||
  fail "unverified rows: $(q "SELECT count(*) FROM indications WHERE trust = 'unverified'")"
# Verified traffic from the same source is never limited.
[ "$(post "$(sign hnb-1 2 2)")" = 200 ] || fail "verified after the limit"

# ---- wrong requests: 4xx, store unchanged -------------------------------------------
before=$(rows)
code=$(curl -sS -o /dev/null -w '%{http_code}' -H 'Content-Type: text/plain' --data-binary @"$ind" "$url")
[ "$code" = 415 ] || fail "wrong content type: $code"
code=$(curl -sS -o /dev/null -w '%{http_code}' -D "$work/headers" "$url")
[ "$code" = 405 ] && grep -qi '^allow: POST' "$work/headers" || fail "GET: $code"
code=$(curl -sS -o /dev/null -w '%{http_code}' -H 'Content-Type: application/cose' --data-binary @"$ind" \
  "http://127.0.0.1:$http_port/v1/other")
[ "$code" = 404 ] || fail "other path: $code"
head -c 200 /dev/urandom >"$work/garbage"
[ "$(post "$work/garbage")" = 400 ] || fail "garbage body"
head -c 100 "$ind" >"$work/cut"
[ "$(post "$work/cut")" = 400 ] || fail "truncated body"
head -c 8193 /dev/zero >"$work/big"
[ "$(post "$work/big")" = 413 ] || fail "oversized body"
code=$(curl -sS -o /dev/null -w '%{http_code}' -H 'Content-Type: application/cose' -X POST "$url")
[ "$code" = 400 ] || fail "empty body: $code"
[ "$(rows)" = "$before" ] || fail "wrong requests changed the store: $before -> $(rows)"
# A kept-alive connection whose second request waits for "100 Continue": both
# answered, on the one connection, at once (this used to free the request
# being read and leave the client waiting for the timeout).
codes=$(curl -sS -o /dev/null -w '%{http_code} ' --max-time 5 -H 'Content-Type: application/cose' \
  --data-binary @"$work/garbage" "$url" --next -o /dev/null -w '%{http_code} %{num_connects}' \
  --max-time 5 -H 'Content-Type: application/cose' -H 'Expect: 100-continue' \
  --data-binary @"$work/garbage" "$url" 2>&1 || true)
[ "$codes" = "400 400 0" ] || fail "keep-alive with Expect: 100-continue: '$codes'"
alive

# ---- connections: at most 4 open; a fifth evicts the one waiting longest ------------
exec 5<>"/dev/tcp/127.0.0.1/$http_port"
sleep 0.2
exec 6<>"/dev/tcp/127.0.0.1/$http_port" 7<>"/dev/tcp/127.0.0.1/$http_port" \
     8<>"/dev/tcp/127.0.0.1/$http_port"
sleep 0.3
code=$(post "$(sign hnb-1 3 2)" --max-time 5)
[ "$code" = 200 ] || fail "a fifth connection was not served at once ($code)"
timeout 1 cat <&5 >/dev/null || fail "the connection waiting longest was not evicted"
# The others sent no request within http_request_timeout_ms (1.5 s).
timeout 5 cat <&6 >/dev/null || fail "a silent connection outlived the request deadline"
exec 5>&- 6>&- 7>&- 8>&-

# ---- acks only after commit; 503 (signed) when every slot is taken ----------------
# Another process holds the store's write lock: 64 requests take the 64
# slots and wait (none is answered before its row is committed), the 65th
# is told to come back later. 64 devices, one request each: a device has one
# in flight, and of one device's, those overtaken would be refused.
for c in $(seq 100 164); do enrol "lock-$c"; done
stop_daemon
grep -Eq 'http: refused [1-9]' "$work/maydayd.log" || fail "refusals not counted"
grep -Eq 'rate-limited 1,' "$work/maydayd.log" || fail "rate limit not counted"
QUEUE=64 BATCH=32 start_daemon "" "[http]
listen = 127.0.0.1:0

[admin]
listen = 127.0.0.1:0"
url="http://127.0.0.1:$http_port/v1/distress"
admin_port=$(listen_port admin)
[ -n "$admin_port" ] || fail "no admin listener"
rows0=$(q 'SELECT count(*) FROM indications')
# Signed before the lock is taken: the lock must be held for less than the
# store's busy timeout (10 s) however slow signing is on a busy machine.
for c in $(seq 100 164); do sign "lock-$c" 1 2 >/dev/null; done
mkfifo "$work/lock"
sqlite3 "$db" <"$work/lock" &
lock_pid=$!
exec 9>"$work/lock"
echo "BEGIN IMMEDIATE;" >&9
for _ in $(seq 50); do   # the lock is taken once a writer cannot start a transaction
  timeout 1 sqlite3 -cmd ".timeout 0" "$db" "BEGIN IMMEDIATE; ROLLBACK;" 2>/dev/null || break
  sleep 0.05
done
for c in $(seq 100 163); do
  f="$work/ind-lock-$c-1-0.cose"
  curl -sS -o /dev/null -w '%{http_code}' --max-time 30 -H 'Content-Type: application/cose' \
    --data-binary @"$f" "$url" >"$work/code-$c" 2>/dev/null &
done
# Until every slot holds one of them (the daemon's own figure, not a sleep).
free_slots() {
  curl -sS --max-time 5 "http://127.0.0.1:$admin_port/metrics" |
    sed -n 's/^maydayd_queue_slots{queue="free"} \([0-9]*\)$/\1/p'
}
for _ in $(seq 300); do
  [ "$(free_slots)" = 0 ] && break
  sleep 0.05
done
[ "$(free_slots)" = 0 ] || fail "the 64 requests did not take the 64 slots: $(free_slots) free"
answered=$(cat "$work"/code-1?? | wc -c)
[ "$answered" = 0 ] || fail "answers before the commit: $(cat "$work"/code-1??)"
[ "$(post "$work/ind-lock-164-1-0.cose")" = 503 ] || fail "the 65th request was not told 503"
grep -qi '^retry-after: [0-9]' "$work/headers" || fail "503 without Retry-After"
# Admission control: the 503 carries the signed RETRY_AFTER ack echoing the
# device and counter, which a device can authenticate (srv_busy.h).
grep -qi '^content-type: application/cose' "$work/headers" || fail "503 without a signed answer"
ack_of "$work/body" lock-164 1 | grep -q '^action=1 retry_after=2$' ||
  fail "503 answer: $(ack_of "$work/body" lock-164 1)"
echo "COMMIT;" >&9
exec 9>&-
wait "$lock_pid"
for _ in $(seq 100); do
  [ "$(cat "$work"/code-1?? | wc -c)" = 192 ] && break
  sleep 0.1
done
[ "$(cat "$work"/code-1?? | tr -d '\n' | sed 's/200//g')" = "" ] || fail "after the commit: $(cat "$work"/code-1??)"
[ "$(q 'SELECT count(*) FROM indications')" = $((rows0 + 64)) ] || fail "rows after the commit"

# The UDP listener beside it.
out=$(run_sim --prefix udp --devices 2 --count 10) || fail "udp beside http: $out"

alive
stop_daemon
grep -Eq 'http 64, https 0,' "$work/maydayd.log" || fail "per-method count: $(grep 'by method' "$work/maydayd.log")"
grep -Eq 'http: refused 0, busy 1;' "$work/maydayd.log" || fail "503 not counted"
echo "PASS"
