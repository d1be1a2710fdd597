#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Signed indications stored per second over mutual TLS 1.3, a new
# connection per indication (full handshake with the device's certificate,
# no tickets, no resumption: what a device in distress does), against nginx
# answering the same POST with mutual TLS 1.3 in the same run: the same
# server certificate, key and CA, the same load generator, connections and
# duration (DESIGN §9: >= 0.9x). mayday-sim issues every device its own
# certificate before the timed window, signs every indication before it and
# verifies every ack after it. Then OpenSSL's own P-256 figures for context.
#
# usage: bench/ingest_tls.sh [BUILD_DIR]  (env: DEVICES, SECONDS_RUN, COUNT, CONNS)
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
. "$(dirname "$0")/methods_lib.sh"
bench_init ingest_tls
devices=${DEVICES:-1000}
seconds=${SECONDS_RUN:-6}
count=${COUNT:-40000}
conns=${CONNS:-32}

echo "== TLS ingest: new mutual-TLS 1.3 connection per POST, $conns connections, $devices devices (own certificate each), ${seconds} s, same $(nproc)-core box"
start_maydayd https
"$sim" --method tls --port "$mport" --hems-pub "$work/pki/hems.pub.pem" --db "sqlite:$mdb" \
  --ca-cert "$work/pki/operator-ca.pem" --ca-key "$work/pki/operator-ca.key.pem" \
  --devices "$devices" --count "$count" --duration "$seconds" --conns "$conns" \
  --timeout-ms 5000 --retries 3 >"$work/sim.out" 2>"$work/sim.err" || true
cat "$work/sim.out"
stop_maydayd https
bench_result ingest_tls.maydayd_cpu_per_indication "$cpu_us" us
stored=$(sim_field 'stored indications/s' "$work/sim.out")
lost=$(sim_field ' lost' "$work/sim.out")
bad=$(sim_field 'bad_acks' "$work/sim.out")

start_nginx tls
"$sim" --method tls --baseline --port "$nport" --ca-cert "$work/pki/operator-ca.pem" \
  --ca-key "$work/pki/operator-ca.key.pem" --devices "$devices" --count "$devices" \
  --duration "$seconds" --conns "$conns" --timeout-ms 5000 --retries 3 \
  >"$work/nginx.out" 2>"$work/nginx.err" || true
stop_nginx
sed 's/^/nginx: /' "$work/nginx.out"
nginx_cpu "$work/nginx.out"
# The same comparison in CPU: nginx's per request over maydayd's per stored
# indication -- the rate ratio both would reach with the cores to themselves.
echo "CPU ratio (nginx us per request / maydayd us per stored indication): $(ratio "$nginx_cpu_us" "$cpu_us")"
bench_result ingest_tls.nginx_cpu_per_request "$nginx_cpu_us" us
base=$(sim_field 'requests/s' "$work/nginx.out")
[ -n "$base" ] || { echo "ingest_tls: no nginx figure" >&2; cat "$work/nginx.err" >&2; exit 1; }

echo "== context: openssl speed -seconds 2 ecdhp256 ecdsap256 (one core)"
openssl speed -seconds 2 ecdhp256 ecdsap256 2>/dev/null >"$work/speed.out"
awk '/ecdsa \(nistp256\)/ {printf "ECDSA P-256 sign/s: %s  verify/s: %s\n", $(NF-1), $NF}
     /ecdh +\(nistp256\)/ {printf "ECDH P-256 op/s: %s\n", $NF}' "$work/speed.out"

printf 'TLS stored indications/s: %s\nnginx mutual-TLS POSTs/s: %s\nratio: %s (target >= 0.90)\n' \
  "${stored:-0}" "$base" "$(ratio "${stored:-0}" "$base")"
bench_result ingest_tls.stored "${stored:-0}" indications/s "nginx mutual-TLS POSTs/s" "$base" \
  "$(ratio "${stored:-0}" "$base")" ">= 0.90"
[ "${lost:-1}" = 0 ] || { echo "ingest_tls: ${lost:-?} indications lost" >&2; head -5 "$work/sim.err" >&2; exit 1; }
[ "${bad:-1}" = 0 ] || { echo "ingest_tls: $bad acks did not verify" >&2; exit 1; }
exit 0
