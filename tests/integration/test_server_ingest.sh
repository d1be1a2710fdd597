#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Signed indications from enrolled devices are stored, acked with a
# verifiable signed ack (mayday-sim verifies every one against hems.pub),
# and visible to maydayctl; unknown devices are stored unverified without
# marking anything; replays get the same ack or REJECTED and no new rows.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/test_server_common.sh"

start_daemon

# One indication from one enrolled device.
out=$(run_sim --prefix one --devices 1 --count 1) || fail "single indication: $out"
grep -q ' stored=1 .*lost=0 bad_acks=0' <<<"$out" || fail "single indication not stored+acked: $out"
[ "$(rows)" = "1 1 0 1 1 2" ] || fail "rows after one indication: $(rows)"
json=$("$ctl" -d "$store" --json show one-000000)
[ "$(jq -r '.device.state' <<<"$json")" = in_distress ] || fail "device not in distress: $json"
[ "$(jq -r '.indications[0].trust' <<<"$json")" = signed ] || fail "trust: $json"
[ "$(jq -r '.indications[0].failed_components[0].name' <<<"$json")" = rootfs.img ] || fail "evidence: $json"
[ "$(jq -r '.indications[0].failed_components[0].measured_digest | length' <<<"$json")" = 64 ] || fail "digest: $json"

# A fleet: 20 devices, 400 indications.
out=$(run_sim --prefix fleet --devices 20 --count 400 --window 64) || fail "fleet run: $out"
grep -q ' stored=400 .*lost=0 bad_acks=0' <<<"$out" || fail "fleet: $out"
n=$("$ctl" -d "$store" --json devices --maintenance | jq '[.[] | select(.device_id | startswith("fleet-"))] | length')
[ "$n" = 20 ] || fail "$n fleet devices need maintenance, expected 20"
read -r total signed unverified _ incidents _ <<<"$(rows)"
[ "$signed" = 401 ] && [ "$unverified" = 0 ] && [ "$incidents" = 21 ] || fail "rows after fleet: $(rows)"

# Devices nobody enrolled: stored unverified, no incident, not in maintenance.
out=$(run_sim --prefix ghost --devices 3 --count 6 --no-enrol) || fail "unknown devices: $out"
grep -q ' unverified=6 .*lost=0 bad_acks=0' <<<"$out" || fail "unknown devices: $out"
read -r total signed unverified _ incidents _ <<<"$(rows)"
[ "$signed" = 401 ] && [ "$unverified" = 6 ] && [ "$incidents" = 21 ] || fail "rows after unknown: $(rows)"
"$ctl" -d "$store" --json devices --maintenance | jq -e '[.[] | select(.device_id | startswith("ghost"))] | length == 0' >/dev/null \
  || fail "unknown devices listed for maintenance"

# Replays: identical bytes -> identical acks; other claims, same counters -> REJECTED.
before=$(rows)
out=$(run_sim --prefix replay --devices 5 --count 25 --mode replay) || fail "replay: $out"
grep -q 'identical_same_ack=25/25 conflicts_rejected=25/25' <<<"$out" || fail "replay: $out"
read -r t0 s0 u0 f0 i0 e0 <<<"$before"
read -r t1 s1 u1 f1 i1 e1 <<<"$(rows)"
[ $((s1 - s0)) = 25 ] && [ $((f1 - f0)) = 25 ] && [ $((i1 - i0)) = 5 ] && [ "$u1" = "$u0" ] \
  || fail "replays changed the store beyond the 25 originals: $before -> $(rows)"

alive
stop_daemon
grep -q 'replay conflicts 25' "$work/maydayd.log" || fail "conflicts not counted"
echo "PASS"
