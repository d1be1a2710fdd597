#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Remediation as the device does it, end to end on loopback: mayday-boot
# finds a tampered component, starts the DCF, which reports distress over
# mutual TLS, runs the CWMP session with maydayd's ACS and streams the
# golden bundle over HTTPS into the inactive slot (exit 13). Measured: the
# device process's peak memory (max RSS, GNU time; mayday-boot execs the
# DCF, so it is one process) for a 16 MiB and a 256 MiB bundle -- their
# ratio must stay ~1.0: nothing buffers the image -- and the time from
# power-on to the installed image, next to the bundle's SHA-256 + copy
# time in the same run (what any install of it must at least do).
#
# Exits non-zero if a remediation does not end in exit 13 or the RSS ratio
# exceeds 1.5.
# usage: bench/remediate.sh BUILD_DIR
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
here=$(cd "$(dirname "$0")/.." && pwd)
provision=$build/tools/provision/mayday-provision
boot=$build/device/boot/mayday-boot
dcf=$build/device/dcf/mayday-dcf
normal=$build/device/normal/mayday-normal
maydayd=$build/server/maydayd
gnutime=/usr/bin/time
for b in "$provision" "$boot" "$dcf" "$normal" "$maydayd"; do
  [ -x "$b" ] || { echo "remediate bench: missing $b (build first)" >&2; exit 1; }
done
"$gnutime" -f %M true >/dev/null 2>&1 ||
  { echo "remediate bench: GNU time missing at $gnutime (Debian package: time)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/mayday-bench.XXXXXX")
pid=
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    wait "$pid" || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
# golden slot + bundle + installed slot + baseline copy of 256 MiB, and the 16 MiB set
need_kib=$((1200 * 1024))
avail_kib=$(df -Pk "$work" | awk 'NR == 2 { print $4 }')
if [ "$avail_kib" -lt "$need_kib" ]; then
  echo "== remediate: skipped, $((avail_kib / 1024)) MiB free in $work, needs $((need_kib / 1024)) MiB"
  exit 0
fi

"$provision" init --pki "$work/pki" >/dev/null
udp=$("$here/scripts/free-port.sh" udp)
https=$("$here/scripts/free-port.sh" tcp)
db="sqlite:$work/hems.db"
max_image=$((1024 * 1024 * 1024))
mkdir "$work/bundles"
quiet() { "$@" >/dev/null 2>"$work/step.log" || { cat "$work/step.log" >&2; exit 1; }; }
for mib in 16 256; do
  # the golden image of class bench-MiB: a reference slot, bundled, dropped
  quiet "$provision" device --pki "$work/pki" --out "$work/gold" --id "gold-$mib" \
    --class "bench-$mib" --hems-udp "127.0.0.1:$udp" --dcf-bin "$dcf" --normal-bin "$normal" \
    --components 2 --component-size $((mib * 1024 * 1024 / 2)) --max-image-size "$max_image"
  quiet "$provision" bundle --pki "$work/pki" --out "$work/bundles/bench-$mib.bundle" \
    --class "bench-$mib" --image-version 2.0.0 --rollback 2 --from-slot "$work/gold/slot_a"
  rm -rf "$work/gold"
  # a small device of that class, tampered: it will report distress over TLS
  quiet "$provision" device --pki "$work/pki" --out "$work/dev-$mib" --id "dev-$mib" \
    --class "bench-$mib" --hems-udp "127.0.0.1:$udp" \
    --hems-tls "https://127.0.0.1:$https/v1/distress" --methods tls --dcf-bin "$dcf" \
    --normal-bin "$normal" --components 2 --component-size 4096 --max-image-size "$max_image" \
    --enrol "$db"
  quiet "$provision" tamper --pki "$work/pki" --device "$work/dev-$mib" --what component
done

cat > "$work/maydayd.conf" <<CONF
[server]
db = $db
hems_key = $work/pki/hems.key.pem
psk_kek = $work/pki/psk.kek

[udp]
listen = 127.0.0.1:$udp

[https]
listen = 127.0.0.1:$https
cert = $work/pki/hems-tls.pem
key = $work/pki/hems-tls.key.pem
ca = $work/pki/operator-ca.pem

[acs]
url = https://127.0.0.1:$https/cwmp
bundle_dir = $work/bundles
CONF
"$maydayd" -c "$work/maydayd.conf" -f 2>"$work/maydayd.log" &
pid=$!
for _ in $(seq 200); do
  grep -q 'info: running (' "$work/maydayd.log" && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/maydayd.log" >&2; exit 1; }
  sleep 0.05
done

# maydayd's CPU so far (user + system, seconds), from /proc
daemon_cpu() {
  awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / hz }' \
    "/proc/$pid/stat"
}
declare -A rss secs dev_cpu srv_cpu
for mib in 16 256; do
  cat "$work/bundles/bench-$mib.bundle" >/dev/null   # warm, as the baseline's reads are
  rc=0
  sync   # earlier benches' dirty pages are not this run's to write (the baseline's neither)
  srv0=$(daemon_cpu)
  "$gnutime" -f "%M %e %U %S" -o "$work/time.$mib" "$boot" --device "$work/dev-$mib" \
    >"$work/boot.$mib.log" 2>&1 || rc=$?
  srv_cpu[$mib]=$(echo "$(daemon_cpu) - $srv0" | bc -l)
  if [ "$rc" != 13 ]; then
    echo "remediate bench: $mib MiB remediation ended with exit $rc, not 13" >&2
    tail -5 "$work/boot.$mib.log" >&2
    exit 1
  fi
  read -r rss[$mib] secs[$mib] u s < <(tail -1 "$work/time.$mib")
  dev_cpu[$mib]=$(echo "$u + $s" | bc -l)
done

# the same run's baseline for the 256 MiB bundle: hash it, copy it durably
bundle=$work/bundles/bench-256.bundle
sync
t0=$(date +%s.%N)
openssl dgst -sha256 "$bundle" >/dev/null
dd if="$bundle" of="$work/copy" bs=64K conv=fsync status=none
t1=$(date +%s.%N)
base=$(echo "$t1 - $t0" | bc -l)
size_mib=$(echo "$(stat -c %s "$bundle") / 1048576" | bc -l)

echo "== remediation by the device (boot -> DCF -> mTLS distress -> CWMP -> HTTPS download -> install), loopback"
printf '  256 MiB bundle: %.2f s from power-on to the image installed (%.0f MiB/s);\n' \
  "${secs[256]}" "$(echo "$size_mib / ${secs[256]}" | bc -l)"
printf '    baseline sha256 + dd conv=fsync of the same bundle: %.2f s; ratio %.2fx (baseline / device; target >= 0.8x)\n' \
  "$base" "$(echo "$base / ${secs[256]}" | bc -l)"
# Where the wall time goes: the device (mayday-boot, then the DCF it execs:
# TLS decryption, hashing, writing) and maydayd (TLS encryption of the
# bundle) share the two cores; the baseline does neither's TLS.
printf '    CPU in that time: device %.2f s, maydayd %.2f s, together %.2f cores of %s\n' \
  "${dev_cpu[256]}" "${srv_cpu[256]}" \
  "$(echo "(${dev_cpu[256]} + ${srv_cpu[256]}) / ${secs[256]}" | bc -l)" "$(nproc)"
. "$(dirname "$0")/results_lib.sh"
bench_result remediate.device_cpu_256mib "$(printf '%.2f' "${dev_cpu[256]}")" s
bench_result remediate.maydayd_cpu_256mib "$(printf '%.2f' "${srv_cpu[256]}")" s
bench_result remediate.power_on_to_installed_256mib "${secs[256]}" s "sha256 + dd conv=fsync" \
  "$(printf '%.2f' "$base")" "$(printf '%.2f' "$(echo "$base / ${secs[256]}" | bc -l)")" ">= 0.8"
ratio=$(echo "${rss[256]} / ${rss[16]}" | bc -l)
printf '  device peak memory (max RSS): 16 MiB bundle %s KiB, 256 MiB bundle %s KiB; ratio %.2fx (target ~1.0)\n' \
  "${rss[16]}" "${rss[256]}" "$ratio"
bench_result remediate.peak_rss_256mib "${rss[256]}" KiB "peak RSS, 16 MiB bundle" "${rss[16]}" \
  "$(printf '%.2f' "$ratio")" "<= 1.5"
if [ "$(echo "$ratio > 1.5" | bc -l)" = 1 ]; then
  echo "remediate bench: peak memory grows with the image" >&2
  exit 1
fi
