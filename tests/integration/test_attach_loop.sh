#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A verified image that cannot attach falls back to the DCF (DESIGN §5), with
# the real programs: mayday-provision makes a device, maydayd is its H(e)MS
# (plain UDP), and each "start-up" is one run of mayday-boot. The SeGW is a
# loopback port: closed (nobody answers), then refusing, then socat saying
# OK (normal_attach.h's probe).
#
#  1. closed SeGW: normal code runs (every component verifies), cannot
#     attach, records it and fails (exit 30);
#  2. next start-up: the DCF runs with reason attach-failed and its detail
#     (segw-unreachable, 2 tries, "Connection refused", episode 1); maydayd
#     stores it and maydayctl shows the detail;
#  3. next start-up: normal code again (no DCF twice for one failure); it
#     fails again after twice the tries (backoff), and the start-up after
#     runs the DCF with episode 2;
#  4. a SeGW that refuses the device: auth-refused with its answer;
#  5. the SeGW answers OK: normal code attaches (exit 0) and stays normal
#     over further start-ups; the network holds exactly the three reports;
#  6. normal code that dies before attaching: crash-loop after 3 start-ups,
#     then fixed, it stays normal.
set -euo pipefail
build=$1
src=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/mayday-attach-it.XXXXXX")
daemon_pid= segw_pid=
cleanup() {
  for p in "$segw_pid" "$daemon_pid"; do
    if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then
      kill -TERM "$p" 2>/dev/null || true
      wait "$p" 2>/dev/null || true
    fi
  done
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  [ -f "$work/boot.log" ] && tail -25 "$work/boot.log" >&2
  [ -f "$work/maydayd.log" ] && tail -10 "$work/maydayd.log" >&2
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
command -v socat >/dev/null || fail "socat missing (scripts/deps.sh installs it)"

db="sqlite:$work/hems.db"
pki=$work/pki
dev=$work/hnb-attach
"$provision" init --pki "$pki" >/dev/null
udp=$("$src/scripts/free-port.sh" udp)
segw=$("$src/scripts/free-port.sh" tcp)
"$provision" device --pki "$pki" --out "$dev" --id hnb-attach --class femto-x1 \
  --hems-udp "127.0.0.1:$udp" --methods plain-udp \
  --dcf-bin "$dcf" --normal-bin "$normal" --components 2 --component-size 4096 \
  --enrol "$db" >/dev/null

cat > "$work/maydayd.conf" <<CONF
[server]
db = $db
hems_key = $pki/hems.key.pem
workers = 1

[udp]
listen = 127.0.0.1:$udp
CONF
"$maydayd" -c "$work/maydayd.conf" -f 2>"$work/maydayd.log" &
daemon_pid=$!
for _ in $(seq 200); do
  grep -q listening "$work/maydayd.log" 2>/dev/null && break
  kill -0 "$daemon_pid" 2>/dev/null || fail "maydayd exited"
  sleep 0.05
done
grep -q listening "$work/maydayd.log" || fail "maydayd did not start"

# Normal code's network settings (mayday-normal(8), ENVIRONMENT).
export MAYDAY_SEGW="127.0.0.1:$segw" MAYDAY_ATTACH_TRIES=2 MAYDAY_ATTACH_TIMEOUT_S=10 \
  MAYDAY_ATTACH_INTERVAL_S=0

# start_up WANT: one start-up of the device; fails unless it exits WANT.
n=0
start_up() {
  local want=$1 rc=0
  n=$((n + 1))
  echo "== start-up $n" >>"$work/boot.log"
  "$boot" --device "$dev" >>"$work/boot.log" 2>&1 || rc=$?
  [ "$rc" = "$want" ] || fail "start-up $n: exit $rc, expected $want"
}
dry() { "$boot" --device "$dev" --dry-run 2>/dev/null; }
count() { "$ctl" -d "$db" --json show hnb-attach | jq '.indications | length'; }
latest() { "$ctl" -d "$db" --json show hnb-attach | jq -c ".indications[0]"; }

# 1. Closed SeGW: verified, started, cannot attach.
[ "$(dry)" = "decision: normal slot=a" ] || fail "fresh device: $(dry)"
start_up 30
grep -q "cannot attach: segw-unreachable after 2 tries" "$work/boot.log" ||
  fail "normal code did not record the failure"
want="decision: dcf reason=attach-failed slot=a stage=segw-unreachable tries=2 episode=1"
[ "$(dry)" = "$want" ] || fail "after the failure: '$(dry)'"

# 2. The DCF reports it; maydayd stores reason and detail.
start_up 10
[ "$(count)" = 1 ] || fail "expected 1 indication, network has $(count)"
ind=$(latest)
[ "$(jq -r .reason <<<"$ind")" = attach-failed ] || fail "reason: $ind"
[ "$(jq -r .reason_code <<<"$ind")" = 7 ] || fail "reason code: $ind"
[ "$(jq -r .trust <<<"$ind")" = signed ] || fail "trust: $ind"
[ "$(jq -r '.failed_components | length' <<<"$ind")" = 0 ] || fail "components: $ind"
[ "$(jq -c .attach <<<"$ind")" = \
  '{"stage":"segw-unreachable","stage_code":1,"tries":2,"episodes":1,"last_error":"Connection refused"}' ] ||
  fail "attach detail: $ind"
"$ctl" -d "$db" show hnb-attach | grep -q 'attach failed: segw-unreachable after 2 tries, episode 1' ||
  fail "maydayctl show does not print the detail"

# 3. No oscillation: normal code again; it fails again only after twice the
#    tries, and the DCF after that reports episode 2.
[ "$(dry)" = "decision: normal slot=a" ] || fail "after the report: '$(dry)'"
start_up 30
want="decision: dcf reason=attach-failed slot=a stage=segw-unreachable tries=4 episode=2"
[ "$(dry)" = "$want" ] || fail "second failure: '$(dry)'"
start_up 10
[ "$(count)" = 2 ] || fail "expected 2 indications, network has $(count)"
[ "$(latest | jq -c '[.attach.tries, .attach.episodes]')" = "[4,2]" ] || fail "second report: $(latest)"

# 4. A SeGW that answers and refuses the device.
socat "TCP-LISTEN:$segw,bind=127.0.0.1,reuseaddr,fork" SYSTEM:'read l; echo DENIED' &
segw_pid=$!
for _ in $(seq 200); do
  (exec 3<>"/dev/tcp/127.0.0.1/$segw") 2>/dev/null && break
  sleep 0.05
done
start_up 30
grep -q "cannot attach: auth-refused" "$work/boot.log" || fail "no auth-refused"
start_up 10
[ "$(latest | jq -c '[.attach.stage, .attach.episodes, .attach.last_error]')" = \
  '["auth-refused",3,"DENIED"]' ] || fail "third report: $(latest)"
kill -TERM "$segw_pid"; wait "$segw_pid" 2>/dev/null || true

# 5. The SeGW says OK: normal code attaches and stays normal.
socat "TCP-LISTEN:$segw,bind=127.0.0.1,reuseaddr,fork" SYSTEM:'read l; echo OK' &
segw_pid=$!
for _ in $(seq 200); do
  (exec 3<>"/dev/tcp/127.0.0.1/$segw") 2>/dev/null && break
  sleep 0.05
done
for _ in 1 2 3 4; do
  [ "$(dry)" = "decision: normal slot=a" ] || fail "recovered device: '$(dry)'"
  start_up 0
done
grep -q "attached (try 1 of" "$work/boot.log" || fail "normal code did not attach"
[ "$(count)" = 3 ] || fail "recovered device sent more: $(count) indications"

# 6. Normal code that dies before it attaches (here: a setting it rejects)
#    is a crash loop: 3 start-ups, then the DCF says so; then it is fixed.
good_segw=$MAYDAY_SEGW
export MAYDAY_SEGW="no-port-here"
for _ in 1 2 3; do start_up 30; done
want="decision: dcf reason=attach-failed slot=a stage=crash-loop tries=3 episode=1"
[ "$(dry)" = "$want" ] || fail "crash loop: '$(dry)'"
start_up 10
[ "$(latest | jq -c '[.attach.stage, .attach.tries, .attach.episodes]')" = \
  '["crash-loop",3,1]' ] || fail "crash-loop report: $(latest)"
export MAYDAY_SEGW=$good_segw
for _ in 1 2 3; do start_up 0; done
[ "$(count)" = 4 ] || fail "expected 4 indications, network has $(count)"
echo "ok: attach failures and a crash loop reported, recovered device stays normal"
