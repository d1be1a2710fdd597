#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The admin listener's GET /metrics with curl, against a real maydayd with
# UDP, plain HTTP and HTTPS listeners: off by default; refused on an
# address other than loopback; the exposition format checked line by line
# (check_metrics.awk); and the figures move by exactly what was sent:
# indications by method and outcome, verifications, acks, rows per commit,
# commit and ingest-to-ack histograms, HTTP refusals, TLS handshakes (a
# client that closes without close_notify after a complete exchange is no
# failed handshake), queue depths back to idle, remediation attempts.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/test_server_common.sh"
command -v curl >/dev/null || fail "curl missing"
check="$here/check_metrics.awk"

# ---- off by default: no admin listener, only the distress listeners -----------------
start_daemon "" "[http]
listen = 127.0.0.1:0"
grep -q 'listening on admin' "$work/maydayd.log" && fail "an admin listener without [admin]"
# (one listening socket per event-loop thread, [server] http_threads: all on
# the http listener's address)
tcp=$(ss -Hltnp | grep "pid=$daemon_pid," | awk '{print $4}' | sort -u)
[ "$tcp" = "127.0.0.1:$http_port" ] ||
  fail "expected only the http listener's TCP address, found: $(ss -Hltnp | grep "pid=$daemon_pid,")"
stop_daemon

# ---- not loopback: refused at start, with the key that would allow it ----------------
for addr in 0.0.0.0:0 '[::]:0' 192.0.2.1:9101; do
  printf '[server]\ndb = %s\nhems_key = %s\n[admin]\nlisten = %s\n' "$store" \
    "$work/hems.key" "$addr" >"$work/remote.conf"
  rc=0
  "$maydayd" -c "$work/remote.conf" -f 2>"$work/remote.log" || rc=$?
  [ "$rc" = 2 ] || fail "admin on $addr: exit $rc, expected 2 (usage): $(cat "$work/remote.log")"
  grep -q 'not a loopback address.*allow_non_loopback = yes' "$work/remote.log" ||
    fail "admin on $addr: $(cat "$work/remote.log")"
done

# ---- on, beside udp, http and https ----------------------------------------------------
make_ca opca "mayday test operator CA"
issue server opca "/CN=hems.mayday.test" serverAuth 30 "DNS:hems.mayday.test,IP:127.0.0.1"
enrol hnb-1
issue hnb-1 opca "/O=operator/CN=hnb-1" clientAuth 30
start_daemon "" "[http]
listen = 127.0.0.1:0
[https]
listen = 127.0.0.1:0
cert = $work/server.pem
key = $work/server.key
ca = $work/opca.pem
[admin]
listen = 127.0.0.1:0"
admin_port=$(listen_port admin)
[ -n "$admin_port" ] && [ -n "$http_port" ] && [ -n "$https_port" ] || fail "listeners"
admin="http://127.0.0.1:$admin_port"

# scrape FILE: GET /metrics into $work/FILE, checked for format
scrape() {
  local code
  code=$(curl -sS -o "$work/$1" -D "$work/$1.headers" -w '%{http_code}' --max-time 10 \
    "$admin/metrics") || fail "scrape failed"
  [ "$code" = 200 ] || fail "scrape: HTTP $code"
  grep -qi '^content-type: text/plain; version=0\.0\.4' "$work/$1.headers" ||
    fail "scrape content type: $(grep -i content-type "$work/$1.headers")"
  awk -f "$check" "$work/$1" >"$work/$1.check" || fail "exposition format: $(head -5 "$work/$1.check")"
}
# m FILE SERIES: the value of one series ("name" or "name{labels}" as written)
m() {
  local v
  v=$(awk -v k="$2" '$1 == k { print $2 }' "$work/$1")
  [ -n "$v" ] || fail "no series $2 in $1"
  echo "$v"
}
# moved SERIES DELTA: after minus before must be DELTA (integer series)
moved() {
  local a b
  b=$(m before "$1")
  a=$(m after "$1")
  [ $((a - b)) = "$2" ] || fail "$1 moved by $((a - b)), expected $2 ($b -> $a)"
}

scrape before
[ "$(m before 'maydayd_build_info{version="0.1.0"}')" = 1 ] || fail "build info"
# Every method with every outcome is there from the start.
for meth in plain-udp plain-http tls ipsec psk; do
  for out in stored stored-unverified duplicate rejected stale replay malformed oversized \
             rate-limited identity-mismatch bad-key busy not-stored; do
    m before "maydayd_indications_total{method=\"$meth\",outcome=\"$out\"}" >/dev/null
  done
done
[ "$(m before 'maydayd_remediation_attempts{result="in_progress"}')" = 0 ] || fail "attempts"

# ---- what the admin listener refuses ---------------------------------------------------
code=$(curl -sS -o /dev/null -D "$work/h405" -w '%{http_code}' -X POST --data x "$admin/metrics")
[ "$code" = 405 ] || fail "POST /metrics: $code"
grep -qi '^allow: GET' "$work/h405" || fail "405 without Allow: GET"
[ "$(curl -sS -o /dev/null -w '%{http_code}' "$admin/")" = 404 ] || fail "GET /"
[ "$(curl -sS -o /dev/null -w '%{http_code}' "$admin/v1/distress")" = 404 ] || fail "GET /v1/distress"
# The header limit of the HTTP listeners ([limits] http_header_max, 8192).
big=$(head -c 9000 /dev/zero | tr '\0' a)
code=$(curl -sS -o /dev/null -w '%{http_code}' -H "X-Big: $big" "$admin/metrics" 2>/dev/null || true)
[ "$code" != 200 ] || fail "an over-long header was served"

# ---- traffic ------------------------------------------------------------------------------
http="http://127.0.0.1:$http_port/v1/distress"
hpost() {
  curl -sS -o "$work/body" -w '%{http_code}' --max-time 10 -H 'Content-Type: application/cose' \
    --data-binary @"$1" "$http"
}
ind=$(sign hnb-1 1 2)
[ "$(hpost "$ind")" = 200 ] || fail "plain http: $(cat "$work/body")"    # stored
[ "$(hpost "$ind")" = 200 ] || fail "retransmission"                       # duplicate
ec_key "$work/ghost.key"
"$itool" sign --key "$work/ghost.key" --device ghost --counter 1 --transport 2 \
  --out "$work/ghost.cose" || fail "sign ghost"
[ "$(hpost "$work/ghost.cose")" = 200 ] || fail "unknown device"         # stored-unverified
head -c 100 /dev/urandom >"$work/junk.cose"
[ "$(hpost "$work/junk.cose")" = 400 ] || fail "junk"                     # malformed
code=$(curl -sS -o /dev/null -w '%{http_code}' -H 'Content-Type: application/cose' \
  --data-binary @"$ind" "http://127.0.0.1:$http_port/other")
[ "$code" = 404 ] || fail "wrong path: $code"                               # refused, no slot
# UDP: mayday-sim enrols one device and waits for its ack.
run_sim --prefix udp --devices 1 --count 1 >"$work/sim.out" || fail "sim: $(cat "$work/sim.out")"
# TLS: two exchanges with curl, then one whose client is killed after the
# answer (no close_notify, surely), then one handshake refused (no certificate).
tpost() {
  curl -sS -o "$work/body" -w '%{http_code}' --max-time 10 --cacert "$work/opca.pem" \
    --cert "$work/hnb-1.pem" --key "$work/hnb-1.key" -H 'Content-Type: application/cose' \
    --data-binary @"$1" "https://127.0.0.1:$https_port/v1/distress" 2>>"$work/curl.err" || true
}
[ "$(tpost "$(sign hnb-1 2 3)")" = 200 ] || fail "https: $(tail -1 "$work/curl.err")"  # stored
[ "$(tpost "$(sign hnb-1 2 3)")" = 200 ] || fail "https again"                          # duplicate
mkfifo "$work/sc.in"
openssl s_client -connect "127.0.0.1:$https_port" -CAfile "$work/opca.pem" \
  -cert "$work/hnb-1.pem" -key "$work/hnb-1.key" -quiet <"$work/sc.in" >"$work/sc.out" 2>&1 &
sc_pid=$!
exec 6>"$work/sc.in"
printf 'GET /v1/distress HTTP/1.1\r\nHost: hems\r\n\r\n' >&6
for _ in $(seq 200); do grep -q '^HTTP/1.1 405' "$work/sc.out" && break; sleep 0.05; done
grep -q '^HTTP/1.1 405' "$work/sc.out" || fail "s_client exchange: $(cat "$work/sc.out")"
kill -KILL "$sc_pid"
wait "$sc_pid" 2>/dev/null || true
exec 6>&-
code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 10 --cacert "$work/opca.pem" \
  -H 'Content-Type: application/cose' --data-binary @"$ind" \
  "https://127.0.0.1:$https_port/v1/distress" 2>/dev/null || true)
[ "$code" = 000 ] || fail "no client certificate: HTTP $code"

# Figures settle once every slot is back in the pool and the killed
# client's connection is seen closed.
for _ in $(seq 200); do
  scrape after
  [ "$(m after 'maydayd_queue_slots{queue="free"}')" = "$(m after maydayd_slots)" ] &&
    [ "$(m after 'maydayd_tls_handshakes_total{result="failed"}')" -ge 1 ] &&
    [ "$(m after maydayd_acks_sent_total)" -ge "$(( $(m before maydayd_acks_sent_total) + 6 ))" ] &&
    [ "$(m after maydayd_tls_closed_without_close_notify_total)" -ge 1 ] && break
  sleep 0.05
done

# ---- what moved, and by how much -----------------------------------------------------
moved 'maydayd_indications_received_total{method="plain-http"}' 4
moved 'maydayd_indications_received_total{method="plain-udp"}' 1
moved 'maydayd_indications_received_total{method="tls"}' 2
moved 'maydayd_indications_total{method="plain-http",outcome="stored"}' 1
moved 'maydayd_indications_total{method="plain-http",outcome="duplicate"}' 1
moved 'maydayd_indications_total{method="plain-http",outcome="stored-unverified"}' 1
moved 'maydayd_indications_total{method="plain-http",outcome="malformed"}' 1
moved 'maydayd_indications_total{method="plain-udp",outcome="stored"}' 1
moved 'maydayd_indications_total{method="tls",outcome="stored"}' 1
moved 'maydayd_indications_total{method="tls",outcome="duplicate"}' 1
moved 'maydayd_indications_total{method="psk",outcome="stored"}' 0
moved 'maydayd_verifications_total{result="signed"}' 5
moved 'maydayd_verifications_total{result="unknown-device"}' 1
moved maydayd_acks_sent_total 6
moved maydayd_ack_errors_total 0
moved maydayd_http_requests_refused_total 2      # the 404 on http, the 405 on https
moved 'maydayd_tls_handshakes_total{result="ok"}' 3
moved 'maydayd_tls_handshakes_total{result="failed"}' 1
moved maydayd_tls_errors_total 0
[ "$(m after maydayd_tls_closed_without_close_notify_total)" -ge 1 ] ||
  fail "the killed client's close was not counted as a close without close_notify"
# Six rows went to the writer (stored, duplicates, unverified): the rows
# histogram sums them; every batch is also in the latency histogram; every
# ack's latency is observed once.
moved maydayd_store_commit_batch_rows_sum 6
b=$(( $(m after maydayd_store_commit_batch_rows_count) - $(m before maydayd_store_commit_batch_rows_count) ))
[ "$b" -ge 1 ] && [ "$b" -le 6 ] || fail "batches: $b"
moved maydayd_store_commit_seconds_count "$b"
moved maydayd_ingest_to_ack_seconds_count 6
awk '$1 == "maydayd_store_commit_seconds_sum" { exit !($2 > 0) }' "$work/after" ||
  fail "commit latency sum did not grow"
[ "$(m after 'maydayd_queue_slots{queue="verify"}')" = 0 ] || fail "verify lane not empty"
[ "$(m after 'maydayd_queue_slots{queue="commit"}')" = 0 ] || fail "commit queue not empty"
[ "$(m after maydayd_slots)" = 1024 ] || fail "slots: $(m after maydayd_slots)"
# A second daemon cannot take the admin port: it says so and exits 1. (Its
# own store: on this one it would stop earlier, at the writer lock.)
printf '[server]\ndb = %s\nhems_key = %s\n[udp]\nlisten = 127.0.0.1:0\n[admin]\nlisten = 127.0.0.1:%s\n' \
  "sqlite:$work/taken.db" "$work/hems.key" "$admin_port" >"$work/taken.conf"
rc=0
"$maydayd" -c "$work/taken.conf" -f 2>"$work/taken.log" || rc=$?
[ "$rc" = 1 ] || fail "admin port taken: exit $rc: $(cat "$work/taken.log")"
grep -q "admin listener: bind/listen 127.0.0.1:$admin_port" "$work/taken.log" ||
  fail "admin port taken: $(cat "$work/taken.log")"
# The log lines at SIGTERM still come, with the same figures.
alive
stop_daemon
grep -q 'info: received 7: stored 4 ' "$work/maydayd.log" ||
  fail "shutdown summary: $(grep 'info: received' "$work/maydayd.log")"
grep -Eq 'tls: handshakes 3, failed 1, closed without close_notify [1-9]' "$work/maydayd.log" ||
  fail "shutdown tls line: $(grep 'by method' "$work/maydayd.log")"
echo "ok: metrics ($b batches; closed without close_notify: $(m after maydayd_tls_closed_without_close_notify_total))"
