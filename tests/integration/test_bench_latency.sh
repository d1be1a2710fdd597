#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/device_latency.sh with RUNS=3: the script itself fails unless every
# mayday-boot and DCF run ends acknowledged (exit 10) and every indication
# was stored signed. Checked here: a row per method with its baseline and
# goals (the process-level baselines; the in-process UDP echo beside them),
# and the figures kept through bench_result, numbers all. Nothing
# about the times themselves: the machine may be busy.
set -euo pipefail
build=$1
src=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/mayday-bench-latency.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; cat "$work/out" >&2; exit 1; }

BENCH_RESULTS=$work/results.jsonl RUNS=3 "$src/bench/device_latency.sh" "$build" >"$work/out" 2>&1 ||
  fail "device_latency.sh exited non-zero"
for m in plain-udp psk tls; do
  grep -Eq "^$m +[0-9.]+ +[0-9.]+ .* p99 <= (20|50) ms: (met|NOT met); <= 2x: (met|NOT met)$" "$work/out" ||
    fail "no row for $m"
  for p in p50 p99; do
    jq -se --arg n "device_latency.$m.$p" 'map(select(.name == $n)) | length == 1 and (.[0]
      | (.value | type == "number") and (.baseline.value | type == "number") and (.ratio | type == "number"))' \
      "$work/results.jsonl" >/dev/null || fail "figure device_latency.$m.$p not kept"
  done
done
grep -q 'curl: TLS 1.3 handshake + 1 POST' "$work/out" || fail "no TLS baseline"
grep -q 'UDP round trip, 1 process per run' "$work/out" || fail "no process-level UDP baseline"
grep -q '^UDP echo .*in-process round trip' "$work/out" || fail "no in-process UDP baseline"
for m in plain-udp psk; do
  jq -se --arg n "device_latency.$m.p50_vs_inprocess_echo" 'map(select(.name == $n)) | length == 1
    and (.[0].ratio | type == "number")' "$work/results.jsonl" >/dev/null ||
    fail "ratio of $m to the in-process echo not kept"
done
[ "$(wc -l <"$work/results.jsonl")" = 17 ] || fail "$(wc -l <"$work/results.jsonl") figures kept, expected 17"
echo "device latency bench: 3 methods, process-level and in-process baselines, 17 figures kept"
