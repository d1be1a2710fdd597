#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# maydayd's store alone (bench/store_ingest.c): the ingest benches' rows
# (2000 devices taking turns, one failed component each) through
# store_ingest_put/commit, signed over plain UDP and PSK, at the default
# batch (256) and at the largest batch the writer grows to under load
# (1024: half the default 2048 slots, srv_writer.h). Baseline in the same
# run: bench/ingest_psk.sh's "batched SQLite insert ceiling" (mayday-sim
# --method sqlite, at the same batch): one INSERT of one row into one table
# with one unique index per indication -- what maydayd's store does beyond
# that (the device's row read and written, the open incident, the failed
# component, the incident's history, the PSK window) is the difference.
# Prints CPU per row (user + system, the wait for the disk not counted; for
# the ceiling the whole mayday-sim process, its start-up included, which
# ROWS amortises) and rows/s; the ratio is store rows/s over ceiling rows/s.
# usage: bench/store_ingest.sh BUILD_DIR  (env: ROWS, default 30000)
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
. "$(dirname "$0")/results_lib.sh"
prog=$build/bench/store_ingest
sim=$build/tools/sim/mayday-sim
rows=${ROWS:-30000}
for p in "$prog" "$sim"; do
  [ -x "$p" ] || { echo "store ingest bench: missing $p (build first)" >&2; exit 1; }
done
work=$(mktemp -d "${TMPDIR:-/tmp}/mayday-store-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
field() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p"; }

echo "== store ingest alone: $rows rows, 2000 devices, best of 2 rounds (load average $(cut -d' ' -f1-3 /proc/loadavg))"
for batch in 256 1024; do
  # The ceiling: mayday-sim's CPU from bash's `time` (user + system).
  TIMEFORMAT='%U %S'
  { time "$sim" --method sqlite --db "$work/ceiling-$batch.db" --count "$rows" \
      --batch "$batch" --duration 60 >"$work/ceiling.out"; } 2>"$work/ceiling.time"
  c_rate=$(sed -n 's/.*rows\/s=\([0-9.]*\).*/\1/p' "$work/ceiling.out")
  c_cpu=$(awk -v n="$rows" '{ printf "%.2f", ($1 + $2) * 1e6 / n }' "$work/ceiling.time")
  printf '%-38s batch %4d: %7s us CPU/row, %8s rows/s\n' "baseline: SQLite batched insert ceiling" \
    "$batch" "$c_cpu" "$c_rate"
  for m in udp psk; do
    mkdir "$work/$m-$batch"
    out=$("$prog" "$work/$m-$batch" "$m" "$rows" "$batch" 2000 2)
    cpu=$(field cpu_us_per_row <<<"$out")
    put=$(field cpu_put_us <<<"$out")
    commit=$(field cpu_commit_us <<<"$out")
    rate=$(sed -n 's/.*rows\/s=\([0-9.]*\).*/\1/p' <<<"$out")
    ratio=$(awk -v a="$rate" -v b="$c_rate" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
    printf '%-38s batch %4d: %7s us CPU/row (puts %s, COMMITs %s), %8s rows/s, %s of the ceiling\n' \
      "store, signed $m" "$batch" "$cpu" "$put" "$commit" "$rate" "$ratio"
    bench_result "store_ingest.$m.batch$batch.cpu_per_row" "$cpu" us \
      "SQLite batched insert ceiling, CPU per row" "$c_cpu" \
      "$(awk -v a="$cpu" -v b="$c_cpu" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }')" "none"
    bench_result "store_ingest.$m.batch$batch.rows" "$rate" rows/s \
      "SQLite batched insert ceiling, rows/s" "$c_rate" "$ratio" "none"
  done
done
