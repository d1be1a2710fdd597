#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# make bench: every benchmark, each printing its figure next to a baseline
# measured in the same run on the same machine.
#
# The figures are also kept as JSON (bench/results_lib.sh): at the end this
# writes bench/results/latest.json -- the date, the git commit, the machine
# (cores, CPU model, load average) and every figure -- after moving the last
# run's to bench/results/previous.json, and prints each figure next to the
# previous run's. A failing benchmark stops the run and keeps both files.
# (env BENCH_RESULTS_DIR: somewhere else than bench/results)
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
results_dir=${BENCH_RESULTS_DIR:-$here/results}
mkdir -p "$results_dir"
BENCH_RESULTS=$(mktemp "${TMPDIR:-/tmp}/mayday-bench-results.XXXXXX")
export BENCH_RESULTS
trap 'rm -f "$BENCH_RESULTS"' EXIT
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

"$here/boot_measure.sh" "$build"
"$here/footprint.sh" "$build"
"$here/install.sh" "$build"
"$here/remediate.sh" "$build"
"$here/ingest_udp.sh" "$build"
"$here/ingest_psk.sh" "$build"
"$here/store_ingest.sh" "$build"
"$here/ingest_tls.sh" "$build"
"$here/ingest_http.sh" "$build"
"$here/device_latency.sh" "$build"
"$here/fleet.sh" "$build"
"$here/api_reads.sh" "$build"
# The dashboard's summary at 100k devices: its API reads over HTTP, and in Chromium.
"$here/dashboard.sh" "$build"
"$here/key_load.sh" "$build"
"$here/tpm.sh" "$build"
"$here/ack_batch.sh" "$build"
"$here/storm.sh" "$build"
# The same storm against two maydayd nodes on one (throwaway) PostgreSQL.
"$here/storm_pg.sh" "$build"
echo "== IPsec ingest: not measured (the SeGW tunnel runs user-space ESP, kernel-libipsec; its rate would be strongSwan's, not maydayd's)"

# ---- the results document ----------------------------------------------------
commit=$(git -C "$here" rev-parse HEAD 2>/dev/null || echo unknown)
dirty=false
if [ "$commit" != unknown ] && [ -n "$(git -C "$here" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
  dirty=true
fi
model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
jq -s --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --arg commit "$commit" --argjson dirty "$dirty" \
  --argjson nproc "$(nproc)" --arg model "${model:-unknown}" \
  --arg load_before "$load_before" --arg load_after "$(cut -d' ' -f1-3 /proc/loadavg)" \
  '{date: $date, commit: $commit, dirty: $dirty,
    machine: {nproc: $nproc, model: $model,
              loadavg_before: $load_before, loadavg_after: $load_after},
    results: .}' "$BENCH_RESULTS" >"$results_dir/latest.json.new"
if [ -f "$results_dir/latest.json" ]; then
  mv "$results_dir/latest.json" "$results_dir/previous.json"
fi
mv "$results_dir/latest.json.new" "$results_dir/latest.json"
echo "== results: $results_dir/latest.json ($(jq '.results | length' "$results_dir/latest.json") figures)"

# One line per figure that the previous run also has: value, previous value,
# change; and the ratio to the same-run baseline, where there is one (the
# ratio is what to compare when the machine was busier in one of the runs).
if [ -f "$results_dir/previous.json" ]; then
  echo "== compared with the previous run ($(jq -r '"\(.date), commit \(.commit[0:12]), load \(.machine.loadavg_before)"' \
    "$results_dir/previous.json"))"
  jq -r --slurpfile prev "$results_dir/previous.json" '
    def pct(a; b): if (a | type) == "number" and (b | type) == "number" and b != 0
                   then ((a - b) / b * 100 * 10 | round / 10 | tostring) + "%" else "n/a" end;
    def plus(s): if (s | startswith("-")) or s == "n/a" then s else "+" + s end;
    ($prev[0].results | map({(.name): .}) | add // {}) as $p
    | .results[] | select($p[.name] != null) | . as $r | $p[.name] as $o
    | "\($r.name): \($r.value) \($r.unit) (previous \($o.value), \(plus(pct($r.value; $o.value))))"
      + (if $r.ratio != null and $o.ratio != null
         then "; ratio \($r.ratio) (previous \($o.ratio))" else "" end)' \
    "$results_dir/latest.json"
fi
