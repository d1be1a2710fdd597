#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The device's own latency (issue 14, point 3): from power-on of a device
# whose start-up fails to its indication acknowledged, per method, on
# loopback against an idle maydayd. One run is `mayday-boot --device D`
# on a device with a tampered component: the TrE measures, fails, starts the
# DCF, which signs, sends, waits for maydayd's ack (stored, committed,
# signed) and verifies it -- exit 10. Timed from outside, RUNS times per
# method (after one untimed run that warms the page cache), as p50 and p99.
#
# Baselines in the same run, on the same loopback:
#   - UDP, process-level (the one the 2x goal is judged against for plain
#     UDP and PSK): bench_udp_roundtrip, a small C program started per run
#     that sends one 400-byte datagram to a UDP echo server (python3, one
#     socket, a loop) and waits for the echo, timed from fork to exit like
#     the device's runs, RUNS times: the least any design pays that starts a
#     process to report, as curl is for TLS below;
#   - UDP, in-process (context): the same round trip timed inside one
#     long-running client, RUNS times -- the network's floor, tens of
#     microseconds, which no process-starting design can be within 2x of;
#   - mutual TLS: curl's time_total for a TLS 1.3 handshake with the
#     device's certificate plus one POST to maydayd's HTTPS listener
#     (/v1/distress, an empty body: refused with a 4xx, no store write; the
#     status is printed), RUNS times (curl's own start-up is outside its
#     time_total: this baseline is, if anything, low).
# Printed per method: p50, p99, the device's CPU time per run (user +
# system, which the machine's load hardly changes), the process-level
# baseline's p50 and p99, the ratio of the p50s, the ratio to the
# in-process echo (UDP methods), and the goals: p99 <= 20 ms (plain UDP,
# PSK) and <= 50 ms (mutual TLS), and within 2x of the process-level
# baseline (p50 / baseline p50 <= 2). Goals are reported met or NOT met,
# never asserted: the machine may be busy. The script fails only if a run
# does not end acknowledged (exit 10). docs/performance.md says why the 2x
# goal is judged against the process-level baseline.
# Context rows: the TrE alone (mayday-boot --dry-run) and each method's DCF
# alone, started from its partition, so the time can be split between them.
# usage: bench/device_latency.sh BUILD_DIR   (env: RUNS, default 100)
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/bench/results_lib.sh"
runs=${RUNS:-100}
provision=$build/tools/provision/mayday-provision
boot=$build/device/boot/mayday-boot
dcf=$build/device/dcf/mayday-dcf
normal=$build/device/normal/mayday-normal
maydayd=$build/server/maydayd
roundtrip=$build/bench/bench_udp_roundtrip
for b in "$provision" "$boot" "$dcf" "$normal" "$maydayd" "$roundtrip"; do
  [ -x "$b" ] || { echo "device latency bench: missing $b (build first)" >&2; exit 1; }
done
for c in python3 curl; do
  command -v "$c" >/dev/null || { echo "device latency bench: $c missing (make deps)" >&2; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/mayday-latency.XXXXXX")
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do
    if kill -0 "$p" 2>/dev/null; then kill -TERM "$p"; wait "$p" 2>/dev/null || true; fi
  done
  rm -rf "$work"
}
trap cleanup EXIT
die() { echo "device latency bench: $*" >&2; [ -f "$work/maydayd.log" ] && tail -5 "$work/maydayd.log" >&2; exit 1; }

pki=$work/pki
db="sqlite:$work/hems.db"
"$provision" init --pki "$pki" >/dev/null
udp=$("$here/scripts/free-port.sh" udp)
psk=$("$here/scripts/free-port.sh" udp)
https=$("$here/scripts/free-port.sh" tcp)
echo_port=$("$here/scripts/free-port.sh" udp)
# One device per method, small components (the TrE's hashing is
# boot_measure.sh's subject), enrolled (before maydayd starts: it then holds
# the store's writer lock), one component tampered. The DCF stripped, as a
# vendor ships it (docs/dcf-partition.md): the TrE measures every byte of it.
strip -o "$work/mayday-dcf" "$dcf"
for m in plain-udp tls psk; do
  "$provision" device --pki "$pki" --out "$work/dev-$m" --id "lat-$m" --class femto-lat \
    --dcf-bin "$work/mayday-dcf" --normal-bin "$normal" --hems-udp "127.0.0.1:$udp" \
    --hems-psk "127.0.0.1:$psk" --hems-tls "https://127.0.0.1:$https/v1/distress" \
    --methods "$m" --components 2 --component-size 4096 --enrol "$db" \
    >/dev/null 2>"$work/provision.log" || die "provisioning lat-$m: $(cat "$work/provision.log")"
  "$provision" tamper --pki "$pki" --device "$work/dev-$m" --what component >/dev/null ||
    die "tampering lat-$m"
done

cat > "$work/maydayd.conf" <<CONF
[server]
db = $db
hems_key = $pki/hems.key.pem
psk_kek = $pki/psk.kek
[udp]
listen = 127.0.0.1:$udp
[psk]
listen = 127.0.0.1:$psk
[https]
listen = 127.0.0.1:$https
cert = $pki/hems-tls.pem
key = $pki/hems-tls.key.pem
ca = $pki/operator-ca.pem
CONF
"$maydayd" -c "$work/maydayd.conf" -f 2>"$work/maydayd.log" &
pids+=($!)
for _ in $(seq 200); do
  grep -q 'info: running (' "$work/maydayd.log" && break
  kill -0 "${pids[0]}" 2>/dev/null || die "maydayd exited at start"
  sleep 0.05
done
grep -q 'info: running (' "$work/maydayd.log" || die "maydayd did not start"

# stats FILE: "p50 p99" of the milliseconds in FILE, one a line (nearest rank)
stats() {
  sort -n "$1" | awk '{ v[NR] = $1 } END {
    if (NR == 0) { print "n/a n/a"; exit }
    i50 = int(NR * 0.50); if (i50 < NR * 0.50) i50++
    i99 = int(NR * 0.99); if (i99 < NR * 0.99) i99++
    printf "%.2f %.2f\n", v[i50], v[i99] }'
}

# timed_runs NAME EXPECTED_EXIT CMD...: CMD RUNS + 1 times, the first
# untimed, each timed from fork to exit (bash's EPOCHREALTIME: no extra
# process) into $work/NAME.ms, milliseconds one a line; and the CPU time
# (user + system) the runs took, per run, into $work/NAME.cpu: unlike the
# wall time it hardly depends on what else the machine is doing. The loop
# starts no other process, so this shell's children's CPU time is theirs.
clk_tck=$(getconf CLK_TCK)
children_ticks() {  # cutime + cstime of this shell (fields 16 and 17 of its stat)
  local st
  read -r -a st </proc/$$/stat
  echo $((st[15] + st[16]))
}
timed_runs() {
  local name=$1 want=$2 rc t0 t1 i c0 c1 ms=()
  shift 2
  c0=$(children_ticks)
  for i in $(seq 0 "$runs"); do
    rc=0
    t0=$EPOCHREALTIME
    "$@" >"$work/$name.log" 2>&1 || rc=$?
    t1=$EPOCHREALTIME
    [ "$rc" = "$want" ] || die "$name: run $i: exit $rc, expected $want: $(tail -3 "$work/$name.log")"
    [ "$i" = 0 ] || ms+=("$t0 $t1")
  done
  c1=$(children_ticks)
  printf '%s\n' "${ms[@]}" | awk '{ printf "%.3f\n", ($2 - $1) * 1000 }' >"$work/$name.ms"
  awk -v t=$((c1 - c0)) -v hz="$clk_tck" -v n=$((runs + 1)) 'BEGIN { printf "%.1f\n", t / hz / n * 1000 }' \
    >"$work/$name.cpu"
}
# Each method: the whole path (mayday-boot: measure, fail, exec the DCF,
# which reports; exit 10 acknowledged), then the DCF alone from its
# partition (the same report, without the TrE before it). And once the TrE
# alone (--dry-run: measure and decide, write nothing, start nothing).
for m in plain-udp psk tls; do
  timed_runs "boot-$m" 10 "$boot" --device "$work/dev-$m"
  timed_runs "dcf-$m" 10 "$work/dev-$m/dcf/mayday-dcf" --device "$work/dev-$m"
done
timed_runs tre 0 "$boot" --device "$work/dev-plain-udp" --dry-run
stored=$(sqlite3 "$work/hems.db" "SELECT count(*) FROM indications WHERE trust = 'signed'")
[ "$stored" -ge $((6 * (runs + 1))) ] || die "only $stored signed indications stored for $((6 * (runs + 1))) acknowledged runs"

# ---- baselines ------------------------------------------------------------------
python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
print("ready", flush=True)
while True:
    d, a = s.recvfrom(65535)
    s.sendto(d, a)
' "$echo_port" >"$work/echo.out" 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q ready "$work/echo.out" && break; sleep 0.05; done
grep -q ready "$work/echo.out" || die "the UDP echo server did not start: $(cat "$work/echo.out")"
# Process-level: one started program per round trip, timed as the device's runs.
timed_runs udp-proc 0 "$roundtrip" 127.0.0.1 "$echo_port" 400
# The datagram is about an indication's size; one warm-up round trip first.
python3 -c '
import socket, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2.0)
msg = b"x" * 400
for i in range(n + 1):
    t0 = time.perf_counter()
    s.sendto(msg, ("127.0.0.1", port))
    s.recvfrom(65535)
    if i:
        print("%.3f" % ((time.perf_counter() - t0) * 1000))
' "$echo_port" "$runs" >"$work/echo.ms" || die "the UDP echo round trip failed"

d=$work/dev-tls
: >"$work/curl.ms"
for i in $(seq 0 "$runs"); do
  out=$(curl -s -o /dev/null --tlsv1.3 --cacert "$d/dcf/operator-ca.pem" --cert "$d/dcf/dcf-cert.pem" \
    --key "$d/rot/distress.key.pem" -H 'Content-Type: application/cbor' --data-binary '' \
    -w '%{http_code} %{time_total}' "https://127.0.0.1:$https/v1/distress") ||
    die "curl: mutual TLS to maydayd failed ($out)"
  code=${out% *}
  [ "$i" = 0 ] && curl_code=$code
  [ "$i" = 0 ] || awk -v t="${out#* }" 'BEGIN { printf "%.3f\n", t * 1000 }' >>"$work/curl.ms"
done

# ---- the table ------------------------------------------------------------------
read -r echo50 echo99 < <(stats "$work/echo.ms")
read -r proc50 proc99 < <(stats "$work/udp-proc.ms")
read -r curl50 curl99 < <(stats "$work/curl.ms")
met() { awk -v v="$1" -v l="$2" 'BEGIN { print (v <= l) ? "met" : "NOT met" }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
echo "== device latency: failed start-up -> acknowledged indication, $runs runs per method, loopback, idle maydayd ($(nproc)-core box, load $(cut -d' ' -f1-3 /proc/loadavg))"
printf '%-13s %8s %8s %8s   %-46s %8s %8s %8s %10s  %s\n' method "p50 ms" "p99 ms" "CPU ms" \
  "baseline (the 2x goal's)" "p50 ms" "p99 ms" ratio "in-proc" goals
for m in plain-udp psk tls; do
  read -r p50 p99 < <(stats "$work/boot-$m.ms")
  if [ "$m" = tls ]; then
    bname="curl: TLS 1.3 handshake + 1 POST (HTTP $curl_code)" b50=$curl50 b99=$curl99 limit=50
    rin=n/a
  else
    bname="UDP round trip, 1 process per run (400 B)" b50=$proc50 b99=$proc99 limit=20
    rin="$(ratio "$p50" "$echo50")x"
  fi
  r=$(ratio "$p50" "$b50")
  printf '%-13s %8s %8s %8s   %-46s %8s %8s %8s %10s  p99 <= %d ms: %s; <= 2x: %s\n' "$m" "$p50" "$p99" \
    "$(cat "$work/boot-$m.cpu")" "$bname" "$b50" "$b99" "${r}x" "$rin" "$limit" "$(met "$p99" "$limit")" \
    "$(met "$r" 2)"
  bench_result "device_latency.$m.p50" "$p50" ms "$bname, p50" "$b50" "$r" "<= 2.0"
  bench_result "device_latency.$m.p99" "$p99" ms "$bname, p99" "$b99" "$(ratio "$p99" "$b99")" "<= $limit ms"
  bench_result "device_latency.$m.cpu" "$(cat "$work/boot-$m.cpu")" "ms per run"
  [ "$m" = tls ] || bench_result "device_latency.$m.p50_vs_inprocess_echo" "$p50" ms \
    "UDP echo round trip in-process (python3, 400 B), p50" "$echo50" "$(ratio "$p50" "$echo50")" "context"
done
printf '%-13s %8s %8s %8s   %s\n' "UDP echo" "$echo50" "$echo99" "" \
  "(context: the in-process round trip, python3, 400 B: the network's floor; column in-proc)"
printf '%-13s %8s %8s %8s   %s\n' "1-proc UDP" "$proc50" "$proc99" "$(cat "$work/udp-proc.cpu")" \
  "(the process-level baseline above: bench_udp_roundtrip started per run)"
bench_result device_latency.udp_process_baseline.p50 "$proc50" ms
bench_result device_latency.udp_echo_inprocess.p50 "$echo50" ms
read -r tre50 tre99 < <(stats "$work/tre.ms")
printf '%-13s %8s %8s %8s   %s\n' "TrE alone" "$tre50" "$tre99" "$(cat "$work/tre.cpu")" \
  "(context: mayday-boot --dry-run, measuring and deciding, no DCF)"
bench_result device_latency.tre_dry_run.p50 "$tre50" ms
for m in plain-udp psk tls; do
  read -r d50 d99 < <(stats "$work/dcf-$m.ms")
  printf '%-13s %8s %8s %8s   %s\n' "DCF $m" "$d50" "$d99" "$(cat "$work/dcf-$m.cpu")" \
    "(context: the DCF alone from its partition, to the verified ack)"
  bench_result "device_latency.dcf_alone.$m.p50" "$d50" ms
done
echo "(ratio: p50 / the process-level baseline's p50, which the 2x goal is judged against; in-proc:"
echo " p50 / the in-process echo's p50. The device's figure includes starting mayday-boot and the DCF,"
echo " measuring the components and the ES256 signature and ack verification; the baselines do not."
echo " CPU ms: the device's own user + system time per run, which a busy machine does not inflate)"
