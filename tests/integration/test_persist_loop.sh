#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A device in trouble is never lost -- real binaries (mayday-provision,
# mayday-boot, mayday-dcf, maydayd, maydayctl), over HTTPS with mutual TLS:
#
#  1. maydayd is down when the device comes up in distress. Its DCF (no
#     deadline, the default) keeps trying with capped backoff; maydayd is
#     started 6 s later, and the DCF's next attempt is acknowledged without
#     anyone touching the device. The time from maydayd being back (its
#     "running" line) to the DCF's "distress acknowledged" is printed.
#  2. [acs] policy = approve: the first ack says "wait" (wait_s = 2); the DCF
#     announces again, new counter, every ~2 s and is told to wait again;
#     `maydayctl approve` a few announcements later; the next ack says
#     "remediate" and the very same DCF run downloads and installs the image
#     (mayday-boot exits 13) -- no reboot by hand -- and the image comes up.
# The backoff cap is shortened to 1 s in the devices' dcf.conf so the test is
# quick; the assertions are about order and counts, with generous bounds.
set -euo pipefail
build=$1
src=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/mayday-persist-it.XXXXXX")
daemon_pid=
boot_pid=
cleanup() {
  for p in "$boot_pid" "$daemon_pid"; do
    if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then
      kill -KILL "$p" 2>/dev/null || true
      wait "$p" 2>/dev/null || true
    fi
  done
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  [ -f "$work/maydayd.log" ] && tail -15 "$work/maydayd.log" >&2
  exit 1
}

provision=$build/tools/provision/mayday-provision
boot=$build/device/boot/mayday-boot
dcf=$build/device/dcf/mayday-dcf
normal=$build/device/normal/mayday-normal
maydayd=$build/server/maydayd
ctl=$build/tools/maydayctl/maydayctl
for b in "$provision" "$boot" "$dcf" "$normal" "$maydayd" "$ctl"; do
  [ -x "$b" ] || fail "missing $b"
done
command -v jq >/dev/null || fail "jq missing"

db="sqlite:$work/hems.db"
pki=$work/pki
"$provision" init --pki "$pki" >/dev/null
https=$("$src/scripts/free-port.sh" tcp)
mkdir "$work/bundles" "$work/devices"

cat > "$work/maydayd.conf" <<CONF
[server]
db = $db
hems_key = $pki/hems.key.pem
psk_kek = $pki/psk.kek
workers = 2

# Not used here; a kernel-chosen port rather than the default 7701, which
# another maydayd on the machine may hold.
[udp]
listen = 127.0.0.1:0

[https]
listen = 127.0.0.1:$https
cert = $pki/hems-tls.pem
key = $pki/hems-tls.key.pem
ca = $pki/operator-ca.pem

[acs]
url = https://127.0.0.1:$https/cwmp
bundle_dir = $work/bundles
policy = approve
wait_s = 2

[api]
socket = $work/api.sock
CONF
: > "$work/maydayd.log"
now() { date +%s.%N; }
running() { [ -n "${daemon_pid:-}" ] && kill -0 "$daemon_pid" 2>/dev/null; }
start_daemon() {
  local from
  from=$(($(wc -l < "$work/maydayd.log") + 1))
  "$maydayd" -c "$work/maydayd.conf" -f 2>>"$work/maydayd.log" &
  daemon_pid=$!
  for _ in $(seq 400); do
    tail -n "+$from" "$work/maydayd.log" | grep -q 'info: running (' && return 0
    kill -0 "$daemon_pid" 2>/dev/null || fail "maydayd exited at start"
    sleep 0.02
  done
  fail "maydayd did not start"
}

# mkdev ID CLASS [clean]: a tampered (unless "clean") device over TLS, enrolled
# (on the store while maydayd is down; through its API, from the device's
# enrolment record, while it runs: it is then the store's only writer),
# its backoff cap 1 s
mkdev() {
  local id=$1 class=$2 enrol=(--enrol "$db")
  running && enrol=()
  "$provision" device --pki "$pki" --out "$work/devices/$id" --id "$id" --class "$class" \
    --hems-tls "https://127.0.0.1:$https/v1/distress" --methods tls \
    --dcf-bin "$dcf" --normal-bin "$normal" --components 3 --component-size 40000 \
    "${enrol[@]}" >/dev/null || fail "provisioning $id"
  if running; then
    "$ctl" --socket "$work/api.sock" enrol --from "$pki/devices/$id.enrolment.json" >/dev/null ||
      fail "enrolling $id through the API"
  fi
  sed -e 's/^max_ms = .*/max_ms = 1000/' -e 's/^deadline_ms = .*/deadline_ms = 0/' \
    "$work/devices/$id/dcf/dcf.conf" > "$work/$id.conf"
  "$provision" dcf-conf --device "$work/devices/$id" --pki "$pki" --conf "$work/$id.conf" \
    >/dev/null || fail "$id: dcf.conf"
  [ "${3:-}" = clean ] && return 0
  "$provision" tamper --pki "$pki" --device "$work/devices/$id" --what component >/dev/null
}
# boot_bg ID: one start-up in the background (its log in ID.log)
boot_bg() {
  "$boot" --device "$work/devices/$1" >"$work/$1.log" 2>&1 &
  boot_pid=$!
}
# wait_log FILE PATTERN [COUNT] [SECONDS]: until FILE has COUNT lines matching
wait_log() {
  local n=${3:-1}
  for _ in $(seq $((${4:-60} * 50))); do
    [ "$(grep -c -- "$2" "$1" 2>/dev/null || true)" -ge "$n" ] && return 0
    sleep 0.02
  done
  fail "$1: no $n x '$2': $(tail -5 "$1")"
}
# boot_wait: waits for the background start-up (not in a subshell: only this
# shell can wait for its child); its exit status in $rc
boot_wait() {
  rc=0
  wait "$boot_pid" || rc=$?
  boot_pid=
}

# ---- 1. maydayd down at power-on ------------------------------------------------------------
mkdev it-outage femto-nobundle       # no golden bundle: the ack says "none"
boot_bg it-outage
sleep 6
# It is still trying (no deadline): several retransmissions went nowhere.
kill -0 "$boot_pid" 2>/dev/null || fail "it-outage: the DCF gave up: $(cat "$work/it-outage.log")"
tries=$(grep -c "cannot open\|send failed\|retransmission" "$work/it-outage.log" || true)
[ "$tries" -ge 3 ] || fail "it-outage: only $tries attempts in 6 s: $(cat "$work/it-outage.log")"
start_daemon
back=$(now)
wait_log "$work/it-outage.log" "distress acknowledged" 1 60
acked=$(now)
boot_wait
[ "$rc" = 10 ] || fail "it-outage: exit: $(tail -5 "$work/it-outage.log")"
printf 'outage: %d attempts while maydayd was down; maydayd back to acknowledged: %.2f s (backoff cap 1 s)\n' \
  "$tries" "$(awk -v a="$acked" -v b="$back" 'BEGIN { print a - b }')"
state=$("$ctl" -d "$db" --json show it-outage | jq -r .device.state)
[ "$state" = in_distress ] || fail "it-outage: state $state"
echo "ok: maydayd down at power-on; the DCF got through when it came back"

# ---- 2. policy = approve: wait, approval later, remediated without a reboot --------------------
mkdev reference femto-it clean
"$provision" bundle --pki "$pki" --out "$work/bundles/femto-it.bundle" --class femto-it \
  --image-version 2.0.0 --rollback 2 --from-slot "$work/devices/reference/slot_a" >/dev/null
mkdev it-approve femto-it
boot_bg it-approve
wait_log "$work/it-approve.log" "asks to wait" 2 60
grep -q "action wait" "$work/it-approve.log" || fail "it-approve: no wait ack"
grep -q "remediation waits" "$work/maydayd.log" || fail "maydayd did not log the wait"
kill -0 "$boot_pid" 2>/dev/null || fail "it-approve: the DCF exited while waiting"
"$ctl" --socket "$work/api.sock" approve it-approve >/dev/null || fail "maydayctl approve"
boot_wait
[ "$rc" = 13 ] || fail "it-approve: exit $rc, no remediated image after the approval: $(tail -8 "$work/it-approve.log")"
waits=$(grep -c "asks to wait" "$work/it-approve.log")
grep -q "action remediate" "$work/it-approve.log" || fail "it-approve: no remediate ack"
# counters: one per announcement, increasing
counters=$(sed -n 's/.*indication for device it-approve, counter \([0-9]*\).*/\1/p' "$work/it-approve.log" | tr '\n' ' ')
[ "$(echo "$counters" | wc -w)" -ge 3 ] || fail "it-approve: counters $counters"
"$boot" --device "$work/devices/it-approve" >"$work/it-approve.2.log" 2>&1 || fail "it-approve: the new image: $(cat "$work/it-approve.2.log")"
grep -q "running image 2.0.0 from slot b (confirmed)" "$work/it-approve.2.log" || fail "it-approve: $(cat "$work/it-approve.2.log")"
state=$("$ctl" -d "$db" --json show it-approve | jq -r .device.state)
[ "$state" = healthy ] || fail "it-approve: state $state"
echo "ok: policy approve: $waits wait acks (counters $counters), approval, remediated in the same DCF run"

kill -TERM "$daemon_pid"
wait "$daemon_pid" || fail "maydayd did not exit cleanly"
daemon_pid=
