#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/api_reads.sh on PostgreSQL: the same fleet (DEVICES enrolled
# devices, default 100k, over 10 classes; INDICATIONS signed indications,
# default 1M, over 30 days; one failed component each, 20 image versions,
# one device in 20 in distress), filled by direct SQL on a throwaway server
# (tests/integration/pg_harness.sh), then the same reads timed in-process
# through api_handle (bench/api_get.c: median of 3, milliseconds). Then
# each read once more with auto_explain, so the plans are those of the SQL
# the store really sends (EXPLAIN ANALYZE of every statement, in
# $PLANS, default BUILD_DIR/api_reads_pg.plans); a line per read names
# the scans its plans use. Routes needing calls the PostgreSQL backend
# does not have yet are left out (the device detail).
# usage: bench/api_reads_pg.sh BUILD_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-build}" && pwd)
if [ -z "${MAYDAY_TEST_PG:-}" ]; then
  exec "$here/../tests/integration/pg_harness.sh" run -- "$0" "$build"
fi
. "$here/results_lib.sh"
get=$build/bench/api_get
[ -x "$get" ] || { echo "api bench: missing $get (build first)" >&2; exit 1; }
psql=${MAYDAY_PG_BIN:-/usr/lib/postgresql/15/bin}/psql
devices=${DEVICES:-100000}
indications=${INDICATIONS:-1000000}
plans=${PLANS:-$build/api_reads_pg.plans}
# the harness's URI names the database "postgres": the bench makes its own
uri=${MAYDAY_TEST_PG/\/postgres\?//mayday_bench?}
"$psql" -q -v ON_ERROR_STOP=1 "$MAYDAY_TEST_PG" -c "CREATE DATABASE mayday_bench"
"$get" "$uri" /v1/whoami "" 1 >/dev/null   # creates the store, current schema
now=$(date +%s)
echo "== API reads on PostgreSQL: $devices devices, $indications indications over 30 days ($(nproc)-core box)"
"$psql" -q -v ON_ERROR_STOP=1 "$uri" >/dev/null <<SQL
BEGIN;
INSERT INTO devices (id, product_class, pubkey_pem, state, state_since, enrolled_at, last_seen)
SELECT format('hnb-%s', lpad(i::text, 7, '0')), 'femto-' || (i % 10), 'bench',
  CASE WHEN i % 20 = 0 THEN 'in_distress' ELSE 'healthy' END, $now, $now, $now - (i % 86400)
FROM generate_series(0, $devices - 1) i;
INSERT INTO indications (id, device_id, counter, received_at, device_time, transport, trust, peer,
  reason, image_version, manifest_rollback, dcf_version, slot, boot_attempts, free_space,
  max_image_size, raw, digest)
SELECT i + 1, format('hnb-%s', lpad(((i * 7919::bigint) % $devices)::text, 7, '0')), i,
  $now - 2592000 + (i * 2592000::bigint / $indications), 0, 0,
  CASE WHEN i % 50 = 0 THEN 'unverified' ELSE 'signed' END, '127.0.0.1:1', 2,
  '1.' || (i % 20) || '.0', 0, '0.1.0', 1, 1, 0, 0, '\x', '\x'
FROM generate_series(0, $indications - 1) i;
INSERT INTO failed_components (indication_id, idx, name, flags, expected_size, measured_size,
  expected_digest, measured_digest)
SELECT id, 0, 'component-' || (id % 8) || '.img', 1, 100, 100, lpad('0', 64, '0'),
  lpad((id % 4)::text, 64, '0') FROM indications;
COMMIT;
VACUUM ANALYZE;
SQL

# the cursor of the page after hnb-0050000: base64url of "d:hnb-0050000"
deep=$(printf 'd:hnb-%07d' $((devices / 2)) | base64 -w0 | tr '+/' '-_' | tr -d '=')
reads=(
  "/v1/devices|"
  "/v1/devices|limit=1000"
  "/v1/devices|cursor=$deep"
  "/v1/devices|state=in_distress"
  "/v1/devices|class=femto-3"
  "/v1/devices|maintenance=true"
  "/v1/devices|image=1.7.0"
  "/v1/devices|failed_component=component-3.img"
  "/v1/devices|seen_after=$((now - 3600))"
  "/v1/devices/counts|"
  "/v1/devices/hnb-0000042/indications|"
  "/v1/indications|"
  "/v1/indications|limit=1000"
  "/v1/indications|trust=unverified"
  "/v1/indications|device=hnb-0000042"
  "/v1/indications|since=$((now - 3600))"
  "/v1/fleet/component|since=24h"
  "/v1/fleet/image|since=7d&class=femto-3"
)
printf '%-60s %9s %6s %9s\n' "GET" "ms" "status" "bytes"
for r in "${reads[@]}"; do
  path=${r%%|*} query=${r#*|}
  read -r ms status bytes < <("$get" "$uri" "$path" "$query" 3 || true)
  printf '%-60s %9s %6s %9s\n' "$path${query:+?$query}" "$ms" "$status" "$bytes"
  bench_result "api_reads_pg.GET $path${query:+?${query%%=*}}" "$ms" ms
done

# The plans: auto_explain hands each statement's EXPLAIN ANALYZE to the
# client as a WARNING, which libpq prints on stderr.
"$psql" -q -v ON_ERROR_STOP=1 "$uri" <<SQL
ALTER DATABASE mayday_bench SET session_preload_libraries = 'auto_explain';
ALTER DATABASE mayday_bench SET auto_explain.log_min_duration = 0;
ALTER DATABASE mayday_bench SET auto_explain.log_analyze = on;
ALTER DATABASE mayday_bench SET auto_explain.log_level = 'warning';
SQL
: >"$plans"
echo "== the scans in each read's plans (all of them: $plans)"
for r in "${reads[@]}"; do
  path=${r%%|*} query=${r#*|}
  out=$("$get" "$uri" "$path" "$query" 1 2>&1 >/dev/null || true)
  printf '### GET %s\n%s\n\n' "$path${query:+?$query}" "$out" >>"$plans"
  scans=$(grep -oE '(Parallel )?(Index Only Scan|Index Scan|Seq Scan|Bitmap Index Scan)( Backward)? (using [a-z_]+ )?on [a-z_]+' <<<"$out" |
          sort | uniq -c | awk '{$1=$1; print}' | paste -sd';' -)
  printf '%-60s %s\n' "$path${query:+?$query}" "${scans:-(none)}"
done
