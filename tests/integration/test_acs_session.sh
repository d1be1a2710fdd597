#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The ACS on maydayd's HTTPS listener, with curl as the CPE over mTLS and
# acs_itool making and reading the envelopes: a signed distress indication
# schedules remediation; the distress session (Inform, empty POST,
# GetParameterValues, Download, 204) hands out a token URL; the bundle comes
# back byte for byte with the device's certificate, 403 with another
# device's, 404 once used; the BOOT / TRANSFER COMPLETE session with fault 0
# makes the incident recovered (maydayctl --json show). A standard CPE that
# reports TransferComplete fault 0 before rebooting (hnb-4) is "installed",
# is sent a Reboot with the attempt's CommandKey, and is recovered when it
# comes back with "1 BOOT" + "M Reboot" naming that key (another key changes
# nothing, and the Reboot is asked again). Also: a session
# without its cookie, a malformed envelope (Fault 8003), wrong methods and
# media types, and a device whose distress is not scheduled (204 at once).
# Normal code's device certificate (OU mayday-device-credentials) gets its
# periodic Inform answered and is refused (403) for a distress indication.
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
# Normal code's device certificate (mayday-provision: OU mayday-device-credentials,
# its own key, not the enrolled distress key): good for CWMP, never for distress.
enrol hnb-5
issue dev-hnb-5 opca "/OU=mayday-device-credentials/O=operator/CN=hnb-5" clientAuth 30
mkdir "$work/bundles"
# 48 MiB: more than the kernel's socket buffers hold, so a slow reader keeps
# the server writing for seconds (below)
bundle_size=$((48 * 1024 * 1024))
head -c $bundle_size /dev/urandom > "$work/bundles/femto-it.bundle"

# The ACS URL is advertised in acks, so the port is fixed before maydayd starts.
aport=$("$here/../../scripts/free-port.sh" tcp)
start_daemon "http_timeout = 5" "[https]
listen = 127.0.0.1:$aport
cert = $work/server.pem
key = $work/server.key
ca = $work/opca.pem

[acs]
url = https://127.0.0.1:$aport/cwmp
bundle_dir = $work/bundles"
[ "$https_port" = "$aport" ] || fail "https on $https_port, not $aport"
base="https://127.0.0.1:$aport"

: > "$work/empty"

# ---- a signed distress indication schedules remediation ------------------------------
for d in hnb-1 hnb-3 hnb-4; do
  ind=$(sign $d 1 3)
  [ "$(tls $d -H 'Content-Type: application/cose' --data-binary @"$ind" "$base/v1/distress")" = 200 ] ||
    fail "distress of $d: $(tail -1 "$work/curl.err")"
done
[ "$(state hnb-1)" = remediation_scheduled ] || fail "hnb-1 is $(state hnb-1)"

# ---- the distress session -----------------------------------------------------------
"$acs" inform hnb-1 "X A1B2C3 DISTRESS" > "$work/inform"
[ "$(cwmp hnb-1 "$work/inform")" = 200 ] || fail "Inform: $(tail -1 "$work/curl.err")"
[ "$(kind)" = InformResponse ] || fail "Inform answered with $(kind)"
grep -q 'MAYDAYSESSION' "$work/hnb-1.jar" || fail "no session cookie"
[ "$(cwmp hnb-1 "$work/empty")" = 200 ] || fail "empty POST"
[ "$(kind)" = GetParameterValues ] && [ "$(field names)" = 4 ] || fail "expected GPV: $(kind)"
"$acs" gpvr 100000000 200000000 > "$work/gpvr"
[ "$(cwmp hnb-1 "$work/gpvr")" = 200 ] || fail "GPVResponse"
[ "$(kind)" = Download ] || fail "expected Download: $(kind)"
url=$(field url)
key=$(field key)
[ "$(field size)" = $bundle_size ] || fail "FileSize $(field size)"
[ "$(field filetype)" = "1 Firmware Upgrade Image" ] || fail "FileType"
[[ "$url" =~ ^$base/bundles/[0-9a-f]{32}$ ]] || fail "url $url"
[[ "$key" =~ ^rem-[0-9]+-1$ ]] || fail "CommandKey $key"
"$acs" dlr > "$work/dlr"
[ "$(cwmp hnb-1 "$work/dlr")" = 204 ] || fail "DownloadResponse not answered with 204"
[ "$(state hnb-1)" = remediation_in_progress ] || fail "hnb-1 is $(state hnb-1)"

# ---- the bundle: the owner's only, once -----------------------------------------------
[ "$(tls hnb-2 "$url")" = 403 ] || fail "another device's certificate got the bundle"
[ "$(tls hnb-1 "$base/bundles/00000000000000000000000000000000")" = 404 ] || fail "unknown token"
[ "$(tls hnb-1 "$base/bundles/..%2fhems.db")" = 404 ] || fail "not a token"
[ "$(tls hnb-1 -X POST "$url")" = 405 ] || fail "POST to a bundle"
# At 7 MiB/s the bundle takes ~7 s, longer than http_timeout (5 s): a slow
# link must not cut it.
t0=$(date +%s)
[ "$(tls hnb-1 --limit-rate 7M -D "$work/hdr" "$url")" = 200 ] || fail "bundle: $(tail -1 "$work/curl.err")"
[ $(($(date +%s) - t0)) -gt 5 ] || fail "the slow download was not slower than http_timeout"
cmp "$work/resp" "$work/bundles/femto-it.bundle" || fail "bundle differs from the golden one: $(stat -c %s "$work/resp") bytes; $(tail -1 "$work/curl.err")"
grep -qi "^content-length: $bundle_size" "$work/hdr" || fail "Content-Length: $(cat "$work/hdr")"
[ "$(tls hnb-1 "$url")" = 404 ] || fail "a used token served again"

# ---- the new image booted: recovered -------------------------------------------------
rm -f "$work/hnb-1.jar"
"$acs" inform hnb-1 "1 BOOT" "7 TRANSFER COMPLETE" "M Download" > "$work/inform-boot"
"$acs" tc "$key" 0 > "$work/tc"
[ "$(cwmp hnb-1 "$work/tc")" = 200 ] && [ "$(kind)" = Fault ] && [ "$(field fault)" = 8001 ] ||
  fail "TransferComplete outside a session accepted"
[ "$(cwmp hnb-1 "$work/inform-boot")" = 200 ] && [ "$(kind)" = InformResponse ] || fail "BOOT Inform"
[ "$(cwmp hnb-1 "$work/tc")" = 200 ] || fail "TransferComplete"
[ "$(kind)" = TransferCompleteResponse ] || fail "TransferComplete answered with $(kind)"
[ "$(cwmp hnb-1 "$work/empty")" = 204 ] || fail "empty POST after recovery"
json=$("$ctl" -d "$store" --json show hnb-1)
[ "$(jq -r .device.state <<<"$json")" = healthy ] || fail "device: $json"
[ "$(jq -r '.remediation_attempts[0].result' <<<"$json")" = recovered ] || fail "attempt: $json"
[ "$(jq -r '.remediation_attempts[0].command_key' <<<"$json")" = "$key" ] || fail "key: $json"

# ---- a CPE that reports the install first and waits for the ACS's Reboot ---------------
attempt4() { "$ctl" -d "$store" --json show hnb-4 | jq -r ".remediation_attempts[0].$1"; }
"$acs" inform hnb-4 "X A1B2C3 DISTRESS" > "$work/inform4"
[ "$(cwmp hnb-4 "$work/inform4")" = 200 ] && [ "$(kind)" = InformResponse ] || fail "hnb-4 Inform"
[ "$(cwmp hnb-4 "$work/empty")" = 200 ] && [ "$(kind)" = GetParameterValues ] ||
  fail "hnb-4: expected GPV: $(kind)"
[ "$(cwmp hnb-4 "$work/gpvr")" = 200 ] && [ "$(kind)" = Download ] || fail "hnb-4: expected Download"
key4=$(field key)
[[ "$key4" =~ ^rem-[0-9]+-1$ ]] && [ "$key4" != "$key" ] || fail "hnb-4 CommandKey $key4"
[ "$(cwmp hnb-4 "$work/dlr")" = 204 ] || fail "hnb-4 DownloadResponse"
# fault 0 without "1 BOOT": installed, and the ACS's turn is a Reboot with the attempt's key
rm -f "$work/hnb-4.jar"
"$acs" inform hnb-4 "7 TRANSFER COMPLETE" "M Download=$key4" > "$work/inform4-tc"
"$acs" tc "$key4" 0 > "$work/tc4"
[ "$(cwmp hnb-4 "$work/inform4-tc")" = 200 ] && [ "$(kind)" = InformResponse ] || fail "hnb-4 TC Inform"
[ "$(cwmp hnb-4 "$work/tc4")" = 200 ] && [ "$(kind)" = TransferCompleteResponse ] ||
  fail "hnb-4 TransferComplete answered with $(kind)"
[ "$(state hnb-4)" = installed ] && [ "$(attempt4 result)" = installed ] ||
  fail "hnb-4 after TransferComplete: $(state hnb-4), attempt $(attempt4 result)"
[ "$(cwmp hnb-4 "$work/empty")" = 200 ] && [ "$(kind)" = Reboot ] || fail "expected Reboot: $(kind)"
[ "$(field key)" = "$key4" ] && [ "$(field id)" = acs-reboot ] ||
  fail "Reboot CommandKey $(field key), ID $(field id)"
"$acs" rebootr > "$work/rebootr"
[ "$(cwmp hnb-4 "$work/rebootr")" = 204 ] || fail "RebootResponse not answered with 204"
[ "$(state hnb-4)" = installed ] || fail "hnb-4 after RebootResponse: $(state hnb-4)"
# "M Reboot" with a key that is not its installed attempt: nothing, and the Reboot is asked again
rm -f "$work/hnb-4.jar"
"$acs" inform hnb-4 "1 BOOT" "M Reboot=rem-999-1" > "$work/inform4-wrong"
[ "$(cwmp hnb-4 "$work/inform4-wrong")" = 200 ] && [ "$(kind)" = InformResponse ] || fail "wrong-key Inform"
[ "$(state hnb-4)" = installed ] && [ "$(attempt4 result)" = installed ] ||
  fail "an unknown M Reboot key changed hnb-4: $(state hnb-4)"
[ "$(cwmp hnb-4 "$work/empty")" = 200 ] && [ "$(kind)" = Reboot ] && [ "$(field key)" = "$key4" ] ||
  fail "Reboot not asked again: $(kind)"
[ "$(cwmp hnb-4 "$work/rebootr")" = 204 ] || fail "second RebootResponse"
# hnb-1's key from hnb-4 is not hnb-4's attempt either
rm -f "$work/hnb-4.jar"
"$acs" inform hnb-4 "1 BOOT" "M Reboot=$key" > "$work/inform4-other"
[ "$(cwmp hnb-4 "$work/inform4-other")" = 200 ] && [ "$(state hnb-4)" = installed ] ||
  fail "another device's key changed hnb-4: $(state hnb-4)"
# rebooted into the installed image: recovered at the Inform, nothing left to ask
rm -f "$work/hnb-4.jar"
"$acs" inform hnb-4 "1 BOOT" "M Reboot=$key4" > "$work/inform4-boot"
[ "$(cwmp hnb-4 "$work/inform4-boot")" = 200 ] && [ "$(kind)" = InformResponse ] || fail "hnb-4 BOOT Inform"
[ "$(cwmp hnb-4 "$work/empty")" = 204 ] || fail "empty POST after the reboot: $(kind)"
json=$("$ctl" -d "$store" --json show hnb-4)
[ "$(jq -r .device.state <<<"$json")" = healthy ] || fail "hnb-4 device: $json"
[ "$(jq -r '.remediation_attempts[0].result' <<<"$json")" = recovered ] || fail "hnb-4 attempt: $json"
[ "$(jq -r '.remediation_attempts[0].command_key' <<<"$json")" = "$key4" ] || fail "hnb-4 key: $json"
[ "$(jq -r '.remediation_attempts | length' <<<"$json")" = 1 ] || fail "hnb-4 attempts: $json"

# ---- no remediation scheduled: 204 right after the empty POST --------------------------
"$acs" inform hnb-2 "X A1B2C3 DISTRESS" > "$work/inform2"
[ "$(cwmp hnb-2 "$work/inform2")" = 200 ] && [ "$(kind)" = InformResponse ] || fail "hnb-2 Inform"
[ "$(cwmp hnb-2 "$work/empty")" = 204 ] || fail "hnb-2: nothing to do, yet $(kind)"

# ---- normal code's device certificate: its periodic Inform, never a distress -----------
before5=$(state hnb-5)
"$acs" inform hnb-5 "2 PERIODIC" > "$work/inform5"
[ "$(cwmp dev-hnb-5 "$work/inform5")" = 200 ] && [ "$(kind)" = InformResponse ] ||
  fail "device certificate: periodic Inform: $(tail -1 "$work/curl.err")"
[ "$(cwmp dev-hnb-5 "$work/empty")" = 204 ] || fail "device certificate: session end"
ind5=$(sign hnb-5 1 3)   # validly signed with the enrolled distress key
[ "$(tls dev-hnb-5 -H 'Content-Type: application/cose' --data-binary @"$ind5" "$base/v1/distress")" = 403 ] ||
  fail "a device certificate carried a distress indication"
[ "$(state hnb-5)" = "$before5" ] || fail "hnb-5 changed to $(state hnb-5)"
grep -q 'client certificate unusable (not allowed in this role)' "$work/maydayd.log" ||
  fail "the refusal of the device certificate is not logged"

# ---- hostile or wrong requests -----------------------------------------------------------
[ "$(cwmp hnb-3 "$work/inform")" = 200 ] && [ "$(field fault)" = 8001 ] ||
  fail "an Inform for another device than the certificate's"
printf '<x' > "$work/bad"
[ "$(cwmp hnb-3 "$work/bad")" = 200 ] && [ "$(field fault)" = 8003 ] || fail "malformed envelope"
[ "$(tls hnb-3 "$base/cwmp")" = 405 ] || fail "GET /cwmp"
# Answers on connections that close after them are written before the close.
[ "$(tls hnb-3 -H 'Connection: close' "$base/cwmp")" = 405 ] || fail "GET /cwmp, Connection: close"
[ "$(tls hnb-3 --http1.0 "$base/cwmp")" = 405 ] || fail "GET /cwmp, HTTP/1.0"
[ "$(tls hnb-3 -H 'Connection: close' -H 'Content-Type: text/xml; charset="utf-8"' \
  --data-binary @"$work/bad" "$base/cwmp")" = 200 ] && [ "$(field fault)" = 8003 ] ||
  fail "malformed envelope, Connection: close"
[ "$(tls hnb-3 -H 'Content-Type: application/json' --data-binary @"$work/inform" "$base/cwmp")" = 415 ] ||
  fail "wrong media type"
[ "$(state hnb-3)" = remediation_scheduled ] || fail "hnb-3 changed: $(state hnb-3)"
alive
stop_daemon
echo "PASS"
