#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Batch acknowledgements (docs/protocol.md §7.2) from a real maydayd: devices
# that ask for them (mayday-sim's default, like the DCF) get acks under a
# root signed once per committed batch, over plain UDP and sealed over PSK;
# devices that do not ask (--single-acks) and unverified senders get the
# single signed form, even in the same batches; [ack] batch = off signs every
# ack singly. mayday-sim verifies every ack of either form against hems.pub
# (bad_acks=0) and counts the forms.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/test_server_common.sh"

forms() { sed -n 's/^ack forms: \(.*\)$/\1/p' <<<"$1"; }

start_daemon "" "[psk]
listen = 127.0.0.1:0"
[ -n "$psk_port" ] || fail "no psk listener"

# 40 devices, 400 indications, 64 in flight: they share commits.
out=$(run_sim --prefix batch --devices 40 --count 400 --window 64) || fail "batch run: $out"
grep -q ' stored=400 .*lost=0 bad_acks=0' <<<"$out" || fail "batch run: $out"
[ "$(forms "$out")" = "batch=400 single=0" ] || fail "batch run forms: $out"

# Devices that predate the form, and devices that ask, at the same time.
run_sim --prefix old --devices 20 --count 200 --window 32 --single-acks >"$work/old.out" 2>&1 &
old_pid=$!
out=$(run_sim --prefix new --devices 20 --count 200 --window 32) || fail "mixed, new: $out"
wait "$old_pid" || fail "mixed, old: $(cat "$work/old.out")"
old=$(cat "$work/old.out")
grep -q ' stored=200 .*lost=0 bad_acks=0' <<<"$out" || fail "mixed, new: $out"
grep -q ' stored=200 .*lost=0 bad_acks=0' <<<"$old" || fail "mixed, old: $old"
[ "$(forms "$out")" = "batch=200 single=0" ] || fail "mixed, new forms: $out"
[ "$(forms "$old")" = "batch=0 single=200" ] || fail "mixed, old forms: $old"

# Unknown devices ask too, but their indications do not verify: the claim is
# not their word, and status 1 is answered singly.
out=$(run_sim --prefix ghost --devices 3 --count 6 --no-enrol) || fail "unknown devices: $out"
grep -q ' unverified=6 .*lost=0 bad_acks=0' <<<"$out" || fail "unknown devices: $out"
[ "$(forms "$out")" = "batch=0 single=6" ] || fail "unknown devices forms: $out"

# PSK: the batch ack is the sealed plaintext.
out=$(run_sim --method psk --port "$psk_port" --prefix psk --devices 16 --count 64) ||
  fail "psk run: $out"
grep -q ' stored=64 .*lost=0 bad_acks=0' <<<"$out" || fail "psk run: $out"
[ "$(forms "$out")" = "batch=64 single=0" ] || fail "psk forms: $out"

alive
stop_daemon
line=$(sed -n 's/.*batch acks: \([0-9]*\) under \([0-9]*\) root signatures.*/\1 \2/p' "$work/maydayd.log")
read -r batched roots <<<"$line"
[ "$batched" = 664 ] || fail "maydayd counted $batched batch acks, expected 664: $line"
# Fewer signatures than acks: at least one root was shared.
[ "$roots" -ge 1 ] && [ "$roots" -lt "$batched" ] || fail "$roots root signatures for $batched acks"
grep -q ' 0 ack errors' "$work/maydayd.log" || fail "ack errors"
echo "batch acks: $batched under $roots root signatures"

# [ack] batch = off: every ack is signed singly, whatever the device asks.
start_daemon "" "[ack]
batch = off"
out=$(run_sim --prefix off --devices 10 --count 50) || fail "batch off: $out"
grep -q ' stored=50 .*lost=0 bad_acks=0' <<<"$out" || fail "batch off: $out"
[ "$(forms "$out")" = "batch=0 single=50" ] || fail "batch off forms: $out"
stop_daemon
grep -q 'batch acks: 0 under 0 root signatures' "$work/maydayd.log" || fail "batch off: counted"

# A value other than on/off is refused at start.
write_conf "" "[ack]
batch = yes"
timeout 20 "$maydayd" -c "$work/maydayd.conf" -f >"$work/check.out" 2>&1 &&
  fail "[ack] batch = yes accepted"
grep -q 'batch must be on or off' "$work/check.out" || fail "no reason: $(cat "$work/check.out")"
echo "PASS"
