#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Forgeries naming an enrolled device (signed with another key) flood the
# plain UDP listener from 127.0.0.2 at 25,000 datagrams a second, while the
# device itself sends twenty indications from 127.0.0.1: each must be acked
# (signed, status stored) at its first or second send, 2 s apart. One verify
# worker (about 15,000 verifications a second) cannot keep up with the
# flood if every forgery costs a verification, while decoding alone keeps up
# with it many times over, even under the sanitizers: so the outcome tells
# the guard's order of checks apart, not how busy the machine is (a late
# ack still counts; only a datagram lost behind the queue does not). The
# bad-signature guard (docs/maydayd.conf.example) drops the forgeries before
# any verification once the device's and the source's few failures are
# spent; without it every forgery costs a verification and the device's
# datagrams drown in the queue. The forged rows are few: the guard and the
# unverified limiter bound them.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/test_server_common.sh"
flood=$build/tests/srv_flood
[ -x "$flood" ] || fail "missing $flood"

enrol hnb-1
WORKERS=1 start_daemon "${BADSIG_LIMITS:-}"
out=$("$flood" --port "$port" --key "$work/hnb-1.key" --device hnb-1 \
  --hems-pub "$work/hems.pub" --rate 25000 --legit 20 --wait-ms 2000) || rc=$?
echo "$out"
[ "${rc:-0}" = 0 ] || fail "the device was not acked at its first or second send: $out"
forged=$(sed -n 's/.*forged=\([0-9]*\).*/\1/p' <<<"$out")
# The flood ran, at its rate, for as long as the device sent.
[ "$forged" -ge 2000 ] || fail "the flood sent only $forged forgeries"
alive
grep -q "the device's and the source's recent signatures failed; dropped unverified" \
  "$work/maydayd.log" || fail "no forgery was dropped before verification"
stop_daemon
# Verifications that failed: the guard's burst (5) and its refill, not the flood.
bad=$(sed -n 's/.*bad signature \([0-9]*\)).*/\1/p' "$work/maydayd.log")
echo "forgeries verified: $bad of $forged"
[ -n "$bad" ] && [ "$bad" -lt 100 ] || fail "$bad forgeries were verified"
[ "$(q "SELECT count(*) FROM indications WHERE trust = 'signed'")" = 20 ] ||
  fail "the device's indications were not all stored signed"
echo "PASS"
