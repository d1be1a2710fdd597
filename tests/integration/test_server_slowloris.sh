#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Slow clients cannot starve legitimate ones. srv_slowloris holds 200
# connections from 8 addresses (127.0.0.2-9), trickling a byte every 200 ms
# and reopening what the server closes, against small caps (64 connections
# per listener, 16 per source): on plain HTTP (a request that never ends), on
# HTTPS at the handshake stage (a ClientHello that never ends), and on HTTPS
# with a valid client certificate (a request that never ends, inside TLS).
# Meanwhile the device's POSTs from 127.0.0.1 must be answered 200 with a
# signed ack within curl's --max-time 1: the caps make that deterministic,
# as a new connection always evicts the one waiting longest rather than
# waiting behind it. The attacker must see its connections closed (at least
# the 136 over the caps), and maydayd must count the evictions. Once more
# with 40 connections from one address, over its own cap. Then a few
# slow clients under the caps are closed by the deadlines alone
# (http_request_timeout_ms, tls_handshake_timeout_ms; http_timeout, the idle
# timer, is 30 s and never fires). The ACS shares the HTTPS listener: a CWMP
# session and a bundle download slower than the request deadline (3 s against
# 2 s) complete while the slow clients run, the bundle byte for byte: an
# answer being written is never evicted nor timed by the request deadline.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/test_server_common.sh"
command -v curl >/dev/null || fail "curl missing"
slow=$build/tests/srv_slowloris
acs=$build/tests/acs_itool
[ -x "$slow" ] && [ -x "$acs" ] || fail "missing $slow or $acs"

make_ca opca "mayday test operator CA"
issue server opca "/CN=hems.mayday.test" serverAuth 30 "DNS:hems.mayday.test,IP:127.0.0.1"
for d in hnb-1 hnb-2; do
  enrol $d
  issue $d opca "/O=operator/CN=$d" clientAuth 30
done
mkdir "$work/bundles"
bundle_size=$((6 * 1024 * 1024))
head -c $bundle_size /dev/urandom > "$work/bundles/femto-it.bundle"
: > "$work/empty"

# The ACS URL is advertised in acks, so the port is fixed before maydayd starts.
aport=$("$here/../../scripts/free-port.sh" tcp)
start_daemon "http_timeout = 30
http_request_timeout_ms = 2000
tls_handshake_timeout_ms = 2000
http_connections = 64
http_connections_per_source = 16" "[http]
listen = 127.0.0.1:0
[https]
listen = 127.0.0.1:$aport
cert = $work/server.pem
key = $work/server.key
ca = $work/opca.pem

[acs]
url = https://127.0.0.1:$aport/cwmp
bundle_dir = $work/bundles"
[ -n "$http_port" ] && [ "$https_port" = "$aport" ] || fail "no http or https listener"
base="https://127.0.0.1:$aport"

counter=0
# legit http|https: one POST of a new indication within 1 s, 200 and a
# signed ack of it
legit() {
  counter=$((counter + 1))
  local f code url
  f=$(sign hnb-1 "$counter" 2)
  if [ "$1" = http ]; then
    url="http://127.0.0.1:$http_port/v1/distress"
    code=$(curl -sS -o "$work/body" -w '%{http_code}' --max-time 1 --interface 127.0.0.1 \
      -H 'Content-Type: application/cose' --data-binary @"$f" "$url" 2>>"$work/curl.err" || true)
  else
    url="https://127.0.0.1:$https_port/v1/distress"
    code=$(curl -sS -o "$work/body" -w '%{http_code}' --max-time 1 --interface 127.0.0.1 \
      --cacert "$work/opca.pem" --cert "$work/hnb-1.pem" --key "$work/hnb-1.key" \
      -H 'Content-Type: application/cose' --data-binary @"$f" "$url" 2>>"$work/curl.err" || true)
  fi
  [ "$code" = 200 ] || fail "$1 POST $counter under attack: HTTP $code ($(tail -1 "$work/curl.err"))"
  ack_of "$work/body" hnb-1 "$counter" | grep -q '^status=stored' || fail "$1 ack $counter"
}

# attack MODE PORT [CONNS SOURCES]: 200 slow connections from 8 addresses for
# 5 s; three legitimate POSTs in the middle; the attacker's connections over
# the caps are closed: at least CONNS - 64, or CONNS - 16 per address.
attack() {
  local mode=$1 p=$2 conns=${3:-200} sources=${4:-8} out
  local held=$(( sources * 16 < 64 ? sources * 16 : 64 ))
  "$slow" --port "$p" --mode "$mode" --conns "$conns" --sources "$sources" --interval-ms 200 \
    --duration-ms 5000 --cert "$work/hnb-1.pem" --key "$work/hnb-1.key" \
    --cacert "$work/opca.pem" >"$work/slow-$mode.out" &
  local pid=$!
  sleep 2
  for _ in 1 2 3; do
    legit "$( [ "$p" = "$http_port" ] && echo http || echo https)"
    sleep 0.3
  done
  wait "$pid" || fail "srv_slowloris $mode failed"
  out=$(cat "$work/slow-$mode.out")
  echo "$mode attack: $out"
  closed=$(sed -n 's/.*closed_by_server=\([0-9]*\).*/\1/p' <<<"$out")
  [ "${closed:-0}" -ge $((conns - held)) ] ||
    fail "$mode: only ${closed:-0} slow connections were closed"
  alive
}

# deadline MODE PORT: 10 slow connections from one address, under the caps,
# for 3.5 s: every one is closed by a deadline (2 s).
deadline() {
  local mode=$1 p=$2 out
  out=$("$slow" --port "$p" --mode "$mode" --conns 10 --sources 1 --interval-ms 200 \
    --duration-ms 3500 --no-reopen --cert "$work/hnb-1.pem" --key "$work/hnb-1.key" \
    --cacert "$work/opca.pem") || fail "srv_slowloris $mode (deadline) failed"
  echo "$mode under the caps: $out"
  grep -q 'opened=10 closed_by_server=10 open_at_end=0' <<<"$out" ||
    fail "$mode: slow connections outlived the deadline: $out"
}

# remediation: hnb-2's CWMP session and a bundle download that takes
# longer than the request deadline, over mTLS while the slow clients run
remediation() {
  local ind
  ind=$(sign hnb-2 1 3)
  [ "$(tls hnb-2 -H 'Content-Type: application/cose' --data-binary @"$ind" "$base/v1/distress")" = 200 ] ||
    fail "distress of hnb-2 under attack"
  "$acs" inform hnb-2 "X A1B2C3 DISTRESS" > "$work/inform"
  [ "$(cwmp hnb-2 "$work/inform")" = 200 ] && [ "$(kind)" = InformResponse ] || fail "Inform under attack"
  [ "$(cwmp hnb-2 "$work/empty")" = 200 ] && [ "$(kind)" = GetParameterValues ] || fail "GPV under attack"
  "$acs" gpvr 100000000 200000000 > "$work/gpvr"
  [ "$(cwmp hnb-2 "$work/gpvr")" = 200 ] && [ "$(kind)" = Download ] || fail "Download under attack"
  local url
  url=$(field url)
  "$acs" dlr > "$work/dlr"
  [ "$(cwmp hnb-2 "$work/dlr")" = 204 ] || fail "DownloadResponse under attack"
  # 6 MiB at 2 MiB/s: 3 s, beyond http_request_timeout_ms (2 s)
  local t0=$SECONDS
  [ "$(tls hnb-2 --limit-rate 2M "$url")" = 200 ] ||
    fail "bundle download under attack: $(tail -1 "$work/curl.err")"
  cmp -s "$work/resp" "$work/bundles/femto-it.bundle" || fail "the bundle came back altered"
  echo "bundle: $bundle_size bytes in about $((SECONDS - t0)) s while under attack"
}

attack http "$http_port"
attack http "$http_port" 40 1   # one address: its own cap (16)
attack tls "$https_port"
attack mtls "$https_port"
"$slow" --port "$https_port" --mode mtls --conns 200 --sources 8 --interval-ms 200 \
  --duration-ms 9000 --cert "$work/hnb-1.pem" --key "$work/hnb-1.key" \
  --cacert "$work/opca.pem" >"$work/slow-acs.out" &
slow_pid=$!
sleep 1.5
remediation
wait "$slow_pid" || fail "srv_slowloris beside the ACS failed"
echo "mtls attack beside the ACS: $(cat "$work/slow-acs.out")"
deadline http "$http_port"
deadline tls "$https_port"
deadline mtls "$https_port"
alive
stop_daemon

# The evictions and deadlines, counted per listener at shutdown.
for l in http https; do
  line=$(grep "info: $l: connections evicted" "$work/maydayd.log") || fail "no $l eviction count"
  echo "$line"
  read -r cap src req hs < <(sed -n 's/.*evicted: \([0-9]*\) at the cap, \([0-9]*\) over the per-source cap; deadlines missed: \([0-9]*\) requests, \([0-9]*\) handshakes.*/\1 \2 \3 \4/p' <<<"$line")
  [ "${cap:-0}" -ge 136 ] || fail "$l: evictions at the cap not counted: $line"
  [ "${req:-0}" -ge 10 ] || fail "$l: request deadlines not counted: $line"
  [ "$l" = http ] && { [ "${src:-0}" -ge 24 ] || fail "per-source evictions not counted: $line"; }
done
[ "${hs:-0}" -ge 10 ] || fail "https: handshake deadlines not counted"
[ "$(q "SELECT count(*) FROM indications WHERE trust = 'signed'")" = 13 ] ||
  fail "the legitimate indications were not all stored"
echo "PASS"
