#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Secure start-up measurement throughput on large components, as a ratio to
# `openssl dgst -sha256` over the same files in the same run (warm page cache
# for both: each is run once to warm, then best of RUNS is taken). The
# components are hashed on every CPU at once (DESIGN §9: >= 1.8x); the same
# run on one CPU (taskset -c 0) is printed beside it for reference.
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
size_mib=${BENCH_COMPONENT_MIB:-256}
count=${BENCH_COMPONENTS:-2}
runs=${BENCH_RUNS:-3}
work=$(mktemp -d "${TMPDIR:-/tmp}/mayday-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

"$build/tools/provision/mayday-provision" init --pki "$work/pki" >/dev/null
"$build/tools/provision/mayday-provision" device --pki "$work/pki" --out "$work/dev" --id bench-0001 \
  --class femto-x1 --hems udp:127.0.0.1:9 --dcf-bin "$build/device/dcf/mayday-dcf" \
  --normal-bin "$build/device/normal/mayday-normal" \
  --components "$count" --component-size $((size_mib * 1024 * 1024)) \
  --max-image-size $(((size_mib * count + 64) * 1024 * 1024)) >/dev/null
files=("$work"/dev/slot_a/comp-*.bin)
total_mib=$((size_mib * count))

best() {  # best wall time in seconds of RUNS runs of "$@"
  local b= t0 t1 t
  "$@" >/dev/null 2>&1   # warm-up
  for _ in $(seq "$runs"); do
    t0=$(date +%s.%N); "$@" >/dev/null 2>&1; t1=$(date +%s.%N)
    t=$(echo "$t1 - $t0" | bc -l)
    if [ -z "$b" ] || [ "$(echo "$t < $b" | bc -l)" = 1 ]; then b=$t; fi
  done
  echo "$b"
}
t_boot=$(best "$build/device/boot/mayday-boot" --device "$work/dev" --dry-run)
t_one=$(best taskset -c 0 "$build/device/boot/mayday-boot" --device "$work/dev" --dry-run)
t_ssl=$(best openssl dgst -sha256 "${files[@]}")
mbps_boot=$(echo "$total_mib / $t_boot" | bc -l)
mbps_one=$(echo "$total_mib / $t_one" | bc -l)
mbps_ssl=$(echo "$total_mib / $t_ssl" | bc -l)
printf 'secure start-up measurement: %d x %d MiB components\n' "$count" "$size_mib"
printf '  mayday-boot (all checks, incl. DCF + manifest verify): %8.1f MiB/s (%.3f s)\n' "$mbps_boot" "$t_boot"
printf '  mayday-boot on one CPU (taskset -c 0, for reference):  %8.1f MiB/s (%.3f s)\n' "$mbps_one" "$t_one"
printf '  baseline openssl dgst -sha256 (same files):           %8.1f MiB/s (%.3f s)\n' "$mbps_ssl" "$t_ssl"
printf '  ratio: %.2fx (target >= 1.8x: components hashed on both cores; one CPU: %.2fx)\n' \
  "$(echo "$mbps_boot / $mbps_ssl" | bc -l)" "$(echo "$mbps_one / $mbps_ssl" | bc -l)"
. "$(dirname "$0")/results_lib.sh"
bench_result boot_measure.throughput "$(printf '%.1f' "$mbps_boot")" MiB/s \
  "openssl dgst -sha256" "$(printf '%.1f' "$mbps_ssl")" "$(printf '%.2f' "$(echo "$mbps_boot / $mbps_ssl" | bc -l)")" ">= 1.8"
