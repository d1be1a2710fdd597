#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# maydayd is the store's only writer (issue 13, docs/operations.md "Starting
# maydayd by hand"), and a revoked key is never trusted, with a real maydayd:
#  - while it runs it holds <db>.writer: a second maydayd on the same store
#    exits 1 at start naming the lock, and mayday-provision --enrol refuses
#    before making anything, with "maydayd is running: use the API";
#  - a device revoked in the store while maydayd runs (its key cached by the
#    daemon from a first, signed indication) has its next signed indication
#    stored unverified, with no incident and no remediation;
#  - once maydayd stopped, the lock is free again.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/test_server_common.sh"
provision=$build/tools/provision/mayday-provision
[ -x "$provision" ] || fail "missing $provision"

enrol hnb-1
enrol hnb-2
start_daemon
grep -q 'info: running (' "$work/maydayd.log" || fail "maydayd did not start"

# ---- a second maydayd ----------------------------------------------------------------
rc=0
sed 's/^listen = .*/listen = 127.0.0.1:0/' "$work/maydayd.conf" > "$work/second.conf"
timeout 20 "$maydayd" -c "$work/second.conf" -f 2>"$work/second.log" || rc=$?
[ "$rc" = 1 ] || fail "a second maydayd exited $rc, want 1: $(cat "$work/second.log")"
grep -q "another maydayd .* holds $db.writer" "$work/second.log" ||
  fail "the second maydayd did not say why: $(cat "$work/second.log")"
grep -q 'listening on' "$work/second.log" && fail "the second maydayd opened a listener"
alive

# ---- mayday-provision --enrol ----------------------------------------------------------
"$provision" init --pki "$work/pki" >/dev/null || fail "provision init"
rc=0
"$provision" device --pki "$work/pki" --out "$work/dev-9" --id hnb-9 --class femto-it \
  --hems-udp "127.0.0.1:$port" --dcf-bin /bin/true --normal-bin /bin/true \
  --enrol "$store" >/dev/null 2>"$work/provision.err" || rc=$?
[ "$rc" != 0 ] || fail "provision --enrol succeeded beside a running maydayd"
grep -q 'maydayd is running: use the API (maydayctl without -d)' "$work/provision.err" ||
  fail "provision did not say why: $(cat "$work/provision.err")"
[ -z "$(ls -A "$work/dev-9" 2>/dev/null)" ] || fail "provision made a device before refusing"
[ "$(q "SELECT count(*) FROM devices WHERE id = 'hnb-9'")" = 0 ] || fail "hnb-9 enrolled anyway"

# ---- revocation while the key is cached ----------------------------------------------
send() {
  "$itool" udp --port "$port" --in "$(sign "$1" "$2" 1)" --hems-pub "$work/hems.pub" \
    --wait-ms 10000 >/dev/null || fail "indication $1/$2 not answered"
}
send hnb-1 1
send hnb-2 1
[ "$(q "SELECT count(*) FROM indications WHERE trust = 'signed'")" = 2 ] || fail "not signed"
[ "$(q "SELECT count(*) FROM incidents")" = 2 ] || fail "no incidents"
# what POST /v1/devices/hnb-1/revoke writes (store_device_revoke)
q "UPDATE devices SET revoked_at = strftime('%s', 'now'), revoked_by = 'it' WHERE id = 'hnb-1'"
send hnb-1 2
send hnb-2 2
[ "$(q "SELECT trust FROM indications WHERE device_id = 'hnb-1' AND counter = 2")" = unverified ] ||
  fail "the revoked device's indication: $(q "SELECT trust FROM indications WHERE device_id = 'hnb-1'")"
[ "$(q "SELECT count(*) FROM indications WHERE device_id = 'hnb-1' AND counter = 2
        AND incident_id IS NOT NULL")" = 0 ] || fail "the revoked device's indication joined an incident"
[ "$(q "SELECT trust FROM indications WHERE device_id = 'hnb-2' AND counter = 2")" = signed ] ||
  fail "the other device's indication is not signed"
[ "$(q "SELECT count(*) FROM events WHERE type = 'device.revoked' AND device_id = 'hnb-1'")" = 1 ] ||
  fail "no device.revoked event"
alive

# ---- the lock dies with maydayd ------------------------------------------------------
stop_daemon
"$provision" device --pki "$work/pki" --out "$work/dev-10" --id hnb-10 --class femto-it \
  --hems-udp "127.0.0.1:9" --dcf-bin /bin/true --normal-bin /bin/true \
  --enrol "$store" >/dev/null 2>"$work/provision.err" ||
  fail "provision --enrol with maydayd stopped: $(cat "$work/provision.err")"
[ "$(q "SELECT count(*) FROM devices WHERE id = 'hnb-10'")" = 1 ] || fail "hnb-10 not enrolled"
echo "PASS: one writer (second maydayd exit 1, provision --enrol refused), revoked key's indication unverified"
