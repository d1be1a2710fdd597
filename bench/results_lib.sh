# SPDX-License-Identifier: Apache-2.0
# Sourced by every bench script: its figures, kept as JSON next to the lines
# it prints, so that `make bench` runs can be compared (bench/run.sh turns
# the lines into bench/results/latest.json).
#
#   bench_result NAME VALUE UNIT [BASELINE_NAME BASELINE_VALUE RATIO GOAL]
#
# appends one JSON object per call, one a line, to the file BENCH_RESULTS
# names (run.sh sets it); without BENCH_RESULTS (a bench run alone) it does
# nothing. Numbers stay numbers ("12995.3" -> 12995.3); anything else
# ("n/a", a goal such as ">= 0.70") is kept as a string. A failure to
# record is reported and never fails the benchmark itself.

bench_result() {  # NAME VALUE UNIT [BASELINE_NAME BASELINE_VALUE RATIO GOAL]
  [ -n "${BENCH_RESULTS:-}" ] || return 0
  if [ $# -ne 3 ] && [ $# -ne 7 ]; then
    echo "bench_result: $# arguments for ${1:-?} (3 or 7 expected)" >&2
    return 0
  fi
  # shellcheck disable=SC2016  # jq's own $variables
  jq -nc --arg name "$1" --arg value "$2" --arg unit "$3" \
    --arg bname "${4:-}" --arg bvalue "${5:-}" --arg ratio "${6:-}" --arg goal "${7:-}" \
    --argjson full "$([ $# -eq 7 ] && echo true || echo false)" '
    def num: . as $s | (try tonumber catch $s);
    {name: $name, value: ($value | num), unit: $unit}
    + (if $full then {baseline: {name: $bname, value: ($bvalue | num)},
                      ratio: ($ratio | num), goal: $goal} else {} end)' \
    >>"$BENCH_RESULTS" || echo "bench_result: could not record $1" >&2
  return 0
}
