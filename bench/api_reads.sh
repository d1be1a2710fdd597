#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The API's reads at fleet scale: a store with DEVICES enrolled devices
# (default 100k) over 10 product classes and INDICATIONS signed indications
# (default 1M) over 30 days, filled by direct SQL as bench/fleet.sh does
# (one failed component each, 20 image versions), one device in 20 in
# distress; then GET /v1/devices (first page, a page deep in the listing,
# each filter), /v1/devices/counts, /v1/indications pages and one device's
# detail, timed in-process through api_handle (bench/api_get.c: median of
# 3, milliseconds, JSON encoding included; no transport). The baseline:
# the whole fleet as `maydayctl devices --json` lists it, in the same run.
# usage: bench/api_reads.sh BUILD_DIR
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
. "$(dirname "$0")/results_lib.sh"
get=$build/bench/api_get
[ -x "$get" ] || { echo "api bench: missing $get (build first)" >&2; exit 1; }
command -v sqlite3 >/dev/null || { echo "api bench: sqlite3 missing (Debian package: sqlite3)" >&2; exit 1; }
devices=${DEVICES:-100000}
indications=${INDICATIONS:-1000000}
work=$(mktemp -d "${TMPDIR:-/tmp}/mayday-api-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
db=sqlite:$work/hems.db

"$get" "$db" /v1/whoami "" 1 >/dev/null   # creates the store, current schema
now=$(date +%s)
echo "== API reads: $devices devices, $indications indications over 30 days ($(nproc)-core box)"
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
COMMIT;
ANALYZE;
SQL

# the cursor of the page after hnb-0050000: base64url of "d:hnb-0050000"
deep=$(printf 'd:hnb-%07d' $((devices / 2)) | base64 -w0 | tr '+/' '-_' | tr -d '=')
printf '%-60s %9s %6s %9s\n' "GET" "ms" "status" "bytes"
row() {
  local path=$1 query=$2
  read -r ms status bytes < <("$get" "$db" "$path" "$query" 3 || true)
  printf '%-60s %9s %6s %9s\n' "$path${query:+?$query}" "$ms" "$status" "$bytes"
  # the query is named by its shape, not its values (the cursor and the
  # times differ from run to run)
  bench_result "api_reads.GET $path${query:+?${query%%=*}}" "$ms" ms
}
row /v1/devices ""
row /v1/devices "limit=1000"
row /v1/devices "cursor=$deep"
row /v1/devices "state=in_distress"
row /v1/devices "class=femto-3"
row /v1/devices "maintenance=true"
row /v1/devices "image=1.7.0"
row /v1/devices "failed_component=component-3.img"
row /v1/devices "seen_after=$((now - 3600))"
row /v1/devices/counts ""
row /v1/devices/hnb-0000042 ""
row /v1/devices/hnb-0000042/indications ""
row /v1/indications ""
row /v1/indications "limit=1000"
row /v1/indications "trust=unverified"
row /v1/indications "device=hnb-0000042"
row /v1/indications "since=$((now - 3600))"
# The baseline, in the same run: the whole fleet as one listing, as
# `maydayctl devices --json` printed it before the API (no filter, no paging).
ctl=$build/tools/maydayctl/maydayctl
if [ -x "$ctl" ]; then
  s=$(date +%s%N)
  bytes=$("$ctl" -d "$db" devices --json 2>/dev/null | wc -c || true)
  e=$(date +%s%N)
  printf '%-60s %9s %6s %9s\n' "baseline: maydayctl -d devices --json" "$(( (e - s) / 1000000 ))" "-" "$bytes"
  bench_result "api_reads.baseline maydayctl devices --json" "$(( (e - s) / 1000000 ))" ms
fi
