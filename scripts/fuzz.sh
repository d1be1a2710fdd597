#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs every libFuzzer target in BUILD_DIR/tests/fuzz for SECONDS each, seeded
# from tests/corpus/<target>/ (read-only) with new inputs kept in a work
# corpus under BUILD_DIR. A crash leaves its input as
# BUILD_DIR/tests/fuzz/artifacts/<target>-crash-*: freeze it into
# tests/corpus/<target>/ once fixed. Exits non-zero if any target failed.
#
#   scripts/fuzz.sh BUILD_DIR SECONDS      (make fuzz FUZZ_SECONDS=...)
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 BUILD_DIR SECONDS" >&2
  exit 2
fi
build=$1
seconds=$2
root=$(cd "$(dirname "$0")/.." && pwd)
fuzzdir=$build/tests/fuzz
case $seconds in
  ''|*[!0-9]*) echo "fuzz.sh: SECONDS must be a number" >&2; exit 2 ;;
esac
if [ ! -d "$fuzzdir" ]; then
  echo "fuzz.sh: $fuzzdir not found (configure with -DMAYDAY_FUZZ=ON and build fuzz_all)" >&2
  exit 2
fi
mkdir -p "$fuzzdir/artifacts"

failed=()
ran=0
for exe in "$fuzzdir"/fuzz_*; do
  [ -f "$exe" ] && [ -x "$exe" ] || continue
  name=$(basename "$exe")
  work=$fuzzdir/corpus-$name
  seeds=$root/tests/corpus/$name
  mkdir -p "$work"
  dirs=("$work")
  [ -d "$seeds" ] && dirs+=("$seeds")
  echo "== $name: ${seconds}s"
  ran=$((ran + 1))
  if ! "$exe" -max_total_time="$seconds" -max_len=8192 -timeout=5 -print_final_stats=1 \
       -artifact_prefix="$fuzzdir/artifacts/$name-" "${dirs[@]}" 2> "$fuzzdir/$name.log"; then
    failed+=("$name")
    tail -n 40 "$fuzzdir/$name.log" >&2
  else
    grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ +DONE)' \
      "$fuzzdir/$name.log" || true
  fi
done

if [ "$ran" -eq 0 ]; then
  echo "fuzz.sh: no fuzz_* executables in $fuzzdir" >&2
  exit 2
fi
if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzz.sh: FAILED: ${failed[*]} (inputs in $fuzzdir/artifacts/)" >&2
  exit 1
fi
echo "fuzz.sh: $ran targets, no failures"
