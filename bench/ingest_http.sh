#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Signed indications stored per second over plain HTTP, POST /v1/distress on
# a new TCP connection per indication (what a device does; PER_CONN=N for
# N requests per keep-alive connection), against nginx answering the same
# POST with 200 in the same run: the same load generator, connections and
# duration. Indications are signed before, acks verified after the window.
#
# usage: bench/ingest_http.sh [BUILD_DIR]  (env: DEVICES, SECONDS_RUN, COUNT, CONNS, PER_CONN)
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
. "$(dirname "$0")/methods_lib.sh"
bench_init ingest_http
devices=${DEVICES:-1000}
seconds=${SECONDS_RUN:-6}
count=${COUNT:-60000}
conns=${CONNS:-128}   # group commit needs requests in flight: 32 gives ~3k/s, 128 ~6k/s
per_conn=${PER_CONN:-1}
how="new connection per POST"
[ "$per_conn" = 1 ] || how="keep-alive, $per_conn POSTs per connection"

echo "== plain HTTP ingest: $how, $conns connections, $devices devices, ${seconds} s, same $(nproc)-core box"
start_maydayd http
"$sim" --method http --port "$mport" --hems-pub "$work/pki/hems.pub.pem" --db "sqlite:$mdb" \
  --devices "$devices" --count "$count" --duration "$seconds" --conns "$conns" \
  --per-conn "$per_conn" --timeout-ms 5000 --retries 3 >"$work/sim.out" 2>"$work/sim.err" || true
cat "$work/sim.out"
stop_maydayd http
bench_result ingest_http.maydayd_cpu_per_indication "$cpu_us" us
stored=$(sim_field 'stored indications/s' "$work/sim.out")
lost=$(sim_field ' lost' "$work/sim.out")
bad=$(sim_field 'bad_acks' "$work/sim.out")

start_nginx http
"$sim" --method http --baseline --port "$nport" --devices "$devices" --count "$devices" \
  --duration "$seconds" --conns "$conns" --per-conn "$per_conn" --timeout-ms 5000 --retries 3 \
  >"$work/nginx.out" 2>"$work/nginx.err" || true
stop_nginx
sed 's/^/nginx: /' "$work/nginx.out"
nginx_cpu "$work/nginx.out"
# The same comparison in CPU: nginx's per request over maydayd's per stored
# indication -- the rate ratio both would reach with the cores to themselves.
echo "CPU ratio (nginx us per request / maydayd us per stored indication): $(ratio "$nginx_cpu_us" "$cpu_us")"
bench_result ingest_http.nginx_cpu_per_request "$nginx_cpu_us" us
base=$(sim_field 'requests/s' "$work/nginx.out")
[ -n "$base" ] || { echo "ingest_http: no nginx figure" >&2; cat "$work/nginx.err" >&2; exit 1; }

printf 'plain-HTTP stored indications/s: %s\nnginx plain-HTTP POSTs/s: %s\nratio: %s (target >= 0.50)\n' \
  "${stored:-0}" "$base" "$(ratio "${stored:-0}" "$base")"
bench_result ingest_http.stored "${stored:-0}" indications/s "nginx plain-HTTP POSTs/s" "$base" \
  "$(ratio "${stored:-0}" "$base")" ">= 0.50"
[ "${lost:-1}" = 0 ] || { echo "ingest_http: ${lost:-?} indications lost" >&2; head -5 "$work/sim.err" >&2; exit 1; }
[ "${bad:-1}" = 0 ] || { echo "ingest_http: $bad acks did not verify" >&2; exit 1; }
exit 0
