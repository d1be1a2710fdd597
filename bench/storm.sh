#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A distress storm (issue 15, point 3; docs/performance.md, "Storm"):
# DEVICES enrolled devices (default 100,000), DISTRESSED of them (default
# 10%) powering on in distress at random within RAMP seconds (default 60),
# each behaving as mayday-dcf over signed UDP (backoff with full jitter,
# signed busy answers honoured), against NODES maydayd on loopback. Ends
# when every distressed device is acknowledged or BOUND seconds (default
# 600) have passed. Prints acknowledged/s, power-on-to-ack p50/p99 (from the
# device's scheduled power-on), retries per device, lost, and the store
# check (every acknowledged indication stored exactly once), next to the
# store's own batched insert rate measured in the same run (SQLite: the
# ceiling of bench/store_ingest.sh, mayday-sim --method sqlite; PostgreSQL:
# its own multi-row INSERT on the same server, pg_baseline below). The storm's
# rate is the offered one when the daemon keeps up (10,000 over 60 s is
# ~167/s): the ratio says how much of the store's rate the storm used.
#
# usage: bench/storm.sh BUILD_DIR [STORE_URI] [NODES]
#   STORE_URI  default: a new SQLite store in a temporary directory; a
#              sqlite:PATH is used as given (created when missing)
#   NODES      default 1. SQLite is one node (maydayd holds its writer lock);
#              several nodes share one PostgreSQL store, each maydayd on its
#              own UDP port, the devices spread over them round-robin.
# env: DEVICES, DISTRESSED, RAMP, BOUND, SEED
# Exits 0 only if nothing was lost or duplicated; leaves nothing running.
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
store_uri=${2:-}
nodes=${3:-1}
. "$(dirname "$0")/results_lib.sh"
maydayd=$build/server/maydayd
sim=$build/tools/sim/mayday-sim
for b in "$maydayd" "$sim"; do
  [ -x "$b" ] || { echo "storm: missing $b (build first)" >&2; exit 1; }
done
case $nodes in
  [1-8]) ;;
  *) echo "storm: NODES must be 1..8 (mayday-sim spreads devices over at most 8)" >&2; exit 2 ;;
esac
devices=${DEVICES:-100000}
distressed=${DISTRESSED:-$((devices / 10))}
ramp=${RAMP:-60}
bound=${BOUND:-600}
seed=${SEED:-1}

work=$(mktemp -d "${TMPDIR:-/tmp}/mayday-storm.XXXXXX")
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do
    if kill -0 "$p" 2>/dev/null; then kill -TERM "$p"; wait "$p" 2>/dev/null || true; fi
  done
  rm -rf "$work"
}
trap cleanup EXIT

backend=sqlite
case $store_uri in
  "") store_uri="sqlite:$work/hems.db" ;;
  sqlite:*) ;;
  postgresql://*|postgres://*) backend=postgresql ;;
  *) echo "storm: STORE_URI must be sqlite:PATH or postgresql://... (got $store_uri)" >&2; exit 2 ;;
esac
if [ "$backend" = sqlite ] && [ "$nodes" != 1 ]; then
  echo "storm: a SQLite store serves one maydayd (it holds the store's writer lock);" \
    "several nodes need a postgresql:// STORE_URI" >&2
  exit 2
fi

# PostgreSQL's own multi-row INSERT on the store's server, in this run:
# 30,208 rows shaped like an indication's (a 350-byte raw blob, a 32-byte
# digest, the unique (device_id, counter, trust) index), 256 to a statement,
# each statement its own durable transaction, into a scratch table dropped
# afterwards (the role needs CREATE on its schema). Sets pg_rate (empty when
# psql is missing or the server cannot be reached: said, not fatal).
pg_rate=
pg_baseline() {  # URI
  local uri=$1 t="storm_baseline_$$" s e i
  command -v psql >/dev/null || { echo "storm: psql missing: no PostgreSQL baseline" >&2; return 0; }
  psql "$uri" -v ON_ERROR_STOP=1 -q -c "CREATE TABLE $t (id bigserial PRIMARY KEY,
      device_id text NOT NULL, counter bigint NOT NULL, received_at bigint NOT NULL,
      trust text NOT NULL, raw bytea NOT NULL, digest bytea NOT NULL,
      UNIQUE (device_id, counter, trust))" 2>"$work/pg_base.err" ||
    { echo "storm: no PostgreSQL baseline: $(head -1 "$work/pg_base.err")" >&2; return 0; }
  for ((i = 0; i < 30208; i += 256)); do
    echo "INSERT INTO $t (device_id, counter, received_at, trust, raw, digest)" \
      "SELECT 'storm-' || lpad((g % 2000)::text, 6, '0'), g / 2000 + 1," \
      "extract(epoch FROM now())::bigint, 'signed'," \
      "decode(repeat(lpad(to_hex(g % 256), 2, '0'), 350), 'hex'), sha256(int8send(g::bigint))" \
      "FROM generate_series($i, $((i + 255))) g;"
  done >"$work/pg_base.sql"
  s=$(date +%s.%N)
  if psql "$uri" -v ON_ERROR_STOP=1 -q -f "$work/pg_base.sql" 2>"$work/pg_base.err"; then
    e=$(date +%s.%N)
    pg_rate=$(awk -v a="$s" -v b="$e" 'BEGIN { printf "%.1f", 30208 / (b - a) }')
  else
    echo "storm: no PostgreSQL baseline: $(head -1 "$work/pg_base.err")" >&2
  fi
  psql "$uri" -q -c "DROP TABLE $t" >/dev/null 2>&1 || echo "storm: could not drop $t" >&2
}

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/hems.key" 2>/dev/null
openssl pkey -in "$work/hems.key" -pubout -out "$work/hems.pub"

# One maydayd per node, each with its own config and log; the defaults of
# maydayd.conf otherwise (workers, queue, batch, rcvbuf): the storm measures
# the daemon as shipped. Sets ports (comma-separated), in node order.
ports=
start_node() {  # N
  local n=$1 port='' pid
  cat > "$work/maydayd-$n.conf" <<CONF
[server]
db = $store_uri
hems_key = $work/hems.key

[udp]
listen = 127.0.0.1:0
CONF
  "$maydayd" -c "$work/maydayd-$n.conf" -f 2>"$work/maydayd-$n.log" &
  pid=$!
  pids+=("$pid")
  for _ in $(seq 200); do
    port=$(sed -n 's/.*listening on udp 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/maydayd-$n.log")
    [ -n "$port" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  if [ -z "$port" ]; then
    echo "storm: maydayd (node $n) did not start on $backend:" >&2
    sed 's/^/  /' "$work/maydayd-$n.log" >&2
    exit 2
  fi
  ports=${ports:+$ports,}$port
}
if [ "$backend" = postgresql ]; then
  # Before the nodes start: the server's own rate, with nothing else on it.
  pg_baseline "$store_uri"
  echo "== baseline: PostgreSQL's own multi-row INSERT (256 rows a statement, durable commits): ${pg_rate:-n/a} rows/s"
fi
for n in $(seq "$nodes"); do start_node "$n"; done

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "== storm: $devices enrolled, $distressed in distress within ${ramp} s, $nodes node(s) on $backend, signed UDP on loopback (load average $load_before, $(nproc) cores)"
rc=0
"$sim" --mode storm --port "$ports" --hems-pub "$work/hems.pub" --db "$store_uri" \
  --devices "$devices" --distressed "$distressed" --duration "$ramp" --bound "$bound" \
  --seed "$seed" --threads "$(nproc)" --prefix storm >"$work/sim.out" 2>"$work/sim.err" || rc=$?
sed -n 's/^mayday-sim: storm: \(.* enrolled in .*\)/\1/p' "$work/sim.err"
cat "$work/sim.out"
[ "$rc" -le 1 ] || { echo "storm: mayday-sim failed ($rc)" >&2; cat "$work/sim.err" >&2; exit 1; }
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
for n in $(seq "$nodes"); do
  p=${pids[$((n - 1))]}
  kill -TERM "$p"; wait "$p" || { echo "storm: maydayd (node $n) exited non-zero" >&2; exit 1; }
  grep 'received' "$work/maydayd-$n.log" | sed "s/^.*maydayd[^:]*: /maydayd $n: /" || true
done
pids=()

field() { sed -n "s|.* $1=\([0-9.]*\).*|\1|p" "$work/sim.out" | head -1; }
acked=$(field acked); lost=$(field lost); rate=$(field acknowledged/s)
peak=$(field peak_acknowledged/s); p50=$(field p50); p99=$(field p99)
rmean=$(field retries_mean); rmax=$(field retries_max); once=$(field stored_once)
dups=$(field duplicates); missing=$(field missing)

# The store's own batched insert rate, same run (one node's store).
base_name='' base=''
if [ "$backend" = sqlite ]; then
  base_name="SQLite batched insert ceiling (batch 256), rows/s"
  "$sim" --method sqlite --db "$work/ceiling.db" --count 30000 --batch 256 --duration 30 \
    >"$work/ceiling.out"
  base=$(sed -n 's/.*rows\/s=\([0-9.]*\).*/\1/p' "$work/ceiling.out")
else
  base_name="PostgreSQL multi-row INSERT (256 rows a statement), rows/s"
  base=$pg_rate
fi
ratio=$(awk -v a="${rate:-0}" -v b="${base:-0}" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }')
printf 'storm on %s, %s node(s): acknowledged/s %s (peak %s in one second), power-on-to-ack p50 %s ms, p99 %s ms,\n' \
  "$backend" "$nodes" "$rate" "$peak" "$p50" "$p99"
printf '  retries per device mean %s max %s, acked %s of %s, lost %s, stored once %s, duplicates %s, missing %s\n' \
  "$rmean" "$rmax" "$acked" "$distressed" "$lost" "$once" "$dups" "$missing"
printf '  baseline: %s %s (storm/baseline %s); load average %s -> %s\n' \
  "$base_name" "$base" "$ratio" "$load_before" "$load_after"
k=storm.$backend.n$nodes
bench_result "$k.acknowledged" "${rate:-0}" acks/s "$base_name" "${base:-n/a}" "$ratio" "none"
bench_result "$k.peak_acknowledged" "${peak:-0}" acks/s
bench_result "$k.power_on_to_ack_p50" "${p50:-n/a}" ms
bench_result "$k.power_on_to_ack_p99" "${p99:-n/a}" ms
bench_result "$k.retries_mean" "${rmean:-n/a}" retries/device
bench_result "$k.retries_max" "${rmax:-n/a}" retries
bench_result "$k.lost" "${lost:-n/a}" devices
[ "$rc" = 0 ] || { echo "storm: lost, duplicated or unverified indications (see above)" >&2; exit 1; }
exit 0
