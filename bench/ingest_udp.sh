#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Signed indications verified and durably stored over UDP, against the ES256
# verify rate of both cores measured in the same run (DESIGN §9: >= 0.7x).
#
# Starts maydayd on loopback with a temporary store, runs mayday-sim with
# ~2000 devices for ~10 s (indications are signed before and acks verified
# after the timed window, so the load generator's own crypto does not
# compete with the server), then `openssl speed -multi 2 ecdsap256`.
# Exits 0 and leaves nothing running.
#
# usage: bench/ingest_udp.sh [BUILD_DIR]   (env: DEVICES, SECONDS_RUN, COUNT, WINDOW,
#        ACK_BATCH=on|off: maydayd's [ack] batch; mayday-sim asks for batch acks)
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
. "$(dirname "$0")/results_lib.sh"
. "$(dirname "$0")/profile_lib.sh"
maydayd=$build/server/maydayd
sim=$build/tools/sim/mayday-sim
for b in "$maydayd" "$sim"; do
  [ -x "$b" ] || { echo "ingest_udp: missing $b (build first)" >&2; exit 1; }
done
devices=${DEVICES:-2000}
seconds=${SECONDS_RUN:-10}
count=${COUNT:-400000}
window=${WINDOW:-1024}

work=$(mktemp -d "${TMPDIR:-/tmp}/mayday-bench.XXXXXX")
pid=
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid"; wait "$pid" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/hems.key" 2>/dev/null
openssl pkey -in "$work/hems.key" -pubout -out "$work/hems.pub"
cat > "$work/maydayd.conf" <<CONF
[server]
db = sqlite:$work/hems.db
hems_key = $work/hems.key
workers = 2
queue = 4096
batch = 512

[ack]
batch = ${ACK_BATCH:-on}

[udp]
listen = 127.0.0.1:0
rcvbuf = 16777216
CONF
"$maydayd" -c "$work/maydayd.conf" -f 2>"$work/maydayd.log" &
pid=$!
port=
for _ in $(seq 100); do
  port=$(sed -n 's/.*listening on udp 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/maydayd.log")
  [ -n "$port" ] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.05
done
[ -n "$port" ] || { echo "ingest_udp: maydayd did not start" >&2; cat "$work/maydayd.log" >&2; exit 1; }
profile_start "$pid"

echo "== UDP ingest: $devices devices, ${seconds} s, window $window (maydayd and mayday-sim on the same $(nproc)-core box)"
"$sim" --port "$port" --hems-pub "$work/hems.pub" --db "sqlite:$work/hems.db" \
  --devices "$devices" --count "$count" --duration "$seconds" --window "$window" \
  --timeout-ms 1000 --retries 10 --threads "$(nproc)" --acked "$work/acked.csv" >"$work/sim.out" 2>"$work/sim.err" || true
cat "$work/sim.out"
profile_stop
# maydayd's own CPU time (user + system, all threads): per stored indication
# this does not depend on what else runs on the box, unlike the rate.
cpu_ticks=$(awk '{print $14 + $15}' "/proc/$pid/stat")
kill -TERM "$pid"; wait "$pid" || { echo "ingest_udp: maydayd exited non-zero" >&2; exit 1; }
pid=
grep 'received' "$work/maydayd.log" | sed 's/^/maydayd: /'
stored=$(sed -n 's/.*stored indications\/s=\([0-9.]*\).*/\1/p' "$work/sim.out")
lost=$(sed -n 's/.* lost=\([0-9]*\).*/\1/p' "$work/sim.out")
rows=$(sqlite3 "$work/hems.db" "SELECT count(*) FROM indications WHERE trust = 'signed'")
acked=$(wc -l <"$work/acked.csv")
echo "rows in store: $rows signed; acked by the server: $acked; lost: $lost"
awk -v t="$cpu_ticks" -v hz="$(getconf CLK_TCK)" -v n="$rows" 'BEGIN {
  if (n > 0) printf "maydayd CPU: %.1f s, %.1f us per stored indication\n", t / hz, t / hz / n * 1e6 }'
bench_result ingest_udp.maydayd_cpu_per_indication "$(awk -v t="$cpu_ticks" -v hz="$(getconf CLK_TCK)" \
  -v n="$rows" 'BEGIN { if (n > 0) printf "%.1f", t / hz / n * 1e6; else print "n/a" }')" us

echo "== baseline: openssl speed -seconds 3 -multi 2 ecdsap256"
openssl speed -seconds 3 -multi 2 ecdsap256 2>/dev/null >"$work/speed.out"
# the summary row: "256 bits ecdsa (nistp256)  sign/s ... verify/s" -> last field is verify/s
verify=$(awk '/ecdsa \(nistp256\)/ {v=$NF} END {print v}' "$work/speed.out")
[ -n "$verify" ] || { echo "ingest_udp: cannot read openssl speed output" >&2; cat "$work/speed.out" >&2; exit 1; }

ratio=$(awk -v s="$stored" -v v="$verify" 'BEGIN { printf "%.2f", (v > 0 ? s / v : 0) }')
printf 'stored indications/s: %s\nES256 verify/s (2 cores): %s\nratio: %s (target >= 0.70)\n' "$stored" "$verify" "$ratio"
bench_result ingest_udp.stored "${stored:-0}" indications/s "ES256 verify/s, 2 cores" "$verify" "$ratio" ">= 0.70"
[ "${lost:-1}" = 0 ] || { echo "ingest_udp: $lost indications lost" >&2; exit 1; }
[ "$rows" -ge "$acked" ] || { echo "ingest_udp: fewer rows ($rows) than acks ($acked)" >&2; exit 1; }
exit 0
