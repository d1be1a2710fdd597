#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The TPM 2.0 RoT backend's costs (issue 16), each next to the file
# backend's in the same run:
#   - distress-key signatures per second (bench/rot_sign.c, N signatures):
#     file and tpm2 (swtpm on a UNIX socket), each opened directly and
#     through mayday-rot-agent (as the static TrE and DCF reach it); and the
#     agent's round trip, one counter read through it less one direct;
#   - boot-to-acknowledged: mayday-boot of a device whose start-up fails,
#     until its DCF's indication is acknowledged by a real maydayd on
#     127.0.0.1 (plain UDP), best of RUNS, a file device against a TPM
#     device (each boot of the TPM device after a swtpm restart, a reboot,
#     not timed).
# swtpm is a software TPM: a discrete TPM signs in ~20-80 ms, so on a device
# the signature rate is the TPM's, not ours. Skipped (nothing recorded) when
# swtpm or this build's tpm2 backend is missing.
# usage: bench/tpm.sh BUILD_DIR
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
. "$here/results_lib.sh"
prog=$build/bench/rot_sign
agent_dir=$build/device/rotagent
n=${BENCH_TPM_SIGNS:-300}
runs=${BENCH_RUNS:-3}
[ -x "$prog" ] || { echo "tpm bench: missing $prog (build first)" >&2; exit 1; }
. "$src/tests/integration/swtpm_harness.sh"
for p in swtpm tpm2_getrandom tpm2_shutdown; do
  command -v "$p" >/dev/null || { echo "== TPM: not measured ($p is not installed)"; exit 0; }
done
grep -q '^MAYDAY_TPM2:BOOL=ON' "$build/CMakeCache.txt" 2>/dev/null ||
  { echo "== TPM: not measured (this build has no tpm2 backend)"; exit 0; }

work=$(mktemp -d "${TMPDIR:-/tmp}/mayday-bench-tpm.XXXXXX")
daemon_pid=
cleanup() {
  swtpm_cleanup
  if [ -n "$daemon_pid" ]; then kill -TERM "$daemon_pid" 2>/dev/null || true; wait "$daemon_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
provision=$build/tools/provision/mayday-provision
port=$("$src/scripts/free-port.sh" udp)
"$provision" init --pki "$work/pki" >/dev/null
swtpm_start "$work/tpm"
mkdev() { # NAME [rot args]
  local name=$1; shift
  "$provision" device --pki "$work/pki" --out "$work/$name" --id "$name" --class femto-x1 \
    --hems-udp "127.0.0.1:$port" --methods plain-udp --dcf-bin "$build/device/dcf/mayday-dcf" \
    --normal-bin "$build/device/normal/mayday-normal" --components 1 --component-size 4096 \
    --enrol "sqlite:$work/hems.db" "$@" >/dev/null 2>&1
}
mkdev bench-file
mkdev bench-tpm --rot tpm2 --tcti "$SWTPM_TCTI"

read -r file_s file_rd < <("$prog" "$work/bench-file" file direct "$agent_dir" "$n")
read -r filea_s filea_rd < <("$prog" "$work/bench-file" file agent "$agent_dir" "$n")
read -r tpm_s tpm_rd < <("$prog" "$work/bench-tpm" "$SWTPM_SPEC" direct "$agent_dir" "$n" 2>/dev/null)
read -r tpma_s tpma_rd < <("$prog" "$work/bench-tpm" "$SWTPM_SPEC" agent "$agent_dir" "$n" 2>/dev/null)
rtt=$(awk -v a="$filea_rd" -v d="$file_rd" 'BEGIN { printf "%.1f", a - d }')
echo "== RoT signatures (ES256 over 200 bytes, $n each; a counter read, 10x as many)"
printf '%-46s %9s signs/s %8s µs/read\n' "file, direct" "$file_s" "$file_rd"
printf '%-46s %9s signs/s %8s µs/read\n' "file, through mayday-rot-agent" "$filea_s" "$filea_rd"
printf '%-46s %9s signs/s %8s µs/read\n' "tpm2 (swtpm), direct" "$tpm_s" "$tpm_rd"
printf '%-46s %9s signs/s %8s µs/read\n' "tpm2 (swtpm), through mayday-rot-agent" "$tpma_s" "$tpma_rd"
printf '%-46s %9s µs\n' "agent round trip (file read: agent - direct)" "$rtt"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }'; }
bench_result tpm.signs_per_s "$tpm_s" signs/s "file backend" "$file_s" "$(ratio "$tpm_s" "$file_s")" "none"
bench_result tpm.signs_per_s_agent "$tpma_s" signs/s "file backend through the agent" "$filea_s" \
  "$(ratio "$tpma_s" "$filea_s")" "none"
bench_result rot_agent.round_trip "$rtt" us "direct counter read" "$file_rd" "$(ratio "$filea_rd" "$file_rd")" "none"

# ---- boot to acknowledged ------------------------------------------------------
for d in bench-file bench-tpm; do
  "$provision" tamper --pki "$work/pki" --device "$work/$d" --what component >/dev/null
done
cat > "$work/maydayd.conf" <<CONF
[server]
db = sqlite:$work/hems.db
hems_key = $work/pki/hems.key.pem
psk_kek = $work/pki/psk.kek
workers = 2

[udp]
listen = 127.0.0.1:$port
CONF
"$build/server/maydayd" -c "$work/maydayd.conf" -f 2>"$work/maydayd.log" </dev/null &
daemon_pid=$!
for _ in $(seq 200); do
  grep -q 'info: running (' "$work/maydayd.log" && break
  sleep 0.05
done
# Not in $(...): swtpm_restart must run in this shell, which owns swtpm.
boot_ms() { # DEVICE [rot spec]: best of RUNS in $best, ms from mayday-boot's start to exit 10
  local b= t0 t1 t rc
  for _ in $(seq "$runs"); do
    [ "$1" != bench-tpm ] || swtpm_restart
    rc=0
    t0=$EPOCHREALTIME
    "$build/device/boot/mayday-boot" --device "$work/$1" ${2:+--rot "$2"} >"$work/boot.log" 2>&1 || rc=$?
    t1=$EPOCHREALTIME
    [ "$rc" = 10 ] || { echo "tpm bench: $1 boot exited $rc" >&2; tail "$work/boot.log" >&2; exit 1; }
    t=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) * 1000 }')
    if [ -z "$b" ] || awk -v t="$t" -v b="$b" 'BEGIN { exit !(t < b) }'; then b=$t; fi
  done
  best=$b
}
boot_ms bench-file
ms_file=$best
boot_ms bench-tpm "$SWTPM_SPEC"
ms_tpm=$best
echo "== boot to acknowledged (tampered device, plain UDP to maydayd on 127.0.0.1, best of $runs)"
printf '%-46s %9s ms\n' "rot = file" "$ms_file"
printf '%-46s %9s ms\n' "rot = tpm2 (swtpm; static TrE/DCF: agents)" "$ms_tpm"
bench_result tpm.boot_to_ack "$ms_tpm" ms "rot = file" "$ms_file" "$(ratio "$ms_tpm" "$ms_file")" "none"
