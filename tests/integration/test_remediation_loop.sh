#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Remediation against the real binaries over HTTPS (issue 4): mayday-boot,
# mayday-dcf, mayday-normal and maydayd (H(e)MS + ACS, golden bundle served
# per device and once), devices made by mayday-provision.
#
#  1. the whole loop for a tampered component (distress over mutual TLS) and
#     for TRVs out of step (distress over PSK): distress -> CWMP session ->
#     download -> install (exit 13) -> reboot -> slot b verified and
#     confirmed -> 1 BOOT / TransferComplete 0 -> recovered; the incident is
#     NOT recovered after the download and install alone;
#  2. a new slot that fails verification: the device reverts to the DCF,
#     which reports fault 9018 against the SAME CommandKey; maydayd records
#     the failure; the next attempt succeeds;
#  3. bundles that must be refused -- bad signature, wrong product class,
#     lower anti-rollback, truncated, corrupted payload, larger than the
#     device announced -- with the right fault code, nothing activated, the
#     device still in distress; after max_attempts failures the incident is
#     remediation_failed and the device is not sent round again;
#  4. a device whose distress does not verify is never offered remediation,
#     and an ACS session it opens itself gets no Download;
#  5. the new image comes up while the ACS is down: its report is lost, but
#     the remediation record (state/remediation.bin, phase byte at offset 5:
#     2 INSTALLED after the install, 4 CONFIRMED once the image confirmed
#     itself) keeps the success, and the next start-up reports it: recovered.
# A failed install whose immediate report is lost, a Download whose session
# breaks after the DownloadResponse, and the DCF reporting a leftover of each
# phase are covered by the unit tests (test_dcf_remediate, test_normal_report,
# test_cpe_download): here they would need an ACS that fails on cue.
set -euo pipefail
build=$1
src=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/mayday-rem-it.XXXXXX")
daemon_pid=
cleanup() {
  if [ -n "$daemon_pid" ] && kill -0 "$daemon_pid" 2>/dev/null; then
    kill -KILL "$daemon_pid" 2>/dev/null || true
    wait "$daemon_pid" 2>/dev/null || true
  fi
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
acs=$build/tests/acs_itool
for b in "$provision" "$boot" "$dcf" "$normal" "$maydayd" "$ctl" "$acs"; do
  [ -x "$b" ] || fail "missing $b"
done
command -v jq >/dev/null || fail "jq missing"
command -v curl >/dev/null || fail "curl missing"

db="sqlite:$work/hems.db"
pki=$work/pki
"$provision" init --pki "$pki" >/dev/null
"$provision" init --pki "$work/rogue" >/dev/null   # another vendor: bad signatures
udp=$("$src/scripts/free-port.sh" udp)
psk=$("$src/scripts/free-port.sh" udp)
https=$("$src/scripts/free-port.sh" tcp)
mkdir "$work/bundles" "$work/devices"

cat > "$work/maydayd.conf" <<CONF
[server]
db = $db
hems_key = $pki/hems.key.pem
psk_kek = $pki/psk.kek
workers = 2

[udp]
listen = 127.0.0.1:$udp

[psk]
listen = 127.0.0.1:$psk

[https]
listen = 127.0.0.1:$https
cert = $pki/hems-tls.pem
key = $pki/hems-tls.key.pem
ca = $pki/operator-ca.pem

[acs]
url = https://127.0.0.1:$https/cwmp
bundle_dir = $work/bundles
max_attempts = 3
; section 3 pushes a dozen bad bundles to one class on purpose: no pause here
; (tests/integration/test_acs_pause.sh tests it)
pause_after_failures = 0

[api]
socket = $work/api.sock
CONF
: > "$work/maydayd.log"
# start_daemon / stop_daemon: maydayd on the same database, its log appended
start_daemon() {
  local from
  from=$(($(wc -l < "$work/maydayd.log") + 1))
  "$maydayd" -c "$work/maydayd.conf" -f 2>>"$work/maydayd.log" &
  daemon_pid=$!
  for _ in $(seq 200); do
    tail -n "+$from" "$work/maydayd.log" | grep -q 'info: running (' && return 0
    kill -0 "$daemon_pid" 2>/dev/null || fail "maydayd exited at start"
    sleep 0.05
  done
  fail "maydayd did not start"
}
stop_daemon() {
  kill -TERM "$daemon_pid"
  wait "$daemon_pid" || fail "maydayd did not exit cleanly"
  daemon_pid=
}
start_daemon

# mkdev ID METHOD [provision args]: a device of class femto-it, enrolled
# through maydayd's API from its enrolment record (maydayd runs: it is the
# store's only writer)
mkdev() {
  local id=$1 method=$2
  shift 2
  "$provision" device --pki "$pki" --out "$work/devices/$id" --id "$id" --class femto-it \
    --hems-udp "127.0.0.1:$udp" --hems-psk "127.0.0.1:$psk" \
    --hems-tls "https://127.0.0.1:$https/v1/distress" --methods "$method" \
    --dcf-bin "$dcf" --normal-bin "$normal" --components 3 --component-size 40000 \
    "$@" >/dev/null || fail "provisioning $id"
  "$ctl" --socket "$work/api.sock" enrol --from "$pki/devices/$id.enrolment.json" >/dev/null ||
    fail "enrolling $id"
}
dev() { echo "$work/devices/$1"; }
# boot ID: one start-up; the exit status is echoed, the log kept in ID.log
boot() {
  local rc=0
  echo "--- boot" >>"$work/$1.log"
  "$boot" --device "$(dev "$1")" >>"$work/$1.log" 2>&1 || rc=$?
  echo "$rc"
}
decision() { "$boot" --device "$(dev "$1")" --dry-run 2>/dev/null; }
show() { "$ctl" -d "$db" --json show "$1"; }
state() { show "$1" | jq -r .device.state; }
attempt() { show "$1" | jq -r ".remediation_attempts[$2].$3"; }
nattempts() { show "$1" | jq '.remediation_attempts | length'; }
nind() { show "$1" | jq '.indications | length'; }
golden() { cp "$1" "$work/bundles/.next" && mv "$work/bundles/.next" "$work/bundles/femto-it.bundle"; }
last_boot() { awk '/^--- boot/{buf=""} {buf=buf $0 "\n"} END{printf "%s", buf}' "$work/$1.log"; }
sessions() { grep -c "cwmp: session of $1 " "$work/maydayd.log" || true; }
# phase ID: the phase byte of the device's remediation record ("none" without one)
phase() {
  local rec
  rec="$(dev "$1")/state/remediation.bin"
  if [ -e "$rec" ]; then od -An -tu1 -j5 -N1 "$rec" | tr -d ' '; else echo none; fi
}

# The golden image: a reference device's slot, signed as 2.0.0, anti-rollback 2.
mkdev reference plain-udp
"$provision" bundle --pki "$pki" --out "$work/good.bundle" --class femto-it \
  --image-version 2.0.0 --rollback 2 --from-slot "$(dev reference)/slot_a" >/dev/null
golden "$work/good.bundle"
size=$(stat -c %s "$work/good.bundle")

# ---- 1. the whole loop, for both kinds of damage -------------------------------------------
for pair in it-comp:tls:component it-trv:psk:trv; do
  IFS=: read -r id method what <<<"$pair"
  mkdev "$id" "$method"
  "$provision" tamper --pki "$pki" --device "$(dev "$id")" --what "$what" >/dev/null
  [ "$(boot "$id")" = 13 ] || fail "$id: first start-up did not end in a remediated image: $(last_boot "$id")"
  last_boot "$id" | grep -q "CWMP session with https://127.0.0.1:$https/cwmp done: 2 ACS request(s) answered over 1 connection(s)" ||
    fail "$id: the distress session was not GPV + Download + 204 on one connection: $(last_boot "$id")"
  [ "$(decision "$id")" = "decision: normal slot=b" ] || fail "$id: slot b not on trial: $(decision "$id")"
  # Downloaded and installed, but not proven: not recovered.
  [ "$(state "$id")" = remediation_in_progress ] || fail "$id: state after install: $(state "$id")"
  [ "$(attempt "$id" 0 result)" = in_progress ] || fail "$id: attempt after install: $(attempt "$id" 0 result)"
  [ "$(attempt "$id" 0 downloaded)" = true ] || fail "$id: bundle token not used"
  key=$(attempt "$id" 0 command_key)
  [ "$(boot "$id")" = 0 ] || fail "$id: the new image did not start: $(last_boot "$id")"
  last_boot "$id" | grep -q "running image 2.0.0 from slot b (confirmed)" || fail "$id: $(last_boot "$id")"
  last_boot "$id" | grep -q "reported remediation $key to https://127.0.0.1:$https/cwmp: fault 0" ||
    fail "$id: recovery not reported: $(last_boot "$id")"
  [ "$(state "$id")" = healthy ] || fail "$id: state after recovery: $(state "$id")"
  [ "$(attempt "$id" 0 result)" = recovered ] || fail "$id: attempt: $(attempt "$id" 0 result)"
  [ "$(show "$id" | jq -r '.incidents[0].state')" = recovered ] || fail "$id: incident not recovered"
  [ ! -e "$(dev "$id")/state/remediation.bin" ] || fail "$id: remediation record left behind"
  [ "$(boot "$id")" = 0 ] || fail "$id: third start-up"
  [ "$(sessions "$id")" = 2 ] || fail "$id: $(sessions "$id") CWMP sessions, expected distress + recovery"
done
echo "ok: whole loop, tampered component (mTLS) and TRVs out of step (PSK)"

# ---- 2. the new slot fails verification: same CommandKey, failure recorded, retried -----
mkdev it-revert tls
"$provision" tamper --pki "$pki" --device "$(dev it-revert)" --what component >/dev/null
[ "$(boot it-revert)" = 13 ] || fail "it-revert: no install: $(last_boot it-revert)"
[ "$(phase it-revert)" = 2 ] || fail "it-revert: record after the install: phase $(phase it-revert), not INSTALLED"
key=$(attempt it-revert 0 command_key)
printf '\xff' | dd of="$(dev it-revert)/slot_b/comp-1.bin" bs=1 seek=100 conv=notrunc status=none
[ "$(boot it-revert)" = 10 ] || fail "it-revert: a broken new slot did not end in distress: $(last_boot it-revert)"
last_boot it-revert | grep -q "reported remediation $key to .*: fault 9018" ||
  fail "it-revert: no report against $key: $(last_boot it-revert)"
[ "$(attempt it-revert 0 result)" = failed ] || fail "it-revert: attempt $(attempt it-revert 0 result)"
[ "$(attempt it-revert 0 fault_code)" = 9018 ] || fail "it-revert: fault $(attempt it-revert 0 fault_code)"
[ "$(attempt it-revert 0 command_key)" = "$key" ] || fail "it-revert: another key"
[ "$(state it-revert)" = in_distress ] || fail "it-revert: state $(state it-revert)"
[ ! -e "$(dev it-revert)/state/remediation.bin" ] || fail "it-revert: record kept after the report"
[ "$(boot it-revert)" = 13 ] || fail "it-revert: no second attempt: $(last_boot it-revert)"
[ "$(attempt it-revert 0 command_key)" != "$key" ] || fail "it-revert: second attempt reuses $key"
[ "$(boot it-revert)" = 0 ] || fail "it-revert: second image did not start"
[ "$(state it-revert)" = healthy ] && [ "$(attempt it-revert 0 result)" = recovered ] ||
  fail "it-revert: not recovered after the second attempt"
echo "ok: a new slot that fails verification is reported against its CommandKey, then retried"

# ---- 3. bundles that must be refused ------------------------------------------------------
# signed by another vendor's key (a slot of its own, since `bundle` checks the slot first)
"$provision" device --pki "$work/rogue" --out "$work/rogue-ref" --id rogue --class femto-it \
  --hems-udp "127.0.0.1:$udp" --dcf-bin "$dcf" --normal-bin "$normal" --components 3 \
  --component-size 40000 >/dev/null
"$provision" bundle --pki "$work/rogue" --out "$work/badsig.bundle" --class femto-it \
  --image-version 2.0.0 --rollback 2 --from-slot "$work/rogue-ref/slot_a" >/dev/null
"$provision" bundle --pki "$pki" --out "$work/class.bundle" --class femto-other \
  --image-version 2.0.0 --rollback 2 --from-slot "$(dev reference)/slot_a" >/dev/null
head -c $((size - 5000)) "$work/good.bundle" > "$work/truncated.bundle"
cp "$work/good.bundle" "$work/corrupt.bundle"
printf '\x5a' | dd of="$work/corrupt.bundle" bs=1 seek=$((size - 3000)) conv=notrunc status=none
# case: device bundle fault [provision args]
refused() {
  local id=$1 bundle=$2 fault=$3
  shift 3
  golden "$work/$bundle.bundle"
  [ "$(boot "$id")" = 10 ] || fail "$id ($bundle): start-up did not end in distress: $(last_boot "$id")"
  [ "$(attempt "$id" 0 result)" = failed ] || fail "$id ($bundle): attempt $(attempt "$id" 0 result)"
  [ "$(attempt "$id" 0 fault_code)" = "$fault" ] ||
    fail "$id ($bundle): fault $(attempt "$id" 0 fault_code), expected $fault: $(last_boot "$id")"
  [ "$(decision "$id")" = "decision: dcf reason=component-mismatch slot=a failed=1" ] ||
    fail "$id ($bundle): something was activated: $(decision "$id")"
  [ ! -e "$(dev "$id")/slot_b/manifest.cose" ] || fail "$id ($bundle): slot b has a manifest"
  [ "$(state "$id")" = in_distress ] || fail "$id ($bundle): state $(state "$id")"
  [ "$(phase "$id")" = none ] || fail "$id ($bundle): record kept after the report: phase $(phase "$id")"
  # still in distress, and reported so again
  local n
  n=$(nind "$id")
  [ "$(boot "$id")" = 10 ] || fail "$id ($bundle): second start-up: $(last_boot "$id")"
  [ "$(nind "$id")" -gt "$n" ] || fail "$id ($bundle): distress not reported again"
}
mkdev it-sig tls
"$provision" tamper --pki "$pki" --device "$(dev it-sig)" --what component >/dev/null
refused it-sig badsig 9019
# and a tampered slot never becomes a golden bundle
if "$provision" bundle --pki "$pki" --out "$work/tampered.bundle" --class femto-it \
  --image-version 9.0.0 --rollback 9 --from-slot "$(dev it-sig)/slot_a" 2>"$work/tampered.err"; then
  fail "a tampered slot was bundled"
fi
grep -q "comp-0.bin does not match its TRV" "$work/tampered.err" || fail "tampered slot: $(cat "$work/tampered.err")"
[ ! -e "$work/tampered.bundle" ] && [ ! -e "$work/tampered.bundle.tmp" ] || fail "tampered slot: a bundle file was left"
mkdev it-class tls
"$provision" tamper --pki "$pki" --device "$(dev it-class)" --what component >/dev/null
refused it-class class 9018
# anti-rollback: the device's counter is raised to 5 by confirming a rollback-5 image
mkdev it-rollback tls --rollback 5
"$normal" --device "$(dev it-rollback)" --slot a --confirm >/dev/null 2>&1 || fail "it-rollback: confirm"
"$provision" tamper --pki "$pki" --device "$(dev it-rollback)" --what component >/dev/null
refused it-rollback good 9019
mkdev it-trunc tls
"$provision" tamper --pki "$pki" --device "$(dev it-trunc)" --what component >/dev/null
refused it-trunc truncated 9018
mkdev it-corrupt tls
"$provision" tamper --pki "$pki" --device "$(dev it-corrupt)" --what component >/dev/null
refused it-corrupt corrupt 9018
# larger than the device's max_image_size: the ACS does not even push it
mkdev it-big tls --max-image-size $((size - 1))
"$provision" tamper --pki "$pki" --device "$(dev it-big)" --what component >/dev/null
refused it-big good 9004
[ "$(attempt it-big 0 downloaded)" = false ] || fail "it-big: a download was offered"
echo "ok: bad signature 9019, wrong class 9018, rollback 9019, truncated 9018, corrupted 9018, too big 9004"

# After max_attempts (3) failures: remediation_failed, and no further session.
golden "$work/corrupt.bundle"
[ "$(nattempts it-corrupt)" = 2 ] || fail "it-corrupt: $(nattempts it-corrupt) attempts"
[ "$(boot it-corrupt)" = 10 ] || fail "it-corrupt: third attempt"
[ "$(state it-corrupt)" = remediation_failed ] || fail "it-corrupt: state $(state it-corrupt) after 3 failures"
n=$(sessions it-corrupt)
[ "$(boot it-corrupt)" = 10 ] || fail "it-corrupt: start-up after giving up"
[ "$(sessions it-corrupt)" = "$n" ] || fail "it-corrupt: a CWMP session after remediation was given up"
[ "$(nattempts it-corrupt)" = 3 ] || fail "it-corrupt: a fourth attempt"
last_boot it-corrupt | grep -q "remediation offered" && fail "it-corrupt: remediation offered after giving up"
echo "ok: after 3 failed attempts the incident is remediation_failed and left for a human"

# ---- 4. distress that does not verify: no remediation ---------------------------------------
golden "$work/good.bundle"
mkdev it-unauth tls
mkdev it-other plain-udp
"$ctl" --socket "$work/api.sock" enrol --device it-unauth --class femto-it \
  --pubkey "$pki/devices/it-other.pub.pem" >/dev/null || fail "re-enrolling it-unauth"
"$provision" tamper --pki "$pki" --device "$(dev it-unauth)" --what component >/dev/null
# The H(e)MS cannot verify it-unauth's indications: every answer says
# stored-unverified, which is no acknowledgement. The DCF keeps trying until
# its deadline (shortened here) and exits 14 (MAYDAY_EXIT_DCF_NOT_STORED).
sed 's/^deadline_ms = .*/deadline_ms = 3000/' "$(dev it-unauth)/dcf/dcf.conf" > "$work/it-unauth.conf"
"$provision" dcf-conf --device "$(dev it-unauth)" --pki "$pki" --conf "$work/it-unauth.conf" \
  >/dev/null || fail "it-unauth: dcf.conf"
[ "$(boot it-unauth)" = 14 ] || fail "it-unauth: $(last_boot it-unauth)"
last_boot it-unauth | grep -q "could not verify counter" || fail "it-unauth: $(last_boot it-unauth)"
[ "$(show it-unauth | jq -r '.indications[0].trust')" = unverified ] || fail "it-unauth: trust"
last_boot it-unauth | grep -q "remediation offered" && fail "it-unauth: remediation offered"
[ "$(nattempts it-unauth)" = 0 ] || fail "it-unauth: an attempt was made"
[ "$(sessions it-unauth)" = 0 ] || fail "it-unauth: the DCF opened a CWMP session"
# The device (its certificate is good) opens a session itself: Inform, empty POST -> 204.
d=$(dev it-unauth)
"$acs" inform it-unauth "X A1B2C3 DISTRESS" > "$work/inform"
: > "$work/empty"
codes=$(curl -sS --max-time 10 --cacert "$pki/operator-ca.pem" --cert "$d/dcf/dcf-cert.pem" \
  --key "$d/rot/distress.key.pem" -c "$work/jar" -b "$work/jar" -o /dev/null -w '%{http_code} ' \
  -H 'Content-Type: text/xml; charset="utf-8"' --data-binary @"$work/inform" "https://127.0.0.1:$https/cwmp" \
  --next --max-time 10 --cacert "$pki/operator-ca.pem" --cert "$d/dcf/dcf-cert.pem" \
  --key "$d/rot/distress.key.pem" -c "$work/jar" -b "$work/jar" -o "$work/resp" -w '%{http_code} %{num_connects}' \
  -H 'Content-Type: text/xml; charset="utf-8"' --data-binary @"$work/empty" "https://127.0.0.1:$https/cwmp")
[ "$codes" = "200 204 0" ] || fail "it-unauth's own session: '$codes' (expected 200, 204, no new connection)"
[ "$(nattempts it-unauth)" = 0 ] || fail "it-unauth: a Download was pushed"
echo "ok: distress that does not verify gets no remediation, even in a session the device opens"

# ---- 5. the new image's report is lost: CONFIRMED on record, reported at the next start ----
mkdev it-lost tls
"$provision" tamper --pki "$pki" --device "$(dev it-lost)" --what component >/dev/null
[ "$(boot it-lost)" = 13 ] || fail "it-lost: no install: $(last_boot it-lost)"
[ "$(phase it-lost)" = 2 ] || fail "it-lost: record after the install: phase $(phase it-lost)"
key=$(attempt it-lost 0 command_key)
n=$(sessions it-lost)
stop_daemon
[ "$(boot it-lost)" = 0 ] || fail "it-lost: the new image did not start: $(last_boot it-lost)"
last_boot it-lost | grep -q "running image 2.0.0 from slot b (confirmed)" || fail "it-lost: $(last_boot it-lost)"
last_boot it-lost | grep -q "reported remediation" && fail "it-lost: reported with the ACS down"
[ "$(phase it-lost)" = 4 ] || fail "it-lost: record after the confirmation: phase $(phase it-lost), not CONFIRMED"
start_daemon
[ "$(attempt it-lost 0 result)" = in_progress ] || fail "it-lost: attempt $(attempt it-lost 0 result) before the report"
[ "$(boot it-lost)" = 0 ] || fail "it-lost: second start-up of the new image: $(last_boot it-lost)"
last_boot it-lost | grep -q "reported remediation $key to https://127.0.0.1:$https/cwmp: fault 0" ||
  fail "it-lost: the success was not reported later: $(last_boot it-lost)"
[ "$(state it-lost)" = healthy ] && [ "$(attempt it-lost 0 result)" = recovered ] ||
  fail "it-lost: $(state it-lost) / $(attempt it-lost 0 result) after the late report"
[ "$(phase it-lost)" = none ] || fail "it-lost: record left after the report"
[ "$(sessions it-lost)" = $((n + 1)) ] || fail "it-lost: $(sessions it-lost) sessions, expected $((n + 1))"
echo "ok: a success whose report was lost (ACS down) is reported at the next start-up"

stop_daemon
echo PASS
