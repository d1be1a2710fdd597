#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The ACS with a CPE that is not mayday's code (issue 12): cwmp_cpe.py, a
# scripted TR-069 CPE in Python's standard library, run as its own process
# once per namespace (cwmp-1-0 with Digest MD5, cwmp-1-2 with Digest SHA-256),
# no client certificate, root "InternetGatewayDevice.", no vendor
# parameters, a Reboot it refuses, a Connection Request listener.
# Each device goes from distress (a signed indication over plain HTTP, made,
# posted and its signed acknowledgement checked by proto_client.py, a client
# written from docs/protocol.md alone with the standard library and the
# openssl command: no mayday code) to recovered: GetRPCMethods answered;
# GetParameterValues of standard names only; Download of the golden bundle
# fetched over HTTPS with Digest; TransferComplete, Reboot refused (the
# attempt stays "installed");
# its own reboot, "1 BOOT" + TransferComplete: recovered. A third device
# faults GetParameterValues: the attempt fails with that reason at once (no
# state that waits). The ACS decisions are in maydayctl show. Every envelope
# exchanged, both ways, validates with xmllint against ../shared/cwmp.
# Also: no Authorization gets 401 with SHA-256 and MD5 challenges; a wrong
# password, Basic over TLS, a certificate-less client at the distress
# endpoint (403).
here=$(cd "$(dirname "$0")" && pwd)
. "$here/test_server_common.sh"
xsd=$here/../../../shared/cwmp/all.xsd
command -v python3 >/dev/null || fail "python3 missing"
command -v curl >/dev/null || fail "curl missing"
command -v jq >/dev/null || fail "jq missing"
command -v xmllint >/dev/null || fail "xmllint missing (Debian: libxml2-utils)"
# The CWMP schema lives beside the project (../shared/cwmp), not in it: a
# checkout without it still runs the whole session, and only the schema
# check of the envelopes is skipped, saying so.
have_xsd=1
[ -f "$xsd" ] || have_xsd=0
command -v openssl >/dev/null || fail "openssl missing"
cpe=$here/cwmp_cpe.py
client="python3 -B $here/proto_client.py"

make_ca opca "mayday test operator CA"
issue server opca "/CN=hems.mayday.test" serverAuth 30 "DNS:hems.mayday.test,IP:127.0.0.1"
mkdir "$work/bundles" "$work/env"
head -c 300000 /dev/urandom > "$work/bundles/femto-it.bundle"
sha=$(sha256sum "$work/bundles/femto-it.bundle" | cut -d' ' -f1)
for d in igd-10 igd-12 igd-gpv; do
  enrol $d
  printf 'pw-of-%s-%s\n' "$d" "$RANDOM$RANDOM" > "$work/$d.pw"
  "$ctl" -d "$store" --json cwmp-credentials "$d" --username "user-$d" --psk-kek "$work/psk.kek" \
    < "$work/$d.pw" > "$work/$d.cred" || fail "cwmp-credentials $d"
  jq -r .connection_request_password "$work/$d.cred" > "$work/$d.crpw"
  [ "$(jq -r .connection_request_username "$work/$d.cred")" = mayday-acs ] &&
    [ "$(wc -c < "$work/$d.crpw")" = 33 ] || fail "Connection Request login: $(cat "$work/$d.cred")"
done
# the password is not in the store, only its HA1s
! grep -a -q -F "$(cat "$work/igd-10.pw")" "$db" || fail "a password is in the store"
# one username, one device
"$ctl" -d "$store" cwmp-credentials igd-12 --username user-igd-10 < "$work/igd-12.pw" 2>/dev/null &&
  fail "a username taken twice"
echo short | "$ctl" -d "$store" cwmp-credentials igd-12 2>/dev/null && fail "a short password"
rc=0
echo long-enough | "$ctl" -d "$store" cwmp-credentials nobody 2>/dev/null || rc=$?
[ $rc = 3 ] || fail "credentials of a device not enrolled: exit $rc"

aport=$("$here/../../scripts/free-port.sh" tcp)
start_daemon "http_timeout = 5" "[http]
listen = 127.0.0.1:0

[https]
listen = 127.0.0.1:$aport
cert = $work/server.pem
key = $work/server.key
ca = $work/opca.pem

[acs]
url = https://127.0.0.1:$aport/cwmp
bundle_dir = $work/bundles
http_auth = 1"
base="https://127.0.0.1:$aport"

# ---- HTTP authentication at the edges -----------------------------------------------------
plain() { curl -sS -o "$work/resp" -D "$work/hdr" -w '%{http_code}' --max-time 10 --cacert "$work/opca.pem" "$@" 2>>"$work/curl.err" || true; }
[ "$(plain -X POST "$base/cwmp")" = 401 ] || fail "no Authorization: not 401"
grep -qi '^www-authenticate: Digest realm="mayday-acs".*algorithm=SHA-256' "$work/hdr" &&
  grep -qi '^www-authenticate: Digest realm="mayday-acs".*algorithm=MD5' "$work/hdr" ||
  fail "challenges: $(cat "$work/hdr")"
[ "$(plain --digest -u "user-igd-10:wrong-password" -X POST "$base/cwmp")" = 401 ] ||
  fail "a wrong password was let in"
# Basic over TLS, checked against the SHA-256 HA1: an empty POST outside a session is 204
[ "$(plain -u "user-igd-10:$(cat "$work/igd-10.pw")" -X POST "$base/cwmp")" = 204 ] ||
  fail "Basic over TLS"
[ "$(plain --digest -u "user-igd-10:$(cat "$work/igd-10.pw")" -X POST "$base/cwmp")" = 204 ] ||
  fail "curl's Digest"
# a client without certificate gets nothing from the distress endpoint
[ "$(plain -H 'Content-Type: application/cose' --data-binary "0123456789" "$base/v1/distress")" = 403 ] ||
  fail "distress without a client certificate"

# ---- distress -> recovered, per namespace ---------------------------------------------------
# distress ID COUNTER: the device's indication (its enrolled key), signed and
# posted by proto_client.py; the signed ack must say stored, remediate at the
# ACS. (The device's state is the caller's to check: a CPE already waiting
# for its Connection Request may be recovered by the time the ack is read.)
distress() {
  local ind="$work/ind-$1-$2.cose" ack
  $client indication --key "$work/$1.key" --device-id "$1" --counter "$2" --time 1700000000 \
    --transport 2 --out "$ind" || fail "proto_client indication $1 $2"
  [ "$($client post --url "http://127.0.0.1:$http_port/v1/distress" --ack-out "$work/ack" "$ind")" = 200 ] ||
    fail "distress of $1"
  ack=$($client verify-ack --pub "$work/hems.pub" --in "$work/ack" --device-id "$1" --counter "$2") ||
    fail "ack of $1"
  case $ack in
    "status=0 action=2 "*" acs_url=$base/cwmp") ;;
    *) fail "ack of $1: $ack" ;;
  esac
}
cpe_args() {  # cpe_args DEVICE NS ALG SCENARIO
  echo "$4" --acs "$base/cwmp" --ca "$work/opca.pem" --ns "$2" --alg "$3" \
    --serial "$1" --username "user-$1" --password-file "$work/$1.pw" \
    --cr-password "$(cat "$work/$1.crpw")" --expect-sha256 "$sha" --log-dir "$work/env"
}
run_cpe() {  # run_cpe DEVICE NS ALG SCENARIO
  python3 -B "$cpe" $(cpe_args "$@") > "$work/cpe-$1.out" 2>&1 ||
    fail "cpe $1: $(tail -5 "$work/cpe-$1.out")"
  cat "$work/cpe-$1.out"
}
# The CPE boots (its Inform announces its ConnectionRequestURL), reports
# distress, and is reached by a Connection Request rather than waiting for
# its next periodic Inform.
for v in "igd-10 1-0 MD5" "igd-12 1-2 SHA-256"; do
  set -- $v
  : > "$work/cpe-$1.out"   # there before the loop below reads it
  python3 -B "$cpe" $(cpe_args "$1" "$2" "$3" remediate) --cr-wait ${CR_WAIT:-60} > "$work/cpe-$1.out" 2>&1 &
  cpid=$!
  bg_pids="$bg_pids $cpid"
  for _ in $(seq 300); do
    grep -q '^READY' "$work/cpe-$1.out" && break
    kill -0 $cpid 2>/dev/null || break
    sleep 0.1
  done
  grep -q '^READY' "$work/cpe-$1.out" || fail "cpe $1 not ready: $(cat "$work/cpe-$1.out")"
  distress "$1" 1
  wait $cpid || fail "cpe $1: $(tail -5 "$work/cpe-$1.out")"
  cat "$work/cpe-$1.out"
  grep -q '^RESULT recovered rem-.* via 6 CONNECTION REQUEST' "$work/cpe-$1.out" ||
    fail "cpe $1 did not recover through a Connection Request"
  json=$("$ctl" -d "$store" --json show "$1")
  [ "$(jq -r .device.state <<<"$json")" = healthy ] || fail "$1: $json"
  [ "$(jq -r '.remediation_attempts | length' <<<"$json")" = 1 ] || fail "$1 attempts: $json"
  [ "$(jq -r '.remediation_attempts[0].result' <<<"$json")" = recovered ] || fail "$1: $json"
  [ "$(jq -r '.remediation_attempts[0].fault_code' <<<"$json")" = 9001 ] || fail "$1 refusal: $json"
  [ "$(jq -r '.remediation_attempts[0].downloaded' <<<"$json")" = true ] || fail "$1 download: $json"
  notes=$(jq -r '.acs_decisions[].text' <<<"$json")
  grep -q "session in urn:dslforum-org:cwmp-$2, authenticated by HTTP Digest $3, data model InternetGatewayDevice.: GetParameterValues of 1 parameter(s) under it (standard only" <<<"$notes" ||
    fail "$1: no GetParameterValues decision: $notes"
  grep -q "Inform (1 BOOT 7 TRANSFER COMPLETE) in urn:dslforum-org:cwmp-$2, authenticated by HTTP Digest $3" <<<"$notes" &&
    grep -q "no free space or max image size announced" <<<"$notes" &&
    grep -q "CPE Fault 9001 to Reboot.*stays installed, left to reboot by itself" <<<"$notes" &&
    grep -q "after 1 BOOT: recovered" <<<"$notes" &&
    grep -q "Connection Request to http://127.0.0.1:[0-9]*/cr: 200 (the CPE will open a session)" <<<"$notes" ||
    fail "$1 decisions: $notes"
  "$ctl" -d "$store" show "$1" | grep -A30 '^ACS decisions' | grep -q 'Reboot refused\|CPE Fault 9001 to Reboot' ||
    fail "$1: no ACS decisions in maydayctl show"
done

# ---- a Fault to GetParameterValues ends the attempt ------------------------------------------
distress igd-gpv 1
[ "$(state igd-gpv)" = remediation_scheduled ] || fail "igd-gpv is $(state igd-gpv)"
run_cpe igd-gpv 1-2 SHA-256 refuse-gpv
json=$("$ctl" -d "$store" --json show igd-gpv)
[ "$(jq -r .device.state <<<"$json")" = in_distress ] || fail "igd-gpv: $json"
[ "$(jq -r '.remediation_attempts[0].result' <<<"$json")" = failed ] &&
  [ "$(jq -r '.remediation_attempts[0].fault_code' <<<"$json")" = 9002 ] &&
  jq -r '.remediation_attempts[0].detail' <<<"$json" | grep -q 'CPE Fault 9002 to GetParameterValues' ||
  fail "igd-gpv attempt: $json"

# ---- every envelope, both ways, against the CWMP schema ----------------------------------------
# ../shared/cwmp holds the cwmp-1-2 schema only; the cwmp-1-0 messages used here
# are the same elements, so they are checked with the namespace renamed.
n=0
for f in "$work"/env/*.xml; do
  [ "$have_xsd" = 1 ] || break
  sed 's/urn:dslforum-org:cwmp-1-0/urn:dslforum-org:cwmp-1-2/' "$f" > "$work/check.xml"
  xmllint --noout --nonet --schema "$xsd" "$work/check.xml" 2>"$work/xmllint.err" ||
    fail "$(basename "$f") does not validate: $(cat "$work/xmllint.err"; cat "$f")"
  n=$((n + 1))
done
[ "$have_xsd" = 1 ] || echo "NOTE: $xsd missing: the envelopes were not checked against the CWMP schema"
sent=$(ls "$work"/env/*-sent.xml | wc -l)
recv=$(ls "$work"/env/*-recv.xml | wc -l)
[ "$sent" -ge 16 ] && [ "$recv" -ge 16 ] || fail "only $sent sent and $recv received envelopes"
for k in Inform GetRPCMethods GetParameterValuesResponse DownloadResponse TransferComplete; do
  grep -l "<cwmp:$k[ />]" "$work"/env/1-0-*-sent.xml >/dev/null || fail "no cwmp-1-0 $k sent"
done
for k in InformResponse GetRPCMethodsResponse GetParameterValues Download TransferCompleteResponse Reboot; do
  grep -l "<cwmp:$k[ />]" "$work"/env/1-0-*-recv.xml >/dev/null || fail "no cwmp-1-0 $k received"
  grep -l "<cwmp:$k[ />]" "$work"/env/1-2-*-recv.xml >/dev/null || fail "no cwmp-1-2 $k received"
done
grep -l "urn:dslforum-org:cwmp-1-0" "$work"/env/1-0-*-recv.xml >/dev/null || fail "ACS did not answer in cwmp-1-0"
[ "$have_xsd" = 1 ] && echo "$n envelopes validate ($sent sent, $recv received)"
alive
stop_daemon
echo "PASS"
