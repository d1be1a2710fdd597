#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The dashboard's fleet summary at fleet scale (issue 18; docs/dashboard.md):
# a store with DEVICES enrolled devices (default 100k) over 10 classes and
# INDICATIONS signed indications (default 1M) over 30 days, filled by direct
# SQL as bench/api_reads.sh does, one device in 20 in distress with an open
# incident, one in 40 with a remediation attempt, and a history of HISTORY
# (default 500k) finished attempts of closed incidents over the year before
# (what a fleet collects; the counts' remediation figures read only the
# last 30 days of them, docs/api.md); then a real maydayd on it,
# with its management listener on loopback and a viewer token, and:
#  - each of the summary's five API reads over HTTP with curl (median of 3,
#    ms: the transport and JSON included), and their sum;
#  - the whole summary in Debian's Chromium (bench/dashboard_load.mjs): from
#    the start of a load of /ui/ to the device total on screen, median of 5;
#    skipped, said, without chromium or tests/browser/node_modules.
# usage: bench/dashboard.sh BUILD_DIR
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
. "$here/results_lib.sh"
get=$build/bench/api_get
maydayd=$build/server/maydayd
ctl=$build/tools/maydayctl/maydayctl
for b in "$get" "$maydayd" "$ctl"; do
  [ -x "$b" ] || { echo "dashboard bench: missing $b (build first)" >&2; exit 1; }
done
command -v sqlite3 >/dev/null || { echo "dashboard bench: sqlite3 missing" >&2; exit 1; }
devices=${DEVICES:-100000}
indications=${INDICATIONS:-1000000}
history=${HISTORY:-500000}
work=$(mktemp -d "${TMPDIR:-/tmp}/mayday-dash-bench.XXXXXX")
daemon_pid=
cleanup() {
  if [ -n "$daemon_pid" ] && kill -0 "$daemon_pid" 2>/dev/null; then
    kill -TERM "$daemon_pid"
    wait "$daemon_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
db=sqlite:$work/hems.db

"$get" "$db" /v1/whoami "" 1 >/dev/null   # creates the store, current schema
now=$(date +%s)
echo "== dashboard summary: $devices devices, $indications indications over 30 days, $history past attempts over a year ($(nproc)-core box)"
sqlite3 "$work/hems.db" >/dev/null <<SQL
PRAGMA journal_mode = WAL;
PRAGMA synchronous = OFF;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < $devices)
INSERT INTO devices (id, product_class, pubkey_pem, state, state_since, enrolled_at, last_seen)
SELECT printf('hnb-%07d', i), 'femto-' || (i % 10), 'bench',
  CASE WHEN i % 20 = 0 THEN 'in_distress' ELSE 'healthy' END, $now, $now, $now - (i % 86400) FROM n;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < $indications)
INSERT INTO indications (id, device_id, counter, received_at, device_time, transport, trust, peer,
  reason, image_version, manifest_rollback, dcf_version, slot, boot_attempts, free_space,
  max_image_size, raw, digest)
SELECT i + 1, printf('hnb-%07d', (i * 7919) % $devices), i, $now - 2592000 + (i * 2592000 / $indications),
  0, 0, CASE WHEN i % 50 = 0 THEN 'unverified' ELSE 'signed' END, '127.0.0.1:1', 2,
  '1.' || (i % 20) || '.0', 0, '0.1.0', 1, 1, 0, 0, x'', x''
FROM n;
INSERT INTO failed_components (indication_id, idx, name, flags, expected_size, measured_size,
  expected_digest, measured_digest)
SELECT id, 0, 'component-' || (id % 8) || '.img', 1, 100, 100, printf('%064d', 0),
  printf('%064d', id % 4) FROM indications;
INSERT INTO incidents (device_id, opened_at, state)
SELECT id, $now - 3600, 'open' FROM devices WHERE state = 'in_distress';
INSERT INTO remediation_attempts (incident_id, device_id, attempt, command_key, token, bundle,
  bundle_size, free_space, max_image_size, started_at, finished_at, result)
SELECT i.id, i.device_id, 1, 'rem-' || i.id, '', '/b.bundle', 1000, 5000, 4000, $now - 1800,
  CASE WHEN i.id % 2 = 0 THEN $now - 1700 END,
  CASE WHEN i.id % 4 = 0 THEN 'failed' WHEN i.id % 2 = 0 THEN 'recovered' ELSE 'in_progress' END
FROM incidents i WHERE i.id % 2 = 0 OR i.id % 4 = 1;
-- the history: closed incidents, each with one finished attempt, spread over
-- the 365 days before the last hour (ids above the open ones)
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < $history)
INSERT INTO incidents (id, device_id, opened_at, closed_at, state)
SELECT 10000000 + i, printf('hnb-%07d', (i * 7919) % $devices),
  $now - 3600 - 31536000 + (i * 31536000 / $history), $now - 3600 - 31536000 + (i * 31536000 / $history) + 600,
  'recovered' FROM n;
INSERT INTO remediation_attempts (incident_id, device_id, attempt, command_key, token, bundle,
  bundle_size, free_space, max_image_size, started_at, finished_at, result)
SELECT i.id, i.device_id, 1, 'rem-' || i.id, '', '/b.bundle', 1000, 5000, 4000, i.opened_at + 60,
  i.closed_at, CASE WHEN i.id % 5 = 0 THEN 'failed' ELSE 'recovered' END
FROM incidents i WHERE i.id >= 10000000;
COMMIT;
ANALYZE;
SQL

api_port=$("$here/../scripts/free-port.sh" tcp)
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/hems.key" 2>/dev/null
cat > "$work/maydayd.conf" <<CONF
[server]
db = $db
hems_key = $work/hems.key
workers = 1

[udp]
listen = 127.0.0.1:0

[api]
socket = $work/api.sock
listen = 127.0.0.1:$api_port
CONF
"$maydayd" -c "$work/maydayd.conf" -f >/dev/null 2>"$work/maydayd.log" &
daemon_pid=$!
for _ in $(seq 600); do
  grep -q 'info: running (' "$work/maydayd.log" && break
  kill -0 "$daemon_pid" 2>/dev/null || { cat "$work/maydayd.log" >&2; exit 1; }
  sleep 0.05
done
token=$("$ctl" --socket "$work/api.sock" tokens create --name bench --role viewer 2>/dev/null)
base=http://127.0.0.1:$api_port

# The summary's reads, as web/js/summary.js makes them.
printf '%-52s %9s %6s %9s\n' "GET (over HTTP, median of 3)" "ms" "status" "bytes"
sum=0
for q in "/v1/devices/counts" "/v1/classes" "/v1/fleet/hour?since=24h" \
         "/v1/fleet/anomalies?limit=5" "/v1/devices?maintenance=true&limit=10"; do
  ts=()
  for _ in 1 2 3; do
    read -r status bytes t < <(curl -sS -o /dev/null -w '%{http_code} %{size_download} %{time_total}\n' \
      -H "Authorization: Bearer $token" "$base$q")
    ts+=("$(awk -v t="$t" 'BEGIN { printf "%d", t * 1000 + 0.5 }')")
  done
  ms=$(printf '%s\n' "${ts[@]}" | sort -n | sed -n 2p)
  sum=$((sum + ms))
  printf '%-52s %9s %6s %9s\n' "$q" "$ms" "$status" "$bytes"
  bench_result "dashboard.GET ${q%%\?*}" "$ms" ms
done
printf '%-52s %9s\n' "the five, one after another" "$sum"
bench_result "dashboard.summary API reads (sum)" "$sum" ms

if [ -x /usr/bin/chromium ] && [ -d "$here/../tests/browser/node_modules/playwright-core" ]; then
  out=$(node "$here/dashboard_load.mjs" "$base" "$token" "$work/profile" "$devices" 5)
  printf '%s\n' "$out" | sed 's/^/  chromium: /'
  ms=$(printf '%s\n' "$out" | sed -n 's/^median //p')
  printf '%-52s %9s\n' "summary in Chromium, load to devices shown (median of 5)" "$ms"
  bench_result "dashboard.summary load in chromium" "$ms" ms
else
  echo "dashboard bench: no chromium or tests/browser/node_modules: the browser figure is skipped" >&2
fi
