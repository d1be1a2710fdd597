#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The live API against its description (issue 13: "an OpenAPI 3 document in
# docs/ that a test validates the live answers against"): a real maydayd
# fed with real indications -- mayday-sim's devices over UDP, a distress
# indication that opens an incident, another device's, and forgeries naming
# a device never enrolled -- then every operation of docs/openapi.json
# called over the API's UNIX socket (openapi_check.py: reads with paging and
# filters, then every write), each answer validated against the document
# with python3-jsonschema. No timing: every step waits for its answer.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/test_server_common.sh"
command -v python3 >/dev/null || fail "python3 missing"
python3 -c 'import jsonschema' 2>/dev/null || {
  echo "SKIP: python3 jsonschema is not installed (scripts/deps.sh: python3-jsonschema)"
  exit 77
}
spec=$here/../../docs/openapi.json
[ -s "$spec" ] || fail "docs/openapi.json missing"

for d in hnb-1 hnb-2 hnb-3; do enrol $d; done
ec_key "$work/hnb-new.key"
openssl pkey -in "$work/hnb-new.key" -pubout -out "$work/hnb-new.pub" 2>/dev/null
ec_key "$work/ghost-1.key"   # never enrolled: its indications are unverified

start_daemon
[ -S "$work/api.sock" ] || fail "no API socket"
out=$(run_sim --prefix sim --devices 3 --count 6 --duration 30) || fail "mayday-sim: $out"
for d in hnb-1 hnb-2; do
  "$itool" udp --port "$port" --in "$(sign $d 1 1)" --hems-pub "$work/hems.pub" \
    --wait-ms 10000 >/dev/null || fail "$d: no ack"
done
"$itool" udp --port "$port" --in "$(sign ghost-1 1 1)" --hems-pub "$work/hems.pub" \
  --wait-ms 10000 >/dev/null || true   # an unknown device: no ack is expected
"$itool" udp --port "$port" --in "$(sign hnb-1 2 1)" --hems-pub "$work/hems.pub" \
  --wait-ms 10000 >/dev/null || fail "hnb-1 again: no ack"
# the ghost's row is committed once it can be read back
for _ in $(seq 600); do
  [ "$(q "SELECT count(*) FROM indications WHERE device_id = 'ghost-1'")" -ge 1 ] && break
  sleep 0.1
done
[ "$(q "SELECT count(*) FROM indications WHERE device_id = 'ghost-1'")" -ge 1 ] ||
  fail "the unenrolled sender's indication was not stored"
[ "$(q "SELECT count(*) FROM incidents WHERE device_id = 'hnb-1'")" = 1 ] || fail "no incident"

jq -n --arg pem "$(cat "$work/hnb-new.pub")" \
  --argjson devices "$(q "SELECT count(*) FROM devices")" \
  --argjson indications "$(q "SELECT count(*) FROM indications")" \
  '{class: "femto-it", incident_device: "hnb-1", revoke_device: "hnb-3",
    new_device: "hnb-new", new_device_pem: $pem, devices: $devices,
    indications: $indications}' >"$work/facts.json"
python3 "$here/openapi_check.py" "$work/api.sock" "$spec" "$work/facts.json" ||
  fail "answers do not match docs/openapi.json"
# what the writes did is in the store, with who did it
[ "$(q "SELECT count(*) FROM devices WHERE device_id = 'hnb-new'")" = 1 ] || fail "not enrolled"
[ -n "$(q "SELECT revoked_at FROM devices WHERE device_id = 'hnb-3'")" ] || fail "not revoked"
[ "$(q "SELECT count(*) FROM operator_actions WHERE identity = 'unix:$(id -un)($(id -u))'")" -ge 4 ] ||
  fail "the writes are not recorded as the socket's peer"
alive
stop_daemon
echo "ok: the live API matches docs/openapi.json"
