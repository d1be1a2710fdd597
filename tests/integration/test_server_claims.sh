#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Both message versions (docs/protocol.md §6 and §6.2) side by side in one
# maydayd: mayday-sim signs version 1 (mayday claims) and version 2 (EAT
# claims) indications over UDP, plain HTTP, TLS and PSK; every one is stored and
# acked (mayday-sim verifies each ack), each row records the version it
# came in, and maydayctl and /metrics show which.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/test_server_common.sh"

make_ca opca "mayday test operator CA"
issue server opca "/CN=hems.mayday.test" serverAuth 30 "DNS:hems.mayday.test,IP:127.0.0.1"
start_daemon "" "[http]
listen = 127.0.0.1:0
[https]
listen = 127.0.0.1:0
cert = $work/server.pem
key = $work/server.key
ca = $work/opca.pem
[psk]
listen = 127.0.0.1:0
[admin]
listen = 127.0.0.1:0"
admin_port=$(listen_port admin)
[ -n "$admin_port" ] && [ -n "$http_port" ] && [ -n "$https_port" ] && [ -n "$psk_port" ] ||
  fail "listeners"

out=$(run_sim --prefix v1 --devices 2 --count 4) || fail "version 1 run: $out"
grep -q ' stored=4 .*lost=0 bad_acks=0' <<<"$out" || fail "version 1 not stored+acked: $out"
out=$(run_sim --prefix v2 --devices 2 --count 4 --claims eat) || fail "version 2 run: $out"
grep -q ' stored=4 .*lost=0 bad_acks=0' <<<"$out" || fail "version 2 not stored+acked: $out"
out=$("$sim" --method http --port "$http_port" --hems-pub "$work/hems.pub" --db "$store" \
  --prefix h2 --devices 2 --count 2 --claims eat) || fail "version 2 over HTTP: $out"
grep -q ' stored=2 .*lost=0 bad_acks=0' <<<"$out" || fail "version 2 over HTTP: $out"
out=$("$sim" --method tls --port "$https_port" --hems-pub "$work/hems.pub" --db "$store" \
  --ca-cert "$work/opca.pem" --ca-key "$work/opca.key" --prefix t2 --devices 2 --count 2 --claims eat) ||
  fail "version 2 over TLS: $out"
grep -q ' stored=2 .*lost=0 bad_acks=0' <<<"$out" || fail "version 2 over TLS: $out"
out=$("$sim" --method psk --port "$psk_port" --hems-pub "$work/hems.pub" --db "$store" \
  --psk-kek "$work/psk.kek" --prefix p2 --devices 2 --count 2 --claims eat) || fail "version 2 sealed (PSK): $out"
grep -q ' stored=2 .*lost=0 bad_acks=0' <<<"$out" || fail "version 2 sealed (PSK): $out"
"$sim" --port "$port" --hems-pub "$work/hems.pub" --db "$store" --claims cbor >/dev/null 2>&1 &&
  fail "mayday-sim took --claims cbor"

# The store: each row's version, both versions signed and in incidents.
[ "$(q "SELECT group_concat(v || ':' || n, ' ') FROM (SELECT msg_version AS v, count(*) AS n
        FROM indications WHERE trust = 'signed' GROUP BY msg_version ORDER BY v)")" = "1:4 2:10" ] ||
  fail "rows by version: $(q 'SELECT device_id, counter, msg_version, trust FROM indications')"
[ "$(q "SELECT count(*) FROM indications WHERE device_id LIKE 'v1-%' AND msg_version != 1")" = 0 ] ||
  fail "a version 1 device's row recorded as version 2"
[ "$(q "SELECT count(*) FROM indications WHERE device_id NOT LIKE 'v1-%' AND msg_version != 2")" = 0 ] ||
  fail "a version 2 row recorded as version 1"
[ "$(q "SELECT count(*) FROM indications WHERE device_id LIKE 'p2-%' AND transport = 5")" = 2 ] ||
  fail "PSK rows: $(q "SELECT device_id, transport FROM indications WHERE device_id LIKE 'p2-%'")"
[ "$(q "SELECT count(*) FROM indications WHERE device_id LIKE 't2-%' AND channel_auth = 'mtls'")" = 2 ] ||
  fail "TLS rows: $(q "SELECT device_id, transport, channel_auth FROM indications WHERE device_id LIKE 't2-%'")"
[ "$(q "SELECT count(DISTINCT incident_id) FROM indications WHERE incident_id IS NOT NULL")" = 10 ] ||
  fail "incidents: $(q 'SELECT device_id, incident_id FROM indications')"

# maydayctl: per indication, and the device's latest.
json=$("$ctl" -d "$store" --json show v2-000000)
[ "$(jq -r '[.indications[] | "\(.msg_version) \(.claims)"] | unique | join(",")' <<<"$json")" = "2 eat" ] ||
  fail "show v2-000000: $json"
json=$("$ctl" -d "$store" --json show v1-000000)
[ "$(jq -r '[.indications[] | "\(.msg_version) \(.claims)"] | unique | join(",")' <<<"$json")" = "1 mayday1" ] ||
  fail "show v1-000000: $json"
"$ctl" -d "$store" show h2-000000 | grep -q '^      message version 2 (EAT claims)$' ||
  fail "show text: $("$ctl" -d "$store" show h2-000000)"
"$ctl" -d "$store" devices > "$work/devices.txt" || fail "maydayctl devices"
head -1 "$work/devices.txt" | grep -q ' MSG LAST SEEN$' || fail "devices header: $(head -1 "$work/devices.txt")"
grep -Eq '^v1-000001 .* v1  [0-9]+s ago$' "$work/devices.txt" || fail "devices v1: $(cat "$work/devices.txt")"
grep -Eq '^h2-000000 .* v2  [0-9]+s ago$' "$work/devices.txt" || fail "devices v2: $(cat "$work/devices.txt")"
[ "$("$ctl" -d "$store" --json devices | jq -r '[.[] | "\(.device_id)=\(.last_msg_version)"] | join(" ")')" = \
  "h2-000000=2 h2-000001=2 p2-000000=2 p2-000001=2 t2-000000=2 t2-000001=2 v1-000000=1 v1-000001=1 v2-000000=2 v2-000001=2" ] ||
  fail "--json devices: $("$ctl" -d "$store" --json devices)"

# /metrics: well-formed indications by version.
curl -sS --max-time 10 "http://127.0.0.1:$admin_port/metrics" > "$work/metrics" || fail "scrape"
grep -qx 'maydayd_indication_versions_total{version="1"} 4' "$work/metrics" ||
  fail "metrics v1: $(grep versions "$work/metrics")"
grep -qx 'maydayd_indication_versions_total{version="2"} 10' "$work/metrics" ||
  fail "metrics v2: $(grep versions "$work/metrics")"
awk -f "$here/check_metrics.awk" "$work/metrics" || fail "metrics format"

alive
stop_daemon
echo "PASS"
