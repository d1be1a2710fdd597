#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The fleet view (maydayctl fleet, store_fleet.h) at fleet scale: maydayd
# creates a store, which is then filled by direct SQL with DEVICES enrolled
# devices (default 100k) over 10 product classes and INDICATIONS signed
# indications (default 1M) spread over 30 days, each with one failed
# component (8 names, 4 measured digests each) and one of 20 image versions.
# Printed: the time of `maydayctl fleet --by X` for each grouping, over the
# last 24 h and over all 30 days, on the store as maydayd made it and, as
# the baseline in the same run, on a copy without the fleet index
# (indications_fleet). The times include maydayctl's start and the store's
# open, as an operator sees them.
# usage: bench/fleet.sh BUILD_DIR
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
. "$(dirname "$0")/results_lib.sh"
maydayd=$build/server/maydayd
ctl=$build/tools/maydayctl/maydayctl
for b in "$maydayd" "$ctl"; do
  [ -x "$b" ] || { echo "fleet bench: missing $b (build first)" >&2; exit 1; }
done
command -v sqlite3 >/dev/null || { echo "fleet bench: sqlite3 missing (Debian package: sqlite3)" >&2; exit 1; }
devices=${DEVICES:-100000}
indications=${INDICATIONS:-1000000}

work=$(mktemp -d "${TMPDIR:-/tmp}/mayday-bench.XXXXXX")
pid=
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid"; wait "$pid" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# maydayd creates the store with the current schema, then stops.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/hems.key" 2>/dev/null
cat > "$work/maydayd.conf" <<CONF
[server]
db = sqlite:$work/hems.db
hems_key = $work/hems.key

[udp]
listen = 127.0.0.1:0
CONF
"$maydayd" -c "$work/maydayd.conf" -f 2>"$work/maydayd.log" &
pid=$!
for _ in $(seq 200); do
  grep -q 'listening on udp' "$work/maydayd.log" && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.05
done
grep -q 'listening on udp' "$work/maydayd.log" ||
  { echo "fleet bench: maydayd did not start" >&2; cat "$work/maydayd.log" >&2; exit 1; }
kill -TERM "$pid"; wait "$pid" || { echo "fleet bench: maydayd exited non-zero" >&2; exit 1; }
pid=

now=$(date +%s)
echo "== fleet view: $devices devices, $indications indications over 30 days ($(nproc)-core box)"
fill_start=$(date +%s.%N)
sqlite3 "$work/hems.db" >/dev/null <<SQL
PRAGMA journal_mode = WAL;
PRAGMA synchronous = OFF;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < $devices)
INSERT INTO devices (id, product_class, pubkey_pem, state, state_since, enrolled_at)
SELECT printf('hnb-%07d', i), 'femto-' || (i % 10), 'bench', 'in_distress', $now, $now FROM n;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < $indications)
INSERT INTO indications (id, device_id, counter, received_at, device_time, transport, trust, peer,
  reason, image_version, manifest_rollback, dcf_version, slot, boot_attempts, free_space,
  max_image_size, raw, digest)
SELECT i + 1, printf('hnb-%07d', (i * 7919) % $devices), i, $now - (i * 2592000 / $indications),
  0, 0, 'signed', '127.0.0.1:1', 2, '1.' || (i % 20) || '.0', 0, '0.1.0', 1, 1, 0, 0, x'', x''
FROM n;
INSERT INTO failed_components (indication_id, idx, name, flags, expected_size, measured_size,
  expected_digest, measured_digest)
SELECT id, 0, 'component-' || (id % 8) || '.img', 1, 100, 100, printf('%064d', 0),
  printf('%064d', id % 4) FROM indications;
COMMIT;
ANALYZE;
SQL
awk -v a="$fill_start" -v b="$(date +%s.%N)" 'BEGIN { printf "fill: %.1f s\n", b - a }'
cp "$work/hems.db" "$work/base.db"
sqlite3 "$work/base.db" "DROP INDEX indications_fleet; ANALYZE;"

# Median of 3 runs, in milliseconds.
timed() {
  local db=$1; shift
  local t=()
  for _ in 1 2 3; do
    local s e
    s=$(date +%s%N)
    "$ctl" -d "sqlite:$db" fleet --limit 50 "$@" >/dev/null
    e=$(date +%s%N)
    t+=($(( (e - s) / 1000000 )))
  done
  printf '%s\n' "${t[@]}" | sort -n | sed -n 2p
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
printf '%-10s %-6s %12s %14s\n' "--by" "since" "indexed ms" "no index ms"
for by in class image component digest; do
  for since in 24h 30d; do
    ms=$(timed "$work/hems.db" --by "$by" --since "$since")
    base_ms=$(timed "$work/base.db" --by "$by" --since "$since")
    printf '%-10s %-6s %12s %14s\n' "$by" "$since" "$ms" "$base_ms"
    bench_result "fleet.by_$by.$since" "$ms" ms "the same without the fleet index" "$base_ms" \
      "$(ratio "$ms" "$base_ms")" "none"
  done
done
# And one class's view, as an operator narrowing a spike down.
ms=$(timed "$work/hems.db" --by component --since 24h --class femto-3)
base_ms=$(timed "$work/base.db" --by component --since 24h --class femto-3)
printf '%-10s %-6s %12s %14s   (--class femto-3)\n' component 24h "$ms" "$base_ms"
bench_result fleet.by_component.24h.class "$ms" ms "the same without the fleet index" "$base_ms" \
  "$(ratio "$ms" "$base_ms")" "none"
"$ctl" -d "sqlite:$work/hems.db" fleet --by digest --since 24h --limit 3 | sed 's/^/sample: /'
