#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The dashboard (issue 18) in a real browser against a real maydayd and a
# demo-like fleet of real devices (mayday-provision, mayday-boot, the DCF,
# normal code): maydayd with [acs] policy = approve, its management listener
# on loopback, an operator token; tests/browser/dashboard.mjs drives Debian's
# Chromium through playwright-core and boots the tampered device itself, so
# it can check the page after the distress indication, after the approval
# it clicks and after recovery. Screenshots (summary.png, device.png,
# summary-after.png) are kept in $build/tests/dashboard/ for review.
# maydayd runs as an operator starts it by default (maydayd(8): without -f):
# detached, with a pid file and a log file, stopped by the pid in that file
# at the end (SIGTERM; a clean exit removes the pid file and logs its stop),
# its log checked for warnings (its worst level) beyond the two expected,
# and, in a sanitizer build, no sanitizer report from it (detached, its exit
# status and stderr are nobody's: the reports go to files in $work).
# It is not this shell's child: detached_daemon.sh knows it by pid and
# start time, a zombie counting as gone.
# Beside the page an operator's maydayctl, over the management listener
# with a token of its own, pauses the class: the page shows it without a
# reload and resumes it (dashboard.mjs).
# Skips (77) when Chromium is missing; with Chromium but without node or
# tests/browser/node_modules (scripts/deps.sh: npm ci) it fails: the test
# was meant to run and cannot.
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)

chromium=/usr/bin/chromium
[ -x "$chromium" ] || { echo "SKIP: $chromium missing (scripts/deps.sh installs Debian's chromium)"; exit 77; }
[ -d "$src/tests/browser/node_modules/playwright-core" ] ||
  { echo "FAIL: Chromium is here but tests/browser/node_modules is not (run scripts/deps.sh: npm ci there)"; exit 1; }
command -v node >/dev/null ||
  { echo "FAIL: Chromium is here but node is not (run scripts/deps.sh: Debian's nodejs)"; exit 1; }

. "$src/tests/integration/detached_daemon.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/mayday-dash-it.XXXXXX")
shots=$build/tests/dashboard
daemon=    # the detached maydayd's identity (detached_id) until it stops
cleanup() {
  # killed by its identity, else through its pid file (a failure before
  # the identity was recorded); nothing once it has stopped (a clean stop
  # removes the pid file)
  detached_kill "$daemon" "$work/maydayd.pid" "$work/maydayd.conf"
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
rm -rf "$shots"
mkdir -p "$shots" "$work/bundles" "$work/devices"

db="sqlite:$work/hems.db"
pki=$work/pki
"$provision" init --pki "$pki" >/dev/null
https=$("$src/scripts/free-port.sh" tcp)
api=$("$src/scripts/free-port.sh" tcp)

# The demo's fleet, smaller: two healthy devices and one whose component
# was tampered with, all of class femto-x1, over mutual TLS; a golden bundle.
mkdev() {
  "$provision" device --pki "$pki" --out "$work/devices/$1" --id "$1" --class femto-x1 \
    --hems-tls "https://127.0.0.1:$https/v1/distress" --methods tls \
    --dcf-bin "$dcf" --normal-bin "$normal" --components 3 --component-size 40000 \
    --enrol "$db" >/dev/null || fail "provisioning $1"
  # the DCF's backoff cap 1 s and no deadline, as test_persist_loop.sh
  sed -e 's/^max_ms = .*/max_ms = 1000/' -e 's/^deadline_ms = .*/deadline_ms = 0/' \
    "$work/devices/$1/dcf/dcf.conf" > "$work/$1.conf"
  "$provision" dcf-conf --device "$work/devices/$1" --pki "$pki" --conf "$work/$1.conf" \
    >/dev/null || fail "$1: dcf.conf"
}
for id in hnb-0001 hnb-0002 hnb-0003 reference; do mkdev "$id"; done
"$provision" bundle --pki "$pki" --out "$work/bundles/femto-x1.bundle" --class femto-x1 \
  --image-version 1.1.0 --rollback 2 --from-slot "$work/devices/reference/slot_a" >/dev/null
"$provision" tamper --pki "$pki" --device "$work/devices/hnb-0002" --what component >/dev/null
sqlite3 "$work/hems.db" "DELETE FROM devices WHERE id = 'reference'" ||
  fail "could not drop the reference device"

cat > "$work/maydayd.conf" <<CONF
[server]
db = $db
log = $work/maydayd.log
hems_key = $pki/hems.key.pem
psk_kek = $pki/psk.kek
workers = 2

[https]
listen = 127.0.0.1:$https
cert = $pki/hems-tls.pem
key = $pki/hems-tls.key.pem
ca = $pki/operator-ca.pem

[acs]
url = https://127.0.0.1:$https/cwmp
bundle_dir = $work/bundles
policy = approve
wait_s = 1

[api]
socket = $work/api.sock
listen = 127.0.0.1:$api
CONF
# Detached (no -f): the command returns once the daemon serves.
detached_san_run "$work/san" "$maydayd" -c "$work/maydayd.conf" --pidfile "$work/maydayd.pid" \
  2>"$work/maydayd.start" || fail "maydayd did not start: $(cat "$work/maydayd.start")"
[ -s "$work/maydayd.pid" ] || fail "no pid file once maydayd returned"
daemon=$(detached_id "$(cat "$work/maydayd.pid")") ||
  fail "the detached maydayd ($(cat "$work/maydayd.pid")) is not running"
grep -q 'info: running (' "$work/maydayd.log" || fail "maydayd returned before it served"

# The healthy devices boot once (normal code informs): the fleet is seen.
for id in hnb-0001 hnb-0003; do
  "$boot" --device "$work/devices/$id" >"$shots/$id.log" 2>&1 || fail "$id did not boot healthy"
done
token=$("$ctl" --socket "$work/api.sock" tokens create --name dashboard-test --role operator 2>/dev/null) ||
  fail "no operator token"
viewer=$("$ctl" --socket "$work/api.sock" tokens create --name dashboard-viewer --role viewer 2>/dev/null) ||
  fail "no viewer token"
# The other operator's token, for maydayctl over the management listener
# (--token-file: 0600, never on the command line).
(umask 077; "$ctl" --socket "$work/api.sock" tokens create --name alice --role operator \
  >"$work/alice.token" 2>/dev/null) || fail "no token for alice"

cd "$src/tests/browser"
node dashboard.mjs "http://127.0.0.1:$api" "$token" "$shots" "$work/chromium-profile" \
  "$boot" "$work/devices/hnb-0002" hnb-0002 "$viewer" "$ctl" "$work/alice.token" || fail "the dashboard test failed (logs in $shots)"

# What the page showed is what the store holds.
state=$("$ctl" -d "$db" --json show hnb-0002 | jq -r '.device.state + " " + .remediation_attempts[0].result')
[ "$state" = "healthy recovered" ] || fail "hnb-0002 in the store: $state"
who=$(sqlite3 "$work/hems.db" "SELECT identity FROM operator_actions WHERE target = 'hnb-0002'")
[ "$who" = "token:dashboard-test" ] || fail "the approval is recorded as '$who', not the token's"
# maydayctl's pause is alice's, the page's resume after it the dashboard's
acts=$(sqlite3 "$work/hems.db" "SELECT identity || ' ' || action FROM operator_actions
  WHERE target = 'femto-x1' ORDER BY id" | tail -2 | tr '\n' ';')
[ "$acts" = "token:alice class.pause;token:dashboard-test class.resume;" ] ||
  fail "the class's last actions: $acts"
for f in summary.png device.png summary-after.png; do
  [ -s "$shots/$f" ] || fail "no screenshot $f"
done
# Stopped as an operator stops it: by the pid its pid file names.
[ "$(cat "$work/maydayd.pid" 2>/dev/null)" = "${daemon%%:*}" ] || fail "the pid file changed under the daemon"
why=$(detached_stop "$daemon" "$work/maydayd.pid" "$work/maydayd.log") || fail "$why"
daemon=
# gone (exited or a zombie): LeakSanitizer has written whatever it had to
why=$(detached_san_check "$work/san") || fail "$why"
# maydayd's worst level is warning: none in its log nor on the start's
# stderr (what it says before the log file is open) but the two this
# set-up earns (run as root; bundles without [acs] vendor_key).
if grep -hE ': warning: ' "$work/maydayd.log" "$work/maydayd.start" |
   grep -vE 'warning: (running as root|cwmp: no \[acs\] vendor_key)' >"$work/warnings"; then
  fail "maydayd warned: $(head -5 "$work/warnings")"
fi
grep -q 'info: running (' "$work/maydayd.log" && grep -q 'cwmp: hnb-0002 rem-1-1: recovered' "$work/maydayd.log" ||
  fail "the log misses the start or the remediation"
echo "ok: screenshots in $shots"
