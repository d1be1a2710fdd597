#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# make demo: the distress-and-recovery loop on the embedded defaults.
#
# Provisions a PKI, a small fleet and a golden image, starts maydayd on
# loopback (H(e)MS and ACS), boots every device through secure start-up and
# prints what the network knows. The damaged devices report distress and are
# remediated over CWMP (Download of the signed golden bundle, installed into
# the inactive slot); the harness reboots them, secure start-up verifies the
# new slot, normal code confirms it and reports, and the network marks them
# recovered. The healthy devices' normal code keeps sending its periodic
# Inform; the device whose TrE halted says nothing, and the network marks it
# unreachable once its silence exceeds the (short, for the demo) [silence]
# interval. Every change is also pushed as a signed event to a webhook
# receiver the demo starts (scripts/webhook-receiver.py, [events] webhook_1),
# which checks each signature and prints what it got. Exits non-zero if the
# network's view differs from what happened on the devices, or if the
# receiver gets no event. The operators' dashboard is served on a loopback
# management listener; its address and an operator token are printed at the
# start. Leaves nothing running, unless --keep (make demo KEEP=1): then the
# last maydayd stays up, so the dashboard stays viewable, and the demo
# prints how to stop it.
#
# ROT=tpm2 (make demo ROT=tpm2): every device's RoT is a TPM 2.0 -- a swtpm
# per device, its state under OUT_DIR/tpm/ID, provisioned with --rot tpm2 --
# and every device "reboot" (each start-up) restarts that device's swtpm
# (TPM2_Shutdown, then startup-clear: the measurement PCR back to zeros).
# The static TrE and DCF reach it through mayday-rot-agent (docs/rot.md).
# The demo also checks that the anti-rollback NV counter of a remediated
# device advances only when the new image confirms: not when the DCF
# installs it, but at the verified start-up of image 1.1.0 (rollback 2).
#
# usage: [ROT=file|tpm2] scripts/demo.sh [--keep] [BUILD_DIR] [OUT_DIR]
set -euo pipefail

keep=0
if [ "${1:-}" = --keep ]; then
  keep=1
  shift
fi
build=$(cd "${1:-build}" && pwd)
out=${2:-demo-out}
here=$(cd "$(dirname "$0")/.." && pwd)

bin() { echo "$build/$1"; }
provision=$(bin tools/provision/mayday-provision)
boot=$(bin device/boot/mayday-boot)
dcf=$(bin device/dcf/mayday-dcf)
normal=$(bin device/normal/mayday-normal)
maydayd=$(bin server/maydayd)
ctl=$(bin tools/maydayctl/maydayctl)
for b in "$provision" "$boot" "$dcf" "$normal" "$maydayd" "$ctl"; do
  [ -x "$b" ] || { echo "demo: missing $b (run make build)" >&2; exit 1; }
done

rot=${ROT:-file}
case $rot in
file|tpm2) ;;
*) echo "demo: ROT must be file or tpm2, not '$rot'" >&2; exit 2 ;;
esac
if [ "$rot" = tpm2 ]; then
  for p in swtpm tpm2_getrandom tpm2_shutdown tpm2_nvread; do
    command -v "$p" >/dev/null ||
      { echo "demo: ROT=tpm2 needs $p (scripts/deps.sh: swtpm swtpm-tools tpm2-tools)" >&2; exit 1; }
  done
  # tss2's own log lines (provisioning probes for objects that are not
  # there yet) would drown the demo's; mayday logs every failure itself.
  export TSS2_LOG=all+NONE
fi

rm -rf "$out"
mkdir -p "$out"
out=$(cd "$out" && pwd)

# ---- a TPM per device (ROT=tpm2) ---------------------------------------------
declare -A tpm_pid
tcti() { echo "swtpm:path=$out/tpm/$1/tpm.sock"; }
tpm_start() {  # ID: the device's swtpm, started (power on) and answering
  local d=$out/tpm/$1
  mkdir -p "$d/state"
  swtpm socket --tpm2 --tpmstate dir="$d/state" \
    --server type=unixio,path="$d/tpm.sock" --ctrl type=unixio,path="$d/tpm.sock.ctrl" \
    --flags not-need-init,startup-clear --log file="$d/swtpm.log" </dev/null >/dev/null 2>&1 &
  tpm_pid[$1]=$!
  for _ in $(seq 300); do
    TSS2_LOG=all+NONE tpm2_getrandom -T "$(tcti "$1")" 8 >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  echo "demo: the swtpm of $1 did not answer" >&2
  return 1
}
tpm_stop() {  # ID: orderly power-off
  [ -n "${tpm_pid[$1]:-}" ] || return 0
  TSS2_LOG=all+NONE timeout 10 tpm2_shutdown -T "$(tcti "$1")" -c >/dev/null 2>&1 || true
  kill -TERM "${tpm_pid[$1]}" 2>/dev/null || true
  wait "${tpm_pid[$1]}" 2>/dev/null || true
  tpm_pid[$1]=
}
# The device's power cycle before a start-up: its TPM resets with it.
power_cycle() { [ "$rot" != tpm2 ] || { tpm_stop "$1"; tpm_start "$1"; }; }
prov_rot() { [ "$rot" != tpm2 ] || echo "--rot tpm2 --tcti $(tcti "$1")"; }
boot_rot() { [ "$rot" != tpm2 ] || echo "--rot tpm2:$(tcti "$1")"; }
# The anti-rollback NV counter's raw value (tpm2: NV index 0x01500011).
nv_rollback() {
  TSS2_LOG=all+NONE tpm2_nvread -T "$(tcti "$1")" -C 0x01500011 0x01500011 2>/dev/null |
    od -An -tu1 -v | awk '{ for (i = 1; i <= NF; i++) v = v * 256 + $i } END { print v + 0 }'
}
db="sqlite:$out/hems.db"
log="$out/maydayd.log"

# [silence] interval of the demo and the healthy devices' Inform period (s).
# DEMO_SILENCE_S: a longer interval where the devices' programs are slow to
# inform (make check-cross runs them under qemu-user: tests/integration/cross.cmake).
silence_s=${DEMO_SILENCE_S:-8}
# A TPM device's provisioning and start-ups are slower (a swtpm restart per
# start-up): silence must not overtake the devices before they first speak.
[ "$rot" != tpm2 ] || [ -n "${DEMO_SILENCE_S:-}" ] || silence_s=30
inform_s=1

# A UDP port that nothing listens on: ask the kernel for an ephemeral one.
port=$("$here/scripts/free-port.sh" udp)       # plain UDP
psk_port=$("$here/scripts/free-port.sh" udp)   # PSK-sealed UDP
tls_port=$("$here/scripts/free-port.sh" tcp)   # HTTPS, mutual TLS 1.3
hook_port=$("$here/scripts/free-port.sh" tcp)  # the webhook receiver
api_port=$("$here/scripts/free-port.sh" tcp)   # the management listener: API and dashboard

daemon_pid=
hook_pid=
alive_pids=   # the healthy devices' normal code, informing periodically
stop_alive() {
  local p
  for p in $alive_pids; do kill -TERM "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  alive_pids=
}
cleanup() {
  local rc=$?
  stop_alive
  local id
  for id in "${!tpm_pid[@]}"; do tpm_stop "$id"; done
  if [ -n "$daemon_pid" ] && kill -0 "$daemon_pid" 2>/dev/null && [ "$keep" = 0 ]; then
    kill -TERM "$daemon_pid"
    wait "$daemon_pid" || true
  elif [ -n "$daemon_pid" ] && kill -0 "$daemon_pid" 2>/dev/null && [ "$rc" != 0 ]; then
    # --keep on a failed run: the success message that says this never came
    echo "demo: maydayd (pid $daemon_pid) keeps running (--keep) after the failure; logs in $out" >&2
    echo "  stop it with: kill $daemon_pid" >&2
  fi
  if [ -n "$hook_pid" ]; then
    kill -TERM "$hook_pid" 2>/dev/null || true
    wait "$hook_pid" 2>/dev/null || true
  fi
}
trap cleanup EXIT

say() { printf '\n== %s\n' "$*"; }

say "Provisioning: vendor key, operator CA, H(e)MS credentials"
"$provision" init --pki "$out/pki" >/dev/null

# name:what-happens-to-it:distress methods in order (each falls back to plain UDP)
fleet=(hnb-0001:healthy:plain-udp hnb-0002:tampered-component:tls hnb-0003:trvs-out-of-step:psk
       hnb-0004:corrupt-dcf:plain-udp)
for entry in "${fleet[@]}"; do
  IFS=: read -r id _ method <<<"$entry"
  methods=$method
  [ "$method" = plain-udp ] || methods="$method,plain-udp"
  [ "$rot" != tpm2 ] || tpm_start "$id"
  # shellcheck disable=SC2046  # prov_rot's words are options
  "$provision" device --pki "$out/pki" --out "$out/devices/$id" --id "$id" --class femto-x1 \
    --hems-udp "127.0.0.1:$port" --hems-psk "127.0.0.1:$psk_port" \
    --hems-tls "https://127.0.0.1:$tls_port/v1/distress" --methods "$methods" \
    --dcf-bin "$dcf" --normal-bin "$normal" $(prov_rot "$id") \
    --components 3 --component-size 65536 --enrol "$db" >/dev/null
done
[ "$rot" != tpm2 ] || echo "RoT: a TPM 2.0 per device (swtpm, state in $out/tpm/ID)"
"$provision" tamper --pki "$out/pki" --device "$out/devices/hnb-0002" --what component >/dev/null
"$provision" tamper --pki "$out/pki" --device "$out/devices/hnb-0003" --what trv >/dev/null
"$provision" tamper --pki "$out/pki" --device "$out/devices/hnb-0004" --what dcf >/dev/null
echo "4 devices provisioned and enrolled; 3 of them damaged (component, TRVs, DCF)"

# The golden image of the class: the slot of a reference device, signed by
# the vendor as image 1.1.0 with anti-rollback 2 (the fleet runs 1.0.0 / 1).
"$provision" device --pki "$out/pki" --out "$out/reference" --id reference --class femto-x1 \
  --hems-udp "127.0.0.1:$port" --dcf-bin "$dcf" --normal-bin "$normal" \
  --components 3 --component-size 65536 >/dev/null
mkdir -p "$out/bundles"
"$provision" bundle --pki "$out/pki" --out "$out/bundles/femto-x1.bundle" --class femto-x1 \
  --image-version 1.1.0 --rollback 2 --from-slot "$out/reference/slot_a" >/dev/null
rm -rf "$out/reference"
echo "golden bundle for femto-x1: image 1.1.0, anti-rollback 2, $(stat -c %s "$out/bundles/femto-x1.bundle") bytes"

cat > "$out/maydayd.conf" <<CONF
[server]
db = $db
hems_key = $out/pki/hems.key.pem
psk_kek = $out/pki/psk.kek
workers = 2

[udp]
listen = 127.0.0.1:$port

[psk]
listen = 127.0.0.1:$psk_port

[https]
listen = 127.0.0.1:$tls_port
cert = $out/pki/hems-tls.pem
key = $out/pki/hems-tls.key.pem
ca = $out/pki/operator-ca.pem

[acs]
url = https://127.0.0.1:$tls_port/cwmp
bundle_dir = $out/bundles

[silence]
; seconds without contact before a device is unreachable: short for the
; demo (the default is 10800, three missed hourly Informs)
default = $silence_s

[events]
; every change, pushed to the demo's webhook receiver, HMAC-signed
webhook_1 = http://127.0.0.1:$hook_port/mayday
secret_file = $out/events.key
retry_min_ms = 100
retry_max_ms = 1000

[api]
; the operators' API: maydayctl changes the store through it while maydayd runs
socket = $out/api.sock
; the management listener, on loopback: the same API with bearer tokens, and the
; dashboard at /ui/
listen = 127.0.0.1:$api_port
CONF

# The webhook receiver: checks each event's HMAC-SHA256 signature under the
# shared key and prints one line per event it takes.
(umask 077 && head -c 32 /dev/urandom | od -An -tx1 -v | tr -d ' \n' > "$out/events.key")
python3 -B "$here/scripts/webhook-receiver.py" "$hook_port" "$out/events.key" "$out/webhook.log" &
hook_pid=$!

say "Starting maydayd (the pre-designated H(e)MS and its ACS): plain UDP :$port, PSK :$psk_port, mutual TLS + CWMP :$tls_port"
"$maydayd" -c "$out/maydayd.conf" -f >/dev/null 2>"$log" &
daemon_pid=$!
listening() { grep -c 'listening' "$log" 2>/dev/null || true; }
for _ in $(seq 100); do
  [ "$(listening)" -ge 3 ] && break
  kill -0 "$daemon_pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.05
done
[ "$(listening)" -ge 3 ] || { echo "demo: maydayd did not start its listeners" >&2; cat "$log" >&2; exit 1; }
for _ in $(seq 100); do
  grep -q 'info: running (' "$log" && break
  sleep 0.05
done
# An operator token for the dashboard: the secret is shown once, so it is kept
# (mode 0600) beside the demo's other secrets.
(umask 077 && "$ctl" --socket "$out/api.sock" tokens create --name demo-dashboard --role operator \
  > "$out/dashboard.token" 2>/dev/null) || { echo "demo: no dashboard token" >&2; exit 1; }
echo "  dashboard: http://127.0.0.1:$api_port/ui/  (token: $(cat "$out/dashboard.token"), also in $out/dashboard.token)"

# Normal code sends one Inform when it starts (mayday-normal --inform defaults
# to $MAYDAY_ACS_URL), so a device that boots healthy is heard from.
export MAYDAY_ACS_URL="https://127.0.0.1:$tls_port/cwmp"

# boot ID: one start-up of the device; its exit status in got[ID], a line printed
declare -A got
boot_device() {
  local id=$1 damage=$2 method=$3 rc what
  power_cycle "$id"
  set +e
  # shellcheck disable=SC2046
  "$boot" --device "$out/devices/$id" $(boot_rot "$id") >>"$out/$id.boot.log" 2>&1
  rc=$?
  set -e
  got[$id]=$rc
  case $rc in
    0)  what="normal code running" ;;
    10) what="integrity failed -> DCF sent distress indication, acknowledged" ;;
    11) what="integrity failed -> DCF sent distress indication, NOT acknowledged" ;;
    13) what="integrity failed -> distress acknowledged -> remediated over CWMP: new image pending, reboot" ;;
    20|21|22|23) what="TrE failure -> halted locally (code $rc), nothing sent" ;;
    *)  what="unexpected exit $rc" ;;
  esac
  printf '  %-10s %-22s %-10s exit %-3s %s\n' "$id" "($damage)" "$method" "$rc" "$what"
}

declare -A nv0 nv1 nv2
say "Powering on every device (secure start-up)"
for entry in "${fleet[@]}"; do
  IFS=: read -r id damage method <<<"$entry"
  [ "$rot" != tpm2 ] || nv0[$id]=$(nv_rollback "$id")
  boot_device "$id" "$damage" "$method"
  [ "$rot" != tpm2 ] || nv1[$id]=$(nv_rollback "$id")
done
first=$(declare -p got)

say "What the network knows before the remediated devices restart"
"$ctl" -d "$db" devices

say "Rebooting the remediated devices (secure start-up verifies the new slot)"
for entry in "${fleet[@]}"; do
  IFS=: read -r id damage method <<<"$entry"
  [ "${got[$id]}" = 13 ] || continue
  boot_device "$id" "$damage" "$method"
  [ "$rot" != tpm2 ] || nv2[$id]=$(nv_rollback "$id")
done

# The stand-in's normal code exits after start-up; a real one keeps running
# and informs periodically. Start every device that runs normal code once
# more, through secure start-up (only a verified start-up hands normal code
# its device credentials), with the period in its environment; the process
# that mayday-boot becomes is normal code.
for entry in "${fleet[@]}"; do
  IFS=: read -r id _ _ <<<"$entry"
  [ "${got[$id]}" = 0 ] || continue
  power_cycle "$id"
  # shellcheck disable=SC2046
  MAYDAY_INFORM_EVERY="$inform_s" "$boot" --device "$out/devices/$id" $(boot_rot "$id") \
    >>"$out/$id.normal.log" 2>&1 &
  alive_pids="$alive_pids $!"
done

say "Waiting for the network to notice the silent device ([silence] default = ${silence_s}s)"
state_of() { "$ctl" -d "$db" --json show "$1" | jq -r .device.state; }
for _ in $(seq 600); do
  [ "$(state_of hnb-0004)" = unreachable ] && break
  sleep 0.1
done
grep 'silence: ' "$log" | sed 's/^/  /' || true

say "What the network knows after: devices requiring maintenance (none expected)"
"$ctl" -d "$db" devices --maintenance
say "All devices"
"$ctl" -d "$db" devices
for id in hnb-0002 hnb-0003 hnb-0004; do
  say "maydayctl show $id"
  "$ctl" -d "$db" show "$id"
done

# Delivered in order: once hnb-0004's device.unreachable is in, so is
# everything before it. A generous deadline: a busy machine is only slower.
say "Events pushed to the webhook receiver (http://127.0.0.1:$hook_port/mayday, signatures checked)"
for _ in $(seq 600); do
  grep -q 'device.unreachable device hnb-0004' "$out/webhook.log" 2>/dev/null && break
  sleep 0.1
done
sed 's/^/  /' "$out/webhook.log" 2>/dev/null || true

# The check: the devices' own outcomes and the network's view must agree.
fail=0
expect_rc() { [ "${got[$1]}" = "$2" ] || { echo "MISMATCH: $1 exited ${got[$1]}, expected $2" >&2; fail=1; }; }
expect_first() {
  local rc
  rc=$(eval "$first"; echo "${got[$1]}")
  [ "$rc" = "$2" ] || { echo "MISMATCH: $1 first exited $rc, expected $2" >&2; fail=1; }
}
expect_first hnb-0001 0
expect_first hnb-0002 13
expect_first hnb-0003 13
expect_first hnb-0004 21
expect_rc hnb-0002 0
expect_rc hnb-0003 0

json=$("$ctl" -d "$db" --json devices --maintenance)
need=$(jq -r '[.[] | .device_id] | sort | join(",")' <<<"$json")
[ "$need" = "hnb-0004" ] || [ -z "$need" ] || { echo "MISMATCH: network says needing maintenance: '$need', expected none of the remediated devices" >&2; fail=1; }
for id in hnb-0002 hnb-0003; do
  json=$("$ctl" -d "$db" --json show "$id")
  state=$(jq -r .device.state <<<"$json")
  result=$(jq -r '.remediation_attempts[0].result' <<<"$json")
  [ "$state $result" = "healthy recovered" ] || { echo "MISMATCH: $id is '$state', its remediation '$result', expected healthy / recovered" >&2; fail=1; }
  running=$(sed -n 's/^mayday-normal: device .* running image \([^ ]*\) from slot \([ab]\).*/\1 \2/p' "$out/$id.boot.log" | tail -1)
  [ "$running" = "1.1.0 b" ] || { echo "MISMATCH: $id runs '$running', expected image 1.1.0 from slot b" >&2; fail=1; }
done
for pair in hnb-0002:tls:mtls hnb-0003:psk:psk; do
  IFS=: read -r id method chan <<<"$pair"
  rec=$("$ctl" -d "$db" --json show "$id" | jq -r '.indications[0] | "\(.transport) \(.channel_auth) \(.trust)"')
  [ "$rec" = "$method $chan signed" ] || { echo "MISMATCH: $id recorded as '$rec', expected '$method $chan signed'" >&2; fail=1; }
done
for id in hnb-0001 hnb-0004; do
  n=$("$ctl" -d "$db" --json show "$id" | jq '.indications | length')
  [ "$n" = 0 ] || { echo "MISMATCH: network holds $n indications from $id, expected none" >&2; fail=1; }
done
# Silence: the halted device is unreachable, the healthy ones (which inform) are not.
for pair in hnb-0001:healthy hnb-0002:healthy hnb-0003:healthy hnb-0004:unreachable; do
  IFS=: read -r id want <<<"$pair"
  json=$("$ctl" -d "$db" --json show "$id")
  state=$(jq -r .device.state <<<"$json")
  [ "$state" = "$want" ] || { echo "MISMATCH: $id is '$state', expected $want" >&2; fail=1; }
  [ "$want" = unreachable ] || [ "$(jq -r .device.last_seen <<<"$json")" != null ] ||
    { echo "MISMATCH: the network never heard from $id, which informs" >&2; fail=1; }
done
[ "$(grep -c 'silence: device hnb-0004 .* unreachable' "$log")" = 1 ] ||
  { echo "MISMATCH: maydayd did not log hnb-0004 unreachable exactly once" >&2; fail=1; }
# The webhook: each distress, remediation and the silence arrived signed.
for want in 'incident.opened device hnb-0002' 'incident.opened device hnb-0003' \
            'incident.state_changed device hnb-0002 -> recovered' 'device.unreachable device hnb-0004'; do
  grep -q " $want" "$out/webhook.log" 2>/dev/null ||
    { echo "MISMATCH: the webhook receiver got no '$want' within 60 s" >&2; fail=1; }
done
! grep -q REJECTED "$out/webhook.log" 2>/dev/null ||
  { echo "MISMATCH: the webhook receiver rejected a POST" >&2; fail=1; }
# The anti-rollback NV counter (tpm2): unchanged by the DCF's install, raised
# by the verified start-up of the new image (1.1.0, anti-rollback 2).
if [ "$rot" = tpm2 ]; then
  say "Anti-rollback NV counters (TPM NV index 0x01500011, raw): before first boot -> after it -> after the reboot"
  for id in hnb-0002 hnb-0003; do
    echo "  $id ${nv0[$id]} -> ${nv1[$id]} -> ${nv2[$id]:-?}"
    [ "${nv1[$id]}" = "${nv0[$id]}" ] ||
      { echo "MISMATCH: $id's anti-rollback counter moved before the new image confirmed" >&2; fail=1; }
    [ -n "${nv2[$id]:-}" ] && [ "${nv2[$id]}" -gt "${nv1[$id]}" ] ||
      { echo "MISMATCH: $id's anti-rollback counter did not advance when the new image confirmed" >&2; fail=1; }
  done
fi

stop_alive
# ---- Approval after a wait: the operator decides, the device is not lost --------------------
# maydayd restarts with [acs] policy = approve and wait_s = 1 (short, for the
# demo): a damaged device's first ack says "wait 1 s"; its DCF announces
# again every second and is told to wait, until `maydayctl approve`; the
# next ack says "remediate" and the same DCF run installs the image -- no
# reboot by hand -- and the rebooted device proves it.
say "Policy approve: a damaged device waits for the operator, then is remediated without a hand reboot"
kill -TERM "$daemon_pid"; wait "$daemon_pid" || { echo "MISMATCH: maydayd did not exit cleanly" >&2; fail=1; }
sed -i 's/^\[acs\]$/[acs]\npolicy = approve\nwait_s = 1/' "$out/maydayd.conf"
"$maydayd" -c "$out/maydayd.conf" -f >/dev/null 2>>"$log" &
daemon_pid=$!
for _ in $(seq 100); do
  [ "$(grep -c 'info: running (' "$log")" -ge 2 ] && break
  sleep 0.05
done
# maydayd runs: it is the store's only writer, so the new device is enrolled
# through its API, from the record mayday-provision leaves
[ "$rot" != tpm2 ] || tpm_start hnb-0005
# shellcheck disable=SC2046
"$provision" device --pki "$out/pki" --out "$out/devices/hnb-0005" --id hnb-0005 --class femto-x1 \
  --hems-tls "https://127.0.0.1:$tls_port/v1/distress" --methods tls \
  --dcf-bin "$dcf" --normal-bin "$normal" --components 3 --component-size 65536 \
  $(prov_rot hnb-0005) >/dev/null
"$ctl" --socket "$out/api.sock" enrol --from "$out/pki/devices/hnb-0005.enrolment.json" >/dev/null
"$provision" tamper --pki "$out/pki" --device "$out/devices/hnb-0005" --what component >/dev/null
power_cycle hnb-0005
: >>"$out/hnb-0005.boot.log"   # waits() reads it from the start
# shellcheck disable=SC2046
"$boot" --device "$out/devices/hnb-0005" $(boot_rot hnb-0005) >>"$out/hnb-0005.boot.log" 2>&1 &
approve_pid=$!
waits() { grep -c "asks to wait" "$out/hnb-0005.boot.log" 2>/dev/null || true; }
for _ in $(seq 600); do
  [ "$(waits)" -ge 2 ] && break
  sleep 0.05
done
echo "  hnb-0005 (tampered-component) tls: $(waits) acks said 'wait' (approval pending); maydayctl approve hnb-0005"
"$ctl" --socket "$out/api.sock" approve hnb-0005 >/dev/null
set +e
wait "$approve_pid"
got[hnb-0005]=$?
set -e
echo "  hnb-0005 the DCF's next announcement: $(grep -c "action remediate" "$out/hnb-0005.boot.log") ack said 'remediate' -> exit ${got[hnb-0005]} (new image pending)"
boot_device hnb-0005 tampered-component tls
expect_rc hnb-0005 0
grep -q "action wait" "$out/hnb-0005.boot.log" || { echo "MISMATCH: hnb-0005 got no wait ack" >&2; fail=1; }
state=$("$ctl" -d "$db" --json show hnb-0005 | jq -r .device.state)
[ "$state" = healthy ] || { echo "MISMATCH: hnb-0005 is '$state' after approval, expected healthy" >&2; fail=1; }
# ---- end of approval after a wait -----------------------------------------------------------

if [ "$keep" = 0 ]; then
  kill -TERM "$daemon_pid"; wait "$daemon_pid" || { echo "MISMATCH: maydayd did not exit cleanly" >&2; fail=1; }
  daemon_pid=
fi

if [ $fail -ne 0 ]; then
  say "demo: FAILED — the network's view differs from what happened (logs in $out)"
  exit 1
fi
say "demo: OK (rot=$rot) — healthy device runs; 2 damaged devices reported distress, were remediated and proved themselves (recovered); TrE failure halted silently and the network marked it unreachable; a device under policy approve waited, was approved and remediated without a hand reboot; $(grep -c ' (signature ok)$' "$out/webhook.log") signed events reached the webhook receiver"
if [ "$keep" = 1 ]; then
  say "maydayd keeps running (--keep): the dashboard is at http://127.0.0.1:$api_port/ui/"
  echo "  sign in with the token in $out/dashboard.token: $(cat "$out/dashboard.token")"
  echo "  the demo's devices stop with it: after the demo's [silence] interval (${silence_s}s) the page shows them unreachable"
  echo "  stop it with: kill $daemon_pid"
fi
