#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# make bench's results file (bench/run.sh, bench/results_lib.sh) without
# running the benchmarks: run.sh and results_lib.sh are copied next to stub
# benches of the same names that call bench_result the way the real ones
# do, and run.sh is run twice. Checked: latest.json is one JSON document
# with the date, commit, machine and every figure in order; numbers stay
# numbers and other values strings; the second run moves the first to
# previous.json and prints one comparison line per figure; a failing bench
# keeps both files untouched; bench_result outside run.sh does nothing and
# a wrong call never fails the bench.
set -euo pipefail
src=$1
work=$(mktemp -d "${TMPDIR:-/tmp}/mayday-bench-results.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

mkdir "$work/bench" "$work/build"
cp "$src/bench/run.sh" "$src/bench/results_lib.sh" "$work/bench/"
# Every bench run.sh starts, as a stub: figures from BENCH_STUB_VALUE.
benches=$(sed -n 's|^"$here/\([a-z_]*\.sh\)" "$build"$|\1|p' "$src/bench/run.sh")
[ "$(echo "$benches" | wc -l)" -ge 10 ] || fail "run.sh starts only: $benches"
for b in $benches; do
  cat >"$work/bench/$b" <<'STUB'
#!/usr/bin/env bash
set -euo pipefail
. "$(dirname "$0")/results_lib.sh"
name=$(basename "$0" .sh)
[ "$name" = "${BENCH_STUB_FAIL:-}" ] && exit 3
echo "$name: figure ${BENCH_STUB_VALUE}"
bench_result "$name.rate" "$BENCH_STUB_VALUE" indications/s "baseline/s" 200 "$(awk -v v="$BENCH_STUB_VALUE" 'BEGIN { printf "%.2f", v / 200 }')" ">= 0.70"
bench_result "$name.size" n/a bytes
bench_result "$name.wrong" 1          # a wrong call: reported, not fatal
STUB
  chmod +x "$work/bench/$b"
done
n=$(echo "$benches" | wc -l)
results=$work/bench/results

BENCH_STUB_VALUE=100 "$work/bench/run.sh" "$work/build" >"$work/run1.out" 2>"$work/run1.err" ||
  fail "first run: $(cat "$work/run1.err")"
latest=$results/latest.json
[ -f "$latest" ] || fail "no latest.json"
[ ! -f "$results/previous.json" ] || fail "previous.json after the first run"
jq -e . "$latest" >/dev/null || fail "latest.json is not JSON"
jq -e '(.date | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T")) and (.commit | type == "string")
       and (.machine.nproc | type == "number") and (.machine.model | length > 0)
       and (.machine.loadavg_before | length > 0)' "$latest" >/dev/null ||
  fail "header fields: $(jq -c 'del(.results)' "$latest")"
[ "$(jq '.results | length' "$latest")" = $((2 * n)) ] ||
  fail "$(jq '.results | length' "$latest") figures, expected $((2 * n))"
first=$(echo "$benches" | head -1 | sed 's/\.sh$//')
[ "$(jq -r '.results[0].name' "$latest")" = "$first.rate" ] || fail "figures out of run order"
jq -e '.results[0] | .value == 100 and .unit == "indications/s" and .baseline.value == 200
       and .baseline.name == "baseline/s" and .ratio == 0.5 and .goal == ">= 0.70"' "$latest" >/dev/null ||
  fail "a full figure: $(jq -c '.results[0]' "$latest")"
jq -e '.results[1] | .value == "n/a" and .unit == "bytes" and (has("baseline") | not)' "$latest" >/dev/null ||
  fail "a bare figure: $(jq -c '.results[1]' "$latest")"
grep -q 'bench_result: 2 arguments' "$work/run1.err" || fail "the wrong call was not reported"
grep -q 'compared with the previous run' "$work/run1.out" && fail "a comparison without a previous run"

BENCH_STUB_VALUE=150 "$work/bench/run.sh" "$work/build" >"$work/run2.out" 2>"$work/run2.err" ||
  fail "second run: $(cat "$work/run2.err")"
[ "$(jq '.results[0].value' "$results/previous.json")" = 100 ] || fail "previous.json is not the first run"
[ "$(jq '.results[0].value' "$latest")" = 150 ] || fail "latest.json is not the second run"
grep -q "^$first.rate: 150 indications/s (previous 100, +50%); ratio 0.75 (previous 0.5)$" "$work/run2.out" ||
  fail "no comparison line for $first.rate: $(grep -A3 'compared' "$work/run2.out")"
[ "$(grep -c '(previous ' "$work/run2.out")" = $((2 * n)) ] || fail "not one comparison line per figure"

# A failing bench stops the run and leaves both files as they were.
cp "$latest" "$work/latest.before"
cp "$results/previous.json" "$work/previous.before"
last=$(echo "$benches" | tail -1 | sed 's/\.sh$//')
if BENCH_STUB_VALUE=1 BENCH_STUB_FAIL=$last "$work/bench/run.sh" "$work/build" >/dev/null 2>&1; then
  fail "run.sh succeeded with a failing bench"
fi
cmp -s "$latest" "$work/latest.before" || fail "latest.json changed by a failed run"
cmp -s "$results/previous.json" "$work/previous.before" || fail "previous.json changed by a failed run"

# Outside run.sh (a bench run alone) bench_result writes nothing anywhere.
(
  cd "$work"
  unset BENCH_RESULTS
  . "$src/bench/results_lib.sh"
  bench_result alone 1 s
) || fail "bench_result without BENCH_RESULTS failed"
echo "results: $n benches, $((2 * n)) figures kept; previous run compared; failed run left the files alone"
