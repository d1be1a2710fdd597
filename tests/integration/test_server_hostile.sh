#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Hostile input: truncated, oversized and bit-flipped indications. Malformed
# ones get no ack and change no row; a bit flip that still parses can only
# ever be recorded as unverified (by design: bad signature -> unverified),
# never as signed, and never changes a device, an incident or its history.
# maydayd stays up and keeps serving.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/test_server_common.sh"

start_daemon
out=$(run_sim --prefix base --devices 4 --count 40) || fail "baseline: $out"

before=$(rows)
for mode in truncated oversized; do
  out=$(run_sim --prefix "$mode" --mode "$mode" --linger-ms 500) || fail "$mode: $out"
  grep -q ' acks=0 ' <<<"$out" || fail "$mode: acked: $out"
  alive
  [ "$(rows)" = "$before" ] || fail "$mode changed the store: $before -> $(rows)"
done
for d in truncated-000000 oversized-000000; do
  [ "$("$ctl" -d "$store" --json show "$d" | jq -r '.device.state')" = healthy ] || fail "$d marked"
done

# Every byte of a signed indication with one bit flipped.
out=$(run_sim --prefix flip --mode bitflip --linger-ms 1000 --acked "$work/flip.acks") || fail "bitflip: $out"
grep -q ' stored=0 ' <<<"$out" || fail "a bit-flipped indication was accepted as signed: $out"
alive
read -r t0 s0 u0 f0 i0 e0 <<<"$before"
read -r t1 s1 u1 f1 i1 e1 <<<"$(rows)"
[ "$s1" = "$s0" ] && [ "$i1" = "$i0" ] && [ "$e1" = "$e0" ] || fail "bitflip changed signed rows or incidents: $before -> $(rows)"
# Unverified rows: exactly one per distinct (device, counter) acked STORED_UNVERIFIED.
distinct=$(awk '$3 == 1 { print $1, $2 }' "$work/flip.acks" | sort -u | wc -l)
[ $((u1 - u0)) = "$distinct" ] || fail "unverified rows +$((u1 - u0)), acked distinct $distinct"
[ "$("$ctl" -d "$store" --json show flip-000000 | jq -r '.device.state')" = healthy ] || fail "flip device marked"

# Still serving, and the malformed input was counted.
out=$(run_sim --prefix after --devices 2 --count 10) || fail "after hostile input: $out"
stop_daemon
grep -Eq 'malformed [1-9][0-9]*' "$work/maydayd.log" || fail "malformed not counted"
grep -Eq 'oversized [1-9]' "$work/maydayd.log" || fail "oversized not counted"
echo "PASS"
