#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# PSK-sealed signed indications (COSE_Encrypt0 over UDP) stored per second,
# against this machine's batched SQLite insert ceiling measured in the same
# run (mayday-sim --method sqlite: WAL, synchronous=FULL, batches of 256
# rows shaped like maydayd's; DESIGN §9: >= 0.85x), and AES-256-GCM speed
# for context. Every device gets its own PSK (enrolled with the store API);
# one indication outstanding per device, so the window is DEVICES.
# Indications are signed and sealed before, acks opened on receipt and
# verified after the timed window.
#
# usage: bench/ingest_psk.sh [BUILD_DIR]  (env: DEVICES, SECONDS_RUN, COUNT, ACK_BATCH=on|off)
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
. "$(dirname "$0")/methods_lib.sh"
bench_init ingest_psk
devices=${DEVICES:-1024}
seconds=${SECONDS_RUN:-5}
count=${COUNT:-150000}

echo "== PSK ingest: $devices devices (own PSK each, one outstanding each), ${seconds} s, same $(nproc)-core box"
start_maydayd psk
"$sim" --method psk --port "$mport" --hems-pub "$work/pki/hems.pub.pem" --db "sqlite:$mdb" \
  --psk-kek "$work/pki/psk.kek" \
  --devices "$devices" --count "$count" --duration "$seconds" --timeout-ms 1000 --retries 10 \
  >"$work/sim.out" 2>"$work/sim.err" || true
cat "$work/sim.out"
stop_maydayd psk
bench_result ingest_psk.maydayd_cpu_per_indication "$cpu_us" us
stored=$(sim_field 'stored indications/s' "$work/sim.out")
lost=$(sim_field ' lost' "$work/sim.out")
bad=$(sim_field 'bad_acks' "$work/sim.out")

echo "== baseline: batched SQLite insert ceiling (WAL, synchronous=FULL, 256 rows per transaction)"
"$sim" --method sqlite --db "$work/ceiling.db" --count 2000000 --batch 256 --duration 4 \
  | tee "$work/sqlite.out"
ceiling=$(sim_field 'rows/s' "$work/sqlite.out")
[ -n "$ceiling" ] || { echo "ingest_psk: no SQLite figure" >&2; exit 1; }

echo "== context: openssl speed -seconds 1 -evp aes-256-gcm (one core)"
# columns are in 1000s of bytes per second ("123.45k")
openssl speed -seconds 1 -evp aes-256-gcm 2>/dev/null | awk '/^AES-256-GCM/ {
  printf "AES-256-GCM: %.0f MB/s in 256-byte blocks, %.0f MB/s in 1024-byte blocks\n", $4 / 1000, $5 / 1000 }'

printf 'PSK stored indications/s: %s\nSQLite batched insert ceiling rows/s: %s\nratio: %s (target >= 0.85)\n' \
  "${stored:-0}" "$ceiling" "$(ratio "${stored:-0}" "$ceiling")"
bench_result ingest_psk.stored "${stored:-0}" indications/s "SQLite batched insert ceiling, rows/s" "$ceiling" \
  "$(ratio "${stored:-0}" "$ceiling")" ">= 0.85"
[ "${lost:-1}" = 0 ] || { echo "ingest_psk: ${lost:-?} indications lost" >&2; head -5 "$work/sim.err" >&2; exit 1; }
[ "${bad:-1}" = 0 ] || { echo "ingest_psk: $bad acks did not verify" >&2; exit 1; }
exit 0
