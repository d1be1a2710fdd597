#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The H(e)MS's CPU per acknowledgement (bench/ack_batch.c, thread CPU time,
# best of 3): batch acknowledgements (docs/protocol.md §7.2, one root
# signature per batch) of 1..1000 acks against the baseline, in the same
# run, of one ES256 signature per ack (the single form).
# usage: bench/ack_batch.sh BUILD_DIR   (env: ACKS, default 20000 per round)
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
. "$(dirname "$0")/results_lib.sh"
prog=$build/bench/ack_batch
[ -x "$prog" ] || { echo "ack batch bench: missing $prog (build first)" >&2; exit 1; }
out=$("$prog" "${ACKS:-20000}")
single=$(awk '$1 == "single" { print $2 }' <<<"$out")
echo "== ack signing CPU per acknowledgement (one thread)"
printf '%-44s %9s µs\n' "baseline: single form (one ES256 per ack)" "$single"
while read -r _ size us; do
  ratio=$(awk -v a="$us" -v b="$single" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }')
  printf '%-44s %9s µs  (%s of the single form)\n' "batch form, $size acks per root" "$us" "$ratio"
  bench_result "ack_batch.per_ack_$size" "$us" us "single form, one ES256 per ack" "$single" "$ratio" "none"
done < <(awk '$1 == "batch"' <<<"$out")
