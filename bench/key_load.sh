#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A key-cache miss in maydayd: one device's P-256 public key loaded from its
# PEM (bench/key_load.c, N loads, default 2000, best of 3 rounds, µs a
# load), through mayday_key_public_from_pem's fast path; the baseline, in
# the same run: OpenSSL's PEM readers, what every miss paid before.
# usage: bench/key_load.sh BUILD_DIR
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
. "$(dirname "$0")/results_lib.sh"
prog=$build/bench/key_load
[ -x "$prog" ] || { echo "key load bench: missing $prog (build first)" >&2; exit 1; }
read -r fast slow speedup < <("$prog" "${N:-2000}")
# The recorded ratio is value / baseline, as the other benches record it.
ratio=$(awk -v a="$fast" -v b="$slow" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }')
echo "== key load (P-256 public key from PEM, a key-cache miss)"
printf '%-44s %9s µs\n' "mayday_key_public_from_pem (fast path)" "$fast"
printf '%-44s %9s µs\n' "baseline: OpenSSL PEM readers" "$slow"
printf '%-44s %9s x\n' "speed-up" "$speedup"
bench_result key_load.fast_path "$fast" us "OpenSSL PEM readers" "$slow" "$ratio" "none"
