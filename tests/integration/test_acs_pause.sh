#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The automatic pause of remediation per product class ([acs]
# pause_after_failures = 2), with curl as the CPE over mTLS and acs_itool
# making and reading the envelopes. Two devices of femto-it get a Download
# and report it failed (TransferComplete 9018): the second report pauses the
# class, logged once. Then a scheduled device of the class (and one whose
# attempt failed and that reports distress again) gets 204 right after its
# empty POST and stays remediation_scheduled; a download already under way
# still reports; a device of femto-b is served. `maydayctl classes` (table
# and --json) shows the pause and the failures that caused it; `maydayctl
# resume` (exit 3 for a class no device has) ends it, and the class is
# served again. Only failures after the resume count: one more does not
# pause it, a second does (logged again).
here=$(cd "$(dirname "$0")" && pwd)
. "$here/test_server_common.sh"
command -v curl >/dev/null || fail "curl missing"
command -v jq >/dev/null || fail "jq missing"
acs=$build/tests/acs_itool
[ -x "$acs" ] || fail "missing $acs"

make_ca opca "mayday test operator CA"
issue server opca "/CN=hems.mayday.test" serverAuth 30 "DNS:hems.mayday.test,IP:127.0.0.1"
for d in hnb-1 hnb-2 hnb-3 hnb-4; do
  enrol $d
  issue $d opca "/O=operator/CN=$d" clientAuth 30
done
ec_key "$work/hnb-9.key"
openssl pkey -in "$work/hnb-9.key" -pubout -out "$work/hnb-9.pub" 2>/dev/null
"$ctl" -d "$store" enrol --device hnb-9 --class femto-b --pubkey "$work/hnb-9.pub" >/dev/null ||
  fail "enrol hnb-9"
issue hnb-9 opca "/O=operator/CN=hnb-9" clientAuth 30
mkdir "$work/bundles"
head -c 4096 /dev/urandom > "$work/bundles/femto-it.bundle"
head -c 4096 /dev/urandom > "$work/bundles/femto-b.bundle"

aport=$("$here/../../scripts/free-port.sh" tcp)
start_daemon "" "[https]
listen = 127.0.0.1:$aport
cert = $work/server.pem
key = $work/server.key
ca = $work/opca.pem

[acs]
url = https://127.0.0.1:$aport/cwmp
bundle_dir = $work/bundles
max_attempts = 3
pause_after_failures = 2"
[ "$https_port" = "$aport" ] || fail "https on $https_port, not $aport"
base="https://127.0.0.1:$aport"

klass() { "$ctl" -d "$store" --json classes | jq -r ".[] | select(.product_class == \"$1\") | $2"; }
pauses() { grep -c "remediation of class femto-it paused after 2 failed attempts in a row; resume with maydayctl resume femto-it" "$work/maydayd.log" || true; }
: > "$work/empty"
"$acs" gpvr 100000000 200000000 > "$work/gpvr"
"$acs" dlr > "$work/dlr"

# distress ID COUNTER: a signed indication over HTTPS (schedules remediation)
distress() {
  local ind
  ind=$(sign "$1" "$2" 3)
  [ "$(tls "$1" -H 'Content-Type: application/cose' --data-binary @"$ind" "$base/v1/distress")" = 200 ] ||
    fail "distress of $1: $(tail -1 "$work/curl.err")"
}
# session ID: a distress session up to the ACS's answer to the empty POST (in $work/resp)
session() {
  rm -f "$work/$1.jar"
  "$acs" inform "$1" "X A1B2C3 DISTRESS" > "$work/inform-$1"
  [ "$(cwmp "$1" "$work/inform-$1")" = 200 ] && [ "$(kind)" = InformResponse ] || fail "$1: Inform"
  cwmp "$1" "$work/empty" > "$work/status"
}
# download ID: the distress session through GPV and Download; prints the CommandKey
download() {
  session "$1"
  [ "$(cat "$work/status")" = 200 ] && [ "$(kind)" = GetParameterValues ] ||
    fail "$1: expected GetParameterValues, got $(cat "$work/status") $(kind)"
  [ "$(cwmp "$1" "$work/gpvr")" = 200 ] && [ "$(kind)" = Download ] || fail "$1: expected Download"
  field key
  [ "$(cwmp "$1" "$work/dlr")" = 204 ] || fail "$1: DownloadResponse"
}
# held ID: the distress session ends with 204 right after the empty POST
held() {
  session "$1"
  [ "$(cat "$work/status")" = 204 ] || fail "$1: paused class, yet $(cat "$work/status") $(kind)"
}
# report ID KEY FAULT [STRING]: the new image reports the attempt (BOOT, TRANSFER COMPLETE)
report() {
  rm -f "$work/$1.jar"
  "$acs" inform "$1" "1 BOOT" "7 TRANSFER COMPLETE" "M Download=$2" > "$work/inform-boot-$1"
  "$acs" tc "$2" "$3" ${4:+"$4"} > "$work/tc-$1"
  [ "$(cwmp "$1" "$work/inform-boot-$1")" = 200 ] && [ "$(kind)" = InformResponse ] ||
    fail "$1: BOOT Inform"
  [ "$(cwmp "$1" "$work/tc-$1")" = 200 ] && [ "$(kind)" = TransferCompleteResponse ] ||
    fail "$1: TransferComplete answered with $(kind)"
  [ "$(cwmp "$1" "$work/empty")" = 204 ] || fail "$1: empty POST after the report: $(kind)"
}

for d in hnb-1 hnb-2 hnb-3 hnb-4 hnb-9; do distress $d 1; done
[ "$(state hnb-3)" = remediation_scheduled ] || fail "hnb-3 is $(state hnb-3)"
[ "$(klass femto-it .devices)" = 4 ] && [ "$(klass femto-it .remediation_scheduled)" = 4 ] ||
  fail "classes: $("$ctl" -d "$store" --json classes)"

# ---- two failed attempts in a row pause femto-it ------------------------------------------
key1=$(download hnb-1)
key2=$(download hnb-2)
key4=$(download hnb-4)
report hnb-1 "$key1" 9018
[ "$(state hnb-1)" = in_distress ] || fail "hnb-1 after its failure: $(state hnb-1)"
[ "$(klass femto-it .paused)" = false ] && [ "$(pauses)" = 0 ] || fail "paused after one failure"
# a FaultString with a line break in it: the device's text cannot forge table rows
report hnb-2 "$key2" 9018 $'bad\nhnb-9 FORGED ROW'
"$ctl" -d "$store" classes > "$work/classes.txt"
! grep -q '^hnb-9 FORGED ROW' "$work/classes.txt" && grep -qF 'bad\x0ahnb-9 FORGED ROW' "$work/classes.txt" ||
  fail "a device's line break reached the table: $(cat "$work/classes.txt")"
[ "$(pauses)" = 1 ] || fail "the pause was logged $(pauses) times: $(grep -c paused "$work/maydayd.log")"
json=$("$ctl" -d "$store" --json classes)
[ "$(jq -r '.[] | select(.product_class == "femto-it") | .paused' <<<"$json")" = true ] || fail "not paused: $json"
[ "$(jq -r '.[] | select(.product_class == "femto-it") | .pause_failures' <<<"$json")" = 2 ] || fail "pause_failures: $json"
[ "$(jq -r '.[] | select(.product_class == "femto-it") | [.failures[].device_id] | join(",")' <<<"$json")" = hnb-2,hnb-1 ] ||
  fail "the failures that paused it: $json"
[ "$(jq -r '.[] | select(.product_class == "femto-it") | .failures[0].fault_code' <<<"$json")" = 9018 ] || fail "fault: $json"
[ "$(jq -r '.[] | select(.product_class == "femto-it") | .paused_since' <<<"$json")" != null ] || fail "since: $json"
[ "$(jq -r '.[] | select(.product_class == "femto-b") | .paused' <<<"$json")" = false ] || fail "femto-b paused: $json"
"$ctl" -d "$store" classes > "$work/classes.txt" || fail "maydayctl classes"
grep -Eq '^femto-it +4 .*PAUSED since .* after 2 failed in a row' "$work/classes.txt" || fail "table: $(cat "$work/classes.txt")"
grep -q "hnb-2 .*$key2 .*fault 9018" "$work/classes.txt" || fail "table failures: $(cat "$work/classes.txt")"
grep -Eq '^femto-b +1 .* active$' "$work/classes.txt" || fail "table femto-b: $(cat "$work/classes.txt")"

# ---- paused: nothing new is pushed to the class; reports and other classes go on ------------
held hnb-3
[ "$(state hnb-3)" = remediation_scheduled ] || fail "hnb-3 after a held session: $(state hnb-3)"
distress hnb-1 2
[ "$(state hnb-1)" = remediation_scheduled ] || fail "hnb-1 not scheduled again: $(state hnb-1)"
held hnb-1
report hnb-4 "$key4" 0
[ "$(state hnb-4)" = healthy ] || fail "hnb-4's report while paused: $(state hnb-4)"
[ "$(klass femto-it .paused)" = true ] || fail "a recovery under way ended the pause"
session hnb-9
[ "$(cat "$work/status")" = 200 ] && [ "$(kind)" = GetParameterValues ] || fail "femto-b held back: $(kind)"
[ "$(pauses)" = 1 ] || fail "the pause was logged again"
[ "$(q "SELECT count(*) FROM remediation_attempts WHERE device_id IN ('hnb-1', 'hnb-3')
       AND result = 'in_progress'")" = 0 ] || fail "an attempt began on a paused class"

# ---- resume ------------------------------------------------------------------------------------
rc=0
ctlw resume femto-nosuch 2>"$work/ctl.err" || rc=$?
[ "$rc" = 3 ] || fail "resume of an unknown class exited $rc"
out=$(ctlw --json resume femto-it) || fail "resume femto-it"
[ "$(jq -r .was_paused <<<"$out")" = true ] || fail "resume: $out"
[ "$(klass femto-it .paused)" = false ] && [ "$(klass femto-it .resumed_at)" != null ] ||
  fail "after resume: $("$ctl" -d "$store" --json classes)"
[ "$(q "SELECT group_concat(kind) FROM (SELECT kind FROM remediation_class_events
       WHERE product_class = 'femto-it' ORDER BY id)")" = paused,resumed ] || fail "class history"
# the outbox (docs/operations.md "Events") has each, in the same order, and the failed attempts
[ "$(q "SELECT group_concat(type) FROM (SELECT type FROM events WHERE type LIKE 'class.%'
       AND json_extract(payload, '\$.product_class') = 'femto-it' ORDER BY id)")" = \
  class.paused,class.resumed ] || fail "class events: $(q "SELECT type FROM events")"
[ "$(q "SELECT count(*) FROM events WHERE type = 'remediation.attempt_result'
       AND json_extract(payload, '\$.result') = 'failed'")" -ge 2 ] || fail "no attempt_result events"
# Failures count only when they finish after the resume (second resolution).
sleep 1.1
key3=$(download hnb-3)
[ "$(state hnb-3)" = remediation_in_progress ] || fail "hnb-3 after resume: $(state hnb-3)"
report hnb-3 "$key3" 9018
[ "$(klass femto-it .paused)" = false ] || fail "paused again after one fresh failure"
key1=$(download hnb-1)
report hnb-1 "$key1" 9019
[ "$(klass femto-it .paused)" = true ] && [ "$(pauses)" = 2 ] ||
  fail "not paused again after two fresh failures ($(pauses) logged)"
json=$("$ctl" -d "$store" --json classes)
[ "$(jq -r '.[] | select(.product_class == "femto-it") | [.failures[].device_id] | join(",")' <<<"$json")" = hnb-1,hnb-3 ] ||
  fail "the failures of the second pause: $json"
distress hnb-2 2
held hnb-2
[ "$(state hnb-2)" = remediation_scheduled ] || fail "hnb-2: $(state hnb-2)"
alive
stop_daemon
echo "PASS"
